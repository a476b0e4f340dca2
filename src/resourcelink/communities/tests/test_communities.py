from django.urls import reverse

from resourcelink.communities.models import Community, Grid
from resourcelink.directory.services import resource_create

from .base import CommunityTestCase


class CommunityListTests(CommunityTestCase):
    def test_it_lists_communities_with_grids_and_resource_counts(self):
        resource_create(actor=self.bob, station=self.station, name="理发店", kind="business",
                        community=self.community, grid=self.grid)
        self.login(self.victor)
        r = self.client.get(reverse("communities:community_list"))
        self.assertContains(r, "西湖社区")
        self.assertContains(r, "一网格")
        self.assertEqual(r.context["communities"].get(pk=self.community.pk).n_resources, 1)
        community = next(c for c in r.context["communities"] if c.pk == self.community.pk)
        grids = {g.pk: g.n_resources for g in community.live_grids}
        self.assertEqual(grids, {self.grid.pk: 1, self.grid2.pk: 0})
        self.assertNotContains(r, "远方社区")
        self.assertNotContains(r, reverse("communities:community_create"))

    def test_it_shows_admin_buttons_to_admins(self):
        self.login(self.alice)
        r = self.client.get(reverse("communities:community_list"))
        self.assertContains(r, reverse("communities:community_create"))
        self.assertContains(r, reverse("communities:grid_create", args=[self.community.pk]))

    def test_it_needs_login(self):
        r = self.client.get(reverse("communities:community_list"))
        self.assertEqual(r.status_code, 302)

    def test_it_shows_no_station_page_to_users_without_one(self):
        from resourcelink.core.testing import make_user

        self.login(make_user("nobody"))
        r = self.client.get(reverse("communities:community_list"))
        self.assertEqual(r.status_code, 403)
        self.assertTemplateUsed(r, "core/no_station.html")

    def test_it_hides_archived_communities_unless_asked(self):
        self.login(self.alice)
        self.client.post(reverse("communities:community_archive", args=[self.other_community.pk]))
        r = self.client.get(reverse("communities:community_list"))
        self.assertNotIn(self.other_community, list(r.context["communities"]))
        r = self.client.get(reverse("communities:community_list") + "?archived=1")
        self.assertIn(self.other_community, list(r.context["communities"]))


class CommunityCreateEditArchiveTests(CommunityTestCase):
    def test_it_creates_a_community(self):
        self.login(self.alice)
        r = self.client.post(reverse("communities:community_create"),
                             {"name": "湖滨社区", "code": "hubin", "description": "", "latitude": "", "longitude": ""})
        community = Community.objects.get(station=self.station, code="hubin")
        self.assertRedirects(r, reverse("communities:community_detail", args=[community.pk]))

    def test_it_refuses_a_duplicate_code_beside_the_field(self):
        self.login(self.alice)
        r = self.client.post(reverse("communities:community_create"), {"name": "另一个", "code": "xihu"})
        self.assertEqual(r.status_code, 200)
        self.assertTrue(r.context["form"].errors["code"])

    def test_it_edits_a_community_and_shows_history(self):
        self.login(self.alice)
        url = reverse("communities:community_edit", args=[self.community.pk])
        r = self.client.post(url, {"name": "西湖新社区", "description": "改名了"})
        self.assertRedirects(r, reverse("communities:community_detail", args=[self.community.pk]))
        self.community.refresh_from_db()
        self.assertEqual((self.community.name, self.community.code), ("西湖新社区", "xihu"))
        r = self.client.get(reverse("communities:community_detail", args=[self.community.pk]))
        self.assertContains(r, "西湖社区")  # the old name, in the history
        self.assertContains(r, "改名了")
        self.assertTrue(r.context["history"])

    def test_it_archives_a_community(self):
        self.login(self.alice)
        r = self.client.post(reverse("communities:community_archive", args=[self.other_community.pk]))
        self.assertRedirects(r, reverse("communities:community_list"))
        self.other_community.refresh_from_db()
        self.assertIsNotNone(self.other_community.archived_on)

    def test_it_refuses_get_on_archive(self):
        self.login(self.alice)
        r = self.client.get(reverse("communities:community_archive", args=[self.community.pk]))
        self.assertEqual(r.status_code, 405)

    def test_it_shows_the_detail_with_grids_and_walks(self):
        self.login(self.victor)
        r = self.client.get(reverse("communities:community_detail", args=[self.community.pk]))
        self.assertContains(r, "一网格")
        self.assertContains(r, reverse("communities:walk_detail", args=[self.walk.pk]))
        self.assertNotContains(r, reverse("communities:community_edit", args=[self.community.pk]))


class GridTests(CommunityTestCase):
    def test_it_creates_a_grid(self):
        self.login(self.alice)
        r = self.client.post(reverse("communities:grid_create", args=[self.community.pk]),
                             {"name": "三网格", "code": "g3"})
        self.assertRedirects(r, reverse("communities:community_detail", args=[self.community.pk]))
        self.assertTrue(Grid.objects.filter(community=self.community, code="g3").exists())

    def test_it_refuses_a_duplicate_grid_code(self):
        self.login(self.alice)
        r = self.client.post(reverse("communities:grid_create", args=[self.community.pk]),
                             {"name": "重复", "code": "g1"})
        self.assertTrue(r.context["form"].errors["code"])

    def test_it_edits_a_grid_with_history(self):
        self.login(self.alice)
        url = reverse("communities:grid_edit", args=[self.grid.pk])
        r = self.client.post(url, {"name": "第一网格", "description": ""})
        self.assertRedirects(r, reverse("communities:community_detail", args=[self.community.pk]))
        self.grid.refresh_from_db()
        self.assertEqual((self.grid.name, self.grid.code), ("第一网格", "g1"))
        r = self.client.get(url)
        self.assertContains(r, "一网格")
        self.assertTrue(r.context["history"])

    def test_it_archives_a_grid(self):
        self.login(self.alice)
        r = self.client.post(reverse("communities:grid_archive", args=[self.grid2.pk]))
        self.assertRedirects(r, reverse("communities:community_detail", args=[self.community.pk]))
        self.grid2.refresh_from_db()
        self.assertIsNotNone(self.grid2.archived_on)


class CommunityAccessTests(CommunityTestCase):
    """Outsiders get 404; viewers and social workers may not change communities or grids."""

    def endpoints(self):
        c, g = self.community.pk, self.grid.pk
        return [
            ("get", reverse("communities:community_detail", args=[c]), {}),
            ("get", reverse("communities:community_edit", args=[c]), {}),
            ("post", reverse("communities:community_edit", args=[c]), {"name": "x"}),
            ("post", reverse("communities:community_archive", args=[c]), {}),
            ("get", reverse("communities:grid_create", args=[c]), {}),
            ("post", reverse("communities:grid_create", args=[c]), {"name": "x", "code": "x"}),
            ("get", reverse("communities:grid_edit", args=[g]), {}),
            ("post", reverse("communities:grid_edit", args=[g]), {"name": "x"}),
            ("post", reverse("communities:grid_archive", args=[g]), {}),
        ]

    def test_it_gives_outsiders_404(self):
        self.login(self.oscar)
        for method, url, data in self.endpoints():
            with self.subTest(url=url, method=method):
                self.assertEqual(getattr(self.client, method)(url, data).status_code, 404)

    def test_it_gives_outsiders_only_their_own_list(self):
        self.login(self.oscar)
        r = self.client.get(reverse("communities:community_list"))
        self.assertContains(r, "远方社区")
        self.assertNotContains(r, "西湖社区")

    def test_it_refuses_writes_to_viewers_and_social_workers(self):
        writes = [e for e in self.endpoints() if e[1] != reverse("communities:community_detail",
                                                                   args=[self.community.pk])]
        writes += [("get", reverse("communities:community_create"), {}),
                   ("post", reverse("communities:community_create"), {"name": "x", "code": "x"})]
        for user in (self.victor, self.bob):
            self.login(user)
            for method, url, data in writes:
                with self.subTest(user=user.username, url=url, method=method):
                    self.assertEqual(getattr(self.client, method)(url, data).status_code, 403)
        self.community.refresh_from_db()
        self.grid.refresh_from_db()
        self.assertEqual((self.community.name, self.community.archived_on), ("西湖社区", None))
        self.assertEqual((self.grid.name, self.grid.archived_on), ("一网格", None))
        self.assertFalse(Community.objects.filter(code="x").exists())
