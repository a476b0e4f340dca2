import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from resourcelink.interop.models import ExportLog
from resourcelink.needs.testing import make_need
from resourcelink.people.models import Household, Resident
from resourcelink.people.testing import make_household, make_resident
from resourcelink.taxonomy.models import Category

from .base import InteropTestCase, read_xlsx, sheet_names
from .test_people_import import ZHANG_ID

URL = reverse("interop:people_export")


class PeopleExportTests(InteropTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.home = make_household(cls.station, community=cls.lakeside, name="张家", address="湖滨路12号3单元502",
                                  latitude=30.1, longitude=120.1, notes="二楼")
        cls.zhang = make_resident(cls.home, name="张三", phone="13812345678", id_number=ZHANG_ID,
                                  birth_date=dt.date(1950, 1, 1), notes="行动不便")
        cls.need = make_need(household=cls.home, resident=cls.zhang,
                             category=Category.objects.get(station=cls.station, code="food.staple"),
                             description="大米", quantity=2)
        cls.other_home = make_household(cls.other_station, name="北山户", address="北山路1号")

    def get(self, **params):
        return self.client.get(URL, params, HTTP_ACCEPT_LANGUAGE="en")

    def post(self, **data):
        return self.client.post(URL, data, HTTP_ACCEPT_LANGUAGE="en")

    def all_text(self, content: bytes) -> str:
        return " ".join(str(v) for i in range(3) for row in read_xlsx(content, i) for v in row if v is not None)

    def test_it_exports_a_masked_workbook_for_staff(self):
        self.login(self.bob)
        response = self.get(format="xlsx", sheet="all")
        self.assertEqual(response.status_code, 200)
        self.assertIn("attachment", response["Content-Disposition"])
        self.assertEqual(sheet_names(response.content), ["Households", "Residents", "Needs"])
        households = read_xlsx(response.content, 0)
        self.assertEqual(households[0], ["Household ref", "Household name", "Address", "Community", "Grid"])
        self.assertEqual(households[1][:4], [f"#{self.home.pk}", "张*", "湖滨路12号***", "Lakeside"])
        residents = read_xlsx(response.content, 1)
        row = dict(zip(residents[0], residents[1], strict=False))
        self.assertEqual((row["Name"], row["Phone"], row["Birth date"], row["ID number"]),
                         ("张*", "138****5678", 1950, "330*************" + ZHANG_ID[-2:]))
        self.assertNotIn("Notes", residents[0])
        needs = read_xlsx(response.content, 2)
        row = dict(zip(needs[0], needs[1], strict=False))
        self.assertEqual((row["Need ref"], row["Resident"], row["Category"], row["Quantity"]),
                         (f"#{self.need.pk}", "张*", "Staple food and cooking oil", 2))
        text = self.all_text(response.content)
        for secret in ("张三", "张家", ZHANG_ID, "13812345678", "1950-01-01", "行动不便", "二楼", "北山户"):
            self.assertNotIn(secret, text)
        self.assertFalse(ExportLog.objects.exists())

    def test_a_coordinator_gets_masked_data_too(self):
        self.login(self.carol)
        response = self.get(format="csv", sheet="residents")
        self.assertEqual(response.status_code, 200)
        text = response.content.decode("utf-8-sig")
        self.assertIn("张*", text)
        self.assertNotIn("张三", text)
        self.assertNotIn(ZHANG_ID, text)

    def test_a_masked_export_imported_back_changes_nothing(self):
        self.login(self.bob)
        content = self.get(format="xlsx", sheet="all").content
        before = (Household.history.count(), Resident.history.count())
        response = self.client.post(reverse("interop:people_import"),
                                    {"file": SimpleUploadedFile("export.xlsx", content)})
        result = response.context["result"]
        self.assertEqual(result.errors, [])
        self.assertEqual((result.created, result.updated, result.unchanged), (0, 0, 3))
        self.assertEqual((Household.history.count(), Resident.history.count()), before)
        self.zhang.refresh_from_db()
        self.assertEqual((self.zhang.name, self.zhang.birth_date, self.zhang.phone), ("张三", dt.date(1950, 1, 1),
                                                                                     "13812345678"))

    def test_an_admin_exports_personal_data_with_a_reason_and_it_is_logged(self):
        self.login(self.alice)
        response = self.post(format="xlsx", sheet="all", personal="on", reason="Handover to the street office")
        self.assertEqual(response.status_code, 200)
        text = self.all_text(response.content)
        for value in ("张三", "张家", ZHANG_ID, "13812345678", "1950-01-01", "行动不便", "二楼"):
            self.assertIn(value, text)
        log = ExportLog.objects.get()
        self.assertEqual((log.station, log.user, log.reason, log.rows, log.file_format),
                         (self.station, self.alice, "Handover to the street office", 3, "xlsx"))
        self.assertIn("residents.id_number", log.fields)

    def test_a_personal_export_without_a_reason_is_refused(self):
        self.login(self.alice)
        response = self.post(format="xlsx", sheet="all", personal="on", reason="  ")
        self.assertEqual(response.status_code, 400)
        self.assertIn("reason", response.context["form"].errors)
        self.assertFalse(ExportLog.objects.exists())

    def test_only_admins_may_export_personal_data(self):
        for user in (self.bob, self.carol, self.victor):
            self.login(user)
            response = self.post(format="xlsx", sheet="all", personal="on", reason="why not")
            self.assertEqual(response.status_code, 403, user)
        self.assertFalse(ExportLog.objects.exists())

    def test_a_get_never_exports_personal_data(self):
        self.login(self.alice)
        response = self.get(format="csv", sheet="residents", personal="on", reason="x")
        self.assertNotIn("张三", response.content.decode("utf-8-sig"))
        self.assertFalse(ExportLog.objects.exists())

    def test_a_viewer_gets_403_on_households_and_residents(self):
        self.login(self.victor)
        for sheet in ("all", "households", "residents"):
            self.assertEqual(self.get(format="xlsx", sheet=sheet).status_code, 403, sheet)
            self.assertEqual(self.post(format="xlsx", sheet=sheet).status_code, 403, sheet)

    def test_a_viewers_need_export_has_no_personal_data(self):
        self.login(self.victor)
        response = self.get(format="csv", sheet="needs")
        self.assertEqual(response.status_code, 200)
        text = response.content.decode("utf-8-sig")
        header = text.splitlines()[0].split(",")
        self.assertEqual(header, ["Need ref", "Community", "Grid", "Category", "Quantity", "Unit", "Urgency",
                                  "Due by", "Source", "Status"])
        self.assertIn("Staple food", text)
        for secret in ("张", "大米", "Household"):
            self.assertNotIn(secret, text)
        page = self.client.get(URL)
        self.assertEqual(page.status_code, 200)
        self.assertNotContains(page, "Include personal data")

    def test_it_writes_neutral_references_and_never_one_shaped_like_a_phone_or_id_number(self):
        Household.objects.filter(pk=self.home.pk).update(import_key="H001")
        self.login(self.carol)
        households = read_xlsx(self.get(format="xlsx", sheet="all").content, 0)
        self.assertEqual(households[1][0], "H001")
        # Stored before such refs were refused: the file gives the number instead.
        Household.objects.filter(pk=self.home.pk).update(import_key="13812345678")
        Resident.objects.filter(pk=self.zhang.pk).update(import_key=ZHANG_ID)
        text = self.all_text(self.get(format="xlsx", sheet="all").content)
        self.assertNotIn("13812345678", text)
        self.assertNotIn(ZHANG_ID, text)
        self.assertIn(f"#{self.home.pk}", text)
        self.assertIn(f"#{self.zhang.pk}", text)

    def test_a_viewer_gets_no_reference_a_person_wrote(self):
        from resourcelink.needs.models import Need

        Need.objects.filter(pk=self.need.pk).update(import_key="张家-米")
        self.login(self.carol)
        self.assertIn("张家-米", self.get(format="csv", sheet="needs").content.decode("utf-8-sig"))
        self.login(self.victor)
        text = self.get(format="csv", sheet="needs").content.decode("utf-8-sig")
        self.assertNotIn("张家-米", text)
        self.assertIn(f"#{self.need.pk}", text)

    def test_an_outsider_exports_only_his_own_station(self):
        self.login(self.oscar)
        response = self.get(format="xlsx", sheet="all")
        text = self.all_text(response.content)
        self.assertIn("北*", text)
        self.assertNotIn("张*", text)

    def test_the_form_page_and_a_bad_format(self):
        self.login(self.bob)
        self.assertContains(self.client.get(URL), "Include personal data")
        self.assertEqual(self.get(format="pdf", sheet="all").status_code, 400)
        self.assertEqual(self.get(format="csv", sheet="all").status_code, 400)


class PeopleTemplateTests(InteropTestCase):
    def test_it_gives_a_workbook_with_three_sheets_and_help(self):
        self.login(self.victor)
        response = self.client.get(reverse("interop:people_template"), HTTP_ACCEPT_LANGUAGE="zh-hans")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(sheet_names(response.content), ["户", "居民", "需求", "说明"])
        self.assertEqual(read_xlsx(response.content, 0)[0][:3], ["户编号", "户名", "地址"])
        help_text = " ".join(str(v) for row in read_xlsx(response.content, 3) for v in row if v)
        self.assertIn("独居老人", help_text)
        self.assertIn("lakeside", help_text)
        self.assertIn("H001", help_text)
        self.assertNotIn("张家", help_text)  # a household name is personal: no example suggests one as a ref

    def test_the_english_help_suggests_neutral_references(self):
        self.login(self.bob)
        response = self.client.get(reverse("interop:people_template"), HTTP_ACCEPT_LANGUAGE="en")
        help_text = " ".join(str(v) for row in read_xlsx(response.content, 3) for v in row if v)
        self.assertIn("H001", help_text)
        self.assertNotIn("Zhang family", help_text)

    def test_the_template_imports_back_as_an_empty_file(self):
        self.login(self.bob)
        content = self.client.get(reverse("interop:people_template"), HTTP_ACCEPT_LANGUAGE="en").content
        response = self.client.post(reverse("interop:people_import"),
                                    {"file": SimpleUploadedFile("t.xlsx", content)}, HTTP_ACCEPT_LANGUAGE="en")
        self.assertEqual([e.message for e in response.context["result"].errors], ["The file has a header but no rows."])
