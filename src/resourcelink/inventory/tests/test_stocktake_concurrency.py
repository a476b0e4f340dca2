"""Two people open a stocktake of one store, or two admins confirm one sheet,
at the same moment: one succeeds, the other gets a clear refusal, and the
ledger holds one set of adjustments. PostgreSQL only (SQLite serialises
writers before they start)."""

import unittest

from django.core.exceptions import ValidationError
from django.db import connection
from django.test import TransactionTestCase

from resourcelink.accounts.models import Role
from resourcelink.core.testing import make_station, make_user, race
from resourcelink.inventory import services
from resourcelink.inventory.models import Lot, MoveKind, StockMove, Stocktake, StocktakeStatus
from resourcelink.inventory.selectors import ledger_totals
from resourcelink.inventory.testing import make_lot, make_store


@unittest.skipUnless(connection.vendor == "postgresql", "needs concurrent transactions (PostgreSQL)")
class ConcurrentStocktakeTests(TransactionTestCase):
    def setUp(self):
        self.station = make_station("湖滨街道社工站", "hubin")
        self.store = make_store(self.station, "一号仓库")
        self.lot = make_lot(self.store, "masks", 10)

    def test_it_opens_one_sheet_for_two_concurrent_opens(self):
        workers = [make_user("bob", self.station, Role.SOCIAL_WORKER),
                   make_user("bea", self.station, Role.SOCIAL_WORKER)]

        def open_(i: int):
            return services.stocktake_open(actor=workers[i], store=self.store)

        results = race(lambda: open_(0), lambda: open_(1))
        self.assertIsInstance(results[0], Stocktake)
        self.assertIsInstance(results[1], ValidationError)
        self.assertIn("already has an open stocktake", " ".join(results[1].messages))
        self.assertEqual(Stocktake.objects.filter(store=self.store).count(), 1)

    def test_it_applies_one_confirmation_of_two_concurrent_ones(self):
        admins = [make_user("alice", self.station, Role.ADMIN), make_user("ada", self.station, Role.ADMIN)]
        sheet = services.stocktake_open(actor=admins[0], store=self.store)
        services.stocktake_count(actor=admins[0], line=sheet.lines.get(), counted=7)

        def confirm(i: int):
            return services.stocktake_confirm(actor=admins[i], stocktake=Stocktake.objects.get(pk=sheet.pk),
                                              reason="盘点")

        results = race(lambda: confirm(0), lambda: confirm(1))
        self.assertEqual([m.on_hand_delta for m in results[0]], [-3])
        self.assertIsInstance(results[1], ValidationError)
        self.assertIn("can no longer be changed", " ".join(results[1].messages))
        self.assertEqual(StockMove.objects.filter(lot=self.lot, kind=MoveKind.ADJUST).count(), 1)
        lot = Lot.objects.get(pk=self.lot.pk)
        self.assertEqual((lot.on_hand, lot.reserved), (7, 0))
        self.assertEqual(ledger_totals([lot.pk])[lot.pk], (7, 0))
        self.assertEqual(Stocktake.objects.get(pk=sheet.pk).status, StocktakeStatus.CONFIRMED)
