"""A household with a resident and a need, and a resource that can meet it."""

import datetime as dt

from resourcelink.directory.services import resource_create
from resourcelink.needs.testing import make_need
from resourcelink.people.idnumber import check_char
from resourcelink.people.testing import make_household, make_resident

from .base import ApiTestCase

ID_NUMBER = "33010619500101123" + check_char("33010619500101123")
# Nothing a viewer's response may contain.
SECRETS = ("张三", "张家", "湖滨路12号", ID_NUMBER, "13812345678", "1950-01-01", "行动不便", "吃药要提醒")


class PeopleApiTestCase(ApiTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.home = make_household(cls.station, community=cls.community, grid=cls.grid, name="张家",
                                  address="湖滨路12号3单元502", latitude=30.27, longitude=120.15, notes="行动不便")
        cls.zhang = make_resident(cls.home, name="张三", phone="13812345678", id_number=ID_NUMBER,
                                  birth_date=dt.date(1950, 1, 1), notes="吃药要提醒",
                                  tags=[cls.station_tag("elderly_alone")])
        cls.need = make_need(cls.home, cls.staple, resident=cls.zhang, description="张三要米", quantity=2, unit="袋")
        cls.rice = resource_create(actor=None, station=cls.station, check=False, name="爱心米仓", kind="material",
                                   categories=[cls.staple], quantity=10, unit="袋", community=cls.community,
                                   latitude=30.27, longitude=120.16)
        cls.other_home = make_household(cls.other_station, community=cls.other_community, name="北山户")

    @classmethod
    def station_tag(cls, code):
        from resourcelink.people.models import VulnerabilityTag

        return VulnerabilityTag.objects.get(station=cls.station, code=code)

    def assertNoPersonalData(self, response):
        text = response.content.decode()
        for secret in SECRETS:
            self.assertNotIn(secret, text)
        self.assertNotIn("张*", text)
