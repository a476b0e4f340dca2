import datetime

from django.urls import reverse

from resourcelink.communities.models import Walk

from .base import CommunityTestCase


class WalkListTests(CommunityTestCase):
    def test_it_lists_the_station_walks(self):
        self.login(self.victor)
        r = self.client.get(reverse("communities:walk_list"))
        self.assertContains(r, reverse("communities:walk_detail", args=[self.walk.pk]))
        self.assertNotContains(r, reverse("communities:walk_detail", args=[self.far_walk.pk]))
        self.assertNotContains(r, reverse("communities:walk_create"))

    def test_it_filters_by_community(self):
        self.login(self.bob)
        r = self.client.get(reverse("communities:walk_list") + f"?community={self.other_community.pk}")
        self.assertEqual(list(r.context["walks"]), [])
        self.assertContains(r, reverse("communities:walk_create"))


class WalkCreateTests(CommunityTestCase):
    def test_it_offers_the_current_user_as_walker(self):
        self.login(self.bob)
        r = self.client.get(reverse("communities:walk_create") + f"?community={self.community.pk}")
        form = r.context["form"]
        self.assertEqual(form["walkers"].value(), [self.bob.pk])
        self.assertEqual(form["community"].value(), self.community.pk)
        # Only members of the station can be walkers.
        self.assertNotIn(self.oscar, list(form.fields["walkers"].queryset))

    def test_it_creates_a_walk(self):
        self.login(self.bob)
        r = self.client.post(reverse("communities:walk_create"), {
            "community": self.community.pk, "walked_on": "2025-04-02", "walkers": [self.bob.pk, self.carol.pk],
            "companions": "居委会王主任", "route_notes": "从南门到北门",
        })
        walk = Walk.objects.get(route_notes="从南门到北门")
        self.assertRedirects(r, reverse("communities:walk_detail", args=[walk.pk]))
        self.assertEqual(walk.walked_on, datetime.date(2025, 4, 2))
        self.assertEqual(set(walk.walkers.all()), {self.bob, self.carol})
        self.assertEqual(walk.station, self.station)

    def test_it_refuses_a_community_of_another_station(self):
        self.login(self.bob)
        r = self.client.post(reverse("communities:walk_create"), {
            "community": self.far_community.pk, "walked_on": "2025-04-02", "walkers": [self.bob.pk],
        })
        self.assertEqual(r.status_code, 200)
        self.assertTrue(r.context["form"].errors["community"])

    def test_it_refuses_a_walker_of_another_station(self):
        self.login(self.bob)
        r = self.client.post(reverse("communities:walk_create"), {
            "community": self.community.pk, "walked_on": "2025-04-02", "walkers": [self.oscar.pk],
        })
        self.assertTrue(r.context["form"].errors["walkers"])


class WalkDetailEditTests(CommunityTestCase):
    def test_it_shows_observations_with_promote_buttons_and_history(self):
        self.login(self.bob)
        r = self.client.get(reverse("communities:walk_detail", args=[self.walk.pk]))
        self.assertContains(r, "理发店")
        self.assertContains(r, reverse("communities:observation_promote", args=[self.observation.pk]))
        self.assertContains(r, reverse("communities:observation_create", args=[self.walk.pk]))
        self.assertTrue(r.context["history"])
        self.assertContains(r, 'id="history-h"')

    def test_it_hides_write_buttons_from_viewers(self):
        self.login(self.victor)
        r = self.client.get(reverse("communities:walk_detail", args=[self.walk.pk]))
        self.assertContains(r, "理发店")
        self.assertNotContains(r, reverse("communities:observation_promote", args=[self.observation.pk]))
        self.assertNotContains(r, reverse("communities:observation_create", args=[self.walk.pk]))
        self.assertNotContains(r, reverse("communities:walk_edit", args=[self.walk.pk]))

    def test_it_edits_a_walk(self):
        self.login(self.carol)
        url = reverse("communities:walk_edit", args=[self.walk.pk])
        r = self.client.post(url, {"community": self.community.pk, "walked_on": "2025-05-01",
                                   "walkers": [self.carol.pk], "companions": "", "route_notes": "改了路线"})
        self.assertRedirects(r, reverse("communities:walk_detail", args=[self.walk.pk]))
        self.walk.refresh_from_db()
        self.assertEqual(self.walk.route_notes, "改了路线")
        self.assertEqual(list(self.walk.walkers.all()), [self.carol])
        r = self.client.get(reverse("communities:walk_detail", args=[self.walk.pk]))
        self.assertContains(r, "南山路一带")  # old notes in the history

    def test_it_keeps_the_community_of_a_walk_with_observations(self):
        self.login(self.bob)
        url = reverse("communities:walk_edit", args=[self.walk.pk])
        self.client.post(url, {"community": self.other_community.pk, "walked_on": "2025-05-01",
                               "walkers": [self.bob.pk]})
        self.walk.refresh_from_db()
        self.assertEqual(self.walk.community, self.community)


class WalkAccessTests(CommunityTestCase):
    def test_it_gives_outsiders_404(self):
        self.login(self.oscar)
        for method, url in [
            ("get", reverse("communities:walk_detail", args=[self.walk.pk])),
            ("get", reverse("communities:walk_edit", args=[self.walk.pk])),
            ("post", reverse("communities:walk_edit", args=[self.walk.pk])),
        ]:
            with self.subTest(url=url, method=method):
                self.assertEqual(getattr(self.client, method)(url, {}).status_code, 404)

    def test_it_refuses_writes_to_viewers(self):
        self.login(self.victor)
        data = {"community": self.community.pk, "walked_on": "2025-05-01", "walkers": [self.victor.pk]}
        for method, url in [
            ("get", reverse("communities:walk_create")),
            ("post", reverse("communities:walk_create")),
            ("get", reverse("communities:walk_edit", args=[self.walk.pk])),
            ("post", reverse("communities:walk_edit", args=[self.walk.pk])),
        ]:
            with self.subTest(url=url, method=method):
                self.assertEqual(getattr(self.client, method)(url, data).status_code, 403)
        self.assertEqual(Walk.objects.filter(station=self.station).count(), 1)
