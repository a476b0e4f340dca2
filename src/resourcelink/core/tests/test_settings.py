import os
import secrets
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet
from django.test import SimpleTestCase

ROOT = Path(__file__).resolve().parents[4]


def run_django(args, **env):
    full_env = {k: v for k, v in os.environ.items() if k not in {"RL_ENV", "SECRET_KEY", "RL_ALLOWED_HOSTS",
                                                                   "DJANGO_ALLOW_ASYNC_UNSAFE", "RL_FIELD_KEYS"}}
    full_env.update(env)
    return subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], capture_output=True, text=True,
                          env=full_env, cwd=ROOT)


class SettingsTests(SimpleTestCase):
    def test_it_passes_the_deployment_checklist_in_production(self):
        out = run_django(["check", "--deploy", "--fail-level", "WARNING"], RL_ENV="production",
                         SECRET_KEY=secrets.token_urlsafe(64), RL_ALLOWED_HOSTS="station.example.org",
                         RL_FIELD_KEYS=Fernet.generate_key().decode())
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)

    def test_it_warns_when_production_has_no_field_key(self):
        out = run_django(["check", "--deploy", "--fail-level", "WARNING"], RL_ENV="production",
                         SECRET_KEY=secrets.token_urlsafe(64), RL_ALLOWED_HOSTS="station.example.org")
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("RL_FIELD_KEYS", out.stdout + out.stderr)

    def test_it_refuses_production_without_a_secret_key(self):
        out = run_django(["check"], RL_ENV="production", RL_ALLOWED_HOSTS="station.example.org")
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("SECRET_KEY", out.stderr)

    def test_it_explains_a_malformed_setting(self):
        out = run_django(["check"], RL_ENV="test", RL_PAGE_SIZE="many")
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("RL_PAGE_SIZE must be a whole number", out.stderr)

    def test_it_refuses_an_unsupported_database_url(self):
        out = run_django(["check"], RL_ENV="test", DATABASE_URL="mysql://root@localhost/x")
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("DATABASE_URL", out.stderr)
