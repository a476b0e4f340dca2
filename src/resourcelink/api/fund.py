"""/fund: the community charity fund's accounts, ledger and movements.

Money moves only by appending entries through the fund services: a grant to
a household, a transfer between accounts (restricted money only to an
account restricted as much or more), an admin's correction. Not enough money
available is a 409 naming the account and what it holds; a grant the donor's
restriction does not allow is a 400 beside ``household``.

Entries name households only by id and masked name; viewers get neither,
nor the free-text reasons (which may name people).
"""

from datetime import date, datetime
from decimal import Decimal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from resourcelink.accounts.access import roles_for
from resourcelink.core.privacy import mask_name
from resourcelink.fund.models import FundAccount, FundEntry
from resourcelink.fund.selectors import fund_accounts, fund_ledger, get_account_for_user
from resourcelink.fund.services import fund_correct, fund_grant, fund_transfer
from resourcelink.people.models import Household

from .common import (
    LIST_ERRORS,
    READ_ERRORS,
    PageOut,
    PageParams,
    RefOut,
    paginate,
    ref,
    single_station_id,
)
from .conflicts import CONFLICT_RESPONSES
from .donations import TagRefOut, tag_refs
from .households import is_viewer, lookup, raise_if
from .inventory import UserRefOut, category_ref, user_ref
from .resources import CategoryRefOut

router = Router(tags=["fund"])


class AccountOut(Schema):
    id: int
    station: int
    name: str
    restricted: bool = Field(description="False for the general account.")
    donation: int | None = Field(description="The cash donation whose restrictions the account carries.")
    target_tags: list[TagRefOut] = Field(description="Only for households with a resident who has one of these.")
    communities: list[RefOut] = Field(description="Only for households in these communities.")
    categories: list[CategoryRefOut] = Field(description="Only for needs in these categories.")
    use_by: date | None
    note: str = Field(description="The donor's wishes in their words.")
    balance: Decimal
    reserved: Decimal = Field(description="Set aside for approved plans.")
    available: Decimal


class AccountParams(Schema):
    station: int | None = Field(None, description="Station id; needed if you belong to several stations.")


class EntryOut(Schema):
    id: int
    account: int
    kind: str = Field(description="donation_in, grant_out, transfer_out, transfer_in, correction, reserve or "
                                  "release.")
    amount: Decimal = Field(description="Positive in, negative out.")
    reserved_delta: Decimal
    household: int | None = Field(description="Grants: the household's id; null for viewers.")
    household_name: str | None = Field(description="Masked (张*); null for viewers.")
    donation: int | None
    counterpart: int | None = Field(description="The other half of a transfer.")
    reference: str
    entered_on: datetime
    entered_by: UserRefOut | None
    reason: str | None = Field(description="Null for viewers (free text may name people).")


class EntryPage(PageOut):
    results: list[EntryOut]


class GrantIn(Schema):
    household: int = Field(description="Household id.")
    amount: Decimal = Field(description="Yuan, more than zero, at most two decimal places.")
    reason: str = ""


class TransferIn(Schema):
    to_account: int = Field(description="Fund account id of the same station.")
    amount: Decimal = Field(description="Yuan, more than zero, at most two decimal places.")
    reason: str = ""


class CorrectionIn(Schema):
    amount: Decimal = Field(description="Yuan to add (positive) or take away (negative); not zero.")
    reason: str = Field(description="Why (required).")


class GrantOut(Schema):
    entry: EntryOut
    account: AccountOut = Field(description="The account after the grant.")


class TransferOut(Schema):
    out: EntryOut
    into: EntryOut
    from_account: AccountOut
    to_account: AccountOut


def account_out(account: FundAccount) -> dict:
    """An account read through ``fund_accounts`` or ``get_account_for_user`` (the
    donation's restrictions prefetched)."""
    donation = account.donation
    return {
        "id": account.pk, "station": account.station_id, "name": account.name,
        "restricted": account.is_restricted, "donation": account.donation_id,
        "target_tags": tag_refs(donation.target_tags.all()) if donation else [],
        "communities": [ref(c) for c in donation.communities.all()] if donation else [],
        "categories": [category_ref(c) for c in donation.categories.all()] if donation else [],
        "use_by": donation.use_by if donation else None, "note": donation.restriction_note if donation else "",
        "balance": account.balance, "reserved": account.reserved, "available": account.available,
    }


def entry_out(entry: FundEntry, viewer: bool) -> dict:
    household = entry.household if entry.household_id else None
    return {
        "id": entry.pk, "account": entry.account_id, "kind": entry.kind, "amount": entry.amount,
        "reserved_delta": entry.reserved_delta,
        "household": None if viewer else entry.household_id,
        "household_name": None if viewer or household is None else mask_name(household.name),
        "donation": entry.donation_id, "counterpart": entry.counterpart_id, "reference": entry.reference,
        "entered_on": entry.entered_on, "entered_by": user_ref(entry.entered_by),
        "reason": None if viewer else entry.reason,
    }


@router.get("/fund/accounts", response={200: list[AccountOut], **LIST_ERRORS}, summary="List fund accounts",
            description="The general account first, then one per restricted cash donation, each with what the "
                        "money may be used for and how much is left.")
def account_list(request: HttpRequest, params: Query[AccountParams]):
    station_id = single_station_id(request.auth, params.station)
    return [account_out(account) for account in fund_accounts(station_id)]


@router.get("/fund/accounts/{int:account_id}", response={200: AccountOut, **READ_ERRORS}, summary="One fund account")
def account_detail(request: HttpRequest, account_id: int):
    return account_out(get_account_for_user(request.auth, account_id))


@router.get("/fund/accounts/{int:account_id}/entries", response={200: EntryPage, **LIST_ERRORS},
            summary="An account's ledger",
            description="Every entry, oldest first. Households (masked) and reasons are null for viewers.")
def account_entries(request: HttpRequest, account_id: int, pages: Query[PageParams]):
    user = request.auth
    account = get_account_for_user(user, account_id)
    viewer = is_viewer(roles_for(user), account.station_id)
    return paginate(request, fund_ledger(account), pages, lambda e: entry_out(e, viewer))


@router.post("/fund/accounts/{int:account_id}/grant", response={201: GrantOut, **CONFLICT_RESPONSES},
             summary="Pay a grant to a household",
             description="From the money available (not what plans have set aside): 409 if there is not enough. "
                         "Refused (400, under `household`) when the donor's restriction excludes the household. "
                         "Needs the admin, social worker or coordinator role.")
def account_grant(request: HttpRequest, account_id: int, payload: GrantIn):
    user = request.auth
    account = get_account_for_user(user, account_id)
    errors: dict = {}
    household = lookup(Household, account.station_id, payload.household, "household", errors)
    raise_if(errors)
    entry = fund_grant(actor=user, account=account, household=household, amount=payload.amount,
                       reason=payload.reason.strip())
    return Status(201, {"entry": entry_out(entry, viewer=False), "account": account_out(account)})


@router.post("/fund/accounts/{int:account_id}/transfer", response={201: TransferOut, **CONFLICT_RESPONSES},
             summary="Move money to another account",
             description="Unrestricted money may go to any account; restricted money only to an account whose "
                         "restriction is the same or stricter (400 under `to_account` otherwise). 409 if there "
                         "is not enough available. Needs the admin, social worker or coordinator role.")
def account_transfer(request: HttpRequest, account_id: int, payload: TransferIn):
    user = request.auth
    account = get_account_for_user(user, account_id)
    errors: dict = {}
    to_account = lookup(FundAccount, account.station_id, payload.to_account, "to_account", errors)
    raise_if(errors)
    to_account = get_account_for_user(user, to_account.pk)
    out, into = fund_transfer(actor=user, from_account=account, to_account=to_account, amount=payload.amount,
                              reason=payload.reason.strip())
    return Status(201, {"out": entry_out(out, viewer=False), "into": entry_out(into, viewer=False), "from_account": account_out(account),
                        "to_account": account_out(to_account)})


@router.post("/fund/accounts/{int:account_id}/correct", response={201: GrantOut, **CONFLICT_RESPONSES},
             summary="Correct an account",
             description="A correction entry, positive or negative, with a reason; never below what is reserved "
                         "(409). Needs the admin role.")
def account_correct(request: HttpRequest, account_id: int, payload: CorrectionIn):
    user = request.auth
    account = get_account_for_user(user, account_id)
    entry = fund_correct(actor=user, account=account, amount=payload.amount, reason=payload.reason)
    return Status(201, {"entry": entry_out(entry, viewer=False), "account": account_out(account)})
