"""Writes of distribution plans: settings, generation, line edits, approval,
hand-overs (by staff, in bulk, or by a volunteer's pass), closing and the
surplus decisions. See docs/decisions/0007-distribution-plans.md.

Every function is keyword-only and runs in one transaction. Who may do what:
settings, generation, line edits, cancelling a draft, hand-overs, passes and
surplus decisions — ``EDITORS``; approving, sending back to draft and closing
— station admins. ``check=False`` skips the role check for internal callers
and test helpers; the web never passes it.

Each service that changes a plan locks its row first (``select_for_update``)
and reads its status from the locked row, so a hand-over cannot slip past a
close, nor two hand-overs of one line both pass: the second finds the line
handed over and is refused, saying when.

Stock and money move only through the ledgers: approval reserves each lot's
and account's total (reference ``plan:<id>``), a hand-over issues its
portions from the reservation (``plan_line:<id>``), closing and sending back
to draft release what is still reserved, a surplus decision issues or moves
units (``surplus:<id>``). Each lot and account is locked once per call
(``inventory.services.stock_moves_bulk``, ``fund.services.fund_entries_bulk``).

Settings changed after a generation (sources, tiers, allowances, the
distribution day, the communities, whole allowances) mark the generation
``stale``; a stale plan must be generated again before it can be approved.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from collections import defaultdict
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from resourcelink.accounts.access import require_role_when
from resourcelink.accounts.models import ADMINS, EDITORS, Station
from resourcelink.core.services import (
    acting_user,
    check_same_station,
    refuse_unknown_fields,
    save_with_history,
)
from resourcelink.fund.models import EntryKind, FundAccount
from resourcelink.fund.services import EntrySpec, fund_entries_bulk
from resourcelink.inventory.models import Item, Lot, MoveKind, Store
from resourcelink.inventory.services import MoveSpec, stock_moves_bulk, stock_transfer
from resourcelink.people.models import Household, VulnerabilityTag

from . import planning
from .models import (
    PLAN_TRANSITIONS,
    Allowance,
    AllowanceBasis,
    Handover,
    HandoverMethod,
    HandoverPass,
    LineStatus,
    Plan,
    PlanLine,
    PlanPortion,
    PlanSource,
    PlanStatus,
    PlanTier,
    SurplusAward,
    SurplusDecision,
    SurplusKind,
)

PLAN_FIELDS = ("name", "distribute_on", "description", "communities", "whole_allowances")
# Fields whose change makes the last generation stale.
GENERATION_FIELDS = ("distribute_on", "communities", "whole_allowances")
# Strict tiers weigh tier t by 10 ** (tiers - t); beyond five tiers the
# min-cost flow's costs at district scale would leave the solver's range.
MAX_TIERS = 5
PASS_HOURS_MAX = 72
CENT = Decimal("0.01")


class PlanNotDraft(ValidationError):
    """The plan is no longer a draft: its settings and lines are fixed."""


class PlanNotLive(ValidationError):
    """The plan is not approved or in progress: nothing can be handed over."""


# --- helpers --------------------------------------------------------------------------------------


def _reason_required(reason: str, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({field: [_("Say why.")]})
    if len(reason) > 300:
        raise ValidationError({field: [_("Keep the reason under 300 characters.")]})
    return reason


def _lock(plan: Plan) -> Plan:
    """The plan's current row, locked until the transaction ends."""
    return Plan.objects.select_for_update().get(pk=plan.pk)


def _draft(plan: Plan) -> Plan:
    current = _lock(plan)
    if current.status != PlanStatus.DRAFT:
        raise PlanNotDraft(_("Plan “%(plan)s” is %(status)s: only a draft can be changed.")
                           % {"plan": current.name, "status": current.get_status_display()}, code="not_draft")
    return current


def _live(plan: Plan) -> Plan:
    current = _lock(plan)
    if not current.is_live:
        raise PlanNotLive(_("Plan “%(plan)s” is %(status)s: hand-overs are recorded only while it is approved "
                            "or in progress.") % {"plan": current.name, "status": current.get_status_display()},
                          code="not_live")
    return current


def _move_to(current: Plan, status: str) -> None:
    if status not in PLAN_TRANSITIONS[PlanStatus(current.status)]:
        raise ValidationError(_("A plan cannot go from “%(from)s” to “%(to)s”.")
                              % {"from": current.get_status_display(), "to": PlanStatus(status).label})
    current.status = status


def _save(current: Plan, plan: Plan, *, actor, reason: str) -> Plan:
    """Save the locked copy with a history row and bring the caller's
    instance up to date."""
    save_with_history(current, actor=actor, reason=reason, clean=False)
    for field in ("status", "name", "description", "distribute_on", "whole_allowances", "generation",
                  "generated_on", "approved_on", "approved_by_id", "closed_on", "closed_by_id", "status_reason",
                  "updated_on", "updated_by_id"):
        setattr(plan, field, getattr(current, field))
    return plan


def _stale(current: Plan) -> None:
    if current.generated_on is not None and not current.generation.get("stale"):
        current.generation = {**current.generation, "stale": True}


def _whole_number(value, field: str, *, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            text = str(value).strip()
            value = int(text) if text.lstrip("-").isdigit() else None
        except (TypeError, ValueError):
            value = None
    if value is None or value < minimum:
        raise ValidationError({field: [_("Enter a whole number of at least %(n)s.") % {"n": minimum}]})
    return value


def _money(value, field: str, *, whole: bool = False, zero: bool = False) -> Decimal:
    try:
        amount = Decimal(str(value).strip()) if value not in (None, "") else None
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or not amount.is_finite():
        raise ValidationError({field: [_("Enter an amount in yuan.")]})
    if amount < 0 or (amount == 0 and not zero):
        raise ValidationError({field: [_("The amount must be more than zero.")]})
    if whole and amount != amount.to_integral_value():
        raise ValidationError({field: [_("Give money in whole yuan (no jiao or fen): %(amount)s is not.")
                                       % {"amount": amount}]})
    if amount != amount.quantize(CENT):
        raise ValidationError({field: [_("An amount has at most two decimal places (fen).")]})
    if amount >= Decimal("1e11"):
        raise ValidationError({field: [_("The amount is too large.")]})
    return amount.quantize(CENT)


def _plan_reason(plan: Plan, what: str) -> str:
    return _("Plan “%(plan)s”: %(what)s") % {"plan": plan.name, "what": what}


# --- plans and their settings ---------------------------------------------------------------------


def _apply_fields(plan: Plan, fields: dict, errors: dict) -> list | None:
    communities = fields.pop("communities", None)
    for name, value in fields.items():
        setattr(plan, name, value.strip() if isinstance(value, str) else value)
    if communities is not None:
        communities = list(communities)
        check_same_station(plan.station_id, errors, communities=communities)
        if any(getattr(c, "archived_on", None) is not None for c in communities):
            errors.setdefault("communities", []).append(_("Choose communities that are not archived."))
    if not isinstance(plan.distribute_on, datetime.date):
        errors.setdefault("distribute_on", []).append(_("Enter the day of the distribution."))
    return communities


@transaction.atomic
def plan_create(*, actor, station: Station, name: str, distribute_on, description: str = "", communities=(),
                whole_allowances: bool = True, check: bool = True) -> Plan:
    """A new draft plan."""
    require_role_when(check, actor, station, EDITORS)
    plan = Plan(station=station)
    errors: dict = {}
    communities = _apply_fields(plan, {"name": name or "", "distribute_on": distribute_on,
                                       "description": description or "", "communities": communities,
                                       "whole_allowances": bool(whole_allowances)}, errors)
    try:
        plan.full_clean(exclude=["distribute_on"] if "distribute_on" in errors else None)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    save_with_history(plan, actor=actor, reason=_("Plan created"), clean=False)
    if communities:
        plan.communities.set(communities)
    return plan


@transaction.atomic
def plan_update(*, actor, plan: Plan, reason: str = "", check: bool = True, **fields) -> Plan:
    """Change a draft's name, description, day, communities or whole-allowance rule."""
    require_role_when(check, actor, plan.station_id, EDITORS)
    refuse_unknown_fields(fields, PLAN_FIELDS, "plan")
    current = _draft(plan)
    before = {f: getattr(current, f) for f in GENERATION_FIELDS if f != "communities"}
    before_communities = set(current.communities.values_list("pk", flat=True))
    errors: dict = {}
    communities = _apply_fields(current, dict(fields), errors)
    try:
        current.full_clean(exclude=["distribute_on"] if "distribute_on" in errors else None)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    if communities is not None and {c.pk for c in communities} != before_communities:
        current.communities.set(communities)
        _stale(current)
    if any(getattr(current, f) != v for f, v in before.items()):
        _stale(current)
    return _save(current, plan, actor=actor, reason=(reason or "").strip() or _("Plan changed"))


@transaction.atomic
def plan_source_set(*, actor, plan: Plan, lot: Lot | None = None, fund_account: FundAccount | None = None,
                    quantity=None, amount=None, check: bool = True) -> PlanSource:
    """Add a lot or a fund account to a draft's sources, or change how much
    of it the plan may use (``quantity`` units, ``amount`` yuan; None: all
    that is available when the plan is generated)."""
    require_role_when(check, actor, plan.station_id, EDITORS)
    current = _draft(plan)
    errors: dict = {}
    if (lot is None) == (fund_account is None):
        raise ValidationError({"lot": [_("Choose a lot or a fund account.")]})
    check_same_station(plan.station_id, errors, lot=lot, fund_account=fund_account)
    if errors:
        raise ValidationError(errors)
    if lot is not None:
        if amount not in (None, ""):
            raise ValidationError({"amount": [_("A lot is limited in units, not yuan.")]})
        quantity = None if quantity in (None, "") else _whole_number(quantity, "quantity")
        source = PlanSource.objects.filter(plan=current, lot=lot).first() or PlanSource(plan=current, lot=lot)
        source.quantity = quantity
        what = _("lot #%(lot)s") % {"lot": lot.pk}
    else:
        if quantity not in (None, ""):
            raise ValidationError({"quantity": [_("A fund account is limited in yuan, not units.")]})
        amount = None if amount in (None, "") else _money(amount, "amount")
        source = (PlanSource.objects.filter(plan=current, fund_account=fund_account).first()
                  or PlanSource(plan=current, fund_account=fund_account))
        source.amount = amount
        what = fund_account.name
    source.full_clean(validate_unique=False)
    adding = source.pk is None
    source.save()
    _stale(current)
    _save(current, plan, actor=actor, reason=(_("Source added: %(what)s") if adding else
                                              _("Source changed: %(what)s")) % {"what": what})
    return source


@transaction.atomic
def plan_source_remove(*, actor, source: PlanSource, check: bool = True) -> None:
    plan = source.plan
    require_role_when(check, actor, plan.station_id, EDITORS)
    current = _draft(plan)
    what = _("lot #%(lot)s") % {"lot": source.lot_id} if source.lot_id else str(source.fund_account)
    source.delete()
    _stale(current)
    _save(current, plan, actor=actor, reason=_("Source removed: %(what)s") % {"what": what})


@transaction.atomic
def plan_tier_set(*, actor, plan: Plan, rank: int, tags: Sequence[VulnerabilityTag] = (),
                  households: Sequence[Household] = (), check: bool = True) -> PlanTier:
    """Create tier ``rank`` or replace its groups and chosen households.
    Households in tier 1 are served strictly before those in tier 2, and so on."""
    require_role_when(check, actor, plan.station_id, EDITORS)
    current = _draft(plan)
    tags, households = list(tags), list(households)
    errors: dict = {}
    if isinstance(rank, bool) or not isinstance(rank, int) or not 1 <= rank <= MAX_TIERS:
        errors["rank"] = [_("A tier is numbered 1 to %(n)s.") % {"n": MAX_TIERS}]
    if not tags and not households:
        errors["tags"] = [_("Choose at least one group or household.")]
    check_same_station(plan.station_id, errors, tags=tags, households=households)
    if any(t.archived_on is not None for t in tags):
        errors.setdefault("tags", []).append(_("Choose groups that are not archived."))
    if any(h.archived_on is not None for h in households):
        errors.setdefault("households", []).append(_("Choose households that are not archived."))
    if errors:
        raise ValidationError(errors)
    tier, _created = PlanTier.objects.get_or_create(plan=current, rank=rank)
    tier.tags.set(tags)
    tier.households.set(households)
    _stale(current)
    _save(current, plan, actor=actor, reason=_("Tier %(rank)s set") % {"rank": rank})
    return tier


@transaction.atomic
def plan_tier_remove(*, actor, tier: PlanTier, check: bool = True) -> None:
    plan = tier.plan
    require_role_when(check, actor, plan.station_id, EDITORS)
    current = _draft(plan)
    rank = tier.rank
    tier.tags.clear()
    tier.households.clear()
    tier.delete()
    _stale(current)
    _save(current, plan, actor=actor, reason=_("Tier %(rank)s removed") % {"rank": rank})


@transaction.atomic
def plan_allowance_add(*, actor, plan: Plan, item: Item | None = None, quantity=None, amount=None,
                       basis: str = AllowanceBasis.HOUSEHOLD, tag: VulnerabilityTag | None = None,
                       check: bool = True) -> Allowance:
    """What each recipient gets: ``quantity`` units of ``item``, or
    ``amount`` yuan (whole yuan), per household or per person; with ``tag``
    only households with such a resident, and per person only they count."""
    require_role_when(check, actor, plan.station_id, EDITORS)
    current = _draft(plan)
    errors: dict = {}
    if basis not in AllowanceBasis.values:
        errors["basis"] = [_("Choose per person or per household.")]
    check_same_station(plan.station_id, errors, item=item, tag=tag)
    if item is not None:
        if item.archived_on is not None:
            errors.setdefault("item", []).append(_("This item is archived."))
        if amount not in (None, ""):
            errors["amount"] = [_("Give an item in units, or money in yuan, not both.")]
        try:
            quantity = _whole_number(quantity, "quantity")
        except ValidationError as exc:
            errors.update(exc.message_dict)
        amount = None
    else:
        if quantity not in (None, ""):
            errors["item"] = [_("Choose the item to give.")]
        try:
            amount = _money(amount, "amount", whole=True)
        except ValidationError as exc:
            errors.update(exc.message_dict)
        quantity = None
    if errors:
        raise ValidationError(errors)
    allowance = Allowance(plan=current, item=item, quantity=quantity, amount=amount, basis=basis, tag=tag)
    allowance.full_clean()
    allowance.save()
    _stale(current)
    _save(current, plan, actor=actor, reason=_("Allowance added: %(what)s") % {"what": str(allowance)})
    return allowance


@transaction.atomic
def plan_allowance_remove(*, actor, allowance: Allowance, check: bool = True) -> None:
    """Remove an allowance from a draft. A generated draft loses its lines
    (they were made for the allowances it had): generate it again."""
    plan = allowance.plan
    require_role_when(check, actor, plan.station_id, EDITORS)
    current = _draft(plan)
    what = str(allowance)
    if current.generated_on is not None:
        planning.clear(current)
        current.generation, current.generated_on = {}, None
    allowance.delete()
    _save(current, plan, actor=actor, reason=_("Allowance removed: %(what)s") % {"what": what})


# --- generation and line edits --------------------------------------------------------------------


@transaction.atomic
def plan_generate(*, actor, plan: Plan, progress: Callable[[str], None] | None = None,
                  check: bool = True) -> Plan:
    """Run the allocation engine over the draft's settings and replace its
    lines, portions and shortfalls (see ``planning``). Edits of earlier lines
    are lost: the plan is made afresh."""
    require_role_when(check, actor, plan.station_id, EDITORS)
    current = _draft(plan)
    errors: dict = {}
    if not PlanTier.objects.filter(plan=current).exists():
        errors["tiers"] = [_("Add at least one tier: the groups or households the plan is for.")]
    allowances = list(Allowance.objects.filter(plan=current))
    if not allowances:
        errors["allowances"] = [_("Add at least one allowance: what each recipient gets.")]
    for allowance in allowances:
        if allowance.is_money and planning.whole_yuan(allowance.amount) is None:
            errors.setdefault("allowances", []).append(
                _("Give money in whole yuan (no jiao or fen): %(amount)s is not.") % {"amount": allowance.amount})
    if not PlanSource.objects.filter(plan=current).exists():
        errors["sources"] = [_("Add at least one source: a lot or a fund account.")]
    if errors:
        raise ValidationError(errors)
    try:
        generation = planning.plan_build(current, progress=progress)
    except RuntimeError as exc:  # the solver refused the problem
        raise ValidationError(_("The plan could not be worked out (%(error)s); try fewer tiers.")
                              % {"error": exc}) from exc
    return _save(current, plan, actor=actor, reason=_("Generated: %(n)s recipients") % {"n": generation["recipients"]})


def _source_room(plan: Plan, line: PlanLine, lot_ids: set[int], account_ids: set[int]) -> dict:
    """How much each lot and account may still hold for ``line``: what the
    source allows (available now, capped by the source) less what the plan's
    other live lines hold of it. Keys ("lot", id) / ("account", id); a lot
    that is no longer a source has no key."""
    room: dict = {}
    caps = {(("lot", s.lot_id) if s.lot_id else ("account", s.fund_account_id)): s
            for s in PlanSource.objects.filter(Q(lot_id__in=lot_ids) | Q(fund_account_id__in=account_ids),
                                               plan=plan)}
    for lot in Lot.objects.filter(pk__in=lot_ids):
        source = caps.get(("lot", lot.pk))
        if source is not None:
            room["lot", lot.pk] = min(lot.available, source.quantity) if source.quantity is not None \
                else lot.available
    for account in FundAccount.objects.filter(pk__in=account_ids):
        source = caps.get(("account", account.pk))
        if source is not None:
            room["account", account.pk] = min(account.available, source.amount) if source.amount is not None \
                else account.available
    others = (PlanPortion.objects.filter(line__plan=plan).exclude(line=line)
              .exclude(line__status=LineStatus.REMOVED))
    for lot_id, q in others.filter(lot_id__in=lot_ids).values_list("lot_id", "quantity"):
        if ("lot", lot_id) in room:
            room["lot", lot_id] -= q
    for account_id, a in others.filter(fund_account_id__in=account_ids).values_list("fund_account_id", "amount"):
        if ("account", account_id) in room:
            room["account", account_id] -= a
    return room


@transaction.atomic
def plan_line_update(*, actor, line: PlanLine, quantities: dict, reason: str, check: bool = True) -> PlanLine:
    """Change a draft line's portions by hand: ``{portion id: new quantity
    (units of a lot) or amount (yuan)}``; 0 drops the portion. The reason is
    kept on the line and in its history. More than a source has left for the
    plan is refused."""
    plan = line.plan
    require_role_when(check, actor, plan.station_id, EDITORS)
    reason = _reason_required(reason)
    _draft(plan)
    line = PlanLine.objects.select_for_update().get(pk=line.pk)
    if line.status != LineStatus.PLANNED:
        raise ValidationError(_("This line is %(status)s: it cannot be changed.")
                              % {"status": line.get_status_display()})
    portions = {p.pk: p for p in line.portions.select_related("lot__item", "lot__store", "fund_account")}
    if not quantities:
        raise ValidationError({"quantities": [_("Change at least one quantity.")]})
    new: dict[int, int | Decimal] = {}
    for key, value in quantities.items():
        try:
            portion = portions[int(key)]
        except (KeyError, TypeError, ValueError):
            raise ValidationError({"quantities": [_("Portion %(id)s is not part of this line.")
                                                  % {"id": key}]}) from None
        field = f"portion_{portion.pk}"
        if portion.lot_id:
            new[portion.pk] = _whole_number(value, field, minimum=0)
        else:
            new[portion.pk] = _money(value, field, zero=True)
    after = {pk: new.get(pk, p.quantity if p.lot_id else p.amount) for pk, p in portions.items()}
    if not any(after.values()):
        raise ValidationError({"quantities": [_("Every portion would be zero: remove the line instead.")]})
    lot_before: dict[int, int] = defaultdict(int)
    lot_after: dict[int, int] = defaultdict(int)
    acc_before: dict[int, Decimal] = defaultdict(Decimal)
    acc_after: dict[int, Decimal] = defaultdict(Decimal)
    for pk, p in portions.items():
        if p.lot_id:
            lot_before[p.lot_id] += p.quantity
            lot_after[p.lot_id] += after[pk]
        else:
            acc_before[p.fund_account_id] += p.amount
            acc_after[p.fund_account_id] += after[pk]
    grown_lots = {k for k in lot_after if lot_after[k] > lot_before[k]}
    grown_accounts = {k for k in acc_after if acc_after[k] > acc_before[k]}
    errors = []
    if grown_lots or grown_accounts:
        room = _source_room(plan, line, grown_lots, grown_accounts)
        for lot_id in sorted(grown_lots):
            left = room.get(("lot", lot_id))
            lot = next(p.lot for p in portions.values() if p.lot_id == lot_id)
            if left is None:
                errors.append(_("Lot #%(lot)s is no longer a source of this plan.") % {"lot": lot_id})
            elif lot_after[lot_id] > left:
                errors.append(_("%(item)s in %(store)s (lot #%(lot)s): only %(left)s %(unit)s are left for this "
                                "line.") % {"item": lot.item.name, "store": lot.store.name, "lot": lot_id,
                                            "left": max(left, 0), "unit": lot.item.unit})
        for account_id in sorted(grown_accounts):
            left = room.get(("account", account_id))
            account = next(p.fund_account for p in portions.values() if p.fund_account_id == account_id)
            if left is None:
                errors.append(_("%(account)s is no longer a source of this plan.") % {"account": account.name})
            elif acc_after[account_id] > left:
                errors.append(_("%(account)s: only %(left)s yuan are left for this line.")
                              % {"account": account.name, "left": max(left, Decimal(0))})
    if errors:
        raise ValidationError({"quantities": errors})
    changes = []
    for pk, value in new.items():
        portion = portions[pk]
        old = portion.quantity if portion.lot_id else portion.amount
        if value == old:
            continue
        changes.append(f"{portion}: {old} → {value}")
        if not value:
            portion.delete()
        elif portion.lot_id:
            PlanPortion.objects.filter(pk=pk).update(quantity=value)
        else:
            PlanPortion.objects.filter(pk=pk).update(amount=value)
    line.edit_reason = reason
    history_reason = f"{reason} ({'; '.join(changes)})" if changes else reason
    return save_with_history(line, actor=actor, reason=history_reason, clean=False)


@transaction.atomic
def plan_line_remove(*, actor, line: PlanLine, reason: str, check: bool = True) -> PlanLine:
    """Take a household off a draft (the line stays, marked removed, with the reason)."""
    plan = line.plan
    require_role_when(check, actor, plan.station_id, EDITORS)
    reason = _reason_required(reason)
    _draft(plan)
    line = PlanLine.objects.select_for_update().get(pk=line.pk)
    if line.status != LineStatus.PLANNED:
        raise ValidationError(_("This line is %(status)s: it cannot be removed.")
                              % {"status": line.get_status_display()})
    line.status = LineStatus.REMOVED
    line.edit_reason = reason
    return save_with_history(line, actor=actor, reason=reason, clean=False)


# --- approval, cancelling, closing ----------------------------------------------------------------


def _totals(plan: Plan, statuses=(LineStatus.PLANNED,), line_ids=None) -> tuple[dict, dict]:
    """What the plan's lines in ``statuses`` hold, per lot and per account."""
    portions = PlanPortion.objects.filter(line__plan=plan, line__status__in=statuses)
    if line_ids is not None:
        portions = portions.filter(line_id__in=line_ids)
    lots: dict[int, int] = defaultdict(int)
    accounts: dict[int, Decimal] = defaultdict(Decimal)
    for lot_id, account_id, quantity, amount in portions.order_by().values_list("lot_id", "fund_account_id",
                                                                                 "quantity", "amount"):
        if lot_id:
            lots[lot_id] += quantity
        else:
            accounts[account_id] += amount
    return lots, accounts


def _reserve(plan: Plan, *, actor, sign: int, reason: str) -> None:
    """Reserve (sign 1) or release (sign -1) what the plan's planned lines hold."""
    lots, accounts = _totals(plan)
    kind = MoveKind.RESERVE if sign > 0 else MoveKind.RELEASE
    stock_moves_bulk(actor=actor, station=plan.station_id, check=False, moves=[
        MoveSpec(lot_id, kind, reserved_delta=sign * q, reason=reason, reference=f"plan:{plan.pk}")
        for lot_id, q in sorted(lots.items()) if q])
    kind = EntryKind.RESERVE if sign > 0 else EntryKind.RELEASE
    fund_entries_bulk(actor=actor, station=plan.station_id, check=False, entries=[
        EntrySpec(account_id, kind, reserved_delta=sign * a, reason=reason, reference=f"plan:{plan.pk}")
        for account_id, a in sorted(accounts.items()) if a])


@transaction.atomic
def plan_approve(*, actor, plan: Plan, check: bool = True) -> Plan:
    """Approve a generated draft: reserve every lot's and account's total for
    its lines. All or nothing: if one lot or account no longer holds enough
    (``InsufficientStock`` / ``InsufficientFunds``, naming it), nothing is
    reserved and the plan stays a draft."""
    require_role_when(check, actor, plan.station_id, ADMINS)
    current = _draft(plan)
    if not PlanLine.objects.filter(plan=current, status=LineStatus.PLANNED).exists():
        raise ValidationError(_("Plan “%(plan)s” has no lines to hand over: generate it first.")
                              % {"plan": current.name})
    if current.generation.get("stale"):
        raise ValidationError(_("The plan's settings changed after it was generated: generate it again before "
                                "approving."))
    _move_to(current, PlanStatus.APPROVED)
    _reserve(current, actor=actor, sign=1, reason=_plan_reason(current, _("approved")))
    current.approved_on = timezone.now()
    current.approved_by = acting_user(actor)
    current.status_reason = ""
    return _save(current, plan, actor=actor, reason=_("Approved"))


@transaction.atomic
def plan_unapprove(*, actor, plan: Plan, reason: str, check: bool = True) -> Plan:
    """Send an approved plan back to draft, releasing its reservations;
    refused once anything was handed over."""
    require_role_when(check, actor, plan.station_id, ADMINS)
    reason = _reason_required(reason)
    current = _lock(plan)
    if current.status != PlanStatus.APPROVED or Handover.objects.filter(line__plan=current).exists():
        raise ValidationError(_("Only an approved plan with nothing handed over yet can go back to draft."))
    _move_to(current, PlanStatus.DRAFT)
    _reserve(current, actor=actor, sign=-1, reason=_plan_reason(current, _("back to draft: %(why)s")
                                                                 % {"why": reason}))
    current.approved_on, current.approved_by, current.status_reason = None, None, reason
    return _save(current, plan, actor=actor, reason=reason)


@transaction.atomic
def plan_cancel(*, actor, plan: Plan, reason: str, check: bool = True) -> Plan:
    """Drop a draft (kept, marked cancelled, with the reason)."""
    require_role_when(check, actor, plan.station_id, EDITORS)
    reason = _reason_required(reason)
    current = _draft(plan)
    _move_to(current, PlanStatus.CANCELLED)
    current.status_reason = reason
    return _save(current, plan, actor=actor, reason=reason)


@transaction.atomic
def plan_close(*, actor, plan: Plan, reason: str = "", check: bool = True) -> Plan:
    """Close an approved or running plan: release everything not handed
    over; those lines become "not collected". The surplus then waits for
    ``surplus_decide``."""
    require_role_when(check, actor, plan.station_id, ADMINS)
    reason = (reason or "").strip()[:300]
    current = _live(plan)
    _move_to(current, PlanStatus.CLOSED)
    _reserve(current, actor=actor, sign=-1, reason=_plan_reason(current, _("closed, not collected")))
    # One statement for every line: the plan's history says it was closed.
    PlanLine.objects.filter(plan=current, status=LineStatus.PLANNED).update(status=LineStatus.NOT_COLLECTED)
    current.closed_on = timezone.now()
    current.closed_by = acting_user(actor)
    current.status_reason = reason
    return _save(current, plan, actor=actor, reason=reason or _("Closed"))


# --- hand-overs -----------------------------------------------------------------------------------


def _issue(plan: Plan, lines: Sequence[tuple[int, int]], *, actor, reason: str) -> None:
    """Issue the portions of ``lines`` ([(line id, household id)]) from the
    plan's reservation: every lot and account locked once."""
    household_of = dict(lines)
    moves, entries = [], []
    rows = (PlanPortion.objects.filter(line_id__in=list(household_of)).order_by("line_id", "id")
            .values_list("line_id", "lot_id", "fund_account_id", "quantity", "amount"))
    for line_id, lot_id, account_id, quantity, amount in rows:
        reference = f"plan_line:{line_id}"
        if lot_id:
            moves.append(MoveSpec(lot_id, MoveKind.ISSUE, on_hand_delta=-quantity, reserved_delta=-quantity,
                                  reason=reason, reference=reference))
        else:
            entries.append(EntrySpec(account_id, EntryKind.GRANT_OUT, amount=-amount, reserved_delta=-amount,
                                     household_id=household_of[line_id], reason=reason, reference=reference))
    stock_moves_bulk(actor=actor, station=plan.station_id, moves=moves, check=False)
    fund_entries_bulk(actor=actor, station=plan.station_id, entries=entries, check=False)


def _started(current: Plan, plan: Plan, *, actor) -> None:
    if current.status == PlanStatus.APPROVED:
        _move_to(current, PlanStatus.IN_PROGRESS)
        _save(current, plan, actor=actor, reason=_("First hand-over recorded"))


def _already(line: PlanLine) -> ValidationError:
    if line.status == LineStatus.HANDED_OVER:
        handover = Handover.objects.filter(line=line).first()
        when = timezone.localtime(handover.handed_over_on).strftime("%Y-%m-%d %H:%M") if handover else ""
        return ValidationError(_("Line #%(line)s was already handed over on %(when)s.")
                               % {"line": line.pk, "when": when}, code="handed_over")
    return ValidationError(_("Line #%(line)s is %(status)s: it cannot be handed over.")
                           % {"line": line.pk, "status": line.get_status_display()}, code="not_planned")


@transaction.atomic
def handover_record(*, actor=None, line: PlanLine, method: str = HandoverMethod.SHEET, collected_by: str = "",
                    note: str = "", handover_pass: HandoverPass | None = None, handed_over_on=None,
                    check: bool = True) -> Handover:
    """Record that a line was handed over and issue its portions from the
    reservation. By a member of staff (``EDITORS``), or — ``actor`` None —
    by a volunteer through a valid ``handover_pass`` of this plan (method
    "qr"; the ledgers record no user, and the volunteer's name in the
    reason). The first hand-over moves the plan to "in progress"."""
    plan = line.plan
    volunteer = None
    if handover_pass is not None:
        handover_pass = _pass_for(handover_pass, plan)
        volunteer = handover_pass.volunteer_name
        method, actor = HandoverMethod.QR, None
    elif check:
        if acting_user(actor) is None:
            raise PermissionDenied(_("Sign in, or open the hand-over link a social worker gave you."))
        require_role_when(check, actor, plan.station_id, EDITORS)
    if method not in (HandoverMethod.SHEET, HandoverMethod.QR):
        raise ValidationError({"method": [_("Choose how the hand-over was recorded.")]})
    now = timezone.now()
    handed_over_on = handed_over_on or now
    if handed_over_on > now + datetime.timedelta(minutes=5):
        raise ValidationError({"handed_over_on": [_("The hand-over cannot be in the future.")]})
    current = _live(plan)
    line = PlanLine.objects.select_for_update().get(pk=line.pk)
    if line.status != LineStatus.PLANNED:
        raise _already(line)
    handover = Handover(line=line, handed_over_on=handed_over_on, collected_by=(collected_by or "").strip(),
                        method=method, recorded_by=acting_user(actor), handover_pass=handover_pass,
                        note=(note or "").strip())
    handover.full_clean(exclude=["line", "recorded_by", "handover_pass"])
    if volunteer is not None:
        reason = _plan_reason(current, _("hand-over recorded by volunteer %(name)s") % {"name": volunteer})
    else:
        reason = _plan_reason(current, _("hand-over"))
    _issue(current, [(line.pk, line.household_id)], actor=actor, reason=reason)
    handover.save()
    line.status = LineStatus.HANDED_OVER
    save_with_history(line, actor=actor, reason=reason, clean=False)
    _started(current, plan, actor=actor)
    return handover


@transaction.atomic
def handover_record_bulk(*, actor, plan: Plan, line_ids: Sequence[int], note: str = "",
                         check: bool = True) -> list[Handover]:
    """Record many lines of one plan as handed over now (method "bulk"),
    all or nothing: a line of another plan, or one not waiting to be handed
    over, refuses the lot, naming the lines."""
    require_role_when(check, actor, plan.station_id, EDITORS)
    try:
        ids = sorted({int(i) for i in line_ids})
    except (TypeError, ValueError):
        raise ValidationError({"line_ids": [_("Choose the lines to record.")]}) from None
    if not ids:
        raise ValidationError({"line_ids": [_("Choose the lines to record.")]})
    note = (note or "").strip()
    if len(note) > 300:
        raise ValidationError({"note": [_("Keep the note under 300 characters.")]})
    current = _live(plan)
    lines = list(PlanLine.objects.select_for_update().filter(plan=current, pk__in=ids).order_by("pk")
                 .values_list("pk", "household_id", "status"))
    found = {pk for pk, _, _ in lines}
    missing = [i for i in ids if i not in found]
    if missing:
        raise ValidationError({"line_ids": [_("Not lines of this plan: %(ids)s.")
                                            % {"ids": ", ".join(f"#{i}" for i in missing[:20])}]})
    done = [pk for pk, _, status in lines if status == LineStatus.HANDED_OVER]
    other = [pk for pk, _, status in lines if status not in (LineStatus.PLANNED, LineStatus.HANDED_OVER)]
    if done or other:
        messages = []
        if done:
            messages.append(_("Already handed over: %(ids)s.") % {"ids": ", ".join(f"#{i}" for i in done[:20])})
        if other:
            messages.append(_("Removed or not collected: %(ids)s.")
                            % {"ids": ", ".join(f"#{i}" for i in other[:20])})
        raise ValidationError({"line_ids": messages})
    reason = _plan_reason(current, _("hand-over recorded in bulk"))
    _issue(current, [(pk, household) for pk, household, _ in lines], actor=actor, reason=reason)
    now = timezone.now()
    by = acting_user(actor)
    handovers = Handover.objects.bulk_create(
        [Handover(line_id=pk, handed_over_on=now, method=HandoverMethod.BULK, recorded_by=by, note=note)
         for pk, _, _ in lines], batch_size=1000)
    # One statement for every line: each Handover row records who and when.
    for start in range(0, len(ids), 2000):
        PlanLine.objects.filter(pk__in=ids[start:start + 2000]).update(status=LineStatus.HANDED_OVER)
    _started(current, plan, actor=actor)
    return handovers


# --- hand-over passes -----------------------------------------------------------------------------


def pass_digest(secret: str) -> str:
    return hashlib.sha256((secret or "").encode()).hexdigest()


def _pass_problem(handover_pass: HandoverPass, plan: Plan | None) -> str | None:
    if handover_pass.revoked_on is not None:
        return _("This hand-over link was withdrawn on %(when)s.") % {
            "when": timezone.localtime(handover_pass.revoked_on).strftime("%Y-%m-%d %H:%M")}
    if handover_pass.expires_on <= timezone.now():
        return _("This hand-over link expired at %(when)s: ask the social worker for a new one.") % {
            "when": timezone.localtime(handover_pass.expires_on).strftime("%Y-%m-%d %H:%M")}
    if plan is not None and handover_pass.plan_id != plan.pk:
        return _("This hand-over link is for another distribution plan.")
    return None


def _pass_for(handover_pass: HandoverPass, plan: Plan) -> HandoverPass:
    """The pass as it is now (it may have been withdrawn since it was read),
    checked for ``plan``."""
    current = HandoverPass.objects.select_related("plan").get(pk=handover_pass.pk)
    problem = _pass_problem(current, plan)
    if problem:
        raise PermissionDenied(problem)
    return current


@transaction.atomic
def handover_pass_create(*, actor, plan: Plan, volunteer_name: str, hours: int = 12,
                         check: bool = True) -> tuple[HandoverPass, str]:
    """A volunteer's pass to record hand-overs of ``plan`` for ``hours``.
    Returns the pass and its secret, shown once (only a digest is kept)."""
    require_role_when(check, actor, plan.station_id, EDITORS)
    current = _lock(plan)
    if current.status in (PlanStatus.CLOSED, PlanStatus.CANCELLED):
        raise ValidationError(_("Plan “%(plan)s” is %(status)s: no more hand-overs can be recorded.")
                              % {"plan": current.name, "status": current.get_status_display()})
    name = (volunteer_name or "").strip()
    errors = {}
    if not name:
        errors["volunteer_name"] = [_("Enter the volunteer's name.")]
    if isinstance(hours, bool) or not isinstance(hours, int) or not 1 <= hours <= PASS_HOURS_MAX:
        errors["hours"] = [_("A pass is valid for 1 to %(n)s hours.") % {"n": PASS_HOURS_MAX}]
    if errors:
        raise ValidationError(errors)
    secret = secrets.token_urlsafe(32)
    handover_pass = HandoverPass(station_id=plan.station_id, plan=current, volunteer_name=name,
                                 secret_digest=pass_digest(secret),
                                 expires_on=timezone.now() + datetime.timedelta(hours=hours))
    save_with_history(handover_pass, actor=actor, exclude=["plan", "station", "secret_digest"])
    return handover_pass, secret


@transaction.atomic
def handover_pass_revoke(*, actor, handover_pass: HandoverPass, check: bool = True) -> HandoverPass:
    """Withdraw a pass at once (a lost phone, the shift is over)."""
    require_role_when(check, actor, handover_pass.station_id, EDITORS)
    current = HandoverPass.objects.select_for_update().get(pk=handover_pass.pk)
    if current.revoked_on is None:
        current.revoked_on = timezone.now()
        save_with_history(current, actor=actor, clean=False)
    handover_pass.revoked_on = current.revoked_on
    return handover_pass


def handover_pass_check(*, secret: str, plan: Plan | None = None) -> HandoverPass:
    """The pass a secret opens; ``PermissionDenied`` with a clear message if
    it is unknown, expired, withdrawn, or (with ``plan``) for another plan."""
    handover_pass = None
    if secret and len(secret) <= 100:
        handover_pass = (HandoverPass.objects.select_related("plan")
                         .filter(secret_digest=pass_digest(secret)).first())
    if handover_pass is None:
        raise PermissionDenied(_("This hand-over link is not valid."))
    problem = _pass_problem(handover_pass, plan)
    if problem:
        raise PermissionDenied(problem)
    return handover_pass


# --- surplus --------------------------------------------------------------------------------------


@transaction.atomic
def surplus_decide(*, actor, plan: Plan, lot: Lot, kind: str, quantity, to_store: Store | None = None,
                   to_station: Station | None = None, activity: str = "", reason: str = "",
                   awards: Sequence = (), check: bool = True) -> SurplusDecision:
    """Decide what happens to units a closed plan released from one of its
    lots: commend volunteers (``awards`` = [(resident or None, name,
    quantity)], summing to ``quantity``; issued), an online activity
    (issued), a transfer to another store of the station (``to_store``) or to
    another station (``to_station``, transferred out), or keep them."""
    from .selectors import surplus_for_plan

    require_role_when(check, actor, plan.station_id, EDITORS)
    current = _lock(plan)
    if current.status != PlanStatus.CLOSED:
        raise ValidationError(_("Decide on the surplus once the plan is closed."))
    errors: dict = {}
    if kind not in SurplusKind.values:
        raise ValidationError({"kind": [_("Choose what to do with the surplus.")]})
    row = next((r for r in surplus_for_plan(current) if r["lot"].pk == lot.pk), None)
    if row is None:
        raise ValidationError({"lot": [_("Choose one of the plan's lots.")]})
    quantity = _whole_number(quantity, "quantity")
    if quantity > row["left"]:
        errors["quantity"] = [_("Only %(left)s %(unit)s of lot #%(lot)s are left to decide on.")
                              % {"left": row["left"], "unit": row["lot"].item.unit, "lot": lot.pk}]
    activity, reason = (activity or "").strip(), (reason or "").strip()
    awards = list(awards)
    if kind != SurplusKind.TRANSFER and (to_store is not None or to_station is not None):
        errors["to_store"] = [_("Only a transfer goes to a store or station.")]
    if kind != SurplusKind.COMMEND and awards:
        errors["awards"] = [_("Only a commendation has awards.")]
    if kind == SurplusKind.TRANSFER:
        if (to_store is None) == (to_station is None):
            errors["to_store"] = [_("Choose another store of the station, or another station.")]
        elif to_store is not None:
            check_same_station(plan.station_id, errors, to_store=to_store)
            if to_store.pk == row["lot"].store_id:
                errors.setdefault("to_store", []).append(_("Choose another store."))
            elif to_store.archived_on is not None:
                errors.setdefault("to_store", []).append(_("This store is archived."))
        elif to_station.pk == plan.station_id or to_station.archived_on is not None:
            errors["to_station"] = [_("Choose another station that is open.")]
    if kind == SurplusKind.ONLINE and not activity:
        errors["activity"] = [_("Name the online activity and where it is announced.")]
    if kind == SurplusKind.COMMEND:
        clean_awards, total = [], 0
        for resident, name, units in awards:
            name = (name or "").strip()
            if resident is not None and (resident.station_id != plan.station_id or resident.archived_on):
                errors.setdefault("awards", []).append(_("Choose one of this station's residents."))
                continue
            if resident is None and not name:
                errors.setdefault("awards", []).append(_("Name each volunteer."))
                continue
            if len(name) > 100:
                errors.setdefault("awards", []).append(_("Keep each name under 100 characters."))
                continue
            try:
                units = _whole_number(units, "awards")
            except ValidationError as exc:
                errors.setdefault("awards", []).extend(exc.message_dict["awards"])
                continue
            clean_awards.append((resident, name, units))
            total += units
        if not awards:
            errors.setdefault("awards", []).append(_("Award the units to at least one volunteer."))
        elif "awards" not in errors and total != quantity:
            errors["awards"] = [_("The awards add up to %(total)s, not %(quantity)s.")
                                % {"total": total, "quantity": quantity}]
    if errors:
        raise ValidationError(errors)
    decision = SurplusDecision(station_id=plan.station_id, plan=current, lot=row["lot"], kind=kind,
                               quantity=quantity, to_store=to_store, to_station=to_station,
                               activity=activity[:300], reason=reason[:300])
    save_with_history(decision, actor=actor, exclude=["plan", "lot", "station", "to_store", "to_station"])
    reference = f"surplus:{decision.pk}"
    why = _plan_reason(current, decision.get_kind_display())
    if kind == SurplusKind.COMMEND:
        SurplusAward.objects.bulk_create([SurplusAward(decision=decision, resident=r, name=n, quantity=u)
                                          for r, n, u in clean_awards])
    if kind in (SurplusKind.COMMEND, SurplusKind.ONLINE):
        stock_moves_bulk(actor=actor, station=plan.station_id, check=False, moves=[
            MoveSpec(lot.pk, MoveKind.ISSUE, on_hand_delta=-quantity, reason=why, reference=reference)])
    elif kind == SurplusKind.TRANSFER and to_store is not None:
        stock_transfer(actor=actor, lot=row["lot"], to_store=to_store, quantity=quantity, reason=why,
                       reference=reference, check=False)
    elif kind == SurplusKind.TRANSFER:
        stock_moves_bulk(actor=actor, station=plan.station_id, check=False, moves=[
            MoveSpec(lot.pk, MoveKind.TRANSFER_OUT, on_hand_delta=-quantity,
                     reason=_("%(why)s: to %(station)s") % {"why": why, "station": to_station.name},
                     reference=reference)])
    return decision

