"""Fund ledger invariants under random sequences of receipts, grants,
transfers and corrections (a hypothesis state machine): after every step
each account's cached balance equals the sum of its entries, is never
negative and agrees with an independent model; a refused step adds no entry."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from resourcelink.core.testing import StationTestCase
from resourcelink.fund import services
from resourcelink.fund.models import FundAccount, FundEntry
from resourcelink.fund.selectors import ledger_balance
from resourcelink.fund.testing import restricted_account
from resourcelink.people.models import VulnerabilityTag
from resourcelink.people.testing import make_household, make_resident

money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("300"), places=2)
signed = money | money.map(lambda d: -d)
pick = st.integers(min_value=0, max_value=2)


def fund_machine(case: "FundStateMachineTests"):
    class FundMachine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            # Each example runs in its own savepoint, rolled back at teardown.
            self._atomic = transaction.atomic()
            self._atomic.__enter__()
            tag = case.tag
            self.accounts = [services.fund_general_account(case.station),
                             restricted_account(case.station, case.bob, "1", target_tags=[tag]),
                             restricted_account(case.station, case.bob, "1", target_tags=[tag])]
            for account in self.accounts:
                account.refresh_from_db()
            self.model = {a.pk: a.balance for a in self.accounts}

        def teardown(self):
            transaction.set_rollback(True)
            self._atomic.__exit__(None, None, None)

        def attempt(self, ok: bool, call, refusal=ValidationError):
            before = FundEntry.objects.count()
            if ok:
                return call()
            with case.assertRaises(refusal):
                call()
            case.assertEqual(FundEntry.objects.count(), before)

        @rule(i=pick, amount=money)
        def receive(self, i, amount):
            account = self.accounts[i]
            services.fund_receive(actor=case.carol, account=account, amount=amount, reason="in")
            self.model[account.pk] += amount

        @rule(i=pick, amount=money, eligible=st.booleans())
        def grant(self, i, amount, eligible):
            account = self.accounts[i]
            household = case.eligible if eligible else case.ineligible
            if not eligible and account.is_restricted:
                self.attempt(False, lambda: services.fund_grant(actor=case.bob, account=account,
                                                                household=household, amount=amount, reason="g"),
                             services.RestrictionViolation)
                return
            ok = amount <= self.model[account.pk]
            self.attempt(ok, lambda: services.fund_grant(actor=case.bob, account=account, household=household,
                                                         amount=amount, reason="g"), services.InsufficientFunds)
            if ok:
                self.model[account.pk] -= amount

        @rule(i=pick, j=pick, amount=money)
        def transfer(self, i, j, amount):
            source, target = self.accounts[i], self.accounts[j]
            if i == j or (source.is_restricted and not target.is_restricted):
                self.attempt(False, lambda: services.fund_transfer(actor=case.bob, from_account=source,
                                                                   to_account=target, amount=amount, reason="t"))
                return
            ok = amount <= self.model[source.pk]
            self.attempt(ok, lambda: services.fund_transfer(actor=case.bob, from_account=source, to_account=target,
                                                            amount=amount, reason="t"), services.InsufficientFunds)
            if ok:
                self.model[source.pk] -= amount
                self.model[target.pk] += amount

        @rule(i=pick, amount=signed)
        def correct(self, i, amount):
            account = self.accounts[i]
            ok = self.model[account.pk] + amount >= 0
            self.attempt(ok, lambda: services.fund_correct(actor=case.alice, account=account, amount=amount,
                                                           reason="c"), services.InsufficientFunds)
            if ok:
                self.model[account.pk] += amount

        @invariant()
        def balances_match_the_ledger(self):
            for account in self.accounts:
                cached = FundAccount.objects.get(pk=account.pk).balance
                case.assertEqual(cached, ledger_balance(account.pk))
                case.assertEqual(cached, self.model[account.pk])
                case.assertGreaterEqual(cached, 0)

    return FundMachine


class FundStateMachineTests(StationTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.tag = VulnerabilityTag.objects.get(station=cls.station, code="special_hardship")
        cls.eligible = make_household(cls.station)
        make_resident(cls.eligible, tags=[cls.tag])
        cls.ineligible = make_household(cls.station)
        make_resident(cls.ineligible)

    def test_it_keeps_balances_equal_to_the_ledger_and_never_negative(self):
        run_state_machine_as_test(
            fund_machine(self),
            settings=settings(max_examples=40, stateful_step_count=15, deadline=None,
                              suppress_health_check=[HealthCheck.too_slow]),
        )
