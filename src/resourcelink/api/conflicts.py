"""409 Conflict: a request that is well formed but clashes with the current
state of a ledger or a plan (not enough stock or money left, a plan no
longer in the status the operation needs).

The services raise these as ``ValidationError`` subclasses with field
messages, so the body keeps the API's one error shape; only the status says
"retrying the same request later may work, changing it is not what is
wanted". The body's ``detail`` is the message itself (it names the lot or
account and what is left).
"""

from django.core.exceptions import NON_FIELD_ERRORS

from resourcelink.distribution.services import PlanNotDraft, PlanNotLive
from resourcelink.fund.services import InsufficientFunds
from resourcelink.inventory.services import InsufficientStock

from .common import ERROR_RESPONSES, ErrorOut, django_validation_errors, error_response

CONFLICT_RESPONSES = {**ERROR_RESPONSES, 409: ErrorOut}


def conflict_exceptions() -> tuple[type[Exception], ...]:
    """The domain errors answered with 409."""
    return (InsufficientStock, InsufficientFunds, PlanNotDraft, PlanNotLive)


def install_conflict_handlers(api) -> None:
    def on_conflict(request, exc):
        errors = django_validation_errors(exc)
        messages = [m for field in sorted(errors, key=lambda f: f != NON_FIELD_ERRORS) for m in errors[field]]
        return error_response(409, " ".join(messages), errors)

    for exc_class in conflict_exceptions():
        api.add_exception_handler(exc_class, on_conflict)
