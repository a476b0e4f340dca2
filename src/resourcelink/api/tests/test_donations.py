"""/donors and /donations."""

import datetime
from decimal import Decimal

from django.utils import timezone

from resourcelink.core.models import Reveal
from resourcelink.donations.models import Donation, Donor
from resourcelink.donations.testing import make_cash, make_donor, make_in_kind
from resourcelink.fund.models import FundAccount
from resourcelink.fund.services import fund_general_account
from resourcelink.inventory.models import Lot
from resourcelink.inventory.testing import get_item
from resourcelink.people.models import VulnerabilityTag

from .store_base import StoreApiTestCase, days_from_now

DONOR_PHONE = "13987654321"


class DonorApiTests(StoreApiTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.donor = make_donor(cls.station, kind="individual", name="王先生", contact_name="王五",
                               phone=DONOR_PHONE, email="wang@example.com", address="湖滨路8号", notes="老顾客")
        cls.agency = make_donor(cls.station, kind="enterprise", name="某房产中介", may_be_named=True)
        cls.other_donor = make_donor(cls.other_station, name="北山超市")
        make_cash(cls.station, cls.bob, "500.00", donor=cls.donor)

    def url(self, donor=None, action=""):
        return f"/api/v1/donors/{(donor or self.donor).pk}" + (f"/{action}" if action else "")

    def test_it_lists_donors_with_masked_phones(self):
        rows = self.get("/api/v1/donors", self.bob).json()["results"]
        self.assertEqual([(r["name"], r["donation_count"]) for r in rows], [("某房产中介", 0), ("王先生", 1)])
        wang = rows[1]
        self.assertEqual((wang["phone"], wang["contact_name"], wang["kind"]), ("139****4321", "王五", "individual"))
        self.assertNotIn(DONOR_PHONE, self.get("/api/v1/donors", self.alice).content.decode())
        self.assertEqual(self.get("/api/v1/donors", self.bob, kind="enterprise").json()["count"], 1)
        self.assertEqual(self.get("/api/v1/donors", self.bob, q="王").json()["count"], 1)
        self.assertError(self.get("/api/v1/donors", self.bob, kind="alien"), 400, "kind")

    def test_a_viewer_sees_no_contact_details(self):
        for url in ("/api/v1/donors", self.url()):
            response = self.get(url, self.victor)
            self.assertEqual(response.status_code, 200)
            text = response.content.decode()
            for secret in ("王五", "139", "wang@example.com", "湖滨路8号", "老顾客"):
                self.assertNotIn(secret, text)
        body = self.get(self.url(), self.victor).json()
        self.assertEqual({body[f] for f in ("contact_name", "phone", "email", "address", "notes")}, {None})
        self.assertEqual(body["name"], "王先生")

    def test_it_shows_a_donor_s_giving_history(self):
        make_in_kind(self.station, self.bob, donor=self.donor)
        body = self.get(self.url(), self.carol).json()
        self.assertEqual((body["donation_count"], Decimal(body["cash_total"]), body["last_received_on"]),
                         (2, Decimal("500.00"), timezone.localdate().isoformat()))
        self.assertEqual({d["kind"] for d in body["donations"]}, {"cash", "in_kind"})

    def test_editors_add_change_and_archive_donors(self):
        response = self.post("/api/v1/donors", self.carol, {"kind": "organization", "name": " 公益组织 ",
                                                            "may_be_named": True})
        self.assertEqual(response.status_code, 201, response.content)
        donor = Donor.objects.get(pk=response.json()["id"])
        self.assertEqual((donor.name, donor.may_be_named, donor.station), ("公益组织", True, self.station))
        response = self.patch(self.url(donor), self.bob, {"phone": "0571-8888888", "reason": "换号"})
        self.assertEqual((response.status_code, response.json()["phone"]), (200, "057*****8888"))
        response = self.post(self.url(donor, "archive"), self.carol, {"reason": "不再联系"})
        self.assertEqual((response.status_code, response.json()["archived"]), (200, True))
        self.assertEqual(self.get("/api/v1/donors", self.bob, archived=True).json()["count"], 1)

    def test_it_checks_donor_input(self):
        self.assertError(self.post("/api/v1/donors", self.bob, {"kind": "alien", "name": "X"}), 400, "kind")
        self.assertError(self.post("/api/v1/donors", self.bob, {"kind": "individual", "name": " "}), 400, "name")
        self.assertError(self.post("/api/v1/donors", self.bob, {"name": "X"}), 400, "kind")
        self.assertError(self.patch(self.url(), self.bob, {"email": "not an email"}), 400, "email")
        self.assertError(self.patch(self.url(), self.bob, {"may_be_named": None}), 400, "may_be_named")
        self.assertEqual(Donor.objects.filter(station=self.station).count(), 2)
        self.donor.refresh_from_db()
        self.assertEqual((self.donor.email, self.donor.may_be_named), ("wang@example.com", False))

    def test_staff_reveal_a_phone_and_it_is_logged(self):
        response = self.post(self.url(action="reveal-phone"), self.bob, {})
        self.assertEqual((response.status_code, response.json()["phone"]), (200, DONOR_PHONE))
        self.assertEqual(Reveal.objects.filter(user=self.bob, field="phone", object_id=self.donor.pk).count(), 1)
        for user in (self.carol, self.victor):
            self.assertError(self.post(self.url(action="reveal-phone"), user, {}), 403)
        self.assertError(self.post(self.url(action="reveal-phone"), self.oscar, {}), 404)
        self.assertEqual(Reveal.objects.count(), 1)

    def test_wrong_roles_get_403_and_outsiders_404(self):
        self.assertError(self.post("/api/v1/donors", self.victor, {"kind": "individual", "name": "X"}), 403)
        self.assertError(self.patch(self.url(), self.victor, {"name": "改"}), 403)
        self.assertError(self.post(self.url(action="archive"), self.victor, {}), 403)
        for response in (self.get(self.url(), self.oscar), self.patch(self.url(), self.oscar, {"name": "改"}),
                         self.post(self.url(action="archive"), self.oscar, {}),
                         self.get("/api/v1/donors", self.oscar, station=self.station.pk),
                         self.post("/api/v1/donors", self.oscar, {"station": self.station.pk, "kind": "individual",
                                                                   "name": "X"})):
            self.assertError(response, 404)
        self.donor.refresh_from_db()
        self.assertEqual((self.donor.name, self.donor.archived_on), ("王先生", None))
        self.assertEqual(Donor.objects.filter(station=self.station).count(), 2)


class DonationApiTests(StoreApiTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.donor = make_donor(cls.station, kind="enterprise", name="某房产中介")
        cls.other_donor = make_donor(cls.other_station, name="北山超市")
        cls.today = timezone.localdate()

    def receive(self, user=None, **fields):
        data = {"donor": self.donor.pk, "received_on": self.today.isoformat(), **fields}
        return self.post("/api/v1/donations", user or self.bob, data)

    def in_kind(self, user=None, **fields):
        fields.setdefault("lines", [{"item": self.masks_item.pk, "quantity": 500, "expires_on":
                                     days_from_now(90).isoformat(), "estimated_value": "250.00"}])
        fields.setdefault("store", self.store2.pk)
        return self.receive(user, kind="in_kind", **fields)

    def test_an_in_kind_donation_puts_lots_in_the_store(self):
        rice = get_item(self.station, "rice")
        response = self.in_kind(self.carol, lines=[
            {"item": self.masks_item.pk, "quantity": 500, "estimated_value": "250.00"},
            {"item": rice.pk, "quantity": 10}], description="防疫物资")
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        year = self.today.year
        self.assertEqual((body["number"], body["kind"], body["line_count"], body["total_quantity"]),
                         (f"JZ-{year}-0001", "in_kind", 2, 510))
        self.assertEqual([(line["item"]["code"], line["quantity"]) for line in body["lines"]],
                         [("masks", 500), ("rice", 10)])
        self.assertEqual([[lot["store"]["id"] for lot in line["lots"]] for line in body["lines"]],
                         [[self.store2.pk], [self.store2.pk]])
        self.assertEqual((body["fund_account"], body["received_by"]["id"]), (None, self.carol.pk))
        lots = Lot.objects.filter(store=self.store2).order_by("id")
        self.assertEqual([(lot.item.code, lot.on_hand, lot.unit_value) for lot in lots],
                         [("masks", 500, Decimal("0.50")), ("rice", 10, None)])
        self.assertTrue(body["report_token"])

    def test_cash_goes_to_the_general_account_or_its_own_restricted_one(self):
        response = self.receive(kind="cash", amount="2000.00")
        self.assertEqual(response.status_code, 201, response.content)
        general = fund_general_account(self.station)
        general.refresh_from_db()
        self.assertEqual((response.json()["fund_account"], general.balance), (general.pk, Decimal("2000.00")))
        tag = self.station_tag("elderly_alone")
        response = self.receive(kind="cash", amount="300.50", target_tags=[tag.pk], communities=[self.community.pk],
                                categories=["food"], use_by=days_from_now(30).isoformat(),
                                restriction_note="给困难老人")
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        account = FundAccount.objects.get(donation_id=body["id"])
        self.assertEqual((body["fund_account"], account.balance, body["restricted"]),
                         (account.pk, Decimal("300.50"), True))
        self.assertEqual(([t["code"] for t in body["target_tags"]], [c["code"] for c in body["communities"]],
                          [c["code"] for c in body["categories"]]), (["elderly_alone"], ["dongpo"], ["food"]))

    def test_it_reports_every_problem_at_once_and_records_nothing(self):
        body = self.receive(kind="in_kind", lines=[{"item": self.masks_item.pk, "quantity": 0},
                                                   {"item": self.other_lot.item_id, "quantity": 3}]).json()
        self.assertEqual(set(body["errors"]), {"store", "lines"})
        self.assertEqual(len(body["errors"]["lines"]), 2)
        self.assertIn("line 1", body["errors"]["lines"][0])
        self.assertError(self.receive(kind="cash", amount="-5"), 400, "amount")
        self.assertError(self.receive(kind="cash", amount="1.234"), 400, "amount")
        self.assertError(self.receive(kind="cash"), 400, "amount")
        self.assertError(self.receive(kind="gift", amount="5"), 400, "kind")
        self.assertError(self.in_kind(received_on=days_from_now(1).isoformat()), 400, "received_on")
        self.assertError(self.in_kind(store=self.other_store.pk), 400, "store")
        self.assertError(self.in_kind(donor=self.other_donor.pk), 400, "donor")
        other_tag = VulnerabilityTag.objects.get(station=self.other_station, code="elderly_alone")
        self.assertError(self.receive(kind="cash", amount="5", target_tags=[other_tag.pk]), 400, "target_tags")
        self.assertError(self.receive(kind="cash", amount="5", categories=["nope"]), 400, "categories")
        self.assertError(self.receive(kind="cash", amount="5", communities=[self.other_community.pk]), 400,
                         "communities")
        self.assertError(self.in_kind(lines=[{"item": self.masks_item.pk, "quantity": "many"}]), 400, "lines")
        self.assertFalse(Donation.objects.exists())
        self.assertFalse(Lot.objects.filter(store=self.store2).exists())
        self.assertFalse(FundAccount.objects.filter(station=self.station).exists())

    def test_feedback_is_recorded_and_the_waiting_list_shrinks(self):
        first = make_in_kind(self.station, self.bob, donor=self.donor, received_on=self.today - datetime.timedelta(3))
        second = make_cash(self.station, self.bob, donor=self.donor)
        waiting = self.get("/api/v1/donations", self.victor, awaiting_feedback=True).json()
        self.assertEqual([d["id"] for d in waiting["results"]], [second.pk, first.pk])
        url = f"/api/v1/donations/{first.pk}/feedback"
        self.assertError(self.post(url, self.bob, {"sent_on": days_from_now(1).isoformat()}), 400, "sent_on")
        self.assertError(self.post(url, self.bob, {"sent_on": (self.today - datetime.timedelta(4)).isoformat()}),
                         400, "sent_on")
        self.assertError(self.post(url, self.bob, {"sent_on": "yesterday"}), 400, "sent_on")
        self.assertIsNone(Donation.objects.get(pk=first.pk).feedback_sent_on)
        response = self.post(url, self.carol, {"sent_on": self.today.isoformat()})
        self.assertEqual((response.status_code, response.json()["feedback_sent_on"]), (200, self.today.isoformat()))
        waiting = self.get("/api/v1/donations", self.bob, awaiting_feedback=True).json()
        self.assertEqual([d["id"] for d in waiting["results"]], [second.pk])
        self.assertEqual(self.get("/api/v1/donations", self.bob, kind="cash").json()["count"], 1)
        self.assertEqual(self.get("/api/v1/donations", self.bob, donor=self.donor.pk).json()["count"], 2)
        self.assertError(self.get("/api/v1/donations", self.bob, donor=self.other_donor.pk), 400, "donor")

    def test_it_gives_the_acknowledgement_data(self):
        donation = make_in_kind(self.station, self.bob, donor=self.donor, description="口罩一批")
        response = self.get(f"/api/v1/donations/{donation.pk}/acknowledgement", self.victor)
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual((body["number"], body["donor"]["name"], body["station"]["name"], body["received_by_name"],
                          body["restricted"]),
                         (f"JZ-{self.today.year}-0001", "某房产中介", "湖滨街道社工站", "Bob", False))
        self.assertEqual([(line["item"]["code"], line["quantity"]) for line in body["lines"]], [("masks", 100)])

    def test_a_viewer_reads_without_the_report_link_and_may_not_write(self):
        donation = make_cash(self.station, self.bob, donor=self.donor)
        body = self.get(f"/api/v1/donations/{donation.pk}", self.victor).json()
        self.assertIsNone(body["report_token"])
        self.assertNotIn(donation.report_token, self.get("/api/v1/donations", self.victor).content.decode())
        self.assertError(self.in_kind(self.victor), 403)
        self.assertError(self.post(f"/api/v1/donations/{donation.pk}/feedback", self.victor,
                                   {"sent_on": self.today.isoformat()}), 403)
        self.assertEqual(Donation.objects.count(), 1)
        self.assertIsNone(Donation.objects.get().feedback_sent_on)

    def test_an_outsider_gets_404(self):
        donation = make_cash(self.station, self.bob, donor=self.donor)
        for response in (self.get(f"/api/v1/donations/{donation.pk}", self.oscar),
                         self.get(f"/api/v1/donations/{donation.pk}/acknowledgement", self.oscar),
                         self.post(f"/api/v1/donations/{donation.pk}/feedback", self.oscar,
                                   {"sent_on": self.today.isoformat()}),
                         self.get("/api/v1/donations", self.oscar, station=self.station.pk),
                         self.in_kind(self.oscar, station=self.station.pk)):
            self.assertError(response, 404)
        self.assertEqual(self.get("/api/v1/donations", self.oscar).json()["count"], 0)
        self.assertEqual(Donation.objects.count(), 1)
        self.assertIsNone(Donation.objects.get().feedback_sent_on)
