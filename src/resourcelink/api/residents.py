"""/residents: people in households, always masked.

Name, phone and ID number are masked for every role and the birth date is
given as a year; an admin or social worker sees one field in full through
``POST /residents/{id}/reveal``, which is logged. Viewers get no personal
data at all: those fields, the vulnerabilities and notes are null.
"""

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from django.db.models import prefetch_related_objects
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from resourcelink.accounts.access import roles_for
from resourcelink.core.privacy import mask_name, mask_phone
from resourcelink.people.models import Household, Resident, VulnerabilityTag
from resourcelink.people.selectors import get_household_for_user, get_resident_for_user
from resourcelink.people.services import (
    LikelyDuplicate,
    resident_create,
    resident_reveal,
    resident_update,
)

from .common import (
    ERROR_RESPONSES,
    LIST_ERRORS,
    READ_ERRORS,
    ErrorOut,
    PageOut,
    PageParams,
    error_response,
    paginate,
    single_station_id,
)
from .households import RevealOut, is_staff, is_viewer, lookup, raise_if

router = Router(tags=["residents"])


class TagOut(Schema):
    id: int
    code: str
    name_zh_hans: str
    name_en: str


class ResidentOut(Schema):
    id: int
    uuid: UUID
    station: int
    household: int
    name: str | None = Field(description="Masked (张**); null for viewers.")
    gender: str | None = Field(description="female, male, other or unknown; null for viewers.")
    relation: str
    birth_year: int | None = Field(description="The year only; null for viewers.")
    phone: str | None = Field(description="Masked (138****5678); null for viewers.")
    id_number: str | None = Field(description="Masked (330*************34); null for viewers.")
    tags: list[TagOut] | None = Field(description="Vulnerabilities; null for viewers.")
    notes: str | None = Field(None, description="Admins and social workers only.")
    archived: bool
    created_on: datetime
    updated_on: datetime


class ResidentPage(PageOut):
    results: list[ResidentOut]


class ResidentFilterParams(Schema):
    station: int | None = Field(None, description="Station id; needed if you belong to several stations.")
    household: int | None = Field(None, description="Household id.")
    tag: int | None = Field(None, description="Vulnerability id.")
    archived: bool = Field(False, description="List archived residents instead.")


class ResidentWriteBase(Schema):
    gender: str | None = Field(None, description="female, male, other or unknown.")
    relation: str | None = Field(None, description="head, spouse, child, parent, grandchild, grandparent, sibling, "
                                                   "relative or other.")
    birth_date: date | None = None
    birth_year: int | None = Field(None, description="When only the year is known.")
    phone: str | None = None
    id_number: str | None = Field(None, description="Checked (GB 11643) and stored encrypted; \"\" removes it.")
    tags: list[str] | None = Field(None, description="Vulnerability codes; replaces the list when sent.")
    notes: str | None = None
    reason: str = Field("", description="Why, for the record's history.")


class ResidentCreateIn(ResidentWriteBase):
    household: int = Field(description="Household id.")
    name: str
    confirm_duplicate: bool = Field(False, description="Save even if the resident looks like one already "
                                                       "recorded (the pair is flagged for review).")


class ResidentPatchIn(ResidentWriteBase):
    name: str | None = None


class ResidentRevealIn(Schema):
    field: Literal["name", "phone", "id_number", "birth_date"]


def resident_out(r: Resident, roles: dict[int, str]) -> dict:
    viewer = is_viewer(roles, r.station_id)
    birth_year = r.birth_date.year if r.birth_date else r.birth_year
    return {
        "id": r.pk,
        "uuid": r.uuid,
        "station": r.station_id,
        "household": r.household_id,
        "name": None if viewer else mask_name(r.name),
        "gender": None if viewer else r.gender,
        "relation": r.relation,
        "birth_year": None if viewer else birth_year,
        "phone": None if viewer else mask_phone(r.phone),
        "id_number": None if viewer else r.id_number_masked,
        "tags": None if viewer else [{"id": t.pk, "code": t.code, "name_zh_hans": t.name_zh_hans,
                                      "name_en": t.name_en} for t in r.tags.all()],
        "notes": r.notes if is_staff(roles, r.station_id) else None,
        "archived": r.archived_on is not None,
        "created_on": r.created_on,
        "updated_on": r.updated_on,
    }


def _detail(user, pk: int) -> dict:
    resident = get_resident_for_user(user, pk)
    prefetch_related_objects([resident], "tags")
    return resident_out(resident, roles_for(user))


def _fields(payload: ResidentWriteBase, station_id: int, *, partial: bool) -> dict:
    data = payload.dict(exclude_unset=partial, exclude={"household", "reason", "confirm_duplicate"})
    if not partial:
        data = {k: v for k, v in data.items() if v is not None}
    errors: dict = {}
    if "tags" in data:
        codes = list(dict.fromkeys(data["tags"] or []))
        tags = list(VulnerabilityTag.objects.filter(station_id=station_id, code__in=codes))
        unknown = sorted(set(codes) - {t.code for t in tags})
        if unknown:
            errors["tags"] = [_("No such vulnerability code at this station: %(codes)s.") % {
                "codes": ", ".join(unknown)}]
        data["tags"] = tags
    for name in ("phone", "notes"):
        if name in data and data[name] is None:
            data[name] = ""
    for name in ("name", "gender", "relation"):
        if name in data and not data[name]:
            errors[name] = [_("This field cannot be empty.")]
    if "id_number" in data and data["id_number"] is None:
        data["id_number"] = ""
    raise_if(errors)
    return data


@router.get("/residents", response={200: ResidentPage, **LIST_ERRORS}, summary="List residents",
            description="Live residents of the station (merged ones are left out), masked; viewers see no "
                        "personal data.")
def resident_list(request: HttpRequest, filters: Query[ResidentFilterParams], pages: Query[PageParams]):
    user = request.auth
    station_id = single_station_id(user, filters.station)
    errors: dict = {}
    lookup(Household, station_id, filters.household, "household", errors)
    lookup(VulnerabilityTag, station_id, filters.tag, "tag", errors)
    raise_if(errors)
    qs = Resident.objects.filter(station_id=station_id, merged_into__isnull=True,
                                 archived_on__isnull=not filters.archived)
    if filters.household:
        qs = qs.filter(household_id=filters.household)
    if filters.tag:
        qs = qs.filter(tags__id=filters.tag)
    qs = qs.prefetch_related("tags").order_by("household_id", "id")
    roles = roles_for(user)
    return paginate(request, qs, pages, lambda r: resident_out(r, roles))


@router.get("/residents/{int:resident_id}", response={200: ResidentOut, **READ_ERRORS}, summary="One resident")
def resident_detail(request: HttpRequest, resident_id: int):
    return _detail(request.auth, resident_id)


@router.post("/residents", response={201: ResidentOut, 409: ErrorOut, **ERROR_RESPONSES},
             summary="Register a resident",
             description="Needs the admin or social worker role at the station. The same ID number twice is "
                         "refused (400); a likely duplicate (same name and phone, or a similar name at the same "
                         "address) gives 409 unless `confirm_duplicate` is true.")
def resident_add(request: HttpRequest, payload: ResidentCreateIn):
    user = request.auth
    household = get_household_for_user(user, payload.household)
    fields = _fields(payload, household.station_id, partial=False)
    try:
        resident = resident_create(actor=user, household=household, reason=payload.reason,
                                   confirm_duplicate=payload.confirm_duplicate, **fields)
    except LikelyDuplicate as exc:
        return error_response(409, " ".join(exc.messages), {"confirm_duplicate": list(exc.messages)})
    return Status(201, _detail(user, resident.pk))


@router.patch("/residents/{int:resident_id}", response={200: ResidentOut, **ERROR_RESPONSES},
              summary="Change a resident",
              description="Only the fields sent change; `tags`, when sent, replaces the list. Needs the admin or "
                          "social worker role at the station.")
def resident_change(request: HttpRequest, resident_id: int, payload: ResidentPatchIn):
    user = request.auth
    resident = get_resident_for_user(user, resident_id)
    fields = _fields(payload, resident.station_id, partial=True)
    resident_update(actor=user, resident=resident, reason=payload.reason, **fields)
    return _detail(user, resident.pk)


@router.post("/residents/{int:resident_id}/reveal", response={200: RevealOut, **ERROR_RESPONSES},
             summary="Show one personal field of a resident in full",
             description="name, phone, id_number or birth_date. Admins and social workers only; every call is "
                         "logged (who, when, which resident and field).")
def resident_reveal_field(request: HttpRequest, resident_id: int, payload: ResidentRevealIn):
    resident = get_resident_for_user(request.auth, resident_id)
    return {"field": payload.field, "value": resident_reveal(actor=request.auth, resident=resident,
                                                             field=payload.field)}


