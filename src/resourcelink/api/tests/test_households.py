from django.contrib.contenttypes.models import ContentType

from resourcelink.core.models import Reveal
from resourcelink.people.models import Household

from .people_base import PeopleApiTestCase

URL = "/api/v1/households"


class HouseholdApiTests(PeopleApiTestCase):
    def detail(self, pk=None):
        return f"{URL}/{pk or self.home.pk}"

    def test_it_lists_masked_households(self):
        for user in (self.alice, self.bob, self.carol):
            response = self.get(URL, user)
            self.assertEqual(response.status_code, 200)
            body = response.json()
            self.assertEqual(body["count"], 1)
            row = body["results"][0]
            self.assertEqual((row["name"], row["address"]), ("张*", "湖滨路12号***"))
            self.assertEqual(row["community"]["id"], self.community.pk)
            self.assertNotIn("张家", response.content.decode())

    def test_notes_are_for_staff_only(self):
        self.assertEqual(self.get(self.detail(), self.bob).json()["notes"], "行动不便")
        self.assertIsNone(self.get(self.detail(), self.carol).json()["notes"])

    def test_a_viewer_sees_no_personal_data(self):
        for url in (URL, self.detail()):
            response = self.get(url, self.victor)
            self.assertEqual(response.status_code, 200)
            self.assertNoPersonalData(response)
        row = self.get(self.detail(), self.victor).json()
        self.assertEqual((row["name"], row["address"], row["latitude"], row["notes"]), (None, None, None, None))

    def test_it_gives_a_homes_position_to_staff_only(self):
        for user in (self.alice, self.bob):
            for row in (self.get(self.detail(), user).json(), self.get(URL, user).json()["results"][0]):
                self.assertEqual((row["latitude"], row["longitude"]), (30.27, 120.15), user.username)
        for user in (self.carol, self.victor):
            for response in (self.get(self.detail(), user), self.get(URL, user)):
                self.assertNotIn("30.27", response.content.decode(), user.username)
                self.assertNotIn("120.15", response.content.decode(), user.username)
            row = self.get(self.detail(), user).json()
            self.assertEqual((row["latitude"], row["longitude"]), (None, None))

    def test_it_shows_neutral_references_to_coordinators_and_none_to_viewers(self):
        Household.objects.filter(pk=self.home.pk).update(import_key="H001")
        self.assertEqual(self.get(self.detail(), self.carol).json()["ref"], "H001")
        self.assertIsNone(self.get(self.detail(), self.victor).json()["ref"])
        self.assertNotIn("H001", self.get(URL, self.victor).content.decode())
        # A reference stored before refs shaped like phone or ID numbers were refused is never shown.
        for key in ("13812345678", "110105194912310021"[:17] + "X", "a" * 40):
            Household.objects.filter(pk=self.home.pk).update(import_key=key)
            for user in (self.alice, self.carol):
                self.assertIsNone(self.get(self.detail(), user).json()["ref"], key)

    def test_it_refuses_a_viewer_a_filter_by_vulnerability(self):
        tag = self.station_tag("elderly_alone")
        self.assertEqual(self.get(URL, self.carol, tag=tag.pk).json()["count"], 1)
        self.assertError(self.get(URL, self.victor, tag=tag.pk), 400, "tag")

    def test_an_outsider_gets_404(self):
        self.assertError(self.get(self.detail(), self.oscar), 404)
        self.assertError(self.get(URL, self.oscar, station=self.station.pk), 404)
        self.assertError(self.patch(self.detail(), self.oscar, {"notes": "x"}), 404)
        self.assertError(self.post(f"{self.detail()}/reveal", self.oscar, {"field": "name"}), 404)
        self.assertError(self.post(URL, self.oscar, {"station": self.station.pk, "name": "x", "address": "y",
                                                     "community": self.community.pk}), 404)
        self.assertEqual([r["id"] for r in self.get(URL, self.oscar).json()["results"]], [self.other_home.pk])

    def test_it_filters_by_community_and_refuses_another_stations(self):
        self.assertEqual(self.get(URL, self.bob, community=self.community.pk).json()["count"], 1)
        self.assertError(self.get(URL, self.bob, community=self.other_community.pk), 400, "community")

    def test_staff_create_and_change_households(self):
        response = self.post(URL, self.bob, {"name": "李家", "address": "湖滨路1号", "community": self.community.pk,
                                             "grid": self.grid.pk})
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["name"], "李*")
        household = Household.objects.get(pk=response.json()["id"])
        self.assertEqual((household.name, household.grid, household.created_by), ("李家", self.grid, self.bob))
        response = self.patch(f"{URL}/{household.pk}", self.alice, {"address": "湖滨路2号"})
        self.assertEqual(response.status_code, 200)
        household.refresh_from_db()
        self.assertEqual(household.address, "湖滨路2号")

    def test_it_checks_the_body(self):
        self.assertError(self.post(URL, self.bob, {"name": "李家", "address": "x", "community": 0}), 400,
                         "community")
        self.assertError(self.post(URL, self.bob, {"name": "李家"}), 400, "address")
        self.assertError(self.patch(self.detail(), self.bob, {"grid": self.other_grid.pk}), 400, "grid")

    def test_coordinators_and_viewers_may_not_write(self):
        for user in (self.carol, self.victor):
            self.assertError(self.post(URL, user, {"name": "x", "address": "y", "community": self.community.pk}), 403)
            self.assertError(self.patch(self.detail(), user, {"notes": "x"}), 403)
        self.assertEqual(Household.objects.filter(station=self.station).count(), 1)

    def test_staff_reveal_one_field_and_it_is_logged(self):
        response = self.post(f"{self.detail()}/reveal", self.bob, {"field": "address"})
        self.assertEqual(response.json(), {"field": "address", "value": "湖滨路12号3单元502"})
        reveal = Reveal.objects.get()
        self.assertEqual((reveal.user, reveal.field, reveal.object_id, reveal.content_type),
                         (self.bob, "address", self.home.pk, ContentType.objects.get_for_model(Household)))
        self.assertError(self.post(f"{self.detail()}/reveal", self.bob, {"field": "notes"}), 400, "field")

    def test_coordinators_and_viewers_may_not_reveal(self):
        for user in (self.carol, self.victor):
            self.assertError(self.post(f"{self.detail()}/reveal", user, {"field": "name"}), 403)
        self.assertFalse(Reveal.objects.exists())

    def test_the_openapi_document_lists_the_new_endpoints(self):
        doc = self.client.get("/api/v1/openapi.json").json()
        for path, method in (("/api/v1/households", "post"), ("/api/v1/households/{household_id}", "patch"),
                             ("/api/v1/households/{household_id}/reveal", "post"),
                             ("/api/v1/residents", "post"), ("/api/v1/residents/{resident_id}/reveal", "post"),
                             ("/api/v1/needs", "post"), ("/api/v1/needs/{need_id}/transition", "post"),
                             ("/api/v1/needs/{need_id}/suggestions", "get"), ("/api/v1/links", "post"),
                             ("/api/v1/links/{link_id}/transition", "post"), ("/api/v1/allocations", "post"),
                             ("/api/v1/allocations/{run_id}", "get"), ("/api/v1/allocations/{run_id}/accept", "post")):
            self.assertIn(method, doc["paths"][path], path)
        for name in ("HouseholdOut", "HouseholdCreateIn", "ResidentOut", "NeedOut", "LinkOut",
                     "AllocationDetailOut"):
            self.assertIn(name, doc["components"]["schemas"])
