import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from resourcelink.needs.models import Need
from resourcelink.people.idnumber import check_char
from resourcelink.people.models import Household, Resident
from resourcelink.people.testing import make_household, make_resident

from .base import InteropTestCase, csv_bytes
from .people_base import HH_EN, NEED_EN, RES_EN, workbook

URL = reverse("interop:people_import")


def id_number(birth: str = "19500101", seq: str = "123", region: str = "330106") -> str:
    first = region + birth + seq
    return first + check_char(first)


ZHANG_ID = id_number("19500101", "123")  # male (3 is odd)
LI_ID = id_number("19520202", "246")  # female


def good_workbook(**changes) -> bytes:
    households = [HH_EN,
                  ["A-101", "张家", "湖滨路12号3单元502", "lakeside", "g1", 30.1, 120.1, "二楼"],
                  ["A-102", "李家", "步行街5号", "步行街社区", "一网格", None, None, ""]]
    residents = [RES_EN,
                 ["A-101", "", "张三", "male", "head", dt.date(1950, 1, 1), "13812345678", ZHANG_ID, "独居老人", ""],
                 ["A-101", "", "王芳", "女", "配偶", "1953", "", "", "elderly_alone, disability", ""],
                 ["a 102", "", "李四", "female", "户主", "", "0571-87654321", LI_ID, "", ""]]
    needs = [NEED_EN,
             ["", "A-101", "张三", "food.staple", "大米", 2, "袋", "紧急", dt.date(2030, 1, 1), "入户走访"],
             ["", "A-102", "", "口罩", "", "", "", "", "", ""]]
    sheets = {"Households": households, "Residents": residents, "Needs": needs}
    for title, rows in changes.items():
        sheets[title] = rows
    return workbook(sheets)


class PeopleImportTests(InteropTestCase):
    def post(self, data: bytes, name: str = "people.xlsx", **extra):
        return self.client.post(URL, {"file": SimpleUploadedFile(name, data), **extra}, HTTP_ACCEPT_LANGUAGE="en")

    def counts(self):
        return (Household.objects.count(), Resident.objects.count(), Need.objects.count(),
                Household.history.count(), Resident.history.count(), Need.history.count())

    def test_it_imports_the_three_sheets(self):
        self.login(self.bob)
        response = self.post(good_workbook())
        result = response.context["result"]
        self.assertEqual(result.errors, [])
        self.assertContains(response, 'id="import-summary"')
        self.assertEqual((result.counts["households"].created, result.counts["residents"].created,
                          result.counts["needs"].created), (2, 3, 2))
        zhang_home = Household.objects.get(station=self.station, import_key="A-101")
        self.assertEqual((zhang_home.name, zhang_home.community, zhang_home.grid), ("张家", self.lakeside, self.g1))
        self.assertEqual((zhang_home.latitude, zhang_home.notes), (30.1, "二楼"))
        li_home = Household.objects.get(import_key="A-102")
        self.assertEqual((li_home.community, li_home.grid), (self.hillside, self.h1))
        zhang = Resident.objects.get(name="张三")
        self.assertEqual((zhang.household, zhang.gender, zhang.relation), (zhang_home, "male", "head"))
        self.assertEqual((zhang.birth_date, zhang.phone), (dt.date(1950, 1, 1), "13812345678"))
        self.assertEqual(zhang.id_number_masked, "330*************" + ZHANG_ID[-2:])
        self.assertNotIn(ZHANG_ID, zhang.id_number_encrypted)
        self.assertEqual([t.code for t in zhang.tags.all()], ["elderly_alone"])
        wang = Resident.objects.get(name="王芳")
        self.assertEqual((wang.gender, wang.relation, wang.birth_date, wang.birth_year), ("female", "spouse", None,
                                                                                         1953))
        self.assertEqual({t.code for t in wang.tags.all()}, {"elderly_alone", "disability"})
        self.assertEqual(Resident.objects.get(name="李四").household, li_home)  # "a 102" is A-102
        rice = Need.objects.get(household=zhang_home)
        self.assertEqual((rice.resident, rice.category.code, rice.quantity, rice.unit, rice.urgency, rice.source),
                         (zhang, "food.staple", 2, "袋", "critical", "home_visit"))
        self.assertEqual(rice.due_on, dt.date(2030, 1, 1))
        masks = Need.objects.get(household=li_home)
        self.assertEqual((masks.category.code, masks.quantity, masks.urgency, masks.community),
                         ("protection.masks", 1, "normal", self.hillside))

    def test_it_imports_nothing_when_one_cell_is_bad_and_names_sheet_row_and_column(self):
        self.login(self.bob)
        before = self.counts()
        bad = [NEED_EN, ["", "A-101", "", "food.staple", "", "two", "", "", "", ""]]
        response = self.post(good_workbook(Needs=bad))
        result = response.context["result"]
        self.assertEqual([e.as_tuple() for e in result.errors],
                         [("Needs", 2, "Quantity", "Write a whole number of at least 1.")])
        self.assertContains(response, 'id="import-errors"')
        self.assertContains(response, "Nothing was imported")
        self.assertEqual(self.counts(), before)

    def test_it_reports_a_bad_id_checksum_masked(self):
        self.login(self.bob)
        wrong = ZHANG_ID[:-1] + ("0" if ZHANG_ID[-1] != "0" else "1")
        rows = [RES_EN, ["A-101", "", "张三", "", "", "", "", wrong, "", ""]]
        result = self.post(good_workbook(Residents=rows)).context["result"]
        self.assertEqual(len(result.errors), 1)
        error = result.errors[0]
        self.assertEqual((error.sheet, error.row, error.column), ("Residents", 2, "ID number"))
        self.assertIn("does not match the others", error.message)
        self.assertNotIn(wrong, error.message)
        self.assertIn("330*************", error.message)
        self.assertFalse(Household.objects.exists())

    def test_it_reports_phones_dates_choices_tags_places_and_references(self):
        self.login(self.bob)
        households = [HH_EN, ["A-101", "张家", "湖滨路12号", "nowhere", "", "", "", ""],
                      ["A-102", "", "步行街5号", "lakeside", "h1", 91, 120, ""]]
        residents = [RES_EN, ["A-999", "", "张三", "x", "head", "2090-01-01", "12345", "", "no-such-tag", ""]]
        needs = [NEED_EN, ["", "A-101", "", "no.such", "", 1, "", "soon", "not a date", "phone"]]
        result = self.post(good_workbook(Households=households, Residents=residents, Needs=needs)).context["result"]
        got = {(e.sheet, e.row, e.column) for e in result.errors}
        self.assertEqual(got, {
            ("Households", 2, "Community"), ("Households", 3, "Household name"), ("Households", 3, "Grid"),
            ("Households", 3, "Latitude"),
            ("Residents", 2, "Household ref"), ("Residents", 2, "Gender"), ("Residents", 2, "Birth date"),
            ("Residents", 2, "Phone"), ("Residents", 2, "Vulnerabilities"),
            ("Needs", 2, "Category"), ("Needs", 2, "Urgency"), ("Needs", 2, "Due by"), ("Needs", 2, "Source"),
        })

    def test_it_refuses_references_shaped_like_a_phone_or_id_number(self):
        self.login(self.bob)
        households = [HH_EN, ["13812345678", "张家", "湖滨路12号3单元502", "lakeside", "", "", "", ""],
                      [ZHANG_ID, "李家", "步行街5号", "lakeside", "", "", "", ""],
                      ["H003", "王家", "步行街6号", "lakeside", "", "", "", ""]]
        residents = [RES_EN, ["H003", "0571-87654321", "王五", "", "", "", "", "", "", ""],
                     ["138 1234 5678", "", "王六", "", "", "", "", "", "", ""]]
        needs = [NEED_EN, [LI_ID, "H003", "", "food.staple", "", 1, "", "", "", ""]]
        before = self.counts()
        result = self.post(good_workbook(Households=households, Residents=residents, Needs=needs)).context["result"]
        got = {(e.sheet, e.row, e.column) for e in result.errors}
        self.assertEqual(got, {("Households", 2, "Household ref"), ("Households", 3, "Household ref"),
                               ("Residents", 2, "Resident ref"), ("Residents", 3, "Household ref"),
                               ("Needs", 2, "Need ref")})
        for error in result.errors:
            self.assertIn("must not be a phone or ID number", error.message)
            for secret in ("13812345678", ZHANG_ID, LI_ID, "87654321"):
                self.assertNotIn(secret, error.message)
        self.assertEqual(self.counts(), before)

    def test_it_accepts_neutral_references(self):
        self.login(self.bob)
        households = [HH_EN, ["H001", "张家", "湖滨路12号3单元502", "lakeside", "", "", "", ""],
                      ["2024-001", "李家", "步行街5号", "lakeside", "", "", "", ""]]
        residents = [RES_EN, ["H001", "R-1", "张三", "", "", "", "", "", "", ""],
                     ["2024-001", "", "李四", "", "", "", "", "", "", ""]]
        needs = [NEED_EN]
        result = self.post(good_workbook(Households=households, Residents=residents, Needs=needs)).context["result"]
        self.assertEqual(result.errors, [])
        self.assertEqual(set(Household.objects.values_list("import_key", flat=True)), {"H001", "2024-001"})

    def test_it_reports_duplicates_within_the_file(self):
        self.login(self.bob)
        households = [HH_EN, ["A-101", "张家", "湖滨路12号", "lakeside", "", "", "", ""],
                      ["a-101", "张家", "湖滨路12号", "lakeside", "", "", "", ""]]
        residents = [RES_EN, ["A-101", "", "张三", "", "", "", "", ZHANG_ID, "", ""],
                     ["A-101", "", "张老三", "", "", "", "", ZHANG_ID, "", ""],
                     ["A-101", "", "王芳", "", "", "", "", "", "", ""],
                     ["A-101", "", "王 芳", "", "", "", "", "", "", ""]]
        needs = [NEED_EN, ["", "A-101", "", "food", "米", 1, "", "", "", ""],
                 ["", "A-101", "", "食品", "米", 2, "", "", "", ""]]
        result = self.post(good_workbook(Households=households, Residents=residents, Needs=needs)).context["result"]
        self.assertEqual([(e.sheet, e.row, e.column) for e in result.errors], [
            ("Households", 3, "Household ref"), ("Residents", 3, "ID number"), ("Residents", 5, "Name"),
            ("Needs", 3, ""),
        ])
        self.assertIn("row 2", result.errors[0].message)
        self.assertNotIn(ZHANG_ID, " ".join(e.message for e in result.errors))

    def test_it_refuses_an_id_number_of_another_household_in_the_database(self):
        home = make_household(self.station, community=self.lakeside)
        make_resident(home, name="张三", id_number=ZHANG_ID)
        self.login(self.bob)
        result = self.post(good_workbook()).context["result"]
        self.assertEqual([(e.sheet, e.row, e.column) for e in result.errors], [("Residents", 2, "ID number")])
        self.assertNotIn(ZHANG_ID, result.errors[0].message)
        self.assertEqual(Household.objects.count(), 1)

    def test_it_reports_a_household_recorded_under_another_reference(self):
        home = make_household(self.station, community=self.lakeside, name="张家", address="湖滨路 12号3单元502")
        self.login(self.bob)
        result = self.post(good_workbook()).context["result"]
        self.assertEqual([(e.sheet, e.row, e.column) for e in result.errors], [("Households", 2, "Household ref")])
        self.assertIn(f"#{home.pk}", result.errors[0].message)

    def test_it_reports_a_likely_duplicate_unless_confirmed(self):
        home = make_household(self.station, community=self.lakeside, name="王家")
        make_resident(home, name="王芳", phone="13900001111")
        self.login(self.bob)
        residents = [RES_EN, ["A-101", "", "王芳", "", "", "", "13900001111", "", "", ""]]
        data = good_workbook(Residents=residents, Needs=[NEED_EN])
        result = self.post(data).context["result"]
        self.assertEqual([(e.sheet, e.row) for e in result.errors], [("Residents", 2)])
        self.assertEqual(Resident.objects.count(), 1)
        result = self.post(data, confirm_duplicates="on").context["result"]
        self.assertEqual(result.errors, [])
        self.assertEqual(Resident.objects.count(), 2)

    def test_reimporting_the_same_file_changes_nothing(self):
        self.login(self.bob)
        self.post(good_workbook())
        before = self.counts()
        result = self.post(good_workbook()).context["result"]
        self.assertEqual(result.errors, [])
        self.assertEqual({s: (c.created, c.updated, c.unchanged) for s, c in result.counts.items()},
                         {"households": (0, 0, 2), "residents": (0, 0, 3), "needs": (0, 0, 2)})
        self.assertEqual(self.counts(), before)

    def test_a_changed_cell_updates_only_that_record(self):
        self.login(self.bob)
        self.post(good_workbook())
        before = self.counts()
        households = [HH_EN, ["A-101", "张家", "湖滨路12号3单元502", "lakeside", "g1", 30.1, 120.1, "一楼"]]
        result = self.post(good_workbook(Households=households)).context["result"]
        self.assertEqual(result.errors, [])
        self.assertEqual((result.counts["households"].updated, result.counts["households"].unchanged), (1, 0))
        self.assertEqual(Household.objects.get(import_key="A-101").notes, "一楼")
        self.assertEqual(self.counts()[:3], before[:3])

    def test_a_dry_run_writes_nothing(self):
        self.login(self.bob)
        before = self.counts()
        result = self.post(good_workbook(), dry_run="on").context["result"]
        self.assertEqual((result.errors, result.created, result.dry_run), ([], 7, True))
        self.assertEqual(self.counts(), before)

    def test_it_imports_a_gb18030_csv_of_needs_for_recorded_households(self):
        home = make_household(self.station, community=self.hillside)
        self.login(self.carol)  # coordinators may import needs
        rows = [["户编号", "类别", "数量", "紧急程度", "描述"], [f"#{home.pk}", "口罩", "30", "较急", "给老人的口罩"]]
        result = self.post(csv_bytes(rows, "gb18030"), "需求.csv").context["result"]
        self.assertEqual(result.errors, [])
        need = Need.objects.get()
        self.assertEqual((need.household, need.quantity, need.urgency, need.description),
                         (home, 30, "high", "给老人的口罩"))
        result = self.post(csv_bytes(rows, "gb18030"), "需求.csv").context["result"]
        self.assertEqual((result.created, result.unchanged), (0, 1))

    def test_a_coordinator_may_not_import_households(self):
        self.login(self.carol)
        result = self.post(good_workbook()).context["result"]
        self.assertEqual(len(result.errors), 1)
        self.assertIn("Only admins and social workers", result.errors[0].message)
        self.assertFalse(Household.objects.exists())

    def test_it_refuses_unknown_sheets_and_columns(self):
        self.login(self.bob)
        data = workbook({"Households": [HH_EN + ["Shoe size"], ["A-1", "x", "y", "lakeside", "", "", "", "", "42"]],
                         "Pets": [["Breed"], ["Collie"]]})
        result = self.post(data).context["result"]
        self.assertEqual([(e.sheet, e.column) for e in result.errors], [("Pets", "")])
        data = workbook({"Households": [HH_EN + ["Shoe size"], ["A-1", "x", "y", "lakeside", "", "", "", "", "42"]]})
        result = self.post(data).context["result"]
        self.assertEqual([(e.sheet, e.row, e.column) for e in result.errors], [("Households", 1, "Shoe size")])


class PeopleImportAccessTests(InteropTestCase):
    def test_a_viewer_gets_403(self):
        self.login(self.victor)
        self.assertEqual(self.client.get(URL).status_code, 403)
        response = self.client.post(URL, {"file": SimpleUploadedFile("p.xlsx", good_workbook())})
        self.assertEqual(response.status_code, 403)
        self.assertFalse(Household.objects.exists())

    def test_an_outsider_cannot_import_into_another_station(self):
        from django.http import Http404

        from resourcelink.interop.people_io import people_import

        with self.assertRaises(Http404):
            people_import(actor=self.oscar, station=self.station, file=good_workbook(), filename="p.xlsx")
        self.assertFalse(Household.objects.exists())

    def test_an_outsider_cannot_reach_another_stations_household_by_number(self):
        home = make_household(self.station, community=self.lakeside)
        self.login(self.oscar)
        rows = [["Household ref", "Category"], [f"#{home.pk}", "food"]]
        result = self.client.post(URL, {"file": SimpleUploadedFile("n.csv", csv_bytes(rows))}).context["result"]
        self.assertEqual([(e.row, e.column) for e in result.errors], [(2, "Household ref")])
        self.assertFalse(Need.objects.exists())

    def test_every_page_needs_a_login(self):
        for name in ("people_import", "people_template", "people_export"):
            response = self.client.get(reverse(f"interop:{name}"))
            self.assertEqual(response.status_code, 302, name)
