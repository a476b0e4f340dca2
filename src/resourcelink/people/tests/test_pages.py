"""The register's pages, through HTTP."""

from django.urls import reverse

from resourcelink.core.models import Reveal
from resourcelink.people import services
from resourcelink.people.models import (
    Consent,
    DuplicateCandidate,
    Household,
    Resident,
    VulnerabilityTag,
)

from .base import LI_ID, ZHANG_ID, PeopleTestCase


class PageFixture(PeopleTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.twin = services.resident_create(actor=cls.bob, household=cls.household, name="张建图",
                                            confirm_duplicate=True)
        cls.candidate = DuplicateCandidate.objects.get(duplicate=cls.twin)

    def get_urls(self):
        """Every GET page of the app, for this station's records."""
        h, r = self.household.pk, self.zhang.pk
        return [
            reverse("people:household_list"), reverse("people:household_list") + f"?community={self.community.pk}",
            reverse("people:household_create"), reverse("people:household_detail", args=[h]),
            reverse("people:household_edit", args=[h]), reverse("people:resident_create", args=[h]),
            reverse("people:resident_detail", args=[r]), reverse("people:resident_detail", args=[self.li.pk]),
            reverse("people:resident_edit", args=[r]), reverse("people:consent_create", args=[r]),
            reverse("people:duplicate_list"), reverse("people:tag_list"), reverse("people:tag_create"),
            reverse("people:tag_edit", args=[self.elderly.pk]),
        ]

    def post_urls(self):
        return [
            reverse("people:household_archive", args=[self.household.pk]),
            reverse("people:household_reveal", args=[self.household.pk, "name"]),
            reverse("people:resident_archive", args=[self.zhang.pk]),
            reverse("people:resident_reveal", args=[self.zhang.pk, "id_number"]),
            reverse("people:consent_withdraw", args=[self.consent.pk]),
            reverse("people:duplicate_merge", args=[self.candidate.pk]),
            reverse("people:duplicate_dismiss", args=[self.candidate.pk]),
            reverse("people:tag_archive", args=[self.elderly.pk]),
        ]


class PrivacyTests(PageFixture):
    def assert_no_personal_data(self, html: str, url: str):
        for value in self.PERSONAL:
            self.assertNotIn(value, html, f"{value} shown on {url}")

    def test_it_shows_a_viewer_no_personal_data_on_any_page(self):
        self.login(self.victor)
        statuses = {}
        for url in self.get_urls():
            response = self.client.get(url)
            statuses[url] = response.status_code
            self.assert_no_personal_data(response.content.decode(), url)
        self.assertEqual(statuses[reverse("people:household_detail", args=[self.household.pk])], 200)
        self.assertEqual(statuses[reverse("people:resident_detail", args=[self.zhang.pk])], 200)
        self.assertEqual(statuses[reverse("people:household_list")], 200)
        self.assertEqual(statuses[reverse("people:household_edit", args=[self.household.pk])], 403)

    def test_it_shows_staff_masked_values_until_they_reveal(self):
        for user in (self.alice, self.bob):
            self.login(user)
            for url in self.get_urls():
                response = self.client.get(url)
                self.assertIn(response.status_code, (200, 403), url)
                html = response.content.decode()
                for value in self.PERSONAL:
                    if value == "独居，行动不便":  # notes are for staff
                        continue
                    self.assertNotIn(value, html, f"{value} shown to {user.username} on {url}")

    def test_it_masks_history_of_personal_fields(self):
        services.resident_update(actor=self.bob, resident=self.zhang, phone="13900002222", reason="new phone")
        url = reverse("people:resident_detail", args=[self.zhang.pk])
        self.login(self.carol)
        html = self.client.get(url).content.decode()
        self.assertNotIn("13900002222", html)
        self.assertIn("139****2222", html)
        self.assertIn("new phone", html)
        self.login(self.victor)  # not even the masked phone
        html = self.client.get(url).content.decode()
        self.assertNotIn("13900002222", html)
        self.assertNotIn("139****2222", html)
        self.assertIn("new phone", html)

    def test_it_shows_a_homes_position_in_history_to_staff_only(self):
        services.household_update(actor=self.bob, household=self.household, latitude=30.123456,
                                  longitude=120.654321, reason="located")
        url = reverse("people:household_detail", args=[self.household.pk])
        for user, shown in ((self.alice, True), (self.bob, True), (self.carol, False), (self.victor, False)):
            self.login(user)
            html = self.client.get(url).content.decode()
            self.assertIn("located", html)
            for value in ("30.123456", "120.654321"):
                self.assertEqual(value in html, shown, (user.username, value))


class ViewerPageTests(PageFixture):
    """Viewers get no personal data on any page, not even masked: the pages
    agree with the API, which gives them null."""

    def masked_forms(self):
        from resourcelink.core.privacy import mask_id_number

        return ["张*", "李**", "138****5678", "057******4321", "湖滨路12号***", "湖滨路12",
                mask_id_number(ZHANG_ID), mask_id_number(LI_ID), "1948", "1949",
                self.elderly.name_en, self.disability.name_en]

    def viewer_urls(self):
        h = self.household.pk
        return [reverse("people:household_list"), reverse("people:household_list") + "?q=" + str(h),
                reverse("people:household_detail", args=[h]),
                reverse("people:resident_detail", args=[self.zhang.pk]),
                reverse("people:resident_detail", args=[self.li.pk])]

    def test_it_shows_a_viewer_no_masked_values_on_any_page(self):
        # History with every personal field changed, so the history is searched too.
        services.resident_update(actor=self.bob, resident=self.zhang, phone="13900002222", notes="x",
                                 tags=[self.elderly, self.disability], reason="update")
        services.household_update(actor=self.bob, household=self.household, name="张家大院",
                                  address="湖滨路12号4单元", reason="update")
        self.login(self.victor)
        for url in self.viewer_urls():
            for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
                response = self.client.get(url, **headers)
                self.assertEqual(response.status_code, 200, url)
                html = response.content.decode()
                for value in self.masked_forms() + ["139****2222"]:
                    self.assertNotIn(value, html, f"{value} shown to a viewer on {url}")

    def test_it_shows_a_viewer_numbers_and_non_personal_facts(self):
        self.login(self.victor)
        html = self.client.get(reverse("people:household_list")).content.decode()
        self.assertIn(f"Household #{self.household.pk}", html)
        self.assertIn("湖滨社区", html)
        self.assertNotIn('name="tag"', html)  # no filter by vulnerability either
        html = self.client.get(reverse("people:household_detail", args=[self.household.pk])).content.decode()
        self.assertIn(f"Resident #{self.zhang.pk}", html)
        self.assertIn("spouse", html)
        self.assertIn("female", html)
        self.assertIn("第一网格", html)
        html = self.client.get(reverse("people:resident_detail", args=[self.li.pk])).content.decode()
        self.assertIn("spouse", html)
        self.assertIn("female", html)

    def test_it_keeps_masked_values_for_coordinators(self):
        from resourcelink.core.privacy import mask_id_number

        self.login(self.carol)
        self.assertContains(self.client.get(reverse("people:household_list")), "张*")
        html = self.client.get(reverse("people:household_detail", args=[self.household.pk])).content.decode()
        for value in ("张*", "湖滨路12号***", "138****5678", mask_id_number(ZHANG_ID)):
            self.assertIn(value, html)
        html = self.client.get(reverse("people:resident_detail", args=[self.zhang.pk])).content.decode()
        for value in ("张**", "138****5678", mask_id_number(ZHANG_ID), "1948-**-**"):
            self.assertIn(value, html)

    def test_it_decides_by_the_records_station_not_the_current_one(self):
        from resourcelink.accounts.middleware import SESSION_KEY
        from resourcelink.accounts.models import Role
        from resourcelink.accounts.services import membership_add

        membership_add(actor=None, station=self.other_station, user=self.victor, role=Role.ADMIN, check=False)
        self.login(self.victor)
        session = self.client.session
        session[SESSION_KEY] = self.other_station.pk
        session.save()
        for url in self.viewer_urls()[2:]:
            html = self.client.get(url).content.decode()
            for value in self.masked_forms():
                self.assertNotIn(value, html, f"{value} shown to a viewer on {url}")


class RevealTests(PageFixture):
    def test_it_reveals_each_field_by_post_and_logs_it(self):
        self.login(self.bob)
        expected = {"name": "张建国", "phone": "13812345678", "id_number": ZHANG_ID, "birth_date": "1948-03-12"}
        for field, value in expected.items():
            url = reverse("people:resident_reveal", args=[self.zhang.pk, field])
            response = self.client.post(url, HTTP_HX_REQUEST="true")
            self.assertContains(response, value)
            self.assertEqual(Reveal.objects.filter(field=field, user=self.bob, object_id=self.zhang.pk).count(), 1)
        response = self.client.post(reverse("people:household_reveal", args=[self.household.pk, "address"]))
        self.assertContains(response, "湖滨路12号3单元502")  # the whole page, without htmx
        self.assertEqual(Reveal.objects.count(), 5)

    def test_it_lists_reveals_for_admins(self):
        services.resident_reveal(actor=self.bob, resident=self.zhang, field="phone")
        self.login(self.alice)
        self.assertContains(self.client.get(reverse("people:resident_detail", args=[self.zhang.pk])),
                            "Who was shown what")
        self.login(self.bob)
        self.assertNotContains(self.client.get(reverse("people:resident_detail", args=[self.zhang.pk])),
                               "Who was shown what")

    def test_it_refuses_coordinators_and_viewers(self):
        for user in (self.carol, self.victor):
            self.login(user)
            for url in (reverse("people:resident_reveal", args=[self.zhang.pk, "id_number"]),
                        reverse("people:household_reveal", args=[self.household.pk, "name"])):
                self.assertEqual(self.client.post(url).status_code, 403, (user.username, url))
        self.assertFalse(Reveal.objects.exists())

    def test_it_reveals_by_post_only_and_known_fields_only(self):
        self.login(self.bob)
        self.assertEqual(self.client.get(reverse("people:resident_reveal", args=[self.zhang.pk, "name"]))
                         .status_code, 405)
        self.assertEqual(self.client.post(reverse("people:resident_reveal", args=[self.zhang.pk, "notes"]))
                         .status_code, 404)


class ScopingTests(PageFixture):
    def test_it_gives_an_outsider_404_on_every_record(self):
        self.login(self.oscar)
        station_wide = {reverse(f"people:{name}") for name in (
            "household_list", "household_create", "duplicate_list", "tag_list", "tag_create")}
        for url in self.get_urls():
            if url.split("?")[0] in station_wide:
                continue  # these show oscar's own station
            self.assertEqual(self.client.get(url).status_code, 404, url)
        for url in self.post_urls():
            self.assertEqual(self.client.post(url, {"reason": "x"}).status_code, 404, url)
        self.assertFalse(Reveal.objects.exists())

    def test_it_shows_an_outsider_only_their_own_households(self):
        self.login(self.oscar)
        response = self.client.get(reverse("people:household_list"))
        self.assertContains(response, f"#{self.far_household.pk}")
        self.assertNotContains(response, f'households/{self.household.pk}/"')

    def test_it_gives_coordinators_and_viewers_403_on_writes(self):
        for user in (self.carol, self.victor):
            self.login(user)
            for url in self.post_urls():
                if "reveal" in url:
                    continue
                self.assertEqual(self.client.post(url, {"reason": "x"}).status_code, 403, (user.username, url))
            for name in ("household_create", "duplicate_list", "tag_list", "tag_create"):
                self.assertEqual(self.client.get(reverse(f"people:{name}")).status_code, 403, name)

    def test_it_keeps_tags_for_admins(self):
        self.login(self.bob)
        self.assertEqual(self.client.get(reverse("people:tag_list")).status_code, 403)
        self.login(self.alice)
        self.assertContains(self.client.get(reverse("people:tag_list")), "elderly_alone")


class WriteTests(PageFixture):
    def test_it_adds_a_household_and_a_resident(self):
        self.login(self.bob)
        response = self.client.post(reverse("people:household_create"), {
            "name": "陈家", "address": "湖滨路20号", "community": self.community.pk, "grid": self.grid.pk})
        household = Household.objects.get(address_key="湖滨路20号")
        self.assertRedirects(response, reverse("people:household_detail", args=[household.pk]))
        response = self.client.post(reverse("people:resident_create", args=[household.pk]), {
            "name": "陈明", "relation": "head", "gender": "unknown", "phone": "138 0000 1111",
            "id_number": "", "tags": [self.elderly.pk]})
        self.assertRedirects(response, reverse("people:household_detail", args=[household.pk]))
        resident = Resident.objects.get(household=household)
        self.assertEqual((resident.phone, list(resident.tags.all())), ("13800001111", [self.elderly]))

    def test_it_warns_of_a_likely_duplicate_and_saves_when_confirmed(self):
        self.login(self.bob)
        url = reverse("people:resident_create", args=[self.household.pk])
        data = {"name": "张建华", "relation": "child", "gender": "unknown"}
        response = self.client.post(url, data)
        self.assertContains(response, "This may be someone already registered")
        self.assertContains(response, "save anyway")
        self.assertFalse(Resident.objects.filter(name="张建华").exists())
        response = self.client.post(url, {**data, "confirm_duplicate": "on"})
        self.assertEqual(response.status_code, 302)
        self.assertTrue(DuplicateCandidate.objects.filter(duplicate__name="张建华").exists())

    def test_it_refuses_a_registered_id_number_and_points_at_it(self):
        self.login(self.bob)
        other = services.household_create(actor=self.bob, station=self.station, name="x", address="y路1号",
                                          community=self.community)
        response = self.client.post(reverse("people:resident_create", args=[other.pk]), {
            "name": "某人", "relation": "head", "gender": "unknown", "id_number": ZHANG_ID})
        self.assertContains(response, "already registered")
        self.assertContains(response, reverse("people:resident_detail", args=[self.zhang.pk]))

    def test_it_edits_a_resident_keeping_empty_personal_fields(self):
        self.login(self.bob)
        response = self.client.post(reverse("people:resident_edit", args=[self.zhang.pk]), {
            "name": "", "relation": "head", "gender": "male", "phone": "", "id_number": "", "birth_year": 1948,
            "notes": "", "reason": "tidy", "tags": [self.disability.pk]})
        self.assertRedirects(response, reverse("people:resident_detail", args=[self.zhang.pk]))
        self.zhang.refresh_from_db()
        self.assertEqual((self.zhang.name, self.zhang.phone, self.zhang.notes), ("张建国", "13812345678", ""))
        self.assertEqual(list(self.zhang.tags.all()), [self.disability])

    def test_it_records_and_withdraws_consent(self):
        self.login(self.bob)
        response = self.client.post(reverse("people:consent_create", args=[self.li.pk]), {
            "scope": "publish", "given_by": "李秀英", "method": "signed", "given_on": self.today().isoformat()})
        self.assertRedirects(response, reverse("people:resident_detail", args=[self.li.pk]))
        consent = Consent.objects.get(resident=self.li)
        self.client.post(reverse("people:consent_withdraw", args=[consent.pk]), {"reason": "asked"})
        consent.refresh_from_db()
        self.assertFalse(consent.is_active)

    def test_it_merges_and_dismisses_from_the_review_list(self):
        self.login(self.bob)
        self.assertContains(self.client.get(reverse("people:duplicate_list")), f"#{self.twin.pk}")
        response = self.client.post(reverse("people:duplicate_merge", args=[self.candidate.pk]),
                                    {"keep": self.zhang.pk, "reason": "same man"})
        self.assertRedirects(response, reverse("people:resident_detail", args=[self.zhang.pk]))
        self.twin.refresh_from_db()
        self.assertEqual(self.twin.merged_into, self.zhang)
        self.assertNotContains(self.client.get(reverse("people:duplicate_list")), f"#{self.twin.pk}")

    def test_it_lets_admins_add_a_tag(self):
        self.login(self.alice)
        response = self.client.post(reverse("people:tag_create"), {
            "code": "veteran", "name_zh_hans": "退役军人", "name_en": "Veteran", "weight": 4, "sort_order": 200})
        self.assertRedirects(response, reverse("people:tag_list"))
        self.assertTrue(VulnerabilityTag.objects.filter(station=self.station, code="veteran").exists())


class QueryCountTests(PeopleTestCase):
    def test_it_lists_households_in_a_constant_number_of_queries(self):
        from resourcelink.people.testing import make_household, make_resident

        self.login(self.victor)
        url = reverse("people:household_list")
        self.client.get(url)  # warm caches (content types, sessions)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as few:
            self.client.get(url)
        for _ in range(5):
            make_resident(make_household(self.station, self.community), tags=[self.elderly])
        with CaptureQueriesContext(connection) as many:
            response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(many), len(few))
