from django.urls import reverse

from resourcelink.directory.models import ResourceStatus
from resourcelink.matching.selectors import suggestions_for_need
from resourcelink.needs.models import LinkStatus

from .fixtures import MatchingTestCase


class SuggestionsTest(MatchingTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.need = cls.make_need(cls.home, "food.staple", quantity=5)
        # Same category, near, fresh: the best.
        cls.rice = cls.make_resource("大米仓", categories=[cls.cat["food.staple"]], quantity=50, unit="kg",
                                     last_verified_on=cls.days_ago(12), **cls.near(0.8))
        # A broader category, farther.
        cls.pantry = cls.make_resource("社区食物银行", categories=[cls.cat["food"]], quantity=20,
                                       last_verified_on=cls.days_ago(40), **cls.near(3))
        # Same category but everything is committed.
        cls.empty = cls.make_resource("空粮店", categories=[cls.cat["food.staple"]], quantity=4, **cls.near(0.1))
        # Only for households with a disability: not eligible.
        cls.special = cls.make_resource("助残粮", categories=[cls.cat["food.staple"]], quantity=10,
                                        **cls.near(0.1))
        cls.special.eligible_tags.set([cls.tag["disability"]])
        # Only for elderly living alone: eligible.
        cls.elderly = cls.make_resource("敬老粮", categories=[cls.cat["food.staple"]], quantity=10,
                                        **cls.near(5))
        cls.elderly.eligible_tags.set([cls.tag["elderly_alone"]])
        # Another category, inactive, other station: never.
        cls.make_resource("口罩", categories=[cls.cat["protection.masks"]], quantity=10, **cls.near(0.1))
        cls.make_resource("停用粮店", categories=[cls.cat["food.staple"]], quantity=10,
                          status=ResourceStatus.INACTIVE, **cls.near(0.1))
        other_cat = cls.other_station and cls.cat["food.staple"].__class__.objects.get(
            station=cls.other_station, code="food.staple")
        cls.make_resource("北山粮店", categories=[other_cat], station=cls.other_station, quantity=10,
                          **cls.near(0.1))
        other_need = cls.make_need(cls.home, "food.staple", quantity=10)
        cls.link(other_need, cls.empty, 4)
        cls.link(other_need, cls.rice, 3, LinkStatus.DELIVERED)
        cls.link(other_need, cls.rice, 1, LinkStatus.FAILED)
        cls.url = reverse("matching:suggestions", args=[cls.need.pk])

    def test_it_ranks_fitting_resources_with_reasons(self):
        self.login(self.bob)
        r = self.client.get(self.url)
        self.assertEqual(r.status_code, 200)
        rows = r.context["rows"]
        names = [row["name"] for row in rows]
        self.assertEqual(names[0], "大米仓")
        self.assertEqual(set(names), {"大米仓", "社区食物银行", "敬老粮"})
        best = rows[0]
        self.assertIn("same category", best["reasons"])
        self.assertIn("0.8 km away", best["reasons"])
        # 50 - 3 delivered (committed); the failed one holds nothing.
        self.assertIn("47 left of 50", best["reasons"])
        self.assertIn("verified 12 days ago", best["reasons"])
        self.assertIn("1 delivered, 1 failed here", best["reasons"])
        self.assertEqual(best["default_quantity"], 5)
        pantry = rows[names.index("社区食物银行")]
        self.assertIn("a broader category", pantry["reasons"])
        # A resource only for some vulnerabilities says why this household may have it.
        elderly = rows[names.index("敬老粮")]
        self.assertIn("for Elderly living alone: this household qualifies", elderly["reasons"])
        self.assertFalse(any("qualifies" in reason for reason in best["reasons"] + pantry["reasons"]))
        self.assertContains(r, "for Elderly living alone: this household qualifies")
        self.assertContains(r, reverse("directory:resource_detail", args=[self.rice.pk]))

    def test_it_leaves_out_committed_ineligible_and_foreign_resources(self):
        rows = suggestions_for_need(self.need)
        names = {row["name"] for row in rows}
        self.assertNotIn("空粮店", names)
        self.assertNotIn("助残粮", names)
        self.assertNotIn("口罩", names)
        self.assertNotIn("停用粮店", names)
        self.assertNotIn("北山粮店", names)

    def test_it_offers_capacity_freed_by_a_cancelled_link(self):
        link = self.empty.links.get()
        link.status = LinkStatus.CANCELLED
        link.save()
        names = [row["name"] for row in suggestions_for_need(self.need)]
        self.assertIn("空粮店", names)
        row = next(r for r in suggestions_for_need(self.need) if r["name"] == "空粮店")
        self.assertEqual(row["default_quantity"], 4)  # min(need left 5, capacity left 4)

    def test_it_finds_narrower_categories(self):
        broad = self.make_need(self.home, "food", quantity=1)
        rows = suggestions_for_need(broad)
        rice = next(r for r in rows if r["name"] == "大米仓")
        self.assertEqual(rice["fit"], "narrower")

    def test_it_uses_a_constant_number_of_queries(self):
        from resourcelink.needs.models import Need

        for i in range(10):
            self.make_resource(f"粮店{i}", categories=[self.cat["food.staple"]], quantity=10, **self.near(i))
        need = Need.objects.select_related("category", "household").get(pk=self.need.pk)
        with self.assertNumQueries(7):
            rows = suggestions_for_need(need)
        self.assertEqual(len(rows), 10)

    def test_one_action_links_and_the_capacity_is_not_offered_twice(self):
        self.login(self.bob)
        r = self.client.get(self.url)
        link_url = reverse("needs:link_create", args=[self.need.pk])
        self.assertContains(r, f'action="{link_url}"')
        self.assertContains(r, f'name="resource" value="{self.rice.pk}"')
        self.client.post(link_url, {"resource": self.rice.pk, "quantity": 5})
        self.assertEqual(self.rice.links.filter(need=self.need).get().quantity, 5)
        # The need lacks nothing more: nothing is suggested with a quantity above what is left.
        other = self.make_need(self.home, "food.staple", quantity=50)
        rice = next(row for row in suggestions_for_need(other) if row["name"] == "大米仓")
        self.assertIn("42 left of 50", rice["reasons"])
        self.assertEqual(rice["default_quantity"], 42)

    def test_it_shows_the_link_form_to_editors_only(self):
        self.login(self.victor)
        r = self.client.get(self.url)
        self.assertEqual(r.status_code, 200)
        self.assertNotContains(r, 'name="quantity"')

    def test_it_is_404_for_an_outsider(self):
        self.login(self.oscar)
        self.assertEqual(self.client.get(self.url).status_code, 404)
