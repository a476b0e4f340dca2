from django.test import override_settings
from django.urls import reverse

from resourcelink.core.testing import PASSWORD, StationTestCase


class LoginTests(StationTestCase):
    def test_it_logs_in_and_out(self):
        r = self.client.post(reverse("accounts:login"), {"username": "bob", "password": PASSWORD})
        self.assertRedirects(r, reverse("core:home"), fetch_redirect_response=False)
        self.assertEqual(self.client.get(reverse("core:home")).status_code, 200)
        r = self.client.post(reverse("accounts:logout"))
        self.assertEqual(r.status_code, 302)
        r = self.client.get(reverse("core:home"))
        self.assertRedirects(r, reverse("accounts:login") + "?next=/", fetch_redirect_response=False)

    def test_it_rejects_a_wrong_password_with_a_message(self):
        r = self.client.post(reverse("accounts:login"), {"username": "bob", "password": "wrong"})
        self.assertEqual(r.status_code, 200)
        self.assertTrue(r.context["form"].non_field_errors())

    @override_settings(AXES_FAILURE_LIMIT=3)
    def test_it_locks_out_after_repeated_failures(self):
        url = reverse("accounts:login")
        for _ in range(3):
            self.client.post(url, {"username": "bob", "password": "wrong"}, REMOTE_ADDR="10.1.1.1")
        # Even the right password is refused while locked out.
        r = self.client.post(url, {"username": "bob", "password": PASSWORD}, REMOTE_ADDR="10.1.1.1")
        self.assertEqual(r.status_code, 429)
        self.assertContains(r, "failed sign-in attempts", status_code=429)
        self.assertNotIn("_auth_user_id", self.client.session)
        # Another user from the same address is not locked out.
        r = self.client.post(url, {"username": "carol", "password": PASSWORD}, REMOTE_ADDR="10.1.1.1")
        self.assertEqual(r.status_code, 302)

    def test_it_hashes_passwords_with_argon2_outside_tests(self):
        import subprocess
        import sys

        code = "from django.conf import settings; print(settings.PASSWORD_HASHERS[0])"
        out = subprocess.run(
            [sys.executable, "-c", f"import django, os; os.environ['DJANGO_SETTINGS_MODULE']='resourcelink.settings';"
             f"django.setup(); {code}"],
            capture_output=True, text=True, env={**__import__("os").environ, "RL_ENV": "local"}, check=True,
        )
        self.assertEqual(out.stdout.strip(), "django.contrib.auth.hashers.Argon2PasswordHasher")

    def test_it_changes_the_password(self):
        self.login(self.bob)
        r = self.client.post(reverse("accounts:password_change"), {
            "old_password": PASSWORD, "new_password1": "a much longer new secret 42", "new_password2":
            "a much longer new secret 42"})
        self.assertRedirects(r, reverse("accounts:password_changed"))
        self.bob.refresh_from_db()
        self.assertTrue(self.bob.check_password("a much longer new secret 42"))

    def test_it_refuses_a_weak_new_password_beside_the_field(self):
        self.login(self.bob)
        r = self.client.post(reverse("accounts:password_change"), {
            "old_password": PASSWORD, "new_password1": "123", "new_password2": "123"})
        self.assertEqual(r.status_code, 200)
        self.assertTrue(r.context["form"].errors["new_password2"])
