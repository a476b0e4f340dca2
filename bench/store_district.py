"""The store room of the benchmark district: a few stores, some 2,000 lots
and 1,000,000 stock moves.

``ensure_store(station, ...)`` adds them once to the district station and
finds them again on the next run (by the stores' name prefix). Rows go
straight into the tables, seeded: donors, in-kind donations with one line
per lot (some restricted to groups), lots with expiry dates (some past, some
within the warning window, most later, a few none), lots born by transfer
from another store, and each lot's moves — a receipt (or the transfer in),
then reservations, issues from reserved and free stock, releases, returns,
adjustments and write-offs in time order, each keeping
``0 ≤ reserved ≤ on_hand`` at every step as the services would. The lots'
cached ``on_hand``/``reserved`` are the sums of their moves; generation
checks that once against the ledger (``inventory.selectors.ledger_totals``)
and stops if any lot disagrees.

All moves are simulated first, then numbered in time order (ids follow the
time of the move, as when the services append them; lots are numbered by
the time they came in) and written with ``COPY`` on PostgreSQL and one
prepared ``INSERT`` over batches on SQLite — both about twenty times faster
than ``bulk_create``, which builds a model instance per move. The ids are
assigned here so a transfer's two halves can point at each other; the lots
follow with ``bulk_create``.

``drop_store(station)`` removes the store room again (``--regenerate-store``),
so it can be generated anew without regenerating the whole district.
"""

import datetime as dt
import random
import time
from decimal import Decimal

STORE_PREFIX = "基准仓库"
STORES = ("基准仓库·街道中心库", "基准仓库·东片", "基准仓库·西片", "基准仓库·应急备用")
LOTS = 2000
MOVES = 1_000_000
TRANSFER_SHARE = 0.05  # lots born by a transfer from another store
DONORS = 40
LINES_PER_DONATION = (3, 12)
RESTRICTED_DONATION_SHARE = 0.15
BATCH = 20_000

# Expiry of the lots: past, within the 30-day warning, later, none.
EXPIRY_SHARES = (("expired", 0.05), ("expiring", 0.10), ("later", 0.75), ("none", 0.10))
DONOR_NAMES = ("置业", "公益基金会", "商贸公司", "物业", "爱心人士", "党员", "药业", "食品厂", "科技公司", "商会")
MOVE_REASONS = {
    "reserve": "分发计划预留",
    "release": "分发计划释放",
    "issue": "发放",
    "return": "退回",
    "adjust": "盘点调整",
    "write_off": "破损报废",
}


def stores_of(station):
    from resourcelink.inventory.models import Store

    return list(Store.objects.filter(station=station, name__startswith=STORE_PREFIX).order_by("id"))


def counts(station) -> dict:
    from resourcelink.inventory.models import Lot, StockMove

    stores = stores_of(station)
    lots = Lot.objects.filter(station=station, store__in=stores)
    return {
        "stores": len(stores),
        "lots": lots.count(),
        "moves": StockMove.objects.filter(station=station, lot__store__in=stores).count(),
        "station_lots": Lot.objects.filter(station=station).count(),
        "station_moves": StockMove.objects.filter(station=station).count(),
    }


def _move_counts(rng: random.Random, lots: int, moves: int) -> list[int]:
    """Moves per lot, summing to ``moves``: a few busy lots, many quiet ones
    (every lot has at least its receipt)."""
    weights = [rng.lognormvariate(0, 0.8) for _ in range(lots)]
    scale = (moves - lots) / sum(weights)
    each = [1 + int(w * scale) for w in weights]
    short = moves - sum(each)
    for k in range(abs(short)):  # spread the rounding over the lots
        each[k % lots] += 1 if short > 0 else -1
    return each


class _Lot:
    """One lot being simulated: its place, its moves and its running figures."""

    __slots__ = ("pk", "store", "item", "line", "source", "expires_on", "unit_value", "start", "n", "moves",
                 "on_hand", "reserved", "issued")

    def __init__(self, pk, store, item, line, source, expires_on, unit_value, start, n):
        self.pk, self.store, self.item, self.line, self.source = pk, store, item, line, source
        self.expires_on, self.unit_value, self.start, self.n = expires_on, unit_value, start, n
        self.moves: list[tuple] = []  # (id, kind, on_hand_delta, reserved_delta, moved_on, reason, reference, cp)
        self.on_hand = self.reserved = self.issued = 0


def _simulate(lot: _Lot, rng: random.Random, first: tuple, times: list, next_id, transfer_step=None,
              transfer=None) -> None:
    """Append ``lot.n`` moves: ``first`` (the receipt or the transfer in:
    id, kind, quantity, reference, counterpart), then a random walk that
    keeps 0 ≤ reserved ≤ on_hand and returns no more than was issued. From
    step ``transfer_step`` on, the first step with free stock is a transfer
    out (``transfer(lot, when, quantity)`` makes the new lot)."""
    first_id, kind, qty, reference, counterpart = first
    lot.moves.append((first_id, kind, qty, 0, times[0], "调拨" if counterpart else "", reference, counterpart))
    lot.on_hand = qty
    step = max(1, qty // max(lot.n, 1) // 2)  # a typical issue: the lot lasts its moves
    plan = 0
    for index, when in enumerate(times[1:], start=1):
        available = lot.on_hand - lot.reserved
        if transfer_step is not None and index >= transfer_step and available > 1:
            transfer(lot, when, rng.randint(1, available // 2))
            transfer_step = None
            continue
        r = rng.random()
        k = rng.randint(1, step)
        if r < 0.25 and lot.reserved > 0:
            k = min(k, lot.reserved)
            lot.moves.append((next_id(), "issue", -k, -k, when, MOVE_REASONS["issue"],
                              f"plan_line:{plan * 40 + k}", None))
            lot.on_hand -= k
            lot.reserved -= k
            lot.issued += k
        elif r < 0.32 and lot.reserved > 0:
            k = min(k, lot.reserved)
            lot.moves.append((next_id(), "release", 0, -k, when, MOVE_REASONS["release"], f"plan:{plan}", None))
            lot.reserved -= k
        elif r < 0.45 and available >= 1:
            plan = rng.randint(1, 5000)
            k = min(k * 4, available)
            lot.moves.append((next_id(), "reserve", 0, k, when, MOVE_REASONS["reserve"], f"plan:{plan}", None))
            lot.reserved += k
        elif r < 0.85 and available >= 1:
            k = min(k, available)
            lot.moves.append((next_id(), "issue", -k, 0, when, MOVE_REASONS["issue"], "", None))
            lot.on_hand -= k
            lot.issued += k
        elif r < 0.92 and lot.issued >= 1:
            k = min(k, lot.issued)
            lot.moves.append((next_id(), "return", k, 0, when, MOVE_REASONS["return"], "", None))
            lot.on_hand += k
            lot.issued -= k
        elif r < 0.96 and available >= 1:
            k = min(k, available)
            lot.moves.append((next_id(), "write_off", -k, 0, when, MOVE_REASONS["write_off"], "", None))
            lot.on_hand -= k
        else:
            # A stocktake adjustment: down when there is free stock, else up.
            delta = -min(k, available) if available >= 1 and rng.random() < 0.5 else k
            lot.moves.append((next_id(), "adjust", delta, 0, when, MOVE_REASONS["adjust"],
                              f"stocktake:{rng.randint(1, 200)}", None))
            lot.on_hand += delta


def _times(rng: random.Random, start: dt.datetime, end: dt.datetime, n: int) -> list[dt.datetime]:
    span = (end - start).total_seconds()
    offsets = sorted(rng.uniform(0, span) for _ in range(n - 1))
    return [start] + [start + dt.timedelta(seconds=s) for s in offsets]


def generate(station, *, lots: int, moves: int, seed: int, log) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from resourcelink.donations.models import Donation, DonationKind, DonationLine, Donor, DonorKind
    from resourcelink.inventory.models import Item, Lot, StockMove
    from resourcelink.inventory.services import store_create
    from resourcelink.people.models import VulnerabilityTag

    from .district import bench_user

    rng = random.Random(seed + 41)
    user = bench_user(station)
    now = timezone.now()
    today = timezone.localdate()
    items = list(Item.objects.filter(station=station, archived_on__isnull=True).order_by("code"))
    no_expiry = {"fans", "raincoats", "protective_clothing", "gloves"}
    tags = list(VulnerabilityTag.objects.filter(station=station).order_by("id").values_list("id", flat=True))
    per_lot = _move_counts(rng, lots, moves)
    own_lots = lots - int(lots * TRANSFER_SHARE)
    born = lots - own_lots

    def expiry(item_code: str) -> dt.date | None:
        if item_code in no_expiry:
            return None
        what = rng.choices([w for w, _s in EXPIRY_SHARES], [s for _w, s in EXPIRY_SHARES])[0]
        if what == "expired":
            return today - dt.timedelta(days=rng.randint(1, 200))
        if what == "expiring":
            return today + dt.timedelta(days=rng.randint(0, 30))
        if what == "later":
            return today + dt.timedelta(days=rng.randint(31, 900))
        return None

    with transaction.atomic():
        started = time.perf_counter()
        stores = [store_create(actor=None, station=station, name=name, check=False) for name in STORES]
        donors = Donor.objects.bulk_create([
            Donor(station=station, kind=rng.choice(DonorKind.values),
                  name=f"基准捐赠方{k + 1:03d}{rng.choice(DONOR_NAMES)}", may_be_named=rng.random() < 0.7)
            for k in range(DONORS)
        ])
        if donors[0].pk is None:
            donors = list(Donor.objects.filter(station=station, name__startswith="基准捐赠方").order_by("id"))

        # Donations with a few lines each: one lot per line (the lots born
        # by a transfer share their source's line).
        number = (Donation.objects.filter(station=station).order_by("-number").values_list("number", flat=True)
                  .first() or 0)
        donations, lines_of = [], []
        left = own_lots
        sizes = []
        while left > 0:
            sizes.append(min(left, rng.randint(*LINES_PER_DONATION)))
            left -= sizes[-1]
        # Running numbers follow the days received, as the service gives them.
        days = sorted((today - dt.timedelta(days=rng.randint(30, 720)) for _ in sizes))
        for n, received in zip(sizes, days, strict=True):
            number += 1
            donations.append(Donation(station=station, number=number, donor=rng.choice(donors),
                                      kind=DonationKind.IN_KIND, received_on=received, received_by=user,
                                      description="基准捐赠", report_token=f"bench-store-{seed}-{number}"))
            lines_of.append(n)
        donations = Donation.objects.bulk_create(donations, batch_size=BATCH)
        if donations[0].pk is None:
            by_number = dict(Donation.objects.filter(station=station).values_list("number", "pk"))
            for d in donations:
                d.pk = by_number[d.number]
        restricted = [d for d in donations if rng.random() < RESTRICTED_DONATION_SHARE]
        Donation.target_tags.through.objects.bulk_create([
            Donation.target_tags.through(donation_id=d.pk, vulnerabilitytag_id=t)
            for d in restricted for t in rng.sample(tags, rng.randint(1, 2))
        ])
        line_rows = []
        for donation, n in zip(donations, lines_of, strict=True):
            for _ in range(n):
                item = rng.choice(items)
                # Enough units for the lot's moves to keep going.
                quantity = max(50, per_lot[len(line_rows)] * rng.randint(8, 30))
                unit_value = Decimal(rng.choice(["0.50", "1.20", "3.00", "25.00", "60.00", "120.00"]))
                line_rows.append(DonationLine(donation=donation, item=item, quantity=quantity,
                                              expires_on=expiry(item.code), estimated_value=unit_value * quantity))
        lines = DonationLine.objects.bulk_create(line_rows, batch_size=BATCH)
        if lines and lines[0].pk is None:  # read back in insertion order
            ids = DonationLine.objects.filter(donation__in=donations).order_by("id").values_list("id", flat=True)
            for row, pk in zip(lines, ids, strict=True):
                row.pk = pk
        log(f"  {len(stores)} stores, {len(donors)} donors, {len(donations)} donations "
            f"({len(restricted)} restricted), {len(lines)} lines in {time.perf_counter() - started:.1f} s")

        # Every lot's moves are simulated with provisional keys, then put in
        # time order and numbered: ids follow the time of the move, as they
        # do when the services append them (the ledger pages read by id).
        # Lots are numbered by the time they came in, likewise.
        started = time.perf_counter()
        keys = iter(range(1, 10**12))
        sources = set(rng.sample(range(own_lots), born))
        pending: list[tuple[_Lot, tuple]] = []  # lots made by a transfer, simulated after the others
        simulated: list[_Lot] = []

        def transfer(source: _Lot, when: dt.datetime, quantity: int) -> None:
            to_store = rng.choice([s for s in stores if s.pk != source.store])
            new = _Lot(-(own_lots + len(pending) + 1), to_store.pk, source.item, source.line, source.pk,
                       source.expires_on, source.unit_value, when, per_lot[own_lots + len(pending)])
            out_key, in_key = next(keys), next(keys)
            source.moves.append((out_key, "transfer_out", -quantity, 0, when, "调拨", "", in_key))
            source.on_hand -= quantity
            pending.append((new, (in_key, "transfer_in", quantity, source.pk, out_key)))

        for k, line in enumerate(lines):
            received = dt.datetime.combine(line.donation.received_on, dt.time(9, 0), tzinfo=now.tzinfo)
            n = per_lot[k]
            lot = _Lot(-k - 1, rng.choice(stores).pk, line.item_id, line, None, line.expires_on,
                       (line.estimated_value / line.quantity).quantize(Decimal("0.01")), received, n)
            _simulate(lot, rng, (next(keys), "receive", line.quantity, "", None), _times(rng, received, now, n),
                      lambda: next(keys), rng.randint(1, max(1, n - 1)) if k in sources else None, transfer)
            simulated.append(lot)
        for lot, first in pending:
            _simulate(lot, rng, first, _times(rng, lot.start, now, lot.n), lambda: next(keys))
            simulated.append(lot)

        first_lot = (Lot.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
        lot_pk = {lot.pk: first_lot + i for i, lot in enumerate(sorted(simulated, key=lambda x: (x.start, -x.pk)))}
        moves_in_time = sorted(((when, key, lot) for lot in simulated for key, _k, _h, _r, when, *_ in lot.moves),
                               key=lambda row: (row[0], row[1]))
        first_move = (StockMove.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
        move_id = {key: first_move + i for i, (_when, key, _lot) in enumerate(moves_in_time)}
        by_key = {row[0]: (lot, row) for lot in simulated for row in lot.moves}
        log(f"  simulated {len(simulated)} lots and {len(moves_in_time)} moves in "
            f"{time.perf_counter() - started:.1f} s")

        def rows():
            for _when, key, _lot in moves_in_time:
                lot, (_key, kind, dh, dr, when, reason, reference, cp) = by_key[key]
                if kind == "receive":
                    reference = f"donation_line:{lot.line.pk}"
                elif kind == "transfer_in":
                    reference = f"lot:{lot_pk[reference]}"
                yield (move_id[key], station.pk, lot_pk[lot.pk], kind, dh, dr, when, user.pk, reason, reference,
                       move_id[cp] if cp else None)

        started = time.perf_counter()
        written = _copy_moves(connection, rows()) if connection.vendor == "postgresql" else \
            _insert_moves(connection, rows())
        Lot.objects.bulk_create([
            Lot(pk=lot_pk[lot.pk], station=station, item_id=lot.item, store_id=lot.store, donation_line_id=lot.line.pk,
                source_lot_id=lot_pk[lot.source] if lot.source else None, expires_on=lot.expires_on,
                unit_value=lot.unit_value, on_hand=lot.on_hand, reserved=lot.reserved)
            for lot in sorted(simulated, key=lambda x: lot_pk[x.pk])
        ], batch_size=BATCH)
        log(f"  {written} moves and {len(simulated)} lots written in {time.perf_counter() - started:.1f} s")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                table = Lot._meta.db_table
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")


COLUMNS = ("id", "station_id", "lot_id", "kind", "on_hand_delta", "reserved_delta", "moved_on", "moved_by_id",
           "reason", "reference", "counterpart_id")


def _copy_moves(connection, rows) -> int:
    """COPY into the ledger, then move the id sequence past the ids used."""
    from resourcelink.inventory.models import StockMove

    table = StockMove._meta.db_table
    n = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor: Django's wrapper has no copy()
        with raw.copy(f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                n += 1
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    return n


def _insert_moves(connection, rows) -> int:
    """SQLite: one prepared INSERT run over batches of rows (``executemany``),
    the dates adapted as Django stores them. ``bulk_create`` spends about
    twenty times as long building and preparing a model instance per move."""
    from resourcelink.inventory.models import StockMove

    table = StockMove._meta.db_table
    sql = f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES ({', '.join(['%s'] * len(COLUMNS))})"
    adapt = connection.ops.adapt_datetimefield_value
    n, batch = 0, []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append((*row[:6], adapt(row[6]), *row[7:]))
            if len(batch) >= BATCH:
                cursor.executemany(sql, batch)
                n += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            n += len(batch)
    return n


def drop_store(station, log) -> None:
    """Delete the store room's rows: the benchmark's own data, not records
    anyone entered, so plain deletes (the ledger is append-only for the
    application, not for the benchmark's fixtures)."""
    from django.db import connection, transaction

    from resourcelink.donations.models import Donation, DonationLine, Donor
    from resourcelink.inventory.models import Lot, StockMove, Store

    stores = [s.pk for s in stores_of(station)]
    if not stores:
        return
    lots = Lot.objects.filter(store_id__in=stores)
    donations = Donation.objects.filter(station=station, report_token__startswith="bench-store-")
    quote = connection.ops.quote_name

    def delete(model, where: str, params) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {quote(model._meta.db_table)} WHERE {where}", params)
            return cursor.rowcount

    with transaction.atomic():
        lot_ids = list(lots.values_list("pk", flat=True))
        moves = 0
        for start in range(0, len(lot_ids), 500):
            chunk = lot_ids[start:start + 500]
            moves += delete(StockMove, f"lot_id IN ({', '.join(['%s'] * len(chunk))})", chunk)
        delete(Lot, f"store_id IN ({', '.join(['%s'] * len(stores))})", stores)
        donation_ids = list(donations.values_list("pk", flat=True))
        for start in range(0, len(donation_ids), 500):
            chunk = donation_ids[start:start + 500]
            marks = ", ".join(["%s"] * len(chunk))
            delete(DonationLine, f"donation_id IN ({marks})", chunk)
            delete(Donation.target_tags.through, f"donation_id IN ({marks})", chunk)
            delete(Donation, f"id IN ({marks})", chunk)
        donors = list(Donor.objects.filter(station=station, name__startswith="基准捐赠方").values_list("pk", flat=True))
        if donors:
            delete(Donor, f"id IN ({', '.join(['%s'] * len(donors))})", donors)
        marks = ", ".join(["%s"] * len(stores))
        delete(Store.history.model, f"id IN ({marks})", stores)
        delete(Store, f"id IN ({marks})", stores)
    log(f"dropped the store room: {len(stores)} stores, {len(lot_ids)} lots, {moves} moves")


def check_cache(station, log) -> dict:
    """The lots' cached figures against the sums of their moves (one grouped
    query over the whole ledger); raises if any lot disagrees."""
    from resourcelink.inventory.models import Lot
    from resourcelink.inventory.selectors import ledger_totals

    started = time.perf_counter()
    cached = {pk: (on_hand, reserved) for pk, on_hand, reserved in
              Lot.objects.filter(station=station, store__in=stores_of(station)).values_list("pk", "on_hand", "reserved")}
    summed = ledger_totals(cached)
    wrong = [pk for pk in cached if cached[pk] != summed[pk]]
    negative = [pk for pk, (on_hand, reserved) in cached.items() if not 0 <= reserved <= on_hand]
    seconds = time.perf_counter() - started
    if wrong or negative:
        raise RuntimeError(f"store room: {len(wrong)} lots whose cache differs from the ledger (e.g. {wrong[:5]}), "
                           f"{len(negative)} outside 0 ≤ reserved ≤ on hand")
    log(f"  the cache of {len(cached)} lots equals the ledger ({seconds:.1f} s)")
    return {"lots_checked": len(cached), "seconds": round(seconds, 1)}


def ensure_store(station, *, lots: int = LOTS, moves: int = MOVES, seed: int = 20240601, regenerate: bool = False,
                 log=print) -> dict:
    """The store room of the benchmark district, generated on first use
    (or again with ``regenerate``)."""
    if regenerate:
        drop_store(station, log)
    found = counts(station)
    if found["stores"]:
        log(f"reusing the store room: {found}")
        return {**found, "generated": False, "seconds": 0.0}
    log(f"generating the store room: {len(STORES)} stores, {lots} lots, {moves} stock moves (seed {seed})")
    started = time.perf_counter()
    generate(station, lots=lots, moves=moves, seed=seed, log=log)
    seconds = time.perf_counter() - started
    checked = check_cache(station, log)
    found = counts(station)
    log(f"generated {found} in {seconds:.1f} s")
    return {**found, "generated": True, "seconds": round(seconds, 1), "cache_check": checked}

