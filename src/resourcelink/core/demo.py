"""The demo station, and big synthetic districts for the benchmark.

The demo follows the case ResourceLink came from: a social work station by a
pedestrian street, where the nucleic-acid testing point and the vaccination
point were kept going by the street's management centre, the square's
management committee, the jewellery association and caring businesses, and a
real estate agency with a public welfare organisation came with masks and a
solatium. It is built only through the services, so it is also an end-to-end
check that they fit together. Everything is drawn from one seeded random
generator: the same seed gives the same station.

``district_generate`` is the opposite: rows straight into the tables with
``bulk_create``, no history, as fast as the database takes them. It is for
measuring, never for a real station.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from resourcelink.accounts.models import Membership, Role, Station
from resourcelink.accounts.services import membership_add, station_create, user_create
from resourcelink.communities.models import Community, Grid
from resourcelink.communities.services import (
    community_create,
    grid_create,
    observation_create,
    observation_promote,
    walk_create,
)
from resourcelink.core.db import database_statistics_refresh
from resourcelink.directory.models import Resource, ResourceKind, ResourceSource, ResourceStatus
from resourcelink.directory.services import (
    contact_create,
    location_create,
    organization_create,
    resource_create,
    resource_refresh_derived,
    service_create,
)
from resourcelink.donations.models import Donation
from resourcelink.inventory.models import Lot
from resourcelink.needs.models import Need
from resourcelink.people.models import Household
from resourcelink.taxonomy.models import Category

User = get_user_model()

# A demo is a demo: one documented password, printed by `resourcelink serve`.
DEMO_STATION_SLUG = "buxingjie"
DEMO_STATION_NAME = "步行街社工站"
DEMO_PASSWORD = "resourcelink-demo"
DEMO_ADMIN = "demo"
# (username, full name, role)
DEMO_USERS = [
    (DEMO_ADMIN, "陈站长", Role.ADMIN),
    ("demo-worker", "林社工", Role.SOCIAL_WORKER),
    ("demo-coordinator", "黄协调员", Role.COORDINATOR),
    ("demo-viewer", "居委会 王书记", Role.VIEWER),
]

# (code, name, south, west, north, east, number of grids). All inside one
# city centre (30.25–30.29 N, 120.15–120.19 E), side by side.
COMMUNITIES = [
    ("buxingjie", "步行街社区", 30.270, 120.160, 30.290, 120.175, 4),
    ("hubin", "湖滨社区", 30.255, 120.150, 30.270, 120.165, 3),
    ("wushan", "吴山社区", 30.250, 120.165, 30.265, 120.180, 5),
    ("qingbo", "清波社区", 30.270, 120.175, 30.290, 120.190, 4),
]

STREETS = ["步行街", "中山中路", "河坊街", "高银街", "惠民路", "吴山路", "清波街", "湖滨路", "平海路", "延安路"]
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁沈")
SHOP_NAMES = ["鑫源", "福满", "惠民", "康泰", "百佳", "乐家", "阳光", "邻里", "老街", "金桥", "和顺", "同心"]


def demo_phone(rng: random.Random) -> str:
    """A mainland mobile number in a prefix that is in service, so it passes
    the same validation as a real one."""
    prefix = rng.choice(["133", "135", "136", "137", "138", "139", "150", "151", "158", "159", "177", "180",
                         "186", "187", "188", "189", "199"])
    return f"{prefix}{rng.randrange(10**8):08d}"


@dataclass(frozen=True)
class Box:
    south: float
    west: float
    north: float
    east: float

    def point(self, rng: random.Random) -> tuple[float, float]:
        return (
            round(rng.uniform(self.south, self.north), 6),
            round(rng.uniform(self.west, self.east), 6),
        )

    def strips(self, n: int) -> list[Box]:
        """Split west to east into ``n`` strips: the community's grids."""
        width = (self.east - self.west) / n
        return [Box(self.south, self.west + i * width, self.north, self.west + (i + 1) * width) for i in range(n)]


# --- The demo station ---------------------------------------------------------


def demo_station_get() -> Station | None:
    return Station.objects.filter(slug=DEMO_STATION_SLUG).first()


def demo_station_create(*, resources: int = 300, seed: int = 42) -> Station:
    """Create the demo station, or return it if it exists already.

    All or nothing: it is one transaction, so a failed run leaves no half
    station behind and the next run starts clean.
    """
    existing = demo_station_get()
    if existing is not None:
        return existing
    with transaction.atomic():
        return _DemoBuilder(seed).build(resources)


def demo_password_reset() -> list[str]:
    """Give every demo user the demo password again, reactivate them and lift
    any login lock-out. Returns the user names."""
    from axes.utils import reset as axes_reset

    names = []
    for username, _full_name, _role in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            continue
        user.set_password(DEMO_PASSWORD)
        user.is_active = True
        user.save(update_fields=["password", "is_active"])
        axes_reset(username=username)
        names.append(username)
    return names


class _DemoBuilder:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.today = timezone.localdate()
        self.categories: dict[str, Category] = {}
        self.grid_boxes: list[tuple[Community, Grid, Box]] = []

    # Small helpers -------------------------------------------------------

    def cats(self, *codes: str) -> list[Category]:
        return [self.categories[c] for c in codes]

    def days_ago(self, days: int):
        return self.today - timedelta(days=days)

    def place(self, community_code: str | None = None) -> tuple[Community, Grid, float, float, str]:
        choices = [g for g in self.grid_boxes if community_code is None or g[0].code == community_code]
        community, grid, box = self.rng.choice(choices)
        lat, lon = box.point(self.rng)
        return community, grid, lat, lon, f"{self.rng.choice(STREETS)}{self.rng.randint(1, 300)}号"

    # The build -----------------------------------------------------------

    def build(self, resources: int) -> Station:
        self.station = station_create(
            name=DEMO_STATION_NAME, slug=DEMO_STATION_SLUG, address="步行街88号", phone="0571-87000000",
            latitude=30.2741, longitude=120.1690,
        )
        self.users = {}
        for username, full_name, role in DEMO_USERS:
            user = User.objects.filter(username=username).first() or user_create(
                username=username, password=DEMO_PASSWORD, full_name=full_name, validate=False
            )
            membership_add(actor=None, station=self.station, user=user, role=role, check=False)
            self.users[role] = user
        self.admin = self.users[Role.ADMIN]
        self.worker = self.users[Role.SOCIAL_WORKER]
        self.categories = {c.code: c for c in Category.objects.filter(station=self.station)}
        self.build_communities()
        self.build_walk()
        self.build_case()
        self.build_generated(resources)
        from resourcelink.core.demo_needs import build_needs

        build_needs(self)
        from resourcelink.core.demo_store import build_distribution, build_store

        build_distribution(self, build_store(self))
        return self.station

    def build_communities(self) -> None:
        for code, name, south, west, north, east, n_grids in COMMUNITIES:
            box = Box(south, west, north, east)
            community = community_create(
                actor=self.admin, station=self.station, name=name, code=code, check=False,
                latitude=round((south + north) / 2, 6), longitude=round((west + east) / 2, 6),
                description=f"{name}，{DEMO_STATION_NAME}服务的社区之一。",
            )
            for i, grid_box in enumerate(box.strips(n_grids), start=1):
                grid = grid_create(
                    actor=self.admin, community=community, name=f"第{i}网格", code=f"g{i}", check=False,
                )
                self.grid_boxes.append((community, grid, grid_box))
        self.communities = {c.code: c for c, _g, _b in self.grid_boxes}

    def build_walk(self) -> None:
        """The community walk that found the two epidemic points."""
        walked_on = self.days_ago(20)
        walk = walk_create(
            actor=self.worker, station=self.station, community=self.communities["buxingjie"],
            walked_on=walked_on, walkers=[self.worker], companions="居委会 王书记",
            route_notes="从步行街北口出发，经广场、珠宝街，到南口的社区卫生服务站。",
        )
        observed_at = timezone.make_aware(datetime.combine(walked_on, time(9, 30)))
        seen = [
            ("核酸检测点", ResourceKind.VENUE, "health.testing", True,
             "步行街广场东侧的常态化核酸检测点，每天 7:00–21:00。"),
            ("疫苗接种点", ResourceKind.VENUE, "health.vaccination", True,
             "步行街管理中心一楼的临时疫苗接种点，商户志愿者轮流维持秩序。"),
            ("街角理发店可上门理发", ResourceKind.BUSINESS, "care.haircut", False,
             "老板说可以给行动不便的老人上门理发，要再确认时间。"),
            ("空置的沿街商铺", ResourceKind.VENUE, "venues.storage", False,
             "可能可以临时存放捐赠物资，需联系业主。"),
            ("广场电子屏", ResourceKind.INFORMATION, "information.notices", False,
             "管委会可以滚动播放防疫通知。"),
        ]
        self.epidemic_points = []
        for title, kind, code, promote, notes in seen:
            _community, grid, lat, lon, address = self.place("buxingjie")
            obs = observation_create(
                actor=self.worker, walk=walk, title=title, kind=kind, category=self.categories[code], grid=grid,
                notes=notes, address=address, latitude=lat, longitude=lon, location_source="map",
                observed_at=observed_at,
            )
            if promote:
                self.epidemic_points.append(
                    observation_promote(actor=self.worker, observation=obs, tags="防疫, 步行街")
                )

    def organisation(self, *, name: str, description: str, service: str, service_codes: tuple[str, ...],
                     contact: str, title: str, is_formal: bool = True, is_internal: bool = True,
                     community: str = "buxingjie"):
        """An organisation with its service, location and contact."""
        _community, _grid, lat, lon, address = self.place(community)
        org = organization_create(
            actor=self.admin, station=self.station, name=name, description=description,
            is_formal=is_formal, is_internal=is_internal,
        )
        location = location_create(
            actor=self.admin, station=self.station, organization=org, name=name, address=address,
            latitude=lat, longitude=lon,
        )
        svc = service_create(
            actor=self.admin, station=self.station, organization=org, name=service,
            categories=self.cats(*service_codes), locations=[location], schedule="周一至周日 9:00–18:00",
        )
        phone = demo_phone(self.rng)
        contact_create(
            actor=self.admin, station=self.station, organization=org, service=svc, name=contact, title=title,
            phone=phone,
        )
        return org, svc, contact, phone

    def resource(self, *, name: str, kind: str, codes: tuple[str, ...], community: str = "buxingjie",
                 verified_days: int | None = 7, **fields) -> Resource:
        comm, grid, lat, lon, address = self.place(community)
        values = {
            "community": comm, "grid": grid, "latitude": lat, "longitude": lon, "address": address,
            "source": ResourceSource.INTERVIEW, "source_date": self.days_ago(30),
            "last_verified_on": self.days_ago(verified_days) if verified_days is not None else None,
        }
        values.update(fields)
        return resource_create(
            actor=self.admin, station=self.station, name=name, kind=kind, categories=self.cats(*codes), **values
        )

    def build_case(self) -> None:
        """The pedestrian street of the essay and the people around it."""
        K = ResourceKind  # noqa: N806
        P, O, B, V = K.PERSON, K.ORGANIZATION, K.BUSINESS, K.VENUE  # noqa: N806, E741
        M, Y, C, I = K.MATERIAL, K.MONEY, K.CULTURE, K.INFORMATION  # noqa: N806, E741
        # The three pillars of the street: people, material and money.
        pillars = [
            ("步行街管理中心", "Pedestrian street management centre: runs the street, its staff and stalls.",
             "步行街防疫志愿服务", ("volunteers.general",), "陈主任", "主任",
             [("步行街管理中心志愿者队伍", P, ("volunteers.general",), 20, "人"),
              ("管理中心消毒物资", M, ("protection.disinfectant",), 50, "箱"),
              ("管理中心防疫经费", Y, ("money.hardship",), 5000, "元")]),
            ("广场管委会", "Square management committee: the square, its guards and its screen.",
             "广场场地与秩序维护", ("venues.meeting",), "周主任", "副主任",
             [("广场管委会保安志愿者", P, ("volunteers.general",), 8, "人"),
              ("广场遮阳棚和桌椅", M, ("daily.cooling",), 30, "套"),
              ("广场管委会慰问经费", Y, ("money.solatium",), 3000, "元")]),
            ("珠宝协会", "Jewellery association: the jewellers of the street; members volunteer and donate.",
             "珠宝协会爱心捐助", ("protection", "money"), "刘会长", "会长",
             [("珠宝协会会员志愿者", P, ("volunteers.general",), 15, "人"),
              ("珠宝协会捐赠防护服", M, ("protection.clothing",), 200, "件"),
              ("珠宝协会爱心捐款", Y, ("money.hardship",), 20000, "元")]),
        ]
        for org_name, description, service, codes, contact, title, items in pillars:
            org, svc, contact, phone = self.organisation(
                name=org_name, description=description, service=service, service_codes=codes,
                contact=contact, title=title,
            )
            for name, kind, rcodes, quantity, unit in items:
                self.resource(
                    name=name, kind=kind, codes=rcodes, organization=org, service=svc, quantity=Decimal(quantity),
                    unit=unit, contact_name=contact, contact_phone=phone, tags="步行街, 防疫",
                    description=f"{org_name}在防疫期间提供。", availability="防疫期间随时联系",
                )
        # Caring businesses (爱心商家) paid for water, drinks and protective equipment.
        businesses = [
            ("老街便利店", "饮用水", "water.bottled", "爱心商家为接种点支付的饮用水", 100, "箱"),
            ("阳光饮品店", "功能饮料", "water.drinks", "爱心商家为检测点提供的功能饮料", 60, "箱"),
            ("康泰大药房", "防护用品", "protection.masks", "爱心商家支付的口罩和手套", 3000, "只"),
        ]
        for shop, what, code, resource_name, quantity, unit in businesses:
            org, svc, contact, phone = self.organisation(
                name=shop, description=f"步行街爱心商家，防疫期间捐赠{what}。", service=f"爱心捐赠{what}",
                service_codes=(code,), contact=f"{self.rng.choice(SURNAMES)}老板", title="店主",
            )
            self.resource(name=shop, kind=B, codes=(code,), organization=org, service=svc, contact_name=contact,
                          contact_phone=phone, tags="爱心商家, 步行街", is_formal=True)
            self.resource(name=resource_name, kind=M, codes=(code,), organization=org, quantity=Decimal(quantity),
                          unit=unit, contact_name=contact, contact_phone=phone, tags="爱心商家",
                          source=ResourceSource.DONOR_OFFER)
        # The donors who came to the station on their own.
        agency, agency_svc, contact, phone = self.organisation(
            name="安居房产中介（步行街店）", description="连锁房产中介门店，主动联系社工站捐赠口罩和慰问金。",
            service="困难家庭探访慰问", service_codes=("care.visit", "money.solatium"), contact="吴店长",
            title="店长", is_internal=False,
        )
        self.resource(name="房产中介捐赠口罩", kind=M, codes=("protection.masks",), organization=agency,
                      service=agency_svc, quantity=Decimal(2000), unit="只", contact_name=contact,
                      contact_phone=phone, is_internal=False, source=ResourceSource.DONOR_OFFER,
                      eligibility="困难家庭", tags="捐赠, 口罩")
        self.resource(name="困难家庭慰问金", kind=Y, codes=("money.solatium",), organization=agency,
                      service=agency_svc, quantity=Decimal(2000), unit="元", contact_name=contact,
                      contact_phone=phone, is_internal=False, source=ResourceSource.DONOR_OFFER,
                      eligibility="需要现金支持的困难家庭，愿意接受采访", tags="捐赠, 慰问金")
        welfare, welfare_svc, contact, phone = self.organisation(
            name="暖家公益服务中心", description="公益组织，与房产中介一起入户探访困难家庭。",
            service="入户探访困难家庭", service_codes=("care.visit",), contact="郑老师", title="项目主管",
            is_internal=False,
        )
        self.resource(name="暖家公益入户探访", kind=O, codes=("care.visit",), organization=welfare,
                      service=welfare_svc, contact_name=contact, contact_phone=phone, is_internal=False,
                      source=ResourceSource.DONOR_OFFER, tags="公益组织, 探访")
        # Talents: a free clinic team and a haircut team start from these.
        talents = [
            ("李医生（退休医生）", ("health.clinic", "medical.care"), "退休内科医生，愿意牵头义诊队。"),
            ("赵师傅（理发师）", ("care.haircut",), "会理发，可组建志愿理发队，给行动不便的老人上门理发。"),
            ("周老师（心理咨询师）", ("mental",), "国家二级心理咨询师，可做电话心理疏导。"),
            ("孙老师（退休教师）", ("education.tutoring",), "退休数学老师，可给留守儿童辅导功课。"),
            ("钱师傅（出租车司机）", ("transport.ride",), "夜班出租车司机，白天可接送老人就医。"),
        ]
        for name, codes, description in talents:
            self.resource(name=name, kind=P, codes=codes, description=description, is_formal=False,
                          contact_name=name.split("（")[0], contact_phone=demo_phone(self.rng),
                          source=ResourceSource.WALK, tags="社区能人")
        venues = [
            ("社区活动室", ("venues.meeting",), "buxingjie"),
            ("步行街地下仓库", ("venues.storage",), "buxingjie"),
            ("湖滨社区文化家园", ("venues.meeting",), "hubin"),
        ]
        for name, codes, community in venues:
            self.resource(name=name, kind=V, codes=codes, community=community, quantity=Decimal(80),
                          unit="平方米", availability="提前一天预约")
        culture = [
            ("步行街历史文化街区", "buxingjie", "南宋御街遗存，老字号集中，可办社区文化活动。"),
            ("吴山城隍阁", "wushan", "登高望远的景点，社区老人晨练的地方。"),
            ("清波门老城墙", "qingbo", "老城墙遗址，可做社区历史讲解。"),
        ]
        for name, community, description in culture:
            self.resource(name=name, kind=C, codes=("venues",), community=community, description=description,
                          is_formal=False, verified_days=120)
        infos = [
            ("社区防疫政策公告栏", ("information.notices",)),
            ("步行街商户微信群", ("information.notices",)),
            ("智能手机使用互助小组", ("information.digital",)),
        ]
        for name, codes in infos:
            self.resource(name=name, kind=I, codes=codes, is_formal=False)

    def build_generated(self, count: int) -> None:
        rng = self.rng
        kinds = list(ResourceKind.values)
        weights = [22, 10, 20, 10, 18, 5, 7, 8]
        sources = [ResourceSource.WALK, ResourceSource.INTERVIEW, ResourceSource.DONOR_OFFER, ResourceSource.REFERRAL]
        for n in range(count):
            kind = rng.choices(kinds, weights)[0]
            name, codes, quantity, unit, formal = _generated_item(rng, kind)
            community, grid, lat, lon, address = self.place()
            days = None if rng.random() < 0.08 else min(int(rng.expovariate(1 / 60)), 400)
            roll = rng.random()
            status = (ResourceStatus.INACTIVE if roll < 0.05 else
                      ResourceStatus.DRAFT if roll < 0.08 else ResourceStatus.ACTIVE)
            surname = rng.choice(SURNAMES)
            resource_create(
                actor=self.admin, station=self.station, check=False, name=f"{name}·{n + 1:03d}"
                if rng.random() < 0.15 else name, kind=kind, categories=self.cats(*codes),
                is_formal=formal, is_internal=rng.random() < 0.75, community=community, grid=grid,
                latitude=lat, longitude=lon, address=address,
                contact_name=f"{surname}{rng.choice(['先生', '女士', '师傅', '阿姨', '老师'])}",
                contact_phone=demo_phone(rng), quantity=quantity, unit=unit,
                source=rng.choice(sources), source_date=self.days_ago((days or 0) + rng.randint(0, 60)),
                last_verified_on=self.days_ago(days) if days is not None else None, status=status,
            )


# What generated resources look like, by kind: (name pattern, categories,
# quantity range or None, unit, formal?). "{s}" is a surname, "{shop}" a
# shop name, "{street}" a street.
TEMPLATES = {
    ResourceKind.PERSON: [
        ("{s}医生（退休医生）", ("health.clinic",), None, "", False),
        ("{s}师傅（理发）", ("care.haircut",), None, "", False),
        ("{s}老师（心理咨询）", ("mental",), None, "", False),
        ("{s}老师（课业辅导）", ("education.tutoring",), None, "", False),
        ("{s}律师（法律咨询）", ("legal",), None, "", False),
        ("{s}师傅（水电维修）", ("housing.repair",), None, "", False),
        ("{s}护士（上门护理）", ("medical.care", "care.visit"), None, "", False),
        ("{s}师傅（接送就医）", ("transport.ride", "transport.escort"), None, "", False),
        ("{s}阿姨（助餐）", ("care.meals",), None, "", False),
        ("{s}同学（大学生志愿者）", ("volunteers.general",), None, "", False),
        ("{s}师傅（手机帮助）", ("information.digital",), None, "", False),
    ],
    ResourceKind.ORGANIZATION: [
        ("{street}老年协会", ("care.visit",), None, "", True),
        ("{street}志愿者服务队", ("volunteers.general",), (10, 60), "人", False),
        ("{street}业主委员会", ("housing.repair",), None, "", True),
        ("区红十字会{street}服务点", ("medical.care", "money.hardship"), None, "", True),
        ("{street}社区卫生服务站", ("health.clinic", "health.vaccination"), None, "", True),
        ("{street}书画社", ("education.childcare",), None, "", False),
    ],
    ResourceKind.BUSINESS: [
        ("{shop}超市", ("food.staple", "food.fresh"), None, "", True),
        ("{shop}大药房", ("medical.medicines", "protection.masks"), None, "", True),
        ("{shop}水果店", ("food.fresh",), None, "", True),
        ("{shop}饮品店", ("water.drinks",), None, "", True),
        ("{shop}小吃店", ("care.meals",), None, "", True),
        ("{shop}理发店", ("care.haircut",), None, "", True),
        ("{shop}五金店", ("housing.repair",), None, "", True),
        ("{shop}母婴店", ("food.infant",), None, "", True),
        ("{shop}物流站", ("transport.ride",), None, "", True),
    ],
    ResourceKind.VENUE: [
        ("{street}活动室", ("venues.meeting",), (30, 200), "平方米", True),
        ("{street}临时仓库", ("venues.storage",), (20, 500), "平方米", True),
        ("{street}临时安置点", ("housing.shelter",), (10, 80), "床", True),
    ],
    ResourceKind.MATERIAL: [
        ("医用口罩", ("protection.masks",), (200, 5000), "只", True),
        ("防护服", ("protection.clothing",), (20, 300), "件", True),
        ("一次性手套", ("protection.gloves",), (100, 2000), "副", True),
        ("消毒液", ("protection.disinfectant",), (10, 200), "瓶", True),
        ("雨衣", ("protection.raincoats",), (20, 200), "件", True),
        ("电风扇", ("daily.cooling",), (5, 50), "台", True),
        ("大米", ("food.staple",), (100, 2000), "斤", True),
        ("食用油", ("food.staple",), (20, 300), "桶", True),
        ("矿泉水", ("water.bottled",), (20, 500), "箱", True),
        ("棉被", ("daily.clothing",), (10, 100), "床", True),
        ("食品包", ("food.parcel",), (20, 300), "份", True),
    ],
    ResourceKind.MONEY: [
        ("{street}困难补助基金", ("money.hardship",), (2000, 50000), "元", True),
        ("{shop}慰问金", ("money.solatium",), (500, 5000), "元", False),
    ],
    ResourceKind.CULTURE: [
        ("{street}老戏台", ("venues.meeting",), None, "", False),
        ("{street}古井", ("venues",), None, "", False),
        ("{s}家剪纸工作室（非遗）", ("education.childcare",), None, "", False),
        ("{street}历史建筑", ("venues",), None, "", False),
    ],
    ResourceKind.INFORMATION: [
        ("{street}公告栏", ("information.notices",), None, "", False),
        ("{street}居民微信群", ("information.notices",), None, "", False),
        ("{street}招聘信息", ("employment.jobs",), None, "", True),
        ("{street}技能培训班", ("employment.training",), None, "", True),
    ],
}


def _generated_item(rng: random.Random, kind: str):
    pattern, codes, qrange, unit, formal = rng.choice(TEMPLATES[kind])
    if formal is False and rng.random() < 0.1:
        formal = True
    elif formal is True and rng.random() < 0.1:
        formal = False
    name = pattern.format(s=rng.choice(SURNAMES), shop=rng.choice(SHOP_NAMES), street=rng.choice(STREETS))
    quantity = Decimal(rng.randint(*qrange)) if qrange else None
    return name, tuple(dict.fromkeys(codes)), quantity, unit, formal


# --- Synthetic districts for the benchmark -------------------------------------


def district_generate(*, communities: int, resources: int, seed: int, grids_per_community: int = 5,
                      batch_size: int = 2000) -> Station:
    """A station with ``communities`` communities (``grids_per_community``
    grids each) and ``resources`` resources, written with ``bulk_create``.

    Each resource has a place inside its community's square, one or two
    categories, a phone, varied verification dates, and the search text and
    import key the services would have given it. No history rows: this is
    data to measure with, not records anyone entered.
    """
    rng = random.Random(seed)
    today = timezone.localdate()
    slug = f"district-{seed}"
    n = 1
    while Station.objects.filter(slug=slug).exists():
        n += 1
        slug = f"district-{seed}-{n}"
    station = station_create(
        name=f"合成街道 {slug}", slug=slug, latitude=30.27, longitude=120.17,
    )
    leaves = [c for c in Category.objects.filter(station=station) if "." in c.code]
    side = max(1, int(communities ** 0.5 + 0.999))
    size = 0.01  # degrees: about 1 km
    with transaction.atomic():
        community_rows = []
        boxes = []
        for i in range(communities):
            south = 30.20 + (i // side) * size
            west = 120.10 + (i % side) * size
            boxes.append(Box(south, west, south + size, west + size))
            community_rows.append(Community(
                station=station, name=f"合成社区{i + 1:04d}", code=f"c{i + 1:04d}",
                latitude=round(south + size / 2, 6), longitude=round(west + size / 2, 6),
            ))
        community_rows = _bulk(Community, community_rows, batch_size, ["code"], station)
        grid_rows = [
            Grid(station=station, community=community, name=f"第{g + 1}网格", code=f"g{g + 1}")
            for community in community_rows for g in range(grids_per_community)
        ]
        grid_rows = _bulk(Grid, grid_rows, batch_size, ["community_id", "code"], station)
        grids_of: dict[int, list[tuple[Grid, Box]]] = {}
        for community, box in zip(community_rows, boxes, strict=True):
            strips = box.strips(grids_per_community)
            own = [g for g in grid_rows if g.community_id == community.pk]
            grids_of[community.pk] = list(zip(own, strips, strict=True))

        kinds = list(ResourceKind.values)
        sources = list(ResourceSource.values)
        through = Resource.categories.through
        done = 0
        while done < resources:
            chunk = min(batch_size, resources - done)
            rows, cats_of_row = [], []
            for k in range(chunk):
                community = community_rows[rng.randrange(communities)]
                grid, box = rng.choice(grids_of[community.pk])
                lat, lon = box.point(rng)
                kind = rng.choice(kinds)
                cats = rng.sample(leaves, 2 if rng.random() < 0.2 else 1)
                days = None if rng.random() < 0.08 else min(int(rng.expovariate(1 / 60)), 400)
                resource = Resource(
                    station=station, name=f"{rng.choice(SHOP_NAMES)}{kind}资源{done + k + 1:06d}",
                    kind=kind, is_formal=rng.random() < 0.6, is_internal=rng.random() < 0.75,
                    community=community, grid=grid, latitude=lat, longitude=lon,
                    address=f"{rng.choice(STREETS)}{rng.randint(1, 500)}号",
                    contact_name=f"{rng.choice(SURNAMES)}先生", contact_phone=demo_phone(rng),
                    quantity=Decimal(rng.randint(1, 1000)) if kind in ("material", "money") else None,
                    unit="件" if kind == "material" else "元" if kind == "money" else "",
                    source=rng.choice(sources), source_date=today - timedelta(days=rng.randint(0, 400)),
                    last_verified_on=today - timedelta(days=days) if days is not None else None,
                    status=ResourceStatus.ACTIVE if rng.random() < 0.93 else ResourceStatus.INACTIVE,
                )
                resource_refresh_derived(resource, cats)
                rows.append(resource)
                cats_of_row.append(cats)
            created = Resource.objects.bulk_create(rows, batch_size=batch_size)
            if created and created[0].pk is None:  # a backend that cannot return ids
                ids = dict(Resource.objects.filter(uuid__in=[r.uuid for r in rows]).values_list("uuid", "pk"))
                for r in created:
                    r.pk = ids[r.uuid]
            through.objects.bulk_create(
                [through(resource_id=r.pk, category_id=c.pk) for r, cats in zip(created, cats_of_row, strict=True)
                 for c in cats],
                batch_size=batch_size * 2,
            )
            done += chunk
    database_statistics_refresh()
    return station


def _bulk(model, rows, batch_size, key_fields, station):
    created = model.objects.bulk_create(rows, batch_size=batch_size)
    if created and created[0].pk is None:
        by_key = {tuple(getattr(o, f) for f in key_fields): o.pk for o in model.objects.filter(station=station)}
        for row in created:
            row.pk = by_key[tuple(getattr(row, f) for f in key_fields)]
    return created


def demo_station_summary(station: Station) -> dict:
    """Counts the demo command prints."""
    return {
        "communities": Community.objects.filter(station=station).count(),
        "grids": Grid.objects.filter(station=station).count(),
        "resources": Resource.objects.filter(station=station).count(),
        "members": Membership.objects.filter(station=station, ended_on__isnull=True).count(),
        "households": Household.objects.filter(station=station).count(),
        "needs": Need.objects.filter(station=station).count(),
        "donations": Donation.objects.filter(station=station).count(),
        "lots": Lot.objects.filter(station=station).count(),
    }
