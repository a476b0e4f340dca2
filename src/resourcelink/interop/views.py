"""Spreadsheet import and export of resources. Thin: the work is in
resource_io; these views check who may do it and show the outcome."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language

from resourcelink.accounts.access import require_member, require_role
from resourcelink.accounts.models import EDITORS
from resourcelink.directory.forms import resource_filter_from_request

from . import resource_io
from .forms import ResourceImportForm
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
