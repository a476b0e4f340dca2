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
