from django.urls import reverse

from resourcelink.communities.services import community_create, grid_create

from .fixtures import DirectoryTestCase

LIST = reverse("directory:resource_list")
OPTIONS = reverse("directory:grid_options")


class GridFilterTests(DirectoryTestCase):
    def test_it_offers_the_grids_of_the_chosen_community_only(self):
        self.login(self.victor)
        r = self.client.get(LIST, {"community": self.community.pk})
        grid_box = r.content.decode().split('id="id_grid"', 1)[1].split("</select>", 1)[0]
        self.assertIn("一网格", grid_box)
        self.assertNotIn("二网格", grid_box)
        self.assertNotIn("二网格", self.client.get(LIST).content.decode().split('id="id_grid"', 1)[1].split(
            "</select>", 1)[0])

    def test_it_still_accepts_any_grid_of_the_station(self):
        self.login(self.bob)
        r = self.client.get(LIST, {"grid": self.grid2.pk})
        self.assertEqual(r.status_code, 200)
        self.assertIsNotNone(r.context["filters"])
        self.assertEqual(r.context["filters"].grid_id, self.grid2.pk)

    def test_it_refuses_a_grid_of_another_station(self):
        other = community_create(actor=None, station=self.other_station, name="北山社区", code="bs", check=False)
        foreign_grid = grid_create(actor=None, community=other, name="北山一网格", code="b1", check=False)
        self.login(self.bob)
        r = self.client.get(LIST, {"grid": foreign_grid.pk})
        self.assertIsNone(r.context["filters"])
        self.assertIn("grid", r.context["form"].errors)

    def test_the_options_endpoint_lists_a_communitys_grids(self):
        self.login(self.victor)
        r = self.client.get(OPTIONS, {"community": self.community2.pk})
        self.assertContains(r, "二网格")
        self.assertNotContains(r, "一网格")
        self.assertContains(self.client.get(OPTIONS), '<option value="">')

    def test_the_options_endpoint_shows_nothing_of_another_station(self):
        self.login(self.oscar)
        r = self.client.get(OPTIONS, {"community": self.community.pk})
        self.assertEqual(r.status_code, 200)
        self.assertNotContains(r, "一网格")

    def test_the_community_box_reloads_the_grids(self):
        self.login(self.bob)
        self.assertContains(self.client.get(LIST), f'hx-get="{OPTIONS}"')
