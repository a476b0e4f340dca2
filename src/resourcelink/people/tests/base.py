"""A station with two communities, households and residents, for the
people tests. Every personal value is listed in ``PERSONAL`` so the viewer
test can search each page for all of them."""

from resourcelink.communities.services import community_create, grid_create
from resourcelink.core.testing import StationTestCase
from resourcelink.directory.services import organization_create
from resourcelink.people.models import VulnerabilityTag
from resourcelink.people.services import consent_record
from resourcelink.people.testing import make_household, make_resident


def id_number(region: str, birth: str, seq: str) -> str:
    body = region + birth + seq
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(body))
    return body + "0123456789X"[(12 - total % 11) % 11]


ZHANG_ID = id_number("330106", "19480312", "021")  # male
LI_ID = "11010519491231002X"  # female, the standard's sample


class PeopleTestCase(StationTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.community = community_create(actor=None, station=cls.station, name="湖滨社区", code="hubin",
                                         check=False)
        cls.other_community = community_create(actor=None, station=cls.station, name="东坡社区", code="dongpo",
                                               check=False)
        cls.grid = grid_create(actor=None, community=cls.community, name="第一网格", code="g1", check=False)
        cls.elderly = VulnerabilityTag.objects.get(station=cls.station, code="elderly_alone")
        cls.disability = VulnerabilityTag.objects.get(station=cls.station, code="disability")
        cls.household = make_household(cls.station, cls.community, grid=cls.grid, name="张家",
                                       address="湖滨路12号3单元502")
        cls.zhang = make_resident(cls.household, name="张建国", phone="13812345678", id_number=ZHANG_ID,
                                  tags=[cls.elderly], notes="独居，行动不便")
        cls.li = make_resident(cls.household, name="李秀英", phone="0571-87654321", id_number=LI_ID,
                               relation="spouse", tags=[cls.disability])
        cls.organization = organization_create(actor=cls.alice, station=cls.station, name="爱心助老协会")
        cls.consent = consent_record(actor=cls.bob, resident=cls.zhang, scope="share", given_by="张小明",
                                     given_on=cls.today(), method="guardian", organization=cls.organization)
        # Another station's household: nobody here may see it.
        cls.other_community_far = community_create(actor=None, station=cls.other_station, name="北山社区",
                                                   code="beishan", check=False)
        cls.far_household = make_household(cls.other_station, cls.other_community_far, name="王家",
                                           address="北山路1号")
        cls.far_resident = make_resident(cls.far_household, name="王五", phone="13900001111")
        cls.PERSONAL = ["张家", "湖滨路12号3单元502", "张建国", "13812345678", ZHANG_ID, "李秀英",
                        "0571-87654321", "87654321", LI_ID, "张小明", "1948-03-12", "1949-12-31",
                        "独居，行动不便"]

    @staticmethod
    def today():
        from django.utils import timezone

        return timezone.localdate()
