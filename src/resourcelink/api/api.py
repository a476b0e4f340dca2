"""The JSON API, version 1, served under /api/v1/."""

from ninja import NinjaAPI, Swagger

from . import (
    allocations,
    categories,
    communities,
    distribution,
    donations,
    fund,
    handovers,
    households,
    inventory,
    links,
    needs,
    residents,
    resources,
    stocktakes,
)
from .common import SessionAuth, TokenAuth, install_error_handlers
from .conflicts import install_conflict_handlers

api = NinjaAPI(
    title="ResourceLink API",
    version="1",
    description=(
        "The resource directory, households, needs and allocations of a community social work station, and its "
        "store room, donations, charity fund and distribution plans. "
        "Residents' personal data is always masked; staff reveal one field at a time, logged. "
        "Authenticate with an API token (`Authorization: Bearer <key>`) or, from the web pages, the logged-in session (with the CSRF token "
        "for writes). You see only the stations you belong to. Errors are always "
        '`{"detail": "...", "errors": {"field": ["message"]}}`; 409 (same shape) when there is not enough '
        "stock or money left, or a plan is not in the status the operation needs."
    ),
    auth=[TokenAuth(), SessionAuth()],
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
    # With "ninja" in INSTALLED_APPS Swagger UI is served from the package's
    # own static files: the docs work without reaching a CDN.
    docs=Swagger(settings={"persistAuthorization": True}),
)
install_error_handlers(api)
install_conflict_handlers(api)

api.add_router("", resources.router)
api.add_router("", categories.router)
api.add_router("", communities.router)
api.add_router("", households.router)
api.add_router("", residents.router)
api.add_router("", needs.router)
api.add_router("", links.router)
api.add_router("", allocations.router)
api.add_router("", inventory.router)
api.add_router("", stocktakes.router)
api.add_router("", donations.router)
api.add_router("", fund.router)
api.add_router("", distribution.router)
api.add_router("", handovers.router)
