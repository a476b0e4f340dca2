"""Reads of donors and donations."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum

from .models import Donation, DonationKind, Donor
from .services import donation_number, is_restricted


@dataclass
class DonationFilter:
    q: str = ""                      # donor name contains
    kind: str = ""                   # in_kind / cash
    donor: Donor | None = None
    received_from: datetime.date | None = None
    received_to: datetime.date | None = None
    awaiting_feedback: bool = False


def _with_totals(qs: QuerySet[Donation]) -> QuerySet[Donation]:
    return qs.annotate(line_count=Count("lines"), total_quantity=Sum("lines__quantity"),
                       lines_value=Sum("lines__estimated_value"))


def donations_for_station(station, filters: DonationFilter | None = None) -> QuerySet[Donation]:
    """The station's donations, newest first, with donor and receiver joined
    and each one's line count, total quantity and estimated value."""
    f = filters or DonationFilter()
    qs = Donation.objects.filter(station=station).select_related("donor", "received_by")
    if f.q:
        qs = qs.filter(donor__name__icontains=f.q.strip())
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.donor is not None:
        qs = qs.filter(donor=f.donor)
    if f.received_from:
        qs = qs.filter(received_on__gte=f.received_from)
    if f.received_to:
        qs = qs.filter(received_on__lte=f.received_to)
    if f.awaiting_feedback:
        qs = qs.filter(feedback_sent_on__isnull=True)
    return _with_totals(qs).order_by("-received_on", "-number")


def donations_awaiting_feedback(station) -> QuerySet[Donation]:
    """Donations whose donor has not yet had feedback, the longest waiting first."""
    return (Donation.objects.filter(station=station, feedback_sent_on__isnull=True)
            .select_related("donor", "received_by").order_by("received_on", "number"))


def donor_history(donor: Donor) -> dict:
    """What the donor gave: their donations (each with ``line_count``,
    ``total_quantity`` and ``lines_value``) and the totals: number of
    donations, cash given and the estimated value of goods."""
    donations = list(_with_totals(Donation.objects.filter(station_id=donor.station_id, donor=donor))
                     .select_related("received_by").order_by("-received_on", "-number"))
    goods = sum((d.lines_value or Decimal("0") for d in donations), Decimal("0"))
    return {
        "donor": donor,
        "donations": donations,
        "count": len(donations),
        "cash_total": sum((d.amount for d in donations if d.kind == DonationKind.CASH), Decimal("0")),
        "goods_value_total": goods,
    }


def acknowledgement(donation: Donation) -> dict:
    """What a printable acknowledgement shows."""
    donation = (Donation.objects.select_related("donor", "received_by", "station")
                .prefetch_related("target_tags", "communities", "categories").get(pk=donation.pk))
    lines = list(donation.lines.select_related("item").order_by("id"))
    values = [line.estimated_value for line in lines if line.estimated_value is not None]
    return {
        "number": donation_number(donation),
        "station": donation.station,
        "donor": donation.donor,
        "kind": donation.kind,
        "kind_label": donation.get_kind_display(),
        "lines": [{"item": line.item, "name": line.item.name, "unit": line.item.unit, "quantity": line.quantity,
                   "expires_on": line.expires_on, "estimated_value": line.estimated_value} for line in lines],
        "goods_value": sum(values, Decimal("0")) if values else None,
        "amount": donation.amount,
        "received_on": donation.received_on,
        "received_by": donation.received_by,
        "received_by_name": (donation.received_by.get_full_name() or donation.received_by.get_username()),
        "description": donation.description,
        "restricted": is_restricted(donation),
        "target_tags": list(donation.target_tags.all()),
        "communities": list(donation.communities.all()),
        "categories": list(donation.categories.all()),
        "use_by": donation.use_by,
        "restriction_note": donation.restriction_note,
    }


# --- Pages ---------------------------------------------------------------------------
# Read-only helpers of the donor and donation pages.


def get_donor_for_user(user, pk, *, roles=None) -> Donor:
    from resourcelink.accounts.access import get_scoped_object

    return get_scoped_object(user, Donor.objects.all(), pk, roles=roles)


def get_donation_for_user(user, pk, *, roles=None) -> Donation:
    from resourcelink.accounts.access import get_scoped_object

    return get_scoped_object(user, Donation.objects.select_related("donor", "received_by", "station"), pk,
                             roles=roles)


@dataclass
class DonorFilter:
    q: str = ""          # name contains
    kind: str = ""
    archived: bool = False


def donors_for_station(station, filters: DonorFilter | None = None) -> QuerySet[Donor]:
    """The station's donors by name, each with how many donations they made
    and when the last one came."""
    from django.db.models import Max

    f = filters or DonorFilter()
    qs = Donor.objects.filter(station=station, archived_on__isnull=not f.archived)
    if f.q.strip():
        qs = qs.filter(name__icontains=f.q.strip())
    if f.kind:
        qs = qs.filter(kind=f.kind)
    return qs.annotate(donation_count=Count("donations"), last_received_on=Max("donations__received_on")) \
        .order_by("name", "id")


def donor_choices(station) -> list[tuple[int, str]]:
    """(id, name) of the station's live donors, for pickers."""
    return list(Donor.objects.filter(station=station, archived_on__isnull=True)
                .order_by("name", "id").values_list("pk", "name"))


def receivable_items(station) -> list:
    """The station's live catalogue items, by category then name."""
    from resourcelink.inventory.models import Item

    return list(Item.objects.filter(station=station, archived_on__isnull=True)
                .select_related("category").order_by("category__code", "code", "id"))


def open_stores(station) -> list:
    from resourcelink.inventory.models import Store

    return list(Store.objects.filter(station=station, archived_on__isnull=True).order_by("name", "id"))


ENTRIES_SHOWN = 50


def donation_detail(donation: Donation) -> dict:
    """What the donation page shows besides the donation itself: its lines
    with the lots they made (and their stores), its restrictions, and for
    cash the fund account the money went into with the entries that name
    this donation. A fixed number of queries, however many lines."""
    from django.db.models import Prefetch

    from resourcelink.fund.models import FundAccount, FundEntry
    from resourcelink.inventory.models import Lot

    donation = (Donation.objects.select_related("donor", "received_by", "station")
                .prefetch_related("target_tags", "categories", "communities").get(pk=donation.pk))
    lines = list(donation.lines.select_related("item")
                 .prefetch_related(Prefetch("lots", queryset=Lot.objects.select_related("store").order_by("id")))
                 .order_by("id"))
    # Money of its own account: the whole story of that account (what was
    # granted from it); money in the general fund: the entries naming it.
    account = FundAccount.objects.filter(donation=donation).first()
    entries_qs = FundEntry.objects.filter(station_id=donation.station_id).select_related("account", "entered_by")
    if account is not None:
        entries = list(entries_qs.filter(account=account).order_by("entered_on", "id")[:ENTRIES_SHOWN])
    else:
        entries = list(entries_qs.filter(donation=donation).order_by("entered_on", "id")[:ENTRIES_SHOWN])
        account = entries[0].account if entries else None
    values = [line.estimated_value for line in lines if line.estimated_value is not None]
    return {
        "donation": donation,
        "number": donation_number(donation),
        "lines": lines,
        "goods_value": sum(values, Decimal("0")) if values else None,
        "restricted": is_restricted(donation),
        "target_tags": list(donation.target_tags.all()),
        "categories": list(donation.categories.all()),
        "communities": list(donation.communities.all()),
        "account": account,
        "entries": entries,
    }
