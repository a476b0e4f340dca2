"""Writes for stations, memberships, users and API tokens."""

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .access import forget_roles, require_role
from .models import ADMINS, ApiToken, Membership, Role, Station

User = get_user_model()


def _with_history_user(obj, actor):
    obj._history_user = actor
    return obj


@transaction.atomic
def station_create(*, name: str, slug: str, actor=None, **fields) -> Station:
    """Create a station with the default category tree. Used by the CLI and
    the demo; there is no web form for it, as a station is set up once."""
    from resourcelink.inventory.services import item_catalogue_install
    from resourcelink.people.services import vulnerability_tags_install
    from resourcelink.taxonomy.services import category_tree_install

    station = Station(name=name, slug=slug, created_by=actor, updated_by=actor, **fields)
    station.full_clean()
    _with_history_user(station, actor).save()
    category_tree_install(station=station, actor=actor)
    vulnerability_tags_install(station=station, actor=actor)
    item_catalogue_install(station=station, actor=actor)
    return station


@transaction.atomic
def user_create(*, username: str, password: str, email: str = "", full_name: str = "", validate: bool = True):
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("A user with this name already exists.")})
    user = User(username=username, email=email, first_name=full_name[:150])
    if validate:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from None
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    return user


@transaction.atomic
def membership_add(*, actor, station: Station, user, role: str, check: bool = True) -> Membership:
    """Give ``user`` a role at ``station``. ``check=False`` is for the CLI and
    set-up code that runs without a logged-in admin."""
    if check:
        require_role(actor, station, ADMINS)
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a valid role.")})
    if Membership.objects.filter(user=user, station=station, ended_on__isnull=True).exists():
        raise ValidationError({"user": _("This user is already a member of the station.")})
    membership = Membership(user=user, station=station, role=role, created_by=actor, updated_by=actor)
    membership.full_clean()
    _with_history_user(membership, actor).save()
    forget_roles(user)
    return membership


def _guard_last_admin(membership: Membership, new_role: str | None) -> None:
    if membership.role != Role.ADMIN or new_role == Role.ADMIN:
        return
    others = Membership.objects.filter(
        station=membership.station, role=Role.ADMIN, ended_on__isnull=True
    ).exclude(pk=membership.pk)
    if not others.exists():
        raise ValidationError({"role": _("A station must keep at least one admin.")})


@transaction.atomic
def membership_change_role(*, actor, membership: Membership, role: str) -> Membership:
    require_role(actor, membership.station, ADMINS)
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a valid role.")})
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    _guard_last_admin(membership, role)
    membership.role = role
    membership.updated_by = actor
    _with_history_user(membership, actor).save()
    forget_roles(membership.user)
    return membership


@transaction.atomic
def membership_end(*, actor, membership: Membership) -> Membership:
    """End a membership. The row stays, so what the member did stays attributed."""
    require_role(actor, membership.station, ADMINS)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.ended_on:
        return membership
    _guard_last_admin(membership, None)
    membership.ended_on = timezone.now()
    membership.updated_by = actor
    _with_history_user(membership, actor).save()
    forget_roles(membership.user)
    return membership


@transaction.atomic
def api_token_create(*, user, name: str) -> tuple[ApiToken, str]:
    """Create a token and return it with its key; the key is not stored."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name, such as the program that will use it.")})
    key = "rl_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name[:100], prefix=key[:8], key_hash=ApiToken.hash_key(key))
    return token, key


@transaction.atomic
def api_token_revoke(*, user, token: ApiToken) -> ApiToken:
    if token.user_id != user.pk:
        raise ValidationError(_("This token belongs to another user."))
    if token.revoked_on is None:
        token.revoked_on = timezone.now()
        token.save(update_fields=["revoked_on"])
    return token


def api_token_authenticate(key: str):
    """The user a bearer key belongs to, or None."""
    if not key:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=ApiToken.hash_key(key), revoked_on__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    # Touch at most once a minute: a busy client should not write on every call.
    if token.last_used_on is None or (now - token.last_used_on).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_on=now)
    return token.user
