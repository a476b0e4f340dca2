from resourcelink.core.models import Reveal
from resourcelink.people.models import Resident

from .people_base import ID_NUMBER, PeopleApiTestCase

URL = "/api/v1/residents"


class ResidentApiTests(PeopleApiTestCase):
    def detail(self, pk=None):
        return f"{URL}/{pk or self.zhang.pk}"

    def test_it_masks_residents_for_every_role(self):
        for user in (self.alice, self.bob, self.carol):
            response = self.get(URL, user)
            self.assertEqual(response.status_code, 200)
            row = response.json()["results"][0]
            self.assertEqual((row["name"], row["phone"], row["id_number"], row["birth_year"]),
                             ("张*", "138****5678", "330*************" + ID_NUMBER[-2:], 1950))
            self.assertEqual([t["code"] for t in row["tags"]], ["elderly_alone"])
            self.assertEqual(row["household"], self.home.pk)
            text = response.content.decode()
            for secret in ("张三", ID_NUMBER, "13812345678", "1950-01-01"):
                self.assertNotIn(secret, text)

    def test_a_viewer_sees_no_personal_data(self):
        for url in (URL, self.detail()):
            response = self.get(url, self.victor)
            self.assertEqual(response.status_code, 200)
            self.assertNoPersonalData(response)
        row = self.get(self.detail(), self.victor).json()
        self.assertEqual((row["name"], row["phone"], row["id_number"], row["birth_year"], row["tags"]),
                         (None, None, None, None, None))

    def test_an_outsider_gets_404(self):
        self.assertError(self.get(self.detail(), self.oscar), 404)
        self.assertError(self.get(URL, self.oscar, station=self.station.pk), 404)
        self.assertError(self.patch(self.detail(), self.oscar, {"notes": "x"}), 404)
        self.assertError(self.post(f"{self.detail()}/reveal", self.oscar, {"field": "phone"}), 404)
        self.assertError(self.post(URL, self.oscar, {"household": self.home.pk, "name": "x"}), 404)

    def test_staff_register_and_change_residents(self):
        response = self.post(URL, self.bob, {"household": self.home.pk, "name": "王芳", "gender": "female",
                                             "relation": "spouse", "birth_year": 1953, "phone": "139 0000 1111",
                                             "tags": ["disability"]})
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual((body["name"], body["phone"], body["birth_year"]), ("王*", "139****1111", 1953))
        wang = Resident.objects.get(pk=body["id"])
        self.assertEqual((wang.phone, [t.code for t in wang.tags.all()]), ("13900001111", ["disability"]))
        response = self.patch(self.detail(wang.pk), self.bob, {"tags": [], "relation": "head"})
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["tags"], [])

    def test_it_refuses_bad_values_and_never_echoes_the_id_number(self):
        wrong = ID_NUMBER[:-1] + ("0" if ID_NUMBER[-1] != "0" else "1")
        body = self.assertError(self.post(URL, self.bob, {"household": self.home.pk, "name": "李四",
                                                          "id_number": wrong}), 400, "id_number")
        self.assertNotIn(wrong, str(body))
        body = self.assertError(self.post(URL, self.bob, {"household": self.home.pk, "name": "李四",
                                                          "id_number": ID_NUMBER}), 400, "id_number")
        self.assertNotIn(ID_NUMBER, str(body))
        self.assertError(self.post(URL, self.bob, {"household": self.home.pk, "name": "李四", "phone": "12"}), 400,
                         "phone")
        self.assertError(self.post(URL, self.bob, {"household": self.home.pk, "name": "李四", "tags": ["nope"]}),
                         400, "tags")

    def test_a_likely_duplicate_gives_409_unless_confirmed(self):
        data = {"household": self.home.pk, "name": "张三", "phone": "13812345678"}
        self.assertError(self.post(URL, self.bob, data), 409, "confirm_duplicate")
        response = self.post(URL, self.bob, {**data, "confirm_duplicate": True})
        self.assertEqual(response.status_code, 201)

    def test_coordinators_and_viewers_may_not_write(self):
        for user in (self.carol, self.victor):
            self.assertError(self.post(URL, user, {"household": self.home.pk, "name": "x"}), 403)
            self.assertError(self.patch(self.detail(), user, {"notes": "x"}), 403)

    def test_staff_reveal_one_field_and_it_is_logged(self):
        for field, value in (("id_number", ID_NUMBER), ("phone", "13812345678"), ("birth_date", "1950-01-01"),
                             ("name", "张三")):
            response = self.post(f"{self.detail()}/reveal", self.alice, {"field": field})
            self.assertEqual(response.json(), {"field": field, "value": value})
        self.assertEqual(sorted(Reveal.objects.filter(user=self.alice, object_id=self.zhang.pk)
                                .values_list("field", flat=True)), ["birth_date", "id_number", "name", "phone"])
        self.assertError(self.post(f"{self.detail()}/reveal", self.bob, {"field": "notes"}), 400, "field")

    def test_coordinators_and_viewers_may_not_reveal(self):
        for user in (self.carol, self.victor):
            self.assertError(self.post(f"{self.detail()}/reveal", user, {"field": "id_number"}), 403)
        self.assertFalse(Reveal.objects.exists())
