"""Writes of matching: allocation runs (create a draft, accept it wholly or in
part — the rest may be accepted later —, discard it).

The engine (`engine.py`) and the draft builder (`draft.py`) do the solving;
these services check who may act, validate what was asked and turn an
accepted draft into links through the needs services, so every link of a run
obeys the same rules (capacity, consent) as a link made by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from resourcelink.accounts.access import require_role
from resourcelink.accounts.models import EDITORS, Station
from resourcelink.core.services import save_with_history

from . import engine
from .models import RUN_STATUSES_ACCEPTING, AllocationLine, AllocationRun

TIERS = ("none", "urgency", "tags")
HOUSEHOLD_CAP_MAX = 1_000_000
MAX_DISTANCE_KM_MAX = 1000.0
DISTANCE_WEIGHT_MAX = 100.0

# Form field (and error key) of each parameter: needs.* -> need_*, supply.* ->
# supply_*, policy.* -> the key itself.
PARAMETER_FIELDS = {
    ("needs", "category_ids"): "need_category_ids",
    ("needs", "community_ids"): "need_community_ids",
    ("needs", "grid_ids"): "need_grid_ids",
    ("needs", "urgencies"): "need_urgencies",
    ("supply", "category_ids"): "supply_category_ids",
    ("supply", "community_ids"): "supply_community_ids",
    ("supply", "kinds"): "supply_kinds",
    ("supply", "resource_ids"): "supply_resource_ids",
    ("policy", "tiers"): "tiers",
    ("policy", "priority_tag_ids"): "priority_tag_ids",
    ("policy", "household_cap"): "household_cap",
    ("policy", "max_distance_km"): "max_distance_km",
    ("policy", "distance_weight"): "distance_weight",
}


class RunNotDraft(ValidationError):
    """The run was already accepted or discarded: it cannot change any more."""


# Runs whose lines not yet linked may still be accepted.


def _ids(value, field: str, errors: dict) -> list[int]:
    if value in (None, ""):
        return []
    if not isinstance(value, (list, tuple, set)):
        value = [value]
    out = []
    for v in value:
        try:
            out.append(int(getattr(v, "pk", v)))
        except (TypeError, ValueError):
            errors.setdefault(field, []).append(_("Not a valid id: %(value)s") % {"value": v})
    return sorted(set(out))


def _check_owned(model, station: Station, ids: list[int], field: str, errors: dict, **extra) -> None:
    if not ids:
        return
    found = set(model.objects.filter(station=station, pk__in=ids, **extra).values_list("pk", flat=True))
    missing = [i for i in ids if i not in found]
    if missing:
        errors.setdefault(field, []).append(
            _("Choose this station's records; not found: %(ids)s") % {"ids": ", ".join(map(str, missing))})


def _number(value, field: str, errors: dict, *, kind=float, low=0.0, high=None, allow_none=True):
    if value in (None, ""):
        if allow_none:
            return None
        errors.setdefault(field, []).append(_("This field is required."))
        return None
    try:
        number = kind(value)
        if kind is int and float(value) != number:
            raise ValueError
    except (TypeError, ValueError):
        errors.setdefault(field, []).append(_("Enter a number."))
        return None
    if number != number or number < low or (high is not None and number > high):  # NaN too
        errors.setdefault(field, []).append(
            _("Enter a number from %(low)s to %(high)s.") % {"low": low, "high": high})
        return None
    return number


def allocation_parameters_clean(*, station: Station, parameters: dict[str, Any]) -> dict[str, Any]:
    """Validate run parameters (schema in docs/decisions/0005) and return them
    normalised: every key present, ids sorted, numbers typed. Raises a
    ValidationError keyed by form field (see ``PARAMETER_FIELDS``)."""
    from resourcelink.communities.models import Community, Grid
    from resourcelink.directory.models import Resource, ResourceKind
    from resourcelink.needs.models import Urgency
    from resourcelink.people.models import VulnerabilityTag
    from resourcelink.taxonomy.models import Category

    errors: dict[str, list] = {}
    parameters = parameters or {}
    for section in ("needs", "supply", "policy"):
        if not isinstance(parameters.get(section, {}), dict):
            errors.setdefault(None, []).append(_("Parameters are not in the expected form."))
            raise ValidationError(errors)
    needs = parameters.get("needs") or {}
    supply = parameters.get("supply") or {}
    policy = parameters.get("policy") or {}
    f = PARAMETER_FIELDS

    clean_needs = {
        "category_ids": _ids(needs.get("category_ids"), f["needs", "category_ids"], errors),
        "community_ids": _ids(needs.get("community_ids"), f["needs", "community_ids"], errors),
        "grid_ids": _ids(needs.get("grid_ids"), f["needs", "grid_ids"], errors),
        "urgencies": sorted(set(needs.get("urgencies") or [])),
    }
    clean_supply = {
        "category_ids": _ids(supply.get("category_ids"), f["supply", "category_ids"], errors),
        "community_ids": _ids(supply.get("community_ids"), f["supply", "community_ids"], errors),
        "kinds": sorted(set(supply.get("kinds") or [])),
        "resource_ids": _ids(supply.get("resource_ids"), f["supply", "resource_ids"], errors),
    }
    _check_owned(Category, station, clean_needs["category_ids"], f["needs", "category_ids"], errors)
    _check_owned(Community, station, clean_needs["community_ids"], f["needs", "community_ids"], errors)
    _check_owned(Grid, station, clean_needs["grid_ids"], f["needs", "grid_ids"], errors)
    _check_owned(Category, station, clean_supply["category_ids"], f["supply", "category_ids"], errors)
    _check_owned(Community, station, clean_supply["community_ids"], f["supply", "community_ids"], errors)
    _check_owned(Resource, station, clean_supply["resource_ids"], f["supply", "resource_ids"], errors)
    bad = [u for u in clean_needs["urgencies"] if u not in Urgency.values]
    if bad:
        errors.setdefault(f["needs", "urgencies"], []).append(
            _("Unknown urgency: %(values)s") % {"values": ", ".join(map(str, bad))})
    bad = [k for k in clean_supply["kinds"] if k not in ResourceKind.values]
    if bad:
        errors.setdefault(f["supply", "kinds"], []).append(
            _("Unknown kind: %(values)s") % {"values": ", ".join(map(str, bad))})

    tiers = policy.get("tiers") or "none"
    if tiers not in TIERS:
        errors.setdefault(f["policy", "tiers"], []).append(_("Choose none, urgency or tags."))
    tag_ids = _ids(policy.get("priority_tag_ids"), f["policy", "priority_tag_ids"], errors)
    _check_owned(VulnerabilityTag, station, tag_ids, f["policy", "priority_tag_ids"], errors)
    if tiers == "tags" and not tag_ids:
        errors.setdefault(f["policy", "priority_tag_ids"], []).append(
            _("Choose the vulnerabilities served first."))
    weight = policy.get("distance_weight")
    clean_policy = {
        "tiers": tiers,
        "priority_tag_ids": tag_ids,
        "household_cap": _number(policy.get("household_cap"), f["policy", "household_cap"], errors, kind=int,
                                 low=1, high=HOUSEHOLD_CAP_MAX),
        "max_distance_km": _number(policy.get("max_distance_km"), f["policy", "max_distance_km"], errors,
                                   low=0.0, high=MAX_DISTANCE_KM_MAX),
        "distance_weight": _number(engine.DEFAULT_DISTANCE_WEIGHT if weight in (None, "") else weight,
                                   f["policy", "distance_weight"], errors, low=0.0, high=DISTANCE_WEIGHT_MAX),
        # The greedy pass is the baseline the run page compares with.
        "with_greedy": bool(policy.get("with_greedy", True)),
    }
    if errors:
        raise ValidationError(errors)
    return {"needs": clean_needs, "supply": clean_supply, "policy": clean_policy}


def allocation_run_create(*, actor, station: Station, parameters: dict[str, Any],
                          progress: Callable | None = None) -> AllocationRun:
    """Create a draft allocation for the needs and supply chosen by
    ``parameters`` and compute it. Editors (admins, social workers,
    coordinators) only. Nothing is linked until the draft is accepted."""
    from . import draft

    require_role(actor, station, EDITORS)
    clean = allocation_parameters_clean(station=station, parameters=parameters)
    with transaction.atomic():
        run = AllocationRun(station=station, parameters=clean, status=AllocationRun.Status.DRAFT)
        save_with_history(run, actor=actor, exclude=["timings"])  # filled by the draft
        run = draft.allocation_draft_build(run, progress=progress)
    return run


def _lock_draft(run: AllocationRun, *, statuses=(AllocationRun.Status.DRAFT,)) -> AllocationRun:
    locked = AllocationRun.objects.select_for_update().get(pk=run.pk)
    if locked.status not in statuses:
        raise RunNotDraft(
            _("This allocation is already %(status)s: it cannot be changed.")
            % {"status": locked.get_status_display()}, code="not_draft")
    return locked


def allocation_run_accept(*, actor, run: AllocationRun, line_ids: Sequence[int] | None = None) -> list:
    """Turn a draft's lines not yet linked (all of them, or those in
    ``line_ids``) into links, in one transaction: if any line no longer fits
    (the supply or the need changed since the draft), nothing is linked and
    the error names the lines. A partly accepted run stays open for the rest
    of its lines; once every line is linked it is accepted, and a later
    accept or discard is refused."""
    from resourcelink.needs.services import LinkSpec, links_create

    require_role(actor, run.station_id, EDITORS)
    with transaction.atomic():
        locked = _lock_draft(run, statuses=RUN_STATUSES_ACCEPTING)
        lines_qs = AllocationLine.objects.filter(run=locked, link__isnull=True).select_related("need", "resource")
        open_lines = lines_qs.count()
        if line_ids is not None:
            wanted = sorted({int(i) for i in line_ids})
            if not wanted:
                raise ValidationError({"lines": [_("Choose at least one line.")]})
            lines = list(lines_qs.filter(pk__in=wanted).order_by("pk"))
            if len(lines) != len(wanted):
                found = {line.pk for line in lines}
                linked = set(AllocationLine.objects.filter(run=locked, pk__in=wanted, link__isnull=False)
                             .values_list("pk", flat=True))
                errors = []
                if linked:
                    errors.append(_("These lines were already accepted: %(ids)s")
                                  % {"ids": ", ".join(str(i) for i in wanted if i in linked)})
                if set(wanted) - found - linked:
                    errors.append(_("These lines are not in this allocation: %(ids)s")
                                  % {"ids": ", ".join(str(i) for i in wanted if i not in found | linked)})
                raise ValidationError({"lines": errors})
        else:
            lines = list(lines_qs.order_by("pk"))
        if not lines:
            raise ValidationError({"lines": [_("This allocation has no lines left to accept.")]})
        items = [LinkSpec(need=line.need, resource=line.resource, quantity=line.quantity) for line in lines]
        try:
            links = links_create(actor=actor, station=locked.station, items=items, run=locked,
                                 reason=_("Accepted from allocation #%(id)s") % {"id": locked.pk})
        except ValidationError as exc:
            raise ValidationError({"lines": [
                _("The allocation no longer fits the needs or the supply; nothing was linked. "
                  "Lines: %(lines)s. %(detail)s")
                % {"lines": _describe_failed_lines(exc, lines), "detail": " ".join(exc.messages)}]}) from exc
        for line, link in zip(lines, links, strict=True):
            line.link = link
        AllocationLine.objects.bulk_update(lines, ["link"], batch_size=2000)
        locked.status = (AllocationRun.Status.ACCEPTED if len(lines) == open_lines
                         else AllocationRun.Status.PARTLY_ACCEPTED)
        locked.accepted_on = timezone.now()
        locked.accepted_by = actor
        save_with_history(locked, actor=actor, clean=False)
    run.status, run.accepted_on, run.accepted_by = locked.status, locked.accepted_on, locked.accepted_by
    return links


def _describe_failed_lines(exc: ValidationError, lines: list[AllocationLine]) -> str:
    """Name the failing lines: ``links_create`` lists each refused item with
    its index (``LinkRefused.problems``); without that, every line is named."""
    indexes = sorted({p["index"] for p in getattr(exc, "problems", []) if 0 <= p.get("index", -1) < len(lines)})
    chosen = [lines[i] for i in indexes] or lines
    return ", ".join(f"#{line.pk}" for line in chosen[:50]) + ("…" if len(chosen) > 50 else "")


def allocation_run_discard(*, actor, run: AllocationRun, reason: str = "") -> AllocationRun:
    """Set a draft aside: it stays listed (with its lines) but cannot be accepted."""
    require_role(actor, run.station_id, EDITORS)
    with transaction.atomic():
        locked = _lock_draft(run)
        locked.status = AllocationRun.Status.DISCARDED
        save_with_history(locked, actor=actor, reason=reason, clean=False)
    run.status = locked.status
    return locked
