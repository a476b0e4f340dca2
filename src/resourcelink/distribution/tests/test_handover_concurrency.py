"""Two people record the same line at the same moment: one hand-over is
recorded, the other refused. Real concurrent transactions, so PostgreSQL
only (SQLite serialises writers before they start)."""

import unittest

from django.core.exceptions import ValidationError
from django.db import connection
from django.test import TransactionTestCase

from resourcelink.accounts.models import Role
from resourcelink.core.testing import make_station, make_user, race
from resourcelink.distribution.models import Handover, PlanLine
from resourcelink.distribution.services import handover_record
from resourcelink.distribution.testing import ledger_problems, make_plan
from resourcelink.inventory.models import StockMove


@unittest.skipUnless(connection.vendor == "postgresql", "needs concurrent transactions (PostgreSQL)")
class ConcurrentHandoverTests(TransactionTestCase):
    def test_it_records_a_line_once_when_two_hand_it_over_at_once(self):
        station = make_station("湖滨街道社工站", "hubin")
        workers = [make_user("bob", station, Role.SOCIAL_WORKER), make_user("bea", station, Role.COORDINATOR)]
        plan = make_plan(station, actor=workers[0], households=2, lots=1, quantity=10, money="200", approve=True)
        line_id = PlanLine.objects.filter(plan=plan).order_by("pk").values_list("pk", flat=True).first()

        def record(i: int):
            return handover_record(actor=workers[i], line=PlanLine.objects.get(pk=line_id)) and "recorded"

        # The first records the line and holds its transaction open while the
        # second tries: without the locks she would find it still to hand over.
        results = race(lambda: record(0), lambda: record(1))

        self.assertEqual(results[0], "recorded")
        self.assertIsInstance(results[1], ValidationError)
        self.assertIn("already handed over", " ".join(results[1].messages))
        self.assertEqual(Handover.objects.filter(line_id=line_id).count(), 1)
        self.assertEqual(StockMove.objects.filter(kind="issue").count(), 1)
        plan.refresh_from_db()
        self.assertEqual(plan.status, "in_progress")
        self.assertEqual(ledger_problems(plan), [])
