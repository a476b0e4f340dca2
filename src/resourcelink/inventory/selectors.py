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


# --- reads of the store room's pages and exports -------------------------------------------------
#
# Every figure below is read from the lots' cached on_hand/reserved; none sums
# the moves, so the pages cost the same with a million moves as with ten.

EXPIRY_FILTERS = ("expired", "expiring", "warning")


def items_for_station(station: Station, *, search: str = "", category=None,
                      include_archived: bool = False) -> QuerySet[Item]:
    """The catalogue, by code. ``search`` looks in the code and both names;
    ``category`` takes its sub-categories too."""
    from django.db.models import Q

    from resourcelink.taxonomy.selectors import category_subtree_q

    qs = Item.objects.filter(station=station).select_related("category")
    if not include_archived:
        qs = qs.filter(archived_on__isnull=True)
    if category is not None:
        qs = qs.filter(category_subtree_q(category, "category__"))
    search = (search or "").strip()
    if search:
        qs = qs.filter(Q(code__icontains=search) | Q(name_zh_hans__icontains=search) | Q(name_en__icontains=search))
    return qs.order_by("code", "id")


def stores_for_station(station: Station, *, include_archived: bool = False) -> QuerySet[Store]:
    """The station's stores by name, each with ``on_hand``, ``reserved`` and
    ``n_lots`` (lots holding stock) summed over its lots' cached figures.
    One query."""
    from django.db.models import Count, Q
    from django.db.models.functions import Coalesce

    qs = Store.objects.filter(station=station).select_related("community")
    if not include_archived:
        qs = qs.filter(archived_on__isnull=True)
    return qs.annotate(
        on_hand=Coalesce(Sum("lots__on_hand"), 0), reserved=Coalesce(Sum("lots__reserved"), 0),
        n_lots=Count("lots", filter=Q(lots__on_hand__gt=0)),
    ).order_by("name", "id")


def live_stores(station: Station | int) -> QuerySet[Store]:
    return Store.objects.filter(station=station, archived_on__isnull=True).order_by("name", "id")


@dataclass
class StockRow:
    """One item in one store (``store`` set), or an item across the stores
    (``store`` None, ``stores`` its per-store rows): what the lots hold."""

    item: Item | None = None
    store: Store | None = None
    on_hand: int = 0
    reserved: int = 0
    expired: int = 0  # on hand in lots past their date
    expiring: int = 0  # on hand in lots expiring within the warning days
    nearest_expiry: datetime.date | None = None  # of the lots holding stock
    value: object = None  # Decimal: on hand × value per unit, where lots have a value
    stores: list[StockRow] = field(default_factory=list)

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    @property
    def warning(self) -> bool:
        return bool(self.expired or self.expiring)

    def add(self, other: StockRow) -> None:
        self.on_hand += other.on_hand
        self.reserved += other.reserved
        self.expired += other.expired
        self.expiring += other.expiring
        if other.nearest_expiry and (self.nearest_expiry is None or other.nearest_expiry < self.nearest_expiry):
            self.nearest_expiry = other.nearest_expiry
        if other.value is not None:
            self.value = (self.value or 0) + other.value


def stock_summary(station: Station, *, store: Store | None = None, item: Item | None = None, category=None,
                  search: str = "", include_empty: bool = False, today: datetime.date | None = None,
                  warn_days: int = EXPIRY_WARNING_DAYS) -> list[StockRow]:
    """Per item (by code) the stock across stores, each with its per-store
    rows (by store name): on hand, reserved, expired and expiring quantities,
    nearest expiry and value. Only lots holding stock count unless
    ``include_empty``. Three queries (the grouped lots, their items, their
    stores), whatever the number of lots or moves."""
    from decimal import Decimal

    from django.db.models import DecimalField, Min, Q
    from django.db.models.functions import Coalesce

    from resourcelink.taxonomy.selectors import category_subtree_q

    today = today or timezone.localdate()
    warn_until = today + datetime.timedelta(days=warn_days)
    lots = Lot.objects.filter(station=station)
    if not include_empty:
        lots = lots.filter(on_hand__gt=0)
    if store is not None:
        lots = lots.filter(store=store)
    if item is not None:
        lots = lots.filter(item=item)
    if category is not None:
        lots = lots.filter(category_subtree_q(category, "item__category__"))
    search = (search or "").strip()
    if search:
        lots = lots.filter(Q(item__code__icontains=search) | Q(item__name_zh_hans__icontains=search)
                           | Q(item__name_en__icontains=search))
    money = DecimalField(max_digits=18, decimal_places=2)
    rows = list(lots.values("item_id", "store_id").annotate(
        on_hand_sum=Coalesce(Sum("on_hand"), 0), reserved_sum=Coalesce(Sum("reserved"), 0),
        expired=Coalesce(Sum("on_hand", filter=Q(expires_on__lt=today)), 0),
        expiring=Coalesce(Sum("on_hand", filter=Q(expires_on__gte=today, expires_on__lte=warn_until)), 0),
        nearest=Min("expires_on", filter=Q(on_hand__gt=0)),
        value=Sum(F("on_hand") * F("unit_value"), output_field=money),
    ).order_by())
    items = Item.objects.select_related("category").in_bulk({r["item_id"] for r in rows})
    stores = Store.objects.in_bulk({r["store_id"] for r in rows})
    by_item: dict[int, StockRow] = {}
    for r in rows:
        value = r["value"]
        if value is not None:
            value = Decimal(value).quantize(Decimal("0.01"))
        line = StockRow(item=items[r["item_id"]], store=stores[r["store_id"]], on_hand=r["on_hand_sum"],
                        reserved=r["reserved_sum"], expired=r["expired"], expiring=r["expiring"],
                        nearest_expiry=r["nearest"], value=value)
        total = by_item.setdefault(r["item_id"], StockRow(item=line.item))
        total.add(line)
        total.stores.append(line)
    result = sorted(by_item.values(), key=lambda e: (e.item.code, e.item.pk))
    for entry in result:
        entry.stores.sort(key=lambda s: (s.store.name, s.store.pk))
    return result


def stock_with_expiry(rows: list[StockRow], expiry: str) -> list[StockRow]:
    """Only the items (and, under each, the stores) with ``expiry`` stock:
    ``"expired"``, ``"expiring"`` or ``"warning"`` (either); ``""`` keeps all."""
    if expiry not in EXPIRY_FILTERS:
        return rows

    def keep(row: StockRow) -> bool:
        return bool(row.expired if expiry == "expired" else row.expiring if expiry == "expiring" else row.warning)

    kept = []
    for row in rows:
        if keep(row):
            total = StockRow(item=row.item)
            for line in row.stores:
                if keep(line):
                    total.add(line)
                    total.stores.append(line)
            kept.append(total)
    return kept


def lots_filtered(station: Station, *, item=None, store=None, expiry: str = "", include_empty: bool = False,
                  item_ids=None, today: datetime.date | None = None,
                  warn_days: int = EXPIRY_WARNING_DAYS) -> QuerySet[Lot]:
    """``lots_for_station`` for the lot list and the stock report: lots
    holding stock unless ``include_empty``; ``expiry`` ``"expired"``,
    ``"expiring"`` (within the warning days) or ``"warning"`` (either);
    ``item_ids`` limits them to those items. The donation each came from is
    loaded with it."""
    today = today or timezone.localdate()
    filters: dict = {"item": item, "store": store, "in_stock": not include_empty}
    if expiry == "expired":
        filters["expired"] = True
    elif expiry == "expiring":
        filters["expiring_within"] = warn_days
    qs = lots_for_station(station, filters, today=today, warn_days=warn_days).select_related(
        "donation_line__donation")
    if item_ids is not None:
        qs = qs.filter(item_id__in=list(item_ids))
    if expiry == "warning":
        qs = qs.filter(expires_on__lte=today + datetime.timedelta(days=warn_days))
    return qs


def lot_detail(user, pk) -> Lot:
    """One lot for its page, with what it came from; 404 for outsiders."""
    return get_scoped_object(user, Lot.objects.select_related(
        "item__category", "store", "donation_line__donation", "source_lot__store"), pk)


def lot_ledger(lot: Lot) -> QuerySet[StockMove]:
    """The lot's moves, newest first."""
    return ledger_of(lot).order_by("-id")


@dataclass
class MoveFilter:
    kind: str = ""
    store: Store | None = None
    item: Item | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


def moves_for_station(station: Station, filters: MoveFilter | None = None) -> QuerySet[StockMove]:
    """The station's stock moves, newest first (by id), with their lot, item,
    store and user loaded; dates are local days, both ends included."""
    filters = filters or MoveFilter()
    qs = StockMove.objects.filter(station=station).select_related("lot__item", "lot__store", "moved_by")
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.store is not None:
        qs = qs.filter(lot__store=filters.store)
    if filters.item is not None:
        qs = qs.filter(lot__item=filters.item)
    zone = timezone.get_current_timezone()
    if filters.date_from:
        qs = qs.filter(moved_on__gte=datetime.datetime.combine(filters.date_from, datetime.time.min, tzinfo=zone))
    if filters.date_to:
        until = filters.date_to + datetime.timedelta(days=1)
        qs = qs.filter(moved_on__lt=datetime.datetime.combine(until, datetime.time.min, tzinfo=zone))
    return qs.order_by("-id")


@dataclass
class KeysetPage:
    """A page of a newest-first list read by id, with no COUNT over the
    table: ``older``/``newer`` are the ids to continue from (None at an end)."""

    rows: list
    older: int | None = None
    newer: int | None = None


def keyset_page(qs: QuerySet, *, before: int | None = None, after: int | None = None,
                per_page: int = 50) -> KeysetPage:
    """Rows of ``qs`` (ordered newest first by id) older than ``before``, or
    newer than ``after``. At most two queries, each an index range."""
    if after is not None:
        rows = list(qs.filter(id__gt=after).order_by("id")[:per_page + 1])
        more_newer = len(rows) > per_page
        rows = rows[:per_page][::-1]
        older = rows[-1].pk if rows and qs.filter(id__lt=rows[-1].pk).exists() else None
        return KeysetPage(rows, older=older, newer=rows[0].pk if more_newer else None)
    if before is not None:
        qs = qs.filter(id__lt=before)
    rows = list(qs[:per_page + 1])
    more_older = len(rows) > per_page
    rows = rows[:per_page]
    newer = rows[0].pk if before is not None and rows else None
    return KeysetPage(rows, older=rows[-1].pk if more_older else None, newer=newer)
