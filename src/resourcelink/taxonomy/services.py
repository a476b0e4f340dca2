"""Writes to the category tree: install the default tree, add, rename, retire."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from resourcelink.accounts.access import require_role
from resourcelink.accounts.models import ADMINS, Station

from .default_tree import walk
from .models import Category


@transaction.atomic
def category_tree_install(*, station: Station, actor=None) -> int:
    """Add any default category the station does not have yet (by code).

    Idempotent: existing categories keep the names an admin gave them.
    Returns how many were added.
    """
    existing = {c.code: c for c in Category.objects.filter(station=station)}
    added = 0
    for code, zh, en, parent_code, order in walk():
        if code in existing:
            continue
        parent = existing.get(parent_code) if parent_code else None
        category = Category(
            station=station, code=code, parent=parent, name_zh_hans=zh, name_en=en, sort_order=order,
            created_by=actor, updated_by=actor,
        )
        category.path = category.compute_path()
        category.depth = parent.depth + 1 if parent else 0
        category._history_user = actor
        category.save()
        existing[code] = category
        added += 1
    return added


@transaction.atomic
def category_create(
    *, actor, station: Station, code: str, name_zh_hans: str, name_en: str, parent: Category | None = None,
    sort_order: int = 0,
) -> Category:
    require_role(actor, station, ADMINS)
    if parent is not None and parent.station_id != station.pk:
        raise ValidationError({"parent": _("Choose a category of this station.")})
    if parent is not None and parent.is_retired:
        raise ValidationError({"parent": _("A retired category cannot take new sub-categories.")})
    code = (code or "").strip().lower()
    if Category.objects.filter(station=station, code=code).exists():
        raise ValidationError({"code": _("Another category already has this code.")})
    category = Category(
        station=station, code=code, parent=parent, name_zh_hans=name_zh_hans.strip(), name_en=name_en.strip(),
        sort_order=sort_order, created_by=actor, updated_by=actor,
    )
    category.path = category.compute_path()
    category.depth = parent.depth + 1 if parent else 0
    category.full_clean()
    category._history_user = actor
    category.save()
    return category


@transaction.atomic
def category_rename(*, actor, category: Category, name_zh_hans: str, name_en: str, sort_order: int | None = None):
    require_role(actor, category.station_id, ADMINS)
    category.name_zh_hans = name_zh_hans.strip()
    category.name_en = name_en.strip()
    if sort_order is not None:
        category.sort_order = sort_order
    category.updated_by = actor
    category.full_clean()
    category._history_user = actor
    category.save()
    return category


@transaction.atomic
def category_retire(*, actor, category: Category) -> Category:
    """Retire a category and its sub-categories: they are no longer offered
    for new records, while records that use them keep them."""
    require_role(actor, category.station_id, ADMINS)
    now = timezone.now()
    for node in Category.objects.filter(station_id=category.station_id, path__startswith=category.path):
        if node.retired_on is None:
            node.retired_on = now
            node.updated_by = actor
            node._history_user = actor
            node.save()
    category.refresh_from_db()
    return category


@transaction.atomic
def category_restore(*, actor, category: Category) -> Category:
    require_role(actor, category.station_id, ADMINS)
    if category.parent_id and category.parent.is_retired:
        raise ValidationError(_("Restore the parent category first."))
    category.retired_on = None
    category.updated_by = actor
    category._history_user = actor
    category.save()
    return category
