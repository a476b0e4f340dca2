from resourcelink.taxonomy.models import Category
from resourcelink.taxonomy.services import category_retire

from .base import ApiTestCase, add_membership

URL = "/api/v1/categories"


class CategoryTests(ApiTestCase):
    def test_it_lists_the_tree_in_path_order(self):
        body = self.get(URL, self.victor, page_size=200).json()
        expected = list(Category.objects.filter(station=self.station).order_by("path").values_list("code", flat=True))
        self.assertEqual([row["code"] for row in body["results"]], expected)
        self.assertEqual(body["count"], len(expected))
        staple = next(row for row in body["results"] if row["code"] == "food.staple")
        self.assertEqual(staple["parent"], "food")
        self.assertEqual(staple["depth"], 1)
        self.assertEqual(staple["station"], self.station.pk)
        self.assertEqual(staple["name_zh_hans"], "主食粮油")

    def test_it_filters_by_parent_code(self):
        body = self.get(URL, self.victor, parent="food").json()
        self.assertEqual([row["code"] for row in body["results"]],
                         ["food.fresh", "food.infant", "food.parcel", "food.staple"])

    def test_it_hides_retired_categories_unless_asked(self):
        category_retire(actor=self.alice, category=self.masks)
        codes = [row["code"] for row in self.get(URL, self.bob, page_size=200).json()["results"]]
        self.assertNotIn("protection.masks", codes)
        body = self.get(URL, self.bob, page_size=200, include_retired="true").json()
        masks = next(row for row in body["results"] if row["code"] == "protection.masks")
        self.assertIsNotNone(masks["retired_on"])

    def test_it_covers_all_the_user_stations_or_the_one_asked_for(self):
        add_membership(self.bob, self.other_station)
        stations = {row["station"] for row in self.get(URL, self.bob, page_size=200).json()["results"]}
        self.assertEqual(stations, {self.station.pk, self.other_station.pk})
        body = self.get(URL, self.bob, station=self.other_station.pk, page_size=200).json()
        self.assertEqual({row["station"] for row in body["results"]}, {self.other_station.pk})

    def test_it_never_shows_another_station(self):
        stations = {row["station"] for row in self.get(URL, self.oscar, page_size=200).json()["results"]}
        self.assertEqual(stations, {self.other_station.pk})
        self.assertError(self.get(URL, self.oscar, station=self.station.pk), 404)

    def test_it_shows_one_category(self):
        response = self.get(f"{URL}/{self.staple.pk}", self.victor)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["code"], "food.staple")

    def test_it_hides_another_station_category(self):
        self.assertError(self.get(f"{URL}/{self.staple.pk}", self.oscar), 404)

    def test_it_is_read_only(self):
        response = self.client.post(URL, {}, content_type="application/json", headers=self.auth(self.alice))
        self.assertEqual(response.status_code, 405)
