import tempfile
from io import StringIO
from pathlib import Path

from django.core.management import CommandError, call_command

from resourcelink.people.models import Household

from .base import InteropTestCase
from .test_people_import import good_workbook


class PeopleCommandTests(InteropTestCase):
    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp())
        self.path = self.tmp / "people.xlsx"
        self.path.write_bytes(good_workbook())

    def test_it_imports_and_prints_a_summary_per_sheet(self):
        out = StringIO()
        call_command("import_people", str(self.path), station="hubin", user="bob", stdout=out)
        self.assertIn("Households: 2 rows: 2 were added", out.getvalue())
        self.assertEqual(Household.objects.filter(station=self.station).count(), 2)
        out = StringIO()
        call_command("import_people", str(self.path), station="hubin", user="bob", stdout=out)
        self.assertIn("Residents: 3 rows: 0 were added, 0 were updated, 3 unchanged", out.getvalue())

    def test_a_dry_run_imports_nothing(self):
        out = StringIO()
        call_command("import_people", str(self.path), "--dry-run", station="hubin", user="bob", stdout=out)
        self.assertIn("Dry run", out.getvalue())
        self.assertFalse(Household.objects.exists())

    def test_it_prints_every_error_and_fails(self):
        from .people_base import NEED_EN

        self.path.write_bytes(good_workbook(Needs=[NEED_EN, ["", "A-101", "", "nope", "", "", "", "", "", ""]]))
        err = StringIO()
        with self.assertRaises(CommandError):
            call_command("import_people", str(self.path), station="hubin", user="bob", stderr=err)
        self.assertIn("Needs\trow 2\tCategory", err.getvalue())
        self.assertFalse(Household.objects.exists())

    def test_a_viewer_or_an_outsider_may_not_import(self):
        for user in ("victor", "oscar"):
            with self.assertRaises(CommandError):
                call_command("import_people", str(self.path), station="hubin", user=user)
        self.assertFalse(Household.objects.exists())
