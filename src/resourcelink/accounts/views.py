from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .access import get_station_for_user, require_role
from .forms import MemberAddForm, RoleForm, TokenForm
from .middleware import SESSION_KEY
from .models import ADMINS, ApiToken, Membership
from .services import (
    api_token_create,
    api_token_revoke,
    membership_add,
    membership_change_role,
    membership_end,
    user_create,
)


def form_errors_from(form, exc: ValidationError) -> None:
    """Put a service's ValidationError beside the form's fields."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


@login_required
def profile(request):
    new_key = None
    if request.method == "POST":
        form = TokenForm(request.POST)
        if form.is_valid():
            try:
                _token, new_key = api_token_create(user=request.user, name=form.cleaned_data["name"])
                form = TokenForm()
            except ValidationError as exc:
                form_errors_from(form, exc)
    else:
        form = TokenForm()
    tokens = ApiToken.objects.filter(user=request.user)
    memberships = Membership.objects.filter(user=request.user, ended_on__isnull=True).select_related("station")
    return render(request, "accounts/profile.html", {
        "form": form, "tokens": tokens, "new_key": new_key, "memberships": memberships,
    })


@login_required
@require_POST
def token_revoke(request, pk: int):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    api_token_revoke(user=request.user, token=token)
    messages.success(request, _("The token was revoked."))
    return redirect("accounts:profile")


@login_required
@require_POST
def switch_station(request):
    station = get_station_for_user(request.user, request.POST.get("station"))
    request.session[SESSION_KEY] = station.pk
    return redirect(request.POST.get("next") or "core:home")


@login_required
def member_list(request):
    station = request.station
    if station is None:
        return redirect("core:home")
    require_role(request.user, station, ADMINS)
    form = MemberAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                User = get_user_model()
                user = User.objects.filter(username__iexact=data["username"]).first()
                if user is None:
                    user = user_create(username=data["username"], password=data["password"], email=data["email"],
                                       full_name=data["full_name"])
                membership_add(actor=request.user, station=station, user=user, role=data["role"])
            messages.success(request, _("%(user)s was added to the station.") % {"user": user.username})
            return redirect("accounts:member_list")
        except ValidationError as exc:
            form_errors_from(form, exc)
    members = Membership.objects.filter(station=station).select_related("user").order_by(
        "ended_on", "user__username")
    return render(request, "accounts/member_list.html", {"form": form, "members": members})


def _membership_for_admin(request, pk: int) -> Membership:
    membership = get_object_or_404(Membership.objects.select_related("user", "station"), pk=pk)
    require_role(request.user, membership.station_id, ADMINS)
    return membership


@login_required
def member_edit(request, pk: int):
    membership = _membership_for_admin(request, pk)
    form = RoleForm(request.POST or None, initial={"role": membership.role})
    if request.method == "POST" and form.is_valid():
        try:
            membership_change_role(actor=request.user, membership=membership, role=form.cleaned_data["role"])
            messages.success(request, _("The role was changed."))
            return redirect("accounts:member_list")
        except ValidationError as exc:
            form_errors_from(form, exc)
    return render(request, "accounts/member_edit.html", {"form": form, "membership": membership})


@login_required
@require_POST
def member_end(request, pk: int):
    membership = _membership_for_admin(request, pk)
    try:
        membership_end(actor=request.user, membership=membership)
        messages.success(request, _("%(user)s is no longer a member.") % {"user": membership.user.username})
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("accounts:member_list")
