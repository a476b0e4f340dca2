"""Reads of the community charity fund."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import QuerySet, Sum

from .models import FundAccount, FundEntry


def _accounts(station) -> QuerySet[FundAccount]:
    return (FundAccount.objects.filter(station=station)
            .select_related("donation", "donation__donor")
            .prefetch_related("donation__target_tags", "donation__communities", "donation__categories")
            .order_by("donation_id", "id"))


def fund_accounts(station) -> list[FundAccount]:
    """The station's accounts, the general one first, each with its cached
    ``balance`` and its donation's restrictions prefetched."""
    return sorted(_accounts(station), key=lambda a: (a.donation_id is not None, a.pk))


def fund_ledger(account: FundAccount) -> QuerySet[FundEntry]:
    """The account's entries, oldest first."""
    return (FundEntry.objects.filter(station_id=account.station_id, account=account)
            .select_related("household", "donation", "entered_by").order_by("entered_on", "id"))


def ledger_balance(account_id: int) -> Decimal:
    """The sum of the account's entries: what its cached balance must equal."""
    total = FundEntry.objects.filter(account_id=account_id).aggregate(total=Sum("amount"))["total"]
    return (total or Decimal("0")).quantize(Decimal("0.01"))


def ledger_reserved(account_id: int) -> Decimal:
    """The sum of the account's reservation changes: what its cached
    ``reserved`` must equal."""
    total = FundEntry.objects.filter(account_id=account_id).aggregate(total=Sum("reserved_delta"))["total"]
    return (total or Decimal("0")).quantize(Decimal("0.01"))


def balances_by_restriction(station) -> list[dict]:
    """One row per account: what the money may be used for and how much is
    left. ``restricted`` is False for the general account; the restriction
    lists are empty where the donor set none."""
    rows = []
    for account in fund_accounts(station):
        donation = account.donation
        rows.append({
            "account": account,
            "restricted": donation is not None,
            "donation": donation,
            "target_tags": list(donation.target_tags.all()) if donation else [],
            "communities": list(donation.communities.all()) if donation else [],
            "categories": list(donation.categories.all()) if donation else [],
            "use_by": donation.use_by if donation else None,
            "note": donation.restriction_note if donation else "",
            "balance": account.balance,
            "reserved": account.reserved,
            "available": account.available,
        })
    return rows


# --- Pages ---------------------------------------------------------------------------


def get_account_for_user(user, pk, *, roles=None) -> FundAccount:
    from resourcelink.accounts.access import get_scoped_object

    return get_scoped_object(user, _accounts_base(), pk, roles=roles)


def _accounts_base() -> QuerySet[FundAccount]:
    return (FundAccount.objects.select_related("donation", "donation__donor")
            .prefetch_related("donation__target_tags", "donation__communities", "donation__categories"))


def fund_ledger_newest_first(account: FundAccount) -> QuerySet[FundEntry]:
    """The account's entries, newest first (for a paginated ledger page)."""
    return fund_ledger(account).select_related("counterpart__account").order_by("-entered_on", "-id")


def fund_entries_for_export(station, account: FundAccount | None = None) -> QuerySet[FundEntry]:
    """Every entry of the station (or of one account), oldest first, with
    what an export row shows joined."""
    qs = FundEntry.objects.filter(station=station)
    if account is not None:
        qs = qs.filter(account=account)
    return qs.select_related("account", "donation", "entered_by").order_by("entered_on", "id")


def fund_totals(rows: list[dict]) -> dict:
    """Balance, reserved and available summed over ``balances_by_restriction`` rows."""
    zero = Decimal("0")
    return {key: sum((row[key] for row in rows), zero) for key in ("balance", "reserved", "available")}


def grantable_household(station, pk):
    """A household of the station by its number ("12" or "#12"), or None.
    Archived ones too: the grant service says why they cannot be paid."""
    from resourcelink.people.models import Household

    try:
        return Household.objects.select_related("community").get(station=station,
                                                                 pk=int(str(pk).strip().lstrip("#")))
    except (Household.DoesNotExist, TypeError, ValueError):
        return None
