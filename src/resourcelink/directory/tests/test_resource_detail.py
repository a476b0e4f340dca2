from django.urls import reverse

from resourcelink.communities.models import Walk
from resourcelink.communities.services import observation_create, observation_update

from .fixtures import DirectoryTestCase


class ResourceDetailTests(DirectoryTestCase):
    def url(self, resource=None):
        return reverse("directory:resource_detail", args=[(resource or self.jewel).pk])

    def test_it_shows_the_resource(self):
        self.login(self.bob)
        r = self.client.get(self.url())
        self.assertContains(r, "珠宝协会")
        self.assertContains(r, self.cat["protection.masks"].name)
        self.assertContains(r, reverse("directory:organization_detail", args=[self.org.pk]))
        self.assertContains(r, 'id="detail-map"')
        self.assertContains(r, "leaflet/leaflet.js")

    def test_it_has_no_map_without_coordinates(self):
        self.login(self.bob)
        self.assertNotContains(self.client.get(self.url(self.hall)), 'id="detail-map"')

    def test_it_shows_the_full_phone_to_staff(self):
        for user in (self.alice, self.bob):
            self.login(user)
            self.assertContains(self.client.get(self.url()), "13812345678")

    def test_it_masks_the_phone_for_viewers_and_coordinators(self):
        for user in (self.victor, self.carol):
            self.login(user)
            r = self.client.get(self.url())
            self.assertContains(r, "138****5678")
            self.assertNotContains(r, "13812345678")

    def test_it_is_404_for_an_outsider(self):
        self.login(self.oscar)
        self.assertEqual(self.client.get(self.url()).status_code, 404)

    def test_it_hides_the_editing_actions_from_viewers(self):
        self.login(self.victor)
        r = self.client.get(self.url())
        self.assertNotContains(r, reverse("directory:resource_edit", args=[self.jewel.pk]))
        self.assertNotContains(r, reverse("directory:resource_verify", args=[self.jewel.pk]))
        self.assertNotContains(r, reverse("directory:resource_status", args=[self.jewel.pk]))
        self.login(self.carol)
        r = self.client.get(self.url())
        self.assertContains(r, reverse("directory:resource_edit", args=[self.jewel.pk]))
        self.assertContains(r, reverse("directory:resource_status", args=[self.jewel.pk]))

    def test_it_shows_the_history_after_an_edit(self):
        self.login(self.bob)
        self.client.post(reverse("directory:resource_edit", args=[self.hall.pk]), {
            "name": "社区大活动室", "kind": "venue", "is_formal": "on", "is_internal": "on", "source": "walk",
            "status": "active", "categories": [self.cat["food"].pk], "reason": "改名了",
        })
        r = self.client.get(self.url(self.hall))
        self.assertContains(r, "社区大活动室")
        history = r.context["history"]
        self.assertEqual(history[0].who, "Bob")
        self.assertEqual(history[0].reason, "改名了")
        self.assertIn(("社区活动室", "社区大活动室"), [(c.old, c.new) for c in history[0].changes])
        self.assertContains(r, "改名了")

    def test_it_shows_the_observation_it_came_from(self):
        walk = Walk.objects.create(station=self.station, community=self.community)
        obs = observation_create(actor=self.bob, walk=walk, title="墙上的公告栏", address="东坡路 1 号")
        # observation_promote would do this; linked directly here so that this
        # page test does not depend on the promotion service.
        resource = self.make_resource("公告栏", kind="information", community=self.community)
        obs = observation_update(actor=self.bob, observation=obs, resource=resource)
        self.login(self.bob)
        r = self.client.get(self.url(resource))
        self.assertContains(r, "墙上的公告栏")
        self.assertEqual(r.context["observation"], obs)
        self.assertContains(r, reverse("communities:walk_detail", args=[walk.pk]))
