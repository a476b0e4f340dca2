"""What every API router shares: authentication, the one error shape,
pagination and station scoping.

Errors always look like ``{"detail": "...", "errors": {"field": ["message"]}}``
whatever raised them (a service's ValidationError, a refused permission, a
missing record, ninja's own parameter checks), so a client handles one shape.
"""

from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer
from ninja.security.apikey import APIKeyCookie
from ninja.utils import check_csrf

from resourcelink.accounts.access import station_ids_for
from resourcelink.accounts.services import api_token_authenticate

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200

# --- Authentication -----------------------------------------------------------


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <key>`` with a key from an ApiToken."""

    def authenticate(self, request: HttpRequest, token: str):
        return api_token_authenticate(token.strip())


class SessionAuth(APIKeyCookie):
    """The logged-in browser session, so the web pages can call the API.

    Unlike ninja's ``django_auth`` the CSRF check runs only once the session is
    known to be logged in: an anonymous request then gets 401 (not a CSRF 403)
    and the bearer scheme stays the one a client is told about.
    """

    param_name = settings.SESSION_COOKIE_NAME

    def __call__(self, request: HttpRequest):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if self.csrf and not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise HttpError(403, _("CSRF check failed: send the X-CSRFToken header with the session's CSRF token."))
        return user

    def authenticate(self, request: HttpRequest, key: str | None):  # pragma: no cover - __call__ decides
        return None


# --- Errors -------------------------------------------------------------------


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] = Field(default_factory=dict)


def error_response(status: int, detail: str, errors: dict | None = None, headers: dict | None = None) -> JsonResponse:
    response = JsonResponse({"detail": str(detail), "errors": errors or {}}, status=status,
                            json_dumps_params={"ensure_ascii": False})
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def django_validation_errors(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for m in DjangoValidationError(errors).messages]
                for field, errors in exc.error_dict.items()}
    return {NON_FIELD_ERRORS: [str(m) for m in exc.messages]}


# Where ninja says a bad value came from; the rest of ``loc`` names the field.
_LOCATIONS = {"body", "query", "path", "header", "cookie", "form", "file"}


def _ninja_validation_errors(exc: NinjaValidationError) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        loc = list(error.get("loc") or [])
        if loc and loc[0] in _LOCATIONS:
            source = loc.pop(0)
            # A body is read into one named parameter ("payload"); drop its name.
            if source == "body" and len(loc) > 1:
                loc.pop(0)
        field = next((str(part) for part in loc if isinstance(part, str)), NON_FIELD_ERRORS)
        message = str(error.get("msg") or _("This value is not valid."))
        errors.setdefault(field, []).append(message)
    return errors


def install_error_handlers(api) -> None:
    """Register one handler per kind of failure on ``api``."""

    @api.exception_handler(DjangoValidationError)
    def on_validation_error(request, exc):
        errors = django_validation_errors(exc)
        if list(errors) == [NON_FIELD_ERRORS] and len(errors[NON_FIELD_ERRORS]) == 1:
            detail = errors[NON_FIELD_ERRORS][0]
        else:
            detail = _("Some values are not valid; see the errors by field.")
        return error_response(400, detail, errors)

    @api.exception_handler(NinjaValidationError)
    def on_request_validation_error(request, exc):
        return error_response(400, _("Some values are not valid; see the errors by field."),
                              _ninja_validation_errors(exc))

    @api.exception_handler(PermissionDenied)
    def on_permission_denied(request, exc):
        return error_response(403, str(exc) or _("You may not do this."))

    @api.exception_handler(Http404)
    def on_not_found(request, exc):
        return error_response(404, str(exc) or _("No such record."))

    @api.exception_handler(AuthenticationError)
    def on_unauthenticated(request, exc):
        return error_response(
            401, _("Authentication needed: send a valid API token as “Authorization: Bearer <key>”."),
            headers={"WWW-Authenticate": 'Bearer realm="api"'},
        )

    @api.exception_handler(HttpError)
    def on_http_error(request, exc):
        return error_response(exc.status_code, str(exc))


def not_found_view(request, *args, **kwargs) -> JsonResponse:
    """Unknown paths under the API answer in the API's error shape too."""
    return error_response(404, _("There is no such API endpoint."))


# --- Station scoping ----------------------------------------------------------


def scoped_station_ids(user, station: int | None) -> list[int]:
    """The stations a list covers: the one asked for (404 unless the user
    belongs to it) or all of the user's stations."""
    mine = station_ids_for(user)
    if station is None:
        return mine
    if station not in mine:
        raise Http404(_("No such station."))
    return [station]


def single_station_id(user, station: int | None) -> int:
    """The one station an operation works in: the one asked for, or the
    user's only station. A user of several stations must say which."""
    ids = scoped_station_ids(user, station)
    if len(ids) == 1:
        return ids[0]
    if not ids:
        raise Http404(_("No such station."))
    raise DjangoValidationError(
        {"station": _("You belong to several stations: say which one with the “station” parameter (its id).")}
    )


# --- Pagination ---------------------------------------------------------------


class PageParams(Schema):
    page: int = Field(1, ge=1, description="Page number, from 1.")
    page_size: int = Field(
        DEFAULT_PAGE_SIZE, ge=1, description=f"Rows per page (default {DEFAULT_PAGE_SIZE}, at most {MAX_PAGE_SIZE})."
    )


class PageOut(Schema):
    count: int
    page: int
    page_size: int
    next: str | None = Field(None, description="URL of the next page, if any.")
    previous: str | None = Field(None, description="URL of the previous page, if any.")


def page_url(request: HttpRequest, page: int) -> str:
    query = request.GET.copy()
    query["page"] = str(page)
    return request.build_absolute_uri(request.path) + "?" + query.urlencode()


def paginate(request: HttpRequest, queryset: QuerySet, params: PageParams, to_out) -> dict[str, Any]:
    """One page of ``queryset`` with links to its neighbours. Two queries (the
    count and the rows) plus whatever the queryset prefetches, whatever the
    page size; ``to_out`` must not query per row."""
    page_size = min(params.page_size, MAX_PAGE_SIZE)
    count = queryset.count()
    offset = (params.page - 1) * page_size
    if params.page > 1 and offset >= count:
        raise Http404(_("There is no page %(page)s.") % {"page": params.page})
    rows = list(queryset[offset : offset + page_size]) if count else []
    return {
        "count": count,
        "page": params.page,
        "page_size": page_size,
        "next": page_url(request, params.page + 1) if offset + page_size < count else None,
        "previous": page_url(request, params.page - 1) if params.page > 1 else None,
        "results": [to_out(row) for row in rows],
    }


# --- Small shared output pieces -----------------------------------------------


class RefOut(Schema):
    """A related record in brief."""

    id: int
    code: str
    name: str


def ref(obj) -> dict | None:
    return None if obj is None else {"id": obj.pk, "code": obj.code, "name": obj.name}


ERROR_RESPONSES = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
READ_ERRORS = {401: ErrorOut, 404: ErrorOut}
LIST_ERRORS = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut}
