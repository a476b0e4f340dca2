"""Writes for donors and donations.

Every function is keyword-only, runs in a transaction, checks the actor's
role (``EDITORS``: admins, social workers and coordinators), validates and
writes history. ``check=False`` skips the role check for set-up code and
test helpers (``donations/testing.py``); the web and API never pass it.

Receiving a donation does everything in one transaction: the station's next
running number, the donor's restrictions, and then either one lot per line
in the chosen store (in kind, through ``inventory.services.lot_receive``) or
an entry in the charity fund (cash): into the station's general account when
the donor set no restriction, otherwise into a new account of its own that
carries the restrictions.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from resourcelink.accounts.access import require_role_when
from resourcelink.accounts.models import EDITORS, Station
from resourcelink.core.services import check_same_station, refuse_unknown_fields, save_with_history

from .models import Donation, DonationKind, DonationLine, Donor

WRITERS = EDITORS
DONOR_FIELDS = ("kind", "name", "contact_name", "phone", "email", "address", "may_be_named", "notes")


class LineSpec(NamedTuple):
    """One line of an in-kind donation, as given to ``donation_receive``."""

    item: Any
    quantity: int
    expires_on: datetime.date | None = None
    estimated_value: Decimal | None = None


# --- Donors --------------------------------------------------------------------------


@transaction.atomic
def donor_create(*, actor, station: Station, check: bool = True, **fields) -> Donor:
    require_role_when(check, actor, station, WRITERS)
    refuse_unknown_fields(fields, DONOR_FIELDS, "donor")
    donor = Donor(station=station, **fields)
    return save_with_history(donor, actor=actor, reason=_("Donor added"))


@transaction.atomic
def donor_update(*, actor, donor: Donor, reason: str = "", check: bool = True, **fields) -> Donor:
    require_role_when(check, actor, donor.station_id, WRITERS)
    refuse_unknown_fields(fields, DONOR_FIELDS, "donor")
    donor = Donor.objects.select_for_update().get(pk=donor.pk)
    for name, value in fields.items():
        setattr(donor, name, value)
    return save_with_history(donor, actor=actor, reason=reason or _("Donor changed"))


@transaction.atomic
def donor_archive(*, actor, donor: Donor, reason: str = "", check: bool = True) -> Donor:
    """Archive a donor: kept with their donations, offered no more for new ones."""
    require_role_when(check, actor, donor.station_id, WRITERS)
    donor = Donor.objects.select_for_update().get(pk=donor.pk)
    if donor.archived_on is None:
        donor.archived_on = timezone.now()
        save_with_history(donor, actor=actor, reason=reason or _("Donor archived"))
    return donor


# --- Donations -----------------------------------------------------------------------


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        result = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal("NaN")
    return result


def _validate_lines(station_id: int, lines: Sequence, errors: dict) -> None:
    messages = []
    for n, line in enumerate(lines, start=1):
        item = line.item
        if item is None:
            messages.append(_("line %(n)s: choose an item") % {"n": n})
        elif item.station_id != station_id:
            messages.append(_("line %(n)s: choose one of this station's items") % {"n": n})
        elif item.archived_on is not None:
            messages.append(_("line %(n)s: the item %(item)s is archived") % {"n": n, "item": item})
        quantity = line.quantity
        if isinstance(quantity, bool) or not isinstance(quantity, int):
            try:
                quantity = int(str(quantity))
            except (TypeError, ValueError):
                quantity = None
        if quantity is None:
            messages.append(_("line %(n)s: enter a whole number as the quantity") % {"n": n})
        elif quantity < 1:
            messages.append(_("line %(n)s: quantity must be at least 1") % {"n": n})
        elif quantity > 2_000_000_000:
            messages.append(_("line %(n)s: the quantity is too large") % {"n": n})
        value = _decimal(line.estimated_value)
        if value is not None and (not value.is_finite() or value < 0 or value >= Decimal("1e12")):
            messages.append(_("line %(n)s: the estimated value must be an amount of zero or more")
                            % {"n": n})
        if line.expires_on is not None and not isinstance(line.expires_on, datetime.date):
            messages.append(_("line %(n)s: enter the expiry as a date") % {"n": n})
    if messages:
        errors.setdefault("lines", []).extend(messages)


def _next_number(station: Station) -> int:
    """The station's next running number. The station row is locked first, so
    two donations received at once queue here instead of taking one number
    (the unique constraint is the backstop)."""
    Station.objects.select_for_update().filter(pk=station.pk).first()
    current = Donation.objects.filter(station=station).aggregate(m=Max("number"))["m"]
    return (current or 0) + 1


@transaction.atomic
def donation_receive(*, actor, station: Station, donor: Donor, kind: str, received_on: datetime.date,
                     lines: Sequence[LineSpec] = (), store=None, amount=None, target_tags=(), categories=(),
                     communities=(), use_by: datetime.date | None = None, restriction_note: str = "",
                     description: str = "", check: bool = True) -> Donation:
    """Record a donation and put what came in where it belongs (see the module
    docstring). Every problem is reported at once, per field; line problems
    under ``lines``, by line number ("line 2: quantity must be at least 1")."""
    require_role_when(check, actor, station, WRITERS)
    target_tags, categories, communities = list(target_tags), list(categories), list(communities)
    lines = [line if isinstance(line, LineSpec) else LineSpec(*line) for line in lines]
    errors: dict[str, list] = {}
    if kind not in DonationKind.values:
        errors["kind"] = [_("Choose in kind or cash.")]
    if donor is None:
        errors["donor"] = [_("Choose the donor.")]
    elif donor.station_id != station.pk:
        errors["donor"] = [_("Choose one of this station's records.")]
    elif donor.archived_on is not None:
        errors["donor"] = [_("This donor is archived.")]
    if not isinstance(received_on, datetime.date):
        errors["received_on"] = [_("Enter the date the donation was received.")]
    elif received_on > timezone.localdate():
        errors["received_on"] = [_("The date received cannot be in the future.")]
    if use_by is not None and isinstance(received_on, datetime.date) and use_by < received_on:
        errors["use_by"] = [_("The use-by date cannot be before the date received.")]
    check_same_station(station.pk, errors, target_tags=target_tags, categories=categories,
                       communities=communities)
    money = None
    if kind == DonationKind.IN_KIND:
        if not lines:
            errors["lines"] = [_("An in-kind donation needs at least one line.")]
        _validate_lines(station.pk, lines, errors)
        if store is None:
            errors["store"] = [_("Choose the store the goods go into.")]
        elif store.station_id != station.pk:
            errors["store"] = [_("Choose one of this station's records.")]
        elif store.archived_on is not None:
            errors["store"] = [_("This store is archived.")]
        if amount not in (None, ""):
            errors["amount"] = [_("An in-kind donation has no amount; give each line's estimated value.")]
    elif kind == DonationKind.CASH:
        if lines:
            errors["lines"] = [_("A cash donation has no lines.")]
        money = _decimal(amount)
        if money is None:
            errors["amount"] = [_("Enter the amount in yuan.")]
        elif not money.is_finite() or money <= 0:
            errors["amount"] = [_("The amount must be more than zero.")]
        elif money != money.quantize(Decimal("0.01")):
            errors["amount"] = [_("An amount has at most two decimal places (fen).")]
        elif money >= Decimal("1e12"):
            errors["amount"] = [_("The amount is too large.")]
    if errors:
        raise ValidationError(errors)

    donation = Donation(station=station, number=_next_number(station), donor=donor, kind=kind, amount=money,
                        received_on=received_on, received_by=actor, description=description, use_by=use_by,
                        restriction_note=restriction_note, report_token=secrets.token_urlsafe(32))
    save_with_history(donation, actor=actor, reason=_("Donation received"))
    if target_tags:
        donation.target_tags.set(target_tags)
    if categories:
        donation.categories.set(categories)
    if communities:
        donation.communities.set(communities)

    if kind == DonationKind.IN_KIND:
        from resourcelink.inventory.services import lot_receive

        for spec in lines:
            value = _decimal(spec.estimated_value)
            line = DonationLine(donation=donation, item=spec.item, quantity=int(str(spec.quantity)),
                                expires_on=spec.expires_on, estimated_value=value)
            line.full_clean()
            line.save()
            unit_value = (value / line.quantity).quantize(Decimal("0.01")) if value is not None else None
            lot_receive(actor=actor, store=store, item=line.item, quantity=line.quantity,
                        expires_on=line.expires_on, unit_value=unit_value, donation_line=line,
                        reason=_("Donation %(number)s") % {"number": donation_number(donation)},
                        reference=f"donation_line:{line.pk}", check=False)
    else:
        from resourcelink.fund.models import FundAccount
        from resourcelink.fund.services import fund_general_account, fund_receive

        if use_by or target_tags or categories or communities:  # is_restricted, known here
            account = FundAccount(station=station, donation=donation,
                                  name=_("Donation %(number)s from %(donor)s")
                                  % {"number": donation_number(donation), "donor": donor.name})
            save_with_history(account, actor=actor, reason=_("Restricted cash donation"))
        else:
            account = fund_general_account(station)
        fund_receive(actor=actor, account=account, amount=money, donation=donation,
                     reason=_("Donation %(number)s") % {"number": donation_number(donation)}, check=False)
    return donation


def is_restricted(donation: Donation) -> bool:
    """Whether the donor set any restriction on the gift."""
    # .all(), not .exists(): a prefetched donation answers without a query.
    return bool(donation.use_by or donation.target_tags.all() or donation.categories.all()
                or donation.communities.all())


def donation_number(donation: Donation) -> str:
    """The acknowledgement number, like JZ-2026-0001 (捐赠, year received,
    the station's running number)."""
    return f"JZ-{donation.received_on.year}-{donation.number:04d}"


@transaction.atomic
def donation_feedback_record(*, actor, donation: Donation, sent_on: datetime.date, check: bool = True) -> Donation:
    """Record the date the donor was given feedback on their gift."""
    require_role_when(check, actor, donation.station_id, WRITERS)
    errors = {}
    if not isinstance(sent_on, datetime.date):
        errors["sent_on"] = [_("Enter the date the feedback was sent.")]
    elif sent_on > timezone.localdate():
        errors["sent_on"] = [_("The date cannot be in the future.")]
    elif sent_on < donation.received_on:
        errors["sent_on"] = [_("Feedback cannot be sent before the donation was received (%(date)s).")
                             % {"date": donation.received_on.isoformat()}]
    if errors:
        raise ValidationError(errors)
    donation = Donation.objects.select_for_update().get(pk=donation.pk)
    donation.feedback_sent_on = sent_on
    return save_with_history(donation, actor=actor, reason=_("Feedback sent to the donor"))
