from resourcelink.needs.models import Link
from resourcelink.needs.services import link_create

from .people_base import PeopleApiTestCase

URL = "/api/v1/links"


class LinkApiTests(PeopleApiTestCase):
    def make_link(self, quantity=2):
        return link_create(actor=self.bob, need=self.need, resource=self.rice, quantity=quantity)

    def test_editors_link_a_need_to_a_resource(self):
        response = self.post(URL, self.carol, {"need": self.need.pk, "resource": self.rice.pk, "quantity": 2,
                                               "follow_up_on": "2030-01-01"})
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual((body["need"], body["resource"]["id"], body["quantity"], body["status"]),
                         (self.need.pk, self.rice.pk, 2, "proposed"))
        self.need.refresh_from_db()
        self.assertEqual(self.need.status, "linked")

    def test_it_refuses_more_than_is_left(self):
        self.assertError(self.post(URL, self.bob, {"need": self.need.pk, "resource": self.rice.pk,
                                                   "quantity": 11}), 400)
        self.assertFalse(Link.objects.exists())

    def test_it_refuses_a_need_of_an_archived_household(self):
        from resourcelink.people.models import Household

        Household.objects.filter(pk=self.home.pk).update(archived_on=self.home.created_on)
        response = self.post(URL, self.bob, {"need": self.need.pk, "resource": self.rice.pk, "quantity": 1})
        self.assertError(response, 400)
        self.assertIn("archived", response.content.decode())
        self.assertFalse(Link.objects.exists())

    def test_archiving_the_household_cancels_its_links_and_frees_capacity(self):
        from resourcelink.people.services import household_archive

        link = self.make_link(quantity=2)
        household_archive(actor=self.bob, household=self.home, reason="moved away")
        body = self.get(f"{URL}/{link.pk}", self.bob).json()
        self.assertEqual(body["status"], "cancelled")
        self.need.refresh_from_db()
        self.assertEqual(self.need.status, "cancelled")

    def test_it_refuses_a_resource_of_another_station(self):
        self.assertError(self.post(URL, self.bob, {"need": self.need.pk, "resource": self.other_resource.pk}), 400,
                         "resource")

    def test_a_link_moves_and_the_need_follows(self):
        link = self.make_link()
        response = self.post(f"{URL}/{link.pk}/transition", self.bob, {"to_status": "delivered",
                                                                       "outcome": "送到了"})
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["status"], "delivered")
        self.need.refresh_from_db()
        self.assertEqual(self.need.status, "met")
        self.assertError(self.post(f"{URL}/{link.pk}/transition", self.bob, {"to_status": "confirmed"}), 400)

    def test_it_lists_and_shows_links(self):
        link = self.make_link()
        body = self.get(URL, self.bob, need=self.need.pk).json()
        self.assertEqual([r["id"] for r in body["results"]], [link.pk])
        self.assertEqual(self.get(URL, self.bob, status="delivered").json()["count"], 0)
        self.assertEqual(self.get(f"{URL}/{link.pk}", self.carol).json()["resource"]["name"], "爱心米仓")

    def test_a_viewer_reads_without_personal_data_and_may_not_write(self):
        link = self.make_link()
        for url in (URL, f"{URL}/{link.pk}"):
            response = self.get(url, self.victor)
            self.assertEqual(response.status_code, 200)
            self.assertNoPersonalData(response)
        self.assertError(self.post(URL, self.victor, {"need": self.need.pk, "resource": self.rice.pk}), 403)
        self.assertError(self.post(f"{URL}/{link.pk}/transition", self.victor, {"to_status": "confirmed"}), 403)

    def test_an_outsider_gets_404(self):
        link = self.make_link()
        self.assertError(self.get(f"{URL}/{link.pk}", self.oscar), 404)
        self.assertError(self.get(URL, self.oscar, station=self.station.pk), 404)
        self.assertError(self.post(URL, self.oscar, {"need": self.need.pk, "resource": self.rice.pk}), 404)
        self.assertError(self.post(f"{URL}/{link.pk}/transition", self.oscar, {"to_status": "confirmed"}), 404)
