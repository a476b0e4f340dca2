from django.test import override_settings
from django.urls import reverse

from resourcelink.directory.models import Contact, Location, Organization, Service
from resourcelink.directory.services import contact_create, location_create, service_create

from .fixtures import DirectoryTestCase

LIST = reverse("directory:organization_list")
CREATE = reverse("directory:organization_create")


class OrganizationPageTests(DirectoryTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.location = location_create(actor=cls.alice, station=cls.station, organization=cls.org, name="商会大楼",
                                       address="湖滨路 2 号", latitude=30.27, longitude=120.16)
        cls.service = service_create(actor=cls.alice, station=cls.station, organization=cls.org, name="应急物资捐赠",
                                     categories=[cls.cat["protection.masks"]], locations=[cls.location])
        cls.contact = contact_create(actor=cls.alice, station=cls.station, organization=cls.org, name="李会长",
                                     phone="13322223333", service=cls.service)
        cls.foreign_org = Organization.objects.create(station=cls.other_station, name="北山商会")

    def test_it_lists_and_searches_organisations(self):
        Organization.objects.create(station=self.station, name="青年志愿者协会")
        self.login(self.victor)
        r = self.client.get(LIST)
        self.assertContains(r, "湖滨商会")
        self.assertContains(r, "青年志愿者协会")
        self.assertNotContains(r, "北山商会")
        r = self.client.get(LIST, {"q": "志愿"})
        self.assertNotContains(r, "湖滨商会")
        self.assertContains(r, "青年志愿者协会")

    @override_settings(RL_PAGE_SIZE=1)
    def test_it_paginates_the_list(self):
        Organization.objects.create(station=self.station, name="青年志愿者协会")
        self.login(self.bob)
        r = self.client.get(LIST, {"page": 2})
        self.assertEqual(r.context["page_obj"].number, 2)
        self.assertEqual(len(r.context["page_obj"].object_list), 1)

    def test_it_shows_an_organisation_with_its_parts(self):
        self.login(self.bob)
        r = self.client.get(reverse("directory:organization_detail", args=[self.org.pk]))
        for text in ("应急物资捐赠", "商会大楼", "李会长", "13322223333", "珠宝协会", self.cat["protection.masks"].name):
            self.assertContains(r, text)
        self.assertContains(r, reverse("directory:service_edit", args=[self.service.pk]))

    def test_it_masks_contact_phones_for_non_staff(self):
        for user in (self.victor, self.carol):
            self.login(user)
            r = self.client.get(reverse("directory:organization_detail", args=[self.org.pk]))
            self.assertContains(r, "133****3333")
            self.assertNotContains(r, "13322223333")

    def test_it_hides_editing_from_viewers(self):
        self.login(self.victor)
        r = self.client.get(reverse("directory:organization_detail", args=[self.org.pk]))
        self.assertNotContains(r, reverse("directory:organization_edit", args=[self.org.pk]))
        self.assertNotContains(r, reverse("directory:service_create", args=[self.org.pk]))
        self.assertNotContains(self.client.get(LIST), CREATE)

    def test_it_creates_and_edits_an_organisation_with_history(self):
        self.login(self.bob)
        r = self.client.post(CREATE, {"name": "红十字会", "is_formal": "on", "website": "redcross.example.org"})
        org = Organization.objects.get(name="红十字会")
        self.assertRedirects(r, reverse("directory:organization_detail", args=[org.pk]))
        self.assertEqual(org.station, self.station)
        self.assertEqual(org.website, "https://redcross.example.org")
        r = self.client.post(reverse("directory:organization_edit", args=[org.pk]), {
            "name": "红十字会湖滨分会", "is_formal": "on", "reason": "全称"})
        self.assertRedirects(r, reverse("directory:organization_detail", args=[org.pk]))
        r = self.client.get(reverse("directory:organization_detail", args=[org.pk]))
        self.assertContains(r, "全称")
        self.assertEqual(r.context["history"][0].reason, "全称")

    def test_it_shows_form_errors(self):
        self.login(self.bob)
        r = self.client.post(CREATE, {"name": "", "email": "not an email"})
        self.assertEqual(r.status_code, 200)
        self.assertEqual(set(r.context["form"].errors), {"name", "email"})

    def test_editing_the_name_updates_resource_search(self):
        self.login(self.bob)
        self.client.post(reverse("directory:organization_edit", args=[self.org.pk]), {"name": "西湖商会"})
        r = self.client.get(reverse("directory:resource_list"), {"q": "西湖商会"})
        self.assertEqual([row["resource"] for row in r.context["rows"]], [self.jewel])

    def test_it_archives_an_organisation(self):
        self.login(self.bob)
        r = self.client.post(reverse("directory:organization_archive", args=[self.org.pk]), {"reason": "解散"})
        self.assertRedirects(r, LIST)
        self.org.refresh_from_db()
        self.assertIsNotNone(self.org.archived_on)
        self.assertNotContains(self.client.get(LIST), "湖滨商会")

    def test_it_creates_and_edits_services_locations_and_contacts(self):
        self.login(self.carol)
        detail = reverse("directory:organization_detail", args=[self.org.pk])
        r = self.client.post(reverse("directory:service_create", args=[self.org.pk]), {
            "name": "免费义诊", "status": "active", "categories": [self.cat["medical.care"].pk],
            "locations": [self.location.pk], "capacity": "20", "capacity_unit": "人"})
        self.assertRedirects(r, detail)
        service = Service.objects.get(name="免费义诊")
        self.assertEqual((service.organization, service.station), (self.org, self.station))
        self.assertEqual(list(service.categories.all()), [self.cat["medical.care"]])
        self.assertEqual(list(service.locations.all()), [self.location])
        r = self.client.post(reverse("directory:service_edit", args=[service.pk]), {
            "name": "免费义诊（周六）", "status": "active", "categories": [], "reason": "改时间"})
        self.assertRedirects(r, detail)
        service.refresh_from_db()
        self.assertEqual(service.name, "免费义诊（周六）")
        self.assertEqual(service.categories.count(), 0)

        r = self.client.post(reverse("directory:location_create", args=[self.org.pk]), {
            "name": "二号仓库", "latitude": "30.28", "longitude": "120.17"})
        self.assertRedirects(r, detail)
        location = Location.objects.get(name="二号仓库")
        self.assertEqual(location.organization, self.org)
        r = self.client.post(reverse("directory:location_edit", args=[location.pk]), {
            "name": "二号仓库", "latitude": "30.28"})
        self.assertEqual(r.status_code, 200)
        self.assertIn("longitude", r.context["form"].errors)

        r = self.client.post(reverse("directory:contact_create", args=[self.org.pk]), {
            "name": "张干事", "phone": "13511112222", "service": service.pk})
        self.assertRedirects(r, detail)
        contact = Contact.objects.get(name="张干事")
        r = self.client.post(reverse("directory:contact_edit", args=[contact.pk]), {
            "name": "张干事", "phone": "13511113333"})
        self.assertRedirects(r, detail)
        contact.refresh_from_db()
        self.assertEqual(contact.phone, "13511113333")

    def test_part_forms_offer_only_the_organisations_own_records(self):
        other = Organization.objects.create(station=self.station, name="另一个组织")
        self.login(self.bob)
        r = self.client.get(reverse("directory:contact_create", args=[other.pk]))
        self.assertNotIn(self.service, r.context["form"].fields["service"].queryset)
        r = self.client.post(reverse("directory:contact_create", args=[other.pk]), {
            "name": "某人", "service": self.service.pk})
        self.assertIn("service", r.context["form"].errors)
        r = self.client.get(reverse("directory:location_create", args=[self.org.pk]))
        self.assertContains(r, 'id="picker-map"')


class OrganizationAccessTests(DirectoryTestCase):
    """Every organisation endpoint: 404 for the outsider, 403 for a viewer's writes."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.service = service_create(actor=cls.alice, station=cls.station, organization=cls.org, name="服务")
        cls.location = location_create(actor=cls.alice, station=cls.station, organization=cls.org, name="地点")
        cls.contact = contact_create(actor=cls.alice, station=cls.station, organization=cls.org, name="联系人",
                                     phone="13000000000")

    def endpoints(self):
        org = [self.org.pk]
        return [
            ("get", reverse("directory:organization_detail", args=org), False),
            ("get", reverse("directory:organization_edit", args=org), True),
            ("post", reverse("directory:organization_edit", args=org), True),
            ("post", reverse("directory:organization_archive", args=org), True),
            ("get", reverse("directory:service_create", args=org), True),
            ("post", reverse("directory:service_create", args=org), True),
            ("get", reverse("directory:service_edit", args=[self.service.pk]), True),
            ("post", reverse("directory:service_edit", args=[self.service.pk]), True),
            ("get", reverse("directory:location_create", args=org), True),
            ("post", reverse("directory:location_create", args=org), True),
            ("get", reverse("directory:location_edit", args=[self.location.pk]), True),
            ("post", reverse("directory:location_edit", args=[self.location.pk]), True),
            ("get", reverse("directory:contact_create", args=org), True),
            ("post", reverse("directory:contact_create", args=org), True),
            ("get", reverse("directory:contact_edit", args=[self.contact.pk]), True),
            ("post", reverse("directory:contact_edit", args=[self.contact.pk]), True),
        ]

    def test_the_outsider_gets_404_everywhere(self):
        self.login(self.oscar)
        for method, url, _write in self.endpoints():
            with self.subTest(method=method, url=url):
                self.assertEqual(getattr(self.client, method)(url, {"name": "hack"}).status_code, 404)

    def test_a_viewer_cannot_write(self):
        self.login(self.victor)
        for method, url, write in self.endpoints():
            with self.subTest(method=method, url=url):
                status = getattr(self.client, method)(url, {"name": "hack"}).status_code
                self.assertEqual(status, 403 if write else 200)
        self.org.refresh_from_db()
        self.assertEqual(self.org.name, "湖滨商会")
        self.assertIsNone(self.org.archived_on)
        self.assertFalse(Service.objects.filter(name="hack").exists())

    def test_a_viewer_cannot_create_an_organisation(self):
        self.login(self.victor)
        self.assertEqual(self.client.get(CREATE).status_code, 403)
        self.assertEqual(self.client.post(CREATE, {"name": "hack"}).status_code, 403)
        self.assertFalse(Organization.objects.filter(name="hack").exists())

    def test_a_user_without_a_station_gets_the_no_station_page(self):
        from resourcelink.core.testing import make_user

        self.login(make_user("nobody"))
        for url in (LIST, CREATE, reverse("directory:resource_list"), reverse("directory:map"),
                    reverse("directory:resource_create")):
            with self.subTest(url=url):
                r = self.client.get(url)
                self.assertEqual(r.status_code, 403)
                self.assertTemplateUsed(r, "core/no_station.html")
        self.assertEqual(self.client.get(reverse("directory:map_data")).status_code, 403)
        self.assertEqual(self.client.get(reverse("directory:resource_detail", args=[self.jewel.pk])).status_code,
                         404)
