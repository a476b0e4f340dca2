"""/items, /stores, /stock and /lots: the store room (stocktakes: stocktakes.py).

Stock changes only through the ledger services: each action on a lot
(issue, return, transfer, write off, adjust) appends a move and answers with
the move and the lot's figures after it. Not enough stock is a 409 that
names the lot and what is available. Move reasons are free text that may
name a resident, so viewers get them as null.
"""

from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from resourcelink.accounts.access import roles_for
from resourcelink.communities.models import Community
from resourcelink.inventory.models import Item, Lot, StockMove, Store
from resourcelink.inventory.selectors import (
    EXPIRY_FILTERS,
    get_item_for_user,
    get_lot_for_user,
    get_store_for_user,
    items_for_station,
    ledger_of,
    lots_for_station,
    stock_summary,
    stock_with_expiry,
    stores_for_station,
)
from resourcelink.inventory.services import (
    item_archive,
    item_create,
    item_update,
    stock_adjust,
    stock_issue,
    stock_return,
    stock_transfer,
    stock_write_off,
    store_archive,
    store_create,
    store_update,
)
from resourcelink.taxonomy.models import Category

from .common import (
    ERROR_RESPONSES,
    LIST_ERRORS,
    READ_ERRORS,
    PageOut,
    PageParams,
    RefOut,
    paginate,
    ref,
    single_station_id,
)
from .conflicts import CONFLICT_RESPONSES
from .households import is_viewer, lookup, raise_if, station_for
from .resources import CategoryRefOut

router = Router(tags=["store room"])


# --- shared by the donations, fund and distribution routers -----------------------------


class UserRefOut(Schema):
    id: int
    name: str


def user_ref(user) -> dict | None:
    return None if user is None else {"id": user.pk, "name": user.get_full_name() or user.get_username()}


class ItemRefOut(Schema):
    id: int
    code: str
    name: str = Field(description="In the request's language.")
    unit: str


def item_ref(item: Item | None) -> dict | None:
    return None if item is None else {"id": item.pk, "code": item.code, "name": item.name, "unit": item.unit}


class StoreRefOut(Schema):
    id: int
    name: str


def store_ref(store: Store | None) -> dict | None:
    return None if store is None else {"id": store.pk, "name": store.name}


def category_ref(c: Category) -> dict:
    return {"id": c.pk, "code": c.code, "name_zh_hans": c.name_zh_hans, "name_en": c.name_en}


class ArchiveIn(Schema):
    reason: str = Field("", description="Why, for the record's history.")


# --- schemas ----------------------------------------------------------------------------


class ItemOut(Schema):
    id: int
    station: int
    code: str
    name: str = Field(description="In the request's language.")
    name_zh_hans: str
    name_en: str
    category: CategoryRefOut
    unit: str
    pack_size: int
    notes: str
    archived: bool
    created_on: datetime
    updated_on: datetime


class ItemPage(PageOut):
    results: list[ItemOut]


class ItemFilterParams(Schema):
    station: int | None = Field(None, description="Station id; needed if you belong to several stations.")
    q: str | None = Field(None, description="Code or name contains.")
    category: str | None = Field(None, description="Category code; its sub-categories are included.")
    include_archived: bool = Field(False, description="Archived items too.")


class ItemWriteBase(Schema):
    code: str | None = Field(None, description="A short stable code (letters, digits, _ and -), unique at the "
                                              "station.")
    name_zh_hans: str | None = None
    name_en: str | None = None
    category: str | None = Field(None, description="Category code, such as “protection.masks”.")
    unit: str | None = Field(None, description="The unit counted in the store (只, 箱...).")
    pack_size: int | None = Field(None, description="How many units one pack holds (1 if sold singly).")
    notes: str | None = None
    reason: str = Field("", description="Why, for the record's history.")


class ItemCreateIn(ItemWriteBase):
    station: int | None = Field(None, description="Station id; needed if you belong to several stations.")
    code: str
    name_zh_hans: str
    name_en: str
    category: str = Field(description="Category code, such as “protection.masks”.")
    unit: str


class StoreOut(Schema):
    id: int
    station: int
    name: str
    address: str
    community: RefOut | None
    notes: str
    archived: bool
    on_hand: int = Field(description="Units on hand over the store's lots.")
    reserved: int
    lots_in_stock: int = Field(description="Lots holding stock.")
    created_on: datetime
    updated_on: datetime


class StorePage(PageOut):
    results: list[StoreOut]


class StoreFilterParams(Schema):
    station: int | None = Field(None, description="Station id; needed if you belong to several stations.")
    include_archived: bool = Field(False, description="Archived stores too.")


class StoreWriteBase(Schema):
    address: str | None = None
    community: int | None = Field(None, description="Community id.")
    notes: str | None = None
    reason: str = Field("", description="Why, for the record's history.")


class StoreCreateIn(StoreWriteBase):
    station: int | None = Field(None, description="Station id; needed if you belong to several stations.")
    name: str


class StorePatchIn(StoreWriteBase):
    name: str | None = None


class FiguresOut(Schema):
    on_hand: int
    reserved: int = Field(description="Set aside for approved plans: on hand but not available.")
    available: int


class StockRowOut(FiguresOut):
    expired: int = Field(description="On hand in lots past their expiry date.")
    expiring: int = Field(description="On hand in lots expiring within 30 days.")
    nearest_expiry: date | None = Field(description="Of the lots holding stock.")
    value: Decimal | None = Field(description="On hand × estimated value per unit (yuan), where lots have one.")


class StoreStockOut(StockRowOut):
    store: StoreRefOut


class ItemStockOut(StockRowOut):
    item: ItemRefOut
    stores: list[StoreStockOut]


class StockParams(Schema):
    station: int | None = Field(None, description="Station id; needed if you belong to several stations.")
    store: int | None = Field(None, description="Only this store.")
    item: int | None = Field(None, description="Only this item (id).")
    category: str | None = Field(None, description="Category code; its sub-categories are included.")
    q: str | None = Field(None, description="Item code or name contains.")
    expiry: str | None = Field(None, description="Only stock that is expired, expiring (within 30 days) or "
                                                 "warning (either).")


class LotOut(FiguresOut):
    id: int
    uuid: UUID
    station: int
    item: ItemRefOut
    store: StoreRefOut
    donation_line: int | None = Field(description="The donation line that brought it in, if any.")
    source_lot: int | None = Field(description="The lot it was transferred from, if any.")
    expires_on: date | None
    expiry_state: str = Field(description="expired, expiring (within 30 days) or empty.")
    unit_value: Decimal | None = Field(description="Estimated value per unit (yuan).")
    created_on: datetime


class LotPage(PageOut):
    results: list[LotOut]


class LotFilterParams(Schema):
    station: int | None = Field(None, description="Station id; needed if you belong to several stations.")
    item: int | None = Field(None, description="Item id.")
    store: int | None = Field(None, description="Store id.")
    category: str | None = Field(None, description="Category code: lots of items in exactly this category.")
    in_stock: bool = Field(False, description="Only lots with something on hand.")
    expiring_within: int | None = Field(None, ge=0, description="Only lots expiring between today and this many "
                                                                "days from now.")
    expired: bool = Field(False, description="Only lots past their expiry date.")


class MoveOut(Schema):
    id: int
    lot: int
    kind: str = Field(description="receive, reserve, release, issue, return, transfer_out, transfer_in, adjust "
                                  "or write_off.")
    on_hand_delta: int
    reserved_delta: int
    moved_on: datetime
    moved_by: UserRefOut | None
    reason: str | None = Field(description="Null for viewers (free text may name people).")
    reference: str = Field(description="What the move is for: plan_line:12, stocktake:3, donation_line:7...")
    counterpart: int | None = Field(description="The other half of a transfer.")


class MovePage(PageOut):
    results: list[MoveOut]


class StockActionOut(Schema):
    move: MoveOut
    lot: LotOut = Field(description="The lot after the move.")


class QuantityIn(Schema):
    quantity: int = Field(description="Units (the item's unit), more than zero.")
    reason: str = Field("", description="Why.")


class ReasonedQuantityIn(Schema):
    quantity: int = Field(description="Units (the item's unit), more than zero.")
    reason: str = Field(description="Why (required).")


class AdjustIn(Schema):
    delta: int = Field(description="Units to add (positive) or take away (negative); not zero.")
    reason: str = Field(description="Why (required).")


class TransferIn(Schema):
    to_store: int = Field(description="Store id, another store of the same station.")
    quantity: int = Field(description="Units to move; only available (unreserved) units move.")
    reason: str = ""


class TransferOut(Schema):
    from_lot: LotOut
    to_lot: LotOut = Field(description="The new lot in the receiving store.")
    move: MoveOut = Field(description="The transfer-out move of the source lot.")


# --- output -----------------------------------------------------------------------------


def item_out(item: Item) -> dict:
    return {
        "id": item.pk, "station": item.station_id, "code": item.code, "name": item.name,
        "name_zh_hans": item.name_zh_hans, "name_en": item.name_en, "category": category_ref(item.category),
        "unit": item.unit, "pack_size": item.pack_size, "notes": item.notes, "archived": item.is_archived,
        "created_on": item.created_on, "updated_on": item.updated_on,
    }


def store_out(store: Store) -> dict:
    """A store read through ``stores_for_station`` (with its stock figures)."""
    return {
        "id": store.pk, "station": store.station_id, "name": store.name, "address": store.address,
        "community": ref(store.community), "notes": store.notes, "archived": store.is_archived,
        "on_hand": store.on_hand, "reserved": store.reserved, "lots_in_stock": store.n_lots,
        "created_on": store.created_on, "updated_on": store.updated_on,
    }


def figures(obj) -> dict:
    return {"on_hand": obj.on_hand, "reserved": obj.reserved, "available": obj.available}


def lot_out(lot: Lot) -> dict:
    """A lot read through ``lots_for_station`` (which annotates ``expiry_state``)."""
    return {
        **figures(lot), "id": lot.pk, "uuid": lot.uuid, "station": lot.station_id, "item": item_ref(lot.item),
        "store": store_ref(lot.store), "donation_line": lot.donation_line_id, "source_lot": lot.source_lot_id,
        "expires_on": lot.expires_on, "expiry_state": lot.expiry_state, "unit_value": lot.unit_value,
        "created_on": lot.created_on,
    }


def move_out(move: StockMove, viewer: bool) -> dict:
    return {
        "id": move.pk, "lot": move.lot_id, "kind": move.kind, "on_hand_delta": move.on_hand_delta,
        "reserved_delta": move.reserved_delta, "moved_on": move.moved_on, "moved_by": user_ref(move.moved_by),
        "reason": None if viewer else move.reason, "reference": move.reference, "counterpart": move.counterpart_id,
    }


def _lot(lot: Lot) -> dict:
    """The lot's current figures and expiry state."""
    return lot_out(lots_for_station(lot.station_id).get(pk=lot.pk))


# --- input ------------------------------------------------------------------------------


def _category(station_id: int, code: str | None, errors: dict) -> Category | None:
    category = Category.objects.filter(station_id=station_id, code=code or "").first()
    if category is None:
        errors["category"] = [_("No such category code at this station.")]
    return category


def _item_fields(payload: ItemWriteBase, station_id: int, *, partial: bool) -> dict:
    data = payload.dict(exclude_unset=partial, exclude={"station", "reason"})
    if not partial:
        data = {k: v for k, v in data.items() if v is not None}
    errors: dict = {}
    if "category" in data:
        data["category"] = _category(station_id, data["category"], errors)
    for name in ("code", "name_zh_hans", "name_en", "unit", "pack_size"):
        if name in data and (data[name] is None or (isinstance(data[name], str) and not data[name].strip())):
            errors[name] = [_("This field cannot be empty.")]
    if data.get("pack_size") is not None and data["pack_size"] < 1:
        errors["pack_size"] = [_("Enter a whole number greater than zero.")]
    if "notes" in data and data["notes"] is None:
        data["notes"] = ""
    raise_if(errors)
    return data


def _store_fields(payload: StoreWriteBase, station_id: int, *, partial: bool) -> dict:
    data = payload.dict(exclude_unset=partial, exclude={"station", "reason"})
    if not partial:
        data = {k: v for k, v in data.items() if v is not None}
    errors: dict = {}
    if "community" in data:
        data["community"] = lookup(Community, station_id, data["community"], "community", errors)
    if "name" in data and not (data["name"] or "").strip():
        errors["name"] = [_("This field cannot be empty.")]
    for name in ("address", "notes"):
        if name in data and data[name] is None:
            data[name] = ""
    raise_if(errors)
    return data


# --- items ------------------------------------------------------------------------------


@router.get("/items", response={200: ItemPage, **LIST_ERRORS}, summary="List catalogue items",
            description="The station's item catalogue, by code.")
def item_list(request: HttpRequest, filters: Query[ItemFilterParams], pages: Query[PageParams]):
    station_id = single_station_id(request.auth, filters.station)
    errors: dict = {}
    category = _category(station_id, filters.category, errors) if filters.category else None
    raise_if(errors)
    qs = items_for_station(station_id, search=filters.q or "", category=category,
                           include_archived=filters.include_archived)
    return paginate(request, qs, pages, item_out)


@router.get("/items/{int:item_id}", response={200: ItemOut, **READ_ERRORS}, summary="One catalogue item")
def item_detail(request: HttpRequest, item_id: int):
    return item_out(get_item_for_user(request.auth, item_id))


@router.post("/items", response={201: ItemOut, **ERROR_RESPONSES}, summary="Add a catalogue item",
             description="Needs the admin role at the station.")
def item_add(request: HttpRequest, payload: ItemCreateIn):
    user = request.auth
    station = station_for(user, payload.station)
    item = item_create(actor=user, station=station, **_item_fields(payload, station.pk, partial=False))
    return Status(201, item_out(get_item_for_user(user, item.pk)))


@router.patch("/items/{int:item_id}", response={200: ItemOut, **ERROR_RESPONSES}, summary="Change a catalogue item",
              description="Only the fields sent change. Needs the admin role at the station.")
def item_change(request: HttpRequest, item_id: int, payload: ItemWriteBase):
    user = request.auth
    item = get_item_for_user(user, item_id)
    item_update(actor=user, item=item, reason=payload.reason,
                **_item_fields(payload, item.station_id, partial=True))
    return item_out(get_item_for_user(user, item.pk))


@router.post("/items/{int:item_id}/archive", response={200: ItemOut, **ERROR_RESPONSES},
             summary="Archive a catalogue item",
             description="Hidden from new receipts; its lots and ledger stay. Needs the admin role.")
def item_archive_op(request: HttpRequest, item_id: int, payload: ArchiveIn):
    user = request.auth
    item_archive(actor=user, item=get_item_for_user(user, item_id), reason=payload.reason)
    return item_out(get_item_for_user(user, item_id))


# --- stores -----------------------------------------------------------------------------


@router.get("/stores", response={200: StorePage, **LIST_ERRORS}, summary="List stores")
def store_list(request: HttpRequest, filters: Query[StoreFilterParams], pages: Query[PageParams]):
    station_id = single_station_id(request.auth, filters.station)
    qs = stores_for_station(station_id, include_archived=filters.include_archived)
    return paginate(request, qs, pages, store_out)


def _store(user, pk: int) -> dict:
    store = get_store_for_user(user, pk)
    return store_out(stores_for_station(store.station_id, include_archived=True).get(pk=store.pk))


@router.get("/stores/{int:store_id}", response={200: StoreOut, **READ_ERRORS}, summary="One store")
def store_detail(request: HttpRequest, store_id: int):
    return _store(request.auth, store_id)


@router.post("/stores", response={201: StoreOut, **ERROR_RESPONSES}, summary="Add a store",
             description="Needs the admin role at the station.")
def store_add(request: HttpRequest, payload: StoreCreateIn):
    user = request.auth
    station = station_for(user, payload.station)
    store = store_create(actor=user, station=station, **_store_fields(payload, station.pk, partial=False))
    return Status(201, _store(user, store.pk))


@router.patch("/stores/{int:store_id}", response={200: StoreOut, **ERROR_RESPONSES}, summary="Change a store",
              description="Only the fields sent change. Needs the admin role at the station.")
def store_change(request: HttpRequest, store_id: int, payload: StorePatchIn):
    user = request.auth
    store = get_store_for_user(user, store_id)
    store_update(actor=user, store=store, reason=payload.reason,
                 **_store_fields(payload, store.station_id, partial=True))
    return _store(user, store.pk)


@router.post("/stores/{int:store_id}/archive", response={200: StoreOut, **ERROR_RESPONSES},
             summary="Archive a store",
             description="Refused while the store still holds stock. Needs the admin role.")
def store_archive_op(request: HttpRequest, store_id: int, payload: ArchiveIn):
    user = request.auth
    store_archive(actor=user, store=get_store_for_user(user, store_id), reason=payload.reason)
    return _store(user, store_id)


# --- stock and lots ---------------------------------------------------------------------


def stock_row(row) -> dict:
    return {**figures(row), "expired": row.expired, "expiring": row.expiring,
            "nearest_expiry": row.nearest_expiry, "value": row.value}


@router.get("/stock", response={200: list[ItemStockOut], **LIST_ERRORS}, summary="Stock per item",
            description="On hand, reserved and available per item (by code) with expiry warnings, each with the "
                        "same figures per store (by name). Only lots holding stock count.")
def stock(request: HttpRequest, params: Query[StockParams]):
    station_id = single_station_id(request.auth, params.station)
    errors: dict = {}
    store = lookup(Store, station_id, params.store, "store", errors)
    item = lookup(Item, station_id, params.item, "item", errors)
    category = _category(station_id, params.category, errors) if params.category else None
    if params.expiry and params.expiry not in EXPIRY_FILTERS:
        errors["expiry"] = [_("Choose one of: %(list)s.") % {"list": ", ".join(EXPIRY_FILTERS)}]
    raise_if(errors)
    rows = stock_summary(station_id, store=store, item=item, category=category, search=params.q or "")
    return [{**stock_row(e), "item": item_ref(e.item),
             "stores": [{**stock_row(s), "store": store_ref(s.store)} for s in e.stores]}
            for e in stock_with_expiry(rows, params.expiry or "")]


@router.get("/lots", response={200: LotPage, **LIST_ERRORS}, summary="List lots",
            description="The station's lots, sooner-expiring first, each with its expiry state.")
def lot_list(request: HttpRequest, filters: Query[LotFilterParams], pages: Query[PageParams]):
    station_id = single_station_id(request.auth, filters.station)
    errors: dict = {}
    item = lookup(Item, station_id, filters.item, "item", errors)
    store = lookup(Store, station_id, filters.store, "store", errors)
    category = _category(station_id, filters.category, errors) if filters.category else None
    raise_if(errors)
    qs = lots_for_station(station_id, {"item": item, "store": store, "category": category,
                                       "in_stock": filters.in_stock, "expiring_within": filters.expiring_within,
                                       "expired": filters.expired})
    return paginate(request, qs, pages, lot_out)


@router.get("/lots/{int:lot_id}", response={200: LotOut, **READ_ERRORS}, summary="One lot")
def lot_detail(request: HttpRequest, lot_id: int):
    return _lot(get_lot_for_user(request.auth, lot_id))


@router.get("/lots/{int:lot_id}/moves", response={200: MovePage, **LIST_ERRORS}, summary="A lot's ledger",
            description="Every move of the lot, oldest first. Reasons are null for viewers.")
def lot_moves(request: HttpRequest, lot_id: int, pages: Query[PageParams]):
    user = request.auth
    lot = get_lot_for_user(user, lot_id)
    viewer = is_viewer(roles_for(user), lot.station_id)
    return paginate(request, ledger_of(lot), pages, lambda m: move_out(m, viewer))


def _action(user, lot: Lot, move: StockMove) -> dict:
    return {"move": move_out(move, viewer=False), "lot": _lot(lot)}


@router.post("/lots/{int:lot_id}/issue", response={200: StockActionOut, **CONFLICT_RESPONSES},
             summary="Hand units out of a lot",
             description="From the available (unreserved) units; a plan's hand-overs issue its reserved units "
                         "themselves. 409 if not enough is available. Needs the admin, social worker or "
                         "coordinator role.")
def lot_issue(request: HttpRequest, lot_id: int, payload: QuantityIn):
    user = request.auth
    lot = get_lot_for_user(user, lot_id)
    move = stock_issue(actor=user, lot=lot, quantity=payload.quantity, from_reserved=False, reason=payload.reason)
    return _action(user, lot, move)


@router.post("/lots/{int:lot_id}/return", response={200: StockActionOut, **ERROR_RESPONSES},
             summary="Take issued units back into a lot",
             description="No more than the lot has issued and not had back. Needs the admin, social worker or "
                         "coordinator role.")
def lot_return(request: HttpRequest, lot_id: int, payload: QuantityIn):
    user = request.auth
    lot = get_lot_for_user(user, lot_id)
    move = stock_return(actor=user, lot=lot, quantity=payload.quantity, reason=payload.reason)
    return _action(user, lot, move)


@router.post("/lots/{int:lot_id}/write-off", response={200: StockActionOut, **CONFLICT_RESPONSES},
             summary="Write units off (expired, damaged, lost)",
             description="Only available units; a reason is required. 409 if not enough is available. Needs the "
                         "admin, social worker or coordinator role.")
def lot_write_off(request: HttpRequest, lot_id: int, payload: ReasonedQuantityIn):
    user = request.auth
    lot = get_lot_for_user(user, lot_id)
    move = stock_write_off(actor=user, lot=lot, quantity=payload.quantity, reason=payload.reason)
    return _action(user, lot, move)


@router.post("/lots/{int:lot_id}/adjust", response={200: StockActionOut, **CONFLICT_RESPONSES},
             summary="Correct a lot's on-hand figure",
             description="Never below what is reserved (409); a reason is required. Needs the admin role.")
def lot_adjust(request: HttpRequest, lot_id: int, payload: AdjustIn):
    user = request.auth
    lot = get_lot_for_user(user, lot_id)
    move = stock_adjust(actor=user, lot=lot, delta=payload.delta, reason=payload.reason)
    return _action(user, lot, move)


@router.post("/lots/{int:lot_id}/transfer", response={200: TransferOut, **CONFLICT_RESPONSES},
             summary="Move units to another store",
             description="Available units become a new lot in the other store (same item, expiry and donation). "
                         "409 if not enough is available. Needs the admin, social worker or coordinator role.")
def lot_transfer(request: HttpRequest, lot_id: int, payload: TransferIn):
    user = request.auth
    lot = get_lot_for_user(user, lot_id)
    errors: dict = {}
    to_store = lookup(Store, lot.station_id, payload.to_store, "to_store", errors)
    raise_if(errors)
    new_lot = stock_transfer(actor=user, lot=lot, to_store=to_store, quantity=payload.quantity,
                             reason=payload.reason)
    move = StockMove.objects.select_related("moved_by").get(pk=new_lot.moves.get().counterpart_id)
    return {"from_lot": _lot(lot), "to_lot": _lot(new_lot), "move": move_out(move, viewer=False)}
