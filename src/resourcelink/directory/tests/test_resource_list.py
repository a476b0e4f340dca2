from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from .fixtures import HERE, DirectoryTestCase

URL = reverse("directory:resource_list")


class ResourceListTests(DirectoryTestCase):
    def names(self, params=None, user=None):
        self.login(user or self.bob)
        r = self.client.get(URL, params or {})
        self.assertEqual(r.status_code, 200)
        return [row["resource"].name for row in r.context["rows"]]

    def test_it_lists_live_resources_of_the_station_in_name_order(self):
        self.assertEqual(self.names(), sorted(["珠宝协会", "Free haircut team", "社区活动室"]))

    def test_it_needs_a_login(self):
        r = self.client.get(URL)
        self.assertEqual(r.status_code, 302)

    def test_it_shows_the_outsider_only_their_own_station(self):
        self.assertEqual(self.names(user=self.oscar), ["北山珠宝店"])

    def test_it_finds_chinese_text_by_substring(self):
        self.assertEqual(self.names({"q": "珠宝"}), ["珠宝协会"])

    def test_it_finds_english_text_case_insensitively(self):
        self.assertEqual(self.names({"q": "HAIRCUT"}), ["Free haircut team"])

    def test_it_finds_by_organisation_name(self):
        self.assertEqual(self.names({"q": "商会"}), ["珠宝协会"])

    def test_it_filters_by_category_including_sub_categories(self):
        self.assertEqual(self.names({"category": self.cat["protection.masks"].pk}), ["珠宝协会"])
        self.assertEqual(set(self.names({"category": self.cat["food"].pk})), {"Free haircut team", "社区活动室"})
        self.assertEqual(self.names({"category": self.cat["medical"].pk}), [])

    def test_it_filters_by_kind(self):
        self.assertEqual(self.names({"kind": "venue"}), ["社区活动室"])

    def test_it_filters_by_status(self):
        self.assertEqual(self.names({"status": "archived"}), ["旧仓库"])

    def test_it_filters_by_formal_and_internal(self):
        self.assertEqual(self.names({"formal": "0"}), ["珠宝协会"])
        self.assertEqual(self.names({"internal": "0"}), ["Free haircut team"])
        self.assertEqual(self.names({"formal": "1", "internal": "1"}), ["社区活动室"])

    def test_it_filters_by_community_and_grid(self):
        self.assertEqual(self.names({"grid": self.grid2.pk}), ["Free haircut team"])
        self.assertEqual(set(self.names({"community": self.community.pk})), {"珠宝协会", "社区活动室"})

    def test_it_filters_by_verification(self):
        self.assertEqual(self.names({"verified_within": 30}), ["珠宝协会"])
        self.assertEqual(set(self.names({"stale": "1"})), {"Free haircut team", "社区活动室"})

    def test_it_filters_and_orders_by_distance(self):
        params = {"near_lat": HERE[0], "near_lon": HERE[1], "radius_km": 1}
        self.assertEqual(self.names(params), ["珠宝协会"])
        self.login(self.bob)
        r = self.client.get(URL, {"near_lat": HERE[0], "near_lon": HERE[1], "order": "distance"})
        rows = r.context["rows"]
        self.assertEqual([row["resource"].name for row in rows][:2], ["珠宝协会", "Free haircut team"])
        self.assertAlmostEqual(rows[0]["distance"], 0.11, delta=0.01)
        self.assertContains(r, "0.1 km")

    def test_it_shows_errors_and_no_results_for_invalid_filters(self):
        self.login(self.bob)
        r = self.client.get(URL, {"near_lat": "north", "kind": "dragon"})
        self.assertEqual(r.status_code, 200)
        self.assertIsNone(r.context["page_obj"])
        self.assertTrue(r.context["form"].errors["near_lat"])
        self.assertTrue(r.context["form"].errors["kind"])
        self.assertContains(r, 'class="error"')
        self.assertNotContains(r, "珠宝协会")

    def test_it_masks_phones_in_the_list(self):
        self.login(self.alice)
        r = self.client.get(URL)
        self.assertContains(r, "138****5678")
        self.assertNotContains(r, "13812345678")

    def test_it_answers_htmx_with_the_rows_only(self):
        self.login(self.bob)
        r = self.client.get(URL, {"q": "珠宝"}, headers={"HX-Request": "true"})
        self.assertTemplateUsed(r, "directory/resource_rows.html")
        self.assertTemplateNotUsed(r, "directory/resource_list.html")
        self.assertNotContains(r, "<html")
        self.assertContains(r, "珠宝协会")

    def test_the_filter_form_swaps_the_results_with_htmx(self):
        self.login(self.bob)
        r = self.client.get(URL)
        self.assertContains(r, 'hx-get="%s"' % URL)
        self.assertContains(r, 'hx-target="#results"')
        self.assertContains(r, 'hx-push-url="true"')
        self.assertContains(r, "data-geolocate")

    def test_it_hides_add_for_viewers(self):
        self.login(self.victor)
        r = self.client.get(URL)
        self.assertNotContains(r, reverse("directory:resource_create"))
        self.login(self.bob)
        self.assertContains(self.client.get(URL), reverse("directory:resource_create"))


@override_settings(RL_PAGE_SIZE=2)
class PaginationTests(DirectoryTestCase):
    def test_it_paginates_in_a_stable_order(self):
        self.login(self.bob)
        same = [self.make_resource("Same name", kind="person").pk for _ in range(3)]
        pages = []
        for page in (1, 2, 3):
            r = self.client.get(URL, {"page": page})
            pages += [row["resource"].pk for row in r.context["rows"]]
        self.assertEqual(r.context["page_obj"].paginator.num_pages, 3)
        self.assertEqual(len(pages), 6)
        self.assertEqual(len(set(pages)), 6)
        # Rows with the same name come together, ties broken by id.
        start = pages.index(same[0])
        self.assertEqual(pages[start:start + 3], same)

    def test_pagination_links_keep_the_filters(self):
        self.login(self.bob)
        for i in range(3):
            self.make_resource(f"Tent {i}", kind="material")
        r = self.client.get(URL, {"kind": "material"})
        self.assertContains(r, "kind=material&amp;page=2")


class QueryCountTests(DirectoryTestCase):
    def test_the_number_of_queries_does_not_grow_with_the_rows(self):
        for i in range(50):
            self.make_resource(f"Volunteer {i:02}", kind="person", categories=[self.cat["food.staple"]],
                               community=self.community, grid=self.grid, contact_phone="13512345678")
        self.login(self.bob)
        counts = {}
        for size in (5, 50):
            with override_settings(RL_PAGE_SIZE=size):
                self.client.get(URL)  # warm the session
                with CaptureQueriesContext(connection) as ctx:
                    r = self.client.get(URL, {"kind": "person"})
                self.assertEqual(len(r.context["rows"]), size)
                counts[size] = len(ctx.captured_queries)
        self.assertEqual(counts[5], counts[50])
