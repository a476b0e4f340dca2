import datetime as dt
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from resourcelink.core.history import history_for
from resourcelink.directory.models import Resource
from resourcelink.interop.resource_io import resources_import

from .base import InteropTestCase, csv_bytes, xlsx_bytes

URL = reverse("interop:resource_import")

EN_HEADER = ["Name", "Kind", "Categories", "Community", "Grid", "Address", "Latitude", "Longitude",
             "Contact phone", "Quantity", "Unit", "Last verified", "Formal", "Internal", "Status", "Tags"]
GOOD_ROWS = [
    ["Volunteer barbers", "person", "food, protection.masks", "lakeside", "g1", "1 Lake Road", 30.1, 120.1,
     13812345678, 3, "people", dt.date(2024, 1, 2), "no", "yes", "active", "haircut，elderly"],
    ["Jewellers' association", "Organisation", "口罩", "Lakeside", "Grid one", "", None, None, "", "", "", "", "yes",
     "external", "", ""],
    ["口罩储备", "物资", "Masks；食品", "步行街社区", "一网格", "", "", "", "", "500", "个", "2024/5/3", "是", "内部", "",
     ""],
]


class ImportTests(InteropTestCase):
    def post(self, data: bytes, name: str, **extra):
        upload = SimpleUploadedFile(name, data)
        return self.client.post(URL, {"file": upload, **extra}, HTTP_ACCEPT_LANGUAGE="en")

    def test_it_imports_a_good_xlsx(self):
        self.login(self.bob)
        response = self.post(xlsx_bytes([EN_HEADER, *GOOD_ROWS]), "resources.xlsx")
        self.assertContains(response, 'id="import-summary"')
        self.assertEqual(response.context["result"].created, 3)
        barbers = Resource.objects.get(station=self.station, name="Volunteer barbers")
        self.assertEqual(barbers.kind, "person")
        self.assertEqual({c.code for c in barbers.categories.all()}, {"food", "protection.masks"})
        self.assertEqual((barbers.community, barbers.grid), (self.lakeside, self.g1))
        self.assertEqual((barbers.latitude, barbers.longitude), (30.1, 120.1))
        self.assertEqual(barbers.contact_phone, "13812345678")
        self.assertEqual(barbers.quantity, Decimal("3"))
        self.assertEqual(barbers.last_verified_on, dt.date(2024, 1, 2))
        self.assertEqual((barbers.is_formal, barbers.is_internal), (False, True))
        self.assertEqual(barbers.tags, "haircut, elderly")
        self.assertEqual(barbers.source, "import")
        self.assertIn("volunteer barbers", barbers.search_text)
        self.assertIn("口罩", barbers.search_text)
        self.assertTrue(barbers.import_key)
        jewellers = Resource.objects.get(name="Jewellers' association")
        self.assertEqual((jewellers.kind, jewellers.is_formal, jewellers.is_internal), ("organization", True, False))
        self.assertEqual([c.code for c in jewellers.categories.all()], ["protection.masks"])
        store = Resource.objects.get(name="口罩储备")
        self.assertEqual((store.kind, store.community, store.grid), ("material", self.hillside, self.h1))
        self.assertEqual(store.last_verified_on, dt.date(2024, 5, 3))
        self.assertEqual({c.code for c in store.categories.all()}, {"protection.masks", "food"})
        # History: one "created" entry by bob, with the categories in its snapshot.
        entries = history_for(barbers)
        self.assertEqual([(e.who, e.action) for e in entries], [("Bob", "created")])
        self.assertEqual(barbers.history.get().categories.count(), 2)

    def test_it_imports_a_good_csv_in_gb18030_with_chinese_headers(self):
        self.login(self.carol)
        rows = [["名称", "类型", "类别", "社区", "网格", "联系电话", "最近核实日期", "是否正式"],
                ["理发志愿队", "人员与人才", "食品、口罩", "bxj", "h1", "13800001111", "2024-03-04", "非正式"],
                ["社区食堂", "场地空间", "food", "", "", "", "", "正式"]]
        response = self.post(csv_bytes(rows, "gb18030"), "资源.csv")
        self.assertEqual(response.context["result"].errors, [])
        self.assertEqual(response.context["result"].created, 2)
        team = Resource.objects.get(name="理发志愿队")
        self.assertEqual((team.kind, team.community, team.grid, team.is_formal), ("person", self.hillside, self.h1,
                                                                                 False))
        self.assertEqual(team.last_verified_on, dt.date(2024, 3, 4))
        self.assertEqual(Resource.objects.get(name="社区食堂").kind, "venue")

    def test_it_imports_a_utf8_csv_with_bom_and_mixed_case_headers(self):
        self.login(self.bob)
        rows = [[" NAME ", "kind", "contact  PHONE", "Contact_name"], ["Hall", "venue", "0571-8888", "Li"]]
        response = self.post(csv_bytes(rows, "utf-8-sig"), "r.csv")
        self.assertEqual(response.context["result"].created, 1)
        hall = Resource.objects.get(name="Hall")
        self.assertEqual((hall.contact_phone, hall.contact_name), ("0571-8888", "Li"))

    def test_it_reports_every_bad_cell_and_writes_nothing(self):
        self.make_resources()
        header = ["Name", "Kind", "Categories", "Community", "Grid", "Latitude", "Longitude", "Quantity",
                  "Last verified", "UUID"]
        rows = [
            header,
            ["Good one", "person", "food", "Lakeside", "g1", 30.1, 120.1, 3, "2024-01-02", ""],  # 2: fine
            ["", "person", "", "", "", "", "", "", "", ""],  # 3
            ["Bad kind", "spaceship", "", "", "", "", "", "", "", ""],  # 4
            ["Bad category", "person", "food, nonsense", "", "", "", "", "", "", ""],  # 5
            ["Bad community", "person", "", "Nowhere", "", "", "", "", "", ""],  # 6
            ["Wrong grid", "person", "", "Lakeside", "h1", "", "", "", "", ""],  # 7
            ["Too far north", "person", "", "", "", 95, 120, "", "", ""],  # 8
            ["Half a point", "person", "", "", "", 30, "", "", "", ""],  # 9
            ["Bad number", "person", "", "", "", "", "", "lots", "", ""],  # 10
            ["Bad date", "person", "", "", "", "", "", "", "31/02/2024", ""],  # 11
            ["Good one", "venue", "", "lakeside", "", "", "", "", "", ""],  # 12: repeats row 2
            ["Foreign", "venue", "", "", "", "", "", "", "", str(self.other_resource.uuid)],  # 13
            ["Two problems", "", "", "", "", "", "", -1, "", ""],  # 14
        ]
        before = self.counts()
        self.login(self.bob)
        response = self.post(xlsx_bytes(rows), "bad.xlsx")
        self.assertContains(response, 'id="import-errors"')
        self.assertContains(response, "Nothing was imported")
        kinds = ("Person or talent, Organisation, Business, Venue or space, Material, Money, Culture or scenery, "
                 "Information")
        self.assertEqual([e.as_tuple() for e in response.context["result"].errors], [
            (3, "Name", "A name is needed."),
            (4, "Kind", f"Unknown kind. Use one of: {kinds}."),
            (5, "Categories", "Unknown category: nonsense."),
            (6, "Community", "Unknown community “Nowhere”."),
            (7, "Grid", "The grid “h1” is not in the community “Lakeside”."),
            (8, "Latitude", "Must be between -90 and 90."),
            (9, "Longitude", "Give both latitude and longitude, or neither."),
            (10, "Quantity", "Not a number."),
            (11, "Last verified", "Not a date: write it as YYYY-MM-DD."),
            (12, "", "This row repeats row 2 (the same resource)."),
            (13, "UUID", "No resource of this station has this UUID. Leave it empty to add a new resource."),
            (14, "Kind", "A kind is needed for a new resource."),
            (14, "Quantity", "Must not be negative."),
        ])
        self.assertEqual(response.context["result"].created, 0)
        self.assertEqual(self.counts(), before)
        self.assertFalse(Resource.objects.filter(name="Good one").exists())

    def test_it_reports_unknown_and_missing_columns(self):
        self.login(self.bob)
        response = self.post(csv_bytes([["Nmae", "Kind", "Kind"], ["A", "person", "person"]]), "r.csv")
        self.assertEqual([e.as_tuple() for e in response.context["result"].errors], [
            (1, "Nmae", "Unknown column. Use the headers of the template."),
            (1, "Kind", "This column appears twice."),
            (1, "", "The file has no “Name” column."),
        ])

    def test_a_csv_without_a_header_reports_its_first_row_as_unknown_columns(self):
        self.login(self.bob)
        response = self.post(csv_bytes([["Hall", "venue"], ["Shop", "business"]]), "r.csv")
        errors = [e.as_tuple() for e in response.context["result"].errors]
        self.assertIn((1, "Hall", "Unknown column. Use the headers of the template."), errors)
        self.assertIn((1, "", "The file has no “Name” column."), errors)
        self.assertFalse(Resource.objects.filter(station=self.station).exists())

    def test_it_reports_a_broken_file_without_a_traceback(self):
        self.login(self.bob)
        for data, name, message in [
            (bytes(range(256)) * 50, "random.xlsx", "not a readable Excel workbook"),
            (bytes(range(256)) * 50, "random.csv", "not a spreadsheet"),
            (b" ", "empty.csv", "The file is empty."),
            (b"Name,Kind\n", "header-only.csv", "no rows"),
        ]:
            response = self.post(data, name)
            self.assertEqual(response.status_code, 200)
            errors = response.context["result"].errors
            self.assertEqual(len(errors), 1, name)
            self.assertIn(message, errors[0].message)
            self.assertContains(response, "Nothing was imported")

    def test_it_refuses_other_file_types(self):
        self.login(self.bob)
        response = self.post(b"hello", "notes.txt")
        self.assertIsNone(response.context["result"])
        self.assertTrue(response.context["form"].errors["file"])

    def test_importing_the_same_file_twice_creates_no_duplicates(self):
        self.login(self.bob)
        data = xlsx_bytes([EN_HEADER, *GOOD_ROWS])
        self.post(data, "r.xlsx")
        after_first = self.counts()
        response = self.post(data, "r.xlsx")
        result = response.context["result"]
        self.assertEqual((result.created, result.updated, result.unchanged), (0, 0, 3))
        self.assertEqual(self.counts(), after_first)

    def test_a_changed_row_updates_its_resource_and_keeps_history(self):
        self.login(self.bob)
        self.post(xlsx_bytes([EN_HEADER, *GOOD_ROWS]), "r.xlsx")
        barbers = Resource.objects.get(name="Volunteer barbers")
        changed = [list(r) for r in GOOD_ROWS]
        changed[0][9] = 5  # quantity
        changed[0][2] = "food"  # categories
        self.login(self.alice)
        response = self.post(xlsx_bytes([EN_HEADER, *changed]), "r2.xlsx")
        result = response.context["result"]
        self.assertEqual((result.created, result.updated, result.unchanged), (0, 1, 2))
        barbers.refresh_from_db()
        self.assertEqual(barbers.quantity, Decimal("5"))
        self.assertEqual([c.code for c in barbers.categories.all()], ["food"])
        self.assertEqual(barbers.updated_by, self.alice)
        entries = history_for(barbers)
        self.assertEqual([(e.who, e.action) for e in entries], [("Alice", "changed"), ("Bob", "created")])
        self.assertEqual(entries[0].reason, "Imported from r2.xlsx")
        changes = {c.field: (c.old, c.new) for c in entries[0].changes}
        self.assertEqual(changes["quantity"], ("3.00", "5.00"))
        self.assertIn("categories", changes)

    def test_rows_match_by_uuid_even_when_renamed(self):
        resources = self.make_resources()
        self.login(self.bob)
        rows = [["UUID", "Name", "Kind"], [str(resources[0].uuid), "Barbers (renamed)", "person"]]
        result = self.post(csv_bytes(rows), "r.csv").context["result"]
        self.assertEqual((result.created, result.updated), (0, 1))
        resources[0].refresh_from_db()
        self.assertEqual(resources[0].name, "Barbers (renamed)")
        self.assertEqual(resources[0].community, self.lakeside)  # columns not in the file are kept

    def test_a_dry_run_checks_and_writes_nothing(self):
        self.login(self.bob)
        before = self.counts()
        result = self.post(xlsx_bytes([EN_HEADER, *GOOD_ROWS]), "r.xlsx", dry_run="on").context["result"]
        self.assertEqual((result.created, result.dry_run), (3, True))
        self.assertEqual(self.counts(), before)

    def test_a_retired_category_cannot_be_added(self):
        from resourcelink.taxonomy.services import category_retire

        category_retire(actor=self.alice, category=self.masks)
        with translation.override("en"):
            result = resources_import(actor=self.bob, station=self.station, filename="r.csv",
                                      file=csv_bytes([["Name", "Kind", "Categories"], ["A", "person", "口罩"]]))
        self.assertEqual([e.as_tuple() for e in result.errors],
                         [(2, "Categories", "Retired categories cannot be added: Masks.")])

    def test_a_grid_alone_sets_its_community(self):
        with translation.override("en"):
            result = resources_import(actor=self.bob, station=self.station, filename="r.csv",
                                      file=csv_bytes([["Name", "Kind", "Grid"], ["A", "person", "一网格"]]))
        self.assertEqual(result.errors, [])
        self.assertEqual(Resource.objects.get(name="A").community, self.hillside)
