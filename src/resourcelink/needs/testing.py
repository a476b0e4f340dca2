"""Test helpers for other apps' tests: a need, made through the service."""

from .models import Need
from .services import need_create


def make_need(household, category, *, actor=None, **fields) -> Need:
    """A need of ``household`` in ``category`` (fields: description,
    quantity, unit, urgency, due_on, source, assigned_to, resident).
    Made without a permission check when no actor is given."""
    resident = fields.pop("resident", None)
    return need_create(actor=actor, household=household, category=category, resident=resident,
                       check=actor is not None, **fields)
