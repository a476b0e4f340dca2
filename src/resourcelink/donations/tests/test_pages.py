"""The donor and donation pages through HTTP: who may read and write,
station scoping, receiving in kind and in cash end to end, the
acknowledgement and the feedback list."""

import datetime
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from resourcelink.donations.models import Donation, DonationLine, Donor
from resourcelink.donations.services import donation_feedback_record, donor_archive, donor_update
from resourcelink.donations.testing import (
    days_ago,
    get_item,
    make_cash,
    make_donor,
    make_in_kind,
    make_store,
)
from resourcelink.donations.views import optional_url
from resourcelink.fund.models import EntryKind, FundAccount, FundEntry
from resourcelink.fund.services import fund_general_account
from resourcelink.inventory.models import Lot, StockMove
from resourcelink.people.tests.base import PeopleTestCase

RECEIVE = reverse("donations:donation_receive")
DONATIONS = reverse("donations:donation_list")
DONORS = reverse("donations:donor_list")
AWAITING = reverse("donations:awaiting_feedback")


def counts() -> tuple:
    return (Donation.objects.count(), Donor.objects.count(), DonationLine.objects.count(), Lot.objects.count(),
            StockMove.objects.count(), FundEntry.objects.count(), FundAccount.objects.count())


class DonationPagesTestCase(PeopleTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.store = make_store(cls.station, "社区仓库")
        cls.masks = get_item(cls.station, "masks")
        cls.rice = get_item(cls.station, "rice")
        cls.agency = make_donor(cls.station, name="安居房产中介", kind="enterprise", contact_name="周经理",
                                phone="13955556666", email="zhou@example.com", address="文一路88号",
                                notes="每年捐一次", may_be_named=True)
        cls.welfare = make_donor(cls.station, name="仁爱公益基金会", kind="organization")
        cls.goods = make_in_kind(cls.station, cls.bob, donor=cls.agency, store=cls.store, received_on=days_ago(10))
        cls.money = make_cash(cls.station, cls.bob, "2000.00", donor=cls.welfare, received_on=days_ago(3),
                              target_tags=[cls.elderly], restriction_note="给困难家庭")
        cls.far_store = make_store(cls.other_station, "北山仓库")
        cls.far_donor = make_donor(cls.other_station, name="北山爱心企业", phone="13700001111")
        cls.far_donation = make_in_kind(cls.other_station, cls.oscar, donor=cls.far_donor, store=cls.far_store)

    def line_data(self, lines, prefix="lines") -> dict:
        data = {f"{prefix}-TOTAL_FORMS": str(len(lines)), f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "500"}
        for i, line in enumerate(lines):
            for key, value in line.items():
                data[f"{prefix}-{i}-{key}"] = value
        return data

    def receive_data(self, **fields) -> dict:
        lines = fields.pop("lines", [{"item": self.masks.pk, "quantity": "200", "expires_on": "2030-01-31",
                                      "estimated_value": "300.00"}])
        data = {"donor": self.agency.pk, "kind": "in_kind", "received_on": timezone.localdate().isoformat(),
                "store": self.store.pk, "save": "1", **self.line_data(lines)}
        data.update(fields)
        return {k: v for k, v in data.items() if v is not None}


# --- Donors --------------------------------------------------------------------------


class DonorPageTests(DonationPagesTestCase):
    def test_it_lists_donors_with_search_and_kind(self):
        self.login(self.victor)
        r = self.client.get(DONORS)  # by name
        self.assertEqual([d.pk for d in r.context["page_obj"]], [self.welfare.pk, self.agency.pk])
        self.assertNotContains(r, self.far_donor.name)
        r = self.client.get(DONORS, {"q": "基金"})
        self.assertEqual([d.pk for d in r.context["page_obj"]], [self.welfare.pk])
        r = self.client.get(DONORS, {"kind": "enterprise"})
        self.assertEqual([d.pk for d in r.context["page_obj"]], [self.agency.pk])
        self.assertContains(r, "1 donation")

    def test_it_lists_archived_donors_apart(self):
        donor = make_donor(self.station, name="已停业商户")
        donor_archive(actor=self.bob, donor=donor)
        self.login(self.bob)
        self.assertNotContains(self.client.get(DONORS), "已停业商户")
        self.assertContains(self.client.get(DONORS, {"archived": "on"}), "已停业商户")

    def test_it_shows_contact_details_to_staff_and_not_to_viewers(self):
        donor_update(actor=self.bob, donor=self.agency, phone="13955557777")
        url = reverse("donations:donor_detail", args=[self.agency.pk])
        contact = ["周经理", "13955557777", "13955556666", "zhou@example.com", "文一路88号", "每年捐一次"]
        for user in (self.alice, self.bob, self.carol):
            self.login(user)
            r = self.client.get(url)
            for value in ("周经理", "13955557777", "zhou@example.com", "文一路88号"):
                self.assertContains(r, value)
        self.login(self.victor)
        for page in (url, DONORS, DONATIONS, reverse("donations:donation_detail", args=[self.goods.pk]),
                     reverse("donations:acknowledgement", args=[self.goods.pk]), AWAITING):
            r = self.client.get(page)
            self.assertEqual(r.status_code, 200, page)
            for value in contact:
                self.assertNotContains(r, value, msg_prefix=page)
        self.assertContains(self.client.get(url), "安居房产中介")

    def test_it_adds_a_donor(self):
        for user in (self.bob, self.carol):
            self.login(user)
            r = self.client.post(reverse("donations:donor_create"),
                                 {"kind": "party_member", "name": f"党员{user.username}", "phone": "13800000000"})
            donor = Donor.objects.get(name=f"党员{user.username}")
            self.assertRedirects(r, reverse("donations:donor_detail", args=[donor.pk]))
            self.assertEqual(donor.station, self.station)
            self.assertEqual(donor.history.first().history_user, user)

    def test_it_refuses_bad_donor_input(self):
        self.login(self.bob)
        before = Donor.objects.count()
        r = self.client.post(reverse("donations:donor_create"), {"kind": "alien", "name": "", "email": "nope"})
        self.assertEqual(r.status_code, 200)
        self.assertTrue(r.context["form"].errors.keys() >= {"kind", "name", "email"})
        self.assertContains(r, "This field is required")
        self.assertEqual(Donor.objects.count(), before)

    def test_it_refuses_viewers_any_donor_write(self):
        self.login(self.victor)
        self.assertEqual(self.client.get(reverse("donations:donor_create")).status_code, 403)
        self.assertEqual(self.client.post(reverse("donations:donor_create"),
                                          {"kind": "individual", "name": "x"}).status_code, 403)
        edit = reverse("donations:donor_edit", args=[self.agency.pk])
        self.assertEqual(self.client.get(edit).status_code, 403)
        self.assertEqual(self.client.post(edit, {"kind": "individual", "name": "x"}).status_code, 403)
        archive = reverse("donations:donor_archive", args=[self.agency.pk])
        self.assertEqual(self.client.post(archive).status_code, 403)
        self.agency.refresh_from_db()
        self.assertEqual((self.agency.name, self.agency.archived_on), ("安居房产中介", None))
        self.assertFalse(Donor.objects.filter(name="x").exists())

    def test_it_hides_other_stations_donors(self):
        self.login(self.oscar)
        for name in ("donor_detail", "donor_edit"):
            self.assertEqual(self.client.get(reverse(f"donations:{name}", args=[self.agency.pk])).status_code, 404)
        r = self.client.post(reverse("donations:donor_archive", args=[self.agency.pk]))
        self.assertEqual(r.status_code, 404)
        r = self.client.post(reverse("donations:donor_edit", args=[self.agency.pk]), {"kind": "individual",
                                                                                        "name": "偷改"})
        self.assertEqual(r.status_code, 404)
        self.agency.refresh_from_db()
        self.assertIsNone(self.agency.archived_on)
        self.assertEqual(self.agency.name, "安居房产中介")

    def test_it_edits_a_donor_and_shows_the_history(self):
        self.login(self.carol)
        url = reverse("donations:donor_edit", args=[self.welfare.pk])
        r = self.client.get(url)
        self.assertContains(r, "仁爱公益基金会")
        r = self.client.post(url, {"kind": "organization", "name": "仁爱公益基金会", "may_be_named": "on",
                                   "reason": "同意公开"})
        self.assertRedirects(r, reverse("donations:donor_detail", args=[self.welfare.pk]))
        self.welfare.refresh_from_db()
        self.assertTrue(self.welfare.may_be_named)
        r = self.client.get(reverse("donations:donor_detail", args=[self.welfare.pk]))
        self.assertContains(r, "同意公开")

    def test_it_hides_contact_changes_in_history_from_viewers(self):
        donor_update(actor=self.bob, donor=self.welfare, phone="13611112222", reason="新电话")
        self.login(self.victor)
        r = self.client.get(reverse("donations:donor_detail", args=[self.welfare.pk]))
        self.assertContains(r, "新电话")
        self.assertNotContains(r, "13611112222")
        self.assertContains(r, "(hidden)")

    def test_it_archives_a_donor(self):
        self.login(self.bob)
        url = reverse("donations:donor_archive", args=[self.welfare.pk])
        self.assertEqual(self.client.get(url).status_code, 405)
        r = self.client.post(url, {"reason": "不再联系"})
        self.assertRedirects(r, reverse("donations:donor_detail", args=[self.welfare.pk]))
        self.welfare.refresh_from_db()
        self.assertIsNotNone(self.welfare.archived_on)
        # An archived donor is no longer offered when receiving.
        choices = dict(self.client.get(RECEIVE).context["form"].fields["donor"].choices)
        self.assertNotIn(self.welfare.pk, choices)
        self.assertIn(self.agency.pk, choices)

    def test_it_shows_the_giving_history(self):
        make_cash(self.station, self.bob, "500.00", donor=self.agency, received_on=days_ago(1))
        self.login(self.victor)
        r = self.client.get(reverse("donations:donor_detail", args=[self.agency.pk]))
        giving = r.context["giving"]
        self.assertEqual(giving["count"], 2)
        self.assertEqual(giving["cash_total"], Decimal("500.00"))
        self.assertContains(r, f"JZ-{days_ago(10).year}-{self.goods.number:04d}")
        self.assertContains(r, "500.00")


# --- The donation list ----------------------------------------------------------------


class DonationListTests(DonationPagesTestCase):
    def ids(self, params=None, user=None):
        self.login(user or self.bob)
        r = self.client.get(DONATIONS, params or {})
        self.assertEqual(r.status_code, 200)
        return [d.pk for d in r.context["page_obj"]]

    def test_it_lists_the_stations_donations_newest_first(self):
        self.assertEqual(self.ids(), [self.money.pk, self.goods.pk])
        self.assertEqual(self.ids(user=self.victor), [self.money.pk, self.goods.pk])
        self.assertEqual(self.ids(user=self.oscar), [self.far_donation.pk])

    def test_it_filters(self):
        self.assertEqual(self.ids({"kind": "cash"}), [self.money.pk])
        self.assertEqual(self.ids({"kind": "in_kind"}), [self.goods.pk])
        self.assertEqual(self.ids({"donor": self.agency.pk}), [self.goods.pk])
        self.assertEqual(self.ids({"q": "仁爱"}), [self.money.pk])
        self.assertEqual(self.ids({"received_from": days_ago(5).isoformat()}), [self.money.pk])
        self.assertEqual(self.ids({"received_to": days_ago(5).isoformat()}), [self.goods.pk])
        donation_feedback_record(actor=self.bob, donation=self.goods, sent_on=days_ago(1))
        self.assertEqual(self.ids({"awaiting_feedback": "on"}), [self.money.pk])

    def test_it_reports_bad_filters(self):
        self.login(self.bob)
        r = self.client.get(DONATIONS, {"received_from": "2026-05-10", "received_to": "2026-05-01"})
        self.assertContains(r, "The end date is before the start date.")
        r = self.client.get(DONATIONS, {"donor": self.far_donor.pk})
        self.assertContains(r, "Some filters are not valid")
        self.assertNotContains(r, self.far_donor.name)

    def test_it_answers_htmx_with_rows_only(self):
        self.login(self.bob)
        r = self.client.get(DONATIONS, {"kind": "cash"}, HTTP_HX_REQUEST="true")
        self.assertNotContains(r, "<html")
        self.assertContains(r, "1 donation")


# --- Receiving -------------------------------------------------------------------------


class ReceiveTests(DonationPagesTestCase):
    def test_it_receives_goods_end_to_end(self):
        self.login(self.carol)
        r = self.client.get(RECEIVE)
        self.assertEqual(r.status_code, 200)
        lines = [{"item": self.masks.pk, "quantity": "500", "expires_on": "2030-06-30", "estimated_value": "250.00"},
                 {"item": self.rice.pk, "quantity": "20", "expires_on": "", "estimated_value": ""},
                 {"item": "", "quantity": "", "expires_on": "", "estimated_value": ""}]  # an untouched blank line
        r = self.client.post(RECEIVE, self.receive_data(lines=lines, description="口罩和大米",
                                                        target_tags=[self.elderly.pk],
                                                        communities=[self.community.pk]))
        donation = Donation.objects.get(description="口罩和大米")
        self.assertRedirects(r, reverse("donations:donation_detail", args=[donation.pk]))
        self.assertEqual((donation.kind, donation.donor, donation.received_by), ("in_kind", self.agency, self.carol))
        self.assertEqual(list(donation.target_tags.all()), [self.elderly])
        self.assertEqual(list(donation.communities.all()), [self.community])
        got = [(line.item.code, line.quantity, line.expires_on, line.estimated_value)
               for line in donation.lines.order_by("id")]
        self.assertEqual(got, [("masks", 500, datetime.date(2030, 6, 30), Decimal("250.00")),
                               ("rice", 20, None, None)])
        lots = Lot.objects.filter(donation_line__donation=donation).order_by("id")
        self.assertEqual([(lot.item.code, lot.store, lot.on_hand) for lot in lots],
                         [("masks", self.store, 500), ("rice", self.store, 20)])
        self.assertEqual(StockMove.objects.filter(lot__in=lots, kind="receive").count(), 2)
        r = self.client.get(reverse("donations:donation_detail", args=[donation.pk]))
        self.assertContains(r, "Donation %s" % f"JZ-{donation.received_on.year}-{donation.number:04d}")
        self.assertContains(r, "500 on hand, 0 reserved")
        self.assertContains(r, "社区仓库")
        self.assertContains(r, "Only for")

    def test_it_receives_restricted_money_into_its_own_account(self):
        self.login(self.bob)
        before = fund_general_account(self.station).balance
        r = self.client.post(RECEIVE, self.receive_data(
            kind="cash", amount="2000.00", store="", target_tags=[self.elderly.pk], use_by="2099-12-31",
            restriction_note="困难家庭慰问金", lines=[{"item": "", "quantity": "abc"}]))  # lines ignored for cash
        donation = Donation.objects.get(restriction_note="困难家庭慰问金")
        self.assertRedirects(r, reverse("donations:donation_detail", args=[donation.pk]))
        self.assertEqual((donation.kind, donation.amount, donation.use_by),
                         ("cash", Decimal("2000.00"), datetime.date(2099, 12, 31)))
        self.assertFalse(donation.lines.exists())
        account = FundAccount.objects.get(donation=donation)
        self.assertEqual(account.balance, Decimal("2000.00"))
        self.assertEqual(list(FundEntry.objects.filter(donation=donation).values_list("account", "kind", "amount")),
                         [(account.pk, EntryKind.DONATION_IN, Decimal("2000.00"))])
        self.assertEqual(fund_general_account(self.station).balance, before)
        r = self.client.get(reverse("donations:donation_detail", args=[donation.pk]))
        self.assertContains(r, "2000.00 yuan")
        self.assertContains(r, reverse("fund:account_detail", args=[account.pk]))
        self.assertContains(r, "To be used by 2099-12-31")

    def test_it_puts_unrestricted_money_into_the_general_fund(self):
        self.login(self.bob)
        general = fund_general_account(self.station)
        before = general.balance
        self.client.post(RECEIVE, self.receive_data(kind="cash", amount="88.50", store="", lines=[]))
        general.refresh_from_db()
        self.assertEqual(general.balance, before + Decimal("88.50"))
        donation = Donation.objects.get(amount=Decimal("88.50"))
        self.assertFalse(FundAccount.objects.filter(donation=donation).exists())
        r = self.client.get(reverse("donations:donation_detail", args=[donation.pk]))
        self.assertContains(r, "general fund)")

    def test_it_adds_a_new_donor_in_the_same_step(self):
        self.login(self.bob)
        r = self.client.post(RECEIVE, self.receive_data(donor="", new_donor_name="热心居民李先生",
                                                        new_donor_kind="individual", new_donor_phone="13500000000"))
        donor = Donor.objects.get(name="热心居民李先生")
        self.assertEqual((donor.kind, donor.phone, donor.may_be_named), ("individual", "13500000000", False))
        donation = Donation.objects.get(donor=donor)
        self.assertRedirects(r, reverse("donations:donation_detail", args=[donation.pk]))

    def test_a_refused_donation_leaves_no_new_donor(self):
        self.login(self.bob)
        before = counts()
        future = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
        r = self.client.post(RECEIVE, self.receive_data(donor="", new_donor_name="不该留下的捐赠人",
                                                        new_donor_kind="individual", received_on=future))
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "The date received cannot be in the future.")
        self.assertEqual(counts(), before)

    def test_it_asks_for_a_donor(self):
        self.login(self.bob)
        before = counts()
        r = self.client.post(RECEIVE, self.receive_data(donor=""))
        self.assertContains(r, "Choose the donor, or give a new donor&#x27;s name.")
        r = self.client.post(RECEIVE, self.receive_data(new_donor_name="又选又填", new_donor_kind="individual"))
        self.assertContains(r, "Choose a donor or add a new one, not both.")
        r = self.client.post(RECEIVE, self.receive_data(donor="", new_donor_name="没说类型"))
        self.assertContains(r, "Say what kind of donor this is.")
        self.assertEqual(counts(), before)

    def test_it_refuses_bad_lines_and_changes_nothing(self):
        self.login(self.bob)
        before = counts()
        r = self.client.post(RECEIVE, self.receive_data(lines=[{"item": self.masks.pk, "quantity": "0"},
                                                               {"item": "", "quantity": "5"},
                                                               {"item": self.rice.pk, "quantity": "3",
                                                                "estimated_value": "-1"}]))
        self.assertEqual(r.status_code, 200)
        errors = [form.errors for form in r.context["formset"].forms]
        self.assertIn("quantity", errors[0])
        self.assertIn("item", errors[1])
        self.assertIn("estimated_value", errors[2])
        self.assertEqual(counts(), before)
        r = self.client.post(RECEIVE, self.receive_data(lines=[{"item": "", "quantity": ""}]))
        self.assertContains(r, "An in-kind donation needs at least one line.")
        r = self.client.post(RECEIVE, self.receive_data(store=""))
        self.assertContains(r, "Choose the store the goods go into.")
        r = self.client.post(RECEIVE, self.receive_data(kind="cash", amount="", store=""))
        self.assertContains(r, "Enter the amount in yuan.")
        self.assertEqual(counts(), before)

    def test_it_refuses_a_use_by_date_before_receipt(self):
        self.login(self.bob)
        before = counts()
        r = self.client.post(RECEIVE, self.receive_data(use_by=days_ago(30).isoformat()))
        self.assertContains(r, "The use-by date cannot be before the date received.")
        self.assertEqual(counts(), before)

    def test_it_offers_only_this_stations_records(self):
        self.login(self.bob)
        before = counts()
        far_item = get_item(self.other_station, "masks")
        r = self.client.post(RECEIVE, self.receive_data(donor=self.far_donor.pk, store=self.far_store.pk,
                                                        lines=[{"item": far_item.pk, "quantity": "5"}]))
        form, formset = r.context["form"], r.context["formset"]
        self.assertIn("donor", form.errors)
        self.assertIn("store", form.errors)
        self.assertIn("item", formset.forms[0].errors)
        self.assertEqual(counts(), before)

    def test_it_refuses_viewers_and_outsiders_receiving_here(self):
        self.login(self.victor)
        before = counts()
        self.assertEqual(self.client.get(RECEIVE).status_code, 403)
        self.assertEqual(self.client.post(RECEIVE, self.receive_data()).status_code, 403)
        self.assertEqual(counts(), before)
        # The outsider receives at their own station only: this station's
        # donor and store are not choices there.
        self.login(self.oscar)
        r = self.client.post(RECEIVE, self.receive_data())
        self.assertIn("donor", r.context["form"].errors)
        self.assertEqual(counts(), before)

    def test_it_adds_a_line_without_script(self):
        self.login(self.bob)
        data = self.receive_data(lines=[{"item": self.masks.pk, "quantity": "7"}])
        data.pop("save")
        data["add_line"] = "1"
        r = self.client.post(RECEIVE, data)
        formset = r.context["formset"]
        self.assertEqual(len(formset.forms), 2)
        self.assertEqual(str(formset.forms[0]["quantity"].value()), "7")
        self.assertEqual(r.context["form"]["donor"].value(), str(self.agency.pk))
        self.assertFalse(Donation.objects.filter(lines__quantity=7).exists())

    def test_it_drops_removed_lines(self):
        self.login(self.bob)
        data = self.receive_data(lines=[{"item": self.masks.pk, "quantity": "11"},
                                        {"item": self.rice.pk, "quantity": "0", "DELETE": "on"}])
        self.client.post(RECEIVE, data)
        donation = Donation.objects.get(lines__quantity=11)
        self.assertEqual(donation.lines.count(), 1)

    def test_it_prefills_the_donor_from_the_donor_page(self):
        self.login(self.bob)
        r = self.client.get(RECEIVE, {"donor": self.welfare.pk})
        self.assertEqual(str(r.context["form"]["donor"].value()), str(self.welfare.pk))


# --- The donation page, the acknowledgement and feedback -------------------------------


class DonationPageTests(DonationPagesTestCase):
    def test_it_shows_a_donation_to_every_member_and_to_no_outsider(self):
        for user in (self.alice, self.bob, self.carol, self.victor):
            self.login(user)
            self.assertEqual(self.client.get(reverse("donations:donation_detail", args=[self.goods.pk])).status_code,
                             200)
        self.login(self.oscar)
        for name in ("donation_detail", "acknowledgement"):
            self.assertEqual(self.client.get(reverse(f"donations:{name}", args=[self.goods.pk])).status_code, 404)
        self.login(self.bob)
        self.assertEqual(self.client.get(reverse("donations:donation_detail",
                                                 args=[self.far_donation.pk])).status_code, 404)

    def test_it_links_the_lots_and_the_report_where_those_pages_exist(self):
        self.login(self.victor)
        r = self.client.get(reverse("donations:donation_detail", args=[self.goods.pk]))
        lot = Lot.objects.get(donation_line__donation=self.goods)
        lot_url = optional_url("inventory:lot_detail", lot.pk)
        report_url = optional_url("publicity:donor_report", self.goods.report_token)
        self.assertContains(r, f"{lot.pk}")
        if lot_url:
            self.assertContains(r, f'href="{lot_url}"')
        if report_url:
            self.assertContains(r, f'href="{report_url}"')
        else:
            self.assertNotContains(r, 'id="report-link"')
        self.assertEqual(optional_url("no_such:page", 1), "")
        # Viewers see no write forms.
        self.assertNotContains(r, 'id="feedback-form"')

    def test_it_shows_what_was_granted_from_a_restricted_gift(self):
        from resourcelink.fund.services import fund_grant

        account = FundAccount.objects.get(donation=self.money)
        fund_grant(actor=self.bob, account=account, household=self.household, amount="300.00", reason="端午慰问")
        self.login(self.victor)
        r = self.client.get(reverse("donations:donation_detail", args=[self.money.pk]))
        self.assertEqual([e.kind for e in r.context["entries"]], [EntryKind.DONATION_IN, EntryKind.GRANT_OUT])
        self.assertContains(r, f"household #{self.household.pk}")
        self.assertContains(r, "端午慰问")
        self.assertContains(r, "balance 1700.00 yuan")
        for value in self.PERSONAL:
            self.assertNotContains(r, value)

    def test_it_prints_an_acknowledgement_of_goods(self):
        self.login(self.bob)
        r = self.client.get(reverse("donations:acknowledgement", args=[self.goods.pk]))
        number = f"JZ-{self.goods.received_on.year}-{self.goods.number:04d}"
        self.assertContains(r, f'<strong id="ack-number">{number}</strong>', html=True)
        self.assertContains(r, '<dd id="ack-donor">安居房产中介</dd>', html=True)
        self.assertContains(r, "Medical masks")
        self.assertContains(r, '<td class="num">100</td>', html=True)
        self.assertContains(r, "Bob")  # received by
        self.assertContains(r, self.station.name)
        self.assertContains(r, self.goods.received_on.strftime("%Y-%m-%d"))
        self.assertContains(r, '<style media="print">')

    def test_it_prints_an_acknowledgement_of_money_with_the_restrictions(self):
        self.login(self.victor)
        r = self.client.get(reverse("donations:acknowledgement", args=[self.money.pk]))
        self.assertContains(r, f"JZ-{self.money.received_on.year}-{self.money.number:04d}")
        self.assertContains(r, "仁爱公益基金会")
        self.assertContains(r, "2000.00 yuan")
        self.assertContains(r, self.elderly.name)
        self.assertContains(r, "给困难家庭")

    def test_it_records_feedback_from_the_awaiting_list(self):
        self.login(self.victor)
        r = self.client.get(AWAITING)
        self.assertEqual([d.pk for d in r.context["page_obj"]], [self.goods.pk, self.money.pk])  # oldest first
        self.assertNotContains(r, 'name="sent_on"')
        self.login(self.carol)
        r = self.client.post(reverse("donations:feedback_record", args=[self.goods.pk]),
                             {"sent_on": days_ago(1).isoformat(), "next": AWAITING}, follow=True)
        self.assertRedirects(r, AWAITING)
        self.assertContains(r, "was recorded as sent on")
        self.goods.refresh_from_db()
        self.assertEqual(self.goods.feedback_sent_on, days_ago(1))
        self.assertEqual([d.pk for d in r.context["page_obj"]], [self.money.pk])

    def test_it_refuses_bad_feedback_dates(self):
        self.login(self.bob)
        url = reverse("donations:feedback_record", args=[self.money.pk])
        detail = reverse("donations:donation_detail", args=[self.money.pk])
        future = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
        for sent_on, message in ((future, "The date cannot be in the future."),
                                 (days_ago(20).isoformat(), "Feedback cannot be sent before the donation"),
                                 ("not a date", "Enter a valid date.")):
            r = self.client.post(url, {"sent_on": sent_on}, follow=True)
            self.assertRedirects(r, detail)
            self.assertContains(r, message)
        self.money.refresh_from_db()
        self.assertIsNone(self.money.feedback_sent_on)

    def test_it_does_not_follow_a_foreign_next(self):
        self.login(self.bob)
        r = self.client.post(reverse("donations:feedback_record", args=[self.money.pk]),
                             {"sent_on": timezone.localdate().isoformat(), "next": "https://evil.example/"})
        self.assertRedirects(r, reverse("donations:donation_detail", args=[self.money.pk]))

    def test_it_refuses_feedback_from_viewers_and_outsiders(self):
        url = reverse("donations:feedback_record", args=[self.money.pk])
        self.login(self.victor)
        self.assertEqual(self.client.post(url, {"sent_on": timezone.localdate().isoformat()}).status_code, 403)
        self.login(self.oscar)
        self.assertEqual(self.client.post(url, {"sent_on": timezone.localdate().isoformat()}).status_code, 404)
        self.login(self.bob)
        self.assertEqual(self.client.get(url).status_code, 405)
        self.money.refresh_from_db()
        self.assertIsNone(self.money.feedback_sent_on)

    def test_it_keeps_a_pages_query_count_flat(self):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        self.login(self.bob)
        url = reverse("donations:donation_detail", args=[self.goods.pk])
        with CaptureQueriesContext(connection) as few:
            self.client.get(url)
        lines = [(get_item(self.station, code), 3) for code in ("rice", "fans", "gloves", "drinks")]
        many = make_in_kind(self.station, self.bob, lines=lines, store=self.store)
        with CaptureQueriesContext(connection) as more:
            self.client.get(reverse("donations:donation_detail", args=[many.pk]))
        self.assertEqual(len(more), len(few))
        with CaptureQueriesContext(connection) as listing:
            self.client.get(DONATIONS)
        for _ in range(3):
            make_cash(self.station, self.bob, "1.00")
        with CaptureQueriesContext(connection) as longer:
            self.client.get(DONATIONS)
        self.assertEqual(len(longer), len(listing))
