"""Importing catalogue items from XLSX and CSV through the import page:
headers in either language, GB18030 CSV, errors by row and column with
nothing written, and a second upload of the same file changing nothing."""

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from resourcelink.core.testing import StationTestCase
from resourcelink.inventory.models import Item
from resourcelink.inventory.testing import get_item
from resourcelink.taxonomy.models import Category

URL = reverse("inventory:item_import")
EN = ["Code", "Chinese name", "English name", "Category code", "Unit", "Pack size", "Notes"]
ZH = ["代码", "中文名称", "英文名称", "类别代码", "单位", "每包数量", "备注"]


def xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(rows, encoding="utf-8-sig") -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


def snapshot(station):
    return {i.code: (i.name_zh_hans, i.name_en, i.category.code, i.unit, i.pack_size, i.notes, i.updated_on)
            for i in Item.objects.filter(station=station).select_related("category")}


class CatalogueImportTests(StationTestCase):
    def upload(self, data: bytes, name="catalogue.xlsx", user=None, **extra):
        self.login(user or self.alice)
        return self.client.post(URL, {"file": SimpleUploadedFile(name, data), **extra})

    def errors(self, response):
        return [e.as_tuple() for e in response.context["result"].errors]

    def counts(self, response):
        result = response.context["result"]
        self.assertTrue(result.ok, result.errors)
        return (result.created, result.updated, result.unchanged)

    def test_it_adds_and_updates_items_by_code(self):
        rice = get_item(self.station, "rice")
        data = xlsx([EN,
                     ["soap", "肥皂", "Soap", "daily", "块", 4, "洗手用"],
                     ["MASKS", "医用口罩", "Surgical masks", "protection.masks", "只", 50, None],
                     ["rice", rice.name_zh_hans, rice.name_en, "food.staple", rice.unit, rice.pack_size, ""]])
        r = self.upload(data)
        self.assertEqual(r.status_code, 200)
        self.assertEqual(self.counts(r), (1, 1, 1))
        self.assertContains(r, "import-summary")
        soap = Item.objects.get(station=self.station, code="soap")
        self.assertEqual((soap.name_zh_hans, soap.name_en, soap.category.code, soap.unit, soap.pack_size, soap.notes,
                          soap.created_by), ("肥皂", "Soap", "daily", "块", 4, "洗手用", self.alice))
        masks = get_item(self.station, "masks")
        self.assertEqual(masks.name_en, "Surgical masks")
        self.assertEqual(masks.history.latest().history_change_reason, "Imported from catalogue.xlsx")
        self.assertEqual(rice.history.count(), get_item(self.station, "rice").history.count())

    def test_reimporting_the_same_file_changes_nothing(self):
        data = xlsx([EN, ["soap", "肥皂", "Soap", "daily", "块", 4, ""],
                     ["masks", "医用口罩", "Surgical masks", "protection.masks", "只", 50, ""]])
        self.assertEqual(self.counts(self.upload(data)), (1, 1, 0))
        before = snapshot(self.station)
        history = Item.history.count()
        self.assertEqual(self.counts(self.upload(data)), (0, 0, 2))
        self.assertEqual(snapshot(self.station), before)
        self.assertEqual(Item.history.count(), history)

    def test_it_reads_chinese_headers_and_category_names(self):
        data = xlsx([ZH, ["帐篷", "帐篷", "Tents", "防护用品", "顶", "", ""]])
        tent = Category.objects.get(station=self.station, code="protection")
        self.assertEqual(tent.name_zh_hans, "防护用品")
        r = self.upload(xlsx([ZH, ["tents", "帐篷", "Tents", "防护用品", "顶", "", ""]]))
        self.assertEqual(self.counts(r), (1, 0, 0))
        item = Item.objects.get(station=self.station, code="tents")
        self.assertEqual((item.category, item.unit, item.pack_size), (tent, "顶", 1))
        # The code "帐篷" is refused: codes are letters, digits, - and _.
        r = self.upload(data)
        self.assertEqual(self.errors(r), [(2, "代码", "Use only letters, digits, “-” and “_” in a code.")])

    def test_it_reads_a_gb18030_csv(self):
        data = csv_bytes([ZH, ["tea", "茶叶", "Tea", "food.staple", "盒", "10", "绿茶"],
                          ["masks", "一次性口罩", "Medical masks", "protection.masks", "只", "50", ""]],
                         encoding="gb18030")
        with self.assertRaises(UnicodeDecodeError):
            data.decode("utf-8")
        r = self.upload(data, name="物资.csv")
        self.assertEqual(self.counts(r), (1, 1, 0))
        tea = Item.objects.get(station=self.station, code="tea")
        self.assertEqual((tea.name_zh_hans, tea.unit, tea.pack_size, tea.notes), ("茶叶", "盒", 10, "绿茶"))
        self.assertEqual(get_item(self.station, "masks").name_zh_hans, "一次性口罩")

    def test_it_lists_every_problem_by_row_and_column_and_writes_nothing(self):
        before = snapshot(self.station)
        data = xlsx([EN,
                     ["good", "好东西", "Good thing", "daily", "个", 1, ""],
                     ["bad code", "坏", "Bad", "daily", "个", 1, ""],
                     ["ufo", "飞碟", "UFO", "no.such.category", "个", "many", ""],
                     ["zero", "零", "", "daily", "个", 0, ""],
                     [None, "无代码", "No code", "daily", "个", 1, ""],
                     ["GOOD", "好东西", "Good thing", "daily", "个", 1, ""],
                     ["masks", "", "Masks", "daily", "", 1, ""]])
        r = self.upload(data)
        self.assertEqual(r.status_code, 400)
        self.assertContains(r, "Nothing was imported", status_code=400)
        self.assertEqual(self.errors(r), [
            (3, "Code", "Use only letters, digits, “-” and “_” in a code."),
            (4, "Category code", "Unknown category “no.such.category”: use a code from the template's help sheet."),
            (4, "Pack size", "Enter a whole number, 1 or more."),
            (5, "English name", "This value is needed."),
            (5, "Pack size", "Enter a whole number, 1 or more."),
            (6, "Code", "A code is needed."),
            (7, "Code", "This row repeats row 2 (the same code)."),
            (8, "Chinese name", "This value is needed."),
            (8, "Unit", "This value is needed."),
        ])
        self.assertEqual(snapshot(self.station), before)

    def test_it_refuses_a_retired_category_for_an_item_that_does_not_have_it(self):
        from resourcelink.taxonomy.services import category_retire

        category_retire(actor=self.alice, category=Category.objects.get(station=self.station, code="daily.cooling"))
        fans = get_item(self.station, "fans")
        # Fans keep their retired category; a new item may not take it.
        r = self.upload(xlsx([EN, ["fans", "电扇", "Fans", "daily.cooling", "台", 1, ""],
                              ["heater", "取暖器", "Heater", "daily.cooling", "台", 1, ""]]))
        self.assertEqual(self.errors(r), [(3, "Category code", "This category is retired: choose another.")])
        self.assertEqual(get_item(self.station, "fans").name_zh_hans, fans.name_zh_hans)

    def test_it_reports_bad_headers_and_broken_files(self):
        r = self.upload(xlsx([["Name", "Colour"], ["口罩", "蓝"]]))
        self.assertEqual(self.errors(r), [
            (1, "Name", "Unknown column. Use the headers of the template."),
            (1, "Colour", "Unknown column. Use the headers of the template."),
            (1, "", "The file has no “Code” column."),
        ])
        r = self.upload(xlsx([["Code", "Unit"], ["soap", "块"]]))
        self.assertEqual([e[1:] for e in self.errors(r)], [
            ("Chinese name", "The file has no “Chinese name” column: it is needed for a new item."),
            ("English name", "The file has no “English name” column: it is needed for a new item."),
            ("Category code", "The file has no “Category code” column: it is needed for a new item."),
        ])
        # A file of only some columns updates those columns of existing items.
        self.assertEqual(self.counts(self.upload(xlsx([["Code", "Unit"], ["masks", "盒"]]))), (0, 1, 0))
        self.assertEqual(get_item(self.station, "masks").unit, "盒")
        r = self.upload(b"PK\x03\x04 this is no workbook", name="broken.xlsx")
        self.assertEqual(r.status_code, 400)
        (error,) = self.errors(r)
        self.assertIn("not a readable Excel workbook", error[2])
        r = self.upload(xlsx([EN]))
        self.assertEqual(self.errors(r), [(None, "", "The file has a header but no rows.")])
        r = self.upload(b"hello", name="notes.pdf")
        self.assertTrue(r.context["form"].errors["file"])

    def test_a_dry_run_checks_and_writes_nothing(self):
        before = snapshot(self.station)
        r = self.upload(xlsx([EN, ["soap", "肥皂", "Soap", "daily", "块", 4, ""]]), dry_run="on")
        self.assertEqual(self.counts(r), (1, 0, 0))
        self.assertContains(r, "The file is correct")
        self.assertEqual(snapshot(self.station), before)

    def test_the_downloaded_catalogue_imports_back_unchanged(self):
        self.login(self.victor)
        r = self.client.get(reverse("inventory:catalogue_export"))
        self.assertEqual(r.status_code, 200)
        data = b"".join(r.streaming_content)
        sheet = load_workbook(io.BytesIO(data)).worksheets[0]
        rows = list(sheet.values)
        self.assertEqual(list(rows[0]), EN)
        self.assertEqual(len(rows), 13)
        self.assertIn(("masks", "医用口罩", "Medical masks", "protection.masks", "只", 50, None), rows)
        history = Item.history.count()
        self.assertEqual(self.counts(self.upload(data)), (0, 0, 12))
        self.assertEqual(Item.history.count(), history)

    def test_only_admins_import(self):
        data = xlsx([EN, ["soap", "肥皂", "Soap", "daily", "块", 4, ""]])
        for user in (self.bob, self.carol, self.victor):
            self.login(user)
            self.assertEqual(self.client.get(URL).status_code, 403)
            self.assertEqual(self.upload(data, user=user).status_code, 403)
        self.assertFalse(Item.objects.filter(code="soap").exists())

    def test_an_outsider_imports_into_their_own_station_only(self):
        ours = snapshot(self.station)
        r = self.upload(xlsx([EN, ["masks", "北山口罩", "Beishan masks", "protection.masks", "只", 50, ""]]),
                        user=self.oscar)
        self.assertEqual(self.counts(r), (0, 1, 0))
        self.assertEqual(get_item(self.other_station, "masks").name_zh_hans, "北山口罩")
        self.assertEqual(snapshot(self.station), ours)
