import json

from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from .fixtures import HERE, DirectoryTestCase

MAP = reverse("directory:map")
DATA = reverse("directory:map_data")


class MapPageTests(DirectoryTestCase):
    def test_it_renders_the_map_with_leaflet_and_the_tile_settings(self):
        self.login(self.victor)
        with override_settings(RL_TILE_URL="https://tiles.example.org/{z}/{x}/{y}.png",
                               RL_TILE_ATTRIBUTION="© Example"):
            r = self.client.get(MAP, {"kind": "person"})
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "leaflet/leaflet.js")
        self.assertContains(r, "leaflet/leaflet.css")
        self.assertContains(r, 'data-tile-url="https://tiles.example.org/{z}/{x}/{y}.png"')
        self.assertContains(r, "© Example")
        self.assertContains(r, f'data-url="{DATA}"')
        self.assertContains(r, 'data-query="kind=person"')
        self.assertContains(r, "#e6194b")  # the person colour in the legend

    def test_the_legend_counts_the_matching_resources_by_kind(self):
        self.login(self.bob)
        r = self.client.get(MAP)
        counts = {k["kind"]: k["count"] for k in r.context["kinds"]}
        self.assertEqual(counts["organization"], 1)
        self.assertEqual(counts["person"], 1)
        self.assertEqual(counts["venue"], 1)
        self.assertEqual(counts["material"], 0)  # archived

    def test_the_grid_table_honours_the_filters(self):
        self.login(self.bob)
        table = self.client.get(MAP).context["by_grid"]
        by_grid = {row["grid"]: row["total"] for row in table["rows"]}
        self.assertEqual(by_grid, {self.grid: 1, self.grid2: 1, None: 1})
        self.assertEqual(table["total"], 3)
        table = self.client.get(MAP, {"formal": "1"}).context["by_grid"]
        self.assertEqual({row["grid"]: row["total"] for row in table["rows"]}, {self.grid2: 1, None: 1})
        self.assertContains(self.client.get(MAP), "一网格")

    def test_the_category_table_honours_the_filters(self):
        self.login(self.bob)
        table = self.client.get(MAP).context["by_category"]
        rows = {row["category"].code: row["counts"] for row in table["rows"]}
        # columns: formal+inside, formal+outside, informal+inside, informal+outside
        self.assertEqual(rows["food"], [1, 1, 0, 0])
        self.assertEqual(rows["protection"], [0, 0, 1, 0])
        table = self.client.get(MAP, {"internal": "1"}).context["by_category"]
        rows = {row["category"].code: row["counts"] for row in table["rows"]}
        self.assertEqual(rows["food"], [1, 0, 0, 0])

    def test_it_shows_errors_for_invalid_filters(self):
        self.login(self.bob)
        r = self.client.get(MAP, {"radius_km": "5"})
        self.assertEqual(r.status_code, 200)
        self.assertTrue(r.context["form"].errors["radius_km"])
        self.assertNotIn("by_grid", r.context)
        self.assertNotContains(r, 'id="map"')

    def test_the_outsider_sees_only_their_station(self):
        self.login(self.oscar)
        r = self.client.get(MAP)
        self.assertEqual(r.context["by_grid"]["total"], 1)
        self.assertNotContains(r, "一网格")


class MapDataTests(DirectoryTestCase):
    def get(self, params=None, user=None):
        self.login(user or self.bob)
        return self.client.get(DATA, params or {})

    def test_it_returns_points_in_a_compact_shape(self):
        r = self.get()
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r["Content-Type"], "application/json")
        data = r.json()
        self.assertEqual(data["total"], 2)
        self.assertEqual(data["shown"], 2)
        self.assertFalse(data["truncated"])
        points = {p[4]: p for p in data["points"]}
        self.assertEqual(set(points), {"珠宝协会", "Free haircut team"})
        jewel = points["珠宝协会"]
        self.assertEqual(jewel[0], self.jewel.pk)
        self.assertAlmostEqual(jewel[1], HERE[0] + 0.001)
        self.assertEqual(jewel[3], "organization")
        self.assertEqual(data["kinds"]["person"]["colour"], "#e6194b")

    def test_it_applies_the_filters(self):
        data = self.get({"kind": "person"}).json()
        self.assertEqual([p[4] for p in data["points"]], ["Free haircut team"])
        data = self.get({"near_lat": HERE[0], "near_lon": HERE[1], "radius_km": "1"}).json()
        self.assertEqual([p[4] for p in data["points"]], ["珠宝协会"])
        data = self.get({"q": "珠宝"}).json()
        self.assertEqual([p[4] for p in data["points"]], ["珠宝协会"])

    def test_it_says_when_points_were_left_out(self):
        with override_settings(RL_MAP_MAX_POINTS=1):
            data = self.get().json()
        self.assertTrue(data["truncated"])
        self.assertEqual((data["shown"], data["total"]), (1, None))
        self.assertEqual(len(data["points"]), 1)

    def test_it_is_400_with_field_errors_for_bad_parameters(self):
        r = self.get({"near_lat": "abc", "verified_within": "-3", "kind": "dragon"})
        self.assertEqual(r.status_code, 400)
        errors = r.json()["errors"]
        self.assertEqual(set(errors), {"near_lat", "verified_within", "kind"})
        self.assertIsInstance(errors["kind"][0], str)
        r = self.get({"near_lat": "30"})
        self.assertEqual(r.status_code, 400)
        self.assertIn("near_lon", r.json()["errors"])

    def test_it_keeps_the_outsider_to_their_station(self):
        data = self.get(user=self.oscar).json()
        self.assertEqual([p[4] for p in data["points"]], ["北山珠宝店"])

    def test_it_needs_a_login(self):
        self.assertEqual(self.client.get(DATA).status_code, 302)

    def test_it_uses_a_constant_number_of_queries(self):
        self.login(self.bob)
        self.client.get(DATA)
        with CaptureQueriesContext(connection) as few:
            self.client.get(DATA)
        for i in range(30):
            self.make_resource(f"Point {i}", kind="material", latitude=HERE[0] + i / 1000, longitude=HERE[1])
        with CaptureQueriesContext(connection) as many:
            data = json.loads(self.client.get(DATA).content)
        self.assertEqual(data["total"], 32)
        self.assertEqual(len(few.captured_queries), len(many.captured_queries))
