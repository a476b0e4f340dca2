import tempfile
from io import StringIO
from pathlib import Path

from django.core.management import CommandError, call_command

from resourcelink.directory.models import Resource
from resourcelink.interop.spreadsheets import read_table

from .base import InteropTestCase, csv_bytes


class CommandTests(InteropTestCase):
    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp())

    def write(self, name: str, data: bytes) -> str:
        path = self.tmp / name
        path.write_bytes(data)
        return str(path)

    def test_it_imports_and_prints_a_summary(self):
        path = self.write("r.csv", csv_bytes([["名称", "类型", "社区"], ["社区食堂", "venue", "bxj"]]))
        out = StringIO()
        call_command("import_resources", path, station="hubin", user="bob", stdout=out)
        self.assertIn("1 were added", out.getvalue())
        self.assertEqual(Resource.objects.get(name="社区食堂").community, self.hillside)
        out = StringIO()
        call_command("import_resources", path, station="hubin", user="bob", stdout=out)
        self.assertIn("0 were added, 0 were updated, 1 unchanged", out.getvalue())

    def test_a_dry_run_imports_nothing(self):
        path = self.write("r.csv", csv_bytes([["Name", "Kind"], ["Hall", "venue"]]))
        out = StringIO()
        call_command("import_resources", path, "--dry-run", station="hubin", user="bob", stdout=out)
        self.assertIn("1 would be added", out.getvalue())
        self.assertFalse(Resource.objects.filter(name="Hall").exists())

    def test_it_prints_every_error_and_fails(self):
        path = self.write("r.csv", csv_bytes([["Name", "Kind"], ["", "venue"], ["Hall", "spaceship"]]))
        err = StringIO()
        with self.assertRaises(CommandError) as ctx:
            call_command("import_resources", path, station="hubin", user="bob", stderr=err)
        self.assertIn("2 errors; nothing was imported", str(ctx.exception))
        lines = err.getvalue().splitlines()
        self.assertEqual(len(lines), 2)
        self.assertTrue(lines[0].startswith("row 2\t"))
        self.assertTrue(lines[1].startswith("row 3\t"))

    def test_it_refuses_a_viewer_an_outsider_and_unknown_names(self):
        path = self.write("r.csv", csv_bytes([["Name", "Kind"], ["Hall", "venue"]]))
        for station, user in (("hubin", "victor"), ("hubin", "oscar"), ("nowhere", "bob"), ("hubin", "nobody")):
            with self.assertRaises(CommandError):
                call_command("import_resources", path, station=station, user=user, stdout=StringIO())
        with self.assertRaises(CommandError):
            call_command("import_resources", str(self.tmp / "missing.csv"), station="hubin", user="bob")
        self.assertFalse(Resource.objects.filter(name="Hall").exists())

    def test_it_exports_to_a_file_with_filters(self):
        self.make_resources()
        path = self.tmp / "out.xlsx"
        call_command("export_resources", station="hubin", output=str(path), kind="person", language="en",
                     stderr=StringIO())
        table = read_table(path.read_bytes(), "out.xlsx")
        self.assertEqual(table.header[1], "Name")
        self.assertEqual([r[1][1] for r in table.rows], ["Volunteer barbers"])
        self.assertEqual(table.rows[0][1][13], "138****5678")

    def test_it_exports_csv_to_stdout(self):
        self.make_resources()
        out = StringIO()
        call_command("export_resources", "--reveal-phones", station="hubin", format="csv", category="protection",
                     language="zh-hans", stdout=out)
        text = out.getvalue()
        self.assertTrue(text.startswith("唯一编号,名称"))
        self.assertIn("口罩储备", text)
        self.assertIn("13987654321", text)
        self.assertNotIn("Volunteer barbers", text)

    def test_export_refuses_unknown_names(self):
        for options in ({"station": "nowhere"}, {"station": "hubin", "category": "nope"},
                        {"station": "hubin", "community": "nope"}):
            with self.assertRaises(CommandError):
                call_command("export_resources", stdout=StringIO(), **options)
