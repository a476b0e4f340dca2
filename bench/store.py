"""What the store-room operations ask for, over the store room of
``bench.store_district`` (some 2,000 lots, 1,000,000 stock moves).

The pages, through the test client like the other pages: the stock page
(per item and store, with expiry warnings), the lot list (sooner-expiring
first) and the station ledger (the moves, newest first, read by id ranges).
And the on-hand figures through their selector
(``inventory.selectors.stock_by_item``), for the whole station or one store.
A page that does not exist yet (its URL name does not resolve) is left out;
while the lot list is missing, its selector (``lots_for_station``, paginated
as a page would) is measured instead.

Every request asks for something else (another store, item, category,
search, filter, kind, date range or page deep into the ledger), drawn with
a fixed seed.
"""

import datetime as dt
import random
from contextlib import contextmanager

from .workload import Operation

STOCK_TARGET_MS = 200.0
ITEMS_AT = {20: 20, 100: 100}  # "items" size: items (one lot each) added, rolled back, for q@20 / q@100


class _RollBack(Exception):
    pass


@contextmanager
def extra_items(station, n: int):
    """``n`` more catalogue items with one received lot each (and ``n``
    items a page, the page size) in the first bench store, rolled back
    afterwards: the stock figures then have ``n`` more rows, and their query
    count must not grow with them."""
    from django.db import transaction
    from django.test.utils import override_settings

    from resourcelink.inventory.models import Item, Lot, StockMove

    from .store_district import stores_of

    template = Item.objects.filter(station=station).order_by("id").first()
    store = stores_of(station)[0]
    try:
        with transaction.atomic(), override_settings(RL_PAGE_SIZE=n):
            Item.objects.bulk_create([
                Item(station=station, code=f"bench-extra-{k}", name_zh_hans=f"基准加项{k}", name_en=f"Extra {k}",
                     category_id=template.category_id, unit="件")
                for k in range(n)
            ])
            items = list(Item.objects.filter(station=station, code__startswith="bench-extra-"))
            Lot.objects.bulk_create([Lot(station=station, item=item, store=store, on_hand=10) for item in items])
            lots = Lot.objects.filter(item__in=items)
            StockMove.objects.bulk_create([StockMove(station=station, lot=lot, kind="receive", on_hand_delta=10)
                                           for lot in lots])
            yield
            raise _RollBack
    except _RollBack:
        pass


def _stock_by_item(station):
    from resourcelink.inventory.models import Store
    from resourcelink.inventory.selectors import stock_by_item

    def call(params: dict) -> int:
        store = Store.objects.get(pk=params["store"], station=station) if params.get("store") else None
        rows = stock_by_item(station, store)
        # What a page prints: each item's figures and each store's.
        return sum(1 + len(entry.stores) for entry in rows if entry.available >= 0 and entry.item.name)

    return call


def _lots_page(station):
    from django.conf import settings
    from django.core.paginator import Paginator

    from resourcelink.inventory.selectors import lots_for_station

    def call(params: dict) -> int:
        filters = {k: v for k, v in params.items() if k not in ("page", "page_size")}
        page = Paginator(lots_for_station(station, filters), params.get("page_size", settings.RL_PAGE_SIZE))
        shown = page.get_page(params.get("page", 1))
        return sum(1 for lot in shown.object_list if lot.item.name and lot.store.name and lot.expiry_state is not None)

    return call


def _url(name: str) -> str | None:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def build_store(station, *, requests: int, warmup: int, seed: int) -> list[Operation]:
    from django.conf import settings
    from django.db.models import Count, Max, Min
    from django.utils import timezone

    from resourcelink.inventory.models import Item, Lot, MoveKind, StockMove

    from .store_district import stores_of

    rng = random.Random(seed + 13)
    total = requests + warmup
    stores = [s.pk for s in stores_of(station)]
    items = list(Item.objects.filter(station=station, lots__isnull=False).distinct().order_by("id")
                 .values_list("id", "category_id", "code", "name_zh_hans"))
    lots = Lot.objects.filter(station=station).count()
    moves = StockMove.objects.filter(station=station).aggregate(low=Min("id"), high=Max("id"), n=Count("id"))
    today = timezone.localdate()

    def last_page(size: int) -> int:
        return max(1, -(-lots // size))

    def stock_figures_request() -> dict:
        return {"store": rng.choice(stores)} if rng.random() < 0.6 else {}

    def stock_page_request() -> dict:
        choice = rng.randrange(7)
        if choice == 0:
            return {}
        if choice == 1:
            return {"store": rng.choice(stores)}
        if choice == 2:
            return {"category": rng.choice(items)[1]}
        if choice == 3:
            _pk, _category, code, name = rng.choice(items)
            return {"q": rng.choice([code[:4], name[:2]])}
        if choice == 4:
            return {"expiry": rng.choice(["warning", "expired", "expiring"])}
        if choice == 5:
            return {"empty": "on", "store": rng.choice(stores)}
        return {"expiry": "warning", "store": rng.choice(stores)}

    def lot_list_request() -> dict:
        choice = rng.randrange(7)
        if choice == 0:
            params = {}
        elif choice == 1:
            params = {"store": rng.choice(stores)}
        elif choice == 2:
            params = {"item": rng.choice(items)[0]}
        elif choice == 3:
            params = {"expiry": rng.choice(["warning", "expired", "expiring"])}
        elif choice == 4:
            params = {"empty": "on", "store": rng.choice(stores)}
        elif choice == 5:
            params = {"item": rng.choice(items)[0], "store": rng.choice(stores)}
        else:
            params = {"empty": "on"}
        if rng.random() < 0.5:
            params["page"] = rng.randint(2, last_page(settings.RL_PAGE_SIZE) if len(params) <= 1 else 4)
        return params

    def lots_selector_request() -> dict:
        params = lot_list_request()
        expiry = params.pop("expiry", None)
        if expiry == "expired":
            params["expired"] = True
        elif expiry:
            params["expiring_within"] = 30
        params["in_stock"] = not params.pop("empty", None)
        return params

    def ledger_request() -> dict:
        choice = rng.randrange(8)
        if choice == 0:
            params = {}
        elif choice == 1:  # a rare kind: a few hundred among a million moves
            params = {"kind": rng.choice([MoveKind.TRANSFER_IN, MoveKind.TRANSFER_OUT, MoveKind.RECEIVE]).value}
        elif choice == 2:
            params = {"kind": rng.choice([MoveKind.ISSUE, MoveKind.RESERVE, MoveKind.ADJUST, MoveKind.WRITE_OFF]).value}
        elif choice == 3:
            params = {"store": rng.choice(stores)}
        elif choice == 4:
            params = {"item": rng.choice(items)[0]}
        elif choice == 5:
            start = today - dt.timedelta(days=rng.randint(10, 600))
            params = {"date_from": start.isoformat(), "date_to": (start + dt.timedelta(days=30)).isoformat()}
        elif choice == 6:
            params = {"kind": rng.choice([MoveKind.ISSUE, MoveKind.RETURN]).value, "store": rng.choice(stores),
                      "item": rng.choice(items)[0]}
        else:
            params = {"item": rng.choice(items)[0], "store": rng.choice(stores)}
        if moves["low"] is not None and rng.random() < 0.5:  # a page deep into the ledger
            params["before"] = rng.randint(moves["low"], moves["high"])
        return params

    operations = [
        Operation(
            "stock_figures", "on hand per item and store (selector)", "",
            [stock_figures_request() for _ in range(total)], {}, "items", target_ms=STOCK_TARGET_MS,
            group="store", call=_stock_by_item(station),
        ),
    ]
    url = _url("inventory:stock")
    if url:
        operations.append(Operation(
            "stock_page", "stock page", url, [stock_page_request() for _ in range(total)], {}, "items",
            target_ms=STOCK_TARGET_MS, group="store",
        ))
    url = _url("inventory:lot_list")
    if url:
        operations.append(Operation(
            "lot_list", "lot list (by expiry)", url, [lot_list_request() for _ in range(total)], {"empty": "on"},
            "RL_PAGE_SIZE", target_ms=STOCK_TARGET_MS, group="store",
        ))
    else:
        operations.append(Operation(
            "stock_lots", "lots by expiry, a page (selector)", "", [lots_selector_request() for _ in range(total)],
            {}, "page_size", target_ms=STOCK_TARGET_MS, group="store", call=_lots_page(station),
        ))
    url = _url("inventory:ledger")
    if url:
        operations.append(Operation(
            "ledger", f"stock ledger ({moves['n']:,} moves)", url, [ledger_request() for _ in range(total)], {},
            "RL_PAGE_SIZE", target_ms=STOCK_TARGET_MS, group="store",
        ))
    return operations
