"""Two people issue the last units of a lot at the same moment: one gets
them, the other a clear refusal, and the ledger holds one issue. Real
concurrent transactions, so PostgreSQL only (SQLite serialises writers
before they start). Without the row lock the second would read the stale
figure and pass the check; the database's constraint then stops it with an
IntegrityError instead of a clear message, which the second test shows."""

import unittest
from unittest import mock

from django.db import IntegrityError, connection
from django.test import TransactionTestCase

from resourcelink.accounts.models import Role
from resourcelink.core.testing import make_station, make_user, race
from resourcelink.inventory import services
from resourcelink.inventory.models import Lot, MoveKind, StockMove
from resourcelink.inventory.selectors import ledger_totals
from resourcelink.inventory.services import InsufficientStock, stock_issue
from resourcelink.inventory.testing import make_lot, make_store


@unittest.skipUnless(connection.vendor == "postgresql", "needs concurrent transactions (PostgreSQL)")
class ConcurrentIssueTests(TransactionTestCase):
    def race(self):
        station = make_station("湖滨街道社工站", "hubin")
        workers = [make_user("bob", station, Role.SOCIAL_WORKER), make_user("bea", station, Role.SOCIAL_WORKER)]
        lot = make_lot(make_store(station, "一号仓库"), "masks", 5)

        def issue(i: int):
            return stock_issue(actor=workers[i], lot=Lot.objects.get(pk=lot.pk), quantity=5,
                               from_reserved=False) and "issued"

        # The first issues the last units and holds its transaction open while
        # the second tries: without a lock she would see them on hand.
        results = race(lambda: issue(0), lambda: issue(1))
        return lot, results

    def test_it_gives_the_last_units_to_one_of_two_concurrent_issues(self):
        lot, results = self.race()
        self.assertEqual(results[0], "issued")
        self.assertIsInstance(results[1], InsufficientStock)
        message = " ".join(results[1].messages)
        self.assertIn("一号仓库", message)
        self.assertIn(f"#{lot.pk}", message)
        self.assertIn("0 只 available", message)
        self.assertEqual(StockMove.objects.filter(lot=lot, kind=MoveKind.ISSUE).count(), 1)
        lot.refresh_from_db()
        self.assertEqual((lot.on_hand, lot.reserved), (0, 0))
        self.assertEqual(ledger_totals([lot.pk])[lot.pk], (0, 0))

    def test_it_needs_the_row_lock_for_a_clear_refusal(self):
        # Take the lock away: the second issue reads the stale figure, passes
        # the check and is stopped only by the database constraint.
        with mock.patch.object(services, "_lock_lot", lambda lot: Lot.objects.get(pk=lot.pk)):
            lot, results = self.race()
        self.assertEqual(results[0], "issued")
        self.assertNotIsInstance(results[1], InsufficientStock)
        self.assertIsInstance(results[1], IntegrityError)
        self.assertEqual(StockMove.objects.filter(lot=lot, kind=MoveKind.ISSUE).count(), 1)
