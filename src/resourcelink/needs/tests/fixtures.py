"""A small station to test needs against: two communities, households with
residents and vulnerability tags, resources inside and outside the
community, and a household of the outsider's station."""

from decimal import Decimal

from resourcelink.communities.services import community_create, grid_create
from resourcelink.core.testing import StationTestCase
from resourcelink.directory.models import ResourceKind
from resourcelink.directory.services import organization_create, resource_create
from resourcelink.people.models import Household, Resident, VulnerabilityTag
from resourcelink.taxonomy.models import Category


class NeedsTestCase(StationTestCase):
    @classmethod
    def make_resource(cls, name, **fields):
        categories = fields.pop("categories", [cls.cat["food"]])
        fields.setdefault("kind", ResourceKind.MATERIAL)
        return resource_create(actor=cls.alice, station=fields.pop("station", cls.station),
                               categories=categories, check=False, name=name, **fields)

    @classmethod
    def make_household(cls, name, station=None, community=None, grid=None, **fields):
        station = station or cls.station
        community = community or cls.community
        return Household.objects.create(station=station, name=name, address=fields.pop("address", "湖滨路12号3单元502"),
                                        community=community, grid=grid, **fields)

    @classmethod
    def make_resident(cls, household, name, **fields):
        tags = fields.pop("tags", [])
        resident = Resident.objects.create(station_id=household.station_id, household=household, name=name,
                                           **fields)
        if tags:
            resident.tags.set(tags)
        return resident

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.community = community_create(actor=None, station=cls.station, name="东坡社区", code="dongpo", check=False)
        cls.community2 = community_create(actor=None, station=cls.station, name="岳王社区", code="yuewang",
                                          check=False)
        cls.grid = grid_create(actor=None, community=cls.community, name="一网格", code="g1", check=False)
        cls.grid2 = grid_create(actor=None, community=cls.community2, name="二网格", code="g2", check=False)
        cls.other_community = community_create(actor=None, station=cls.other_station, name="北山社区", code="bs",
                                               check=False)
        cls.cat = {c.code: c for c in Category.objects.filter(station=cls.station)}
        cls.other_cat = {c.code: c for c in Category.objects.filter(station=cls.other_station)}
        cls.tag_elderly = VulnerabilityTag.objects.create(station=cls.station, code="t-elderly",
                                                          name_zh_hans="独居老人", name_en="Elderly alone")
        cls.tag_disabled = VulnerabilityTag.objects.create(station=cls.station, code="t-disabled",
                                                           name_zh_hans="残疾", name_en="Disability")
        cls.household = cls.make_household("张家大院", grid=cls.grid)
        cls.zhang = cls.make_resident(cls.household, "张小明", phone="13812345678", tags=[cls.tag_elderly])
        cls.household2 = cls.make_household("李家", community=cls.community2, grid=cls.grid2,
                                            address="岳王路8号1单元101")
        cls.li = cls.make_resident(cls.household2, "李四", phone="13900001111")
        cls.other_household = cls.make_household("王家", station=cls.other_station, community=cls.other_community)
        cls.org = organization_create(actor=cls.alice, station=cls.station, name="湖滨商会", is_formal=True)
        cls.rice = cls.make_resource("大米", quantity=Decimal("10.5"), unit="袋", categories=[cls.cat["food.staple"]])
        cls.hall = cls.make_resource("社区活动室", kind=ResourceKind.VENUE, categories=[cls.cat["food"]])
        cls.outside = cls.make_resource("商会爱心餐", quantity=Decimal("100"), organization=cls.org,
                                        is_internal=False)
        cls.foreign = cls.make_resource("北山米店", station=cls.other_station, categories=[cls.other_cat["food"]],
                                        quantity=Decimal("5"))
