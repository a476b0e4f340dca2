import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from resourcelink.core.testing import StationTestCase
from resourcelink.donations.testing import make_cash
from resourcelink.fund.models import EntryKind, FundAccount, FundEntry
from resourcelink.fund.selectors import (
    balances_by_restriction,
    fund_accounts,
    fund_ledger,
    ledger_balance,
)
from resourcelink.fund.services import (
    InsufficientFunds,
    RestrictionViolation,
    fund_correct,
    fund_general_account,
    fund_grant,
    fund_receive,
    fund_transfer,
)
from resourcelink.fund.testing import general_with, restricted_account
from resourcelink.people.models import VulnerabilityTag
from resourcelink.people.services import household_archive, resident_archive
from resourcelink.people.testing import make_community, make_household, make_resident


def entries(account):
    return list(FundEntry.objects.filter(account=account).values_list("kind", "amount"))


class FundTests(StationTestCase):
    def setUp(self):
        self.hardship = VulnerabilityTag.objects.get(station=self.station, code="special_hardship")
        self.elderly = VulnerabilityTag.objects.get(station=self.station, code="elderly_alone")
        self.east = make_community(self.station, "东社区")
        self.west = make_community(self.station, "西社区")
        self.eligible = make_household(self.station, self.east)
        make_resident(self.eligible, tags=[self.hardship])
        self.untagged = make_household(self.station, self.east)
        make_resident(self.untagged)
        self.westerner = make_household(self.station, self.west)
        make_resident(self.westerner, tags=[self.hardship])

    def assertConsistent(self, *accounts):
        for account in accounts:
            account.refresh_from_db()
            self.assertEqual(account.balance, ledger_balance(account.pk))
            self.assertGreaterEqual(account.balance, 0)

    def test_it_makes_one_general_account_per_station(self):
        account = fund_general_account(self.station)
        self.assertEqual(fund_general_account(self.station), account)
        self.assertNotEqual(fund_general_account(self.other_station), account)
        with self.assertRaises(IntegrityError), transaction.atomic():
            FundAccount.objects.create(station=self.station, name="second general")

    def test_it_receives_and_grants_money(self):
        account = general_with(self.station, self.bob, "2000")
        fund_receive(actor=self.carol, account=account, amount="100", reason="街道拨款")
        entry = fund_grant(actor=self.bob, account=account, household=self.untagged, amount="2000",
                           reason="慰问金", reference="plan_line:1")
        self.assertEqual((entry.kind, entry.amount, entry.household), (EntryKind.GRANT_OUT, Decimal("-2000"),
                                                                      self.untagged))
        self.assertEqual(entry.entered_by, self.bob)
        self.assertEqual(account.balance, Decimal("100.00"))
        self.assertConsistent(account)
        self.assertEqual([e.kind for e in fund_ledger(account)], ["donation_in", "donation_in", "grant_out"])

    def test_it_never_lets_the_balance_go_negative(self):
        account = general_with(self.station, self.bob, "100")
        with self.assertRaises(InsufficientFunds) as ctx:
            fund_grant(actor=self.bob, account=account, household=self.untagged, amount="100.01", reason="x")
        self.assertIn("100.00", " ".join(ctx.exception.messages))
        with self.assertRaises(InsufficientFunds):
            fund_correct(actor=self.alice, account=account, amount="-100.01", reason="miscounted")
        with self.assertRaises(InsufficientFunds):
            fund_transfer(actor=self.bob, from_account=account,
                          to_account=restricted_account(self.station, self.bob, "1", use_by=timezone.localdate()),
                          amount="101", reason="x")
        self.assertConsistent(account)
        self.assertEqual(account.balance, Decimal("100"))
        self.assertEqual(len(entries(account)), 1)
        # the database refuses a negative balance even if a service did not
        with self.assertRaises(IntegrityError), transaction.atomic():
            FundAccount.objects.filter(pk=account.pk).update(balance=-1)

    def test_it_refuses_bad_amounts(self):
        account = general_with(self.station, self.bob, "100")
        for amount in ("0", "-1", "1.001", "abc", None):
            with self.assertRaises(ValidationError):
                fund_grant(actor=self.bob, account=account, household=self.untagged, amount=amount, reason="x")
        with self.assertRaises(ValidationError):
            fund_correct(actor=self.alice, account=account, amount="0", reason="x")
        self.assertEqual(len(entries(account)), 1)

    def test_it_grants_restricted_money_only_to_the_target_group(self):
        account = restricted_account(self.station, self.bob, "2000", target_tags=[self.hardship, self.elderly])
        with self.assertRaises(RestrictionViolation) as ctx:
            fund_grant(actor=self.bob, account=account, household=self.untagged, amount="500", reason="x")
        self.assertIn("Special hardship", " ".join(ctx.exception.messages))
        self.assertIn("household", ctx.exception.message_dict)
        self.assertEqual(len(entries(account)), 1)
        fund_grant(actor=self.bob, account=account, household=self.eligible, amount="500", reason="慰问")
        self.assertEqual(account.balance, Decimal("1500"))
        self.assertConsistent(account)

    def test_it_counts_only_live_residents_tags(self):
        account = restricted_account(self.station, self.bob, "2000", target_tags=[self.elderly])
        household = make_household(self.station, self.east)
        make_resident(household)
        gone = make_resident(household, tags=[self.elderly])
        resident_archive(actor=None, resident=gone, reason="moved away", check=False)
        with self.assertRaises(RestrictionViolation):
            fund_grant(actor=self.bob, account=account, household=household, amount="5", reason="x")

    def test_it_grants_restricted_money_only_in_the_communities(self):
        account = restricted_account(self.station, self.bob, "2000", communities=[self.east])
        with self.assertRaises(RestrictionViolation) as ctx:
            fund_grant(actor=self.bob, account=account, household=self.westerner, amount="5", reason="x")
        self.assertIn("东社区", " ".join(ctx.exception.messages))
        fund_grant(actor=self.bob, account=account, household=self.untagged, amount="5", reason="x")
        self.assertEqual(len(entries(account)), 2)

    def test_it_refuses_money_past_its_use_by_date(self):
        today = timezone.localdate()
        fresh = restricted_account(self.station, self.bob, "100", use_by=today)
        fund_grant(actor=self.bob, account=fresh, household=self.untagged, amount="5", reason="x")
        stale = restricted_account(self.station, self.bob, "100", received_on=today - datetime.timedelta(days=9),
                                   use_by=today - datetime.timedelta(days=1))
        with self.assertRaises(RestrictionViolation) as ctx:
            fund_grant(actor=self.bob, account=stale, household=self.untagged, amount="5", reason="x")
        self.assertIn("passed", " ".join(ctx.exception.messages))
        self.assertEqual(len(entries(stale)), 1)

    def test_it_refuses_a_household_of_another_station_or_archived(self):
        account = general_with(self.station, self.bob, "100")
        theirs = make_household(self.other_station)
        with self.assertRaises(ValidationError) as ctx:
            fund_grant(actor=self.bob, account=account, household=theirs, amount="5", reason="x")
        self.assertIn("household", ctx.exception.message_dict)
        household_archive(actor=None, household=self.untagged, reason="moved", check=False)
        self.untagged.refresh_from_db()
        with self.assertRaises(ValidationError) as ctx:
            fund_grant(actor=self.bob, account=account, household=self.untagged, amount="5", reason="x")
        self.assertIn("archived", " ".join(ctx.exception.messages))
        self.assertEqual(len(entries(account)), 1)

    def test_it_transfers_from_general_to_anywhere_and_pairs_the_entries(self):
        general = general_with(self.station, self.bob, "1000")
        restricted = restricted_account(self.station, self.bob, "10", target_tags=[self.hardship])
        out, into = fund_transfer(actor=self.carol, from_account=general, to_account=restricted, amount="300",
                                  reason="补充")
        self.assertEqual((out.amount, into.amount), (Decimal("-300"), Decimal("300")))
        self.assertEqual(FundEntry.objects.get(pk=out.pk).counterpart, into)
        self.assertEqual(into.counterpart, out)
        self.assertConsistent(general, restricted)
        self.assertEqual((general.balance, restricted.balance), (Decimal("700"), Decimal("310")))

    def test_it_keeps_restricted_money_restricted_when_transferring(self):
        general = general_with(self.station, self.bob, "1000")
        broad = restricted_account(self.station, self.bob, "100", target_tags=[self.hardship, self.elderly])
        narrow = restricted_account(self.station, self.bob, "100", target_tags=[self.hardship])
        other = restricted_account(self.station, self.bob, "100", communities=[self.east])
        dated = restricted_account(self.station, self.bob, "100", target_tags=[self.hardship],
                                   use_by=timezone.localdate())
        for target in (general, other):
            with self.assertRaises(RestrictionViolation):
                fund_transfer(actor=self.bob, from_account=broad, to_account=target, amount="10", reason="x")
        with self.assertRaises(RestrictionViolation):  # narrow -> broad widens the group
            fund_transfer(actor=self.bob, from_account=narrow, to_account=broad, amount="10", reason="x")
        with self.assertRaises(RestrictionViolation):  # dated -> undated loses the date
            fund_transfer(actor=self.bob, from_account=dated, to_account=narrow, amount="10", reason="x")
        fund_transfer(actor=self.bob, from_account=broad, to_account=narrow, amount="10", reason="x")
        fund_transfer(actor=self.bob, from_account=narrow, to_account=dated, amount="10", reason="x")
        self.assertConsistent(general, broad, narrow, other, dated)
        self.assertEqual([broad.balance, narrow.balance, dated.balance], [Decimal("90"), Decimal("100"),
                                                                           Decimal("110")])
        with self.assertRaises(ValidationError):
            fund_transfer(actor=self.bob, from_account=general, to_account=general, amount="1", reason="x")
        with self.assertRaises(ValidationError):
            fund_transfer(actor=self.bob, from_account=general, to_account=fund_general_account(self.other_station),
                          amount="1", reason="x")

    def test_it_lets_only_admins_correct_with_a_reason(self):
        account = general_with(self.station, self.bob, "100")
        with self.assertRaises(PermissionDenied):
            fund_correct(actor=self.bob, account=account, amount="-5", reason="typo")
        with self.assertRaises(ValidationError) as ctx:
            fund_correct(actor=self.alice, account=account, amount="-5", reason="  ")
        self.assertIn("reason", ctx.exception.message_dict)
        fund_correct(actor=self.alice, account=account, amount="-5", reason="typo")
        fund_correct(actor=self.alice, account=account, amount="2.50", reason="typo")
        self.assertEqual(account.balance, Decimal("97.50"))
        self.assertConsistent(account)

    def test_it_refuses_viewers_and_outsiders(self):
        account = general_with(self.station, self.bob, "100")
        calls = [
            lambda u: fund_receive(actor=u, account=account, amount="5", reason="x"),
            lambda u: fund_grant(actor=u, account=account, household=self.untagged, amount="5", reason="x"),
            lambda u: fund_transfer(actor=u, from_account=account,
                                    to_account=restricted_account(self.station, self.bob, "1",
                                                                  use_by=timezone.localdate()),
                                    amount="5", reason="x"),
            lambda u: fund_correct(actor=u, account=account, amount="5", reason="x"),
        ]
        for call in calls:
            with self.assertRaises(PermissionDenied):
                call(self.victor)
            with self.assertRaises(Http404):
                call(self.oscar)
        self.assertEqual(len(entries(account)), 1)

    def test_it_lists_accounts_and_balances_by_restriction(self):
        general = general_with(self.station, self.bob, "100")
        restricted = restricted_account(self.station, self.bob, "50", target_tags=[self.hardship],
                                        restriction_note="困难家庭")
        make_cash(self.other_station, self.oscar, "7")
        self.assertEqual(fund_accounts(self.station), [general, restricted])
        rows = balances_by_restriction(self.station)
        self.assertEqual([(r["restricted"], r["balance"]) for r in rows], [(False, Decimal("100")),
                                                                            (True, Decimal("50"))])
        self.assertEqual(rows[1]["target_tags"], [self.hardship])
        self.assertEqual(rows[1]["note"], "困难家庭")
