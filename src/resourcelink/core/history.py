"""Reading a record's history (django-simple-history) as a list of changes."""

from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext_lazy as _

ACTIONS = {"+": _("created"), "~": _("changed"), "-": _("removed")}


@dataclass
class FieldChange:
    field: str
    label: str
    old: str
    new: str
    many: bool = False  # a many-to-many field, written in its own history row


@dataclass
class HistoryEntry:
    when: datetime
    who: str
    action: str
    reason: str
    changes: list[FieldChange] = field(default_factory=list)


def _related_name(cache: dict, model, pk) -> str:
    """str() of a related row, read once per history listing."""
    key = (model, pk)
    if key not in cache:
        related = model._default_manager.filter(pk=pk).first()
        cache[key] = str(related) if related is not None else str(pk)
    return cache[key]


def _display(model, field_name: str, value, cache: dict) -> str:
    if value is None or value == "":
        return "—"
    try:
        model_field = model._meta.get_field(field_name)
    except Exception:
        return str(value)
    if model_field.many_to_one:
        return _related_name(cache, model_field.related_model, value)
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if getattr(model_field, "choices", None):
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, list):  # m2m snapshot: list of dicts of through rows
        return ", ".join(str(v) for v in value) or "—"
    return str(value)


HIDDEN = {"search_text", "import_key", "updated_on", "updated_by", "created_on", "created_by"}


def history_for(obj, *, limit: int = 50) -> list[HistoryEntry]:
    """Newest first: who did what to ``obj`` and which fields changed."""
    records = list(obj.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1])
    model = type(obj)
    cache: dict = {}  # related rows named in several changes are read once
    entries = []
    for i, record in enumerate(records[:limit]):
        previous = records[i + 1] if i + 1 < len(records) else None
        changes = []
        if previous is not None and record.history_type == "~":
            delta = record.diff_against(previous, foreign_keys_are_objs=False)
            for change in delta.changes:
                if change.field in HIDDEN:
                    continue
                label = _label(model, change.field)
                changes.append(FieldChange(change.field, label, _m2m_or(model, change.field, change.old, cache),
                                           _m2m_or(model, change.field, change.new, cache),
                                           many=isinstance(change.new, list) or isinstance(change.old, list)))
            if not changes and not record.history_change_reason:
                continue
        user = record.history_user
        entries.append(
            HistoryEntry(
                when=record.history_date,
                who=(user.get_full_name() or user.username) if user else str(_("system")),
                action=str(ACTIONS.get(record.history_type, record.history_type)),
                reason=record.history_change_reason or "",
                changes=changes,
            )
        )
    return _merge_bursts(entries)


def _merge_bursts(entries: list[HistoryEntry], seconds: int = 5) -> list[HistoryEntry]:
    """One save writes several history rows (the fields, then each
    many-to-many change): show them as one change, as the user made it."""
    merged: list[HistoryEntry] = []
    for entry in entries:  # newest first
        last = merged[-1] if merged else None
        burst = last is not None and last.who == entry.who and (last.when - entry.when).total_seconds() <= seconds
        only_many = last is not None and all(c.many for c in last.changes)
        if burst and only_many and entry.action == str(ACTIONS["+"]) and last.action == str(ACTIONS["~"]):
            merged[-1] = entry  # the values set right after creation are part of it
            continue
        if burst and entry.action == str(ACTIONS["~"]) and (only_many or all(c.many for c in entry.changes)):
            by_field = {c.field: c for c in last.changes}
            for change in entry.changes:
                if change.field in by_field:
                    by_field[change.field].old = change.old  # older "before" wins
                else:
                    last.changes.append(change)
            last.changes = [c for c in last.changes if c.old != c.new]
            last.reason = last.reason or entry.reason
            continue
        merged.append(entry)
    return merged


def _label(model, name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name)
    except Exception:
        return name


def _m2m_or(model, name: str, value, cache: dict) -> str:
    if isinstance(value, list):
        # m2m snapshot: [{"resource": 1, "category": 5}, ...] -> names
        try:
            target = model._meta.get_field(name).related_model
        except Exception:
            return str(value)
        target_field = target._meta.model_name
        ids = [row.get(target_field) for row in value if isinstance(row, dict)]
        missing = [pk for pk in ids if (target, pk) not in cache]
        for row in target._default_manager.filter(pk__in=missing):
            cache[(target, row.pk)] = str(row)
        names = [_related_name(cache, target, pk) for pk in ids]
        return ", ".join(sorted(names)) or "—"
    return _display(model, name, value, cache)
