"""The demo station's store room, donors, donations and charity fund.

The case of the essay: the pedestrian street's management centre brings
masks, protective clothing, gloves, raincoats and fans; a real-estate agency
and a public welfare organisation bring masks and a solatium for families in
difficulty; businesses pay for drinking water. Built through the services,
like the rest of the demo.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from resourcelink.communities.models import Community
from resourcelink.donations.models import DonationKind, DonorKind
from resourcelink.donations.services import (
    LineSpec,
    donation_feedback_record,
    donation_receive,
    donor_create,
)
from resourcelink.inventory.models import Item
from resourcelink.inventory.services import store_create
from resourcelink.people.models import VulnerabilityTag

# (name, kind, contact, may be named)
DONORS = (
    ("步行街管理中心", DonorKind.ORGANIZATION, "陈主任", True),
    ("链家房产中介", DonorKind.ENTERPRISE, "王经理", True),
    ("贝壳公益", DonorKind.ORGANIZATION, "刘老师", True),
    ("爱心商家联盟", DonorKind.ENTERPRISE, "赵老板", False),
    ("党员李建华", DonorKind.PARTY_MEMBER, "", False),
)


def build_store(builder) -> dict:
    """Stores, donors and donations; returns what the distribution demo uses."""
    station, admin, worker = builder.station, builder.admin, builder.worker
    today = builder.today
    main = store_create(actor=admin, station=station, name="社工站仓库", address="步行街88号一楼")
    community = Community.objects.filter(station=station).order_by("id").first()
    store_create(actor=admin, station=station, name="步行街社区仓库", address="步行街社区居委会", community=community)
    items = {i.code: i for i in Item.objects.filter(station=station)}
    tags = {t.code: t for t in VulnerabilityTag.objects.filter(station=station)}
    donors = {name: donor_create(actor=worker, station=station, name=name, kind=kind, contact_name=contact,
                                 phone="0571-8700" + f"{i:04d}", may_be_named=named)
              for i, (name, kind, contact, named) in enumerate(DONORS, start=1)}

    def lines(*specs):
        return [LineSpec(items[code], qty, today + timedelta(days=days) if days else None, Decimal(value))
                for code, qty, days, value in specs]

    centre = donation_receive(
        actor=worker, station=station, donor=donors["步行街管理中心"], kind=DonationKind.IN_KIND,
        received_on=builder.days_ago(12), store=main, description="防疫物资一批",
        lines=lines(("masks", 2000, 400, "1600"), ("protective_clothing", 60, 700, "3600"),
                    ("gloves", 500, 500, "400"), ("raincoats", 80, None, "800"), ("fans", 20, None, "2400")),
        restriction_note="优先一线防疫人员和志愿者",
    )
    agency = donation_receive(
        actor=worker, station=station, donor=donors["链家房产中介"], kind=DonationKind.IN_KIND,
        received_on=builder.days_ago(9), store=main, description="慰问困境家庭的口罩",
        lines=lines(("masks", 1000, 25, "800")),
        target_tags=[tags["special_hardship"], tags["elderly_alone"]],
        restriction_note="用于走访慰问困境家庭",
    )
    solatium = donation_receive(
        actor=worker, station=station, donor=donors["贝壳公益"], kind=DonationKind.CASH,
        received_on=builder.days_ago(9), amount=Decimal("20000"), description="困境家庭慰问金",
        target_tags=[tags["special_hardship"]], use_by=today + timedelta(days=60),
        restriction_note="每户2000元，用于特困家庭",
    )
    water = donation_receive(
        actor=worker, station=station, donor=donors["爱心商家联盟"], kind=DonationKind.CASH,
        received_on=builder.days_ago(6), amount=Decimal("3000"), description="为一线人员购买饮用水",
    )
    donation_receive(
        actor=worker, station=station, donor=donors["党员李建华"], kind=DonationKind.IN_KIND,
        received_on=builder.days_ago(3), store=main, description="饮用水和食品包",
        lines=lines(("drinking_water", 40, 180, "1200"), ("food_parcel", 30, 20, "1500")),
    )
    donation_feedback_record(actor=worker, donation=centre, sent_on=builder.days_ago(2))
    return {"store": main, "items": items, "tags": tags, "centre": centre, "agency": agency,
            "solatium": solatium, "water": water}
