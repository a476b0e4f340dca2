import io
import json
import tarfile
from io import StringIO
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import TestCase, TransactionTestCase

from resourcelink import cli
from resourcelink.accounts.models import Membership, Role, Station
from resourcelink.core.demo import DEMO_PASSWORD, DEMO_STATION_SLUG
from resourcelink.core.management.commands.serve import serve_prepare
from resourcelink.core.testing import PASSWORD, StationTestCase
from resourcelink.taxonomy.models import Category

User = get_user_model()


class TtyInput(io.StringIO):
    def isatty(self):
        return True


def test_it_lists_the_commands_on_help(capsys):
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    for name in ("serve", "demo", "createuser", "import", "export", "backup", "restore"):
        assert f"  {name} " in out
    assert cli.main([]) == 0
    assert "serve" in capsys.readouterr().out


def test_it_maps_short_names_to_management_commands():
    assert cli.ALIASES["createuser"] == "createuser_rl"
    assert cli.ALIASES["import"] == "import_resources"
    assert cli.ALIASES["export"] == "export_resources"
    with mock.patch("django.core.management.execute_from_command_line") as run:
        cli.main(["createuser", "ann", "--station", "x"])
        run.assert_called_once_with(["resourcelink", "createuser_rl", "ann", "--station", "x"])
        run.reset_mock()
        cli.main(["migrate", "--plan"])
        run.assert_called_once_with(["resourcelink", "migrate", "--plan"])


# Transactional: Django closes the connections after a command run from argv.
@pytest.mark.django_db(transaction=True)
def test_it_passes_other_commands_to_django(capsys):
    assert cli.main(["check"]) == 0
    assert "no issues" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_it_runs_createuser_through_the_console_command(capsys):
    from resourcelink.core.testing import make_station

    station = make_station("湖滨街道社工站", "hubin")
    cli.main(["createuser", "hana", "--station", "hubin", "--role", "coordinator", "--password", "hana's long secret"])
    assert "hana" in capsys.readouterr().out
    membership = Membership.objects.get(user__username="hana")
    assert (membership.station, membership.role) == (station, Role.COORDINATOR)


class ServeTests(TestCase):
    def test_it_creates_the_demo_in_an_empty_database(self):
        done = serve_prepare(demo_resources=5)
        self.assertTrue(done["demo_created"])
        self.assertEqual(done["demo_login"], ("demo", DEMO_PASSWORD))
        self.assertTrue(Station.objects.filter(slug=DEMO_STATION_SLUG).exists())
        # The second start finds nothing to do.
        done = serve_prepare(demo_resources=5)
        self.assertFalse(done["demo_created"] or done["migrated"] or done["categories_added"])

    def test_it_installs_categories_but_no_demo_where_stations_exist(self):
        # A station made before the default tree grew (bypassing the service on purpose).
        station = Station.objects.create(name="旧站", slug="old")
        done = serve_prepare(demo_resources=5)
        self.assertFalse(done["demo_created"])
        self.assertIsNone(done["demo_login"])
        self.assertGreater(done["categories_added"], 20)
        self.assertTrue(Category.objects.filter(station=station, code="protection.masks").exists())

    def test_it_skips_the_demo_when_asked(self):
        done = serve_prepare(demo=False, migrate=False)
        self.assertFalse(done["demo_created"])
        self.assertFalse(Station.objects.exists())

    def test_it_prints_the_login_and_serves_with_waitress(self):
        out = StringIO()
        with mock.patch("waitress.serve") as serve:
            call_command("serve", "--port", "8123", "--threads", "4", "--no-migrate", stdout=out)
        text = out.getvalue()
        self.assertIn("demo", text)
        self.assertIn(DEMO_PASSWORD, text)
        self.assertIn("http://127.0.0.1:8123/", text)
        _app, kwargs = serve.call_args
        self.assertEqual((kwargs["host"], kwargs["port"], kwargs["threads"]), ("127.0.0.1", 8123, 4))

    def test_it_does_not_print_a_changed_demo_password(self):
        serve_prepare(demo_resources=0)
        user = User.objects.get(username="demo")
        user.set_password("a private password now")
        user.save()
        self.assertIsNone(serve_prepare()["demo_login"])


class CreateUserTests(StationTestCase):
    def test_it_creates_a_user_with_a_role(self):
        out = StringIO()
        call_command("createuser_rl", "dora", "--station", "hubin", "--role", "social_worker",
                     "--password", "a long enough secret", "--email", "dora@example.org",
                     "--full-name", "Dora", stdout=out)
        dora = User.objects.get(username="dora")
        self.assertTrue(dora.check_password("a long enough secret"))
        self.assertEqual(dora.email, "dora@example.org")
        self.assertEqual(Membership.objects.get(user=dora, station=self.station).role, Role.SOCIAL_WORKER)
        self.assertIn("dora", out.getvalue())

    def test_it_reads_the_password_from_standard_input(self):
        call_command("createuser_rl", "erin", "--station", "hubin", "--role", "viewer",
                     stdin=StringIO("another long secret\n"), stdout=StringIO())
        self.assertTrue(User.objects.get(username="erin").check_password("another long secret"))

    def test_it_prompts_twice_on_a_terminal(self):
        with mock.patch("getpass.getpass", side_effect=["one long secret", "one long secret"]):
            call_command("createuser_rl", "finn", "--station", "hubin", "--role", "viewer",
                         stdin=TtyInput(), stdout=StringIO())
        self.assertTrue(User.objects.get(username="finn").check_password("one long secret"))

    def test_it_adds_a_membership_to_an_existing_user(self):
        call_command("createuser_rl", "oscar", "--station", "hubin", "--role", "viewer",
                     stdout=StringIO(), stderr=StringIO())
        self.assertEqual(Membership.objects.get(user=self.oscar, station=self.station).role, Role.VIEWER)
        self.oscar.refresh_from_db()
        self.assertTrue(self.oscar.check_password(PASSWORD))

    def test_it_explains_what_is_wrong(self):
        with self.assertRaisesMessage(CommandError, "There is no station nowhere"):
            call_command("createuser_rl", "gus", "--station", "nowhere", "--role", "viewer", "--password", "x" * 20)
        with self.assertRaisesMessage(CommandError, "password"):
            call_command("createuser_rl", "gus", "--station", "hubin", "--role", "viewer", "--password", "123")
        with self.assertRaisesMessage(CommandError, "already a member"):
            call_command("createuser_rl", "bob", "--station", "hubin", "--role", "viewer", stdout=StringIO())
        self.assertFalse(User.objects.filter(username="gus").exists())


class RestoreCommandTests(TransactionTestCase):
    # Not TestCase: a SQLite backup cannot be taken inside a transaction.

    def test_it_refuses_to_restore_without_yes(self):
        path = self.tmp / "b.tar.gz"
        call_command("backup", "--output", str(path), stdout=StringIO())
        self.assertTrue(path.exists())
        with self.assertRaisesMessage(CommandError, "--yes"):
            call_command("restore", str(path), stdin=StringIO(""), stdout=StringIO())

    def test_it_cancels_unless_yes_is_typed(self):
        path = self.tmp / "b.tar.gz"
        call_command("backup", "-o", str(path), stdout=StringIO())
        with self.assertRaisesMessage(CommandError, "cancelled"):
            call_command("restore", str(path), stdin=TtyInput("no\n"), stdout=StringIO())

    def test_it_rejects_a_file_that_is_not_a_backup(self):
        text = self.tmp / "notes.txt"
        text.write_text("hello")
        with self.assertRaisesMessage(CommandError, "not a ResourceLink backup"):
            call_command("restore", str(text), "--yes", stdout=StringIO())
        bare = self.tmp / "other.tar"
        with tarfile.open(bare, "w") as tar:
            tar.add(text, arcname="notes.txt")
        with self.assertRaisesMessage(CommandError, "no manifest"):
            call_command("restore", str(bare), "--yes", stdout=StringIO())
        with self.assertRaisesMessage(CommandError, "There is no file"):
            call_command("restore", str(self.tmp / "missing.tar.gz"), "--yes", stdout=StringIO())

    def test_it_rejects_a_backup_of_another_engine_or_a_bad_dump(self):
        from django.db import connection

        other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
        member = "db.pgdump" if other == "postgresql" else "db.sqlite3"
        path = self.make_archive({"format": "resourcelink-backup", "format_version": 1, "engine": other}, member)
        with self.assertRaisesMessage(CommandError, f"backup is of a {other} database"):
            call_command("restore", str(path), "--yes", "--no-safety-backup", stdout=StringIO())
        mine = connection.vendor
        member = "db.pgdump" if mine == "postgresql" else "db.sqlite3"
        path = self.make_archive({"format": "resourcelink-backup", "format_version": 1, "engine": mine}, member)
        with self.assertRaisesMessage(CommandError, "is not a"):
            call_command("restore", str(path), "--yes", "--no-safety-backup", stdout=StringIO())

    def make_archive(self, manifest, member):
        path = self.tmp / f"fake-{manifest['engine']}.tar.gz"
        (self.tmp / "manifest.json").write_text(json.dumps(manifest))
        (self.tmp / member).write_bytes(b"definitely not a database")
        with tarfile.open(path, "w:gz") as tar:
            tar.add(self.tmp / "manifest.json", arcname="manifest.json")
            tar.add(self.tmp / member, arcname=member)
        return path

    @pytest.fixture(autouse=True)
    def _tmp(self, tmp_path, settings):
        self.tmp = tmp_path
        settings.RL_BACKUP_DIR = tmp_path / "backups"


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("name", [name for name, _command, _help in cli.COMMANDS])
def test_it_prints_each_commands_help(name, language, capsys):
    from django.core.management import ManagementUtility
    from django.utils import translation

    with translation.override(language):
        command = ManagementUtility(["resourcelink"]).fetch_command(cli.ALIASES[name])
        command.print_help("resourcelink", cli.ALIASES[name])
    out = capsys.readouterr().out
    assert "usage: resourcelink" in out and "--help" in out
