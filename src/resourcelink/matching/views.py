"""Pages of matching: suggestions on a need's page (an htmx partial),
allocation runs (list, new, detail with accept/discard) and the gap report.

Who sees what: every member of the station may read suggestions, runs and
the gap report (the report is counts only). Run pages show a need's
category, quantity and urgency, and, to editors only, the household's masked
name and vulnerabilities; viewers see neither. Only editors create, accept
or discard runs (403 for viewers); other stations' records are 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from resourcelink.accounts.access import can, get_scoped_object, require_role
from resourcelink.accounts.models import EDITORS
from resourcelink.accounts.views import form_errors_from
from resourcelink.core.decorators import station_view

from . import selectors, services
from .forms import AllocationRunForm, GapFilterForm
from .models import AllocationRun


@login_required
@require_GET
def suggestions(request, pk: int):
    from resourcelink.needs.models import Need

    need = get_scoped_object(request.user, Need.objects.select_related("category", "household"), pk)
    rows = selectors.suggestions_for_need(need, limit=10)
    return render(request, "matching/suggestions_rows.html", {
        "need": need, "rows": rows, "can_link": can(request.user, need.station_id, EDITORS),
    })


@station_view
@require_GET
def run_list(request):
    from django.conf import settings
    from django.core.paginator import Paginator

    station = request.station
    page_obj = Paginator(selectors.runs_for_station(station), settings.RL_PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "matching/run_list.html", {
        "page_obj": page_obj, "can_edit": can(request.user, station, EDITORS),
    })


@station_view
def run_create(request):
    station = request.station
    require_role(request.user, station, EDITORS)
    form = AllocationRunForm(request.POST or None, station=station)
    if request.method == "POST" and form.is_valid():
        try:
            run = services.allocation_run_create(actor=request.user, station=station,
                                                 parameters=form.parameters())
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("The draft allocation is ready: check it, then accept it."))
            return redirect("matching:run_detail", run.pk)
    return render(request, "matching/run_form.html", {"form": form})


@login_required
@require_GET
def run_detail(request, pk: int):
    run = selectors.get_run_for_user(request.user, pk)
    personal = can(request.user, run.station_id, EDITORS)
    lines = selectors.run_lines(run, request.GET.get("page"), personal=personal)
    unmet = selectors.run_unmet(run, request.GET.get("unmet_page"), personal=personal)
    return render(request, "matching/run_detail.html", {
        "run": run, "lines": lines, "unmet": unmet, "personal": personal,
        "unmet_by_reason": selectors.run_unmet_by_reason(run),
        "can_decide": personal and run.status == AllocationRun.Status.DRAFT,
        "gain": _gain(run),
    })


def _gain(run: AllocationRun) -> float | None:
    """How much better the optimum is than the greedy pass, in per cent."""
    if run.greedy_objective in (None, 0):
        return None
    return round((run.objective - run.greedy_objective) / abs(run.greedy_objective) * 100, 1)


@login_required
@require_POST
def run_accept(request, pk: int):
    run = selectors.get_run_for_user(request.user, pk, roles=EDITORS)
    line_ids = None
    if request.POST.get("all") != "1":
        try:
            line_ids = [int(v) for v in request.POST.getlist("line")]
        except ValueError:
            line_ids = []
    try:
        links = services.allocation_run_accept(actor=request.user, run=run, line_ids=line_ids)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("%(n)s links were made.") % {"n": len(links)})
    return redirect("matching:run_detail", run.pk)


@login_required
@require_POST
def run_discard(request, pk: int):
    run = selectors.get_run_for_user(request.user, pk, roles=EDITORS)
    try:
        services.allocation_run_discard(actor=request.user, run=run, reason=request.POST.get("reason", "")[:300])
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The draft was discarded."))
    return redirect("matching:run_detail", run.pk)


@station_view
@require_GET
def gap_report(request):
    station = request.station
    form = GapFilterForm(request.GET or None, station=station)
    report = None
    if not request.GET or form.is_valid():
        filters = form.to_filter() if form.is_bound else None
        report = selectors.gap_report(station, filters)
        fmt = request.GET.get("format")
        if fmt in ("xlsx", "csv"):
            return _gap_export(report, fmt, station)
    return render(request, "matching/gap_report.html", {"form": form, "report": report})


def _gap_export(report: dict, fmt: str, station) -> HttpResponse:
    from resourcelink.interop.spreadsheets import SheetData, write_csv, write_xlsx

    header = [_("Category"), _("Community"), _("Grid"), _("Quantity still wanted"), _("Needs")]
    rows = [[r["category"], r["community"], r["grid"], r["quantity"], r["needs"]] for r in report["rows"]]
    name = f"gaps-{station.slug}-{timezone.localdate().isoformat()}.{fmt}"
    if fmt == "csv":
        response = HttpResponse(write_csv(header, rows), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            write_xlsx([SheetData(title=_("Gaps"), header=header, rows=rows, widths={0: 30, 1: 20, 2: 20})]),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
