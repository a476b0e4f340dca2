from django.urls import reverse

from resourcelink.needs.models import LinkStatus, NeedStatus, Urgency
from resourcelink.people.testing import make_household

from .fixtures import MatchingTestCase


class GapReportTest(MatchingTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.home2 = make_household(cls.station, cls.community2, grid=cls.grid2)
        cls.home3 = make_household(cls.station, cls.community2)  # no grid
        rice = cls.make_resource("大米仓", categories=[cls.cat["food.staple"]], quantity=100)
        # Grid 1: staple 10 asked, 4 proposed + 2 delivered -> 4 left; a cancelled link holds nothing.
        n1 = cls.make_need(cls.home, "food.staple", quantity=10, urgency=Urgency.HIGH)
        cls.link(n1, rice, 4)
        cls.link(n1, rice, 2, LinkStatus.DELIVERED)
        cls.link(n1, rice, 3, LinkStatus.CANCELLED)
        # Grid 1: masks 7, nothing linked.
        cls.make_need(cls.home, "protection.masks", quantity=7, urgency=Urgency.CRITICAL)
        # Grid 1: staple fully covered -> not in the report.
        n3 = cls.make_need(cls.home, "food.staple", quantity=5)
        cls.link(n3, rice, 5)
        # Grid 2: staple 6 and fresh food 3.
        cls.make_need(cls.home2, "food.staple", quantity=6)
        cls.make_need(cls.home2, "food.fresh", quantity=3)
        # No grid: staple 2.
        cls.make_need(cls.home3, "food.staple", quantity=2, urgency=Urgency.LOW)
        # Cancelled need: never counted.
        cancelled = cls.make_need(cls.home2, "food.staple", quantity=50)
        cancelled.status = NeedStatus.CANCELLED
        cancelled.save()
        # Another station's need: never counted.
        other = make_household(cls.other_station)
        from resourcelink.needs.testing import make_need
        from resourcelink.taxonomy.models import Category
        make_need(other, Category.objects.get(station=cls.other_station, code="food.staple"), quantity=99)
        cls.url = reverse("matching:gap_report")

    def cells(self, report):
        return {(r["category"], r["grid"]): (r["quantity"], r["needs"]) for r in report["rows"]}

    def test_it_sums_what_is_still_wanted_by_category_and_grid(self):
        self.login(self.victor)  # counts only: viewers may read it
        r = self.client.get(self.url)
        self.assertEqual(r.status_code, 200)
        report = r.context["report"]
        self.assertEqual(self.cells(report), {
            ("Staple food and cooking oil", "一网格"): (4, 1),
            ("Masks", "一网格"): (7, 1),
            ("Staple food and cooking oil", "二网格"): (6, 1),
            ("Vegetables, meat and eggs", "二网格"): (3, 1),
            ("Staple food and cooking oil", "no grid"): (2, 1),
        })
        self.assertEqual(report["total"], 22)
        self.assertEqual(report["rows"][0]["quantity"], 7)  # largest gap first
        staple = next(row for row in report["matrix"] if row["category"]["name"] == "Staple food and cooking oil")
        self.assertEqual(staple["total"], 12)
        self.assertEqual(max(c["intensity"] for row in report["matrix"] for c in row["cells"]), 1.0)
        self.assertContains(r, "rgba(217, 45, 32, 1.000)")

    def test_it_filters_by_community_urgency_and_top_category(self):
        self.login(self.bob)
        r = self.client.get(self.url, {"community": self.community.pk})
        self.assertEqual(r.context["report"]["total"], 11)
        r = self.client.get(self.url, {"urgency": ["critical", "high"]})
        self.assertEqual(r.context["report"]["total"], 11)
        r = self.client.get(self.url, {"category": self.cat["food"].pk})
        self.assertEqual(r.context["report"]["total"], 15)
        r = self.client.get(self.url, {"category": self.cat["food"].pk, "community": self.community2.pk})
        self.assertEqual(r.context["report"]["total"], 11)

    def test_it_refuses_another_stations_community_as_a_filter(self):
        from resourcelink.people.testing import make_community

        foreign = make_community(self.other_station, "北山社区")
        self.login(self.bob)
        r = self.client.get(self.url, {"community": foreign.pk})
        self.assertIsNone(r.context["report"])

    def test_it_exports_csv_and_xlsx(self):
        self.login(self.carol)
        r = self.client.get(self.url, {"format": "csv"})
        self.assertEqual(r.status_code, 200)
        text = r.content.decode("utf-8-sig")
        self.assertIn("Masks,东坡社区,一网格,7,1", text)
        self.assertEqual(len(text.strip().splitlines()), 6)
        r = self.client.get(self.url, {"format": "xlsx"})
        self.assertEqual(r.status_code, 200)
        from resourcelink.interop.spreadsheets import read_xlsx

        table = read_xlsx(r.content)
        self.assertEqual(len(table.rows), 5)

    def test_it_shows_only_the_users_station(self):
        self.login(self.oscar)
        r = self.client.get(self.url)
        self.assertEqual(r.context["report"]["total"], 99)
