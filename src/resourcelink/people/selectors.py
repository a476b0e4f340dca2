"""Reads of households, residents, consent and duplicates.

Lists never carry personal data in clear: pages show the masked forms from
``core/privacy.py`` (see ``masked`` helpers below) and full values only
through a logged reveal (services.resident_reveal / household_reveal).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from resourcelink.accounts.access import can, get_scoped_object
from resourcelink.accounts.models import EDITORS, STAFF
from resourcelink.core.history import history_for
from resourcelink.core.privacy import mask_address, mask_name, mask_phone

from .models import Consent, DuplicateCandidate, Household, Resident, VulnerabilityTag

# --- Access ---------------------------------------------------------------------


def get_household_for_user(user, pk, *, roles=None) -> Household:
    return get_scoped_object(user, Household.objects.select_related("community", "grid"), pk, roles=roles)


def get_resident_for_user(user, pk, *, roles=None) -> Resident:
    return get_scoped_object(user, Resident.objects.select_related("household", "household__community",
                                                                   "household__grid"), pk, roles=roles)


def get_consent_for_user(user, pk, *, roles=None) -> Consent:
    return get_scoped_object(user, Consent.objects.select_related("resident"), pk, roles=roles)


def get_duplicate_for_user(user, pk, *, roles=None) -> DuplicateCandidate:
    return get_scoped_object(user, DuplicateCandidate.objects.select_related("resident", "duplicate"), pk,
                             roles=roles)


def get_tag_for_user(user, pk, *, roles=None) -> VulnerabilityTag:
    return get_scoped_object(user, VulnerabilityTag.objects.all(), pk, roles=roles)


# --- Households ---------------------------------------------------------------------


@dataclass(frozen=True)
class HouseholdFilter:
    """``q`` matches non-personal fields only: the household number (#12)
    or the start of its uuid."""

    q: str = ""
    community_id: int | None = None
    grid_id: int | None = None
    tag_id: int | None = None
    archived: bool = False


def households_for_station(station, filters: HouseholdFilter | None = None) -> QuerySet[Household]:
    """Households of the station with community, grid and a count of live
    residents; paginate the result (the query count does not grow with rows)."""
    f = filters or HouseholdFilter()
    qs = Household.objects.filter(station=station, archived_on__isnull=not f.archived)
    if f.community_id:
        qs = qs.filter(community_id=f.community_id)
    if f.grid_id:
        qs = qs.filter(grid_id=f.grid_id)
    if f.tag_id:
        qs = qs.filter(Exists(Resident.tags.through.objects.filter(
            resident__household_id=OuterRef("pk"), resident__archived_on__isnull=True,
            vulnerabilitytag_id=f.tag_id)))
    q = (f.q or "").strip().lstrip("#")
    if q:
        if q.isdigit():
            qs = qs.filter(pk=int(q))
        else:
            qs = qs.filter(uuid__startswith=q.lower()) if len(q) >= 4 else qs.none()
    return (qs.select_related("community", "grid")
            .annotate(resident_count=Count("residents", filter=Q(residents__archived_on__isnull=True)))
            .order_by("community__name", "grid__name", "id"))


def residents_of(household: Household, *, include_archived: bool = False) -> list[Resident]:
    """The household's residents with their tags (two queries)."""
    qs = household.residents.all()
    if not include_archived:
        qs = qs.filter(archived_on__isnull=True)
    return list(qs.prefetch_related(Prefetch("tags", queryset=VulnerabilityTag.objects.order_by("sort_order", "id")))
                .order_by("id"))


def household_tags(household_ids) -> dict[int, set[int]]:
    """``{household_id: {tag_id, ...}}``: the union of its live residents' tags
    (archived tags included: a tag describes the person, and an archived
    tag still counts where it was given)."""
    result: dict[int, set[int]] = {pk: set() for pk in household_ids}
    rows = Resident.tags.through.objects.filter(
        resident__household_id__in=list(household_ids), resident__archived_on__isnull=True,
    ).values_list("resident__household_id", "vulnerabilitytag_id")
    for household_id, tag_id in rows:
        result.setdefault(household_id, set()).add(tag_id)
    return result


def tags_for_station(station, *, include_archived: bool = False) -> list[VulnerabilityTag]:
    qs = VulnerabilityTag.objects.filter(station=station)
    if not include_archived:
        qs = qs.filter(archived_on__isnull=True)
    return list(qs.order_by("sort_order", "code", "id"))


# --- Consent -------------------------------------------------------------------------


def consent_active(*, resident_ids, scope: str, organization=None) -> set[int]:
    """Ids of the residents with an active (not withdrawn, not future)
    consent to ``scope``; for ``share`` with ``organization``, one naming that
    organisation. Used by needs.link_create to refuse sharing without it."""
    qs = Consent.objects.filter(resident_id__in=list(resident_ids), scope=scope, withdrawn_on__isnull=True,
                                given_on__lte=timezone.localdate())
    if organization is not None:
        qs = qs.filter(organization=organization)
    return set(qs.values_list("resident_id", flat=True))


def consents_of(resident: Resident) -> list[Consent]:
    return list(resident.consents.select_related("organization", "created_by", "withdrawn_by")
                .order_by("-given_on", "-id"))


# --- Duplicates --------------------------------------------------------------------


def duplicates_open(station) -> QuerySet[DuplicateCandidate]:
    """Open pairs whose residents are both still live."""
    return (DuplicateCandidate.objects
            .filter(station=station, status=DuplicateCandidate.Status.OPEN,
                    resident__merged_into__isnull=True, duplicate__merged_into__isnull=True,
                    resident__archived_on__isnull=True, duplicate__archived_on__isnull=True)
            .select_related("resident", "duplicate", "resident__household", "duplicate__household")
            .order_by("-created_on", "-id"))


# --- Masked display ----------------------------------------------------------------

PERSONAL_HISTORY = {
    "name": mask_name, "phone": mask_phone, "address": mask_address, "given_by": mask_name,
    "birth_date": lambda v: v[:4] + "-**-**",
}
NEVER_IN_HISTORY = {"name_key", "address_key", "id_number_encrypted", "id_number_digest", "import_key"}
# A home's exact position gives its address away: admins and social workers only.
STAFF_ONLY_HISTORY = {"notes", "latitude", "longitude"}
# Masked values, the birth year, the masked ID number and vulnerabilities are personal:
# viewers see none of them (coordinators see the masked forms).
VIEWER_HIDDEN_HISTORY = {*PERSONAL_HISTORY, "id_number_masked", "birth_year", "tags"}


def masked_history(obj, *, user) -> list:
    """``history_for(obj)`` with personal values masked for everyone (full
    values are only ever shown by a logged reveal), hidden entirely from
    viewers, and notes and positions hidden from those who may not read
    them. Roles are those the user holds at the record's station."""
    staff = can(user, obj.station_id, STAFF)
    editor = can(user, obj.station_id, EDITORS)
    entries = history_for(obj)
    for entry in entries:
        kept = []
        for change in entry.changes:
            if change.field in NEVER_IN_HISTORY:
                continue
            if (change.field in VIEWER_HIDDEN_HISTORY and not editor) or (
                    change.field in STAFF_ONLY_HISTORY and not staff):
                change.old = change.new = _("(hidden)")
            elif change.field in PERSONAL_HISTORY:
                mask = PERSONAL_HISTORY[change.field]
                change.old, change.new = (v if v in ("", "—") else mask(v) for v in (change.old, change.new))
            kept.append(change)
        entry.changes = kept
    return entries

