"""Helpers for tests of any app that needs households and residents.

They call the services with ``check=False`` (no actor needed), so a test
sets up the register the way the application writes it.
"""

import itertools

from resourcelink.communities.models import Community
from resourcelink.communities.services import community_create

from .models import Household, Resident
from .services import household_create, resident_create

_counter = itertools.count(1)


def make_community(station, name: str = "") -> Community:
    """A community of the station (the first one, or a new one)."""
    community = Community.objects.filter(station=station, archived_on__isnull=True).order_by("id").first()
    if community is None or name:
        n = next(_counter)
        community = community_create(actor=None, station=station, name=name or f"测试社区{n}", code=f"c{n}",
                                     check=False)
    return community


def make_household(station, community=None, **fields) -> Household:
    n = next(_counter)
    fields.setdefault("name", f"测试户{n}")
    fields.setdefault("address", f"测试路{n}号{n}单元{100 + n}室")
    return household_create(actor=None, station=station, community=community or make_community(station),
                            check=False, **fields)


def make_resident(household, **fields) -> Resident:
    """A resident; pass ``id_number=``, ``tags=`` or ``confirm_duplicate=``
    as to ``resident_create``."""
    n = next(_counter)
    fields.setdefault("name", f"测试人{n:03d}")
    fields.setdefault("confirm_duplicate", True)
    return resident_create(actor=None, household=household, check=False, **fields)
