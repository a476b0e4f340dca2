"""Money set aside for plans: reserving and releasing keep it in the
account but out of other grants, transfers and corrections; a grant from
the reservation takes both down; the cache always equals the ledger; the
pages show what is reserved."""

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse

from resourcelink.core.testing import StationTestCase
from resourcelink.fund import services
from resourcelink.fund.models import EntryKind, FundAccount, FundEntry
from resourcelink.fund.selectors import ledger_balance, ledger_reserved
from resourcelink.fund.testing import general_with, restricted_account
from resourcelink.people.models import VulnerabilityTag
from resourcelink.people.testing import make_household, make_resident


class ReservationTests(StationTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.tag = VulnerabilityTag.objects.get(station=cls.station, code="special_hardship")
        cls.general = general_with(cls.station, cls.bob, "1000.00")
        cls.restricted = restricted_account(cls.station, cls.bob, "500.00", target_tags=[cls.tag])
        cls.eligible = make_household(cls.station)
        make_resident(cls.eligible, tags=[cls.tag])
        cls.ineligible = make_household(cls.station)
        make_resident(cls.ineligible)

    def state(self, account) -> tuple:
        """(balance, reserved) cached, after checking them against the ledger."""
        account = FundAccount.objects.get(pk=account.pk)
        self.assertEqual(account.balance, ledger_balance(account.pk))
        self.assertEqual(account.reserved, ledger_reserved(account.pk))
        return account.balance, account.reserved

    def refused(self, call, error=ValidationError):
        before = FundEntry.objects.count()
        with self.assertRaises(error) as ctx:
            call()
        self.assertEqual(FundEntry.objects.count(), before)
        return ctx.exception

    def test_it_reserves_and_releases_without_moving_money(self):
        entry = services.fund_reserve(actor=self.carol, account=self.general, amount="300.00", reason="计划1",
                                      reference="plan:1")
        self.assertEqual((entry.kind, entry.amount, entry.reserved_delta, entry.reference),
                         (EntryKind.RESERVE, Decimal("0"), Decimal("300.00"), "plan:1"))
        self.assertEqual(self.state(self.general), (Decimal("1000.00"), Decimal("300.00")))
        self.assertEqual(FundAccount.objects.get(pk=self.general.pk).available, Decimal("700.00"))
        services.fund_release(actor=self.bob, account=self.general, amount="100.00", reason="计划1减少")
        self.assertEqual(self.state(self.general), (Decimal("1000.00"), Decimal("200.00")))

    def test_it_never_reserves_more_than_is_available(self):
        services.fund_reserve(actor=self.bob, account=self.general, amount="800.00")
        exc = self.refused(lambda: services.fund_reserve(actor=self.bob, account=self.general, amount="200.01"))
        self.assertIn("set aside for plans", " ".join(exc.messages))
        services.fund_reserve(actor=self.bob, account=self.general, amount="200.00")
        self.assertEqual(self.state(self.general), (Decimal("1000.00"), Decimal("1000.00")))

    def test_it_never_releases_more_than_is_reserved(self):
        services.fund_reserve(actor=self.bob, account=self.general, amount="50.00")
        exc = self.refused(lambda: services.fund_release(actor=self.bob, account=self.general, amount="50.01"))
        self.assertIn("cannot be released or paid from the reservation", " ".join(exc.messages))
        self.assertEqual(self.state(self.general), (Decimal("1000.00"), Decimal("50.00")))

    def test_reserved_money_is_not_granted_transferred_or_corrected_away(self):
        services.fund_reserve(actor=self.bob, account=self.general, amount="900.00")
        self.refused(lambda: services.fund_grant(actor=self.bob, account=self.general, household=self.ineligible,
                                                 amount="100.01", reason="x"), services.InsufficientFunds)
        self.refused(lambda: services.fund_transfer(actor=self.bob, from_account=self.general,
                                                    to_account=self.restricted, amount="100.01", reason="x"),
                     services.InsufficientFunds)
        self.refused(lambda: services.fund_correct(actor=self.alice, account=self.general, amount="-100.01",
                                                   reason="x"), services.InsufficientFunds)
        services.fund_grant(actor=self.bob, account=self.general, household=self.ineligible, amount="100.00",
                            reason="x")
        self.assertEqual(self.state(self.general), (Decimal("900.00"), Decimal("900.00")))

    def test_a_grant_from_the_reservation_takes_both_down(self):
        services.fund_reserve(actor=self.bob, account=self.restricted, amount="400.00", reference="plan:7")
        entry = services.fund_grant(actor=self.bob, account=self.restricted, household=self.eligible,
                                    amount="150.00", reason="发放", reference="plan_line:3", from_reserved=True)
        self.assertEqual((entry.amount, entry.reserved_delta), (Decimal("-150.00"), Decimal("-150.00")))
        self.assertEqual(self.state(self.restricted), (Decimal("350.00"), Decimal("250.00")))
        # No more than is reserved, and the donor's restriction still holds.
        exc = self.refused(lambda: services.fund_grant(actor=self.bob, account=self.restricted,
                                                       household=self.eligible, amount="250.01", reason="x",
                                                       from_reserved=True))
        self.assertIn("cannot be released or paid from the reservation", " ".join(exc.messages))
        self.refused(lambda: services.fund_grant(actor=self.bob, account=self.restricted, household=self.ineligible,
                                                 amount="10.00", reason="x", from_reserved=True),
                     services.RestrictionViolation)
        self.assertEqual(self.state(self.restricted), (Decimal("350.00"), Decimal("250.00")))

    def test_it_checks_roles_and_amounts(self):
        self.refused(lambda: services.fund_reserve(actor=self.victor, account=self.general, amount="1.00"),
                     PermissionDenied)
        self.refused(lambda: services.fund_release(actor=self.oscar, account=self.general, amount="1.00"), Http404)
        for amount in ("0", "-1", "1.001", "abc"):
            self.refused(lambda amount=amount: services.fund_reserve(actor=self.bob, account=self.general,
                                                                     amount=amount))

    def test_the_pages_show_reserved_and_available(self):
        services.fund_reserve(actor=self.bob, account=self.general, amount="250.00", reason="端午慰问计划")
        self.login(self.victor)
        r = self.client.get(reverse("fund:account_detail", args=[self.general.pk]))
        self.assertContains(r, '<b id="reserved">250.00</b>', html=True)
        self.assertContains(r, '<b id="available">750.00</b>', html=True)
        self.assertContains(r, "端午慰问计划")
        self.assertEqual(r.context["page_obj"][0].kind, EntryKind.RESERVE)
        r = self.client.get(reverse("fund:account_list"))
        self.assertContains(r, "balance 1000.00 yuan · reserved 250.00 · available 750.00")
        self.login(self.bob)
        r = self.client.get(reverse("fund:grant", args=[self.general.pk]))
        self.assertContains(r, "750.00 yuan (balance 1000.00)")
