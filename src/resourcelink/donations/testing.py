"""Helpers for tests of any app that needs donors and donations. They call
the services with ``check=False``. Items come from the station's default
catalogue and stores from ``inventory.testing`` (re-exported here)."""

import datetime
import itertools

from django.utils import timezone

from resourcelink.inventory.testing import get_item, make_store

from .models import Donation, Donor
from .services import LineSpec, donation_receive, donor_create

__all__ = ["days_ago", "get_item", "make_cash", "make_donor", "make_in_kind", "make_store"]

_counter = itertools.count(1)


def make_donor(station, **fields) -> Donor:
    n = next(_counter)
    fields.setdefault("kind", "enterprise")
    fields.setdefault("name", f"测试捐赠单位{n}")
    return donor_create(actor=None, station=station, check=False, **fields)


def make_in_kind(station, actor, *, lines=None, store=None, donor=None, received_on=None, **fields) -> Donation:
    """An in-kind donation (default: 100 masks) received into a store."""
    lines = lines or [LineSpec(get_item(station, "masks"), 100)]
    return donation_receive(actor=actor, station=station, donor=donor or make_donor(station), kind="in_kind",
                            received_on=received_on or timezone.localdate(), lines=lines,
                            store=store or make_store(station), check=False, **fields)


def make_cash(station, actor, amount="1000.00", *, donor=None, received_on=None, **fields) -> Donation:
    """A cash donation; restrictions as keyword arguments (target_tags=...)."""
    return donation_receive(actor=actor, station=station, donor=donor or make_donor(station), kind="cash",
                            received_on=received_on or timezone.localdate(), amount=amount, check=False, **fields)


def days_ago(n: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=n)
