"""The station's category tree: everyone reads it, admins change it."""


from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from resourcelink.accounts.access import can, require_role
from resourcelink.accounts.models import ADMINS, EDITORS
from resourcelink.accounts.views import form_errors_from
from resourcelink.core.decorators import station_view
from resourcelink.core.history import history_for

from . import services
from .forms import CategoryCreateForm, CategoryEditForm
from .models import Category
from .selectors import category_tree_with_counts, get_category_for_user


def _roles_context(user, station_id) -> dict:
    return {"can_edit": can(user, station_id, EDITORS), "is_station_admin": can(user, station_id, ADMINS)}


@station_view
def category_list(request):
    show_retired = request.GET.get("retired") != "0"
    categories = category_tree_with_counts(request.station)
    if not show_retired:
        categories = [c for c in categories if not c.is_retired]
    return render(request, "taxonomy/category_list.html", {"categories": categories, "show_retired": show_retired})


@station_view
def category_detail(request, pk: int):
    category = get_category_for_user(request.user, pk)
    tree = [c for c in category_tree_with_counts(category.station_id) if c.path.startswith(category.path)]
    return render(request, "taxonomy/category_detail.html", {
        "category": category, "subtree": tree[1:], "n_resources": tree[0].n_resources if tree else 0,
        "ancestors": _ancestors(category), "history": history_for(category),
        **_roles_context(request.user, category.station_id),
    })


def _ancestors(category: Category) -> list[Category]:
    codes = category.path.strip("/").split("/")[:-1]
    by_code = {c.code: c for c in Category.objects.filter(station_id=category.station_id, code__in=codes)}
    return [by_code[code] for code in codes if code in by_code]


@station_view
def category_create(request):
    station = request.station
    require_role(request.user, station, ADMINS)
    initial = {}
    if (request.GET.get("parent") or "").isdigit():
        initial["parent"] = int(request.GET["parent"])
    form = CategoryCreateForm(request.POST or None, station=station, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            category = services.category_create(actor=request.user, station=station, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("The category “%(name)s” was added.") % {"name": category.name})
            return redirect("taxonomy:category_list")
    return render(request, "taxonomy/category_form.html", {"form": form, "category": None})


@station_view
def category_edit(request, pk: int):
    category = get_category_for_user(request.user, pk, roles=ADMINS)
    initial = {"name_zh_hans": category.name_zh_hans, "name_en": category.name_en, "sort_order": category.sort_order}
    form = CategoryEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.category_rename(actor=request.user, category=category, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("The category was saved."))
            return redirect("taxonomy:category_list")
    return render(request, "taxonomy/category_form.html", {
        "form": form, "category": category, "ancestors": _ancestors(category), "history": history_for(category),
    })


@station_view
@require_POST
def category_retire(request, pk: int):
    category = get_category_for_user(request.user, pk, roles=ADMINS)
    services.category_retire(actor=request.user, category=category)
    messages.success(request, _("“%(name)s” and its sub-categories are retired: they are no longer offered for new "
                                "records, and records that use them keep them.") % {"name": category.name})
    return redirect("taxonomy:category_list")


@station_view
@require_POST
def category_restore(request, pk: int):
    category = get_category_for_user(request.user, pk, roles=ADMINS)
    try:
        services.category_restore(actor=request.user, category=category)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("“%(name)s” is offered again.") % {"name": category.name})
    return redirect("taxonomy:category_list")
