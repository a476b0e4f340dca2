from resourcelink.matching.models import AllocationRun
from resourcelink.needs.models import Link
from resourcelink.needs.testing import make_need

from .people_base import PeopleApiTestCase

URL = "/api/v1/allocations"


class AllocationApiTests(PeopleApiTestCase):
    def create(self, user=None, **parameters):
        return self.post(URL, user or self.bob, parameters)

    def test_editors_compute_a_draft_with_lines_and_unmet_needs(self):
        make_need(self.home, self.masks, quantity=5)  # no masks in stock: unmet
        response = self.create(self.carol, policy={"tiers": "urgency"})
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual((body["status"], body["lines_count"], body["unmet_count"]), ("draft", 1, 1))
        line = body["lines"]["results"][0]
        self.assertEqual((line["need"], line["resource"], line["quantity"], line["household"]),
                         (self.need.pk, self.rice.pk, 2, "张*"))
        self.assertTrue(line["reasons"])
        unmet = body["unmet"]["results"][0]
        self.assertEqual((unmet["quantity"], unmet["reason"]), (5, "no_category"))
        self.assertFalse(Link.objects.exists())
        self.assertEqual(self.get(f"{URL}/{body['id']}", self.bob).json()["lines"]["count"], 1)
        self.assertEqual(self.get(URL, self.bob).json()["count"], 1)

    def test_it_checks_the_parameters(self):
        self.assertError(self.create(needs={"category_ids": [0]}), 400)
        self.assertError(self.create(policy={"tiers": "whatever"}), 400)
        self.assertFalse(AllocationRun.objects.exists())

    def test_accepting_links_the_lines_once(self):
        run_id = self.create().json()["id"]
        response = self.post(f"{URL}/{run_id}/accept", self.bob, {})
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual(body["allocation"]["status"], "accepted")
        link = Link.objects.get()
        self.assertEqual(body["link_ids"], [link.pk])
        self.assertEqual((link.need, link.resource, link.quantity), (self.need, self.rice, 2))
        self.assertError(self.post(f"{URL}/{run_id}/accept", self.bob, {}), 400)
        self.assertEqual(Link.objects.count(), 1)

    def test_a_viewer_reads_without_personal_data_and_may_not_write(self):
        run_id = self.create().json()["id"]
        for url in (URL, f"{URL}/{run_id}"):
            response = self.get(url, self.victor)
            self.assertEqual(response.status_code, 200)
            self.assertNoPersonalData(response)
        self.assertIsNone(self.get(f"{URL}/{run_id}", self.victor).json()["lines"]["results"][0]["household"])
        self.assertError(self.create(self.victor), 403)
        self.assertError(self.post(f"{URL}/{run_id}/accept", self.victor, {}), 403)
        self.assertFalse(Link.objects.exists())

    def test_an_outsider_gets_404(self):
        run_id = self.create().json()["id"]
        self.assertError(self.get(f"{URL}/{run_id}", self.oscar), 404)
        self.assertError(self.get(URL, self.oscar, station=self.station.pk), 404)
        self.assertError(self.post(f"{URL}/{run_id}/accept", self.oscar, {}), 404)
        self.assertError(self.post(URL, self.oscar, {"station": self.station.pk}), 404)
        self.assertEqual(self.get(URL, self.oscar).json()["count"], 0)
