import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from resourcelink.core.testing import StationTestCase
from resourcelink.donations.models import Donation, DonationLine, Donor
from resourcelink.donations.selectors import (
    DonationFilter,
    acknowledgement,
    donations_awaiting_feedback,
    donations_for_station,
    donor_history,
)
from resourcelink.donations.services import (
    LineSpec,
    donation_feedback_record,
    donation_receive,
    donor_archive,
    donor_create,
    donor_update,
)
from resourcelink.donations.testing import (
    days_ago,
    get_item,
    make_cash,
    make_donor,
    make_in_kind,
    make_store,
)
from resourcelink.fund.models import EntryKind, FundAccount, FundEntry
from resourcelink.fund.selectors import ledger_balance
from resourcelink.fund.services import fund_general_account
from resourcelink.inventory.models import Lot, StockMove
from resourcelink.people.models import VulnerabilityTag
from resourcelink.people.testing import make_community


class DonorTests(StationTestCase):
    def test_it_creates_updates_and_archives_a_donor(self):
        donor = donor_create(actor=self.carol, station=self.station, kind="enterprise", name="某房产中介",
                             may_be_named=True)
        donor = donor_update(actor=self.bob, donor=donor, phone="13800000000")
        self.assertEqual(donor.phone, "13800000000")
        donor = donor_archive(actor=self.alice, donor=donor, reason="closed")
        self.assertIsNotNone(donor.archived_on)
        self.assertEqual(donor.history.count(), 3)
        self.assertEqual(donor.history.first().history_user, self.alice)

    def test_it_refuses_a_viewer_and_an_outsider(self):
        with self.assertRaises(PermissionDenied):
            donor_create(actor=self.victor, station=self.station, kind="individual", name="x")
        with self.assertRaises(Http404):
            donor_create(actor=self.oscar, station=self.station, kind="individual", name="x")
        donor = make_donor(self.station)
        with self.assertRaises(PermissionDenied):
            donor_update(actor=self.victor, donor=donor, name="y")
        with self.assertRaises(PermissionDenied):
            donor_archive(actor=self.victor, donor=donor)
        self.assertEqual(Donor.objects.get(pk=donor.pk).name, donor.name)

    def test_it_validates_a_donor(self):
        with self.assertRaises(ValidationError) as ctx:
            donor_create(actor=self.bob, station=self.station, kind="alien", name="")
        self.assertIn("kind", ctx.exception.message_dict)
        self.assertIn("name", ctx.exception.message_dict)


class ReceiveTests(StationTestCase):
    def setUp(self):
        self.masks = get_item(self.station, "masks")
        self.rice = get_item(self.station, "rice")
        self.store = make_store(self.station)
        self.donor = make_donor(self.station)

    def receive(self, **kwargs):
        kwargs.setdefault("actor", self.bob)
        kwargs.setdefault("station", self.station)
        kwargs.setdefault("donor", self.donor)
        kwargs.setdefault("received_on", timezone.localdate())
        return donation_receive(**kwargs)

    def test_it_numbers_donations_per_station(self):
        numbers = [make_cash(self.station, self.bob, "10").number for _ in range(3)]
        self.assertEqual(numbers, [1, 2, 3])
        other = [make_cash(self.other_station, self.oscar, "10").number for _ in range(2)]
        self.assertEqual(other, [1, 2])
        self.assertEqual(make_in_kind(self.station, self.bob).number, 4)

    def test_it_receives_goods_as_lots_with_receive_moves(self):
        expiry = timezone.localdate() + datetime.timedelta(days=300)
        donation = self.receive(kind="in_kind", store=self.store, lines=[
            LineSpec(self.masks, 500, expires_on=expiry, estimated_value=Decimal("250.00")),
            LineSpec(self.rice, 20),
        ], description="口罩和大米")
        self.assertEqual(donation.kind, "in_kind")
        self.assertIsNone(donation.amount)
        self.assertEqual(len(donation.report_token), 43)
        lines = list(DonationLine.objects.filter(donation=donation).order_by("id"))
        self.assertEqual([(li.item, li.quantity) for li in lines], [(self.masks, 500), (self.rice, 20)])
        lots = {lot.item_id: lot for lot in Lot.objects.filter(donation_line__donation=donation)}
        self.assertEqual(lots[self.masks.pk].on_hand, 500)
        self.assertEqual(lots[self.masks.pk].store, self.store)
        self.assertEqual(lots[self.masks.pk].expires_on, expiry)
        self.assertEqual(lots[self.masks.pk].unit_value, Decimal("0.50"))
        self.assertEqual(lots[self.rice.pk].on_hand, 20)
        moves = StockMove.objects.filter(lot__donation_line__donation=donation).order_by("id")
        self.assertEqual([(m.kind, m.on_hand_delta, m.reference) for m in moves],
                         [("receive", 500, f"donation_line:{lines[0].pk}"),
                          ("receive", 20, f"donation_line:{lines[1].pk}")])
        self.assertFalse(FundEntry.objects.exists())

    def test_it_puts_unrestricted_cash_into_the_general_account(self):
        donation = self.receive(kind="cash", amount="2000")
        account = fund_general_account(self.station)
        self.assertEqual(account.balance, Decimal("2000.00"))
        entry = FundEntry.objects.get(account=account)
        self.assertEqual((entry.kind, entry.amount, entry.donation), (EntryKind.DONATION_IN, Decimal("2000"),
                                                                      donation))
        self.assertFalse(FundAccount.objects.filter(donation=donation).exists())
        self.receive(kind="cash", amount="500.50")
        account.refresh_from_db()
        self.assertEqual(account.balance, Decimal("2500.50"))
        self.assertEqual(ledger_balance(account.pk), account.balance)

    def test_it_gives_restricted_cash_an_account_of_its_own(self):
        tag = VulnerabilityTag.objects.get(station=self.station, code="special_hardship")
        community = make_community(self.station)
        donation = self.receive(kind="cash", amount="2000", target_tags=[tag], communities=[community],
                                use_by=timezone.localdate() + datetime.timedelta(days=30),
                                restriction_note="困难家庭慰问金")
        account = FundAccount.objects.get(donation=donation)
        self.assertTrue(account.is_restricted)
        self.assertEqual(account.balance, Decimal("2000.00"))
        self.assertEqual(list(donation.target_tags.all()), [tag])
        self.assertEqual(list(donation.communities.all()), [community])
        self.assertFalse(FundAccount.objects.filter(station=self.station, donation__isnull=True,
                                                    balance__gt=0).exists())
        # a use-by date alone is a restriction too
        dated = self.receive(kind="cash", amount="10", use_by=timezone.localdate())
        self.assertTrue(FundAccount.objects.filter(donation=dated).exists())

    def test_it_reports_every_problem_by_field_and_line(self):
        with self.assertRaises(ValidationError) as ctx:
            self.receive(kind="in_kind", store=None, amount="5", lines=[
                LineSpec(self.masks, 10), LineSpec(self.rice, 0), LineSpec(self.masks, "x"),
                LineSpec(self.rice, 3, estimated_value="-1"),
            ])
        errors = ctx.exception.message_dict
        self.assertIn("line 2: quantity must be at least 1", errors["lines"])
        self.assertIn("line 3: enter a whole number as the quantity", errors["lines"])
        self.assertIn("line 4: the estimated value must be an amount of zero or more", errors["lines"])
        self.assertNotIn("line 1", " ".join(errors["lines"]))
        self.assertIn("store", errors)
        self.assertIn("amount", errors)
        self.assertFalse(Donation.objects.exists())
        self.assertFalse(Lot.objects.exists())

    def test_it_requires_lines_in_kind_and_an_amount_in_cash(self):
        with self.assertRaises(ValidationError) as ctx:
            self.receive(kind="in_kind", store=self.store)
        self.assertIn("lines", ctx.exception.message_dict)
        for amount in (None, "0", "-5", "1.234", "abc"):
            with self.assertRaises(ValidationError) as ctx:
                self.receive(kind="cash", amount=amount)
            self.assertIn("amount", ctx.exception.message_dict, amount)
        with self.assertRaises(ValidationError) as ctx:
            self.receive(kind="cash", amount="5", lines=[LineSpec(self.masks, 1)])
        self.assertIn("lines", ctx.exception.message_dict)
        with self.assertRaises(ValidationError) as ctx:
            self.receive(kind="gift")
        self.assertIn("kind", ctx.exception.message_dict)
        with self.assertRaises(ValidationError) as ctx:
            self.receive(kind="cash", amount="5", received_on=timezone.localdate() + datetime.timedelta(days=1))
        self.assertIn("received_on", ctx.exception.message_dict)
        with self.assertRaises(ValidationError) as ctx:
            self.receive(kind="cash", amount="5", received_on=days_ago(3), use_by=days_ago(4))
        self.assertIn("use_by", ctx.exception.message_dict)
        self.assertFalse(Donation.objects.exists())
        self.assertFalse(FundEntry.objects.exists())

    def test_it_refuses_records_of_another_station(self):
        theirs_item = get_item(self.other_station, "masks")
        theirs_store = make_store(self.other_station)
        theirs_donor = make_donor(self.other_station)
        theirs_tag = VulnerabilityTag.objects.filter(station=self.other_station).first()
        theirs_community = make_community(self.other_station)
        with self.assertRaises(ValidationError) as ctx:
            self.receive(kind="in_kind", donor=theirs_donor, store=theirs_store,
                         lines=[LineSpec(theirs_item, 5)], target_tags=[theirs_tag],
                         communities=[theirs_community])
        errors = ctx.exception.message_dict
        for field in ("donor", "store", "target_tags", "communities"):
            self.assertIn(field, errors)
        self.assertIn("line 1: choose one of this station's items", errors["lines"])
        self.assertFalse(Donation.objects.exists())

    def test_it_refuses_an_archived_donor(self):
        donor_archive(actor=self.alice, donor=self.donor)
        self.donor.refresh_from_db()
        with self.assertRaises(ValidationError) as ctx:
            self.receive(kind="cash", amount="5")
        self.assertIn("donor", ctx.exception.message_dict)

    def test_it_refuses_a_viewer_and_an_outsider(self):
        with self.assertRaises(PermissionDenied):
            self.receive(actor=self.victor, kind="cash", amount="5")
        with self.assertRaises(Http404):
            self.receive(actor=self.oscar, kind="cash", amount="5")
        self.assertFalse(Donation.objects.exists())
        donation = self.receive(actor=self.carol, kind="cash", amount="5")
        self.assertEqual(donation.received_by, self.carol)

    def test_it_refuses_an_archived_item_and_leaves_nothing_behind(self):
        self.rice.archived_on = timezone.now()
        self.rice.save()
        with self.assertRaises(ValidationError) as ctx:
            self.receive(kind="in_kind", store=self.store, lines=[LineSpec(self.masks, 5), LineSpec(self.rice, 5)])
        self.assertIn("line 2", " ".join(ctx.exception.message_dict["lines"]))
        self.assertFalse(Donation.objects.exists())
        self.assertFalse(Lot.objects.exists())


class FeedbackAndSelectorTests(StationTestCase):
    def test_it_records_feedback_and_lists_those_waiting(self):
        old = make_cash(self.station, self.bob, "10", received_on=days_ago(10))
        new = make_in_kind(self.station, self.bob, received_on=days_ago(2))
        make_cash(self.other_station, self.oscar, "10")
        self.assertEqual(list(donations_awaiting_feedback(self.station)), [old, new])
        with self.assertRaises(ValidationError) as ctx:
            donation_feedback_record(actor=self.bob, donation=new, sent_on=days_ago(3))
        self.assertIn("sent_on", ctx.exception.message_dict)
        with self.assertRaises(PermissionDenied):
            donation_feedback_record(actor=self.victor, donation=old, sent_on=days_ago(1))
        donation_feedback_record(actor=self.bob, donation=old, sent_on=days_ago(1))
        old.refresh_from_db()
        self.assertEqual(old.feedback_sent_on, days_ago(1))
        self.assertEqual(list(donations_awaiting_feedback(self.station)), [new])

    def test_it_filters_donations_and_sums_a_donor_history(self):
        donor = make_donor(self.station, name="爱心企业")
        masks, rice = get_item(self.station, "masks"), get_item(self.station, "rice")
        make_in_kind(self.station, self.bob, donor=donor, lines=[
            LineSpec(masks, 100, estimated_value=Decimal("50")), LineSpec(rice, 10, estimated_value=Decimal("300"))])
        make_cash(self.station, self.bob, "2000", donor=donor)
        make_cash(self.station, self.bob, "30")
        self.assertEqual(donations_for_station(self.station).count(), 3)
        self.assertEqual(donations_for_station(self.station, DonationFilter(q="爱心")).count(), 2)
        self.assertEqual(donations_for_station(self.station, DonationFilter(kind="cash")).count(), 2)
        history = donor_history(donor)
        self.assertEqual(history["count"], 2)
        self.assertEqual(history["cash_total"], Decimal("2000"))
        self.assertEqual(history["goods_value_total"], Decimal("350"))
        in_kind = [d for d in history["donations"] if d.kind == "in_kind"][0]
        self.assertEqual((in_kind.line_count, in_kind.total_quantity), (2, 110))

    def test_it_gives_what_an_acknowledgement_prints(self):
        make_cash(self.station, self.bob, "5")
        donation = make_in_kind(self.station, self.carol, received_on=datetime.date(2026, 3, 2),
                                lines=[LineSpec(get_item(self.station, "masks"), 200)])
        ack = acknowledgement(donation)
        self.assertEqual(ack["number"], "JZ-2026-0002")
        self.assertEqual(ack["donor"], donation.donor)
        self.assertEqual(ack["received_by"], self.carol)
        self.assertEqual(ack["received_on"], datetime.date(2026, 3, 2))
        self.assertEqual([(line["item"].code, line["quantity"]) for line in ack["lines"]], [("masks", 200)])
        self.assertIsNone(ack["amount"])
