from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from resourcelink.core.testing import StationTestCase
from resourcelink.directory.services import resource_create
from resourcelink.taxonomy.models import Category


class HomeTests(StationTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        masks = Category.objects.get(station=cls.station, code="protection.masks")
        today = timezone.localdate()
        cls.fresh = resource_create(actor=cls.bob, station=cls.station, name="爱心口罩", kind="material",
                                    categories=[masks], last_verified_on=today)
        cls.stale = resource_create(actor=cls.bob, station=cls.station, name="老年活动室", kind="venue",
                                    last_verified_on=today - timedelta(days=120))
        resource_create(actor=cls.oscar, station=cls.other_station, name="北山理发店", kind="business")

    def test_it_shows_counts_recent_and_stale_resources(self):
        self.login(self.victor)
        r = self.client.get(reverse("core:home"))
        self.assertEqual(r.status_code, 200)
        summary = r.context["summary"]
        self.assertEqual(summary["total"], 2)
        self.assertEqual({k["kind"]: k["count"] for k in summary["kinds"]}["material"], 1)
        self.assertEqual([row["count"] for row in summary["categories"] if row["category"].code == "protection"],
                         [1])
        self.assertContains(r, "爱心口罩")
        self.assertEqual(summary["stale"], [self.stale])
        self.assertNotContains(r, "北山理发店")

    def test_it_sends_anonymous_users_to_the_login(self):
        r = self.client.get(reverse("core:home"))
        self.assertEqual(r.status_code, 302)

    def test_it_tells_a_user_without_a_station(self):
        from resourcelink.core.testing import make_user

        self.login(make_user("nomad"))
        r = self.client.get(reverse("core:home"))
        self.assertContains(r, "not a member of any station", status_code=403)

    def test_it_answers_the_health_check(self):
        self.assertEqual(self.client.get(reverse("core:healthz")).json(), {"status": "ok"})

    def test_it_speaks_the_browsers_language(self):
        self.login(self.bob)
        r = self.client.get(reverse("core:home"), HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(r, "Dashboard")
        r = self.client.get(reverse("core:home"), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
        self.assertContains(r, 'lang="zh-hans"')
