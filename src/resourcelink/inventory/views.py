"""The store room's pages: the stock page, lots and their ledger, the station
ledger, stocktakes, stores and the item catalogue, its import and the stock
exports.

Thin views: forms parse, selectors read, services write. Outsiders get 404
(``get_scoped_object``), viewers read everything and get 403 on every write.
Stock figures come from the lots' cached on-hand and reserved figures, never
from summing the moves, and the ledger is read by id ranges, so the pages
cost the same with a million moves. A move's reason is free text that may
name a resident: it is shown to editors only.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from resourcelink.accounts.access import can, require_member, require_role
from resourcelink.accounts.models import ADMINS, EDITORS
from resourcelink.accounts.views import form_errors_from
from resourcelink.core.decorators import station_view
from resourcelink.core.history import history_for

from . import io, selectors, services
from .forms import (
    AdjustForm,
    ArchiveForm,
    ItemFilterForm,
    ItemForm,
    ItemImportForm,
    LedgerFilterForm,
    LotFilterForm,
    QuantityReasonForm,
    ReasonForm,
    ReturnForm,
    StockFilterForm,
    StocktakeCountForm,
    StocktakeFilterForm,
    StocktakeOpenForm,
    StoreForm,
    TransferForm,
)
from .selectors import EXPIRY_WARNING_DAYS


def _roles(user, station_id) -> dict:
    return {"can_move": can(user, station_id, EDITORS), "is_admin": can(user, station_id, ADMINS)}


def _download(export: io.ExportFile) -> FileResponse:
    return FileResponse(export.file, as_attachment=True, filename=export.filename, content_type=export.content_type)


def _url_or_empty(name: str, *args) -> str:
    """The URL, or "" while that page does not exist (another app's page
    this one links to when it is there)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _page(request, rows):
    return Paginator(rows, settings.RL_PAGE_SIZE).get_page(request.GET.get("page"))


def _int_param(value) -> int | None:
    return int(value) if isinstance(value, str) and value.isdigit() else None


def _label_moves(moves, *, counterparts: bool = False):
    """The lot link and the user's name of each move, made once per page."""
    lot_url = reverse("inventory:lot_detail", args=[0]).replace("/0/", "/{}/")
    system = _("system")
    for move in moves:
        move.lot_url = lot_url.format(move.lot_id)
        user = move.moved_by
        move.by = (user.get_full_name() or user.username) if user else system
        move.counterpart_url = lot_url.format(move.counterpart.lot_id) if counterparts and move.counterpart_id \
            else ""
    return moves


def _label_lots(lots):
    lot_url = reverse("inventory:lot_detail", args=[0]).replace("/0/", "/{}/")
    for lot in lots:
        lot.url = lot_url.format(lot.pk)
    return lots


# --- the stock page -------------------------------------------------------------------------------


def _stock_context(request, station, form, *, store=None, item=None) -> dict:
    """The stock table (items with their per-store rows, paginated by item)
    and the expiry warnings, for the stock page and a store's page."""
    context = {"form": form, "page_obj": None, "warn_days": EXPIRY_WARNING_DAYS, "expiry": ""}
    if form is not None and not form.is_valid():
        return context
    kwargs = form.summary_kwargs() if form is not None else {}
    if store is not None:
        kwargs["store"] = store
    if item is not None:
        kwargs["item"] = item
    rows = selectors.stock_summary(station, **kwargs)
    expiry = form.cleaned_data.get("expiry", "") if form is not None else ""
    page_obj = _page(request, selectors.stock_with_expiry(rows, expiry))
    _label_stock_rows(page_obj)
    context.update({
        "n_expired": sum(1 for r in rows if r.expired),
        "n_expiring": sum(1 for r in rows if r.expiring),
        "page_obj": page_obj,
        "expiry": expiry,
    })
    return context


def _label_stock_rows(page_obj) -> None:
    """Links, badges and texts of the page's stock rows, made here once: a
    page of a hundred item-and-store rows rendered through per-row template
    tags (url, include, blocktrans, date) took most of the page's time."""
    item_url = reverse("inventory:item_detail", args=[0]).replace("/0/", "/{}/")
    lots_url = reverse("inventory:lot_list") + "?item={}&store={}"

    def label(row, store_pk=None) -> None:
        row.url = item_url.format(row.item.pk)
        row.lots_url = lots_url.format(row.item.pk, store_pk) if store_pk else ""
        row.nearest_text = row.nearest_expiry.isoformat() if row.nearest_expiry else "—"
        row.value_text = f"{row.value:.2f}" if row.value is not None else "—"
        row.css = "expired" if row.expired else "expiring" if row.expiring else ""
        row.badges = ([("danger", _("%(n)s expired") % {"n": row.expired})] if row.expired else []) + (
            [("warn", _("%(n)s expiring soon") % {"n": row.expiring})] if row.expiring else [])

    for row in page_obj:
        label(row)
        row.n_stores = ngettext("%(n)s store", "%(n)s stores", len(row.stores)) % {"n": len(row.stores)}
        for line in row.stores:
            line.item = row.item
            label(line, line.store.pk)


@station_view
@require_GET
def stock(request):
    station = request.station
    form = StockFilterForm(request.GET, station=station)
    context = _stock_context(request, station, form)
    if request.htmx:
        return render(request, "inventory/stock_rows.html", context)
    return render(request, "inventory/stock.html", context)


@station_view
@require_GET
def stock_export(request):
    """The stock report workbook, filtered as the stock page. Any member:
    it holds no personal data."""
    station = request.station
    form = StockFilterForm(request.GET, station=station)
    if not form.is_valid():
        return render(request, "inventory/stock.html", _stock_context(request, station, form), status=400)
    export = io.stock_report(station=station, summary_kwargs=form.summary_kwargs(),
                             expiry=form.cleaned_data.get("expiry") or "")
    return _download(export)


# --- lots -----------------------------------------------------------------------------------------


@station_view
@require_GET
def lot_list(request):
    station = request.station
    form = LotFilterForm(request.GET, station=station)
    page_obj = None
    if form.is_valid():
        page_obj = _page(request, selectors.lots_filtered(station, **form.lots_kwargs()))
        _label_lots(page_obj)
    return render(request, "inventory/lot_list.html", {"form": form, "page_obj": page_obj,
                                                       "warn_days": EXPIRY_WARNING_DAYS})


LOT_ACTIONS = ("transfer", "adjust", "write_off", "issue", "return")


def _lot_forms(lot, user, bound: dict | None = None) -> dict:
    """The action forms the user may use on this lot, unbound unless given."""
    bound = bound or {}
    forms = {}
    if can(user, lot.station_id, EDITORS):
        forms["transfer"] = bound.get("transfer") or TransferForm(lot=lot, auto_id="transfer_%s")
        forms["issue"] = bound.get("issue") or QuantityReasonForm(auto_id="issue_%s")
        forms["return"] = bound.get("return") or ReturnForm(auto_id="return_%s")
        forms["write_off"] = bound.get("write_off") or QuantityReasonForm(auto_id="write_off_%s")
    if can(user, lot.station_id, ADMINS):
        forms["adjust"] = bound.get("adjust") or AdjustForm(auto_id="adjust_%s")
    return forms


def _lot_context(request, lot, bound: dict | None = None) -> dict:
    donation = lot.donation_line.donation if lot.donation_line_id else None
    page_obj = _page(request, selectors.lot_ledger(lot))
    _label_moves(page_obj, counterparts=True)
    return {
        "lot": lot,
        "donation": donation,
        "donation_url": _url_or_empty("donations:donation_detail", donation.pk) if donation else "",
        "page_obj": page_obj,
        "forms": _lot_forms(lot, request.user, bound),
        "expiry_state": _expiry_state(lot),
        "warn_days": EXPIRY_WARNING_DAYS,
        "can_see_reasons": can(request.user, lot.station_id, EDITORS),
        **_roles(request.user, lot.station_id),
    }


def _expiry_state(lot) -> str:
    from datetime import timedelta

    from django.utils import timezone

    if lot.expires_on is None:
        return ""
    today = timezone.localdate()
    if lot.expires_on < today:
        return "expired"
    return "expiring" if lot.expires_on <= today + timedelta(days=EXPIRY_WARNING_DAYS) else ""


@station_view
@require_GET
def lot_detail(request, pk: int):
    lot = selectors.lot_detail(request.user, pk)
    return render(request, "inventory/lot_detail.html", _lot_context(request, lot))


def _lot_action(request, pk: int, action: str, roles, make_form, call, done: str):
    """Check the role, parse the action's form, call the service; back to
    the lot with a message, or the lot page with the errors on the form."""
    lot = selectors.lot_detail(request.user, pk)
    require_role(request.user, lot.station_id, roles)
    form = make_form(lot)
    if form.is_valid():
        try:
            call(lot, form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, done)
            return redirect("inventory:lot_detail", lot.pk)
    lot.refresh_from_db(fields=["on_hand", "reserved"])
    return render(request, "inventory/lot_detail.html", _lot_context(request, lot, {action: form}), status=400)


@station_view
@require_POST
def lot_transfer(request, pk: int):
    def call(lot, d):
        new_lot = services.stock_transfer(actor=request.user, lot=lot, to_store=d["to_store"], quantity=d["quantity"],
                                          reason=d["reason"])
        messages.info(request, _("The units are now lot #%(lot)s in %(store)s.")
                      % {"lot": new_lot.pk, "store": new_lot.store.name})

    return _lot_action(request, pk, "transfer", EDITORS,
                       lambda lot: TransferForm(request.POST, lot=lot, auto_id="transfer_%s"), call,
                       _("The units were transferred."))


@station_view
@require_POST
def lot_adjust(request, pk: int):
    return _lot_action(request, pk, "adjust", ADMINS, lambda lot: AdjustForm(request.POST, auto_id="adjust_%s"),
                       lambda lot, d: services.stock_adjust(actor=request.user, lot=lot, delta=d["delta"],
                                                            reason=d["reason"]),
                       _("The stock was adjusted."))


@station_view
@require_POST
def lot_write_off(request, pk: int):
    return _lot_action(request, pk, "write_off", EDITORS,
                       lambda lot: QuantityReasonForm(request.POST, auto_id="write_off_%s"),
                       lambda lot, d: services.stock_write_off(actor=request.user, lot=lot, quantity=d["quantity"],
                                                               reason=d["reason"]),
                       _("The units were written off."))


@station_view
@require_POST
def lot_issue(request, pk: int):
    """Hand out units of the free (available) stock; reserved units go out
    through their plan's hand-overs."""
    return _lot_action(request, pk, "issue", EDITORS,
                       lambda lot: QuantityReasonForm(request.POST, auto_id="issue_%s"),
                       lambda lot, d: services.stock_issue(actor=request.user, lot=lot, quantity=d["quantity"],
                                                           from_reserved=False, reason=d["reason"]),
                       _("The units were issued."))


@station_view
@require_POST
def lot_return(request, pk: int):
    return _lot_action(request, pk, "return", EDITORS, lambda lot: ReturnForm(request.POST, auto_id="return_%s"),
                       lambda lot, d: services.stock_return(actor=request.user, lot=lot, quantity=d["quantity"],
                                                            reason=d["reason"]),
                       _("The units were taken back into the lot."))


# --- the station ledger ---------------------------------------------------------------------------


@station_view
@require_GET
def ledger(request):
    """Every stock move of the station, newest first, read by id ranges
    (no count over the ledger), filtered by kind, store, item and dates."""
    station = request.station
    form = LedgerFilterForm(request.GET, station=station)
    context = {"form": form, "page": None, "can_see_reasons": can(request.user, station, EDITORS)}
    if form.is_valid():
        page = selectors.keyset_page(selectors.moves_for_station(station, form.to_filter()),
                                     before=_int_param(request.GET.get("before")),
                                     after=_int_param(request.GET.get("after")), per_page=settings.RL_PAGE_SIZE)
        _label_moves(page.rows)
        query = request.GET.copy()
        for key in ("before", "after"):
            query.pop(key, None)
        links = {}
        for name, key, value in (("older", "before", page.older), ("newer", "after", page.newer)):
            if value is not None:
                q = query.copy()
                q[key] = value
                links[name] = "?" + q.urlencode()
        newest = query.urlencode()
        context.update({"page": page, "links": links, "newest": "?" + newest if newest else "?",
                        "export_query": newest})
    return render(request, "inventory/ledger.html", context)


@station_view
@require_GET
def ledger_export(request):
    """The ledger workbook, filtered as the ledger page. Any member; the
    reasons only for editors (free text may name a resident)."""
    station = request.station
    form = LedgerFilterForm(request.GET, station=station)
    if not form.is_valid():
        return render(request, "inventory/ledger.html", {"form": form, "page": None}, status=400)
    export = io.stock_ledger(station=station, filters=form.to_filter(),
                             include_reasons=can(request.user, station, EDITORS))
    return _download(export)


# --- stores ---------------------------------------------------------------------------------------


@station_view
@require_GET
def store_list(request):
    archived = request.GET.get("archived") == "on"
    stores = selectors.stores_for_station(request.station, include_archived=archived)
    return render(request, "inventory/store_list.html", {"stores": stores, "archived": archived})


@station_view
@require_GET
def store_detail(request, pk: int):
    store = selectors.get_store_for_user(request.user, pk)
    context = _stock_context(request, store.station, None, store=store)
    open_stocktake = selectors.stocktakes_for_station(store.station, store=store).filter(status="open").first()
    context.update({"store": store, "history": history_for(store), "open_stocktake": open_stocktake,
                    "archive_form": ArchiveForm(), **_roles(request.user, store.station_id)})
    return render(request, "inventory/store_detail.html", context)


@station_view
def store_create(request):
    station = request.station
    require_role(request.user, station, ADMINS)
    form = StoreForm(request.POST or None, station=station)
    if request.method == "POST" and form.is_valid():
        try:
            store = services.store_create(actor=request.user, station=station, **form.service_fields())
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("The store “%(name)s” was added.") % {"name": store.name})
            return redirect("inventory:store_detail", store.pk)
    return render(request, "inventory/store_form.html", {"form": form, "store": None})


@station_view
def store_edit(request, pk: int):
    store = selectors.get_store_for_user(request.user, pk, roles=ADMINS)
    form = StoreForm(request.POST or None, instance=store, station=store.station, edit=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.store_update(actor=request.user, store=store, reason=form.cleaned_data.get("reason", ""),
                                  **form.service_fields())
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("The store was saved."))
            return redirect("inventory:store_detail", store.pk)
    return render(request, "inventory/store_form.html", {"form": form, "store": store,
                                                         "history": history_for(store)})


@station_view
@require_POST
def store_archive(request, pk: int):
    store = selectors.get_store_for_user(request.user, pk, roles=ADMINS)
    form = ArchiveForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.store_archive(actor=request.user, store=store, reason=reason)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The store “%(name)s” is archived.") % {"name": store.name})
    return redirect("inventory:store_detail", store.pk)


# --- the catalogue --------------------------------------------------------------------------------


@station_view
@require_GET
def item_list(request):
    station = request.station
    form = ItemFilterForm(request.GET, station=station)
    page_obj = None
    if form.is_valid():
        items = selectors.items_for_station(station, search=form.cleaned_data.get("q") or "",
                                            category=form.selected_category(),
                                            include_archived=bool(form.cleaned_data.get("archived")))
        page_obj = _page(request, items)
    return render(request, "inventory/item_list.html", {"form": form, "page_obj": page_obj})


@station_view
@require_GET
def item_detail(request, pk: int):
    item = selectors.get_item_for_user(request.user, pk)
    context = _stock_context(request, item.station, None, item=item)
    context.update({"item": item, "history": history_for(item), "archive_form": ArchiveForm(),
                    **_roles(request.user, item.station_id)})
    return render(request, "inventory/item_detail.html", context)


@station_view
def item_create(request):
    station = request.station
    require_role(request.user, station, ADMINS)
    form = ItemForm(request.POST or None, station=station)
    if request.method == "POST" and form.is_valid():
        try:
            item = services.item_create(actor=request.user, station=station, **form.service_fields())
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("“%(name)s” was added to the catalogue.") % {"name": item.name})
            return redirect("inventory:item_detail", item.pk)
    return render(request, "inventory/item_form.html", {"form": form, "item": None})


@station_view
def item_edit(request, pk: int):
    item = selectors.get_item_for_user(request.user, pk, roles=ADMINS)
    form = ItemForm(request.POST or None, instance=item, station=item.station, edit=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.item_update(actor=request.user, item=item, reason=form.cleaned_data.get("reason", ""),
                                 **form.service_fields())
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("The item was saved."))
            return redirect("inventory:item_detail", item.pk)
    return render(request, "inventory/item_form.html", {"form": form, "item": item, "history": history_for(item)})


@station_view
@require_POST
def item_archive(request, pk: int):
    item = selectors.get_item_for_user(request.user, pk, roles=ADMINS)
    form = ArchiveForm(request.POST)
    services.item_archive(actor=request.user, item=item,
                          reason=form.cleaned_data["reason"] if form.is_valid() else "")
    messages.success(request, _("“%(name)s” is archived: it is no longer offered for new receipts, and its lots "
                                "keep it.") % {"name": item.name})
    return redirect("inventory:item_detail", item.pk)


@station_view
def item_import(request):
    station = request.station
    require_role(request.user, station, ADMINS)
    result = None
    if request.method == "POST":
        form = ItemImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            result = io.items_import(actor=request.user, station=station, file=upload, filename=upload.name,
                                     dry_run=form.cleaned_data["dry_run"])
            if result.ok and not result.dry_run:
                form = ItemImportForm()
    else:
        form = ItemImportForm()
    return render(request, "inventory/item_import.html", {"form": form, "result": result},
                  status=400 if result is not None and not result.ok else 200)


@station_view
@require_GET
def catalogue_export(request):
    require_member(request.user, request.station)
    return _download(io.catalogue_export(station=request.station))


# --- stocktakes -----------------------------------------------------------------------------------


def _stocktake_list_context(request, station, open_form=None) -> dict:
    form = StocktakeFilterForm(request.GET, station=station)
    store = None
    if form.is_valid() and form.cleaned_data.get("store"):
        store = selectors.get_store_for_user(request.user, form.cleaned_data["store"])
    return {
        "form": form,
        "page_obj": _page(request, selectors.stocktakes_for_station(station, store=store)),
        "open_form": open_form or (StocktakeOpenForm(station=station, initial={"store": store.pk if store else None})
                                   if can(request.user, station, EDITORS) else None),
    }


@station_view
@require_GET
def stocktake_list(request):
    return render(request, "inventory/stocktake_list.html", _stocktake_list_context(request, request.station))


@station_view
@require_POST
def stocktake_open(request):
    station = request.station
    require_role(request.user, station, EDITORS)
    form = StocktakeOpenForm(request.POST, station=station)
    if form.is_valid():
        try:
            stocktake = services.stocktake_open(actor=request.user, store=form.cleaned_data["store"],
                                                notes=form.cleaned_data["notes"])
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("The count sheet for %(store)s is open.") % {"store": stocktake.store.name})
            return redirect("inventory:stocktake_detail", stocktake.pk)
    return render(request, "inventory/stocktake_list.html", _stocktake_list_context(request, station, form),
                  status=400)


def _stocktake_context(request, stocktake, *, count_form=None, confirm_form=None, cancel_form=None) -> dict:
    differences = selectors.stocktake_differences(stocktake)
    roles = _roles(request.user, stocktake.station_id)
    editable = stocktake.is_open and roles["can_move"]
    if editable and count_form is None:
        count_form = StocktakeCountForm(lines=[d.line for d in differences])
    by_line = {d.line.pk: d for d in differences}
    rows = [(by_line[line.pk], counted, note) for line, counted, note in count_form.rows()] if editable else \
        [(d, None, None) for d in differences]
    # Refusals not about one field go above the sheet: the counts' form has
    # no other place for them, and a confirm or cancel form is no longer
    # shown once the sheet was closed meanwhile.
    shown = (count_form,) if stocktake.is_open else (count_form, confirm_form, cancel_form)
    bound = [f for f in shown if f is not None and f.is_bound]
    return {
        "stocktake": stocktake,
        "errors": [e for f in bound for e in f.non_field_errors()],
        "rows": rows,
        "n_uncounted": sum(1 for d in differences if d.counted is None),
        "n_differences": sum(1 for d in differences if d.difference),
        "count_form": count_form if editable else None,
        "confirm_form": (confirm_form or ReasonForm(auto_id="confirm_%s"))
        if stocktake.is_open and roles["is_admin"] else None,
        "cancel_form": (cancel_form or ReasonForm(auto_id="cancel_%s")) if editable else None,
        **roles,
    }


@station_view
@require_GET
def stocktake_detail(request, pk: int):
    stocktake = selectors.get_stocktake_for_user(request.user, pk)
    return render(request, "inventory/stocktake_detail.html", _stocktake_context(request, stocktake))


@station_view
@require_GET
def stocktake_sheet(request, pk: int):
    """The count sheet to print and fill in by hand."""
    stocktake = selectors.get_stocktake_for_user(request.user, pk)
    return render(request, "inventory/stocktake_sheet.html", {
        "stocktake": stocktake, "differences": selectors.stocktake_differences(stocktake)})


@station_view
@require_POST
def stocktake_count(request, pk: int):
    """Save the counts entered on the sheet: all of them or, if one is
    refused, none."""
    stocktake = selectors.get_stocktake_for_user(request.user, pk, roles=EDITORS)
    lines = [d.line for d in selectors.stocktake_differences(stocktake)]
    form = StocktakeCountForm(request.POST, lines=lines)
    if form.is_valid():
        changed = form.changed_lines()
        try:
            with transaction.atomic():
                for line, counted, note in changed:
                    services.stocktake_count(actor=request.user, line=line, counted=counted, note=note)
        except ValidationError as exc:
            for line, _counted, _note in changed:  # the lines kept what they had
                line.refresh_from_db()
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("%(n)s count(s) saved.") % {"n": len(changed)})
            return redirect("inventory:stocktake_detail", stocktake.pk)
    stocktake.refresh_from_db()
    return render(request, "inventory/stocktake_detail.html",
                  _stocktake_context(request, stocktake, count_form=form), status=400)


@station_view
@require_POST
def stocktake_confirm(request, pk: int):
    stocktake = selectors.get_stocktake_for_user(request.user, pk, roles=ADMINS)
    form = ReasonForm(request.POST, auto_id="confirm_%s")
    if form.is_valid():
        try:
            moves = services.stocktake_confirm(actor=request.user, stocktake=stocktake,
                                               reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("The stocktake is confirmed: %(n)s lot(s) adjusted.") % {"n": len(moves)})
            return redirect("inventory:stocktake_detail", stocktake.pk)
    stocktake.refresh_from_db()
    return render(request, "inventory/stocktake_detail.html",
                  _stocktake_context(request, stocktake, confirm_form=form), status=400)


@station_view
@require_POST
def stocktake_cancel(request, pk: int):
    stocktake = selectors.get_stocktake_for_user(request.user, pk, roles=EDITORS)
    form = ReasonForm(request.POST, auto_id="cancel_%s")
    if form.is_valid():
        try:
            services.stocktake_cancel(actor=request.user, stocktake=stocktake, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("The stocktake was cancelled; no stock was changed."))
            return redirect("inventory:stocktake_detail", stocktake.pk)
    stocktake.refresh_from_db()
    return render(request, "inventory/stocktake_detail.html",
                  _stocktake_context(request, stocktake, cancel_form=form), status=400)
