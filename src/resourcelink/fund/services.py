"""Writes to the community charity fund.

Every movement of money is a new ``FundEntry`` (append-only: a mistake is
put right by a correction entry). The account row is locked
(``select_for_update``) while its entry is appended and its cached
``balance`` updated in the same transaction; the balance check constraint is
the backstop if a bug ever tried to drive it below zero.

Who may do what: receiving, granting and transferring money — ``EDITORS``;
corrections — station admins, with a reason. ``check=False`` skips the role
check for internal callers (``donation_receive``) and test helpers.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from resourcelink.accounts.access import require_role_when
from resourcelink.accounts.models import ADMINS, EDITORS, Station
from resourcelink.core.services import acting_user

from .models import EntryKind, FundAccount, FundEntry

CENT = Decimal("0.01")


class InsufficientFunds(ValidationError):
    """The account does not hold enough money for the entry."""

    def __init__(self, account: FundAccount, balance: Decimal, amount: Decimal, *, reserved: Decimal = Decimal(0)):
        self.account = account
        self.balance = balance
        if reserved:
            message = _("%(account)s holds %(balance)s yuan, of which %(reserved)s yuan are set aside for plans; "
                        "%(amount)s yuan cannot be paid out of it.") % {
                "account": account.name, "balance": balance, "reserved": reserved, "amount": amount}
        else:
            message = _("%(account)s holds %(balance)s yuan; %(amount)s yuan cannot be paid out of it.") % {
                "account": account.name, "balance": balance, "amount": amount}
        super().__init__({"amount": [message]}, code="insufficient_funds")


class RestrictionViolation(ValidationError):
    """The donor's restriction does not allow this use of the money."""


def _amount(value, *, field: str = "amount", allow_negative: bool = False) -> Decimal:
    try:
        amount = Decimal(str(value)) if value is not None and value != "" else None
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or not amount.is_finite():
        raise ValidationError({field: [_("Enter an amount in yuan.")]})
    if amount != amount.quantize(CENT):
        raise ValidationError({field: [_("An amount has at most two decimal places (fen).")]})
    if allow_negative:
        if amount == 0:
            raise ValidationError({field: [_("The amount cannot be zero.")]})
    elif amount <= 0:
        raise ValidationError({field: [_("The amount must be more than zero.")]})
    if abs(amount) >= Decimal("1e12"):
        raise ValidationError({field: [_("The amount is too large.")]})
    return amount.quantize(CENT)


def _locked(*accounts: FundAccount) -> dict[int, FundAccount]:
    """Lock the account rows, in id order so that two transfers in opposite
    directions cannot deadlock, and return fresh copies by id."""
    ids = sorted({a.pk for a in accounts})
    return {a.pk: a for a in FundAccount.objects.select_for_update().filter(pk__in=ids).order_by("pk")}


def _append(*, account: FundAccount, locked: FundAccount, kind: str, amount: Decimal, actor, reason: str,
            household=None, donation=None, reference: str = "", counterpart=None,
            reserved_delta: Decimal = Decimal(0)) -> FundEntry:
    """Append one entry to a locked account and move its cached balance and
    reservation; refuse anything that would break ``0 ≤ reserved ≤ balance``."""
    new_balance = locked.balance + amount
    new_reserved = locked.reserved + reserved_delta
    if new_reserved < 0:
        raise ValidationError({"amount": [_("Only %(reserved)s yuan of %(account)s are set aside; %(amount)s yuan "
                                            "cannot be released or paid from the reservation.") % {
            "reserved": locked.reserved, "account": locked.name, "amount": -reserved_delta}]},
            code="insufficient_reserved")
    if new_balance < 0 or new_reserved > new_balance:
        raise InsufficientFunds(locked, locked.balance, max(-amount, reserved_delta), reserved=locked.reserved)
    entry = FundEntry(station_id=locked.station_id, account=locked, kind=kind, amount=amount,
                      reserved_delta=reserved_delta, household=household, donation=donation,
                      reference=reference[:60], entered_by=acting_user(actor), reason=reason[:300],
                      counterpart=counterpart)
    entry.full_clean(exclude=["counterpart"])
    entry.save()
    FundAccount.objects.filter(pk=locked.pk).update(balance=new_balance, reserved=new_reserved,
                                                    updated_on=timezone.now())
    locked.balance = account.balance = new_balance
    locked.reserved = account.reserved = new_reserved
    return entry


def fund_general_account(station: Station) -> FundAccount:
    """The station's account for unrestricted money (made on first use)."""
    account = FundAccount.objects.filter(station=station, donation__isnull=True).first()
    if account is not None:
        return account
    try:
        with transaction.atomic():
            return FundAccount.objects.create(station=station, name=_("General fund"))
    except IntegrityError:  # made by a concurrent caller
        return FundAccount.objects.get(station=station, donation__isnull=True)


def fund_receive(*, actor, account: FundAccount, amount, reason: str, donation=None, reference: str = "",
                 check: bool = True) -> FundEntry:
    """Money in: a cash donation (``donation``) or other money received."""
    require_role_when(check, actor, account.station_id, EDITORS)
    amount = _amount(amount)
    if donation is not None and donation.station_id != account.station_id:
        raise ValidationError({"donation": [_("Choose one of this station's records.")]})
    with transaction.atomic():
        locked = _locked(account)[account.pk]
        return _append(account=account, locked=locked, kind=EntryKind.DONATION_IN, amount=amount, actor=actor,
                       reason=reason, donation=donation, reference=reference or (
                           f"donation:{donation.pk}" if donation is not None else ""))


def restriction_problems(account: FundAccount, household, *, on: datetime.date | None = None) -> list[str]:
    """Why money of ``account`` may not go to ``household`` (empty: it may).

    - target tags: the household must have at least one of them (on a live
      resident): a gift "for the elderly and the disabled" serves either;
    - communities: the household's community must be one of them;
    - use-by date: after it the money cannot be granted any more.
    Categories restrict which needs the money may serve; a grant to a household
    names no category, so they are checked where a plan ties money to a need.
    """
    from resourcelink.people.selectors import household_tags

    donation = account.donation
    if donation is None:
        return []
    problems = []
    on = on or timezone.localdate()
    tag_ids = set(donation.target_tags.values_list("pk", flat=True))
    if tag_ids and not (household_tags([household.pk]).get(household.pk, set()) & tag_ids):
        names = ", ".join(str(t) for t in donation.target_tags.order_by("sort_order", "id"))
        problems.append(_("The donor gave this money only for %(tags)s; no resident of this household is one.")
                        % {"tags": names})
    community_ids = set(donation.communities.values_list("pk", flat=True))
    if community_ids and household.community_id not in community_ids:
        names = ", ".join(c.name for c in donation.communities.order_by("name", "id"))
        problems.append(_("The donor gave this money only for %(communities)s; the household lives elsewhere.")
                        % {"communities": names})
    if donation.use_by is not None and on > donation.use_by:
        problems.append(_("The donor asked for this money to be used by %(date)s; that date has passed.")
                        % {"date": donation.use_by.isoformat()})
    return problems


def fund_grant(*, actor, account: FundAccount, household, amount, reason: str, reference: str = "",
               from_reserved: bool = False, check: bool = True) -> FundEntry:
    """Money out to a household: from the reservation (a plan's hand-over,
    ``from_reserved``) or from the money still available. Refused with
    ``RestrictionViolation`` when the account's donor restriction excludes the
    household (see ``restriction_problems``) and with ``InsufficientFunds``
    when the available money (or the reservation) would go below zero; nothing
    is written then."""
    require_role_when(check, actor, account.station_id, EDITORS)
    amount = _amount(amount)
    if household.station_id != account.station_id:
        raise ValidationError({"household": [_("Choose one of this station's records.")]})
    if household.archived_on is not None:
        raise ValidationError({"household": [_("This household is archived; money cannot be granted to it.")]})
    problems = restriction_problems(account, household)
    if problems:
        raise RestrictionViolation({"household": problems}, code="restriction")
    with transaction.atomic():
        locked = _locked(account)[account.pk]
        return _append(account=account, locked=locked, kind=EntryKind.GRANT_OUT, amount=-amount, actor=actor,
                       reason=reason, household=household, reference=reference,
                       reserved_delta=-amount if from_reserved else Decimal(0))


def fund_reserve(*, actor, account: FundAccount, amount, reason: str = "", reference: str = "",
                 check: bool = True) -> FundEntry:
    """Set money aside (for an approved plan): it stays in the account but is
    no longer available for other grants, transfers or corrections."""
    require_role_when(check, actor, account.station_id, EDITORS)
    amount = _amount(amount)
    with transaction.atomic():
        locked = _locked(account)[account.pk]
        return _append(account=account, locked=locked, kind=EntryKind.RESERVE, amount=Decimal(0), actor=actor,
                       reason=reason, reference=reference, reserved_delta=amount)


def fund_release(*, actor, account: FundAccount, amount, reason: str = "", reference: str = "",
                 check: bool = True) -> FundEntry:
    """Give reserved money back to what is available."""
    require_role_when(check, actor, account.station_id, EDITORS)
    amount = _amount(amount)
    with transaction.atomic():
        locked = _locked(account)[account.pk]
        return _append(account=account, locked=locked, kind=EntryKind.RELEASE, amount=Decimal(0), actor=actor,
                       reason=reason, reference=reference, reserved_delta=-amount)


def transfer_problems(from_account: FundAccount, to_account: FundAccount) -> list[str]:
    """Why money may not move between the two accounts (empty: it may).

    Decision: unrestricted money (the general account) may go to any account
    of the station — giving it a restriction only narrows its use. Restricted
    money may only go to an account whose restriction is the same or stricter
    in every respect, so the donor's wishes still hold: each restriction the
    source sets must be set on the target too, with target tags and
    communities a subset of the source's, categories a subset, and a use-by
    date no later. Restricted money never goes back to the general account.
    """
    source, target = from_account.donation, to_account.donation
    if source is None:
        return []
    if target is None:
        return [_("Money the donor restricted cannot go to the general account.")]
    problems = []
    for field, label in (("target_tags", _("target groups")), ("communities", _("communities")),
                         ("categories", _("categories"))):
        mine = set(getattr(source, field).values_list("pk", flat=True))
        theirs = set(getattr(target, field).values_list("pk", flat=True))
        if mine and not (theirs and theirs <= mine):
            problems.append(_("The receiving account must be restricted to the same %(what)s or fewer.")
                            % {"what": label})
    if source.use_by is not None and (target.use_by is None or target.use_by > source.use_by):
        problems.append(_("The receiving account must be used by %(date)s or earlier.")
                        % {"date": source.use_by.isoformat()})
    return problems


def fund_transfer(*, actor, from_account: FundAccount, to_account: FundAccount, amount, reason: str,
                  check: bool = True) -> tuple[FundEntry, FundEntry]:
    """Move money between two accounts of the station: a transfer-out and a
    transfer-in entry paired by ``counterpart``. See ``transfer_problems`` for
    which transfers are allowed."""
    require_role_when(check, actor, from_account.station_id, EDITORS)
    amount = _amount(amount)
    if from_account.pk == to_account.pk:
        raise ValidationError({"to_account": [_("Choose a different account to transfer to.")]})
    if to_account.station_id != from_account.station_id:
        raise ValidationError({"to_account": [_("Choose one of this station's records.")]})
    problems = transfer_problems(from_account, to_account)
    if problems:
        raise RestrictionViolation({"to_account": problems}, code="restriction")
    with transaction.atomic():
        locked = _locked(from_account, to_account)
        out = _append(account=from_account, locked=locked[from_account.pk], kind=EntryKind.TRANSFER_OUT,
                      amount=-amount, actor=actor, reason=reason, reference=f"fund_account:{to_account.pk}")
        into = _append(account=to_account, locked=locked[to_account.pk], kind=EntryKind.TRANSFER_IN,
                       amount=amount, actor=actor, reason=reason, reference=f"fund_account:{from_account.pk}",
                       counterpart=out)
        FundEntry.objects.filter(pk=out.pk).update(counterpart=into)
        out.counterpart = into
        return out, into


def fund_correct(*, actor, account: FundAccount, amount, reason: str, check: bool = True) -> FundEntry:
    """A correction entry (positive or negative), by a station admin with a
    reason. It cannot take the balance below zero."""
    require_role_when(check, actor, account.station_id, ADMINS)
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Say why the fund is corrected.")]})
    amount = _amount(amount, allow_negative=True)
    with transaction.atomic():
        locked = _locked(account)[account.pk]
        return _append(account=account, locked=locked, kind=EntryKind.CORRECTION, amount=amount, actor=actor,
                       reason=reason.strip())


class EntrySpec(NamedTuple):
    """One entry for ``fund_entries_bulk``."""

    account_id: int
    kind: str
    amount: Decimal = Decimal(0)
    reserved_delta: Decimal = Decimal(0)
    household_id: int | None = None
    reason: str = ""
    reference: str = ""


BULK_KINDS = (EntryKind.RESERVE, EntryKind.RELEASE, EntryKind.GRANT_OUT)


def fund_entries_bulk(*, actor, station: Station | int, entries: Sequence[EntrySpec],
                      check: bool = True) -> list[FundEntry]:
    """Append many reserve, release and grant entries at once (a plan's
    approval, bulk hand-overs, closing), all or nothing.

    Every account concerned is locked once (in id order) and each entry is
    checked in turn as ``_append`` checks one (``0 ≤ reserved ≤ balance``
    after every entry); the first that would break it raises
    ``InsufficientFunds`` (or the "not enough reserved" error) and nothing is
    written. Otherwise the entries are written with one ``bulk_create`` and
    each account's cache updated once. Donor restrictions are not checked
    here: the caller (a plan, whose generation applied them) has. Returns the
    entries in the order given."""
    station_id = station if isinstance(station, int) else station.pk
    require_role_when(check, actor, station_id, EDITORS)
    if not entries:
        return []
    with transaction.atomic():
        locked = {a.pk: a for a in FundAccount.objects.select_for_update()
                  .filter(pk__in={e.account_id for e in entries}).order_by("pk")}
        figures = {pk: [a.balance, a.reserved] for pk, a in locked.items()}
        by = acting_user(actor)
        rows = []
        for e in entries:
            account = locked.get(e.account_id)
            if account is None or account.station_id != station_id:
                raise ValidationError({"account": [_("Choose one of this station's records.")]})
            amount, reserved_delta = Decimal(e.amount).quantize(CENT), Decimal(e.reserved_delta).quantize(CENT)
            if e.kind not in BULK_KINDS or (amount == 0 and reserved_delta == 0):
                raise ValueError(f"fund_entries_bulk: unexpected entry {e!r}")
            current = figures[e.account_id]
            balance, reserved = current[0] + amount, current[1] + reserved_delta
            if reserved < 0:
                raise ValidationError({"amount": [_("Only %(reserved)s yuan of %(account)s are set aside; "
                                                    "%(amount)s yuan cannot be released or paid from the "
                                                    "reservation.") % {
                    "reserved": current[1], "account": account.name, "amount": -reserved_delta}]},
                    code="insufficient_reserved")
            if balance < 0 or reserved > balance:
                raise InsufficientFunds(account, current[0], max(-amount, reserved_delta), reserved=current[1])
            current[0], current[1] = balance, reserved
            rows.append(FundEntry(station_id=station_id, account_id=e.account_id, kind=e.kind, amount=amount,
                                  reserved_delta=reserved_delta, household_id=e.household_id,
                                  reference=(e.reference or "")[:60], entered_by=by, reason=(e.reason or "")[:300]))
        created = FundEntry.objects.bulk_create(rows, batch_size=1000)
        now = timezone.now()
        for pk, (balance, reserved) in figures.items():
            account = locked[pk]
            if (balance, reserved) != (account.balance, account.reserved):
                FundAccount.objects.filter(pk=pk).update(balance=balance, reserved=reserved, updated_on=now)
        return created
