"""Spreadsheet import and export of resources, households, residents and
needs. Thin: the work is in resource_io and people_io; these views check who
may do it and show the outcome."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language

from resourcelink.accounts.access import require_member, require_role
from resourcelink.accounts.models import ADMINS, EDITORS, Role
from resourcelink.directory.forms import resource_filter_from_request

from . import people_export as people_export_io
from . import people_io, resource_io
from .forms import PeopleExportForm, PeopleImportForm, ResourceImportForm
from .spreadsheets import XLSX_CONTENT_TYPE


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def resource_import(request):
    station = request.station
    if not station:
        return redirect("core:home")
    require_role(request.user, station, EDITORS)
    result = None
    if request.method == "POST":
        form = ResourceImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            result = resource_io.resources_import(
                actor=request.user, station=station, file=upload, filename=upload.name,
                dry_run=form.cleaned_data["dry_run"],
            )
            if result.ok and not result.dry_run:
                form = ResourceImportForm()
    else:
        form = ResourceImportForm()
    return render(request, "interop/resource_import.html", {"form": form, "result": result})


@login_required
def resource_template(request):
    station = request.station
    if not station:
        return redirect("core:home")
    require_member(request.user, station)
    lang = resource_io.active_lang()
    content = resource_io.resource_template(station=station, lang=lang)
    return _download(content, XLSX_CONTENT_TYPE, f"resources-template-{get_language()}.xlsx")


@login_required
def resource_export(request):
    station = request.station
    if not station:
        return redirect("core:home")
    require_member(request.user, station)
    fmt = request.GET.get("format", "xlsx")
    form, filters = resource_filter_from_request(request, station)
    if filters is None or fmt not in ("xlsx", "csv"):
        return render(request, "interop/export_invalid.html", {"form": form, "bad_format": fmt not in ("xlsx", "csv")},
                      status=400)
    # Phones stay masked in every web export: a file leaves the system and a
    # showing could not be logged per number. Re-importing keeps real numbers.
    export = resource_io.resources_export(station=station, filters=filters, fmt=fmt, reveal_phones=False)
    return _download(export.content, export.content_type, export.filename)


# --- households, residents and needs ---------------------------------------------


@login_required
def people_import(request):
    station = request.station
    if not station:
        return redirect("core:home")
    require_role(request.user, station, EDITORS)
    result = None
    if request.method == "POST":
        form = PeopleImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            result = people_io.people_import(
                actor=request.user, station=station, file=upload, filename=upload.name,
                dry_run=form.cleaned_data["dry_run"], confirm_duplicates=form.cleaned_data["confirm_duplicates"],
            )
            if result.ok and not result.dry_run:
                form = PeopleImportForm()
    else:
        form = PeopleImportForm()
    return render(request, "interop/people_import.html", {"form": form, "result": result})


@login_required
def people_template(request):
    station = request.station
    if not station:
        return redirect("core:home")
    require_member(request.user, station)
    content = people_export_io.people_template(station=station, lang=people_export_io.active_lang())
    return _download(content, XLSX_CONTENT_TYPE, f"people-template-{get_language()}.xlsx")


@login_required
def people_export(request):
    """GET with ``format``: a masked file. POST: the same, or with personal
    data in full for an admin who gives a reason (logged)."""
    station = request.station
    if not station:
        return redirect("core:home")
    role = require_member(request.user, station)
    viewer = role == Role.VIEWER
    if request.method == "POST":
        form = PeopleExportForm(request.POST, viewer=viewer)
        if request.POST.get("personal"):
            require_role(request.user, station, ADMINS)
    elif "format" in request.GET:
        form = PeopleExportForm(request.GET, viewer=viewer)
    else:
        return render(request, "interop/people_export.html", {"form": PeopleExportForm(viewer=viewer)})
    if not form.is_valid():
        if viewer and form.data.get("sheet") not in (None, "needs"):
            require_role(request.user, station, EDITORS)  # 403, as for any other refusal
        return render(request, "interop/people_export.html", {"form": form}, status=400)
    personal = bool(form.cleaned_data.get("personal")) and request.method == "POST"
    export = people_export_io.people_export(
        actor=request.user, station=station, sheets=form.sheets(), fmt=form.cleaned_data["format"],
        personal=personal, reason=form.cleaned_data.get("reason", ""),
    )
    return _download(export.content, export.content_type, export.filename)
