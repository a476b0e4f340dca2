"""A small register to test matching against: two communities with grids,
households (with locations and vulnerabilities), their needs, resources of
several categories, and one station of outsiders."""

from datetime import timedelta

from django.utils import timezone

from resourcelink.communities.services import community_create, grid_create
from resourcelink.core.testing import StationTestCase
from resourcelink.directory.models import ResourceKind
from resourcelink.directory.services import resource_create
from resourcelink.needs.models import Link, LinkStatus
from resourcelink.needs.testing import make_need
from resourcelink.people.models import VulnerabilityTag
from resourcelink.people.testing import make_household, make_resident
from resourcelink.taxonomy.models import Category

HERE = (30.2741, 120.1551)
KM_LAT = 1 / 111.0  # about one kilometre of latitude


class MatchingTestCase(StationTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.today = timezone.localdate()
        cls.cat = {c.code: c for c in Category.objects.filter(station=cls.station)}
        cls.tag = {t.code: t for t in VulnerabilityTag.objects.filter(station=cls.station)}
        cls.community = community_create(actor=None, station=cls.station, name="东坡社区", code="dongpo",
                                         check=False)
        cls.community2 = community_create(actor=None, station=cls.station, name="岳王社区", code="yuewang",
                                          check=False)
        cls.grid = grid_create(actor=None, community=cls.community, name="一网格", code="g1", check=False)
        cls.grid2 = grid_create(actor=None, community=cls.community2, name="二网格", code="g2", check=False)
        cls.home = make_household(cls.station, cls.community, name="张三家", grid=cls.grid,
                                  latitude=HERE[0], longitude=HERE[1])
        cls.resident = make_resident(cls.home, name="张三", tags=[cls.tag["elderly_alone"]])

    @classmethod
    def make_resource(cls, name, *, categories, station=None, **fields):
        fields.setdefault("kind", ResourceKind.MATERIAL)
        return resource_create(actor=None, station=station or cls.station, categories=categories, check=False,
                               name=name, **fields)

    @classmethod
    def near(cls, km: float) -> dict:
        return {"latitude": HERE[0] + km * KM_LAT, "longitude": HERE[1]}

    @classmethod
    def make_need(cls, household, code, **fields):
        return make_need(household, cls.cat[code], **fields)

    @classmethod
    def link(cls, need, resource, quantity, status=LinkStatus.PROPOSED):
        """A link written directly: the fixture's history, not a user's action."""
        return Link.objects.create(station=need.station, need=need, resource=resource, quantity=quantity,
                                   status=status)

    @classmethod
    def days_ago(cls, n):
        return cls.today - timedelta(days=n)
