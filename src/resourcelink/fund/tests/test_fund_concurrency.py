"""Two social workers grant the last money of an account at the same moment:
one grant is paid, the other refused with InsufficientFunds. Real concurrent
transactions, so PostgreSQL only (SQLite serialises writers before they start)."""

import threading
import time
import unittest
from decimal import Decimal

from django.db import connection, transaction
from django.test import TransactionTestCase

from resourcelink.accounts.models import Role
from resourcelink.core.testing import make_station, make_user
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
        first_granted, second_started = threading.Event(), threading.Event()
        results: list = [None, None]

        def first() -> None:
            # Grants the last money and keeps its transaction open while the
            # second worker tries: without the row lock she would see it free.
            try:
                with transaction.atomic():
                    fund_grant(actor=workers[0], account=FundAccount.objects.get(pk=account.pk),
                               household=households[0], amount="2000", reason="慰问金")
                    first_granted.set()
                    second_started.wait(timeout=10)
                    time.sleep(0.5)
                results[0] = "granted"
            finally:
                first_granted.set()
                connection.close()

        def second() -> None:
            try:
                first_granted.wait(timeout=10)
                second_started.set()
                fund_grant(actor=workers[1], account=FundAccount.objects.get(pk=account.pk),
                           household=households[1], amount="2000", reason="慰问金")
                results[1] = "granted"
            except InsufficientFunds as exc:
                results[1] = exc
            finally:
                connection.close()

        threads = [threading.Thread(target=first), threading.Thread(target=second)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)

        self.assertEqual(results[0], "granted")
        self.assertIsInstance(results[1], InsufficientFunds)
        self.assertIn("0.00", " ".join(results[1].messages))
        self.assertEqual(FundEntry.objects.filter(account=account, kind="grant_out").count(), 1)
        account.refresh_from_db()
        self.assertEqual(account.balance, Decimal("0"))
        self.assertEqual(ledger_balance(account.pk), Decimal("0"))
