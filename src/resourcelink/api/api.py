"""The JSON API, version 1, served under /api/v1/."""

from ninja import NinjaAPI, Swagger

from . import allocations, categories, communities, households, links, needs, residents, resources
from .common import SessionAuth, TokenAuth, install_error_handlers

api = NinjaAPI(
    title="ResourceLink API",
    version="1",
    description=(
        "The resource directory, households, needs and allocations of a community social work station. "
        "Residents' personal data is always masked; staff reveal one field at a time, logged. "
        "Authenticate with an API token (`Authorization: Bearer <key>`) or, from the web pages, the logged-in session (with the CSRF token "
        "for writes). You see only the stations you belong to. Errors are always "
        '`{"detail": "...", "errors": {"field": ["message"]}}`.'
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

api.add_router("", resources.router)
api.add_router("", categories.router)
api.add_router("", communities.router)
api.add_router("", households.router)
api.add_router("", residents.router)
api.add_router("", needs.router)
api.add_router("", links.router)
api.add_router("", allocations.router)
