"""/donors and /donations: who gave what, in kind or in cash.

Receiving a donation is one call: in kind, its lines become lots in a store;
in cash, the amount goes into the charity fund (the general account, or an
account of its own when the donor set restrictions). A donor may be a
private person: their phone is masked for everyone and shown in full only
through the logged reveal; viewers get none of a donor's contact details.
"""

from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from resourcelink.accounts.access import roles_for
from resourcelink.communities.models import Community
from resourcelink.core.privacy import mask_phone
from resourcelink.core.services import reveal_field
from resourcelink.donations.models import Donation, DonationKind, Donor, DonorKind
from resourcelink.donations.selectors import (
    DonationFilter,
    DonorFilter,
    acknowledgement,
    donation_detail,
    donations_for_station,
    donor_history,
    donors_for_station,
    get_donation_for_user,
    get_donor_for_user,
)
from resourcelink.donations.services import (
    LineSpec,
    donation_feedback_record,
    donation_number,
    donation_receive,
    donor_archive,
    donor_create,
    donor_update,
)
from resourcelink.inventory.models import Item, Store
from resourcelink.people.models import VulnerabilityTag
from resourcelink.taxonomy.models import Category

from .common import (
    ERROR_RESPONSES,
    LIST_ERRORS,
    READ_ERRORS,
    PageOut,
    PageParams,
    RefOut,
    paginate,
    ref,
    single_station_id,
)
from .households import is_viewer, lookup, raise_if, station_for
from .inventory import (
    ArchiveIn,
    ItemRefOut,
    StoreRefOut,
    UserRefOut,
    category_ref,
    item_ref,
    store_ref,
    user_ref,
)
from .resources import CategoryRefOut

router = Router(tags=["donations"])

CONTACT_FIELDS = ("contact_name", "phone", "email", "address", "notes")


# --- schemas ----------------------------------------------------------------------------


class DonorOut(Schema):
    id: int
    station: int
    kind: str = Field(description="enterprise, organization, party_member, individual or government.")
    name: str
    may_be_named: bool = Field(description="Whether public pages may show the donor's name.")
    contact_name: str | None = Field(description="Null for viewers.")
    phone: str | None = Field(description="Masked (138****5678); null for viewers.")
    email: str | None = Field(description="Null for viewers.")
    address: str | None = Field(description="Null for viewers.")
    notes: str | None = Field(description="Null for viewers.")
    archived: bool
    donation_count: int
    last_received_on: date | None = Field(description="When their last donation came.")
    created_on: datetime


class DonorPage(PageOut):
    results: list[DonorOut]


class DonorFilterParams(Schema):
    station: int | None = Field(None, description="Station id; needed if you belong to several stations.")
    q: str | None = Field(None, description="Name contains.")
    kind: str | None = Field(None, description="enterprise, organization, party_member, individual or government.")
    archived: bool = Field(False, description="List archived donors instead.")


class DonorWriteBase(Schema):
    kind: str | None = Field(None, description="enterprise, organization, party_member, individual or "
                                              "government.")
    contact_name: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    may_be_named: bool | None = Field(None, description="Whether public pages may show the donor's name.")
    notes: str | None = None
    reason: str = Field("", description="Why, for the record's history.")


class DonorCreateIn(DonorWriteBase):
    station: int | None = Field(None, description="Station id; needed if you belong to several stations.")
    kind: str = Field(description="enterprise, organization, party_member, individual or government.")
    name: str


class DonorPatchIn(DonorWriteBase):
    name: str | None = None


class PhoneOut(Schema):
    phone: str


class DonorRefOut(Schema):
    id: int
    kind: str
    name: str


class StationRefOut(Schema):
    id: int
    name: str


class DonationOut(Schema):
    id: int
    uuid: UUID
    station: int
    number: str = Field(description="The acknowledgement number, like JZ-2026-0001.")
    donor: DonorRefOut
    kind: str = Field(description="in_kind or cash.")
    amount: Decimal | None = Field(description="Cash: yuan.")
    received_on: date
    received_by: UserRefOut
    description: str
    use_by: date | None
    restriction_note: str
    feedback_sent_on: date | None = Field(description="When the donor was given feedback; null while waiting.")
    line_count: int
    total_quantity: int | None
    lines_value: Decimal | None = Field(description="In kind: the lines' estimated value (yuan).")


class DonationPage(PageOut):
    results: list[DonationOut]


class DonationFilterParams(Schema):
    station: int | None = Field(None, description="Station id; needed if you belong to several stations.")
    q: str | None = Field(None, description="Donor name contains.")
    kind: str | None = Field(None, description="in_kind or cash.")
    donor: int | None = Field(None, description="Donor id.")
    received_from: date | None = None
    received_to: date | None = None
    awaiting_feedback: bool = Field(False, description="Only donations whose donor has had no feedback yet.")


class DonationLineOut(Schema):
    item: ItemRefOut
    quantity: int
    expires_on: date | None
    estimated_value: Decimal | None


class TagRefOut(Schema):
    id: int
    code: str
    name: str


class AcknowledgementOut(Schema):
    """What a printable acknowledgement shows."""

    number: str
    station: StationRefOut
    donor: DonorRefOut
    kind: str
    kind_label: str
    lines: list[DonationLineOut]
    goods_value: Decimal | None
    amount: Decimal | None
    received_on: date
    received_by_name: str
    description: str
    restricted: bool
    target_tags: list[TagRefOut]
    communities: list[RefOut]
    categories: list[CategoryRefOut]
    use_by: date | None
    restriction_note: str


class LotBriefOut(Schema):
    id: int
    store: StoreRefOut


class DonationLineDetailOut(DonationLineOut):
    lots: list[LotBriefOut] = Field(description="The lots it made in the store room.")


class DonationDetailOut(DonationOut):
    lines: list[DonationLineDetailOut]
    restricted: bool
    target_tags: list[TagRefOut]
    communities: list[RefOut]
    categories: list[CategoryRefOut]
    fund_account: int | None = Field(description="Cash: the fund account the money went into.")
    report_token: str | None = Field(description="The unguessable part of the donor report's shareable link; "
                                                 "editors only, null for others.")


class DonorDetailOut(DonorOut):
    cash_total: Decimal
    goods_value_total: Decimal
    donations: list[DonationOut] = Field(description="Newest first.")


class LineIn(Schema):
    item: int = Field(description="Catalogue item id.")
    quantity: int
    expires_on: date | None = None
    estimated_value: Decimal | None = Field(None, description="Of the whole line, in yuan.")


class DonationIn(Schema):
    station: int | None = Field(None, description="Station id; needed if you belong to several stations.")
    donor: int = Field(description="Donor id.")
    kind: str = Field(description="in_kind or cash.")
    received_on: date
    lines: list[LineIn] = Field(default_factory=list, description="In kind: what came in.")
    store: int | None = Field(None, description="In kind: the store the goods go into (store id).")
    amount: Decimal | None = Field(None, description="Cash: yuan, at most two decimal places.")
    target_tags: list[int] = Field(default_factory=list, description="Only for residents with one of these "
                                                                     "vulnerabilities (ids).")
    categories: list[str] = Field(default_factory=list, description="Only for needs in these categories (codes).")
    communities: list[int] = Field(default_factory=list, description="Only in these communities (ids).")
    use_by: date | None = None
    restriction_note: str = Field("", description="The donor's wishes in their words.")
    description: str = ""


class FeedbackIn(Schema):
    sent_on: date = Field(description="The day the donor was given feedback.")


# --- output -----------------------------------------------------------------------------


def donor_out(donor: Donor, roles: dict[int, str]) -> dict:
    """A donor read through ``donors_for_station`` (with ``donation_count`` and ``last_received_on``)."""
    viewer = is_viewer(roles, donor.station_id)
    contact = {name: None if viewer else getattr(donor, name) for name in CONTACT_FIELDS}
    if not viewer:
        contact["phone"] = mask_phone(donor.phone)
    return {
        "id": donor.pk, "station": donor.station_id, "kind": donor.kind, "name": donor.name,
        "may_be_named": donor.may_be_named, **contact, "archived": donor.is_archived,
        "donation_count": donor.donation_count, "last_received_on": donor.last_received_on,
        "created_on": donor.created_on,
    }


def donor_ref(donor: Donor) -> dict:
    return {"id": donor.pk, "kind": donor.kind, "name": donor.name}


def donation_out(donation: Donation) -> dict:
    """A donation read through ``donations_for_station`` or ``donor_history`` (with totals)."""
    return {
        "id": donation.pk, "uuid": donation.uuid, "station": donation.station_id,
        "number": donation_number(donation),
        "donor": donor_ref(donation.donor),
        "kind": donation.kind, "amount": donation.amount, "received_on": donation.received_on,
        "received_by": user_ref(donation.received_by), "description": donation.description,
        "use_by": donation.use_by, "restriction_note": donation.restriction_note,
        "feedback_sent_on": donation.feedback_sent_on, "line_count": donation.line_count,
        "total_quantity": donation.total_quantity, "lines_value": donation.lines_value,
    }


def tag_refs(tags) -> list[dict]:
    return [{"id": t.pk, "code": t.code, "name": t.name} for t in tags]


def _lines(ack: dict) -> list[dict]:
    return [{"item": item_ref(line["item"]), "quantity": line["quantity"], "expires_on": line["expires_on"],
             "estimated_value": line["estimated_value"]} for line in ack["lines"]]


def donation_detail_out(user, pk: int) -> dict:
    donation = get_donation_for_user(user, pk)
    row = donations_for_station(donation.station_id).get(pk=donation.pk)
    detail = donation_detail(donation)
    editor = not is_viewer(roles_for(user), donation.station_id)
    return {
        **donation_out(row),
        "lines": [{"item": item_ref(line.item), "quantity": line.quantity, "expires_on": line.expires_on,
                   "estimated_value": line.estimated_value,
                   "lots": [{"id": lot.pk, "store": store_ref(lot.store)} for lot in line.lots.all()]}
                  for line in detail["lines"]],
        "restricted": detail["restricted"], "target_tags": tag_refs(detail["target_tags"]),
        "communities": [ref(c) for c in detail["communities"]],
        "categories": [category_ref(c) for c in detail["categories"]],
        "fund_account": detail["account"].pk if detail["account"] else None,
        "report_token": donation.report_token if editor else None,
    }


# --- input ------------------------------------------------------------------------------


def _choice(value, choices, field: str, errors: dict) -> None:
    if value is not None and value not in choices.values:
        errors[field] = [_("Choose one of: %(list)s.") % {"list": ", ".join(choices.values)}]


def _donor_fields(payload: DonorWriteBase, *, partial: bool) -> dict:
    data = payload.dict(exclude_unset=partial, exclude={"station", "reason"})
    if not partial:
        data = {k: v for k, v in data.items() if v is not None}
    errors: dict = {}
    _choice(data.get("kind"), DonorKind, "kind", errors)
    for name in ("name", "kind", "may_be_named"):
        if name in data and (data[name] is None or (isinstance(data[name], str) and not data[name].strip())):
            errors[name] = [_("This field cannot be empty.")]
    for name in CONTACT_FIELDS:
        if name in data:
            data[name] = (data[name] or "").strip()
    if "name" in data and data["name"]:
        data["name"] = data["name"].strip()
    raise_if(errors)
    return data


def by_ids(model, station_id: int, ids: list, field: str, errors: dict, *, key: str = "pk") -> list:
    """Records of the station by id (or ``key``); one field error naming the unknown ones."""
    wanted = list(dict.fromkeys(ids))
    found = list(model.objects.filter(station_id=station_id, **{f"{key}__in": wanted}))
    unknown = [str(v) for v in wanted if v not in {getattr(o, key) for o in found}]
    if unknown:
        errors[field] = [_("No such record at this station: %(list)s.") % {"list": ", ".join(unknown)}]
    return found


# --- donors -----------------------------------------------------------------------------


@router.get("/donors", response={200: DonorPage, **LIST_ERRORS}, summary="List donors",
            description="By name. Phones are masked; viewers get no contact details.")
def donor_list(request: HttpRequest, filters: Query[DonorFilterParams], pages: Query[PageParams]):
    user = request.auth
    station_id = single_station_id(user, filters.station)
    errors: dict = {}
    _choice(filters.kind, DonorKind, "kind", errors)
    raise_if(errors)
    qs = donors_for_station(station_id, DonorFilter(q=filters.q or "", kind=filters.kind or "",
                                                    archived=filters.archived))
    roles = roles_for(user)
    return paginate(request, qs, pages, lambda d: donor_out(d, roles))


def _donor_detail(user, pk: int) -> dict:
    donor = get_donor_for_user(user, pk)
    history = donor_history(donor)
    donor.donation_count = history["count"]
    donor.last_received_on = max((d.received_on for d in history["donations"]), default=None)
    return {**donor_out(donor, roles_for(user)),
            "cash_total": history["cash_total"], "goods_value_total": history["goods_value_total"],
            "donations": [donation_out(d) for d in history["donations"]]}


@router.get("/donors/{int:donor_id}", response={200: DonorDetailOut, **READ_ERRORS},
            summary="One donor with their giving history")
def donor_detail(request: HttpRequest, donor_id: int):
    return _donor_detail(request.auth, donor_id)


@router.post("/donors", response={201: DonorDetailOut, **ERROR_RESPONSES}, summary="Add a donor",
             description="Needs the admin, social worker or coordinator role at the station.")
def donor_add(request: HttpRequest, payload: DonorCreateIn):
    user = request.auth
    station = station_for(user, payload.station)
    donor = donor_create(actor=user, station=station, **_donor_fields(payload, partial=False))
    return Status(201, _donor_detail(user, donor.pk))


@router.patch("/donors/{int:donor_id}", response={200: DonorDetailOut, **ERROR_RESPONSES}, summary="Change a donor",
              description="Only the fields sent change. Needs the admin, social worker or coordinator role.")
def donor_change(request: HttpRequest, donor_id: int, payload: DonorPatchIn):
    user = request.auth
    donor = get_donor_for_user(user, donor_id)
    donor_update(actor=user, donor=donor, reason=payload.reason, **_donor_fields(payload, partial=True))
    return _donor_detail(user, donor.pk)


@router.post("/donors/{int:donor_id}/archive", response={200: DonorDetailOut, **ERROR_RESPONSES},
             summary="Archive a donor",
             description="Kept with their donations, offered no more for new ones. Needs the admin, social worker "
                         "or coordinator role.")
def donor_archive_op(request: HttpRequest, donor_id: int, payload: ArchiveIn):
    user = request.auth
    donor_archive(actor=user, donor=get_donor_for_user(user, donor_id), reason=payload.reason)
    return _donor_detail(user, donor_id)


@router.post("/donors/{int:donor_id}/reveal-phone", response={200: PhoneOut, **ERROR_RESPONSES},
             summary="Show a donor's full phone",
             description="Admins and social workers only. Every call is logged (who, when, which donor).")
def donor_reveal_phone(request: HttpRequest, donor_id: int):
    donor = get_donor_for_user(request.auth, donor_id)
    return {"phone": reveal_field(actor=request.auth, obj=donor, field="phone")}


# --- donations --------------------------------------------------------------------------


@router.get("/donations", response={200: DonationPage, **LIST_ERRORS}, summary="List donations",
            description="Newest first; `awaiting_feedback=true` lists those whose donor has had no feedback yet.")
def donation_list(request: HttpRequest, filters: Query[DonationFilterParams], pages: Query[PageParams]):
    station_id = single_station_id(request.auth, filters.station)
    errors: dict = {}
    _choice(filters.kind, DonationKind, "kind", errors)
    donor = lookup(Donor, station_id, filters.donor, "donor", errors)
    raise_if(errors)
    qs = donations_for_station(station_id, DonationFilter(
        q=filters.q or "", kind=filters.kind or "", donor=donor, received_from=filters.received_from,
        received_to=filters.received_to, awaiting_feedback=filters.awaiting_feedback))
    return paginate(request, qs, pages, donation_out)


@router.get("/donations/{int:donation_id}", response={200: DonationDetailOut, **READ_ERRORS},
            summary="One donation with its lines and restrictions")
def donation_get(request: HttpRequest, donation_id: int):
    return donation_detail_out(request.auth, donation_id)


@router.post("/donations", response={201: DonationDetailOut, **ERROR_RESPONSES},
             summary="Receive a donation, in kind or in cash",
             description="In kind: `lines` and `store`; each line becomes a lot in the store. Cash: `amount`; it "
                         "goes into the general fund account, or into an account of its own when the donor set "
                         "restrictions (`target_tags`, `categories`, `communities`, `use_by`). Every problem is "
                         "reported at once; line problems under `lines` by line number. Needs the admin, social "
                         "worker or coordinator role.")
def donation_add(request: HttpRequest, payload: DonationIn):
    user = request.auth
    station = station_for(user, payload.station)
    errors: dict = {}
    donor = lookup(Donor, station.pk, payload.donor, "donor", errors)
    store = lookup(Store, station.pk, payload.store, "store", errors)
    items = {i.pk: i for i in Item.objects.filter(station=station, pk__in=[line.item for line in payload.lines])}
    target_tags = by_ids(VulnerabilityTag, station.pk, payload.target_tags, "target_tags", errors)
    categories = by_ids(Category, station.pk, payload.categories, "categories", errors, key="code")
    communities = by_ids(Community, station.pk, payload.communities, "communities", errors)
    raise_if(errors)
    lines = [LineSpec(items.get(line.item), line.quantity, line.expires_on, line.estimated_value)
             for line in payload.lines]
    donation = donation_receive(
        actor=user, station=station, donor=donor, kind=payload.kind, received_on=payload.received_on, lines=lines,
        store=store, amount=payload.amount, target_tags=target_tags, categories=categories,
        communities=communities, use_by=payload.use_by, restriction_note=payload.restriction_note.strip(),
        description=payload.description.strip())
    return Status(201, donation_detail_out(user, donation.pk))


@router.post("/donations/{int:donation_id}/feedback", response={200: DonationDetailOut, **ERROR_RESPONSES},
             summary="Record that the donor was given feedback",
             description="Not in the future, nor before the donation was received. Needs the admin, social worker "
                         "or coordinator role.")
def donation_feedback(request: HttpRequest, donation_id: int, payload: FeedbackIn):
    user = request.auth
    donation_feedback_record(actor=user, donation=get_donation_for_user(user, donation_id), sent_on=payload.sent_on)
    return donation_detail_out(user, donation_id)


@router.get("/donations/{int:donation_id}/acknowledgement", response={200: AcknowledgementOut, **READ_ERRORS},
            summary="What the donation's printable acknowledgement shows")
def donation_acknowledgement(request: HttpRequest, donation_id: int):
    ack = acknowledgement(get_donation_for_user(request.auth, donation_id))
    station = ack["station"]
    return {
        **{k: ack[k] for k in ("number", "kind", "goods_value", "amount", "received_on", "received_by_name",
                               "description", "restricted", "use_by", "restriction_note")},
        "kind_label": str(ack["kind_label"]),
        "station": {"id": station.pk, "name": station.name},
        "donor": donor_ref(ack["donor"]),
        "lines": _lines(ack), "target_tags": tag_refs(ack["target_tags"]),
        "communities": [ref(c) for c in ack["communities"]],
        "categories": [category_ref(c) for c in ack["categories"]],
    }
