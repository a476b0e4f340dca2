"""/plans/{id}/…handover(s) and /plans/{id}/surplus: what an approved plan
hands out, and what is decided about what a closed plan left.

A hand-over issues a line's portions from the plan's reservation (the first
one moves the plan to in progress); in bulk, all or nothing. The surplus of
a closed plan is decided per source lot: commend volunteers, an online
activity, a transfer to another store or station, or keep. Award names are
masked and viewers get none, nor the reasons.
"""

from datetime import datetime

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from resourcelink.accounts.access import roles_for
from resourcelink.accounts.models import Station
from resourcelink.core.privacy import mask_name
from resourcelink.distribution.models import Plan, SurplusDecision
from resourcelink.distribution.selectors import get_plan_for_user, surplus_for_plan
from resourcelink.distribution.services import handover_record, handover_record_bulk, surplus_decide
from resourcelink.inventory.models import Lot, Store
from resourcelink.people.models import Resident

from .common import READ_ERRORS
from .conflicts import CONFLICT_RESPONSES
from .distribution import LineOut, LotRefOut, line_detail, lot_ref, plan_line_for
from .households import is_viewer, lookup, raise_if
from .inventory import UserRefOut, user_ref

router = Router(tags=["distribution"])


# --- schemas ----------------------------------------------------------------------------


class HandoverIn(Schema):
    collected_by: str = Field("", description="Empty: the household collected it; else who did for them.")
    note: str = ""
    handed_over_on: datetime | None = Field(None, description="Default: now. Without a UTC offset, the "
                                                              "station's local time.")


class HandoverOut(Schema):
    line: LineOut
    plan_status: str


class BulkHandoverIn(Schema):
    line_ids: list[int] = Field(description="Lines of this plan waiting to be handed over; all or nothing.")
    note: str = ""


class BulkHandoverOut(Schema):
    handed_over: int
    line_ids: list[int]
    plan_status: str


class SurplusRowOut(Schema):
    lot: LotRefOut
    released: int = Field(description="Units closing released (lines not collected).")
    decided: int
    left: int = Field(description="Units still waiting for a decision.")


class AwardIn(Schema):
    resident: int | None = Field(None, description="Resident id of the volunteer, if they are one.")
    name: str = Field("", description="The volunteer's name (needed without a resident).")
    quantity: int


class SurplusIn(Schema):
    lot: int = Field(description="One of the plan's source lots.")
    kind: str = Field(description="commend, online, transfer or keep.")
    quantity: int
    to_store: int | None = Field(None, description="transfer: another store of the station.")
    to_station: int | None = Field(None, description="transfer: another station (id).")
    activity: str = Field("", description="online: the activity and where it is announced.")
    reason: str = ""
    awards: list[AwardIn] = Field(default_factory=list, description="commend: units per volunteer, summing to "
                                                                    "quantity.")


class AwardOut(Schema):
    resident: int | None = Field(description="Null for viewers.")
    name: str | None = Field(description="Masked; null for viewers.")
    quantity: int


class SurplusDecisionOut(Schema):
    id: int
    plan: int
    lot: int
    kind: str
    quantity: int
    to_store: int | None
    to_station: int | None
    activity: str
    reason: str | None = Field(description="Null for viewers.")
    awards: list[AwardOut]
    created_on: datetime
    created_by: UserRefOut | None


class SurplusOut(Schema):
    lots: list[SurplusRowOut]
    decisions: list[SurplusDecisionOut]


def aware(moment: datetime | None) -> datetime | None:
    """A time sent without an offset is the station's local time."""
    if moment is not None and timezone.is_naive(moment):
        return timezone.make_aware(moment)
    return moment


# --- output -----------------------------------------------------------------------------


def decision_out(d: SurplusDecision, viewer: bool) -> dict:
    return {
        "id": d.pk, "plan": d.plan_id, "lot": d.lot_id, "kind": d.kind, "quantity": d.quantity,
        "to_store": d.to_store_id, "to_station": d.to_station_id, "activity": d.activity,
        "reason": None if viewer else d.reason,
        "awards": [{"resident": None if viewer else a.resident_id,
                    "name": None if viewer else mask_name(a.name or (a.resident.name if a.resident_id else "")),
                    "quantity": a.quantity} for a in d.awards.all()],
        "created_on": d.created_on, "created_by": user_ref(d.created_by),
    }


@router.post("/plans/{int:plan_id}/lines/{int:line_id}/handover", response={200: HandoverOut, **CONFLICT_RESPONSES},
             summary="Record a line as handed over",
             description="Issues the line's portions from the plan's reservation; the first hand-over moves the "
                         "plan to in progress. 409 unless the plan is approved or in progress; 400 if the line "
                         "was already handed over (saying when) or removed. Needs the admin, social worker or "
                         "coordinator role.")
def plan_line_handover(request: HttpRequest, plan_id: int, line_id: int, payload: HandoverIn):
    user = request.auth
    line = plan_line_for(user, plan_id, line_id)
    handover_record(actor=user, line=line, collected_by=payload.collected_by, note=payload.note,
                    handed_over_on=aware(payload.handed_over_on))
    return {"line": line_detail(user, line_id), "plan_status": get_plan_for_user(user, plan_id).status}


@router.post("/plans/{int:plan_id}/handovers", response={200: BulkHandoverOut, **CONFLICT_RESPONSES},
             summary="Record many lines as handed over",
             description="All or nothing: a line of another plan, or one not waiting to be handed over, refuses "
                         "them all (400 under `line_ids`, naming the lines). Needs the admin, social worker or "
                         "coordinator role.")
def plan_bulk_handover(request: HttpRequest, plan_id: int, payload: BulkHandoverIn):
    user = request.auth
    plan = get_plan_for_user(user, plan_id)
    handovers = handover_record_bulk(actor=user, plan=plan, line_ids=payload.line_ids, note=payload.note)
    plan = get_plan_for_user(user, plan_id)
    return {"handed_over": len(handovers), "line_ids": sorted(h.line_id for h in handovers),
            "plan_status": plan.status}


# --- surplus ----------------------------------------------------------------------------


def _surplus(user, plan: Plan) -> dict:
    viewer = is_viewer(roles_for(user), plan.station_id)
    decisions = (SurplusDecision.objects.filter(plan=plan).select_related("created_by")
                 .prefetch_related("awards__resident").order_by("id"))
    return {"lots": [{"lot": lot_ref(r["lot"]), "released": r["released"], "decided": r["decided"],
                      "left": r["left"]} for r in surplus_for_plan(plan)],
            "decisions": [decision_out(d, viewer) for d in decisions]}


@router.get("/plans/{int:plan_id}/surplus", response={200: SurplusOut, **READ_ERRORS},
            summary="What a closed plan left, and the decisions taken",
            description="Per source lot: units released by closing, decided, and left to decide.")
def plan_surplus(request: HttpRequest, plan_id: int):
    return _surplus(request.auth, get_plan_for_user(request.auth, plan_id))


@router.post("/plans/{int:plan_id}/surplus", response={201: SurplusOut, **CONFLICT_RESPONSES},
             summary="Decide what happens to a closed plan's surplus",
             description="For one of the plan's lots, at most what is left to decide: commend volunteers "
                         "(`awards`, issued), an online activity (`activity`, issued), transfer to another store "
                         "(`to_store`) or station (`to_station`), or keep. Needs the admin, social worker or "
                         "coordinator role.")
def plan_surplus_decide(request: HttpRequest, plan_id: int, payload: SurplusIn):
    user = request.auth
    plan = get_plan_for_user(user, plan_id)
    errors: dict = {}
    lot = lookup(Lot, plan.station_id, payload.lot, "lot", errors)
    to_store = lookup(Store, plan.station_id, payload.to_store, "to_store", errors)
    to_station = None
    if payload.to_station is not None:
        to_station = Station.objects.filter(pk=payload.to_station).first()
        if to_station is None:
            errors["to_station"] = [_("No such station.")]
    awards = []
    for n, award in enumerate(payload.awards, start=1):
        resident = None
        if award.resident is not None:
            resident = Resident.objects.filter(station_id=plan.station_id, pk=award.resident).first()
            if resident is None:
                errors.setdefault("awards", []).append(_("award %(n)s: no such resident at this station")
                                                       % {"n": n})
        awards.append((resident, award.name, award.quantity))
    raise_if(errors)
    surplus_decide(actor=user, plan=plan, lot=lot, kind=payload.kind, quantity=payload.quantity,
                   to_store=to_store, to_station=to_station, activity=payload.activity, reason=payload.reason,
                   awards=awards)
    return Status(201, _surplus(user, plan))
