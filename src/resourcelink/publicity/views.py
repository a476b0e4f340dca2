"""Pages anyone may open, without an account: the report on one donation
(by its unguessable link) and a station's public disclosure page.

They show aggregates only (see ``selectors``): no resident, household,
hand-over note or collector ever reaches these templates. Staff-only links
(to the donation page and the like) are not on them either.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from resourcelink.accounts.models import Station

from . import selectors

# The report is for the donor and whoever they share the link with, not for
# search engines.
NOINDEX = "noindex, nofollow, noarchive"


@require_GET
def donor_report(request, token: str):
    donation = selectors.donation_by_report_token(token)
    if donation is None:
        raise Http404
    response = render(request, "publicity/donor_report.html",
                      {"r": selectors.donor_report(donation), "noindex": NOINDEX})
    response["X-Robots-Tag"] = NOINDEX
    return response


@require_GET
def station_disclosure(request, slug: str):
    station = get_object_or_404(Station, slug=slug, archived_on__isnull=True)
    data = selectors.station_disclosure(station, donations_page=request.GET.get("page"),
                                        plans_page=request.GET.get("plans"))
    return render(request, "publicity/station_disclosure.html", {"d": data})
