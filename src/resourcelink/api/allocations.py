"""/allocations: draft assignments of supply to many needs at once.

A run is created (computed at once), read with its lines and unmet needs,
and accepted (all lines or some) into links. Viewers see the lines without
households' names or vulnerabilities.
"""

from datetime import datetime
from typing import Literal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from resourcelink.accounts.access import roles_for
from resourcelink.matching.models import AllocationRun
from resourcelink.matching.selectors import get_run_for_user, run_lines, run_unmet, runs_for_station
from resourcelink.matching.services import allocation_run_accept, allocation_run_create

from .common import (
    ERROR_RESPONSES,
    LIST_ERRORS,
    MAX_PAGE_SIZE,
    PageOut,
    PageParams,
    paginate,
    single_station_id,
)
from .households import is_viewer, station_for

router = Router(tags=["allocations"])


class NeedSelection(Schema):
    category_ids: list[int] = Field(default_factory=list, description="Categories (sub-categories included).")
    community_ids: list[int] = Field(default_factory=list)
    grid_ids: list[int] = Field(default_factory=list)
    urgencies: list[str] = Field(default_factory=list, description="critical, high, normal, low.")


class SupplySelection(Schema):
    category_ids: list[int] = Field(default_factory=list)
    community_ids: list[int] = Field(default_factory=list)
    kinds: list[str] = Field(default_factory=list, description="Resource kinds.")
    resource_ids: list[int] = Field(default_factory=list)


class Policy(Schema):
    tiers: Literal["none", "urgency", "tags"] = "none"
    priority_tag_ids: list[int] = Field(default_factory=list, description="With tiers=tags: served first.")
    household_cap: int | None = Field(None, ge=1, description="At most this much per household.")
    max_distance_km: float | None = Field(None, ge=0)
    distance_weight: float | None = Field(None, ge=0)


class AllocationCreateIn(Schema):
    station: int | None = Field(None, description="Station id; needed if you belong to several stations.")
    needs: NeedSelection = Field(default_factory=NeedSelection, description="Which needs; empty lists mean all.")
    supply: SupplySelection = Field(default_factory=SupplySelection, description="Which supply; empty: all.")
    policy: Policy = Field(default_factory=Policy)


class AllocationOut(Schema):
    id: int
    uuid: UUID
    station: int
    status: str
    parameters: dict
    needs_count: int
    supply_count: int
    pairs_count: int
    lines_count: int
    unmet_count: int
    quantity_asked: int
    quantity_allocated: int
    objective: float
    greedy_objective: float | None
    timings: dict
    created_on: datetime
    accepted_on: datetime | None


class AllocationPage(PageOut):
    results: list[AllocationOut]


class LineOut(Schema):
    id: int
    need: int
    resource: int
    resource_name: str
    quantity: int
    fit: str
    distance_m: int | None
    tier: int
    weight: float
    link: int | None
    category: str
    urgency: str
    household: str | None = Field(description="The household's masked name; null for viewers.")
    reasons: list[str]


class UnmetOut(Schema):
    id: int
    need: int
    quantity: int
    reason: str = Field(description="no_category, not_eligible, no_consent, too_far, household_cap or none_left.")
    reason_label: str
    tier: int
    category: str
    urgency: str
    household: str | None = Field(description="The household's masked name; null for viewers.")


class LinesPage(Schema):
    count: int
    page: int
    results: list[LineOut]


class UnmetPage(Schema):
    count: int
    page: int
    results: list[UnmetOut]


class AllocationDetailOut(AllocationOut):
    lines: LinesPage
    unmet: UnmetPage


class AllocationDetailParams(Schema):
    lines_page: int = Field(1, ge=1)
    unmet_page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=MAX_PAGE_SIZE)


class AcceptIn(Schema):
    line_ids: list[int] | None = Field(None, description="The lines to accept; all of them when left out.")


class AcceptOut(Schema):
    allocation: AllocationOut
    link_ids: list[int]


def run_out(run: AllocationRun) -> dict:
    return {
        "id": run.pk, "uuid": run.uuid, "station": run.station_id, "status": run.status,
        "parameters": run.parameters, "needs_count": run.needs_count, "supply_count": run.supply_count,
        "pairs_count": run.pairs_count, "lines_count": run.lines_count, "unmet_count": run.unmet_count,
        "quantity_asked": run.quantity_asked, "quantity_allocated": run.quantity_allocated,
        "objective": run.objective, "greedy_objective": run.greedy_objective, "timings": run.timings,
        "created_on": run.created_on, "accepted_on": run.accepted_on,
    }


def run_detail_out(run: AllocationRun, roles: dict[int, str], params: AllocationDetailParams) -> dict:
    personal = not is_viewer(roles, run.station_id)
    lines = run_lines(run, params.lines_page, personal=personal, per_page=params.page_size)
    unmet = run_unmet(run, params.unmet_page, personal=personal, per_page=params.page_size)
    return {
        **run_out(run),
        "lines": {"count": lines.paginator.count, "page": lines.number, "results": [{
            "id": r["line"].pk, "need": r["need"].pk, "resource": r["resource"].pk,
            "resource_name": r["resource"].name, "quantity": r["line"].quantity, "fit": r["line"].fit,
            "distance_m": r["line"].distance_m, "tier": r["line"].tier, "weight": r["line"].weight,
            "link": r["line"].link_id, "category": r["category"], "urgency": str(r["urgency"]),
            "household": r["household"] or None, "reasons": [str(x) for x in r["reasons"]],
        } for r in lines.object_list]},
        "unmet": {"count": unmet.paginator.count, "page": unmet.number, "results": [{
            "id": r["unmet"].pk, "need": r["need"].pk, "quantity": r["unmet"].quantity,
            "reason": r["unmet"].reason, "reason_label": str(r["reason"]), "tier": r["unmet"].tier,
            "category": r["category"], "urgency": str(r["urgency"]), "household": r["household"] or None,
        } for r in unmet.object_list]},
    }


@router.get("/allocations", response={200: AllocationPage, **LIST_ERRORS}, summary="List allocation runs")
def allocation_list(request: HttpRequest, pages: Query[PageParams], station: int | None = None,
                    status: str | None = None):
    station_id = single_station_id(request.auth, station)
    qs = runs_for_station(station_id)
    if status:
        if status not in AllocationRun.Status.values:
            raise ValidationError({"status": _("Choose one of: %(list)s.") % {
                "list": ", ".join(AllocationRun.Status.values)}})
        qs = qs.filter(status=status)
    return paginate(request, qs, pages, run_out)


@router.post("/allocations", response={201: AllocationDetailOut, **ERROR_RESPONSES},
             summary="Compute a draft allocation",
             description="Assigns the chosen supply to the chosen needs (most weighted quantity served, minus a "
                         "distance cost); nothing is linked until the draft is accepted. Needs the admin, social "
                         "worker or coordinator role.")
def allocation_add(request: HttpRequest, payload: AllocationCreateIn):
    user = request.auth
    station = station_for(user, payload.station)
    parameters = {"needs": payload.needs.dict(), "supply": payload.supply.dict(),
                  "policy": payload.policy.dict()}
    run = allocation_run_create(actor=user, station=station, parameters=parameters)
    run = get_run_for_user(user, run.pk)
    return Status(201, run_detail_out(run, roles_for(user), AllocationDetailParams()))


@router.get("/allocations/{int:run_id}", response={200: AllocationDetailOut, **LIST_ERRORS},
            summary="One allocation run with its lines and unmet needs",
            description="Lines and unmet needs are paged by `lines_page` and `unmet_page`.")
def allocation_detail(request: HttpRequest, run_id: int, params: Query[AllocationDetailParams]):
    run = get_run_for_user(request.auth, run_id)
    return run_detail_out(run, roles_for(request.auth), params)


@router.post("/allocations/{int:run_id}/accept", response={200: AcceptOut, **ERROR_RESPONSES},
             summary="Accept a draft (all lines or some) into links",
             description="All or nothing: if a line no longer fits, nothing is linked and the error names the "
                         "lines. A run is accepted once. Needs the admin, social worker or coordinator role.")
def allocation_accept(request: HttpRequest, run_id: int, payload: AcceptIn):
    user = request.auth
    run = get_run_for_user(user, run_id)
    links = allocation_run_accept(actor=user, run=run, line_ids=payload.line_ids)
    run = get_run_for_user(user, run_id)
    return {"allocation": run_out(run), "link_ids": [link.pk for link in links]}


