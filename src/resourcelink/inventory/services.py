"""Writes to the item catalogue, the stores and the stock ledger.

Every function is keyword-only and runs in a transaction. Who may do what:

- catalogue items and stores: station admins;
- stock moves (receive, reserve, release, issue, return, transfer, write
  off): ``EDITORS``; adjustments: admins;
- stocktakes: opening, counting and cancelling by ``EDITORS``; confirming
  (which adjusts stock) by admins.

Stock changes only by appending a ``StockMove``. Each ledger service locks
the lot row (``select_for_update``), checks ``0 ≤ reserved ≤ on_hand``
against the locked values, appends the move and updates the lot's cached
``on_hand``/``reserved`` in the same transaction, so two people taking the
last units at once get one success and one ``InsufficientStock``. The lot is
updated with ``F()`` expressions, so even a missing lock would meet the
database's check constraints rather than silently overwrite a figure.

``check=False`` skips the role check for set-up code, other services that
already checked (donations, plans) and test helpers; the web never passes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from resourcelink.accounts.access import require_role_when
from resourcelink.accounts.models import ADMINS, EDITORS, Station
from resourcelink.core.services import (
    acting_user,
    check_same_station,
    refuse_unknown_fields,
    save_with_history,
)
from resourcelink.taxonomy.models import Category

from .default_catalogue import DEFAULT_ITEMS
from .models import Item, Lot, MoveKind, StockMove, Stocktake, StocktakeLine, StocktakeStatus, Store

ITEM_FIELDS = ("code", "name_zh_hans", "name_en", "category", "unit", "pack_size", "notes")
STORE_FIELDS = ("name", "address", "community", "notes")


class InsufficientStock(ValidationError):
    """A move would take a lot below zero, or reserve or issue more than it
    holds. The message names the item, store, lot and what is available."""

    def __init__(self, *, lot: Lot, wanted: int, available: int, what: str = ""):
        self.lot = lot
        self.wanted = wanted
        self.available = available
        params = {"item": lot.item.name, "unit": lot.item.unit, "store": lot.store.name, "lot": lot.pk,
                  "wanted": wanted, "available": available}
        if what == "reserved":
            message = _("Not enough reserved %(item)s in %(store)s (lot #%(lot)s): %(wanted)s %(unit)s wanted, "
                        "%(available)s %(unit)s reserved.") % params
        else:
            message = _("Not enough %(item)s in %(store)s (lot #%(lot)s): %(wanted)s %(unit)s wanted, "
                        "%(available)s %(unit)s available.") % params
        super().__init__({"quantity": [message]})


# --- catalogue ------------------------------------------------------------------------------------


def item_catalogue_install(*, station: Station, actor=None) -> int:
    """Add any default catalogue item the station does not have yet (by code).

    Idempotent: existing items keep what an admin changed. An item whose
    category the station no longer has is skipped. Returns how many were added.
    """
    existing = set(Item.objects.filter(station=station).values_list("code", flat=True))
    categories = {c.code: c for c in Category.objects.filter(station=station)}
    added = 0
    for code, zh, en, category_code, unit, pack_size in DEFAULT_ITEMS:
        category = categories.get(category_code)
        if code in existing or category is None:
            continue
        item = Item(station=station, code=code, name_zh_hans=zh, name_en=en, category=category, unit=unit,
                    pack_size=pack_size)
        save_with_history(item, actor=actor, clean=False)
        added += 1
    return added


def _check_item(item: Item, errors: dict) -> None:
    check_same_station(item.station_id, errors, category=item.category if item.category_id else None)
    if item.category_id and item.category.is_retired:
        errors.setdefault("category", []).append(_("Choose a category that is not retired."))
    if item.code and Item.objects.filter(station_id=item.station_id, code=item.code).exclude(pk=item.pk).exists():
        errors.setdefault("code", []).append(_("Another item already has this code."))


@transaction.atomic
def item_create(*, actor, station: Station, check: bool = True, **fields) -> Item:
    require_role_when(check, actor, station, ADMINS)
    refuse_unknown_fields(fields, ITEM_FIELDS, "item")
    if isinstance(fields.get("code"), str):
        fields["code"] = fields["code"].strip().lower()
    item = Item(station=station, **fields)
    errors: dict = {}
    _check_item(item, errors)
    if errors:
        raise ValidationError(errors)
    return save_with_history(item, actor=actor)


@transaction.atomic
def item_update(*, actor, item: Item, reason: str = "", check: bool = True, **fields) -> Item:
    require_role_when(check, actor, item.station_id, ADMINS)
    refuse_unknown_fields(fields, ITEM_FIELDS, "item")
    for name, value in fields.items():
        setattr(item, name, value.strip().lower() if name == "code" and isinstance(value, str) else value)
    errors: dict = {}
    _check_item(item, errors)
    if errors:
        raise ValidationError(errors)
    return save_with_history(item, actor=actor, reason=reason)


@transaction.atomic
def item_archive(*, actor, item: Item, reason: str = "", check: bool = True) -> Item:
    """Hide an item from new receipts; its lots and ledger stay."""
    require_role_when(check, actor, item.station_id, ADMINS)
    if item.archived_on is None:
        item.archived_on = timezone.now()
        save_with_history(item, actor=actor, reason=reason or _("Archived"), clean=False)
    return item


def _check_store(store: Store, errors: dict) -> None:
    check_same_station(store.station_id, errors, community=store.community if store.community_id else None)
    name = (store.name or "").strip()
    if name and Store.objects.filter(station_id=store.station_id, name=name).exclude(pk=store.pk).exists():
        errors.setdefault("name", []).append(_("Another store already has this name."))


@transaction.atomic
def store_create(*, actor, station: Station, check: bool = True, **fields) -> Store:
    require_role_when(check, actor, station, ADMINS)
    refuse_unknown_fields(fields, STORE_FIELDS, "store")
    store = Store(station=station, **fields)
    store.name = (store.name or "").strip()
    errors: dict = {}
    _check_store(store, errors)
    if errors:
        raise ValidationError(errors)
    return save_with_history(store, actor=actor)


@transaction.atomic
def store_update(*, actor, store: Store, reason: str = "", check: bool = True, **fields) -> Store:
    require_role_when(check, actor, store.station_id, ADMINS)
    refuse_unknown_fields(fields, STORE_FIELDS, "store")
    for name, value in fields.items():
        setattr(store, name, value)
    store.name = (store.name or "").strip()
    errors: dict = {}
    _check_store(store, errors)
    if errors:
        raise ValidationError(errors)
    return save_with_history(store, actor=actor, reason=reason)


@transaction.atomic
def store_archive(*, actor, store: Store, reason: str = "", check: bool = True) -> Store:
    """Close a store to new stock. Refused while it still holds stock."""
    require_role_when(check, actor, store.station_id, ADMINS)
    if Lot.objects.filter(store=store, on_hand__gt=0).exists():
        raise ValidationError(_("%(store)s still holds stock: transfer or write it off first.")
                              % {"store": store.name})
    if store.archived_on is None:
        store.archived_on = timezone.now()
        save_with_history(store, actor=actor, reason=reason or _("Archived"), clean=False)
    return store


# --- the ledger -----------------------------------------------------------------------------------


def _quantity(quantity) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        raise ValidationError({"quantity": [_("Enter a whole number greater than zero.")]})
    return quantity


def _reason_required(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why.")]})
    return reason


def _lock_lot(lot: Lot) -> Lot:
    """The lot's current row, locked until the transaction ends."""
    return Lot.objects.select_for_update().get(pk=lot.pk)


def _move(*, actor, lot: Lot, kind: str, on_hand_delta: int = 0, reserved_delta: int = 0, reason: str = "",
          reference: str = "", counterpart: StockMove | None = None, locked: Lot | None = None) -> StockMove:
    """Append one move to a lot and update its cache; refuse anything that
    would break ``0 ≤ reserved ≤ on_hand``. Call inside a transaction."""
    current = locked or _lock_lot(lot)
    on_hand = current.on_hand + on_hand_delta
    reserved = current.reserved + reserved_delta
    if reserved < 0:
        raise InsufficientStock(lot=lot, wanted=-reserved_delta, available=current.reserved, what="reserved")
    if on_hand < 0 or reserved > on_hand:
        raise InsufficientStock(lot=lot, wanted=max(-on_hand_delta, reserved_delta),
                                available=current.on_hand - current.reserved)
    move = StockMove(
        station_id=lot.station_id, lot=lot, kind=kind, on_hand_delta=on_hand_delta, reserved_delta=reserved_delta,
        moved_by=acting_user(actor),
        reason=(reason or "").strip()[:300], reference=(reference or "").strip()[:60], counterpart=counterpart,
    )
    move.full_clean(exclude=["lot", "station", "moved_by", "counterpart"])
    move.save()
    Lot.objects.filter(pk=lot.pk).update(on_hand=F("on_hand") + on_hand_delta,
                                         reserved=F("reserved") + reserved_delta)
    lot.on_hand, lot.reserved = on_hand, reserved
    return move


def _can_move(actor, lot: Lot, check: bool, roles=EDITORS) -> None:
    require_role_when(check, actor, lot.station_id, roles)


@transaction.atomic
def lot_receive(*, actor, store: Store, item: Item, quantity: int, expires_on=None, unit_value=None,
                donation_line=None, reason: str = "", reference: str = "", check: bool = True) -> Lot:
    """Put ``quantity`` units of ``item`` into ``store`` as a new lot."""
    require_role_when(check, actor, store.station_id, EDITORS)
    quantity = _quantity(quantity)
    errors: dict = {}
    check_same_station(store.station_id, errors, item=item,
                       donation_line=donation_line.donation if donation_line is not None else None)
    if store.is_archived:
        errors.setdefault("store", []).append(_("This store is archived."))
    if item.is_archived:
        errors.setdefault("item", []).append(_("This item is archived."))
    if errors:
        raise ValidationError(errors)
    lot = Lot(station_id=store.station_id, store=store, item=item, donation_line=donation_line,
              expires_on=expires_on, unit_value=unit_value)
    lot = save_with_history(lot, actor=actor, exclude=["on_hand", "reserved"])
    if not reference and donation_line is not None:
        reference = f"donation_line:{donation_line.pk}"
    _move(actor=actor, lot=lot, kind=MoveKind.RECEIVE, on_hand_delta=quantity, reason=reason,
          reference=reference, locked=Lot(on_hand=0, reserved=0))
    return lot


@transaction.atomic
def stock_reserve(*, actor, lot: Lot, quantity: int, reason: str = "", reference: str = "",
                  check: bool = True) -> StockMove:
    """Set units aside (for a plan line): they stay on hand but are no longer available."""
    _can_move(actor, lot, check)
    return _move(actor=actor, lot=lot, kind=MoveKind.RESERVE, reserved_delta=_quantity(quantity), reason=reason,
                 reference=reference)


@transaction.atomic
def stock_release(*, actor, lot: Lot, quantity: int, reason: str = "", reference: str = "",
                  check: bool = True) -> StockMove:
    """Give reserved units back to the available stock."""
    _can_move(actor, lot, check)
    return _move(actor=actor, lot=lot, kind=MoveKind.RELEASE, reserved_delta=-_quantity(quantity), reason=reason,
                 reference=reference)


@transaction.atomic
def stock_issue(*, actor, lot: Lot, quantity: int, from_reserved: bool, reason: str = "", reference: str = "",
                check: bool = True) -> StockMove:
    """Hand units out: from reserved units (a plan's hand-over) or from the
    free, available stock."""
    _can_move(actor, lot, check)
    quantity = _quantity(quantity)
    return _move(actor=actor, lot=lot, kind=MoveKind.ISSUE, on_hand_delta=-quantity,
                 reserved_delta=-quantity if from_reserved else 0, reason=reason, reference=reference)


@transaction.atomic
def stock_return(*, actor, lot: Lot, quantity: int, reason: str = "", reference: str = "",
                 check: bool = True) -> StockMove:
    """Take back issued units into the lot they were issued from; no more
    than the lot has issued and not yet had back."""
    _can_move(actor, lot, check)
    quantity = _quantity(quantity)
    locked = _lock_lot(lot)
    outstanding = -(StockMove.objects.filter(lot_id=lot.pk, kind__in=[MoveKind.ISSUE, MoveKind.RETURN])
                    .aggregate(s=Sum("on_hand_delta"))["s"] or 0)
    if quantity > outstanding:
        raise ValidationError({"quantity": [
            _("Only %(n)s %(unit)s of %(item)s were issued from lot #%(lot)s and not returned yet.")
            % {"n": outstanding, "unit": lot.item.unit, "item": lot.item.name, "lot": lot.pk}]})
    return _move(actor=actor, lot=lot, kind=MoveKind.RETURN, on_hand_delta=quantity, reason=reason,
                 reference=reference, locked=locked)


@transaction.atomic
def stock_transfer(*, actor, lot: Lot, to_store: Store, quantity: int, reason: str = "", reference: str = "",
                   check: bool = True) -> Lot:
    """Move available units to another store of the station: a new lot
    there (``source_lot`` = this one) and two moves paired by ``counterpart``.
    Reserved units stay where they are."""
    _can_move(actor, lot, check)
    quantity = _quantity(quantity)
    errors: dict = {}
    check_same_station(lot.station_id, errors, to_store=to_store)
    if to_store.pk == lot.store_id:
        errors.setdefault("to_store", []).append(_("Choose another store."))
    elif to_store.is_archived:
        errors.setdefault("to_store", []).append(_("This store is archived."))
    if errors:
        raise ValidationError(errors)
    out = _move(actor=actor, lot=lot, kind=MoveKind.TRANSFER_OUT, on_hand_delta=-quantity, reason=reason,
                reference=reference)
    new_lot = Lot(station_id=lot.station_id, store=to_store, item_id=lot.item_id, donation_line_id=lot.donation_line_id,
                  source_lot=lot, expires_on=lot.expires_on, unit_value=lot.unit_value)
    new_lot = save_with_history(new_lot, actor=actor, clean=False)
    into = _move(actor=actor, lot=new_lot, kind=MoveKind.TRANSFER_IN, on_hand_delta=quantity, reason=reason,
                 reference=reference or f"lot:{lot.pk}", counterpart=out, locked=Lot(on_hand=0, reserved=0))
    # Pair the halves: set once, inside the transaction that wrote them.
    StockMove.objects.filter(pk=out.pk).update(counterpart=into)
    out.counterpart = into
    return new_lot


@transaction.atomic
def stock_adjust(*, actor, lot: Lot, delta: int, reason: str, reference: str = "",
                 check: bool = True) -> StockMove:
    """Correct a lot's on-hand figure (a stocktake difference, a miscount).
    Admins only; never below what is reserved."""
    _can_move(actor, lot, check, roles=ADMINS)
    if isinstance(delta, bool) or not isinstance(delta, int) or delta == 0:
        raise ValidationError({"delta": [_("Enter a whole number other than zero.")]})
    reason = _reason_required(reason)
    return _move(actor=actor, lot=lot, kind=MoveKind.ADJUST, on_hand_delta=delta, reason=reason,
                 reference=reference)


@transaction.atomic
def stock_write_off(*, actor, lot: Lot, quantity: int, reason: str, reference: str = "",
                    check: bool = True) -> StockMove:
    """Take available units out of stock for good (expired, damaged, lost)."""
    _can_move(actor, lot, check)
    quantity = _quantity(quantity)
    reason = _reason_required(reason)
    return _move(actor=actor, lot=lot, kind=MoveKind.WRITE_OFF, on_hand_delta=-quantity, reason=reason,
                 reference=reference)


# --- stocktakes -----------------------------------------------------------------------------------


def _lock_stocktake(stocktake: Stocktake) -> Stocktake:
    """The stocktake's current row, locked; refused unless it is still open."""
    current = Stocktake.objects.select_for_update().get(pk=stocktake.pk)
    if current.status != StocktakeStatus.OPEN:
        raise ValidationError(_("Stocktake #%(id)s of %(store)s is %(status)s: it can no longer be changed.")
                              % {"id": current.pk, "store": stocktake.store.name,
                                 "status": current.get_status_display()})
    return current


@transaction.atomic
def stocktake_open(*, actor, store: Store, notes: str = "", check: bool = True) -> Stocktake:
    """Make a count sheet for ``store``: one line per lot of the store with
    stock on hand, ``expected`` = its on-hand figure at this moment.
    Refused while the store has another open stocktake, or is archived."""
    require_role_when(check, actor, store.station_id, EDITORS)
    # Lock the store row so two people opening a sheet at once get one sheet
    # and one clear refusal (the partial unique constraint backs this up).
    store = Store.objects.select_for_update().get(pk=store.pk)
    if store.is_archived:
        raise ValidationError({"store": [_("This store is archived.")]})
    if Stocktake.objects.filter(store=store, status=StocktakeStatus.OPEN).exists():
        raise ValidationError({"store": [_("%(store)s already has an open stocktake: confirm or cancel it first.")
                                         % {"store": store.name}]})
    stocktake = Stocktake(station_id=store.station_id, store=store, notes=(notes or "").strip())
    save_with_history(stocktake, actor=actor)
    lots = Lot.objects.filter(store=store, on_hand__gt=0).order_by("id")
    for lot in lots:
        line = StocktakeLine(stocktake=stocktake, lot=lot, expected=lot.on_hand)
        save_with_history(line, actor=actor, clean=False)
    return stocktake


@transaction.atomic
def stocktake_count(*, actor, line: StocktakeLine, counted: int, note: str = "",
                    check: bool = True) -> StocktakeLine:
    """Enter (or correct) what was counted for one line, while the stocktake is open."""
    stocktake = line.stocktake
    require_role_when(check, actor, stocktake.station_id, EDITORS)
    if isinstance(counted, bool) or not isinstance(counted, int) or counted < 0:
        raise ValidationError({"counted": [_("Enter a whole number, zero or more.")]})
    _lock_stocktake(stocktake)
    line.counted = counted
    line.note = (note or "").strip()[:300]
    line.counted_on = timezone.now()
    line.counted_by = acting_user(actor)
    return save_with_history(line, actor=actor, exclude=["stocktake", "lot", "counted_by"])


@transaction.atomic
def stocktake_confirm(*, actor, stocktake: Stocktake, reason: str, check: bool = True) -> list[StockMove]:
    """Turn the counted differences into stock adjustments. Admins only.

    Every line must be counted. Each line is compared with the lot's CURRENT
    on-hand figure, not with ``expected``: moves made since the sheet was
    made (issues, receipts, transfers) count, so the count is taken to be the
    truth now. Where they differ, one ``adjust`` move of
    ``counted - on_hand`` is appended, referring to ``stocktake:<id>``, with
    ``reason``. A count below what a lot has reserved is refused, naming the
    lot, and then nothing at all is applied (one transaction). Returns the
    moves in line order.
    """
    require_role_when(check, actor, stocktake.station_id, ADMINS)
    reason = _reason_required(reason)
    current = _lock_stocktake(stocktake)
    lines = list(StocktakeLine.objects.filter(stocktake=current).select_related("lot__item", "lot__store")
                 .order_by("lot_id"))
    uncounted = [line for line in lines if line.counted is None]
    if uncounted:
        raise ValidationError(_("%(n)s line(s) of stocktake #%(id)s are not counted yet (lots %(lots)s).")
                              % {"n": len(uncounted), "id": current.pk,
                                 "lots": ", ".join(f"#{line.lot_id}" for line in uncounted)})
    # Lock every lot (in id order, so two confirmations cannot deadlock) and
    # check them all before applying anything.
    locked = {lot.pk: lot for lot in Lot.objects.select_for_update().filter(
        pk__in=[line.lot_id for line in lines]).order_by("pk")}
    errors = []
    for line in lines:
        lot = locked[line.lot_id]
        if line.counted < lot.reserved:
            errors.append(_("%(item)s in %(store)s (lot #%(lot)s): %(counted)s %(unit)s counted, but "
                            "%(reserved)s %(unit)s are reserved; release the reservation first.")
                          % {"item": line.lot.item.name, "store": line.lot.store.name, "lot": lot.pk,
                             "counted": line.counted, "unit": line.lot.item.unit, "reserved": lot.reserved})
    if errors:
        raise ValidationError({"counted": errors})
    moves = []
    for line in lines:
        delta = line.counted - locked[line.lot_id].on_hand
        if delta:  # checked above: the lot is locked, the count not below what is reserved
            moves.append(_move(actor=actor, lot=line.lot, kind=MoveKind.ADJUST, on_hand_delta=delta,
                               reason=reason, reference=f"stocktake:{current.pk}", locked=locked[line.lot_id]))
    current.status = StocktakeStatus.CONFIRMED
    current.confirmed_on = timezone.now()
    current.confirmed_by = acting_user(actor)
    save_with_history(current, actor=actor, reason=reason, clean=False)
    stocktake.status, stocktake.confirmed_on, stocktake.confirmed_by = (current.status, current.confirmed_on,
                                                                        current.confirmed_by)
    return moves


@transaction.atomic
def stocktake_cancel(*, actor, stocktake: Stocktake, reason: str, check: bool = True) -> Stocktake:
    """Drop an open stocktake without changing any stock (the sheet and its
    counts are kept)."""
    require_role_when(check, actor, stocktake.station_id, EDITORS)
    reason = _reason_required(reason)
    current = _lock_stocktake(stocktake)
    current.status = StocktakeStatus.CANCELLED
    save_with_history(current, actor=actor, reason=reason, clean=False)
    stocktake.status = current.status
    return stocktake


# --- many moves at once ---------------------------------------------------------------------------


class MoveSpec(NamedTuple):
    """One move for ``stock_moves_bulk``."""

    lot_id: int
    kind: str
    on_hand_delta: int = 0
    reserved_delta: int = 0
    reason: str = ""
    reference: str = ""


BULK_KINDS = (MoveKind.RESERVE, MoveKind.RELEASE, MoveKind.ISSUE, MoveKind.TRANSFER_OUT)


@transaction.atomic
def stock_moves_bulk(*, actor, station: Station | int, moves: Sequence[MoveSpec],
                     check: bool = True) -> list[StockMove]:
    """Append many reserve, release, issue and transfer-out moves at once (a
    plan's approval, bulk hand-overs, closing, a surplus sent to another
    station), all or nothing.

    Every lot concerned is locked once, in id order (two bulk calls cannot
    deadlock), and each move is checked in turn against the locked figures
    exactly as ``_move`` checks one (``0 ≤ reserved ≤ on_hand`` after every
    move). The first move that would break it raises ``InsufficientStock``
    naming its lot, and nothing is written. Otherwise the moves are written
    with one ``bulk_create`` and each lot's cache is updated once, with
    ``F()`` like ``_move``. Returns the moves in the order given."""
    station_id = station if isinstance(station, int) else station.pk
    require_role_when(check, actor, station_id, EDITORS)
    if not moves:
        return []
    locked = {lot.pk: lot for lot in Lot.objects.select_for_update(of=("self",)).select_related("item", "store")
              .filter(pk__in={m.lot_id for m in moves}).order_by("pk")}
    figures = {pk: [lot.on_hand, lot.reserved] for pk, lot in locked.items()}
    by = acting_user(actor)
    rows = []
    for m in moves:
        lot = locked.get(m.lot_id)
        if lot is None or lot.station_id != station_id:
            raise ValidationError({"lot": [_("Choose one of this station's records.")]})
        if m.kind not in BULK_KINDS or (m.on_hand_delta == 0 and m.reserved_delta == 0):
            raise ValueError(f"stock_moves_bulk: unexpected move {m!r}")
        current = figures[m.lot_id]
        on_hand, reserved = current[0] + m.on_hand_delta, current[1] + m.reserved_delta
        if reserved < 0:
            raise InsufficientStock(lot=lot, wanted=-m.reserved_delta, available=current[1], what="reserved")
        if on_hand < 0 or reserved > on_hand:
            raise InsufficientStock(lot=lot, wanted=max(-m.on_hand_delta, m.reserved_delta),
                                    available=current[0] - current[1])
        current[0], current[1] = on_hand, reserved
        rows.append(StockMove(station_id=station_id, lot_id=m.lot_id, kind=m.kind, on_hand_delta=m.on_hand_delta,
                              reserved_delta=m.reserved_delta, moved_by=by, reason=(m.reason or "").strip()[:300],
                              reference=(m.reference or "").strip()[:60]))
    created = StockMove.objects.bulk_create(rows, batch_size=1000)
    for pk, (on_hand, reserved) in figures.items():
        lot = locked[pk]
        if (on_hand, reserved) != (lot.on_hand, lot.reserved):
            Lot.objects.filter(pk=pk).update(on_hand=F("on_hand") + (on_hand - lot.on_hand),
                                             reserved=F("reserved") + (reserved - lot.reserved))
    return created
