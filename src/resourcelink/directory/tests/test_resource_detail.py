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

    def test_it_masks_the_phone_for_everyone_until_asked(self):
        for user in (self.alice, self.bob, self.carol, self.victor):
            self.login(user)
            r = self.client.get(self.url())
            self.assertContains(r, "138****5678")
            self.assertNotContains(r, "13812345678")
        self.login(self.bob)
        self.assertContains(self.client.get(self.url()), "Show the number")
        self.login(self.victor)
        self.assertNotContains(self.client.get(self.url()), "Show the number")

    def test_staff_see_the_number_when_they_ask_and_it_is_logged(self):
        from resourcelink.core.models import Reveal

        reveal = reverse("directory:resource_reveal_phone", args=[self.jewel.pk])
        self.login(self.bob)
        r = self.client.post(reveal, HTTP_HX_REQUEST="true")
        self.assertContains(r, "13812345678")
        self.assertNotContains(r, "<html")
        r = self.client.post(reveal)
        self.assertContains(r, "13812345678")
        logs = list(Reveal.objects.filter(object_id=self.jewel.pk))
        self.assertEqual([(x.user, x.field, x.station) for x in logs], [(self.bob, "contact_phone", self.station)] * 2)
        self.login(self.alice)
        self.assertContains(self.client.get(self.url()), "Who was shown the phone number")

    def test_viewers_coordinators_and_outsiders_cannot_ask(self):
        from resourcelink.core.models import Reveal

        reveal = reverse("directory:resource_reveal_phone", args=[self.jewel.pk])
        for user, status in ((self.victor, 403), (self.carol, 403), (self.oscar, 404)):
            self.login(user)
            self.assertEqual(self.client.post(reveal).status_code, status)
        self.login(self.bob)
        self.assertEqual(self.client.get(reveal).status_code, 405)
        self.assertFalse(Reveal.objects.exists())

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
