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


def build_distribution(builder, store: dict) -> None:
    """Two plans: the solatium and masks for families in difficulty, handed
    over in part and closed with volunteers commended from the surplus; and
    protective equipment for frontline workers and volunteers, approved and
    in progress."""
    from resourcelink.distribution.models import LineStatus
    from resourcelink.distribution.selectors import surplus_for_plan
    from resourcelink.distribution.services import (
        handover_record,
        handover_record_bulk,
        plan_allowance_add,
        plan_approve,
        plan_close,
        plan_create,
        plan_generate,
        plan_source_set,
        plan_tier_set,
        surplus_decide,
    )
    from resourcelink.fund.models import FundAccount
    from resourcelink.people.models import Resident

    station, admin, worker, tags, items = builder.station, builder.admin, builder.worker, store["tags"], store["items"]
    agency_lot = store["agency"].lines.get().lots.get()
    centre_lots = {lot.item.code: lot for line in store["centre"].lines.all() for lot in line.lots.all()}
    solatium = FundAccount.objects.get(donation=store["solatium"])

    hardship = plan_create(actor=worker, station=station, name="困境家庭慰问（口罩和慰问金）",
                           distribute_on=builder.days_ago(5), description="链家房产中介和贝壳公益的慰问物资和慰问金")
    plan_source_set(actor=worker, plan=hardship, lot=agency_lot)
    plan_source_set(actor=worker, plan=hardship, fund_account=solatium)
    plan_tier_set(actor=worker, plan=hardship, rank=1, tags=[tags["special_hardship"]])
    plan_tier_set(actor=worker, plan=hardship, rank=2, tags=[tags["elderly_alone"]])
    plan_allowance_add(actor=worker, plan=hardship, item=items["masks"], quantity=10, basis="person")
    plan_allowance_add(actor=worker, plan=hardship, amount=2000, basis="household", tag=tags["special_hardship"])
    plan_generate(actor=worker, plan=hardship)
    plan_approve(actor=admin, plan=hardship)
    lines = list(hardship.lines.filter(status=LineStatus.PLANNED).order_by("id"))
    if lines:
        handover_record(actor=worker, line=lines[0], collected_by="邻居代领", note="本人行动不便")
        handover_record_bulk(actor=worker, plan=hardship, line_ids=[line.pk for line in lines[1:-2]])
    plan_close(actor=admin, plan=hardship, reason="发放结束，未领取的收回")
    volunteers = list(Resident.objects.filter(station=station, tags=tags["volunteer"], archived_on__isnull=True)
                      .order_by("id")[:3])
    for row in surplus_for_plan(hardship):
        if row["left"] >= len(volunteers) > 0:
            each = row["left"] // len(volunteers)
            surplus_decide(actor=worker, plan=hardship, lot=row["lot"], kind="commend",
                           quantity=each * len(volunteers), reason="表彰一线抗疫志愿者",
                           awards=[(v, "", each) for v in volunteers])

    frontline = plan_create(actor=worker, station=station, name="一线人员防护物资", distribute_on=builder.today)
    for code in ("protective_clothing", "gloves"):
        plan_source_set(actor=worker, plan=frontline, lot=centre_lots[code])
    plan_tier_set(actor=worker, plan=frontline, rank=1, tags=[tags["frontline_worker"]])
    plan_tier_set(actor=worker, plan=frontline, rank=2, tags=[tags["volunteer"]])
    plan_allowance_add(actor=worker, plan=frontline, item=items["protective_clothing"], quantity=2, basis="person",
                       tag=tags["frontline_worker"])
    plan_allowance_add(actor=worker, plan=frontline, item=items["gloves"], quantity=10, basis="person")
    plan_generate(actor=worker, plan=frontline)
    if frontline.lines.exists():
        plan_approve(actor=admin, plan=frontline)
        first = frontline.lines.filter(status=LineStatus.PLANNED).order_by("id").first()
        handover_record(actor=worker, line=first)
