from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.urls import reverse

from resourcelink.directory.models import Resource
from resourcelink.interop.resource_io import resources_import

from .base import InteropTestCase, csv_bytes

URL = reverse("interop:resource_import")
FILE = csv_bytes([["Name", "Kind"], ["Oscar's import", "venue"]])


class AccessTests(InteropTestCase):
    def test_a_viewer_cannot_import(self):
        self.login(self.victor)
        self.assertEqual(self.client.get(URL).status_code, 403)
        response = self.client.post(URL, {"file": SimpleUploadedFile("r.csv", FILE)})
        self.assertEqual(response.status_code, 403)
        self.assertFalse(Resource.objects.filter(name="Oscar's import").exists())

    def test_an_outsider_cannot_import_into_another_station(self):
        with self.assertRaises(Http404):
            resources_import(actor=self.oscar, station=self.station, file=FILE, filename="r.csv")
        self.assertFalse(Resource.objects.filter(name="Oscar's import").exists())

    def test_an_outsider_imports_only_into_his_own_station(self):
        self.login(self.oscar)
        response = self.client.post(URL, {"file": SimpleUploadedFile("r.csv", FILE)})
        self.assertEqual(response.context["result"].created, 1)
        self.assertEqual(Resource.objects.get(name="Oscar's import").station, self.other_station)
        self.assertFalse(Resource.objects.filter(station=self.station).exists())

    def test_an_outsider_cannot_update_another_stations_resource_by_uuid(self):
        self.make_resources()
        self.login(self.oscar)
        data = csv_bytes([["UUID", "Name", "Kind"], [str(self.barbers.uuid), "Taken over", "venue"]])
        result = self.client.post(URL, {"file": SimpleUploadedFile("r.csv", data)}).context["result"]
        self.assertEqual(len(result.errors), 1)
        self.assertEqual(result.errors[0].row, 2)
        self.barbers.refresh_from_db()
        self.assertEqual(self.barbers.name, "Volunteer barbers")

    def test_every_endpoint_needs_a_login(self):
        for name in ("resource_import", "resource_template", "resource_export"):
            response = self.client.get(reverse(f"interop:{name}"))
            self.assertEqual(response.status_code, 302, name)
            self.assertIn("/accounts/", response["Location"])
