from django.test import override_settings
from django.urls import reverse

from resourcelink.communities import services
from resourcelink.communities.models import LocationSource, Observation
from resourcelink.directory.models import Resource, ResourceSource

from .base import CommunityTestCase, png_file


class ObservationCreateTests(CommunityTestCase):
    def url(self):
        return reverse("communities:observation_create", args=[self.walk.pk])

    def test_it_renders_the_phone_form(self):
        self.login(self.bob)
        r = self.client.get(self.url())
        self.assertContains(r, 'accept="image/*"')
        self.assertContains(r, 'capture="environment"')
        self.assertContains(r, 'id="use-location"')
        self.assertContains(r, "leaflet/leaflet.js")
        self.assertContains(r, "leaflet/leaflet.css")
        self.assertContains(r, 'enctype="multipart/form-data"')
        form = r.context["form"]
        self.assertEqual(set(form.fields["grid"].queryset), {self.grid, self.grid2})
        self.assertIn(self.category, form.fields["category"].queryset)

    def test_it_saves_an_observation_with_gps_coordinates(self):
        self.login(self.bob)
        r = self.client.post(self.url(), {
            "title": "修鞋摊", "kind": "person", "category": self.category.pk, "grid": self.grid2.pk,
            "latitude": "30.2512", "longitude": "120.1523", "location_source": "gps", "notes": "每天上午",
        })
        obs = Observation.objects.get(title="修鞋摊")
        self.assertRedirects(r, reverse("communities:walk_detail", args=[self.walk.pk]) + f"#obs-{obs.pk}",
                             fetch_redirect_response=False)
        self.assertEqual((obs.latitude, obs.longitude, obs.location_source), (30.2512, 120.1523, LocationSource.GPS))
        self.assertEqual((obs.walk, obs.station, obs.grid, obs.kind), (self.walk, self.station, self.grid2, "person"))
        r = self.client.get(r.url)
        self.assertContains(r, "“修鞋摊” was saved")

    def test_it_saves_an_observation_with_an_address_only(self):
        self.login(self.bob)
        self.client.post(self.url(), {"title": "社区食堂", "address": "南山路 8 号", "location_source": "gps"})
        obs = Observation.objects.get(title="社区食堂")
        self.assertEqual(obs.location_source, LocationSource.ADDRESS)
        self.assertIsNone(obs.latitude)
        self.assertEqual(obs.kind, "")

    def test_it_saves_a_point_from_the_map(self):
        self.login(self.bob)
        self.client.post(self.url(), {"title": "长椅", "latitude": "30.2", "longitude": "120.1",
                                      "location_source": "map"})
        self.assertEqual(Observation.objects.get(title="长椅").location_source, LocationSource.MAP)

    def test_it_asks_where_beside_the_field(self):
        self.login(self.bob)
        r = self.client.post(self.url(), {"title": "无处"})
        self.assertEqual(r.status_code, 200)
        self.assertTrue(r.context["form"].errors["address"])
        self.assertContains(r, "Say where it is")
        self.assertFalse(Observation.objects.filter(title="无处").exists())

    def test_it_refuses_half_a_point(self):
        self.login(self.bob)
        r = self.client.post(self.url(), {"title": "半点", "latitude": "30.2"})
        self.assertTrue(r.context["form"].errors["latitude"])

    def test_it_refuses_a_grid_of_another_community(self):
        self.login(self.bob)
        r = self.client.post(self.url(), {"title": "店", "address": "x", "grid": self.foreign_grid.pk})
        self.assertTrue(r.context["form"].errors["grid"])

    def test_it_refuses_a_category_of_another_station(self):
        self.login(self.bob)
        r = self.client.post(self.url(), {"title": "店", "address": "x", "category": self.foreign_category.pk})
        self.assertTrue(r.context["form"].errors["category"])

    def test_it_does_not_offer_retired_categories(self):
        from resourcelink.taxonomy.services import category_retire

        category_retire(actor=self.alice, category=self.category)
        self.login(self.bob)
        r = self.client.get(self.url())
        self.assertNotIn(self.category, r.context["form"].fields["category"].queryset)
        r = self.client.post(self.url(), {"title": "店", "address": "x", "category": self.category.pk})
        self.assertTrue(r.context["form"].errors["category"])

    def test_it_saves_a_photo(self):
        self.login(self.bob)
        self.client.post(self.url(), {"title": "宣传栏", "address": "路口", "photo": png_file()})
        obs = Observation.objects.get(title="宣传栏")
        self.assertTrue(obs.photo.name.startswith("observations/"))
        r = self.client.get(reverse("communities:walk_detail", args=[self.walk.pk]))
        self.assertContains(r, reverse("core:media", args=[obs.photo.name]))

    def test_it_refuses_a_file_that_is_not_an_image(self):
        from django.core.files.uploadedfile import SimpleUploadedFile

        self.login(self.bob)
        bad = SimpleUploadedFile("shop.png", b"<html>not a picture</html>", content_type="image/png")
        r = self.client.post(self.url(), {"title": "坏图", "address": "x", "photo": bad})
        self.assertTrue(r.context["form"].errors["photo"])
        self.assertContains(r, "not a photo we can read")

    @override_settings(RL_MAX_UPLOAD_MB=0)
    def test_it_refuses_a_photo_that_is_too_big(self):
        self.login(self.bob)
        r = self.client.post(self.url(), {"title": "大图", "address": "x", "photo": png_file()})
        self.assertIn("larger than 0 MB", r.context["form"].errors["photo"][0])

    def test_it_goes_on_to_another_observation_keeping_the_grid(self):
        self.login(self.bob)
        r = self.client.post(self.url(), {"title": "药店", "address": "x", "grid": self.grid2.pk, "then": "another"})
        self.assertRedirects(r, self.url() + f"?grid={self.grid2.pk}")
        r = self.client.get(r.url)
        self.assertEqual(str(r.context["form"]["grid"].value()), str(self.grid2.pk))


class ObservationEditArchiveTests(CommunityTestCase):
    def test_it_edits_an_observation_with_history(self):
        self.login(self.bob)
        url = reverse("communities:observation_edit", args=[self.observation.pk])
        r = self.client.get(url)
        self.assertEqual(r.context["form"]["title"].value(), "理发店")
        r = self.client.post(url, {"title": "理发店（免费）", "address": "南山路 1 号", "grid": self.grid.pk,
                                   "location_source": "address"})
        self.assertRedirects(r, reverse("communities:walk_detail", args=[self.walk.pk]) + f"#obs-{self.observation.pk}")
        self.observation.refresh_from_db()
        self.assertEqual(self.observation.title, "理发店（免费）")
        r = self.client.get(url)
        self.assertTrue(r.context["history"])

    def test_it_keeps_the_photo_when_editing_without_a_new_one(self):
        obs = services.observation_create(actor=self.bob, walk=self.walk, title="图", address="x", photo=png_file())
        name = obs.photo.name
        self.login(self.bob)
        self.client.post(reverse("communities:observation_edit", args=[obs.pk]), {"title": "图二", "address": "x"})
        obs.refresh_from_db()
        self.assertEqual((obs.title, obs.photo.name), ("图二", name))

    def test_it_archives_an_observation(self):
        self.login(self.bob)
        r = self.client.post(reverse("communities:observation_archive", args=[self.observation.pk]))
        self.assertRedirects(r, reverse("communities:walk_detail", args=[self.walk.pk]))
        self.observation.refresh_from_db()
        self.assertIsNotNone(self.observation.archived_on)
        r = self.client.get(reverse("communities:walk_detail", args=[self.walk.pk]))
        self.assertEqual(r.context["observations"], [])

    def test_it_archives_through_htmx_by_removing_the_row(self):
        self.login(self.bob)
        r = self.client.post(reverse("communities:observation_archive", args=[self.observation.pk]),
                             headers={"HX-Request": "true"})
        self.assertEqual((r.status_code, r.content), (200, b""))


class ObservationPromoteViewTests(CommunityTestCase):
    def test_it_promotes_and_goes_to_the_resource(self):
        self.login(self.bob)
        r = self.client.post(reverse("communities:observation_promote", args=[self.observation.pk]))
        resource = Resource.objects.get(name="理发店")
        self.assertRedirects(r, reverse("directory:resource_detail", args=[resource.pk]), fetch_redirect_response=False)
        self.observation.refresh_from_db()
        self.assertEqual(self.observation.resource, resource)
        self.assertEqual(resource.source, ResourceSource.WALK)
        self.assertEqual(resource.source_date, self.walk.walked_on)
        self.assertIsNotNone(resource.last_verified_on)
        r = self.client.get(reverse("communities:walk_detail", args=[self.walk.pk]))
        self.assertContains(r, reverse("directory:resource_detail", args=[resource.pk]))
        self.assertNotContains(r, reverse("communities:observation_promote", args=[self.observation.pk]))

    def test_it_refuses_to_promote_twice_with_a_message(self):
        self.login(self.bob)
        url = reverse("communities:observation_promote", args=[self.observation.pk])
        self.client.post(url)
        r = self.client.post(url)
        self.assertRedirects(r, reverse("communities:walk_detail", args=[self.walk.pk]),
                             fetch_redirect_response=False)
        self.assertEqual(Resource.objects.filter(name="理发店").count(), 1)
        r = self.client.get(r.url)
        self.assertContains(r, "already a resource")


class PhotoTests(CommunityTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()

    def setUp(self):
        self.obs = services.observation_create(actor=self.bob, walk=self.walk, title="图", address="x",
                                               photo=png_file())
        self.url = reverse("core:media", args=[self.obs.photo.name])

    def test_it_serves_the_photo_to_members(self):
        self.login(self.victor)
        r = self.client.get(self.url)
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r["Content-Type"], "image/png")
        self.assertIn("private", r["Cache-Control"])
        self.assertTrue(b"".join(r.streaming_content).startswith(b"\x89PNG"))

    def test_it_gives_outsiders_404(self):
        self.login(self.oscar)
        self.assertEqual(self.client.get(self.url).status_code, 404)

    def test_it_needs_login(self):
        r = self.client.get(self.url)
        self.assertEqual(r.status_code, 302)
        self.assertIn(reverse("accounts:login"), r.url)

    def test_it_returns_none_for_unknown_files(self):
        from django.test import RequestFactory

        from resourcelink.communities.views import observation_photo_for_path

        request = RequestFactory().get("/media/nothing.png")
        request.user = self.bob
        self.assertIsNone(observation_photo_for_path(request, "observations/nothing.png"))


class ObservationAccessTests(CommunityTestCase):
    def endpoints(self):
        o = self.observation.pk
        return [
            ("get", reverse("communities:observation_create", args=[self.walk.pk])),
            ("post", reverse("communities:observation_create", args=[self.walk.pk])),
            ("get", reverse("communities:observation_edit", args=[o])),
            ("post", reverse("communities:observation_edit", args=[o])),
            ("post", reverse("communities:observation_archive", args=[o])),
            ("post", reverse("communities:observation_promote", args=[o])),
        ]

    def test_it_gives_outsiders_404(self):
        self.login(self.oscar)
        for method, url in self.endpoints():
            with self.subTest(url=url, method=method):
                self.assertEqual(getattr(self.client, method)(url, {"title": "x", "address": "x"}).status_code, 404)

    def test_it_refuses_writes_to_viewers(self):
        self.login(self.victor)
        for method, url in self.endpoints():
            with self.subTest(url=url, method=method):
                self.assertEqual(getattr(self.client, method)(url, {"title": "x", "address": "x"}).status_code, 403)
        self.observation.refresh_from_db()
        obs = self.observation
        self.assertEqual((obs.title, obs.archived_on, obs.resource), ("理发店", None, None))
        self.assertEqual(Observation.objects.count(), 1)

    def test_it_lets_coordinators_write(self):
        self.login(self.carol)
        r = self.client.post(reverse("communities:observation_create", args=[self.walk.pk]),
                             {"title": "x", "address": "x"})
        self.assertEqual(r.status_code, 302)
