from django.db import connection
from django.test.utils import CaptureQueriesContext

from resourcelink.accounts.models import Role
from resourcelink.core.testing import make_user
from resourcelink.directory.models import Resource
from resourcelink.directory.services import resource_create
from resourcelink.taxonomy.models import Category

from .base import PHONE, ApiTestCase, add_membership

URL = "/api/v1/resources"


def names(response) -> list[str]:
    return [row["name"] for row in response.json()["results"]]


class ResourceListTests(ApiTestCase):
    def test_it_lists_the_station_resources(self):
        response = self.get(URL, self.bob)
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual(set(body), {"count", "page", "page_size", "next", "previous", "results"})
        self.assertEqual(body["count"], 2)
        self.assertEqual(names(response), ["Mask shop", "珠宝协会"])
        row = body["results"][1]
        self.assertEqual(row["station"], self.station.pk)
        self.assertEqual(row["categories"], [
            {"id": self.staple.pk, "code": "food.staple", "name_zh_hans": "主食粮油",
             "name_en": "Staple food and cooking oil"},
        ])
        self.assertEqual(row["community"], {"id": self.community.pk, "code": "dongpo", "name": "东坡社区"})
        self.assertEqual(row["grid"]["id"], self.grid.pk)
        self.assertEqual(row["tags"], ["志愿", "捐赠"])
        self.assertIsNone(row["distance_km"])

    def test_it_masks_phones_for_a_viewer(self):
        row = self.get(URL, self.victor, q="珠宝").json()["results"][0]
        self.assertEqual(row["contact_phone"], "138****5678")

    def test_it_masks_phones_for_a_coordinator(self):
        row = self.get(URL, self.carol, q="珠宝").json()["results"][0]
        self.assertEqual(row["contact_phone"], "138****5678")

    def test_it_masks_phones_for_a_social_worker_too(self):
        row = self.get(URL, self.bob, q="珠宝").json()["results"][0]
        self.assertEqual(row["contact_phone"], "138****5678")

    def test_it_never_lists_another_station(self):
        response = self.get(URL, self.oscar)
        self.assertEqual(names(response), ["北山粮店"])

    def test_it_refuses_a_station_filter_of_another_station(self):
        self.assertError(self.get(URL, self.oscar, station=self.station.pk), 404)

    def test_it_needs_a_station_when_the_user_has_several(self):
        add_membership(self.bob, self.other_station)
        self.assertError(self.get(URL, self.bob), 400, "station")
        response = self.get(URL, self.bob, station=self.other_station.pk)
        self.assertEqual(names(response), ["北山粮店"])
        # Bob is only a viewer there: masked.
        self.assertEqual(response.json()["results"][0]["contact_phone"], "138****5678")

    def test_it_finds_chinese_text_by_substring(self):
        self.assertEqual(names(self.get(URL, self.bob, q="珠宝")), ["珠宝协会"])

    def test_it_includes_sub_categories(self):
        food = Category.objects.get(station=self.station, code="food")
        self.assertEqual(names(self.get(URL, self.bob, category=food.pk)), ["珠宝协会"])
        protection = Category.objects.get(station=self.station, code="protection")
        self.assertEqual(names(self.get(URL, self.bob, category=protection.pk)), ["Mask shop"])

    def test_it_filters_by_flags_kind_community_and_grid(self):
        self.assertEqual(names(self.get(URL, self.bob, formal="false")), ["Mask shop"])
        self.assertEqual(names(self.get(URL, self.bob, formal="true")), ["珠宝协会"])
        self.assertEqual(names(self.get(URL, self.bob, kind="business")), ["Mask shop"])
        self.assertEqual(names(self.get(URL, self.bob, community=self.community.pk)), ["珠宝协会"])
        self.assertEqual(names(self.get(URL, self.bob, grid=self.grid.pk)), ["珠宝协会"])
        self.assertEqual(names(self.get(URL, self.bob, stale="true")), ["Mask shop", "珠宝协会"])
        self.assertEqual(names(self.get(URL, self.bob, verified_within=30)), [])

    def test_it_filters_and_orders_by_distance(self):
        response = self.get(URL, self.bob, near_lat=30.2741, near_lon=120.1551, radius_km=5, order="distance")
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(names(response), ["珠宝协会"])
        self.assertEqual(response.json()["results"][0]["distance_km"], 0.0)
        response = self.get(URL, self.bob, near_lat=30.2741, near_lon=120.1551, order="distance")
        rows = response.json()["results"]
        self.assertEqual([r["name"] for r in rows], ["珠宝协会", "Mask shop"])
        self.assertAlmostEqual(rows[1]["distance_km"], 11.057, places=2)

    def test_it_reports_bad_filters_by_field(self):
        self.assertError(self.get(URL, self.bob, kind="dragon"), 400, "kind")
        self.assertError(self.get(URL, self.bob, near_lat=95, near_lon=120), 400, "near_lat")
        self.assertError(self.get(URL, self.bob, near_lat="north", near_lon=120), 400, "near_lat")
        self.assertError(self.get(URL, self.bob, radius_km=3), 400, "radius_km")
        self.assertError(self.get(URL, self.bob, order="distance"), 400, "order")
        other_category = Category.objects.get(station=self.other_station, code="food")
        self.assertError(self.get(URL, self.bob, category=other_category.pk), 400, "category")
        self.assertError(self.get(URL, self.bob, community=self.other_community.pk), 400, "community")


class ResourcePaginationTests(ApiTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        for i in range(60):
            resource_create(
                actor=None, station=cls.station, check=False, name=f"Rice store {i:02d}", kind="material",
                categories=[cls.staple, cls.masks], community=cls.community, grid=cls.grid, contact_phone=PHONE,
            )

    def test_it_pages(self):
        body = self.get(URL, self.bob, q="rice", page_size=25).json()
        self.assertEqual((body["count"], body["page"], body["page_size"]), (60, 1, 25))
        self.assertIsNone(body["previous"])
        self.assertIn("page=2", body["next"])
        self.assertIn("page_size=25", body["next"])
        self.assertIn("q=rice", body["next"])
        self.assertEqual(len(body["results"]), 25)
        last = self.client.get(body["next"].replace("page=2", "page=3"), headers=self.auth(self.bob)).json()
        self.assertEqual(len(last["results"]), 10)
        self.assertIsNone(last["next"])
        self.assertIn("page=2", last["previous"])
        self.assertEqual(last["results"][-1]["name"], "Rice store 59")

    def test_it_defaults_to_fifty_and_caps_the_page_size(self):
        self.assertEqual(self.get(URL, self.bob).json()["page_size"], 50)
        body = self.get(URL, self.bob, page_size=1000).json()
        self.assertEqual(body["page_size"], 200)
        self.assertEqual(len(body["results"]), 62)

    def test_it_reports_pages_that_do_not_exist(self):
        self.assertError(self.get(URL, self.bob, page=9), 404)
        self.assertError(self.get(URL, self.bob, page=0), 400, "page")
        self.assertError(self.get(URL, self.bob, page_size=0), 400, "page_size")

    def test_it_does_a_constant_number_of_queries(self):
        self.get(URL, self.bob)  # the token's first use is written once a minute at most

        def count(page_size):
            with CaptureQueriesContext(connection) as ctx:
                response = self.get(URL, self.bob, page_size=page_size, category=self.staple.pk)
            self.assertEqual(len(response.json()["results"]), page_size)
            return len(ctx.captured_queries)

        self.assertEqual(count(5), count(50))


class ResourceDetailTests(ApiTestCase):
    def url(self, resource):
        return f"{URL}/{resource.pk}"

    def test_it_shows_a_resource(self):
        response = self.get(self.url(self.jewellers), self.bob)
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual(body["uuid"], str(self.jewellers.uuid))
        self.assertEqual(body["contact_phone"], "138****5678")
        self.assertEqual([c["code"] for c in body["categories"]], ["food.staple"])

    def test_it_reveals_the_phone_to_staff_and_logs_it(self):
        from resourcelink.core.models import Reveal

        url = f"{self.url(self.jewellers)}/reveal-phone"
        response = self.client.post(url, headers=self.auth(self.bob))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"contact_phone": PHONE})
        self.assertEqual(Reveal.objects.get().user, self.bob)
        for user, status in ((self.victor, 403), (self.carol, 403), (self.oscar, 404)):
            response = self.client.post(url, headers=self.auth(user))
            self.assertEqual(response.status_code, status)
        self.assertEqual(Reveal.objects.count(), 1)

    def test_it_masks_the_phone_for_a_viewer(self):
        self.assertEqual(self.get(self.url(self.jewellers), self.victor).json()["contact_phone"], "138****5678")

    def test_it_hides_another_station_record(self):
        self.assertError(self.get(self.url(self.jewellers), self.oscar), 404)
        self.assertError(self.get(self.url(self.other_resource), self.bob), 404)
        self.assertError(self.get(f"{URL}/999999", self.bob), 404)


class ResourceCreateTests(ApiTestCase):
    def body(self, **extra):
        return {
            "name": "大米", "kind": "material", "categories": ["food.staple", "protection.masks"],
            "community": self.community.pk, "grid": self.grid.pk, "latitude": 30.27, "longitude": 120.15,
            "quantity": "120.5", "unit": "kg", "contact_phone": "13900001111", "tags": ["粮食", "捐赠"], **extra,
        }

    def test_it_creates_a_resource(self):
        response = self.post(URL, self.carol, self.body())
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        resource = Resource.objects.get(pk=body["id"])
        self.assertEqual(resource.station, self.station)
        self.assertEqual(resource.created_by, self.carol)
        self.assertEqual({c.code for c in resource.categories.all()}, {"food.staple", "protection.masks"})
        self.assertEqual(resource.tags, "粮食, 捐赠")
        self.assertEqual(body["quantity"], 120.5)
        self.assertEqual(body["community"]["id"], self.community.pk)
        self.assertEqual(body["contact_phone"], "139****1111")  # carol is not staff
        self.assertEqual(resource.history.last().history_user, self.carol)

    def test_it_refuses_a_viewer(self):
        self.assertError(self.post(URL, self.victor, self.body()), 403)
        self.assertFalse(Resource.objects.filter(name="大米").exists())

    def test_it_refuses_to_create_at_another_station(self):
        self.assertError(self.post(URL, self.oscar, self.body(station=self.station.pk)), 404)

    def test_it_refuses_another_station_records(self):
        body = self.assertError(
            self.post(URL, self.bob, self.body(community=self.other_community.pk, grid=self.other_grid.pk)), 400
        )
        self.assertEqual(set(body["errors"]), {"community", "grid"})

    def test_it_reports_unknown_category_codes(self):
        body = self.assertError(self.post(URL, self.bob, self.body(categories=["food", "nope"])), 400, "categories")
        self.assertIn("nope", body["errors"]["categories"][0])

    def test_it_reports_field_errors(self):
        self.assertError(self.post(URL, self.bob, self.body(latitude=200)), 400, "latitude")
        self.assertError(self.post(URL, self.bob, self.body(kind="dragon")), 400, "kind")
        self.assertError(self.post(URL, self.bob, self.body(quantity=-1)), 400, "quantity")
        self.assertError(self.post(URL, self.bob, self.body(longitude=None)), 400, "longitude")
        self.assertError(self.post(URL, self.bob, {"kind": "material"}), 400, "name")
        response = self.client.post(URL, "{not json", content_type="application/json", headers=self.auth(self.bob))
        self.assertError(response, 400)

    def test_it_needs_a_station_when_the_user_has_several(self):
        other = make_user("olga", self.other_station, Role.ADMIN)
        add_membership(other, self.station, Role.SOCIAL_WORKER)
        from resourcelink.accounts.services import api_token_create

        _, key = api_token_create(user=other, name="t")
        headers = {"Authorization": f"Bearer {key}"}
        response = self.client.post(URL, {"name": "水", "kind": "material"}, content_type="application/json",
                                    headers=headers)
        self.assertError(response, 400, "station")
        response = self.client.post(URL, {"name": "水", "kind": "material", "station": self.station.pk},
                                    content_type="application/json", headers=headers)
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["station"], self.station.pk)


class ResourceUpdateTests(ApiTestCase):
    def url(self, resource):
        return f"{URL}/{resource.pk}"

    def test_it_changes_only_the_fields_sent(self):
        response = self.patch(self.url(self.jewellers), self.bob, {"name": "珠宝行业协会", "reason": "renamed"})
        self.assertEqual(response.status_code, 200, response.content)
        self.jewellers.refresh_from_db()
        self.assertEqual(self.jewellers.name, "珠宝行业协会")
        self.assertEqual(self.jewellers.contact_phone, PHONE)
        self.assertEqual(list(self.jewellers.categories.values_list("code", flat=True)), ["food.staple"])
        self.assertEqual(self.jewellers.history.first().history_change_reason, "renamed")
        self.assertEqual(response.json()["name"], "珠宝行业协会")

    def test_it_replaces_categories_and_clears_relations(self):
        response = self.patch(self.url(self.jewellers), self.bob,
                              {"categories": ["protection.masks"], "grid": None, "community": None})
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual([c["code"] for c in body["categories"]], ["protection.masks"])
        self.assertIsNone(body["community"])
        self.assertIsNone(body["grid"])

    def test_it_refuses_a_viewer(self):
        self.assertError(self.patch(self.url(self.jewellers), self.victor, {"name": "x"}), 403)
        self.jewellers.refresh_from_db()
        self.assertEqual(self.jewellers.name, "珠宝协会")

    def test_it_hides_another_station_record(self):
        self.assertError(self.patch(self.url(self.jewellers), self.oscar, {"name": "x"}), 404)

    def test_it_reports_field_errors(self):
        self.assertError(self.patch(self.url(self.jewellers), self.bob, {"latitude": 200}), 400, "latitude")
        self.assertError(self.patch(self.url(self.jewellers), self.bob, {"status": "gone"}), 400, "status")
        self.assertError(self.patch(self.url(self.jewellers), self.bob, {"name": ""}), 400, "name")
        self.assertError(self.patch(self.url(self.jewellers), self.bob, {"grid": self.other_grid.pk}), 400, "grid")
        body = self.assertError(self.patch(self.url(self.jewellers), self.bob, {"name": None, "is_formal": None}), 400)
        self.assertEqual(set(body["errors"]), {"name", "is_formal"})
