"""Two social workers grant the last money of an account at the same moment:
one grant is paid, the other refused with InsufficientFunds. Real concurrent
transactions, so PostgreSQL only (SQLite serialises writers before they start)."""

import unittest
from decimal import Decimal

from django.db import connection
from django.test import TransactionTestCase

from resourcelink.accounts.models import Role
from resourcelink.core.testing import make_station, make_user, race
from resourcelink.fund.models import FundAccount, FundEntry
from resourcelink.fund.selectors import ledger_balance
from resourcelink.fund.services import InsufficientFunds, fund_grant
from resourcelink.fund.testing import general_with
from resourcelink.people.testing import make_household


@unittest.skipUnless(connection.vendor == "postgresql", "needs concurrent transactions (PostgreSQL)")
class ConcurrentGrantTests(TransactionTestCase):
    def test_it_pays_the_last_money_to_one_of_two_concurrent_grants(self):
        station = make_station("湖滨街道社工站", "hubin")
        workers = [make_user("bob", station, Role.SOCIAL_WORKER), make_user("bea", station, Role.SOCIAL_WORKER)]
        account = general_with(station, workers[0], "2000")
        households = [make_household(station) for _ in range(2)]

        def grant(i: int):
            return fund_grant(actor=workers[i], account=FundAccount.objects.get(pk=account.pk),
                              household=households[i], amount="2000", reason="慰问金") and "granted"

        # The first grants the last money and holds its transaction open while
        # the second tries: without the row lock she would see it free.
        results = race(lambda: grant(0), lambda: grant(1))

        self.assertEqual(results[0], "granted")
        self.assertIsInstance(results[1], InsufficientFunds)
        self.assertIn("0.00", " ".join(results[1].messages))
        self.assertEqual(FundEntry.objects.filter(account=account, kind="grant_out").count(), 1)
        account.refresh_from_db()
        self.assertEqual(account.balance, Decimal("0"))
        self.assertEqual(ledger_balance(account.pk), Decimal("0"))
