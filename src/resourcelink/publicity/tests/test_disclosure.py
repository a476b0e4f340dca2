"""A station's public page: donations received (donors named only where
they allowed it) and distributions by group and grid, small groups merged
or withheld."""

from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from resourcelink.accounts.services import station_create
from resourcelink.donations.testing import make_cash
from resourcelink.publicity import selectors

from .base import PublicityTestCase
from .test_donor_report import rows


class DisclosureTests(PublicityTestCase):
    def url(self, station=None, query=""):
        return reverse("publicity:station_disclosure", args=[(station or self.station).slug]) + query

    def test_it_totals_what_came_in_and_what_went_out(self):
        d = selectors.station_disclosure(self.station)
        self.assertEqual(d["received"]["donations"], 3)
        self.assertEqual(d["received"]["cash"], Decimal("23000.00"))
        self.assertEqual([(g["name"], g["quantity"]) for g in d["received"]["given"]],
                         [("Medical masks", 1000), ("Protective gloves", 200)])
        # 18 households in the winter plan; the 3 of the disability plan are among them.
        self.assertEqual(d["distributed"]["households"], 18)
        self.assertEqual(d["distributed"]["amount"], Decimal("9600.00"))
        self.assertEqual([(g.get("name"), g.get("quantity"), g.get("amount")) for g in d["distributed"]["given"]],
                         [("Medical masks", 370, None), ("Protective gloves", 72, None),
                          (None, None, Decimal("9600.00"))])

    def test_it_shows_started_and_closed_plans_by_group_and_grid(self):
        d = selectors.station_disclosure(self.station)
        self.assertEqual([(p["name"], p["status"], p["households"]) for p in d["plans"]],
                         [("助残补贴", "in_progress", None), ("冬季慰问发放", "closed", 18)])
        running, winter = d["plans"]
        self.assertEqual(rows(running["by_group"]), [("other groups", None, None)])
        self.assertEqual(rows(running["by_grid"]), [("other grids", None, None)])
        self.assertEqual(running["given"], [{"amount": Decimal("600.00")}])
        self.assertEqual(rows(winter["by_group"]), [
            ("Elderly living alone", 9, (("Medical masks", 190), ("Protective gloves", 36), ("¥", Decimal("9000.00")))),
            ("Person with a disability", 6, (("Medical masks", 120), ("Protective gloves", 24))),
            ("other groups", None, None),
        ])
        self.assertEqual([r[:2] for r in rows(winter["by_grid"])],
                         [("湖滨社区 · 第一网格", 9), ("湖滨社区 · 第二网格", 6), ("other grids", None)])

    def test_it_renders_the_page_without_signing_in(self):
        response = self.client.get(self.url())
        self.assertEqual(response.status_code, 200)
        body = response.content.decode()
        for text in ("湖滨街道社工站", "绿城房产中介", "春风公益基金会", "an anonymous party member", "¥3,000.00",
                     "Medical masks 1000 只", "冬季慰问发放", "助残补贴", "in progress", "fewer than 5 households",
                     "18 households", "Elderly living alone", "湖滨社区 · 第一网格", "¥9,600.00"):
            self.assertIn(text, body)
        self.assertNotIn("匿名党员周先生", body)  # did not agree to be named
        self.assertNotIn("北山超市", body)  # another station's donor
        self.assertNotIn(self.draft.name, body)  # a draft has handed nothing over
        self.assertNotIn("Pregnant", body)
        self.assertNotIn(self.in_kind.report_token, body)  # the donor's link is theirs to share

    def test_it_names_each_kind_of_anonymous_donor(self):
        labels = {kind: selectors.ANONYMOUS[kind]() for kind in selectors.ANONYMOUS}
        self.assertEqual(len(set(labels.values())), 5)
        self.assertEqual(selectors.public_donor_name(self.shy), "an anonymous party member")
        self.assertEqual(selectors.public_donor_name(self.agency), "绿城房产中介")

    def test_it_answers_404_for_an_unknown_or_archived_station(self):
        closed = station_create(name="已撤销社工站", slug="closed", archived_on=timezone.now())
        self.assertEqual(self.client.get(self.url(closed)).status_code, 404)
        self.assertEqual(self.client.get("/public/no-such-station/").status_code, 404)
        self.assertEqual(self.client.get(self.url(self.other_station)).status_code, 200)

    def test_it_accepts_only_reading(self):
        self.assertEqual(self.client.post(self.url()).status_code, 405)

    def test_it_pages_donations_with_the_same_number_of_queries(self):
        with CaptureQueriesContext(connection) as few:
            self.client.get(self.url())
        for n in range(30):
            make_cash(self.station, self.bob, f"{n + 1}.00")
        with CaptureQueriesContext(connection) as many:
            first = self.client.get(self.url())
        self.assertEqual(len(many), len(few))
        self.assertContains(first, "Page 1 of 2")
        self.assertContains(first, "?page=2#donations")
        self.assertEqual(first.content.decode().count("an anonymous enterprise"), 25)
        second = self.client.get(self.url(query="?page=2"))
        self.assertContains(second, "Page 2 of 2")
        self.assertContains(second, "绿城房产中介")  # the oldest come last
        self.assertEqual(self.client.get(self.url(query="?page=abc&plans=-1")).status_code, 200)

    def test_it_pages_distributions(self):
        d = selectors.station_disclosure(self.station, plans_per_page=1, plans_page=2)
        self.assertEqual([p["name"] for p in d["plans"]], ["冬季慰问发放"])
        body = self.client.get(self.url(query="?plans=9")).content.decode()
        self.assertIn("冬季慰问发放", body)  # past the end: the last page
