"""A small directory to test pages against: two communities with grids, a
handful of resources of several kinds, and one resource of the outsider's
station that must never show."""

from datetime import timedelta

from django.utils import timezone

from resourcelink.communities.services import community_create, grid_create
from resourcelink.core.testing import StationTestCase
from resourcelink.directory.models import ResourceKind, ResourceStatus
from resourcelink.directory.services import organization_create, resource_create
from resourcelink.taxonomy.models import Category

# 湖滨 is near (30.2741, 120.1551); points are placed around it.
HERE = (30.2741, 120.1551)


class DirectoryTestCase(StationTestCase):
    @classmethod
    def _make(cls, name, **fields):
        categories = fields.pop("categories", [])
        fields.setdefault("kind", ResourceKind.ORGANIZATION)
        return resource_create(actor=cls.alice, station=fields.pop("station", cls.station),
                               categories=categories, check=False, name=name, **fields)

    def make_resource(self, name, **fields):
        return self._make(name, **fields)

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        today = timezone.localdate()
        cls.community = community_create(actor=None, station=cls.station, name="东坡社区", code="dongpo", check=False)
        cls.community2 = community_create(actor=None, station=cls.station, name="岳王社区", code="yuewang",
                                          check=False)
        cls.grid = grid_create(actor=None, community=cls.community, name="一网格", code="g1", check=False)
        cls.grid2 = grid_create(actor=None, community=cls.community2, name="二网格", code="g2", check=False)
        cls.cat = {c.code: c for c in Category.objects.filter(station=cls.station)}
        cls.other_cat = {c.code: c for c in Category.objects.filter(station=cls.other_station)}
        cls.org = organization_create(actor=cls.alice, station=cls.station, name="湖滨商会", is_formal=True)

        make = cls._make
        cls.jewel = make(
            "珠宝协会", kind=ResourceKind.ORGANIZATION, categories=[cls.cat["protection.masks"]],
            is_formal=False, is_internal=True, community=cls.community, grid=cls.grid,
            latitude=HERE[0] + 0.001, longitude=HERE[1], contact_phone="13812345678",
            last_verified_on=today - timedelta(days=3), organization=cls.org,
        )
        cls.barber = make(
            "Free haircut team", kind=ResourceKind.PERSON, categories=[cls.cat["food.staple"]],
            is_formal=True, is_internal=False, community=cls.community2, grid=cls.grid2,
            latitude=HERE[0] + 0.05, longitude=HERE[1] + 0.05, contact_phone="13900001111",
            last_verified_on=today - timedelta(days=200),
        )
        cls.hall = make(
            "社区活动室", kind=ResourceKind.VENUE, categories=[cls.cat["food"]], is_formal=True, is_internal=True,
            community=cls.community,
        )
        cls.old = make("旧仓库", kind=ResourceKind.MATERIAL, status=ResourceStatus.ARCHIVED)
        cls.foreign = make("北山珠宝店", kind=ResourceKind.BUSINESS, station=cls.other_station,
                           latitude=HERE[0], longitude=HERE[1], contact_phone="13700009999")
