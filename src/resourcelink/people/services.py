"""Writes to the register of households and residents.

Every function is keyword-only, runs in a transaction, checks the actor's
role, validates and writes history. Who may do what:

- vulnerability tags: station admins;
- households, residents, consents, merging and dismissing duplicates:
  admins and social workers (``STAFF``). Not coordinators, although they are
  ``EDITORS`` elsewhere: entering or editing a resident handles the personal
  data that coordinators and viewers never see (DESIGN.md §6);
- revealing a personal field: ``STAFF``, each showing logged as a
  ``core.Reveal`` row.

``check=False`` skips the role check for set-up code, imports run by the CLI
and test helpers (``people/testing.py``); the web and API never pass it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from resourcelink.accounts.access import require_role, require_role_when
from resourcelink.accounts.models import ADMINS, STAFF, Station
from resourcelink.core.privacy import mask_id_number
from resourcelink.core.services import (
    acting_user,
    check_same_station,
    refuse_unknown_fields,
    reveal_field,
    save_with_history,
)

from . import crypto, idnumber
from .models import (
    Consent,
    ConsentMethod,
    ConsentScope,
    DuplicateCandidate,
    DuplicateReason,
    Gender,
    Household,
    Resident,
    VulnerabilityTag,
)
from .phones import PhoneError, normalise_phone

WRITERS = STAFF

HOUSEHOLD_FIELDS = ("name", "address", "community", "grid", "latitude", "longitude", "notes")
RESIDENT_FIELDS = ("name", "gender", "birth_date", "birth_year", "phone", "relation", "notes")
TAG_FIELDS = ("code", "name_zh_hans", "name_en", "description", "weight", "sort_order")
RESIDENT_REVEALABLE = ("name", "phone", "id_number", "birth_date")
HOUSEHOLD_REVEALABLE = ("name", "address")

# code, Chinese name, English name, weight
DEFAULT_TAGS = (
    ("elderly_alone", "独居老人", "Elderly living alone", 8),
    ("disability", "残疾人", "Person with a disability", 8),
    ("subsistence", "低保", "Subsistence allowance", 7),
    ("special_hardship", "特困", "Special hardship", 9),
    ("chronic_illness", "慢性病", "Chronic illness", 6),
    ("pregnant", "孕妇", "Pregnant", 6),
    ("left_behind_child", "留守儿童", "Child left behind", 7),
    ("unemployed", "失业", "Unemployed", 5),
    ("frontline_worker", "一线工作者", "Frontline worker", 3),
    ("volunteer", "志愿者", "Volunteer", 1),
)


class DuplicateIdNumber(ValidationError):
    """The station already has a resident with this ID number (refused)."""

    def __init__(self, existing: Resident):
        self.existing_pk = existing.pk
        self.existing = existing
        super().__init__({"id_number": [_("A resident with this ID number is already registered (resident #%(pk)s).")
                                        % {"pk": existing.pk}]})


class LikelyDuplicate(ValidationError):
    """The resident looks like one already registered. ``candidates`` is a
    list of ``(resident, reason)``; saving again with
    ``confirm_duplicate=True`` keeps both and flags the pair for review."""

    def __init__(self, candidates: list[tuple[Resident, str]]):
        self.candidates = candidates
        labels = dict(DuplicateReason.choices)
        described = "; ".join(f"#{r.pk} ({labels[reason]})" for r, reason in candidates)
        super().__init__(_("This may be a resident already registered: %(list)s. If this is a different person, "
                           "confirm to save anyway.") % {"list": described}, code="likely_duplicate")


# --- Normalised keys -----------------------------------------------------------


def address_key(address: str) -> str:
    """Lower case, no spaces or punctuation people type differently."""
    text = (address or "").lower().replace("（", "(").replace("）", ")")
    return "".join(c for c in text if c.isalnum())[:300]


def name_key(name: str) -> str:
    """Lower case, no spaces or middle dots (阿卜杜拉·买买提)."""
    return "".join(c for c in (name or "").lower() if c.isalnum())[:100]


def edit_distance_at_most_one(a: str, b: str) -> bool:
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = j = 0
    edits = 0
    while i < len(a) and j < len(b):
        if a[i] == b[j]:
            i += 1
            j += 1
            continue
        edits += 1
        if edits > 1:
            return False
        if len(a) == len(b):
            i += 1
        j += 1
    return edits + (len(b) - j) + (len(a) - i) <= 1


def similar_names(a: str, b: str) -> bool:
    """Same name key, or one edit apart when both have at least two characters."""
    if not a or not b:
        return False
    if a == b:
        return True
    return len(a) >= 2 and len(b) >= 2 and edit_distance_at_most_one(a, b)


# --- Vulnerability tags ------------------------------------------------------------


def vulnerability_tags_install(*, station: Station, actor=None) -> int:
    """Add any default tag the station lacks (by code). Idempotent: tags an
    admin renamed keep their names. Returns how many were added."""
    existing = set(VulnerabilityTag.objects.filter(station=station).values_list("code", flat=True))
    added = 0
    for order, (code, zh, en, weight) in enumerate(DEFAULT_TAGS, start=1):
        if code in existing:
            continue
        tag = VulnerabilityTag(station=station, code=code, name_zh_hans=zh, name_en=en, weight=weight,
                               sort_order=order * 10)
        save_with_history(tag, actor=actor, clean=False)
        added += 1
    return added


@transaction.atomic
def vulnerability_tag_create(*, actor, station: Station, check: bool = True, **fields) -> VulnerabilityTag:
    require_role_when(check, actor, station, ADMINS)
    refuse_unknown_fields(fields, TAG_FIELDS, "tag")
    tag = VulnerabilityTag(station=station, **fields)
    if VulnerabilityTag.objects.filter(station=station, code=tag.code).exists():
        raise ValidationError({"code": _("A vulnerability with this code already exists.")})
    return save_with_history(tag, actor=actor, exclude=["station"])


@transaction.atomic
def vulnerability_tag_update(*, actor, tag: VulnerabilityTag, reason: str = "", **fields) -> VulnerabilityTag:
    require_role(actor, tag.station_id, ADMINS)
    refuse_unknown_fields(fields, TAG_FIELDS, "tag")
    tag = VulnerabilityTag.objects.select_for_update().get(pk=tag.pk)
    if "code" in fields and fields["code"] != tag.code and VulnerabilityTag.objects.filter(
            station_id=tag.station_id, code=fields["code"]).exists():
        raise ValidationError({"code": _("A vulnerability with this code already exists.")})
    for name, value in fields.items():
        setattr(tag, name, value)
    return save_with_history(tag, actor=actor, reason=reason)


@transaction.atomic
def vulnerability_tag_archive(*, actor, tag: VulnerabilityTag, reason: str = "") -> VulnerabilityTag:
    """Archived tags stay on the residents who have them (and in history)
    but can no longer be given."""
    require_role(actor, tag.station_id, ADMINS)
    tag = VulnerabilityTag.objects.select_for_update().get(pk=tag.pk)
    if tag.archived_on is None:
        tag.archived_on = timezone.now()
        save_with_history(tag, actor=actor, reason=reason or _("Archived"), clean=False)
    return tag


# --- Households ------------------------------------------------------------------


def _validate_household(household: Household) -> None:
    errors: dict = {}
    check_same_station(household.station_id, errors, community=household.community, grid=household.grid)
    if household.grid_id and household.community_id and household.grid.community_id != household.community_id:
        errors.setdefault("grid", []).append(_("This grid belongs to another community."))
    if (household.latitude is None) != (household.longitude is None):
        errors.setdefault("longitude" if household.longitude is None else "latitude", []).append(
            _("Give both latitude and longitude, or neither."))
    for name in ("name", "address"):
        value = (getattr(household, name) or "").strip()
        setattr(household, name, value)
    if errors:
        raise ValidationError(errors)
    household.address_key = address_key(household.address)


@transaction.atomic
def household_create(*, actor, station: Station, reason: str = "", check: bool = True, **fields) -> Household:
    require_role_when(check, actor, station, WRITERS)
    refuse_unknown_fields(fields, HOUSEHOLD_FIELDS, "household")
    household = Household(station=station, **fields)
    _validate_household(household)
    return save_with_history(household, actor=actor, reason=reason)


@transaction.atomic
def household_update(*, actor, household: Household, reason: str = "", check: bool = True,
                     **fields) -> Household:
    require_role_when(check, actor, household.station_id, WRITERS)
    refuse_unknown_fields(fields, HOUSEHOLD_FIELDS, "household")
    household = Household.objects.select_for_update().get(pk=household.pk)
    if household.archived_on is not None:
        raise ValidationError(_("This household is archived."))
    moved = any(name in fields and fields[name] != getattr(household, name) for name in ("community", "grid"))
    for name, value in fields.items():
        setattr(household, name, value)
    _validate_household(household)
    household = save_with_history(household, actor=actor, reason=reason)
    if moved:
        # Needs carry the household's area for filtering; keep them with it.
        from resourcelink.needs.services import need_follow_household

        need_follow_household(household=household)
    return household


@transaction.atomic
def household_archive(*, actor, household: Household, reason: str, check: bool = True) -> Household:
    """Archive a household and its residents (they moved away, or it was
    entered by mistake). Its needs that still want something are cancelled
    (with their live links, so the capacity they held is freed); history
    stays."""
    require_role_when(check, actor, household.station_id, WRITERS)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the household is archived.")})
    household = Household.objects.select_for_update().get(pk=household.pk)
    if household.archived_on is None:
        now = timezone.now()
        household.archived_on = now
        save_with_history(household, actor=actor, reason=reason, clean=False)
        for resident in household.residents.filter(archived_on__isnull=True):
            resident.archived_on = now
            save_with_history(resident, actor=actor, reason=reason, clean=False)
        from resourcelink.needs.models import NEED_STATUSES_WANTING, NeedStatus
        from resourcelink.needs.services import need_transition

        why = _("The household was archived: %(reason)s") % {"reason": reason.strip()}
        for need in household.needs.filter(status__in=NEED_STATUSES_WANTING).order_by("id"):
            need_transition(actor=actor, need=need, to_status=NeedStatus.CANCELLED, reason=why, check=False)
    return household


# --- Residents ----------------------------------------------------------------------


def phone_message() -> str:
    """What to say of a phone number that is not a mainland mobile or landline."""
    return _("Enter a mainland mobile (11 digits, such as 13812345678) or a landline with its area code "
             "(such as 0571-87654321).")


def id_number_message(error: idnumber.IdNumberError) -> str:
    """What to say of a bad ID number, in the reader's language; never the number."""
    if error.code == "length":
        return _("An ID number has 18 characters; this one has %(length)s.") % error.params
    messages = {
        "empty": _("Enter an ID number."),
        "characters": _("An ID number has 17 digits followed by a digit or the letter X."),
        "region": _("The first six digits are not a valid region code."),
        "birth_date": _("Characters 7 to 14 are not a valid birth date (YYYYMMDD, from 1900 to today)."),
        "checksum": _("The last character does not match the others: check the number for a typing mistake."),
    }
    return messages.get(error.code, str(error))


def _apply_id_number(resident: Resident, raw: str, errors: dict, *, set_birth: bool, set_gender: bool) -> None:
    """Validate the ID number and store only its token, digest and masked
    copy. Birth date and gender come from it when not given; given ones
    that contradict it are refused."""
    if not (raw or "").strip():
        resident.id_number_encrypted = resident.id_number_digest = resident.id_number_masked = ""
        return
    try:
        info = idnumber.parse(raw, today=timezone.localdate())
    except idnumber.IdNumberError as exc:
        errors.setdefault("id_number", []).append(id_number_message(exc))
        return
    if resident.birth_date is None or set_birth:
        resident.birth_date = info.birth_date
        if resident.birth_year is None or set_birth:
            resident.birth_year = info.birth_date.year
    elif resident.birth_date != info.birth_date:
        errors.setdefault("birth_date", []).append(_("This birth date does not match the ID number."))
    if resident.gender in ("", Gender.UNKNOWN) or set_gender:
        resident.gender = info.gender
    elif resident.gender != info.gender:
        errors.setdefault("gender", []).append(_("This gender does not match the ID number."))
    resident.id_number_encrypted = crypto.encrypt(info.number)
    resident.id_number_digest = crypto.digest(info.number)
    resident.id_number_masked = mask_id_number(info.number)


def _prepare_resident(resident: Resident, errors: dict) -> None:
    resident.name = (resident.name or "").strip()
    resident.name_key = name_key(resident.name)
    try:
        resident.phone = normalise_phone(resident.phone)
    except PhoneError:
        errors.setdefault("phone", []).append(phone_message())
    if resident.birth_date is not None:
        if resident.birth_date > timezone.localdate():
            errors.setdefault("birth_date", []).append(_("The birth date is in the future."))
        elif resident.birth_year and resident.birth_year != resident.birth_date.year:
            errors.setdefault("birth_year", []).append(_("The birth year does not match the birth date."))
        else:
            resident.birth_year = resident.birth_date.year
    if resident.birth_year is not None and not (1900 <= resident.birth_year <= timezone.localdate().year):
        errors.setdefault("birth_year", []).append(_("Give a year from 1900 to this year."))


def _check_tags(station_id: int, tags, errors: dict, *, kept: set[int] = frozenset()) -> list:
    tags = list(tags or [])
    check_same_station(station_id, errors, tags=tags)
    for tag in tags:
        if tag.archived_on is not None and tag.pk not in kept:
            errors.setdefault("tags", []).append(
                _("The vulnerability “%(name)s” is archived.") % {"name": tag.name})
    return tags


def _live_residents(station_id: int):
    return Resident.objects.filter(station_id=station_id, archived_on__isnull=True, merged_into__isnull=True)


def _same_id_number(resident: Resident) -> Resident | None:
    if not resident.id_number_digest:
        return None
    return (Resident.objects.filter(station_id=resident.station_id, id_number_digest=resident.id_number_digest,
                                    merged_into__isnull=True)
            .exclude(pk=resident.pk).order_by("id").first())


def _save_resident(resident: Resident, *, actor, reason: str) -> None:
    """Save under the database's one-live-resident-per-ID-number rule: two
    registrations of one number at the same moment both pass the check above;
    the second is refused here with the same error."""
    try:
        with transaction.atomic():
            save_with_history(resident, actor=actor, reason=reason, exclude=["station"])
    except IntegrityError:
        if not resident.id_number_digest:
            raise
        existing = _same_id_number(resident)
        if existing is None:
            raise
        raise DuplicateIdNumber(existing) from None


def find_likely_duplicates(resident: Resident) -> list[tuple[Resident, str]]:
    """Residents of the station that may be the same person: same name and
    phone, or a similar name at the same address. One entry per resident."""
    found: dict[int, tuple[Resident, str]] = {}
    others = _live_residents(resident.station_id).exclude(pk=resident.pk)
    if resident.name_key and resident.phone:
        for other in others.filter(name_key=resident.name_key, phone=resident.phone).order_by("id")[:20]:
            found.setdefault(other.pk, (other, DuplicateReason.NAME_PHONE))
    key = resident.household.address_key if resident.household_id else ""
    if key and resident.name_key:
        at_address = others.filter(household__station_id=resident.station_id, household__address_key=key)
        for other in at_address.order_by("id")[:200]:
            if similar_names(resident.name_key, other.name_key):
                found.setdefault(other.pk, (other, DuplicateReason.NAME_ADDRESS))
    return list(found.values())


def _flag(resident: Resident, candidates, actor) -> None:
    for other, reason in candidates:
        DuplicateCandidate.objects.get_or_create(
            station_id=resident.station_id, resident=other, duplicate=resident, reason=reason,
            defaults={"created_by": acting_user(actor)},
        )


@transaction.atomic
def resident_create(*, actor, household: Household, id_number: str = "", tags: Iterable = (),
                    confirm_duplicate: bool = False, reason: str = "", check: bool = True, **fields) -> Resident:
    """Register a resident in a household.

    Refuses an ID number already registered in the station
    (``DuplicateIdNumber``, with ``existing_pk``). A resident with the same
    name and phone, or a similar name at the same address, raises
    ``LikelyDuplicate`` unless ``confirm_duplicate``; then the resident is
    saved and the pairs are flagged for review.
    """
    require_role_when(check, actor, household.station_id, WRITERS)
    refuse_unknown_fields(fields, RESIDENT_FIELDS, "resident")
    household = Household.objects.select_for_update().get(pk=household.pk)
    if household.archived_on is not None:
        raise ValidationError(_("This household is archived."))
    resident = Resident(station_id=household.station_id, household=household, **fields)
    errors: dict = {}
    _prepare_resident(resident, errors)
    _apply_id_number(resident, id_number, errors, set_birth=False, set_gender=False)
    tags = _check_tags(household.station_id, tags, errors)
    if errors:
        raise ValidationError(errors)
    existing = _same_id_number(resident)
    if existing is not None:
        raise DuplicateIdNumber(existing)
    candidates = find_likely_duplicates(resident)
    if candidates and not confirm_duplicate:
        raise LikelyDuplicate(candidates)
    _save_resident(resident, actor=actor, reason=reason)
    if tags:
        resident.tags.set(tags)
    _flag(resident, candidates, actor)
    return resident


@transaction.atomic
def resident_update(*, actor, resident: Resident, reason: str = "", id_number: str | None = None,
                    tags: Iterable | None = None, check: bool = True, **fields) -> Resident:
    """Change a resident. ``id_number=None`` keeps it, ``""`` removes it;
    ``tags=None`` keeps them. A changed name or phone that now looks like
    another resident is flagged for review (not refused)."""
    require_role_when(check, actor, resident.station_id, WRITERS)
    refuse_unknown_fields(fields, RESIDENT_FIELDS, "resident")
    resident = Resident.objects.select_for_update().select_related("household").get(pk=resident.pk)
    if resident.archived_on is not None:
        raise ValidationError(_("This resident is archived."))
    before = (resident.name_key, resident.phone)
    for name, value in fields.items():
        setattr(resident, name, value)
    errors: dict = {}
    _prepare_resident(resident, errors)
    if id_number is not None:
        _apply_id_number(resident, id_number, errors, set_birth="birth_date" not in fields,
                         set_gender="gender" not in fields)
    current = set(resident.tags.values_list("pk", flat=True))
    tags = _check_tags(resident.station_id, tags, errors, kept=current) if tags is not None else None
    if errors:
        raise ValidationError(errors)
    existing = _same_id_number(resident) if id_number else None
    if existing is not None:
        raise DuplicateIdNumber(existing)
    _save_resident(resident, actor=actor, reason=reason)
    if tags is not None and {t.pk for t in tags} != current:
        resident.tags.set(tags)
    if (resident.name_key, resident.phone) != before:
        _flag(resident, find_likely_duplicates(resident), actor)
    return resident


@transaction.atomic
def resident_archive(*, actor, resident: Resident, reason: str, check: bool = True) -> Resident:
    require_role_when(check, actor, resident.station_id, WRITERS)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the resident is archived.")})
    resident = Resident.objects.select_for_update().get(pk=resident.pk)
    if resident.archived_on is None:
        resident.archived_on = timezone.now()
        save_with_history(resident, actor=actor, reason=reason, clean=False)
    return resident


MERGE_FILL_FIELDS = ("phone", "notes")


def _merged_birth(keep: Resident, other: Resident, *, id_moves: bool):
    """Birth date and year for the resident kept, taken as a pair so they
    never disagree. The kept resident's own stay; they are completed from the
    other only where they agree. An ID number moving over brings its birth
    date, which must then agree with what the kept resident has."""
    if id_moves:
        info = idnumber.parse(crypto.decrypt(other.id_number_encrypted))
        born = info.birth_date
        if (keep.birth_date and keep.birth_date != born) or (keep.birth_year and keep.birth_year != born.year):
            raise ValidationError({"birth_date": _(
                "The birth date of the resident kept does not match the other's ID number: correct one of them "
                "first.")})
        return born, born.year
    if keep.birth_date is not None:
        return keep.birth_date, keep.birth_date.year
    if other.birth_date is not None and keep.birth_year in (None, other.birth_date.year):
        return other.birth_date, other.birth_date.year
    if keep.birth_year is not None:
        return None, keep.birth_year
    return None, other.birth_year


@transaction.atomic
def resident_merge(*, actor, keep: Resident, other: Resident, reason: str) -> Resident:
    """Merge ``other`` into ``keep``: its needs, consents and tags move to
    ``keep``, empty fields of ``keep`` are filled from it, and ``other`` is
    archived with ``merged_into=keep``. Both keep their history; each moved
    need and consent records the move in its own."""
    require_role(actor, keep.station_id, STAFF)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why these are the same person.")})
    if keep.pk == other.pk:
        raise ValidationError(_("A resident cannot be merged into itself."))
    if keep.station_id != other.station_id:
        raise ValidationError(_("Both residents must belong to this station."))
    pair = sorted([keep.pk, other.pk])
    locked = {r.pk: r for r in Resident.objects.select_for_update().filter(pk__in=pair).order_by("pk")}
    keep, other = locked[keep.pk], locked[other.pk]
    if keep.merged_into_id or other.merged_into_id:
        raise ValidationError(_("One of these residents was already merged."))
    if keep.archived_on is not None:
        raise ValidationError(_("The resident to keep is archived."))
    if keep.id_number_digest and other.id_number_digest and keep.id_number_digest != other.id_number_digest:
        raise ValidationError(_("These residents have different ID numbers: they are different people."))

    Need = apps.get_model("needs", "Need")
    for need in Need.objects.select_for_update().filter(resident=other):
        need.resident = keep
        if need.household_id != keep.household_id:
            need.household = keep.household
            need.community_id = keep.household.community_id
            need.grid_id = keep.household.grid_id
        save_with_history(need, actor=actor, reason=reason, clean=False)
    for consent in Consent.objects.select_for_update().filter(resident=other):
        consent.resident = keep
        save_with_history(consent, actor=actor, reason=reason, clean=False)

    id_moves = not keep.id_number_digest and bool(other.id_number_digest)
    keep.birth_date, keep.birth_year = _merged_birth(keep, other, id_moves=id_moves)
    for name in MERGE_FILL_FIELDS:
        if getattr(keep, name) in (None, "") and getattr(other, name) not in (None, ""):
            setattr(keep, name, getattr(other, name))
    if keep.gender == Gender.UNKNOWN and other.gender != Gender.UNKNOWN:
        keep.gender = other.gender
    if id_moves:
        keep.id_number_encrypted = other.id_number_encrypted
        keep.id_number_digest = other.id_number_digest
        keep.id_number_masked = other.id_number_masked
        # The ID number moves: take it off the archived row first, so the
        # station never has two live rows with one number.
        other.id_number_encrypted = other.id_number_digest = other.id_number_masked = ""
    other.merged_into = keep
    other.archived_on = timezone.now()
    save_with_history(other, actor=actor, reason=reason, clean=False)
    save_with_history(keep, actor=actor, reason=reason, clean=False)
    moved = set(other.tags.values_list("pk", flat=True)) - set(keep.tags.values_list("pk", flat=True))
    if moved:
        keep.tags.add(*moved)

    now = timezone.now()
    resolver = acting_user(actor)
    DuplicateCandidate.objects.filter(
        status=DuplicateCandidate.Status.OPEN, resident_id__in=pair, duplicate_id__in=pair,
    ).update(status=DuplicateCandidate.Status.MERGED, resolved_on=now, resolved_by=resolver)
    return keep


@transaction.atomic
def duplicate_dismiss(*, actor, candidate: DuplicateCandidate, reason: str = "") -> DuplicateCandidate:
    """Record that the pair are different people; the row stays."""
    require_role(actor, candidate.station_id, STAFF)
    candidate = DuplicateCandidate.objects.select_for_update().get(pk=candidate.pk)
    if candidate.status != DuplicateCandidate.Status.OPEN:
        raise ValidationError(_("This pair was already reviewed."))
    candidate.status = DuplicateCandidate.Status.DISMISSED
    candidate.resolved_on = timezone.now()
    candidate.resolved_by = actor
    candidate.save(update_fields=["status", "resolved_on", "resolved_by", "updated_on"])
    return candidate


# --- Consent -------------------------------------------------------------------------


@transaction.atomic
def consent_record(*, actor, resident: Resident, scope: str, given_by: str, given_on: datetime.date,
                   method: str = ConsentMethod.SIGNED, organization=None, check: bool = True) -> Consent:
    require_role_when(check, actor, resident.station_id, WRITERS)
    errors: dict = {}
    if resident.archived_on is not None:
        raise ValidationError(_("This resident is archived."))
    if scope not in ConsentScope.values:
        errors.setdefault("scope", []).append(_("Choose what the resident agreed to."))
    if scope == ConsentScope.SHARE and organization is None:
        errors.setdefault("organization", []).append(_("Name the organisation the details may be shared with."))
    if scope != ConsentScope.SHARE and organization is not None:
        errors.setdefault("organization", []).append(_("Only consent to share names an organisation."))
    check_same_station(resident.station_id, errors, organization=organization)
    if given_on and given_on > timezone.localdate():
        errors.setdefault("given_on", []).append(_("The date is in the future."))
    if errors:
        raise ValidationError(errors)
    consent = Consent(station_id=resident.station_id, resident=resident, scope=scope,
                      given_by=(given_by or "").strip(), given_on=given_on, method=method,
                      organization=organization)
    return save_with_history(consent, actor=actor, exclude=["station"])


@transaction.atomic
def consent_withdraw(*, actor, consent: Consent, reason: str, check: bool = True) -> Consent:
    """Withdraw a consent from now on; the row stays as the record of what
    was allowed before."""
    require_role_when(check, actor, consent.station_id, WRITERS)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the consent is withdrawn (who asked, how).")})
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    if consent.withdrawn_on is not None:
        raise ValidationError(_("This consent was already withdrawn."))
    consent.withdrawn_on = timezone.now()
    consent.withdrawn_by = acting_user(actor)
    consent.withdrawal_reason = reason.strip()[:300]
    return save_with_history(consent, actor=actor, reason=reason, clean=False)


# --- Reveals ---------------------------------------------------------------------------


def resident_reveal(*, actor, resident: Resident, field: str) -> str:
    """The full value of one personal field, for an admin or social worker;
    each showing writes a ``core.Reveal`` row (field: name, phone, id_number,
    birth_date)."""
    if field not in RESIDENT_REVEALABLE:
        raise ValueError(f"Not a revealable field: {field}")
    if field == "id_number":
        return reveal_field(actor=actor, obj=resident, field=field,
                            read=lambda r: crypto.decrypt(r.id_number_encrypted))
    value = reveal_field(actor=actor, obj=resident, field=field)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value or ""


def household_reveal(*, actor, household: Household, field: str) -> str:
    """The household's name or address, for an admin or social worker; logged."""
    if field not in HOUSEHOLD_REVEALABLE:
        raise ValueError(f"Not a revealable field: {field}")
    return reveal_field(actor=actor, obj=household, field=field) or ""


# --- Key rotation ----------------------------------------------------------------------


def residents_rekey(*, batch: int = 500) -> int:
    """Re-encrypt every ID number with the first field key and recompute its
    digest (after putting a new key first in RL_FIELD_KEYS). Not a history
    event: the number does not change. Returns how many rows changed."""
    changed = 0
    qs = Resident.objects.exclude(id_number_encrypted="").order_by("pk")
    last = 0
    while True:
        with transaction.atomic():
            rows = list(qs.select_for_update().filter(pk__gt=last)[:batch])
            if not rows:
                return changed
            for row in rows:
                number = crypto.decrypt(row.id_number_encrypted)
                Resident.objects.filter(pk=row.pk).update(id_number_encrypted=crypto.rotate(row.id_number_encrypted),
                                                          id_number_digest=crypto.digest(number))
                changed += 1
            last = rows[-1].pk
