"""/stocktakes: count sheets of a store, counted, then confirmed by an admin.

Opening a stocktake makes a line per lot of the store with stock on hand;
counts are entered (all or nothing per request); confirming turns each
difference from the lot's current on hand into an ``adjust`` move
(``stocktake:<id>``), all or nothing.
"""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from resourcelink.inventory.models import StockMove, Stocktake, Store
from resourcelink.inventory.selectors import (
    get_stocktake_for_user,
    get_store_for_user,
    stocktake_differences,
    stocktakes_for_station,
)
from resourcelink.inventory.services import (
    stocktake_cancel,
    stocktake_confirm,
    stocktake_count,
    stocktake_open,
)

from .common import (
    ERROR_RESPONSES,
    LIST_ERRORS,
    READ_ERRORS,
    PageOut,
    PageParams,
    paginate,
    single_station_id,
)
from .households import lookup, raise_if
from .inventory import (
    ItemRefOut,
    MoveOut,
    StoreRefOut,
    UserRefOut,
    item_ref,
    move_out,
    store_ref,
    user_ref,
)

router = Router(tags=["store room"])


# --- schemas ----------------------------------------------------------------------------


class StocktakeOut(Schema):
    id: int
    station: int
    store: StoreRefOut
    status: str = Field(description="open, confirmed or cancelled.")
    notes: str
    created_on: datetime
    created_by: UserRefOut | None
    confirmed_on: datetime | None
    confirmed_by: UserRefOut | None


class StocktakePage(PageOut):
    results: list[StocktakeOut]


class StocktakeLineOut(Schema):
    id: int
    lot: int
    item: ItemRefOut
    expires_on: date | None
    expected: int = Field(description="On hand when the sheet was made.")
    counted: int | None = Field(description="Null until counted.")
    on_hand: int = Field(description="The lot's on hand now.")
    difference: int | None = Field(description="What confirming would adjust by: counted − on hand now.")
    note: str
    counted_on: datetime | None
    counted_by: UserRefOut | None


class StocktakeDetailOut(StocktakeOut):
    lines: list[StocktakeLineOut]


class StocktakeFilterParams(Schema):
    station: int | None = Field(None, description="Station id; needed if you belong to several stations.")
    store: int | None = Field(None, description="Store id.")


class StocktakeOpenIn(Schema):
    store: int = Field(description="Store id.")
    notes: str = ""


class CountIn(Schema):
    line: int = Field(description="Line id of this stocktake.")
    counted: int = Field(description="Units counted, zero or more.")
    note: str = ""


class CountsIn(Schema):
    counts: list[CountIn] = Field(description="All or nothing: if one line is refused, none is saved.")


class ReasonIn(Schema):
    reason: str = Field(description="Why (required).")


class StocktakeConfirmOut(Schema):
    stocktake: StocktakeDetailOut
    moves: list[MoveOut] = Field(description="The adjustments made, one per lot whose count differed.")


# --- output -----------------------------------------------------------------------------


def stocktake_out(stocktake: Stocktake) -> dict:
    return {
        "id": stocktake.pk, "station": stocktake.station_id, "store": store_ref(stocktake.store),
        "status": stocktake.status, "notes": stocktake.notes, "created_on": stocktake.created_on,
        "created_by": user_ref(stocktake.created_by), "confirmed_on": stocktake.confirmed_on,
        "confirmed_by": user_ref(stocktake.confirmed_by),
    }


def stocktake_detail_out(user, pk: int) -> dict:
    stocktake = get_stocktake_for_user(user, pk)
    stocktake = stocktakes_for_station(stocktake.station_id).get(pk=stocktake.pk)
    return {**stocktake_out(stocktake), "lines": [{
        "id": d.line.pk, "lot": d.line.lot_id, "item": item_ref(d.line.lot.item), "expires_on": d.line.lot.expires_on,
        "expected": d.expected, "counted": d.counted, "on_hand": d.on_hand, "difference": d.difference,
        "note": d.line.note, "counted_on": d.line.counted_on, "counted_by": user_ref(d.line.counted_by),
    } for d in stocktake_differences(stocktake)]}


# --- endpoints --------------------------------------------------------------------------


@router.get("/stocktakes", response={200: StocktakePage, **LIST_ERRORS}, summary="List stocktakes",
            description="Newest first.")
def stocktake_list(request: HttpRequest, filters: Query[StocktakeFilterParams], pages: Query[PageParams]):
    station_id = single_station_id(request.auth, filters.station)
    errors: dict = {}
    store = lookup(Store, station_id, filters.store, "store", errors)
    raise_if(errors)
    return paginate(request, stocktakes_for_station(station_id, store=store), pages, stocktake_out)


@router.get("/stocktakes/{int:stocktake_id}", response={200: StocktakeDetailOut, **READ_ERRORS},
            summary="One stocktake with its count sheet",
            description="Each line: what was expected, what was counted, the lot's on hand now and the "
                        "difference confirming would adjust.")
def stocktake_detail(request: HttpRequest, stocktake_id: int):
    return stocktake_detail_out(request.auth, stocktake_id)


@router.post("/stocktakes", response={201: StocktakeDetailOut, **ERROR_RESPONSES}, summary="Open a stocktake",
             description="A count sheet for one store: a line per lot with stock on hand. One open stocktake per "
                         "store. Needs the admin, social worker or coordinator role.")
def stocktake_add(request: HttpRequest, payload: StocktakeOpenIn):
    user = request.auth
    store = get_store_for_user(user, payload.store)
    stocktake = stocktake_open(actor=user, store=store, notes=payload.notes)
    return Status(201, stocktake_detail_out(user, stocktake.pk))


@router.post("/stocktakes/{int:stocktake_id}/counts", response={200: StocktakeDetailOut, **ERROR_RESPONSES},
             summary="Enter counted quantities",
             description="One or more lines at once, all or nothing: the errors name the lines refused "
                         "(“line 12: …”). A line may be counted again while the stocktake is open. Needs the "
                         "admin, social worker or coordinator role.")
def stocktake_counts(request: HttpRequest, stocktake_id: int, payload: CountsIn):
    user = request.auth
    stocktake = get_stocktake_for_user(user, stocktake_id)
    lines = {line.pk: line for line in stocktake.lines.select_related("stocktake__store")}
    if not payload.counts:
        raise ValidationError({"counts": [_("Send at least one count.")]})
    messages = []
    with transaction.atomic():
        for count in payload.counts:
            line = lines.get(count.line)
            if line is None:
                messages.append(_("line %(line)s: no such line on this stocktake") % {"line": count.line})
                continue
            try:
                stocktake_count(actor=user, line=line, counted=count.counted, note=count.note)
            except ValidationError as exc:
                if not hasattr(exc, "error_dict"):
                    raise  # the stocktake itself is refused (closed), not this line
                messages.extend(_("line %(line)s: %(message)s") % {"line": count.line, "message": m}
                                for m in exc.messages)
        if messages:
            raise ValidationError({"counts": messages})
    return stocktake_detail_out(user, stocktake.pk)


@router.post("/stocktakes/{int:stocktake_id}/confirm", response={200: StocktakeConfirmOut, **ERROR_RESPONSES},
             summary="Confirm a stocktake",
             description="Every line must be counted. Each difference from the lot's current on hand becomes an "
                         "adjust move (stocktake:<id>), all or nothing. Needs the admin role.")
def stocktake_confirm_op(request: HttpRequest, stocktake_id: int, payload: ReasonIn):
    user = request.auth
    stocktake = get_stocktake_for_user(user, stocktake_id)
    moves = stocktake_confirm(actor=user, stocktake=stocktake, reason=payload.reason)
    moves = StockMove.objects.filter(pk__in=[m.pk for m in moves]).select_related("moved_by").order_by("id")
    return {"stocktake": stocktake_detail_out(user, stocktake.pk), "moves": [move_out(m, False) for m in moves]}


@router.post("/stocktakes/{int:stocktake_id}/cancel", response={200: StocktakeDetailOut, **ERROR_RESPONSES},
             summary="Cancel an open stocktake",
             description="No stock changes; the sheet and its counts are kept. Needs the admin, social worker or "
                         "coordinator role.")
def stocktake_cancel_op(request: HttpRequest, stocktake_id: int, payload: ReasonIn):
    user = request.auth
    stocktake_cancel(actor=user, stocktake=get_stocktake_for_user(user, stocktake_id), reason=payload.reason)
    return stocktake_detail_out(user, stocktake_id)
