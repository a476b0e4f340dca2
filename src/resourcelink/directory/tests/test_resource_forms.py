from django.urls import reverse
from django.utils import timezone

from resourcelink.directory.models import Resource, ResourceStatus
from resourcelink.taxonomy.services import category_retire

from .fixtures import DirectoryTestCase

CREATE = reverse("directory:resource_create")


class ResourceCreateTests(DirectoryTestCase):
    def data(self, **overrides):
        data = {
            "name": "爱心理发店", "kind": "business", "categories": [self.cat["daily.hygiene"].pk],
            "is_formal": "on", "is_internal": "on", "community": self.community.pk, "grid": self.grid.pk,
            "address": "东坡路 8 号", "latitude": "30.275", "longitude": "120.156",
            "contact_name": "王师傅", "contact_phone": "13611112222", "quantity": "5", "unit": "人次/周",
            "source": "walk", "status": "active", "tags": "理发，上门",
        }
        data.update(overrides)
        return data

    def test_it_shows_the_form_with_the_station_choices_only(self):
        self.login(self.bob)
        r = self.client.get(CREATE)
        self.assertEqual(r.status_code, 200)
        form = r.context["form"]
        self.assertIn(self.community, form.fields["community"].queryset)
        category_ids = [pk for pk, _label in form.fields["categories"].choices]
        self.assertIn(self.cat["food"].pk, category_ids)
        self.assertNotIn(self.other_cat["food"].pk, category_ids)
        self.assertContains(r, 'id="picker-map"')
        self.assertContains(r, "data-geolocate")
        self.assertNotIn("reason", form.fields)

    def test_it_creates_a_resource(self):
        self.login(self.bob)
        r = self.client.post(CREATE, self.data())
        resource = Resource.objects.get(name="爱心理发店")
        self.assertRedirects(r, reverse("directory:resource_detail", args=[resource.pk]))
        self.assertEqual(resource.station, self.station)
        self.assertEqual(resource.grid, self.grid)
        self.assertEqual(resource.tags, "理发, 上门")
        self.assertEqual(list(resource.categories.all()), [self.cat["daily.hygiene"]])
        self.assertEqual(resource.created_by, self.bob)

    def test_it_refuses_retired_and_foreign_categories(self):
        category_retire(actor=self.alice, category=self.cat["daily.cooling"])
        self.login(self.bob)
        for category in (self.cat["daily.cooling"], self.other_cat["food"]):
            r = self.client.post(CREATE, self.data(categories=[category.pk]))
            self.assertEqual(r.status_code, 200)
            self.assertTrue(r.context["form"].errors["categories"])
        self.assertFalse(Resource.objects.filter(name="爱心理发店").exists())

    def test_it_shows_service_errors_beside_the_fields(self):
        self.login(self.bob)
        # A grid of another community: only the service knows.
        r = self.client.post(CREATE, self.data(community=self.community2.pk))
        self.assertEqual(r.status_code, 200)
        self.assertIn("grid", r.context["form"].errors)
        self.assertContains(r, r.context["form"].errors["grid"][0])
        # Half a point.
        r = self.client.post(CREATE, self.data(longitude=""))
        self.assertIn("longitude", r.context["form"].errors)
        r = self.client.post(CREATE, self.data(name="", latitude="91"))
        self.assertIn("name", r.context["form"].errors)
        self.assertIn("latitude", r.context["form"].errors)
        self.assertContains(r, 'class="field has-error', count=2)
        self.assertFalse(Resource.objects.filter(name="爱心理发店").exists())

    def test_it_refuses_viewers(self):
        self.login(self.victor)
        self.assertEqual(self.client.get(CREATE).status_code, 403)
        self.assertEqual(self.client.post(CREATE, self.data()).status_code, 403)
        self.assertFalse(Resource.objects.filter(name="爱心理发店").exists())

    def test_it_creates_in_the_outsiders_own_station_only(self):
        self.login(self.oscar)
        r = self.client.post(CREATE, self.data(community="", grid="", categories=[self.other_cat["food"].pk]))
        self.assertEqual(r.status_code, 302)
        self.assertEqual(Resource.objects.get(name="爱心理发店").station, self.other_station)
        # and our community is not one of the choices
        r = self.client.post(CREATE, self.data(name="另一个", grid="", categories=[]))
        self.assertIn("community", r.context["form"].errors)


class ResourceEditTests(DirectoryTestCase):
    def url(self, resource=None):
        return reverse("directory:resource_edit", args=[(resource or self.jewel).pk])

    def test_it_prefills_and_saves_with_a_reason(self):
        self.login(self.carol)
        r = self.client.get(self.url())
        form = r.context["form"]
        self.assertEqual(form.initial["categories"], [self.cat["protection.masks"].pk])
        self.assertIn("reason", form.fields)
        data = {k: v for k, v in form.initial.items() if v is not None}
        data.update({"name": "珠宝行业协会", "contact_phone": "13800000000", "reason": "新电话",
                     "community": self.community.pk, "grid": self.grid.pk, "organization": self.org.pk,
                     "categories": [self.cat["protection.masks"].pk, self.cat["protection.gloves"].pk]})
        data.pop("is_formal")  # unchecked box
        data.pop("service", None)
        r = self.client.post(self.url(), data)
        self.assertRedirects(r, reverse("directory:resource_detail", args=[self.jewel.pk]))
        self.jewel.refresh_from_db()
        self.assertEqual(self.jewel.name, "珠宝行业协会")
        self.assertEqual(self.jewel.contact_phone, "13800000000")
        self.assertEqual(self.jewel.categories.count(), 2)
        self.assertEqual(self.jewel.history.first().history_change_reason, "新电话")

    def test_it_keeps_a_retired_category_the_resource_already_has(self):
        category_retire(actor=self.alice, category=self.cat["protection.masks"])
        self.login(self.bob)
        r = self.client.get(self.url())
        data = {k: v for k, v in r.context["form"].initial.items() if v is not None}
        data.update({"community": self.community.pk, "grid": self.grid.pk, "organization": self.org.pk,
                     "name": "珠宝协会（新）"})
        data.pop("service", None)
        r = self.client.post(self.url(), data)
        self.assertEqual(r.status_code, 302, r.context and r.context["form"].errors)
        self.assertEqual(list(self.jewel.categories.all()), [self.cat["protection.masks"]])

    def test_it_is_404_for_an_outsider_and_403_for_a_viewer(self):
        self.login(self.oscar)
        self.assertEqual(self.client.get(self.url()).status_code, 404)
        self.assertEqual(self.client.post(self.url(), {"name": "x"}).status_code, 404)
        self.login(self.victor)
        self.assertEqual(self.client.get(self.url()).status_code, 403)
        self.assertEqual(self.client.post(self.url(), {"name": "x"}).status_code, 403)
        self.jewel.refresh_from_db()
        self.assertEqual(self.jewel.name, "珠宝协会")


class VerifyAndStatusTests(DirectoryTestCase):
    def test_it_marks_a_resource_verified_today(self):
        self.login(self.bob)
        r = self.client.post(reverse("directory:resource_verify", args=[self.barber.pk]))
        self.assertRedirects(r, reverse("directory:resource_detail", args=[self.barber.pk]))
        self.barber.refresh_from_db()
        self.assertEqual(self.barber.last_verified_on, timezone.localdate())

    def test_verify_needs_post(self):
        self.login(self.bob)
        self.assertEqual(self.client.get(reverse("directory:resource_verify", args=[self.barber.pk])).status_code,
                         405)

    def test_it_archives_with_a_reason(self):
        self.login(self.bob)
        url = reverse("directory:resource_status", args=[self.hall.pk])
        r = self.client.post(url, {"status": "archived", "reason": "拆了"})
        self.assertRedirects(r, reverse("directory:resource_detail", args=[self.hall.pk]))
        self.hall.refresh_from_db()
        self.assertEqual(self.hall.status, ResourceStatus.ARCHIVED)
        self.assertEqual(self.hall.history.first().history_change_reason, "拆了")
        self.assertNotContains(self.client.get(reverse("directory:resource_list")), "社区活动室")

    def test_it_refuses_an_unknown_status(self):
        self.login(self.bob)
        self.client.post(reverse("directory:resource_status", args=[self.hall.pk]), {"status": "gone"})
        self.hall.refresh_from_db()
        self.assertEqual(self.hall.status, ResourceStatus.ACTIVE)

    def test_writes_are_404_for_an_outsider_and_403_for_a_viewer(self):
        for name, data in (("directory:resource_verify", {}), ("directory:resource_status", {"status": "inactive"})):
            url = reverse(name, args=[self.hall.pk])
            self.login(self.oscar)
            self.assertEqual(self.client.post(url, data).status_code, 404)
            self.login(self.victor)
            self.assertEqual(self.client.post(url, data).status_code, 403)
        self.hall.refresh_from_db()
        self.assertEqual(self.hall.status, ResourceStatus.ACTIVE)
        self.assertIsNone(self.hall.last_verified_on)
