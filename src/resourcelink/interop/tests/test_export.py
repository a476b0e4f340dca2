import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from resourcelink.directory.models import Resource
from resourcelink.interop.spreadsheets import read_table

from .base import InteropTestCase, read_xlsx

URL = reverse("interop:resource_export")


class ExportTests(InteropTestCase):
    def setUp(self):
        self.make_resources()

    def export(self, lang="en", **params):
        return self.client.get(URL, params, HTTP_ACCEPT_LANGUAGE=lang)

    def test_it_exports_xlsx_with_english_headers_and_phones_masked_even_for_staff(self):
        self.login(self.bob)
        response = self.export(format="xlsx")
        self.assertEqual(response.status_code, 200)
        self.assertIn("attachment;", response["Content-Disposition"])
        self.assertIn(".xlsx", response["Content-Disposition"])
        rows = read_xlsx(response.content)
        header = rows[0]
        self.assertEqual(header[:4], ["UUID", "Name", "Kind", "Categories"])
        by_name = {r[1]: dict(zip(header, r, strict=False)) for r in rows[1:]}
        self.assertEqual(set(by_name), {"Volunteer barbers", "口罩储备"})
        barbers = by_name["Volunteer barbers"]
        self.assertEqual(barbers["UUID"], str(self.barbers.uuid))
        self.assertEqual(barbers["Kind"], "Person or talent")
        self.assertEqual(barbers["Categories"], "Food")
        self.assertEqual((barbers["Community"], barbers["Grid"]), ("Lakeside", "Grid one"))
        self.assertEqual(barbers["Contact phone"], "138****5678")  # masked even for staff
        self.assertEqual(by_name["口罩储备"]["Quantity"], 500)

    def test_it_exports_csv_with_chinese_headers_filtered_and_masked_for_a_viewer(self):
        self.login(self.victor)
        response = self.export(lang="zh-hans", format="csv", kind="material")
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response["Content-Type"].startswith("text/csv"))
        table = read_table(response.content, "x.csv")
        self.assertEqual(table.header[:4], ["唯一编号", "名称", "类型", "类别"])
        self.assertEqual(len(table.rows), 1)
        row = dict(zip(table.header, table.rows[0][1], strict=False))
        self.assertEqual((row["名称"], row["类型"], row["类别"]), ("口罩储备", "物资", "口罩"))
        self.assertEqual(row["联系电话"], "139****4321")
        self.assertNotIn(b"13987654321", response.content)

    def test_it_filters_like_the_list(self):
        self.login(self.bob)
        rows = read_xlsx(self.export(community=self.lakeside.pk).content)
        self.assertEqual([r[1] for r in rows[1:]], ["Volunteer barbers"])
        rows = read_xlsx(self.export(category=self.masks.pk, format="xlsx").content)
        self.assertEqual([r[1] for r in rows[1:]], ["口罩储备"])

    def test_invalid_parameters_give_a_400_page(self):
        self.login(self.bob)
        self.assertEqual(self.export(kind="spaceship").status_code, 400)
        self.assertEqual(self.export(near_lat="30").status_code, 400)
        self.assertEqual(self.export(format="pdf").status_code, 400)

    def test_export_then_import_changes_nothing_and_an_edit_updates(self):
        self.login(self.bob)
        exported = self.export(lang="zh-hans").content
        response = self.client.post(reverse("interop:resource_import"),
                                    {"file": SimpleUploadedFile("export.xlsx", exported)})
        result = response.context["result"]
        self.assertEqual(result.errors, [])
        self.assertEqual((result.created, result.updated, result.unchanged), (0, 0, 2))
        workbook = load_workbook(io.BytesIO(exported))
        sheet = workbook.worksheets[0]
        for row in sheet.iter_rows(min_row=2):
            if row[1].value == "口罩储备":
                row[14].value = 450
        out = io.BytesIO()
        workbook.save(out)
        result = self.client.post(reverse("interop:resource_import"),
                                  {"file": SimpleUploadedFile("edited.xlsx", out.getvalue())}).context["result"]
        self.assertEqual((result.created, result.updated, result.unchanged), (0, 1, 1))
        self.assertEqual(Resource.objects.get(pk=self.masks_pile.pk).quantity, 450)

    def test_a_masked_export_imported_back_keeps_the_real_phones(self):
        self.login(self.carol)  # a coordinator may import but sees masked phones
        exported = self.export(format="csv").content
        self.assertIn(b"138****5678", exported)
        result = self.client.post(reverse("interop:resource_import"),
                                  {"file": SimpleUploadedFile("export.csv", exported)}).context["result"]
        self.assertEqual((result.errors, result.unchanged), ([], 2))
        self.assertEqual(Resource.objects.get(pk=self.barbers.pk).contact_phone, "13812345678")

    def test_an_outsider_exports_only_his_own_station(self):
        self.login(self.oscar)
        rows = read_xlsx(self.export().content)
        self.assertEqual([r[1] for r in rows[1:]], ["Oscar's hall"])
        # Filter ids from another station are rejected, not honoured.
        self.assertEqual(self.export(community=self.lakeside.pk).status_code, 400)

    def test_it_needs_a_login(self):
        self.assertEqual(self.export().status_code, 302)
