from resourcelink.communities.services import community_archive, community_create, grid_create

from .base import ApiTestCase

URL = "/api/v1/communities"
GRIDS = "/api/v1/grids"


class CommunityTests(ApiTestCase):
    def test_it_lists_communities(self):
        body = self.get(URL, self.victor).json()
        self.assertEqual(body["count"], 1)
        row = body["results"][0]
        self.assertEqual((row["id"], row["code"], row["name"], row["station"]),
                         (self.community.pk, "dongpo", "东坡社区", self.station.pk))

    def test_it_hides_archived_communities_unless_asked(self):
        old = community_create(actor=None, station=self.station, name="旧社区", code="old", check=False)
        community_archive(actor=self.alice, community=old)
        self.assertEqual(self.get(URL, self.bob).json()["count"], 1)
        self.assertEqual(self.get(URL, self.bob, include_archived="true").json()["count"], 2)

    def test_it_never_shows_another_station(self):
        body = self.get(URL, self.oscar).json()
        self.assertEqual([row["code"] for row in body["results"]], ["beishan"])
        self.assertError(self.get(URL, self.oscar, station=self.station.pk), 404)

    def test_it_shows_one_community(self):
        response = self.get(f"{URL}/{self.community.pk}", self.victor)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["name"], "东坡社区")

    def test_it_hides_another_station_community(self):
        self.assertError(self.get(f"{URL}/{self.community.pk}", self.oscar), 404)

    def test_it_is_read_only(self):
        response = self.client.post(URL, {}, content_type="application/json", headers=self.auth(self.victor))
        self.assertEqual(response.status_code, 405)


class GridTests(ApiTestCase):
    def test_it_lists_grids_filtered_by_community(self):
        second = community_create(actor=None, station=self.station, name="西湖社区", code="xihu", check=False)
        grid_create(actor=None, community=second, name="三号网格", code="g3", check=False)
        self.assertEqual(self.get(GRIDS, self.bob).json()["count"], 2)
        body = self.get(GRIDS, self.bob, community=self.community.pk).json()
        self.assertEqual(body["count"], 1)
        row = body["results"][0]
        self.assertEqual(row["community"], {"id": self.community.pk, "code": "dongpo", "name": "东坡社区"})
        self.assertEqual(row["name"], "一号网格")

    def test_it_never_shows_another_station(self):
        body = self.get(GRIDS, self.oscar).json()
        self.assertEqual([row["id"] for row in body["results"]], [self.other_grid.pk])
        self.assertEqual(self.get(GRIDS, self.oscar, community=self.community.pk).json()["count"], 0)
        self.assertError(self.get(GRIDS, self.oscar, station=self.station.pk), 404)

    def test_it_shows_one_grid(self):
        response = self.get(f"{GRIDS}/{self.grid.pk}", self.victor)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["code"], "g1")

    def test_it_hides_another_station_grid(self):
        self.assertError(self.get(f"{GRIDS}/{self.grid.pk}", self.oscar), 404)
