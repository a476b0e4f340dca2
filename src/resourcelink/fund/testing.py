"""Helpers for tests that need money in the charity fund."""

from resourcelink.donations.testing import make_cash

from .models import FundAccount
from .services import fund_general_account


def general_with(station, actor, amount="1000.00") -> FundAccount:
    """The station's general account after an unrestricted cash donation."""
    make_cash(station, actor, amount)
    account = fund_general_account(station)
    account.refresh_from_db()
    return account


def restricted_account(station, actor, amount="1000.00", **restrictions) -> FundAccount:
    """The account of a new restricted cash donation (e.g. ``target_tags=[tag]``)."""
    donation = make_cash(station, actor, amount, **restrictions)
    return FundAccount.objects.get(donation=donation)
