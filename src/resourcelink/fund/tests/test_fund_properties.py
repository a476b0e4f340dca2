"""Fund ledger invariants under random sequences of receipts, grants (of
available or of reserved money), transfers, corrections, reservations and
releases (a hypothesis state machine): after every step each account's
cached balance and reservation equal the sums of its entries and an
independent model, with 0 ≤ reserved ≤ balance; a refused step writes
nothing."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from resourcelink.core.testing import StationTestCase
from resourcelink.fund import services
from resourcelink.fund.models import FundAccount, FundEntry
from resourcelink.fund.selectors import ledger_balance, ledger_reserved
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
            self.reserved = {a.pk: a.reserved for a in self.accounts}

        def available(self, account) -> Decimal:
            return self.model[account.pk] - self.reserved[account.pk]

        def teardown(self):
            transaction.set_rollback(True)
            self._atomic.__exit__(None, None, None)

        def attempt(self, ok: bool, call, refusal=ValidationError):
            before = FundEntry.objects.count()
            cached = list(FundAccount.objects.order_by("pk").values_list("pk", "balance", "reserved"))
            if ok:
                return call()
            with case.assertRaises(refusal):
                call()
            case.assertEqual(FundEntry.objects.count(), before)
            case.assertEqual(list(FundAccount.objects.order_by("pk").values_list("pk", "balance", "reserved")),
                             cached)

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
            ok = amount <= self.available(account)
            self.attempt(ok, lambda: services.fund_grant(actor=case.bob, account=account, household=household,
                                                         amount=amount, reason="g"), services.InsufficientFunds)
            if ok:
                self.model[account.pk] -= amount

        @rule(i=pick, amount=money, eligible=st.booleans())
        def grant_reserved(self, i, amount, eligible):
            account = self.accounts[i]
            household = case.eligible if eligible else case.ineligible
            if not eligible and account.is_restricted:
                self.attempt(False, lambda: services.fund_grant(actor=case.bob, account=account,
                                                                household=household, amount=amount, reason="p",
                                                                from_reserved=True),
                             services.RestrictionViolation)
                return
            ok = amount <= self.reserved[account.pk]
            self.attempt(ok, lambda: services.fund_grant(actor=case.bob, account=account, household=household,
                                                         amount=amount, reason="p", from_reserved=True))
            if ok:
                self.model[account.pk] -= amount
                self.reserved[account.pk] -= amount

        @rule(i=pick, amount=money)
        def reserve(self, i, amount):
            account = self.accounts[i]
            ok = amount <= self.available(account)
            self.attempt(ok, lambda: services.fund_reserve(actor=case.carol, account=account, amount=amount,
                                                           reason="r"), services.InsufficientFunds)
            if ok:
                self.reserved[account.pk] += amount

        @rule(i=pick, amount=money)
        def release(self, i, amount):
            account = self.accounts[i]
            ok = amount <= self.reserved[account.pk]
            self.attempt(ok, lambda: services.fund_release(actor=case.bob, account=account, amount=amount,
                                                           reason="l"))
            if ok:
                self.reserved[account.pk] -= amount

        @rule(i=pick, j=pick, amount=money)
        def transfer(self, i, j, amount):
            source, target = self.accounts[i], self.accounts[j]
            if i == j or (source.is_restricted and not target.is_restricted):
                self.attempt(False, lambda: services.fund_transfer(actor=case.bob, from_account=source,
                                                                   to_account=target, amount=amount, reason="t"))
                return
            ok = amount <= self.available(source)
            self.attempt(ok, lambda: services.fund_transfer(actor=case.bob, from_account=source, to_account=target,
                                                            amount=amount, reason="t"), services.InsufficientFunds)
            if ok:
                self.model[source.pk] -= amount
                self.model[target.pk] += amount

        @rule(i=pick, amount=signed)
        def correct(self, i, amount):
            account = self.accounts[i]
            ok = self.model[account.pk] + amount >= self.reserved[account.pk]
            self.attempt(ok, lambda: services.fund_correct(actor=case.alice, account=account, amount=amount,
                                                           reason="c"), services.InsufficientFunds)
            if ok:
                self.model[account.pk] += amount

        @invariant()
        def balances_match_the_ledger(self):
            for account in self.accounts:
                cached = FundAccount.objects.get(pk=account.pk)
                case.assertEqual(cached.balance, ledger_balance(account.pk))
                case.assertEqual(cached.balance, self.model[account.pk])
                case.assertEqual(cached.reserved, ledger_reserved(account.pk))
                case.assertEqual(cached.reserved, self.reserved[account.pk])
                case.assertGreaterEqual(cached.reserved, 0)
                case.assertLessEqual(cached.reserved, cached.balance)

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

    def test_it_keeps_balances_and_reservations_equal_to_the_ledger_and_within_bounds(self):
        run_state_machine_as_test(
            fund_machine(self),
            settings=settings(max_examples=40, stateful_step_count=15, deadline=None,
                              suppress_health_check=[HealthCheck.too_slow]),
        )
