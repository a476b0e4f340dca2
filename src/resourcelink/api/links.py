"""/links: needs joined to the resources that meet them."""

from datetime import date, datetime
from uuid import UUID

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from resourcelink.accounts.access import roles_for
from resourcelink.directory.models import Resource
from resourcelink.needs.models import Link, LinkStatus, Need
from resourcelink.needs.selectors import get_link_for_user, links_for_station, need_detail
from resourcelink.needs.services import link_create, link_transition

from .common import (
    ERROR_RESPONSES,
    LIST_ERRORS,
    READ_ERRORS,
    PageOut,
    PageParams,
    paginate,
    single_station_id,
)
from .households import is_viewer, lookup, raise_if

router = Router(tags=["links"])


class ResourceBriefOut(Schema):
    id: int
    name: str


class LinkOut(Schema):
    id: int
    uuid: UUID
    station: int
    need: int
    resource: ResourceBriefOut
    quantity: int
    status: str
    follow_up_on: date | None
    outcome: str | None = Field(description="Null for viewers.")
    feedback: str | None = Field(description="The resident's feedback; null for viewers.")
    delivered_on: datetime | None
    allocation_run: int | None
    consent_overridden: bool
    created_on: datetime


class LinkPage(PageOut):
    results: list[LinkOut]


class LinkFilterParams(Schema):
    station: int | None = Field(None, description="Station id; needed if you belong to several stations.")
    need: int | None = Field(None, description="Need id.")
    resource: int | None = Field(None, description="Resource id.")
    status: str | None = Field(None, description="proposed, confirmed, delivered, failed or cancelled.")
    follow_up_by: date | None = Field(None, description="Live links to follow up on or before this date.")


class LinkCreateIn(Schema):
    need: int = Field(description="Need id.")
    resource: int = Field(description="Resource id.")
    quantity: int = Field(1, ge=1)
    follow_up_on: date | None = None
    consent_override_reason: str = Field(
        "", description="Admins only: why the resident's details go to an outside organisation without their "
                        "consent to share.")


class LinkTransitionIn(Schema):
    to_status: str = Field(description="confirmed, delivered, failed or cancelled (as the link's status allows).")
    reason: str = Field("", description="Needed for failed and cancelled.")
    outcome: str = ""
    feedback: str = ""
    follow_up_on: date | None = None


def link_out(link: Link, roles: dict[int, str]) -> dict:
    viewer = is_viewer(roles, link.station_id)
    return {
        "id": link.pk,
        "uuid": link.uuid,
        "station": link.station_id,
        "need": link.need_id,
        "resource": {"id": link.resource_id, "name": link.resource.name},
        "quantity": link.quantity,
        "status": link.status,
        "follow_up_on": link.follow_up_on,
        "outcome": None if viewer else link.outcome,
        "feedback": None if viewer else link.feedback,
        "delivered_on": link.delivered_on,
        "allocation_run": link.allocation_run_id,
        "consent_overridden": bool(link.consent_override_reason),
        "created_on": link.created_on,
    }


def _detail(user, pk: int) -> dict:
    return link_out(get_link_for_user(user, pk), roles_for(user))


@router.get("/links", response={200: LinkPage, **LIST_ERRORS}, summary="List links")
def link_list(request: HttpRequest, filters: Query[LinkFilterParams], pages: Query[PageParams]):
    user = request.auth
    station_id = single_station_id(user, filters.station)
    errors: dict = {}
    lookup(Need, station_id, filters.need, "need", errors)
    lookup(Resource, station_id, filters.resource, "resource", errors)
    if filters.status and filters.status not in LinkStatus.values:
        errors["status"] = [_("Choose one of: %(list)s.") % {"list": ", ".join(LinkStatus.values)}]
    raise_if(errors)
    qs = links_for_station(station_id, need_id=filters.need, resource_id=filters.resource,
                           status=filters.status or "", follow_up_by=filters.follow_up_by)
    roles = roles_for(user)
    return paginate(request, qs, pages, lambda link: link_out(link, roles))


@router.get("/links/{int:link_id}", response={200: LinkOut, **READ_ERRORS}, summary="One link")
def link_get(request: HttpRequest, link_id: int):
    return _detail(request.auth, link_id)


@router.post("/links", response={201: LinkOut, **ERROR_RESPONSES}, summary="Link a need to a resource",
             description="Refused (400, with the reasons) when the resource has not enough left, the household is "
                         "not eligible, or an outside organisation would get the resident's details without "
                         "consent. Needs the admin, social worker or coordinator role.")
def link_add(request: HttpRequest, payload: LinkCreateIn):
    user = request.auth
    need = need_detail(user, payload.need)
    errors: dict = {}
    resource = lookup(Resource, need.station_id, payload.resource, "resource", errors)
    raise_if(errors)
    link = link_create(actor=user, need=need, resource=resource, quantity=payload.quantity,
                       follow_up_on=payload.follow_up_on, consent_override_reason=payload.consent_override_reason)
    return Status(201, _detail(user, link.pk))


@router.post("/links/{int:link_id}/transition", response={200: LinkOut, **ERROR_RESPONSES},
             summary="Move a link to another status",
             description="The need follows when its last live link ends. Needs the admin, social worker or "
                         "coordinator role.")
def link_move(request: HttpRequest, link_id: int, payload: LinkTransitionIn):
    user = request.auth
    link = get_link_for_user(user, link_id)
    link_transition(actor=user, link=link, to_status=payload.to_status, reason=payload.reason,
                    outcome=payload.outcome, feedback=payload.feedback, follow_up_on=payload.follow_up_on)
    return _detail(user, link.pk)
