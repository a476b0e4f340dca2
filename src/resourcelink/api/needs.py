"""/needs: what households need, their status moves and suggested resources.

Viewers see no personal data: the household's (masked) name, the
description (free text may name people) and the resident are left out.
"""

from datetime import date, datetime
from uuid import UUID

from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from resourcelink.accounts.access import can, roles_for
from resourcelink.accounts.models import EDITORS
from resourcelink.communities.models import Community, Grid
from resourcelink.core.privacy import mask_name
from resourcelink.matching.selectors import suggestions_for_need
from resourcelink.needs.models import Need, NeedSource, NeedStatus, Urgency
from resourcelink.needs.selectors import NeedFilter, need_detail, needs_for_station
from resourcelink.needs.services import need_create, need_transition, need_update
from resourcelink.people.models import Household, Resident
from resourcelink.people.selectors import get_household_for_user
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
from .households import is_viewer, lookup, raise_if
from .resources import CategoryRefOut

router = Router(tags=["needs"])


class NeedOut(Schema):
    id: int
    uuid: UUID
    station: int
    household: int
    household_name: str | None = Field(description="Masked (张*); null for viewers.")
    resident: int | None = Field(description="Resident id; null for viewers.")
    category: CategoryRefOut
    description: str | None = Field(description="Null for viewers.")
    quantity: int
    unit: str
    urgency: str
    due_on: date | None
    source: str
    status: str
    community: RefOut | None
    grid: RefOut | None
    assigned_to: int | None
    created_on: datetime


class NeedPage(PageOut):
    results: list[NeedOut]


class NeedFilterParams(Schema):
    station: int | None = Field(None, description="Station id; needed if you belong to several stations.")
    status: str | None = Field(None, description="One status, or \"all\"; default: the needs still wanting "
                                                 "(open, linked, partly met, unmet, mobilised).")
    urgency: str | None = Field(None, description="critical, high, normal or low.")
    category: int | None = Field(None, description="Category id; its sub-categories are included.")
    community: int | None = Field(None, description="Community id.")
    grid: int | None = Field(None, description="Grid id.")
    household: int | None = Field(None, description="Household id.")
    source: str | None = Field(None, description="home_visit, hotline, chat_group, walk_in, referral or "
                                                 "self_report.")
    overdue: bool = Field(False, description="Only needs past their due date.")
    due_today: bool = Field(False, description="Only needs due today.")
    order: str = Field("urgency", description="urgency (default), due or -created.")


class NeedWriteBase(Schema):
    description: str | None = None
    quantity: int | None = Field(None, ge=1)
    unit: str | None = None
    urgency: str | None = Field(None, description="critical, high, normal or low.")
    due_on: date | None = None
    source: str | None = Field(None, description="home_visit, hotline, chat_group, walk_in, referral or "
                                                 "self_report.")
    resident: int | None = Field(None, description="Resident id: the need is this resident's.")
    assigned_to: int | None = Field(None, description="User id of the social worker in charge: an admin, social "
                                                      "worker or coordinator of the need's station; null for "
                                                      "nobody.")
    reason: str = Field("", description="Why, for the record's history.")


class NeedCreateIn(NeedWriteBase):
    household: int = Field(description="Household id.")
    category: str = Field(description="Category code, such as “food.staple”.")


class NeedPatchIn(NeedWriteBase):
    category: str | None = Field(None, description="Category code.")


class TransitionIn(Schema):
    to_status: str = Field(description="The new status; only the moves of NEED_TRANSITIONS are allowed.")
    reason: str = ""


class SuggestionOut(Schema):
    resource: int
    name: str
    fit: str = Field(description="same, narrower or broader category.")
    distance_km: float | None
    capacity_left: int | None = Field(description="Null when the resource has no set quantity.")
    unit: str
    score: float
    reasons: list[str]
    default_quantity: int


def need_out(n: Need, roles: dict[int, str]) -> dict:
    viewer = is_viewer(roles, n.station_id)
    c = n.category
    return {
        "id": n.pk,
        "uuid": n.uuid,
        "station": n.station_id,
        "household": n.household_id,
        "household_name": None if viewer else mask_name(n.household.name),
        "resident": None if viewer else n.resident_id,
        "category": {"id": c.pk, "code": c.code, "name_zh_hans": c.name_zh_hans, "name_en": c.name_en},
        "description": None if viewer else n.description,
        "quantity": n.quantity,
        "unit": n.unit,
        "urgency": n.urgency,
        "due_on": n.due_on,
        "source": n.source,
        "status": n.status,
        "community": ref(n.community),
        "grid": ref(n.grid),
        "assigned_to": n.assigned_to_id,
        "created_on": n.created_on,
    }


def _detail(user, pk: int) -> dict:
    return need_out(need_detail(user, pk), roles_for(user))


def _choice(value, choices, field: str, errors: dict) -> None:
    if value is not None and value not in choices.values:
        errors[field] = [_("Choose one of: %(list)s.") % {"list": ", ".join(choices.values)}]


def _fields(payload: NeedWriteBase, station_id: int, household_id: int | None, *, partial: bool) -> dict:
    data = payload.dict(exclude_unset=partial, exclude={"household", "reason"})
    if not partial:
        data = {k: v for k, v in data.items() if v is not None}
    errors: dict = {}
    _choice(data.get("urgency"), Urgency, "urgency", errors)
    _choice(data.get("source"), NeedSource, "source", errors)
    if "category" in data:
        category = Category.objects.filter(station_id=station_id, code=data["category"] or "").first()
        if category is None:
            errors["category"] = [_("No such category code at this station.")]
        data["category"] = category
    if "resident" in data and data["resident"] is not None:
        data["resident"] = lookup(Resident, station_id, data["resident"], "resident", errors,
                                  household_id=household_id)
    if "assigned_to" in data and data["assigned_to"] is not None:
        user = get_user_model().objects.filter(pk=data["assigned_to"], is_active=True).first()
        if user is None or not can(user, station_id, EDITORS):
            errors["assigned_to"] = [_("Choose an admin, social worker or coordinator of this station.")]
        data["assigned_to"] = user
    for name in ("description", "unit"):
        if name in data and data[name] is None:
            data[name] = ""
    for name in ("quantity", "urgency", "source"):
        if name in data and data[name] is None:
            errors[name] = [_("This field cannot be empty.")]
    raise_if(errors)
    return data


@router.get("/needs", response={200: NeedPage, **LIST_ERRORS}, summary="List needs",
            description="The station's needs, filtered like the web list, most urgent first.")
def need_list(request: HttpRequest, filters: Query[NeedFilterParams], pages: Query[PageParams]):
    user = request.auth
    station_id = single_station_id(user, filters.station)
    errors: dict = {}
    if filters.status not in (None, "", "all"):
        _choice(filters.status, NeedStatus, "status", errors)
    _choice(filters.urgency, Urgency, "urgency", errors)
    _choice(filters.source, NeedSource, "source", errors)
    category = lookup(Category, station_id, filters.category, "category", errors)
    lookup(Community, station_id, filters.community, "community", errors)
    lookup(Grid, station_id, filters.grid, "grid", errors)
    lookup(Household, station_id, filters.household, "household", errors)
    if filters.order not in ("urgency", "due", "-created"):
        errors["order"] = [_("Choose one of: %(list)s.") % {"list": "urgency, due, -created"}]
    raise_if(errors)
    qs = needs_for_station(station_id, NeedFilter(
        status=filters.status or "", urgency=filters.urgency or "", category=category,
        community_id=filters.community, grid_id=filters.grid, household_id=filters.household,
        source=filters.source or "", overdue=filters.overdue, due_today=filters.due_today, order=filters.order))
    roles = roles_for(user)
    return paginate(request, qs, pages, lambda n: need_out(n, roles))


@router.get("/needs/{int:need_id}", response={200: NeedOut, **READ_ERRORS}, summary="One need")
def need_get(request: HttpRequest, need_id: int):
    return _detail(request.auth, need_id)


@router.post("/needs", response={201: NeedOut, **ERROR_RESPONSES}, summary="Record a need",
             description="Needs the admin, social worker or coordinator role at the station.")
def need_add(request: HttpRequest, payload: NeedCreateIn):
    user = request.auth
    household = get_household_for_user(user, payload.household)
    fields = _fields(payload, household.station_id, household.pk, partial=False)
    category = fields.pop("category")
    resident = fields.pop("resident", None)
    need = need_create(actor=user, household=household, category=category, resident=resident,
                       reason=payload.reason, **fields)
    return Status(201, _detail(user, need.pk))


@router.patch("/needs/{int:need_id}", response={200: NeedOut, **ERROR_RESPONSES}, summary="Change a need",
              description="Only the fields sent change; the status moves only by POST …/transition. Needs the "
                          "admin, social worker or coordinator role at the station.")
def need_change(request: HttpRequest, need_id: int, payload: NeedPatchIn):
    user = request.auth
    need = need_detail(user, need_id)
    need_update(actor=user, need=need, reason=payload.reason,
                **_fields(payload, need.station_id, need.household_id, partial=True))
    return _detail(user, need.pk)


@router.post("/needs/{int:need_id}/transition", response={200: NeedOut, **ERROR_RESPONSES},
             summary="Move a need to another status",
             description="Only the moves the need's status allows (400 otherwise); recorded with who, when and "
                         "why. \"linked\" is refused: only making a link (POST /links) moves a need there. "
                         "Cancelled and unmet need a reason, and so does met when no link delivered anything; "
                         "cancelled, unmet and met cancel the need's proposed and confirmed links. Needs the "
                         "admin, social worker or coordinator role.")
def need_move(request: HttpRequest, need_id: int, payload: TransitionIn):
    user = request.auth
    need = need_detail(user, need_id)
    need_transition(actor=user, need=need, to_status=payload.to_status, reason=payload.reason)
    return _detail(user, need.pk)


@router.get("/needs/{int:need_id}/suggestions", response={200: list[SuggestionOut], **READ_ERRORS},
            summary="Resources that could meet a need, best first",
            description="Active resources in the need's category (or one above or below it) that the household "
                        "is eligible for and that have something left, each with its score and reasons.")
def need_suggestions(request: HttpRequest, need_id: int, limit: int = Query(10, ge=1, le=50)):
    need = need_detail(request.auth, need_id)
    viewer = is_viewer(roles_for(request.auth), need.station_id)
    out = []
    for s in suggestions_for_need(need, limit=limit):
        out.append({
            "resource": s["id"], "name": s["name"], "fit": str(s["fit"]),
            "distance_km": None if viewer or s.get("km") is None else round(s["km"], 3),
            "capacity_left": s.get("left"), "unit": s.get("unit") or "", "score": float(s["score"]),
            "reasons": [] if viewer else [str(r) for r in s["reasons"]],
            "default_quantity": s["default_quantity"],
        })
    return out
