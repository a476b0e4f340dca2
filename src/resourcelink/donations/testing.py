"""Helpers for tests of any app that needs donors, donations, items and
stores. They call the services with ``check=False``."""

import datetime
import itertools

from django.utils import timezone

from resourcelink.inventory.models import Item, Store
from resourcelink.taxonomy.models import Category

from .models import Donation, Donor
from .services import LineSpec, donation_receive, donor_create

_counter = itertools.count(1)


def make_donor(station, **fields) -> Donor:
    n = next(_counter)
    fields.setdefault("kind", "enterprise")
    fields.setdefault("name", f"测试捐赠单位{n}")
    return donor_create(actor=None, station=station, check=False, **fields)


def get_item(station, code: str = "masks") -> Item:
    """The station's catalogue item with this code (made if the catalogue
    does not have it)."""
    item = Item.objects.filter(station=station, code=code).first()
    if item is None:
        category = Category.objects.filter(station=station).order_by("id").first()
        item = Item.objects.create(station=station, code=code, name_zh_hans=code, name_en=code.title(),
                                   category=category, unit="pcs")
    return item


def make_store(station, name: str = "") -> Store:
    n = next(_counter)
    return Store.objects.create(station=station, name=name or f"测试仓库{n}")


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
