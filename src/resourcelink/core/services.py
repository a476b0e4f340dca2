"""Small helpers every service uses to write a domain record."""

from django.db import models


def acting_user(actor):
    """The user to record as "by": None for system work (no actor, or not
    logged in), so a command or an import without a user still writes."""
    return actor if getattr(actor, "is_authenticated", False) else None


def refuse_unknown_fields(fields: dict, allowed, what: str) -> None:
    """Services take model fields as keywords; a name outside ``allowed`` is
    a programming error, not bad input, so it is a TypeError."""
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"Unknown {what} fields: {', '.join(sorted(unknown))}")


def save_with_history(obj: models.Model, *, actor, reason: str = "", clean: bool = True, exclude=None) -> models.Model:
    """Validate and save ``obj``, stamping who did it and why.

    The history row written by django-simple-history picks up the actor and
    reason from the instance, so every service records "who, when, what, why"
    the same way. Call inside the service's transaction.
    """
    if hasattr(obj, "created_by_id") and obj._state.adding and obj.created_by_id is None:
        obj.created_by = acting_user(actor)
    if hasattr(obj, "updated_by_id"):
        obj.updated_by = acting_user(actor)
    if clean:
        obj.full_clean(exclude=exclude)
    obj._history_user = acting_user(actor)
    if reason:
        obj._change_reason = reason[:1000]
    obj.save()
    return obj


def check_same_station(station_id: int, errors: dict, **related) -> None:
    """Add a field error for every related object that belongs to another
    station: a form or an API client must not be able to attach a record to
    another station's community, grid or category by guessing its id."""
    from django.utils.translation import gettext as _

    for field, value in related.items():
        items = value if isinstance(value, (list, tuple, set)) else [value]
        for item in items:
            if item is not None and getattr(item, "station_id", station_id) != station_id:
                errors.setdefault(field, []).append(_("Choose one of this station's records."))


def reveal_field(*, actor, obj, field: str, read=None) -> str:
    """Show a masked field of a station record to a staff member, and log it.

    Only admins and social workers may see personal contact data in full
    (DESIGN.md §6); every showing writes a ``Reveal`` row. ``read(obj)``
    gives the value where it is not a plain attribute (a decrypted ID number).
    """
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction

    from resourcelink.accounts.access import require_role
    from resourcelink.accounts.models import STAFF

    from .models import Reveal

    require_role(actor, obj.station_id, STAFF)
    with transaction.atomic():
        Reveal.objects.create(station_id=obj.station_id, user=actor, field=field, object_id=obj.pk,
                              content_type=ContentType.objects.get_for_model(type(obj)))
    return read(obj) if read is not None else getattr(obj, field)

