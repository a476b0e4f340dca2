from django.contrib.auth import get_user_model
from django.urls import reverse

from resourcelink.accounts.models import Membership, Role
from resourcelink.core.testing import StationTestCase


class MemberTests(StationTestCase):
    def test_it_lists_members_for_admins(self):
        self.login(self.alice)
        r = self.client.get(reverse("accounts:member_list"))
        self.assertContains(r, "bob")
        self.assertNotContains(r, "oscar")

    def test_it_refuses_the_member_list_to_other_roles(self):
        for user in (self.bob, self.carol, self.victor):
            self.login(user)
            self.assertEqual(self.client.get(reverse("accounts:member_list")).status_code, 403)

    def test_it_adds_a_new_user(self):
        self.login(self.alice)
        r = self.client.post(reverse("accounts:member_list"), {
            "username": "dora", "full_name": "Dora", "password": "a long enough password 7", "role": Role.VIEWER})
        self.assertRedirects(r, reverse("accounts:member_list"))
        dora = get_user_model().objects.get(username="dora")
        self.assertEqual(Membership.objects.get(user=dora, station=self.station).role, Role.VIEWER)

    def test_it_asks_for_a_password_for_an_unknown_user(self):
        self.login(self.alice)
        r = self.client.post(reverse("accounts:member_list"), {"username": "nobody", "role": Role.VIEWER})
        self.assertEqual(r.status_code, 200)
        self.assertTrue(r.context["form"].errors["password"])
        self.assertFalse(get_user_model().objects.filter(username="nobody").exists())

    def test_it_adds_an_existing_user_of_another_station(self):
        self.login(self.alice)
        self.client.post(reverse("accounts:member_list"), {"username": "oscar", "role": Role.VIEWER})
        self.assertTrue(Membership.objects.filter(user=self.oscar, station=self.station).exists())

    def test_it_changes_a_role_and_keeps_history(self):
        self.login(self.alice)
        m = Membership.objects.get(user=self.bob, station=self.station)
        r = self.client.post(reverse("accounts:member_edit", args=[m.pk]), {"role": Role.COORDINATOR})
        self.assertRedirects(r, reverse("accounts:member_list"))
        m.refresh_from_db()
        self.assertEqual(m.role, Role.COORDINATOR)
        self.assertEqual(m.history.first().history_user, self.alice)

    def test_it_ends_a_membership_without_deleting_it(self):
        self.login(self.alice)
        m = Membership.objects.get(user=self.bob, station=self.station)
        self.client.post(reverse("accounts:member_end", args=[m.pk]))
        m.refresh_from_db()
        self.assertIsNotNone(m.ended_on)
        self.client.force_login(self.bob)
        r = self.client.get(reverse("core:home"))
        self.assertEqual(r.status_code, 403)

    def test_it_keeps_the_last_admin(self):
        self.login(self.alice)
        m = Membership.objects.get(user=self.alice, station=self.station)
        r = self.client.post(reverse("accounts:member_edit", args=[m.pk]), {"role": Role.VIEWER})
        self.assertEqual(r.status_code, 200)
        self.assertIn("at least one admin", str(r.context["form"].errors))
        m.refresh_from_db()
        self.assertEqual(m.role, Role.ADMIN)

    def test_it_hides_other_stations_memberships(self):
        self.login(self.oscar)
        m = Membership.objects.get(user=self.bob, station=self.station)
        self.assertEqual(self.client.get(reverse("accounts:member_edit", args=[m.pk])).status_code, 404)
        self.assertEqual(self.client.post(reverse("accounts:member_end", args=[m.pk])).status_code, 404)
        m.refresh_from_db()
        self.assertIsNone(m.ended_on)

    def test_it_refuses_role_changes_by_non_admins(self):
        self.login(self.bob)
        m = Membership.objects.get(user=self.victor, station=self.station)
        self.assertEqual(self.client.post(reverse("accounts:member_edit", args=[m.pk]), {"role": "admin"}).status_code,
                         403)


class StationSwitchTests(StationTestCase):
    def test_it_switches_between_own_stations(self):
        from resourcelink.accounts.services import membership_add

        membership_add(actor=None, station=self.other_station, user=self.bob, role=Role.VIEWER, check=False)
        self.login(self.bob)
        self.client.post(reverse("accounts:switch_station"), {"station": self.other_station.pk})
        r = self.client.get(reverse("core:home"))
        self.assertEqual(r.context["station"], self.other_station)

    def test_it_refuses_a_station_the_user_is_not_in(self):
        self.login(self.bob)
        r = self.client.post(reverse("accounts:switch_station"), {"station": self.other_station.pk})
        self.assertEqual(r.status_code, 404)


class TokenTests(StationTestCase):
    def test_it_creates_a_token_shown_once_and_revokes_it(self):
        from resourcelink.accounts.models import ApiToken
        from resourcelink.accounts.services import api_token_authenticate

        self.login(self.bob)
        r = self.client.post(reverse("accounts:profile"), {"name": "laptop"})
        key = r.context["new_key"]
        self.assertTrue(key.startswith("rl_"))
        token = ApiToken.objects.get(user=self.bob)
        self.assertNotEqual(token.key_hash, key)
        self.assertEqual(api_token_authenticate(key), self.bob)
        self.assertNotContains(self.client.get(reverse("accounts:profile")), key)
        self.client.post(reverse("accounts:token_revoke", args=[token.pk]))
        self.assertIsNone(api_token_authenticate(key))

    def test_it_does_not_revoke_another_users_token(self):
        from resourcelink.accounts.services import api_token_create

        token, _key = api_token_create(user=self.alice, name="x")
        self.login(self.oscar)
        self.assertEqual(self.client.post(reverse("accounts:token_revoke", args=[token.pk])).status_code, 404)
