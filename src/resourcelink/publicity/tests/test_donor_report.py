"""The report on one donation, opened by its unguessable link: what came in,
where it went (households by group, community and grid, small groups
merged or withheld), other uses, what remains, and when."""

from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from resourcelink.distribution import services as plans
from resourcelink.distribution.models import PlanLine
from resourcelink.distribution.testing import make_plan
from resourcelink.publicity import selectors

from .base import PublicityTestCase


def rows(breakdown):
    """(label, households, what) of each row; withheld rows as (label, None, None)."""
    result = []
    for row in breakdown:
        given = None if row["suppressed"] else tuple(
            (g["name"], g["quantity"]) if "name" in g else ("¥", g["amount"]) for g in row["given"])
        result.append((row["label"], row["households"], given))
    return result


class DonorReportTests(PublicityTestCase):
    def url(self, donation):
        return reverse("publicity:donor_report", args=[donation.report_token])

    def test_it_reports_what_an_in_kind_gift_did(self):
        r = selectors.donor_report(self.in_kind)
        self.assertEqual(r["donor_name"], "绿城房产中介")
        self.assertEqual([(line["name"], line["quantity"], line["value"]) for line in r["lines"]],
                         [("Medical masks", 1000, Decimal("500.00")), ("Protective gloves", 200, Decimal("400.00"))])
        self.assertEqual(r["goods_value"], Decimal("900.00"))
        self.assertEqual(r["restrictions"], [])
        # 19 households were planned, 18 collected: 9 elderly (张家 among
        # them, with 30 masks), 6 disabled, 2 of 3 pregnant and 1 chosen.
        self.assertEqual(r["reached"]["households"], 18)
        self.assertEqual([(g["name"], g["quantity"]) for g in r["reached"]["given"]],
                         [("Medical masks", 370), ("Protective gloves", 72)])
        # 0.50 yuan a mask, 2 yuan a pair of gloves.
        self.assertEqual(r["reached"]["value"], Decimal("329.00"))
        self.assertEqual(timezone.localdate(r["reached"]["first"]), timezone.localdate())
        self.assertEqual(rows(r["by_group"]), [
            ("Elderly living alone", 9, (("Medical masks", 190), ("Protective gloves", 36))),
            ("Person with a disability", 6, (("Medical masks", 120), ("Protective gloves", 24))),
            ("other groups", None, None),
        ])
        self.assertEqual(rows(r["by_community"]), [
            ("湖滨社区", 15, (("Medical masks", 310), ("Protective gloves", 60))),
            ("other communities", None, None),
        ])
        self.assertEqual(rows(r["by_grid"]), [
            ("湖滨社区 · 第一网格", 9, (("Medical masks", 190), ("Protective gloves", 36))),
            ("湖滨社区 · 第二网格", 6, (("Medical masks", 120), ("Protective gloves", 24))),
            ("other grids", None, None),
        ])
        self.assertEqual([(p["name"], p["status"], p["households"]) for p in r["plans"]],
                         [("冬季慰问发放", "closed", 18)])
        self.assertEqual([(u["label"], u["name"], u["quantity"]) for u in r["other_uses"]], [
            ("Awarded to volunteers in commendation", "Medical masks", 10),
            ("Given away through an online activity", "Medical masks", 10),
            ("Issued outside distribution plans", "Medical masks", 30),
            ("Written off (expired, damaged or lost)", "Medical masks", 10),
        ])
        # 1000 − 30 issued − 10 written off − 370 handed over − 20 decided on.
        self.assertEqual([(lot["name"], lot["on_hand"], lot["reserved"]) for lot in r["remaining"]["lots"]],
                         [("Medical masks", 570, 0), ("Protective gloves", 128, 0)])
        self.assertIsNone(r["fund"])

    def test_it_shows_the_in_kind_report_to_anyone_with_the_link(self):
        response = self.client.get(self.url(self.in_kind))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["X-Robots-Tag"], "noindex, nofollow, noarchive")
        body = response.content.decode()
        self.assertIn('<meta name="robots" content="noindex, nofollow, noarchive">', body)
        self.assertIn("@media print", body)
        for text in ("绿城房产中介", "JZ-", "1000 只", "¥900.00", "No restrictions",
                     "Report sent on", "冬季慰问发放", "Elderly living alone", "湖滨社区 · 第二网格",
                     "other groups", "fewer than 5", "Written off", "570 只"):
            self.assertIn(text, body)
        self.assertInHTML('<b id="households">18</b>', body)
        # The pregnant and chosen households are too few to be shown apart.
        self.assertNotIn("Pregnant", body)
        self.assertNotIn("chosen households", body)
        self.assertNotIn("东坡社区", body)

    def test_it_reports_a_restricted_cash_gift_with_its_direct_grants(self):
        r = selectors.donor_report(self.cash)
        self.assertEqual(r["amount"], Decimal("20000.00"))
        self.assertEqual(r["restrictions"], ["Only for these groups: Elderly living alone.",
                                             "The donor's wishes: 给困难老人过冬"])
        # 9 elderly households got 1,000 yuan each through the plan; the two
        # given 500 yuan directly are among them and counted once.
        self.assertEqual(r["reached"]["households"], 9)
        self.assertEqual(r["reached"]["given"], [{"amount": Decimal("9000.00")}])
        self.assertEqual(rows(r["by_group"]), [("Elderly living alone", 9, (("¥", Decimal("9000.00")),))])
        self.assertIsNone(r["fund"]["grants_households"])  # two: withheld
        self.assertEqual(r["fund"]["grants_amount"], Decimal("1000.00"))
        self.assertEqual(r["remaining"]["balance"], Decimal("10000.00"))
        self.assertEqual(r["other_uses"], [])
        body = self.client.get(self.url(self.cash)).content.decode()
        for text in ("¥20,000.00", "Only for these groups: Elderly living alone.", "给困难老人过冬", "¥9,000.00",
                     "Grants paid directly to households", "¥1,000.00", "fewer than 5 households", "¥10,000.00"):
            self.assertIn(text, body)
        self.assertNotIn("Report sent on", body)

    def test_it_describes_an_unrestricted_gift_through_the_general_fund(self):
        r = selectors.donor_report(self.general_cash)
        # The disability plan paid 3 × 200 yuan so far from the general fund.
        self.assertEqual(r["general_fund"], {"balance": Decimal("2400.00"), "reserved": Decimal("800.00"),
                                             "households": None, "amount": Decimal("600.00")})
        self.assertEqual(r["by_group"], [])
        body = self.client.get(self.url(self.general_cash)).content.decode()
        self.assertIn("general charity fund", body)
        self.assertIn("¥2,400.00", body)

    def test_it_answers_404_for_an_unknown_token(self):
        for token in ("nope", self.in_kind.report_token[:-1], self.in_kind.report_token + "x"):
            self.assertEqual(self.client.get(f"/public/report/{token}/").status_code, 404, token)

    def test_it_accepts_only_reading(self):
        self.assertEqual(self.client.post(self.url(self.in_kind)).status_code, 405)

    def test_it_shows_the_same_report_to_signed_in_users_of_any_station(self):
        self.login(self.oscar)
        self.assertContains(self.client.get(self.url(self.in_kind)), "冬季慰问发放")

    def test_it_reads_a_bigger_distribution_with_the_same_number_of_queries(self):
        with CaptureQueriesContext(connection) as before:
            self.client.get(self.url(self.in_kind))
        plan = make_plan(self.station, households=12, lots=[self.mask_lot], quantity=5, approve=True,
                         name="追加发放")
        plans.handover_record_bulk(actor=self.bob, plan=plan, check=False,
                                   line_ids=list(PlanLine.objects.filter(plan=plan).values_list("pk", flat=True)))
        with CaptureQueriesContext(connection) as after:
            response = self.client.get(self.url(self.in_kind))
        self.assertEqual(len(after), len(before))
        self.assertEqual(selectors.donor_report(self.in_kind)["reached"]["households"], 18 + 12)
        self.assertContains(response, "追加发放")
