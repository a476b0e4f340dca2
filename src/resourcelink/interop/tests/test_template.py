from django.urls import reverse

from resourcelink.interop.resource_io import COLUMNS

from .base import InteropTestCase, read_xlsx, sheet_names

URL = reverse("interop:resource_template")


class TemplateTests(InteropTestCase):
    def test_it_downloads_the_template_in_english(self):
        self.login(self.victor)
        response = self.client.get(URL, HTTP_ACCEPT_LANGUAGE="en")
        self.assertEqual(response.status_code, 200)
        self.assertIn("attachment;", response["Content-Disposition"])
        self.assertEqual(sheet_names(response.content), ["Resources", "Help"])
        self.assertEqual(read_xlsx(response.content)[0], [c.en for c in COLUMNS])
        self.assertEqual(len(read_xlsx(response.content)), 1)  # no data rows to import by mistake
        help_cells = {str(v) for row in read_xlsx(response.content, 1) for v in row if v is not None}
        self.assertTrue({"protection.masks", "Masks", "口罩", "lakeside", "Lakeside", "g1", "Grid one",
                         "Person or talent", "Volunteer barbers"} <= help_cells)

    def test_it_downloads_the_template_in_chinese(self):
        self.login(self.bob)
        response = self.client.get(URL, HTTP_ACCEPT_LANGUAGE="zh-hans")
        self.assertEqual(sheet_names(response.content), ["资源", "说明"])
        self.assertEqual(read_xlsx(response.content)[0], [c.zh for c in COLUMNS])
        help_cells = {str(v) for row in read_xlsx(response.content, 1) for v in row if v is not None}
        self.assertTrue({"步行街社区", "一网格", "人员与人才", "爱心理发志愿队"} <= help_cells)

    def test_the_help_lists_only_the_users_station(self):
        self.login(self.oscar)
        response = self.client.get(URL, HTTP_ACCEPT_LANGUAGE="en")
        help_cells = {str(v) for row in read_xlsx(response.content, 1) for v in row if v is not None}
        self.assertNotIn("Lakeside", help_cells)
        self.assertNotIn("lakeside", help_cells)
