"""Writes to needs and links. Every function checks the actor's role, keeps
records inside one station, writes history and, for each status move, a
`StatusChange` (who, when, why).

Links hold a resource's capacity (LINK_STATUSES_COMMITTED): `links_create`
locks the resource rows before reading what is committed, so two people (or
an allocation run and a person) can never both take the last units.
"""

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from resourcelink.accounts.access import can, require_role
from resourcelink.accounts.models import ADMINS, EDITORS, Station
from resourcelink.core.services import (
    acting_user,
    check_same_station,
    refuse_unknown_fields,
    save_with_history,
)

from .models import (
    LINK_STATUSES_COMMITTED,
    LINK_STATUSES_LIVE,
    LINK_TRANSITIONS,
    NEED_STATUSES_WANTING,
    NEED_TRANSITIONS,
    Link,
    LinkStatus,
    Need,
    NeedStatus,
    StatusChange,
)
from .selectors import committed_by_need

NEED_FIELDS = ("description", "quantity", "unit", "urgency", "due_on", "source", "assigned_to")
NEED_UPDATE_FIELDS = (*NEED_FIELDS, "category", "resident")
NEED_STATUSES_CLOSED = (NeedStatus.MET, NeedStatus.CANCELLED)
NEED_STATUSES_NEEDING_REASON = (NeedStatus.CANCELLED, NeedStatus.UNMET)
# Needs that a new link moves to "linked".
NEED_STATUSES_LINKABLE = (NeedStatus.OPEN, NeedStatus.UNMET, NeedStatus.MOBILISED, NeedStatus.PARTLY_MET)
# Only making a link moves a need to "linked"; a person may not.
NEED_STATUSES_BY_LINK_ONLY = (NeedStatus.LINKED,)
# A need moved by hand to one of these no longer holds capacity in live links.
NEED_STATUSES_ENDING_LINKS = (NeedStatus.CANCELLED, NeedStatus.UNMET, NeedStatus.MET)
CHUNK = 2000  # ids per IN (...) list: well under SQLite's variable limit


class IllegalTransition(ValidationError):
    """A status move that is not in NEED_TRANSITIONS / LINK_TRANSITIONS."""


class LinkRefused(ValidationError):
    """One or more links could not be made. ``problems`` lists each item:
    ``{"index", "need_id", "resource_id", "code", "message"}``."""

    def __init__(self, message, problems=None):
        super().__init__(message)
        self.problems = problems or []


class InsufficientCapacity(LinkRefused):
    """A resource has not enough capacity left for the link(s)."""


class ConsentRequired(LinkRefused):
    """Linking would share a resident's details without their consent."""


class NotEligible(LinkRefused):
    """The household has none of the vulnerabilities the resource is for."""


@dataclass
class LinkSpec:
    need: Need
    resource: object  # directory.Resource
    quantity: int
    follow_up_on: date | None = None
    consent_override_reason: str = ""


def status_label(value: str) -> str:
    try:
        return str(NeedStatus(value).label)
    except ValueError:
        try:
            return str(LinkStatus(value).label)
        except ValueError:
            return value


def _illegal(from_status: str, to_status: str) -> IllegalTransition:
    return IllegalTransition(
        {"status": _("A status cannot move from “%(from)s” to “%(to)s”.") % {
            "from": status_label(from_status), "to": status_label(to_status)}},
    )


def _check_user_in_station(station_id: int, errors: dict, user) -> None:
    if user is not None and not can(user, station_id, EDITORS):
        errors.setdefault("assigned_to", []).append(
            _("Choose an admin, social worker or coordinator of this station."))


def _validate_need(need: Need, errors: dict, *, check_assignee: bool = True) -> None:
    check_same_station(need.station_id, errors, household=need.household, category=need.category,
                       resident=need.resident)
    if need.resident_id and need.resident.household_id != need.household_id:
        errors.setdefault("resident", []).append(_("This resident lives in another household."))
    if need.category_id and need.category.is_retired and not getattr(need, "_category_kept", False):
        errors.setdefault("category", []).append(
            _("The category “%(name)s” is retired.") % {"name": need.category.name})
    if check_assignee:
        _check_user_in_station(need.station_id, errors, need.assigned_to)


@transaction.atomic
def need_create(*, actor, household, category, resident=None, reason: str = "", check: bool = True,
                **fields) -> Need:
    """Record a need of a household (or of one resident in it). Community and
    grid are copied from the household for filtering without a join."""
    if check:
        require_role(actor, household.station_id, EDITORS)
    refuse_unknown_fields(fields, NEED_FIELDS, "need")
    need = Need(station_id=household.station_id, household=household, category=category, resident=resident,
                community_id=household.community_id, grid_id=household.grid_id, **fields)
    errors: dict = {}
    if household.archived_on is not None:
        errors.setdefault("household", []).append(_("This household is archived."))
    _validate_need(need, errors)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    need.status = NeedStatus.OPEN
    need.status_changed_on = now
    save_with_history(need, actor=actor, reason=reason)
    StatusChange.objects.create(station_id=need.station_id, need=need, from_status="", to_status=need.status,
                                changed_by=acting_user(actor), reason=reason[:300])
    return need


@transaction.atomic
def need_update(*, actor, need: Need, reason: str = "", **fields) -> Need:
    """Change a need's details (not its status: see need_transition)."""
    require_role(actor, need.station_id, EDITORS)
    refuse_unknown_fields(fields, NEED_UPDATE_FIELDS, "need")
    need = Need.objects.select_for_update().get(pk=need.pk)
    old_category_id, old_assignee_id = need.category_id, need.assigned_to_id
    for name, value in fields.items():
        setattr(need, name, value)
    need._category_kept = need.category_id == old_category_id
    errors: dict = {}
    # An assignee who has since left the station does not block other edits.
    _validate_need(need, errors, check_assignee=need.assigned_to_id != old_assignee_id)
    committed = committed_by_need(need_ids=[need.pk]).get(need.pk, 0)
    if need.quantity is not None and need.quantity < committed:
        errors.setdefault("quantity", []).append(
            _("Links already hold %(n)s; the quantity cannot be less.") % {"n": committed})
    if errors:
        raise ValidationError(errors)
    return save_with_history(need, actor=actor, reason=reason)


@transaction.atomic
def need_accepts_links(need: Need) -> bool:
    """Whether a new link may be made for the need (its status allows it)."""
    return need.status in NEED_STATUSES_LINKABLE + (NeedStatus.LINKED,)


def need_follow_household(*, household) -> int:
    """Copy a household's community and grid onto its needs (call when a
    household moves). Returns the number of needs changed."""
    return (Need.objects.filter(household=household)
            .exclude(community_id=household.community_id, grid_id=household.grid_id)
            .update(community_id=household.community_id, grid_id=household.grid_id, updated_on=timezone.now()))


def _move_need(need: Need, to_status: str, *, actor, reason: str, link: Link | None = None) -> None:
    """Set a need's status, its timestamps and write its StatusChange (the
    caller has checked the move and holds the row lock)."""
    now = timezone.now()
    from_status = need.status
    need.status = to_status
    need.status_changed_on = now
    if to_status in NEED_STATUSES_CLOSED:
        need.closed_on = now
    elif from_status in NEED_STATUSES_CLOSED:
        need.closed_on = None
    save_with_history(need, actor=actor, reason=reason, clean=False)
    StatusChange.objects.create(station_id=need.station_id, need=need, link=link, from_status=from_status,
                                to_status=to_status, changed_by=acting_user(actor), reason=reason[:300])


def need_manual_targets(status: str) -> list[str]:
    """The statuses a person may move a need to from ``status`` (by hand:
    "linked" comes only from making a link)."""
    return sorted(s for s in NEED_TRANSITIONS.get(status, ()) if s not in NEED_STATUSES_BY_LINK_ONLY)


@transaction.atomic
def need_transition(*, actor, need: Need, to_status: str, reason: str = "", check: bool = True) -> Need:
    """Move a need to another status along NEED_TRANSITIONS, by hand.

    Refused: "linked" (only making a link moves a need there), cancelling or
    declaring a need cannot be met without a reason, and "met" without a
    reason when no link delivered anything. Cancelling, giving up on or
    closing a need by hand cancels its live links in the same transaction, so
    their capacity goes back to the resources.
    """
    if check:
        require_role(actor, need.station_id, EDITORS)
    need = Need.objects.select_for_update().get(pk=need.pk)
    if to_status in NEED_STATUSES_BY_LINK_ONLY and to_status in NEED_TRANSITIONS.get(need.status, set()):
        raise IllegalTransition({"status": _(
            "A need becomes “%(to)s” only when a link is made: link it to a resource instead.") % {
            "to": status_label(to_status)}})
    if to_status not in NEED_TRANSITIONS.get(need.status, set()):
        raise _illegal(need.status, to_status)
    reason = (reason or "").strip()
    if to_status in NEED_STATUSES_NEEDING_REASON and not reason:
        raise ValidationError({"reason": _("Say why.")})
    if (to_status == NeedStatus.MET and not reason
            and not Link.objects.filter(need=need, status=LinkStatus.DELIVERED).exists()):
        raise ValidationError({"reason": _(
            "Nothing was delivered through a link: say how the need was met.")})
    if to_status in NEED_STATUSES_ENDING_LINKS:
        _cancel_live_links(need, to_status, actor=actor)
    _move_need(need, to_status, actor=actor, reason=reason)
    return need


def _cancel_live_links(need: Need, to_status: str, *, actor) -> list[Link]:
    """Cancel a need's proposed and confirmed links because the need moved to
    ``to_status``; each gets its StatusChange. Their capacity is freed."""
    links = list(Link.objects.select_for_update().filter(need=need, status__in=LINK_STATUSES_LIVE)
                 .order_by("id"))
    reason = _("The need was marked “%(status)s”.") % {"status": status_label(to_status)}
    for link in links:
        from_status = link.status
        link.status = LinkStatus.CANCELLED
        save_with_history(link, actor=actor, reason=reason, clean=False)
        StatusChange.objects.create(station_id=link.station_id, need=need, link=link, from_status=from_status,
                                    to_status=LinkStatus.CANCELLED, changed_by=acting_user(actor),
                                    reason=reason[:300])
    return links


# --- Links ---------------------------------------------------------------------


def _chunks(ids: list, size: int = CHUNK):
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def _sum_by(field: str, ids: list[int]) -> dict[int, int]:
    out: dict[int, int] = {}
    for chunk in _chunks(ids):
        rows = (Link.objects.filter(**{f"{field}__in": chunk}, status__in=LINK_STATUSES_COMMITTED).order_by()
                .values_list(field).annotate(n=Sum("quantity")))
        out.update({pk: n or 0 for pk, n in rows})
    return out


@transaction.atomic
def link_create(*, actor, need: Need, resource, quantity: int, follow_up_on: date | None = None,
                consent_override_reason: str = "", run=None) -> Link:
    """Join a need to a resource. The rules are those of ``links_create``."""
    spec = LinkSpec(need=need, resource=resource, quantity=quantity, follow_up_on=follow_up_on,
                    consent_override_reason=consent_override_reason)
    return links_create(actor=actor, station=need.station, items=[spec], run=run)[0]


@transaction.atomic
def links_create(*, actor, station: Station, items: Sequence[LinkSpec], run=None, reason: str = "") -> list[Link]:
    """Create many links at once, all or nothing.

    Refused (a LinkRefused listing every failing item) when a need or
    resource is of another station, the need no longer wants anything or
    would get more than it lacks, the resource is not active, has not enough
    capacity left, is only for vulnerabilities the household does not have,
    or is run by an outside organisation without the resident's consent to
    share (an admin may override with a reason), or the household is archived. Needs that were open move to
    "linked". A constant number of queries per 2,000 items.
    """
    from resourcelink.directory.models import Resource, ResourceStatus
    from resourcelink.people.models import Consent, ConsentScope, Household, Resident

    require_role(actor, station, EDITORS)
    items = list(items)
    if not items:
        return []
    is_admin = can(actor, station, ADMINS)
    resource_ids = sorted({spec.resource.pk for spec in items})
    need_ids = sorted({spec.need.pk for spec in items})

    # Lock in a fixed order (resources, then needs, each by id) so concurrent
    # callers queue instead of deadlocking, then read fresh rows.
    resources: dict[int, Resource] = {}
    for chunk in _chunks(resource_ids):
        for r in (Resource.objects.select_for_update().filter(pk__in=chunk).order_by("id")
                  .only("id", "station_id", "name", "status", "quantity", "is_internal", "organization_id")):
            resources[r.pk] = r
    needs: dict[int, Need] = {}
    for chunk in _chunks(need_ids):
        for n in Need.objects.select_for_update().filter(pk__in=chunk).order_by("id"):
            needs[n.pk] = n
    committed_r = _sum_by("resource_id", resource_ids)
    committed_n = _sum_by("need_id", need_ids)

    through = Resource.eligible_tags.through
    eligible: dict[int, set[int]] = defaultdict(set)
    for chunk in _chunks(resource_ids):
        for rid, tid in through.objects.filter(resource_id__in=chunk).values_list("resource_id", "vulnerabilitytag_id"):
            eligible[rid].add(tid)
    household_ids = sorted({n.household_id for n in needs.values()})
    archived_households: set[int] = set()
    for chunk in _chunks(household_ids):
        archived_households.update(Household.objects.filter(pk__in=chunk, archived_on__isnull=False)
                                   .values_list("pk", flat=True))
    live_residents = Resident.objects.filter(archived_on__isnull=True, merged_into__isnull=True)
    household_tags: dict[int, set[int]] = defaultdict(set)
    if eligible:
        tag_through = Resident.tags.through
        for chunk in _chunks(household_ids):
            rows = tag_through.objects.filter(
                resident__household_id__in=chunk, resident__archived_on__isnull=True,
                resident__merged_into__isnull=True,
            ).values_list("resident__household_id", "vulnerabilitytag_id")
            for hid, tid in rows:
                household_tags[hid].add(tid)

    def shares(r) -> bool:
        return (not r.is_internal) or r.organization_id is not None

    # (resident_id, organization_id) and (household_id, organization_id) with an active share consent.
    consent_by_resident: set[tuple[int, int | None]] = set()
    consent_by_household: set[tuple[int, int | None]] = set()
    org_ids = sorted({r.organization_id for r in resources.values() if shares(r) and r.organization_id})
    if org_ids:
        sharing_households = sorted({needs[s.need.pk].household_id for s in items
                                     if s.need.pk in needs and s.resource.pk in resources
                                     and shares(resources[s.resource.pk])})
        for chunk in _chunks(sharing_households):
            rows = Consent.objects.filter(
                scope=ConsentScope.SHARE, withdrawn_on__isnull=True, organization_id__in=org_ids,
                resident__household_id__in=chunk, resident__in=live_residents,
            ).values_list("resident_id", "resident__household_id", "organization_id")
            for resident_id, hid, org_id in rows:
                consent_by_resident.add((resident_id, org_id))
                consent_by_household.add((hid, org_id))

    problems: list[dict] = []
    taken_r: dict[int, int] = defaultdict(int)
    taken_n: dict[int, int] = defaultdict(int)
    links: list[Link] = []
    now = timezone.now()

    for index, spec in enumerate(items):
        need = needs.get(spec.need.pk)
        resource = resources.get(spec.resource.pk)
        label = _("Need #%(need)s, resource “%(resource)s”") % {
            "need": spec.need.pk, "resource": getattr(resource or spec.resource, "name", spec.resource.pk)}

        def refuse(code: str, message: str, *, _index=index, _spec=spec, _label=label) -> None:
            problems.append({"index": _index, "need_id": _spec.need.pk, "resource_id": _spec.resource.pk,
                             "code": code, "message": f"{_label}: {message}"})

        if need is None or resource is None or need.station_id != station.pk or resource.station_id != station.pk:
            refuse("station", _("not a record of this station."))
            continue
        qty = spec.quantity
        if qty is None or int(qty) != qty or qty < 1:
            refuse("quantity", _("the quantity must be a whole number of at least 1."))
            continue
        qty = int(qty)
        if need.archived_on is not None or need.status not in NEED_STATUSES_WANTING:
            refuse("need_status", _("the need is %(status)s and wants nothing more.") % {
                "status": need.get_status_display()})
            continue
        if need.household_id in archived_households:
            refuse("household", _("the household is archived."))
            continue
        lacking = need.quantity - committed_n.get(need.pk, 0) - taken_n[need.pk]
        if qty > lacking:
            refuse("need_quantity", _("the need lacks only %(n)s.") % {"n": max(lacking, 0)})
            continue
        if resource.status != ResourceStatus.ACTIVE:
            refuse("resource_status", _("the resource is not active."))
            continue
        if resource.quantity is not None:
            left = math.floor(resource.quantity) - committed_r.get(resource.pk, 0) - taken_r[resource.pk]
            if qty > left:
                refuse("capacity", _("only %(left)s left, %(asked)s asked.") % {"left": max(left, 0), "asked": qty})
                continue
        if eligible.get(resource.pk) and not (eligible[resource.pk] & household_tags.get(need.household_id, set())):
            refuse("eligibility", _("the household has none of the vulnerabilities this resource is for."))
            continue
        override = (spec.consent_override_reason or "").strip()
        use_override = False
        if shares(resource):
            org = resource.organization_id
            if need.resident_id:
                consented = (need.resident_id, org) in consent_by_resident
            else:
                consented = (need.household_id, org) in consent_by_household
            if not consented:
                if not override:
                    refuse("consent", _("this shares the resident's details with an outside organisation, "
                                        "and there is no consent to share with it."))
                    continue
                if not is_admin:
                    refuse("consent", _("only a station admin may override a missing consent."))
                    continue
                use_override = True
        taken_r[resource.pk] += qty
        taken_n[need.pk] += qty
        links.append(Link(
            station_id=station.pk, need=need, resource_id=resource.pk, quantity=qty, status=LinkStatus.PROPOSED,
            follow_up_on=spec.follow_up_on, allocation_run=run,
            consent_override_reason=override[:300] if use_override else "",
            consent_override_by=acting_user(actor) if use_override else None,
            created_by=acting_user(actor), updated_by=acting_user(actor), created_on=now, updated_on=now,
        ))

    if problems:
        codes = {p["code"] for p in problems}
        cls = LinkRefused
        if codes == {"capacity"}:
            cls = InsufficientCapacity
        elif codes == {"consent"}:
            cls = ConsentRequired
        elif codes == {"eligibility"}:
            cls = NotEligible
        raise cls([p["message"] for p in problems], problems)

    links = bulk_create_with_history(links, Link, batch_size=1000, default_user=acting_user(actor),
                                     default_change_reason=reason[:100] or None)
    changes = [StatusChange(station_id=station.pk, need_id=link.need_id, link_id=link.pk, from_status="",
                            to_status=LinkStatus.PROPOSED, changed_by=acting_user(actor), reason=reason[:300])
               for link in links]

    moved = [n for n in needs.values() if n.pk in taken_n and n.status in NEED_STATUSES_LINKABLE]
    if moved:
        for need in moved:
            changes.append(StatusChange(
                station_id=station.pk, need_id=need.pk, from_status=need.status, to_status=NeedStatus.LINKED,
                changed_by=acting_user(actor), reason=(reason or _("A link was proposed."))[:300]))
            need.status = NeedStatus.LINKED
            need.status_changed_on = now
            need.updated_on = now
            need.updated_by = acting_user(actor)
            if need.first_linked_on is None:
                need.first_linked_on = now
        # Same values for every moved need: one plain UPDATE per chunk, not a CASE per row.
        for chunk in _chunks([n.pk for n in moved]):
            Need.objects.filter(pk__in=chunk).update(
                status=NeedStatus.LINKED, status_changed_on=now, updated_on=now, updated_by=acting_user(actor),
                first_linked_on=Coalesce(F("first_linked_on"), Value(now)))
        Need.history.bulk_history_create(moved, update=True, default_user=acting_user(actor),
                                         default_change_reason=(reason or _("A link was proposed."))[:100])
    StatusChange.objects.bulk_create(changes, batch_size=1000)
    return links


@transaction.atomic
def link_transition(*, actor, link: Link, to_status: str, reason: str = "", outcome: str = "", feedback: str = "",
                    follow_up_on: date | None = None) -> Link:
    """Move a link along LINK_TRANSITIONS. When the last live link of a need
    ends, the need follows: met when enough was delivered, partly met when
    something was, open again when nothing was."""
    require_role(actor, link.station_id, EDITORS)
    link = Link.objects.select_for_update().get(pk=link.pk)
    need = Need.objects.select_for_update().get(pk=link.need_id)
    if to_status not in LINK_TRANSITIONS.get(link.status, set()):
        raise _illegal(link.status, to_status)
    reason = (reason or "").strip()
    if to_status in (LinkStatus.FAILED, LinkStatus.CANCELLED) and not (reason or outcome):
        raise ValidationError({"reason": _("Say why.")})
    from_status = link.status
    link.status = to_status
    if to_status == LinkStatus.DELIVERED:
        link.delivered_on = timezone.now()
    if outcome:
        link.outcome = outcome
    if feedback:
        link.feedback = feedback
    if follow_up_on is not None:
        link.follow_up_on = follow_up_on
    save_with_history(link, actor=actor, reason=reason)
    StatusChange.objects.create(station_id=link.station_id, need=need, link=link, from_status=from_status,
                                to_status=to_status, changed_by=acting_user(actor), reason=(reason or outcome)[:300])
    _need_follows_links(need, link=link, actor=actor)
    return link


def _need_follows_links(need: Need, *, link: Link, actor) -> None:
    statuses = list(Link.objects.filter(need=need).values_list("status", "quantity"))
    if any(status in LINK_STATUSES_LIVE for status, _q in statuses):
        return
    delivered = sum(q for status, q in statuses if status == LinkStatus.DELIVERED)
    if delivered >= need.quantity:
        target = NeedStatus.MET
    elif delivered > 0:
        target = NeedStatus.PARTLY_MET
    else:
        target = NeedStatus.OPEN
    if target == need.status or target not in NEED_TRANSITIONS.get(need.status, set()):
        return
    reason = _("Followed link #%(link)s (%(status)s).") % {"link": link.pk, "status": link.get_status_display()}
    _move_need(need, target, actor=actor, reason=reason, link=link)


@transaction.atomic
def link_update(*, actor, link: Link, follow_up_on: date | None = None, outcome: str | None = None,
                feedback: str | None = None, clear_follow_up: bool = False) -> Link:
    """Record follow-up notes on a link: the next follow-up date, the outcome
    and the resident's feedback."""
    require_role(actor, link.station_id, EDITORS)
    link = Link.objects.select_for_update().get(pk=link.pk)
    if follow_up_on is not None or clear_follow_up:
        link.follow_up_on = follow_up_on
    if outcome is not None:
        link.outcome = outcome
    if feedback is not None:
        link.feedback = feedback
    return save_with_history(link, actor=actor, reason=_("Follow-up notes"))
