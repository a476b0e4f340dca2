"""Writes to the resource directory. Every function checks the actor's role,
validates, keeps the record inside the actor's station and writes history."""

import hashlib
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from resourcelink.accounts.access import require_role
from resourcelink.accounts.models import EDITORS, Station
from resourcelink.core.services import check_same_station, refuse_unknown_fields, save_with_history
from resourcelink.taxonomy.models import Category

from .models import Contact, Location, Organization, Resource, ResourceStatus, Service

RESOURCE_FIELDS = (
    "name", "description", "kind", "is_formal", "is_internal", "community", "grid", "address", "latitude",
    "longitude", "contact_name", "contact_phone", "quantity", "unit", "availability", "eligibility", "source",
    "source_date", "last_verified_on", "status", "tags", "organization", "service",
)


def normalise_tags(tags) -> str:
    if isinstance(tags, str):
        tags = tags.replace("，", ",").replace("、", ",").split(",")
    seen = []
    for tag in tags or []:
        tag = str(tag).strip()
        if tag and tag not in seen:
            seen.append(tag)
    return ", ".join(seen)


def resource_import_key(*, name: str, address: str, community_id: int | None) -> str:
    """A resource's identity in a spreadsheet without uuids."""
    raw = "|".join([" ".join(name.lower().split()), " ".join((address or "").lower().split()), str(community_id or "")])
    return hashlib.sha256(raw.encode()).hexdigest()[:64]


def resource_refresh_derived(resource: Resource, categories: Iterable[Category] | None = None) -> None:
    """Recompute the search text and import key from the resource's fields,
    its organisation and its categories' names in both languages."""
    extra = []
    if resource.organization_id:
        extra.append(resource.organization.name)
    cats = list(categories) if categories is not None else list(resource.categories.all()) if resource.pk else []
    for category in cats:
        extra += [category.name_zh_hans, category.name_en]
    resource.search_text = resource.build_search_text(" ".join(extra))
    resource.import_key = resource_import_key(
        name=resource.name, address=resource.address, community_id=resource.community_id
    )


def _validate_relations(station_id: int, resource: Resource, categories) -> None:
    errors: dict = {}
    check_same_station(
        station_id, errors, community=resource.community, grid=resource.grid, organization=resource.organization,
        service=resource.service, categories=list(categories or []),
    )
    if resource.grid_id and resource.community_id and resource.grid.community_id != resource.community_id:
        errors.setdefault("grid", []).append(_("This grid belongs to another community."))
    if resource.grid_id and not resource.community_id:
        resource.community = resource.grid.community
    if (resource.latitude is None) != (resource.longitude is None):
        errors.setdefault("longitude" if resource.longitude is None else "latitude", []).append(
            _("Give both latitude and longitude, or neither.")
        )
    for category in categories or []:
        if category.is_retired and category.pk not in getattr(resource, "_kept_category_ids", set()):
            errors.setdefault("categories", []).append(
                _("The category “%(name)s” is retired.") % {"name": category.name}
            )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def resource_create(*, actor, station: Station, categories: Iterable[Category] = (), reason: str = "",
                    check: bool = True, **fields) -> Resource:
    """Create a resource. ``fields`` are Resource fields by name."""
    if check:
        require_role(actor, station, EDITORS)
    refuse_unknown_fields(fields, RESOURCE_FIELDS, "resource")
    categories = list(categories)
    resource = Resource(station=station, **fields)
    resource.tags = normalise_tags(resource.tags)
    if resource.source_date is None:
        resource.source_date = timezone.localdate()
    _validate_relations(station.pk, resource, categories)
    resource_refresh_derived(resource, categories)
    save_with_history(resource, actor=actor, reason=reason)
    if categories:
        resource.categories.set(categories)
    return resource


@transaction.atomic
def resource_update(*, actor, resource: Resource, categories: Iterable[Category] | None = None, reason: str = "",
                    check: bool = True, **fields) -> Resource:
    """Change a resource's fields (and categories, when given)."""
    if check:
        require_role(actor, resource.station_id, EDITORS)
    refuse_unknown_fields(fields, RESOURCE_FIELDS, "resource")
    resource = Resource.objects.select_for_update().get(pk=resource.pk)
    current_categories = list(resource.categories.all())
    for name, value in fields.items():
        setattr(resource, name, value)
    resource.tags = normalise_tags(resource.tags)
    # A retired category a resource already had may stay; it may not be added.
    resource._kept_category_ids = {c.pk for c in current_categories}
    new_categories = list(categories) if categories is not None else current_categories
    _validate_relations(resource.station_id, resource, new_categories)
    resource_refresh_derived(resource, new_categories)
    save_with_history(resource, actor=actor, reason=reason)
    if categories is not None and {c.pk for c in new_categories} != resource._kept_category_ids:
        resource.categories.set(new_categories)
    return resource


@transaction.atomic
def resource_set_status(*, actor, resource: Resource, status: str, reason: str = "") -> Resource:
    """Activate, deactivate or archive a resource (archiving is how a
    resource is "deleted": it leaves lists but keeps its links and history)."""
    if status not in ResourceStatus.values:
        raise ValidationError({"status": _("Choose a valid status.")})
    return resource_update(actor=actor, resource=resource, status=status, reason=reason)


@transaction.atomic
def resource_verify(*, actor, resource: Resource, on=None, note: str = "") -> Resource:
    """Record that someone checked the resource is still there and available."""
    return resource_update(
        actor=actor, resource=resource, last_verified_on=on or timezone.localdate(),
        reason=note or _("Verified"),
    )


# --- Organisations, services, locations, contacts (HSDS) -------------------


def _station_record_create(model, *, actor, station: Station, reason: str = "", **fields):
    require_role(actor, station, EDITORS)
    obj = model(station=station, **fields)
    errors: dict = {}
    check_same_station(station.pk, errors, **{k: v for k, v in fields.items() if hasattr(v, "station_id")})
    if errors:
        raise ValidationError(errors)
    return save_with_history(obj, actor=actor, reason=reason)


def _station_record_update(obj, *, actor, reason: str = "", **fields):
    require_role(actor, obj.station_id, EDITORS)
    errors: dict = {}
    check_same_station(obj.station_id, errors, **{k: v for k, v in fields.items() if hasattr(v, "station_id")})
    if errors:
        raise ValidationError(errors)
    for name, value in fields.items():
        setattr(obj, name, value)
    return save_with_history(obj, actor=actor, reason=reason)


def _station_record_archive(obj, *, actor, reason: str = ""):
    require_role(actor, obj.station_id, EDITORS)
    if obj.archived_on is None:
        obj.archived_on = timezone.now()
        save_with_history(obj, actor=actor, reason=reason or _("Archived"), clean=False)
    return obj


@transaction.atomic
def organization_create(*, actor, station: Station, **fields) -> Organization:
    return _station_record_create(Organization, actor=actor, station=station, **fields)


@transaction.atomic
def organization_update(*, actor, organization: Organization, reason: str = "", **fields) -> Organization:
    organization = _station_record_update(organization, actor=actor, reason=reason, **fields)
    # Resources index their organisation's name for search.
    for resource in organization.resources.select_related("organization").prefetch_related("categories"):
        resource_refresh_derived(resource)
        Resource.objects.filter(pk=resource.pk).update(search_text=resource.search_text)
    return organization


@transaction.atomic
def organization_archive(*, actor, organization: Organization, reason: str = "") -> Organization:
    return _station_record_archive(organization, actor=actor, reason=reason)


@transaction.atomic
def service_create(*, actor, station: Station, categories: Iterable[Category] = (), locations=(), **fields) -> Service:
    errors: dict = {}
    check_same_station(station.pk, errors, categories=list(categories), locations=list(locations))
    if errors:
        raise ValidationError(errors)
    service = _station_record_create(Service, actor=actor, station=station, **fields)
    service.categories.set(categories)
    service.locations.set(locations)
    return service


@transaction.atomic
def service_update(*, actor, service: Service, categories=None, locations=None, reason: str = "", **fields) -> Service:
    errors: dict = {}
    check_same_station(service.station_id, errors, categories=list(categories or []), locations=list(locations or []))
    if errors:
        raise ValidationError(errors)
    service = _station_record_update(service, actor=actor, reason=reason, **fields)
    if categories is not None:
        service.categories.set(categories)
    if locations is not None:
        service.locations.set(locations)
    return service


@transaction.atomic
def service_archive(*, actor, service: Service, reason: str = "") -> Service:
    return _station_record_archive(service, actor=actor, reason=reason)


@transaction.atomic
def location_create(*, actor, station: Station, **fields) -> Location:
    return _station_record_create(Location, actor=actor, station=station, **fields)


@transaction.atomic
def location_update(*, actor, location: Location, reason: str = "", **fields) -> Location:
    return _station_record_update(location, actor=actor, reason=reason, **fields)


@transaction.atomic
def location_archive(*, actor, location: Location, reason: str = "") -> Location:
    return _station_record_archive(location, actor=actor, reason=reason)


@transaction.atomic
def contact_create(*, actor, station: Station, **fields) -> Contact:
    return _station_record_create(Contact, actor=actor, station=station, **fields)


@transaction.atomic
def contact_update(*, actor, contact: Contact, reason: str = "", **fields) -> Contact:
    return _station_record_update(contact, actor=actor, reason=reason, **fields)


@transaction.atomic
def contact_archive(*, actor, contact: Contact, reason: str = "") -> Contact:
    return _station_record_archive(contact, actor=actor, reason=reason)
