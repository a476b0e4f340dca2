from django.test import Client

from resourcelink.accounts.models import ApiToken
from resourcelink.accounts.services import api_token_revoke

from .base import ApiTestCase

URL = "/api/v1/resources"


class ApiAuthTests(ApiTestCase):
    def test_it_refuses_a_request_without_credentials(self):
        response = self.client.get(URL)
        body = self.assertError(response, 401)
        self.assertIn("Bearer", response["WWW-Authenticate"])
        self.assertEqual(body["errors"], {})

    def test_it_refuses_a_bad_token(self):
        response = self.client.get(URL, headers={"Authorization": "Bearer rl_not-a-real-key"})
        self.assertError(response, 401)

    def test_it_refuses_another_scheme(self):
        response = self.client.get(URL, headers={"Authorization": f"Token {self.keys['bob']}"})
        self.assertError(response, 401)

    def test_it_refuses_a_revoked_token(self):
        token = ApiToken.objects.get(user=self.bob)
        api_token_revoke(user=self.bob, token=token)
        self.assertError(self.get(URL, self.bob), 401)

    def test_it_accepts_a_token_and_records_its_use(self):
        response = self.get(URL, self.bob)
        self.assertEqual(response.status_code, 200)
        self.assertIsNotNone(ApiToken.objects.get(user=self.bob).last_used_on)

    def test_it_refuses_an_anonymous_write(self):
        response = self.client.post(URL, {"name": "x", "kind": "material"}, content_type="application/json")
        self.assertError(response, 401)

    def test_it_accepts_the_session(self):
        self.login(self.bob)
        response = self.client.get(URL)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["count"], 2)

    def test_it_needs_the_csrf_token_for_a_session_write(self):
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.bob)
        response = client.post(URL, {"name": "Rice", "kind": "material"}, content_type="application/json")
        self.assertError(response, 403)
        token_value = "a" * 32  # an unmasked CSRF secret, as the page's cookie would hold
        client.cookies["csrftoken"] = token_value
        response = client.post(URL, {"name": "Rice", "kind": "material"}, content_type="application/json",
                               headers={"X-CSRFToken": token_value})
        self.assertEqual(response.status_code, 201, response.content)

    def test_it_does_not_need_csrf_with_a_token(self):
        client = Client(enforce_csrf_checks=True)
        response = client.post(URL, {"name": "Rice", "kind": "material"}, content_type="application/json",
                               headers=self.auth(self.bob))
        self.assertEqual(response.status_code, 201, response.content)

    def test_it_answers_unknown_paths_in_json(self):
        response = self.get("/api/v1/nothing-here", self.bob)
        self.assertError(response, 404)
