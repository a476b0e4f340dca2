"""/resources: the resource directory."""

from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from resourcelink.accounts.access import roles_for
from resourcelink.accounts.models import Station
from resourcelink.communities.models import Community, Grid
from resourcelink.core.services import reveal_field
from resourcelink.directory.forms import ResourceFilterForm
from resourcelink.directory.models import Resource
from resourcelink.directory.selectors import distance_km, get_resource_for_user, resources_search
from resourcelink.directory.services import resource_create, resource_update
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

router = Router(tags=["resources"])


# --- Schemas --------------------------------------------------------------------


class CategoryRefOut(Schema):
    id: int
    code: str
    name_zh_hans: str
    name_en: str


class ResourceOut(Schema):
    id: int
    uuid: UUID
    station: int
    name: str
    description: str
    kind: str
    categories: list[CategoryRefOut]
    is_formal: bool
    is_internal: bool
    community: RefOut | None
    grid: RefOut | None
    address: str
    latitude: float | None
    longitude: float | None
    contact_name: str
    contact_phone: str = Field(description="Masked (138****5678) unless you are an admin or social worker there.")
    quantity: float | None
    unit: str
    availability: str
    eligibility: str
    source: str
    source_date: date | None
    last_verified_on: date | None
    status: str
    tags: list[str]
    distance_km: float | None = Field(None, description="Distance from near_lat/near_lon, when a point was given.")
    created_on: datetime
    updated_on: datetime


class ResourcePage(PageOut):
    results: list[ResourceOut]


class ResourceFilterParams(Schema):
    """The web list's filters, checked by the same form."""

    station: int | None = Field(None, description="Station id; needed if you belong to several stations.")
    q: str | None = Field(None, description="Words that must all appear (Chinese matches by substring).")
    category: int | None = Field(None, description="Category id; its sub-categories are included.")
    kind: str | None = Field(
        None, description="person, organization, business, venue, material, money, culture or information."
    )
    status: str | None = Field(None, description="draft, active, inactive or archived; default: all but archived.")
    formal: bool | None = None
    internal: bool | None = Field(None, description="Inside the community (true) or outside (false).")
    community: int | None = Field(None, description="Community id.")
    grid: int | None = Field(None, description="Grid id.")
    verified_within: int | None = Field(None, description="Verified within this many days.")
    stale: bool | None = Field(None, description="Only resources not verified for a long time (or never).")
    near_lat: float | None = Field(None, description="Latitude of a point; adds distance_km to each row.")
    near_lon: float | None = Field(None, description="Longitude of that point.")
    radius_km: float | None = Field(None, description="Only resources within this distance of the point.")
    order: str | None = Field(None, description="name (default), -updated, -created, -verified or distance.")


def _form_data(params: ResourceFilterParams) -> dict[str, str]:
    """The typed query parameters as the filter form's GET data."""
    data = {}
    for name in ResourceFilterForm.base_fields:
        value = getattr(params, name, None)
        if value is None:
            continue
        if name in {"formal", "internal"}:
            data[name] = "1" if value else "0"
        elif name == "stale":
            if value:
                data[name] = "on"
        else:
            data[name] = str(value)
    return data


class ResourceWriteBase(Schema):
    description: str | None = None
    categories: list[str] | None = Field(None, description="Category codes, such as “food.staple”.")
    is_formal: bool | None = None
    is_internal: bool | None = None
    community: int | None = Field(None, description="Community id.")
    grid: int | None = Field(None, description="Grid id.")
    address: str | None = None
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    contact_name: str | None = None
    contact_phone: str | None = None
    quantity: Decimal | None = Field(None, ge=0)
    unit: str | None = None
    availability: str | None = None
    eligibility: str | None = None
    source: str | None = Field(None, description="walk, interview, donor_offer, referral or import.")
    source_date: date | None = None
    last_verified_on: date | None = None
    status: str | None = Field(None, description="draft, active, inactive or archived.")
    tags: list[str] | None = None
    reason: str = Field("", description="Why, for the record's history.")


class ResourceCreateIn(ResourceWriteBase):
    station: int | None = Field(None, description="Station id; needed if you belong to several stations.")
    name: str
    kind: str = Field(description="person, organization, business, venue, material, money, culture or information.")


class ResourcePatchIn(ResourceWriteBase):
    name: str | None = None
    kind: str | None = None


# Fields whose absence means "leave as it is" but whose null would break a
# NOT NULL text column: an explicit null clears them to "".
TEXT_FIELDS = {
    "description", "address", "contact_name", "contact_phone", "unit", "availability", "eligibility",
}

# Fields a PATCH may leave out but may not set to null.
REQUIRED_FIELDS = {"name", "kind", "is_formal", "is_internal", "source", "status"}

# --- Output ---------------------------------------------------------------------


def resource_out(resource: Resource, roles: dict[int, str]) -> dict:
    """A resource as the API shows it; reads only what the selectors loaded."""
    # Masked for every role: the full number comes only from the logged
    # reveal-phone operation (DESIGN.md §6).
    phone = resource.masked_phone
    distance = distance_km(resource)
    return {
        "id": resource.pk,
        "uuid": resource.uuid,
        "station": resource.station_id,
        "name": resource.name,
        "description": resource.description,
        "kind": resource.kind,
        "categories": [
            {"id": c.pk, "code": c.code, "name_zh_hans": c.name_zh_hans, "name_en": c.name_en}
            for c in resource.categories.all()
        ],
        "is_formal": resource.is_formal,
        "is_internal": resource.is_internal,
        "community": ref(resource.community),
        "grid": ref(resource.grid),
        "address": resource.address,
        "latitude": resource.latitude,
        "longitude": resource.longitude,
        "contact_name": resource.contact_name,
        "contact_phone": phone,
        "quantity": None if resource.quantity is None else float(resource.quantity),
        "unit": resource.unit,
        "availability": resource.availability,
        "eligibility": resource.eligibility,
        "source": resource.source,
        "source_date": resource.source_date,
        "last_verified_on": resource.last_verified_on,
        "status": resource.status,
        "tags": resource.tag_list,
        "distance_km": None if distance is None else round(distance, 3),
        "created_on": resource.created_on,
        "updated_on": resource.updated_on,
    }


def _detail(user, pk: int) -> dict:
    return resource_out(get_resource_for_user(user, pk), roles_for(user))


# --- Input ----------------------------------------------------------------------


def _fields_from(payload: ResourceWriteBase, station_id: int, *, partial: bool) -> tuple[dict, list | None]:
    """Service keyword arguments from a request body: related records looked
    up by id (communities, grids) or code (categories) inside the station."""
    data = payload.dict(exclude_unset=partial, exclude={"station", "reason"})
    if not partial:
        data = {k: v for k, v in data.items() if v is not None}
    errors: dict[str, list[str]] = {}
    if "community" in data and data["community"] is not None:
        community = Community.objects.filter(station_id=station_id, pk=data["community"]).first()
        if community is None:
            errors["community"] = [_("Choose one of this station's communities.")]
        data["community"] = community
    if "grid" in data and data["grid"] is not None:
        grid = Grid.objects.filter(station_id=station_id, pk=data["grid"]).select_related("community").first()
        if grid is None:
            errors["grid"] = [_("Choose one of this station's grids.")]
        data["grid"] = grid
    categories = None
    if "categories" in data:
        codes = list(dict.fromkeys(data.pop("categories") or []))
        categories = list(Category.objects.filter(station_id=station_id, code__in=codes))
        unknown = sorted(set(codes) - {c.code for c in categories})
        if unknown:
            errors["categories"] = [
                _("No such category code at this station: %(codes)s.") % {"codes": ", ".join(unknown)}
            ]
    for name in sorted(REQUIRED_FIELDS & set(data)):
        if data[name] is None:
            errors[name] = [_("This field cannot be empty.")]
    for name in TEXT_FIELDS & set(data):
        if data[name] is None:
            data[name] = ""
    if "tags" in data and data["tags"] is None:
        data["tags"] = ""
    if errors:
        raise ValidationError(errors)
    return data, categories


# --- Endpoints ------------------------------------------------------------------


@router.get(
    "/resources",
    response={200: ResourcePage, **LIST_ERRORS},
    summary="List resources",
    description=(
        "The station's resources, filtered like the web list. The filters work within one station: "
        "if you belong to one station it is used; if you belong to several, give `station` (else 400). "
        "Invalid filter values give 400 with the errors by parameter name."
    ),
)
def resource_list(request: HttpRequest, filters: Query[ResourceFilterParams], pages: Query[PageParams]):
    user = request.auth
    station_id = single_station_id(user, filters.station)
    form = ResourceFilterForm(_form_data(filters), station=station_id)
    if not form.is_valid():
        raise ValidationError({field: list(messages) for field, messages in form.errors.items()})
    qs = resources_search(station=station_id, filters=form.to_filter())
    roles = roles_for(user)
    return paginate(request, qs, pages, lambda r: resource_out(r, roles))


@router.get("/resources/{int:resource_id}", response={200: ResourceOut, **READ_ERRORS}, summary="One resource")
def resource_detail(request: HttpRequest, resource_id: int):
    return _detail(request.auth, resource_id)


class PhoneOut(Schema):
    contact_phone: str


@router.post(
    "/resources/{int:resource_id}/reveal-phone",
    response={200: PhoneOut, **READ_ERRORS},
    summary="Show a resource's full contact phone",
    description="Needs the admin or social worker role at the station. Every call is logged (who, when, which "
                "resource) and admins see the log on the resource's page.",
)
def resource_reveal_phone(request: HttpRequest, resource_id: int):
    resource = get_resource_for_user(request.auth, resource_id)
    return {"contact_phone": reveal_field(actor=request.auth, obj=resource, field="contact_phone")}


@router.post(
    "/resources",
    response={201: ResourceOut, **ERROR_RESPONSES},
    summary="Create a resource",
    description="Needs the admin, social worker or coordinator role at the station.",
)
def resource_add(request: HttpRequest, payload: ResourceCreateIn):
    user = request.auth
    station_id = single_station_id(user, payload.station)  # 404 unless a member there
    station = Station.objects.get(pk=station_id)
    fields, categories = _fields_from(payload, station_id, partial=False)
    resource = resource_create(actor=user, station=station, categories=categories or [], reason=payload.reason,
                               **fields)
    return Status(201, _detail(user, resource.pk))


@router.patch(
    "/resources/{int:resource_id}",
    response={200: ResourceOut, **ERROR_RESPONSES},
    summary="Change a resource",
    description="Only the fields sent change; `categories`, when sent, replaces the list. "
    "Needs the admin, social worker or coordinator role at the station.",
)
def resource_change(request: HttpRequest, resource_id: int, payload: ResourcePatchIn):
    user = request.auth
    resource = get_resource_for_user(user, resource_id)
    fields, categories = _fields_from(payload, resource.station_id, partial=True)
    resource_update(actor=user, resource=resource, categories=categories, reason=payload.reason, **fields)
    return _detail(user, resource.pk)
