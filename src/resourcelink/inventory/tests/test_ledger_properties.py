"""Ledger invariants under random sequences of moves (a hypothesis state
machine): after every step each lot's cached on-hand and reserved figures
equal the sums of its moves in the database, are never negative, reserved
never exceeds on hand, a refused move adds no row, and an independent model
of the expected quantities agrees."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import TestCase
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from resourcelink.accounts.models import Role
from resourcelink.core.testing import make_station, make_user
from resourcelink.inventory import services
from resourcelink.inventory.models import Lot, StockMove
from resourcelink.inventory.selectors import ledger_totals
from resourcelink.inventory.services import InsufficientStock
from resourcelink.inventory.testing import get_item, make_store

MAX_LOTS = 4
qty = st.integers(min_value=1, max_value=12)
pick = st.integers(min_value=0, max_value=MAX_LOTS * 2)


class _Rollback(Exception):
    pass


def ledger_machine(case: "LedgerStateMachineTests"):
    class LedgerMachine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            # Each example runs in its own savepoint, rolled back at teardown.
            self._atomic = transaction.atomic()
            self._atomic.__enter__()
            self.stores = [make_store(case.station, "甲"), make_store(case.station, "乙")]
            self.lots: list[Lot] = []
            # lot pk -> [on_hand, reserved, issued and not returned]
            self.model: dict[int, list[int]] = {}

        def teardown(self):
            transaction.set_rollback(True)
            self._atomic.__exit__(None, None, None)

        def lot(self, i: int) -> Lot:
            return self.lots[i % len(self.lots)]

        def attempt(self, expect_ok: bool, call, refusal=ValidationError):
            """Run a move; it must succeed exactly when the model says so, and
            a refusal must add no row."""
            before = StockMove.objects.count(), Lot.objects.count()
            if expect_ok:
                return call()
            with case.assertRaises(refusal):
                call()
            case.assertEqual((StockMove.objects.count(), Lot.objects.count()), before)
            return None

        @precondition(lambda self: len(self.lots) < MAX_LOTS)
        @rule(quantity=qty, store=st.integers(0, 1))
        def receive(self, quantity, store):
            lot = services.lot_receive(actor=case.bob, store=self.stores[store], item=case.masks, quantity=quantity)
            self.lots.append(lot)
            self.model[lot.pk] = [quantity, 0, 0]

        @precondition(lambda self: self.lots)
        @rule(i=pick, quantity=qty)
        def reserve(self, i, quantity):
            lot = self.lot(i)
            m = self.model[lot.pk]
            ok = quantity <= m[0] - m[1]
            self.attempt(ok, lambda: services.stock_reserve(actor=case.bob, lot=lot, quantity=quantity),
                         InsufficientStock)
            if ok:
                m[1] += quantity

        @precondition(lambda self: self.lots)
        @rule(i=pick, quantity=qty)
        def release(self, i, quantity):
            lot = self.lot(i)
            m = self.model[lot.pk]
            ok = quantity <= m[1]
            self.attempt(ok, lambda: services.stock_release(actor=case.bob, lot=lot, quantity=quantity),
                         InsufficientStock)
            if ok:
                m[1] -= quantity

        @precondition(lambda self: self.lots)
        @rule(i=pick, quantity=qty, from_reserved=st.booleans())
        def issue(self, i, quantity, from_reserved):
            lot = self.lot(i)
            m = self.model[lot.pk]
            ok = quantity <= (m[1] if from_reserved else m[0] - m[1])
            self.attempt(ok, lambda: services.stock_issue(actor=case.bob, lot=lot, quantity=quantity,
                                                          from_reserved=from_reserved, reference="plan_line:1"),
                         InsufficientStock)
            if ok:
                m[0] -= quantity
                m[1] -= quantity if from_reserved else 0
                m[2] += quantity

        @precondition(lambda self: self.lots)
        @rule(i=pick, quantity=qty)
        def return_(self, i, quantity):
            lot = self.lot(i)
            m = self.model[lot.pk]
            ok = quantity <= m[2]
            self.attempt(ok, lambda: services.stock_return(actor=case.bob, lot=lot, quantity=quantity))
            if ok:
                m[0] += quantity
                m[2] -= quantity

        @precondition(lambda self: self.lots and len(self.lots) < MAX_LOTS)
        @rule(i=pick, quantity=qty)
        def transfer(self, i, quantity):
            lot = self.lot(i)
            m = self.model[lot.pk]
            ok = quantity <= m[0] - m[1]
            to_store = self.stores[1] if lot.store_id == self.stores[0].pk else self.stores[0]
            new = self.attempt(ok, lambda: services.stock_transfer(actor=case.bob, lot=lot, to_store=to_store,
                                                                   quantity=quantity, reason="move"),
                               InsufficientStock)
            if ok:
                m[0] -= quantity
                self.lots.append(new)
                self.model[new.pk] = [quantity, 0, 0]
                case.assertEqual(new.source_lot_id, lot.pk)

        @precondition(lambda self: self.lots)
        @rule(i=pick, delta=st.integers(-12, 12).filter(bool))
        def adjust(self, i, delta):
            lot = self.lot(i)
            m = self.model[lot.pk]
            ok = m[0] + delta >= m[1]
            self.attempt(ok, lambda: services.stock_adjust(actor=case.alice, lot=lot, delta=delta,
                                                           reason="stocktake"), InsufficientStock)
            if ok:
                m[0] += delta

        @precondition(lambda self: self.lots)
        @rule(i=pick, quantity=qty)
        def write_off(self, i, quantity):
            lot = self.lot(i)
            m = self.model[lot.pk]
            ok = quantity <= m[0] - m[1]
            self.attempt(ok, lambda: services.stock_write_off(actor=case.bob, lot=lot, quantity=quantity,
                                                              reason="expired"), InsufficientStock)
            if ok:
                m[0] -= quantity

        @invariant()
        def cache_equals_ledger_and_model(self):
            lots = {lot.pk: lot for lot in Lot.objects.filter(station=case.station)}
            case.assertEqual(set(lots), set(self.model))
            totals = ledger_totals(lots)
            for pk, lot in lots.items():
                case.assertEqual((lot.on_hand, lot.reserved), totals[pk])
                case.assertEqual((lot.on_hand, lot.reserved), tuple(self.model[pk][:2]))
                case.assertGreaterEqual(lot.reserved, 0)
                case.assertGreaterEqual(lot.on_hand, lot.reserved)

    return LedgerMachine


class LedgerStateMachineTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.station = make_station("湖滨街道社工站", "hubin")
        cls.alice = make_user("alice", cls.station, Role.ADMIN)
        cls.bob = make_user("bob", cls.station, Role.SOCIAL_WORKER)
        cls.masks = get_item(cls.station)

    def test_it_keeps_the_cached_stock_equal_to_the_ledger_under_any_sequence_of_moves(self):
        run_state_machine_as_test(
            ledger_machine(self),
            settings=settings(max_examples=40, stateful_step_count=25, deadline=None, database=None,
                              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]),
        )
