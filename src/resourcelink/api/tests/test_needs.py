from resourcelink.needs.models import Need, StatusChange

from .people_base import PeopleApiTestCase

URL = "/api/v1/needs"


class NeedApiTests(PeopleApiTestCase):
    def detail(self, pk=None):
        return f"{URL}/{pk or self.need.pk}"

    def test_it_lists_needs_with_masked_household_names(self):
        response = self.get(URL, self.carol)
        self.assertEqual(response.status_code, 200)
        row = response.json()["results"][0]
        self.assertEqual((row["id"], row["household_name"], row["resident"], row["quantity"], row["status"]),
                         (self.need.pk, "张*", self.zhang.pk, 2, "open"))
        self.assertEqual(row["category"]["code"], "food.staple")
        self.assertNotIn("张家", response.content.decode())

    def test_it_filters_like_the_web_list(self):
        self.assertEqual(self.get(URL, self.bob, urgency="normal").json()["count"], 1)
        self.assertEqual(self.get(URL, self.bob, urgency="critical").json()["count"], 0)
        self.assertEqual(self.get(URL, self.bob, household=self.home.pk).json()["count"], 1)
        food = self.staple.parent if hasattr(self.staple, "parent") and self.staple.parent else self.staple
        self.assertEqual(self.get(URL, self.bob, category=food.pk).json()["count"], 1)
        self.assertEqual(self.get(URL, self.bob, status="met").json()["count"], 0)
        self.assertError(self.get(URL, self.bob, status="nope"), 400, "status")
        self.assertError(self.get(URL, self.bob, household=self.other_home.pk), 400, "household")

    def test_a_viewer_sees_no_personal_data(self):
        for url in (URL, self.detail(), f"{self.detail()}/suggestions"):
            response = self.get(url, self.victor)
            self.assertEqual(response.status_code, 200, url)
            self.assertNoPersonalData(response)
        row = self.get(self.detail(), self.victor).json()
        self.assertEqual((row["household_name"], row["resident"], row["description"]), (None, None, None))

    def test_an_outsider_gets_404(self):
        self.assertError(self.get(self.detail(), self.oscar), 404)
        self.assertError(self.get(URL, self.oscar, station=self.station.pk), 404)
        self.assertError(self.patch(self.detail(), self.oscar, {"quantity": 3}), 404)
        self.assertError(self.post(f"{self.detail()}/transition", self.oscar, {"to_status": "cancelled",
                                                                             "reason": "x"}), 404)
        self.assertError(self.get(f"{self.detail()}/suggestions", self.oscar), 404)
        self.assertError(self.post(URL, self.oscar, {"household": self.home.pk, "category": "food"}), 404)

    def test_editors_record_and_change_needs(self):
        response = self.post(URL, self.carol, {"household": self.home.pk, "category": "protection.masks",
                                               "quantity": 30, "urgency": "high", "resident": self.zhang.pk,
                                               "description": "口罩"})
        self.assertEqual(response.status_code, 201, response.content)
        need = Need.objects.get(pk=response.json()["id"])
        self.assertEqual((need.category.code, need.quantity, need.urgency, need.resident, need.community),
                         ("protection.masks", 30, "high", self.zhang, self.community))
        response = self.patch(self.detail(need.pk), self.bob, {"quantity": 40, "category": "food"})
        self.assertEqual(response.status_code, 200, response.content)
        need.refresh_from_db()
        self.assertEqual((need.quantity, need.category.code), (40, "food"))

    def test_it_assigns_a_member_of_the_needs_station(self):
        response = self.post(URL, self.bob, {"household": self.home.pk, "category": "food",
                                             "assigned_to": self.carol.pk})
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["assigned_to"], self.carol.pk)
        self.assertEqual(Need.objects.get(pk=response.json()["id"]).assigned_to, self.carol)
        response = self.patch(self.detail(), self.bob, {"assigned_to": self.alice.pk})
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["assigned_to"], self.alice.pk)
        response = self.patch(self.detail(), self.bob, {"quantity": 3})
        self.assertEqual(response.json()["assigned_to"], self.alice.pk)  # not sent: unchanged
        response = self.patch(self.detail(), self.bob, {"assigned_to": None})
        self.assertEqual(response.json()["assigned_to"], None)
        # A viewer, an outsider and no one at all are refused beside the field.
        for user_id in (self.victor.pk, self.oscar.pk, 999999):
            self.assertError(self.patch(self.detail(), self.bob, {"assigned_to": user_id}), 400, "assigned_to")
            self.assertError(self.post(URL, self.bob, {"household": self.home.pk, "category": "food",
                                                       "assigned_to": user_id}), 400, "assigned_to")
        self.assertIsNone(Need.objects.get(pk=self.need.pk).assigned_to)

    def test_it_refuses_to_mark_a_need_linked_by_hand(self):
        response = self.post(f"{self.detail()}/transition", self.bob, {"to_status": "linked", "reason": "x"})
        self.assertError(response, 400)
        self.assertIn("only when a link is made", response.content.decode())
        self.need.refresh_from_db()
        self.assertEqual((self.need.status, self.need.first_linked_on), ("open", None))

    def test_it_checks_the_body(self):
        self.assertError(self.post(URL, self.bob, {"household": self.home.pk, "category": "nope"}), 400, "category")
        self.assertError(self.post(URL, self.bob, {"household": self.home.pk, "category": "food",
                                                   "urgency": "whenever"}), 400, "urgency")
        self.assertError(self.post(URL, self.bob, {"household": self.home.pk, "category": "food",
                                                   "quantity": 0}), 400, "quantity")

    def test_a_transition_is_recorded_and_an_illegal_one_refused(self):
        response = self.post(f"{self.detail()}/transition", self.bob, {"to_status": "unmet", "reason": "没有米"})
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["status"], "unmet")
        change = StatusChange.objects.filter(need=self.need).last()
        self.assertEqual((change.from_status, change.to_status, change.changed_by), ("open", "unmet", self.bob))
        self.assertError(self.post(f"{self.detail()}/transition", self.bob, {"to_status": "met"}), 400)

    def test_viewers_may_not_write(self):
        self.assertError(self.post(URL, self.victor, {"household": self.home.pk, "category": "food"}), 403)
        self.assertError(self.patch(self.detail(), self.victor, {"quantity": 3}), 403)
        self.assertError(self.post(f"{self.detail()}/transition", self.victor, {"to_status": "cancelled",
                                                                               "reason": "x"}), 403)
        self.need.refresh_from_db()
        self.assertEqual((self.need.quantity, self.need.status), (2, "open"))

    def test_it_suggests_resources(self):
        response = self.get(f"{self.detail()}/suggestions", self.bob)
        self.assertEqual(response.status_code, 200, response.content)
        rows = response.json()
        self.assertEqual(rows[0]["resource"], self.rice.pk)
        self.assertEqual((rows[0]["fit"], rows[0]["capacity_left"], rows[0]["default_quantity"]), ("same", 10, 2))
        self.assertTrue(rows[0]["reasons"])
        self.assertError(self.get(f"{self.detail()}/suggestions", self.bob, limit=0), 400, "limit")

    def test_its_list_makes_as_many_queries_for_many_needs_as_for_one(self):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from resourcelink.needs.testing import make_need

        def count() -> int:
            with CaptureQueriesContext(connection) as queries:
                response = self.get(URL, self.bob, page_size=50)
            self.assertEqual(response.status_code, 200)
            return len(queries)

        few = count()
        for i in range(12):
            make_need(self.home, self.staple, quantity=i + 1, resident=self.zhang if i % 2 else None,
                      assigned_to=self.bob)
        self.assertEqual(count(), few)
