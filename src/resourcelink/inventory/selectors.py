"""Reads of the catalogue, the stores and the stock.

Stock figures are read from the lots' cached ``on_hand``/``reserved`` (kept
by the services with the ledger), never summed over the moves, except by
``ledger_totals`` which exists to check that cache.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Case, CharField, F, QuerySet, Sum, Value, When
from django.utils import timezone

from resourcelink.accounts.access import get_scoped_object
from resourcelink.accounts.models import Station

from .models import Item, Lot, StockMove, Stocktake, StocktakeLine, Store

EXPIRY_WARNING_DAYS = 30


def get_item_for_user(user, pk, *, roles=None) -> Item:
    return get_scoped_object(user, Item.objects.select_related("category"), pk, roles=roles)


def get_store_for_user(user, pk, *, roles=None) -> Store:
    return get_scoped_object(user, Store.objects.all(), pk, roles=roles)


def get_lot_for_user(user, pk, *, roles=None) -> Lot:
    return get_scoped_object(user, Lot.objects.select_related("item", "store"), pk, roles=roles)






@dataclass
class StockFigures:
    on_hand: int = 0
    reserved: int = 0

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


@dataclass
class StoreStock(StockFigures):
    store: Store | None = None


@dataclass
class ItemStock(StockFigures):
    item: Item | None = None
    stores: list[StoreStock] = field(default_factory=list)


def stock_by_item(station: Station, store: Store | None = None) -> list[ItemStock]:
    """On hand, reserved and available per item (ordered by item code), each
    with the same figures per store. Items with no lot are left out. Two
    queries plus one per kind of object, whatever the number of lots."""
    lots = Lot.objects.filter(station=station)
    if store is not None:
        lots = lots.filter(store=store)
    rows = list(lots.values("item_id", "store_id").annotate(on_hand=Sum("on_hand"), reserved=Sum("reserved"))
                .order_by())
    items = Item.objects.in_bulk({r["item_id"] for r in rows})
    stores = Store.objects.in_bulk({r["store_id"] for r in rows})
    by_item: dict[int, ItemStock] = {}
    for r in rows:
        entry = by_item.setdefault(r["item_id"], ItemStock(item=items[r["item_id"]]))
        entry.on_hand += r["on_hand"] or 0
        entry.reserved += r["reserved"] or 0
        entry.stores.append(StoreStock(store=stores[r["store_id"]], on_hand=r["on_hand"] or 0,
                                       reserved=r["reserved"] or 0))
    result = sorted(by_item.values(), key=lambda e: (e.item.code, e.item.pk))
    for entry in result:
        entry.stores.sort(key=lambda s: (s.store.name, s.store.pk))
    return result


def lots_for_station(station: Station, filters: dict | None = None, *, today: datetime.date | None = None,
                     warn_days: int = EXPIRY_WARNING_DAYS) -> QuerySet[Lot]:
    """The station's lots, sooner-expiring first, each annotated with
    ``expiry_state``: ``"expired"``, ``"expiring"`` (within ``warn_days``)
    or ``""``.

    ``filters``: ``item``, ``store``, ``category`` (objects or ids),
    ``in_stock`` (on hand > 0), ``expiring_within`` (days: expires between
    today and then), ``expired`` (True: past its date).
    """
    filters = filters or {}
    today = today or timezone.localdate()
    qs = Lot.objects.filter(station=station).select_related("item", "store")
    if filters.get("item"):
        qs = qs.filter(item=filters["item"])
    if filters.get("store"):
        qs = qs.filter(store=filters["store"])
    if filters.get("category"):
        qs = qs.filter(item__category=filters["category"])
    if filters.get("in_stock"):
        qs = qs.filter(on_hand__gt=0)
    if filters.get("expiring_within") is not None:
        until = today + datetime.timedelta(days=int(filters["expiring_within"]))
        qs = qs.filter(expires_on__gte=today, expires_on__lte=until)
    if filters.get("expired"):
        qs = qs.filter(expires_on__lt=today)
    warn_until = today + datetime.timedelta(days=warn_days)
    qs = qs.annotate(expiry_state=Case(
        When(expires_on__lt=today, then=Value("expired")),
        When(expires_on__lte=warn_until, then=Value("expiring")),
        default=Value(""), output_field=CharField()))
    return qs.order_by(F("expires_on").asc(nulls_last=True), "id")


def ledger_of(lot: Lot) -> QuerySet[StockMove]:
    """The lot's moves, oldest first."""
    return StockMove.objects.filter(lot_id=lot.pk).select_related("moved_by", "counterpart").order_by("id")


def ledger_totals(lot_ids) -> dict[int, tuple[int, int]]:
    """``{lot_id: (on_hand, reserved)}`` summed from the moves; a lot with
    no move is ``(0, 0)``. What the lots' cached figures must equal."""
    lot_ids = list(lot_ids)
    totals = {pk: (0, 0) for pk in lot_ids}
    rows = (StockMove.objects.filter(lot_id__in=lot_ids).values("lot_id")
            .annotate(on_hand=Sum("on_hand_delta"), reserved=Sum("reserved_delta")).order_by())
    for r in rows:
        totals[r["lot_id"]] = (r["on_hand"] or 0, r["reserved"] or 0)
    return totals


def get_stocktake_for_user(user, pk, *, roles=None) -> Stocktake:
    return get_scoped_object(user, Stocktake.objects.select_related("store"), pk, roles=roles)


def stocktakes_for_station(station: Station, store: Store | None = None) -> QuerySet[Stocktake]:
    """The station's stocktakes, newest first."""
    qs = Stocktake.objects.filter(station=station).select_related("store", "created_by", "confirmed_by")
    return qs.filter(store=store) if store is not None else qs


@dataclass
class StocktakeDifference:
    line: StocktakeLine
    expected: int
    counted: int | None
    on_hand: int  # the lot's on hand now (moves since the sheet was made count)

    @property
    def difference(self) -> int | None:
        """What confirming would adjust by: counted − on hand now (None while uncounted)."""
        return None if self.counted is None else self.counted - self.on_hand


def stocktake_differences(stocktake: Stocktake) -> list[StocktakeDifference]:
    """Each line of the sheet with what was expected, what was counted, the
    lot's current on hand and the difference confirming would adjust. One
    query."""
    lines = (StocktakeLine.objects.filter(stocktake=stocktake)
             .select_related("lot__item", "lot__store", "counted_by").order_by("id"))
    return [StocktakeDifference(line=line, expected=line.expected, counted=line.counted, on_hand=line.lot.on_hand)
            for line in lines]
