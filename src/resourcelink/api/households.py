"""/households: the register of households, always masked.

Names and addresses are masked for every role (DESIGN.md §6); an admin or
social worker sees one in full through ``POST /households/{id}/reveal``,
which is logged. A home's exact position gives its address away: latitude
and longitude go to admins and social workers only. Viewers get no personal
data at all: name, address, reference, position and notes are null, and
they may not filter by vulnerability.
"""

from datetime import datetime
from typing import Literal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from resourcelink.accounts.access import roles_for
from resourcelink.accounts.models import STAFF, Role, Station
from resourcelink.communities.models import Community, Grid
from resourcelink.core.privacy import mask_address, mask_name
from resourcelink.people.models import Household, VulnerabilityTag
from resourcelink.people.refs import shareable_ref
from resourcelink.people.selectors import (
    HouseholdFilter,
    get_household_for_user,
    households_for_station,
)
from resourcelink.people.services import household_create, household_reveal, household_update

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

router = Router(tags=["households"])


# --- shared by the people, needs and allocation routers -----------------------------




def is_viewer(roles: dict[int, str], station_id: int) -> bool:
    """Viewers (and anyone without a role there) see no personal data."""
    return roles.get(station_id) in (None, Role.VIEWER)


def is_staff(roles: dict[int, str], station_id: int) -> bool:
    return roles.get(station_id) in STAFF


def station_for(user, station: int | None) -> Station:
    return Station.objects.get(pk=single_station_id(user, station))


def lookup(model, station_id: int, pk: int | None, field: str, errors: dict, **extra):
    """A related record of the station by id; a field error if it is not there."""
    if pk is None:
        return None
    obj = model.objects.filter(station_id=station_id, pk=pk, **extra).first()
    if obj is None:
        errors[field] = [_("No such record at this station.")]
    return obj


def raise_if(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


class RevealIn(Schema):
    field: str = Field(description="Which field to show in full.")


class RevealOut(Schema):
    field: str
    value: str


# --- schemas ----------------------------------------------------------------------


class HouseholdOut(Schema):
    id: int
    uuid: UUID
    station: int
    ref: str | None = Field(None, description="The station's own reference (from an import), if any; null for "
                                              "viewers.")
    name: str | None = Field(description="Masked (张*); null for viewers.")
    address: str | None = Field(description="Masked (湖滨路12号***); null for viewers.")
    community: RefOut | None
    grid: RefOut | None
    latitude: float | None = Field(None, description="Admins and social workers only; null for others.")
    longitude: float | None = Field(None, description="Admins and social workers only; null for others.")
    notes: str | None = Field(None, description="Admins and social workers only; null for others.")
    resident_count: int | None = None
    archived: bool
    created_on: datetime
    updated_on: datetime


class HouseholdPage(PageOut):
    results: list[HouseholdOut]


class HouseholdFilterParams(Schema):
    station: int | None = Field(None, description="Station id; needed if you belong to several stations.")
    q: str | None = Field(None, description="A household number (#12) or the start of its uuid.")
    community: int | None = Field(None, description="Community id.")
    grid: int | None = Field(None, description="Grid id.")
    tag: int | None = Field(None, description="Vulnerability id: households with a resident who has it "
                                              "(not for viewers).")
    archived: bool = Field(False, description="List archived households instead.")


class HouseholdWriteBase(Schema):
    address: str | None = None
    community: int | None = Field(None, description="Community id.")
    grid: int | None = Field(None, description="Grid id.")
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    notes: str | None = None
    reason: str = Field("", description="Why, for the record's history.")


class HouseholdCreateIn(HouseholdWriteBase):
    station: int | None = Field(None, description="Station id; needed if you belong to several stations.")
    name: str
    address: str
    community: int = Field(description="Community id.")


class HouseholdPatchIn(HouseholdWriteBase):
    name: str | None = None


class HouseholdRevealIn(Schema):
    field: Literal["name", "address"]


# --- output -----------------------------------------------------------------------


def household_out(h: Household, roles: dict[int, str]) -> dict:
    viewer = is_viewer(roles, h.station_id)
    staff = is_staff(roles, h.station_id)
    return {
        "id": h.pk,
        "uuid": h.uuid,
        "station": h.station_id,
        "ref": None if viewer else shareable_ref(h.import_key),
        "name": None if viewer else mask_name(h.name),
        "address": None if viewer else mask_address(h.address),
        "community": ref(h.community),
        "grid": ref(h.grid),
        "latitude": h.latitude if staff else None,
        "longitude": h.longitude if staff else None,
        "notes": h.notes if staff else None,
        "resident_count": getattr(h, "resident_count", None),
        "archived": h.archived_on is not None,
        "created_on": h.created_on,
        "updated_on": h.updated_on,
    }


def _fields(payload: HouseholdWriteBase, station_id: int, *, partial: bool) -> dict:
    data = payload.dict(exclude_unset=partial, exclude={"station", "reason"})
    if not partial:
        data = {k: v for k, v in data.items() if v is not None}
    errors: dict = {}
    if "community" in data:
        if data["community"] is None:
            errors["community"] = [_("This field cannot be empty.")]
        else:
            data["community"] = lookup(Community, station_id, data["community"], "community", errors)
    if "grid" in data:
        data["grid"] = lookup(Grid, station_id, data["grid"], "grid", errors)
    for name in ("name", "address"):
        if name in data and not (data[name] or "").strip():
            errors[name] = [_("This field cannot be empty.")]
    if "notes" in data and data["notes"] is None:
        data["notes"] = ""
    raise_if(errors)
    return data


def _detail(user, pk: int) -> dict:
    return household_out(get_household_for_user(user, pk), roles_for(user))


# --- endpoints ----------------------------------------------------------------------


@router.get("/households", response={200: HouseholdPage, **LIST_ERRORS}, summary="List households",
            description="The station's households, filtered like the web list. Names and addresses are masked; "
                        "viewers see none.")
def household_list(request: HttpRequest, filters: Query[HouseholdFilterParams], pages: Query[PageParams]):
    user = request.auth
    station_id = single_station_id(user, filters.station)
    errors: dict = {}
    lookup(Community, station_id, filters.community, "community", errors)
    lookup(Grid, station_id, filters.grid, "grid", errors)
    lookup(VulnerabilityTag, station_id, filters.tag, "tag", errors)
    roles = roles_for(user)
    if filters.tag is not None and is_viewer(roles, station_id):
        # Which households have a disabled or ill resident is personal data.
        errors["tag"] = [_("Viewers may not filter by vulnerability.")]
    raise_if(errors)
    qs = households_for_station(station_id, HouseholdFilter(
        q=filters.q or "", community_id=filters.community, grid_id=filters.grid, tag_id=filters.tag,
        archived=filters.archived))
    return paginate(request, qs, pages, lambda h: household_out(h, roles))


@router.get("/households/{int:household_id}", response={200: HouseholdOut, **READ_ERRORS}, summary="One household")
def household_detail(request: HttpRequest, household_id: int):
    return _detail(request.auth, household_id)


@router.post("/households", response={201: HouseholdOut, **ERROR_RESPONSES}, summary="Create a household",
             description="Needs the admin or social worker role at the station.")
def household_add(request: HttpRequest, payload: HouseholdCreateIn):
    user = request.auth
    station = station_for(user, payload.station)
    household = household_create(actor=user, station=station, reason=payload.reason,
                                 **_fields(payload, station.pk, partial=False))
    return Status(201, _detail(user, household.pk))


@router.patch("/households/{int:household_id}", response={200: HouseholdOut, **ERROR_RESPONSES},
              summary="Change a household",
              description="Only the fields sent change. Needs the admin or social worker role at the station.")
def household_change(request: HttpRequest, household_id: int, payload: HouseholdPatchIn):
    user = request.auth
    household = get_household_for_user(user, household_id)
    household_update(actor=user, household=household, reason=payload.reason,
                     **_fields(payload, household.station_id, partial=True))
    return _detail(user, household.pk)


@router.post("/households/{int:household_id}/reveal", response={200: RevealOut, **ERROR_RESPONSES},
             summary="Show a household's name or address in full",
             description="Admins and social workers only. Every call is logged (who, when, which field).")
def household_reveal_field(request: HttpRequest, household_id: int, payload: HouseholdRevealIn):
    household = get_household_for_user(request.auth, household_id)
    return {"field": payload.field, "value": household_reveal(actor=request.auth, household=household,
                                                              field=payload.field)}
