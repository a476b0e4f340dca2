"""A station that received gifts and gave them out, for the public pages.

Built through the services the application uses: donations received in kind
and in cash, stock issued and written off outside plans, direct fund grants,
and a distribution plan with hand-overs. Every personal value the fixture
holds — residents' names, phones, ID numbers, household names and addresses,
collectors, notes, reasons, the donors' own contact details — is listed in
``PERSONAL`` so the privacy test can search every public page for all of
them.
"""

from decimal import Decimal

from resourcelink.communities.services import grid_create
from resourcelink.distribution import services as plans
from resourcelink.distribution.models import PlanLine
from resourcelink.donations.services import LineSpec, donation_feedback_record
from resourcelink.donations.testing import (
    days_ago,
    get_item,
    make_cash,
    make_donor,
    make_in_kind,
    make_store,
)
from resourcelink.fund.models import FundAccount
from resourcelink.fund.services import fund_general_account, fund_grant
from resourcelink.inventory.models import Lot
from resourcelink.inventory.services import stock_issue, stock_write_off
from resourcelink.people.models import VulnerabilityTag
from resourcelink.people.testing import make_household, make_resident
from resourcelink.people.tests.base import PeopleTestCase, id_number

# Private details of the donors: never on a public page, not even the report.
DONOR_PRIVATE = ["陈经理", "13600002222", "钱塘路88号", "老客户，每年捐"]


class PublicityTestCase(PeopleTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        s = cls.station
        cls.pregnant = VulnerabilityTag.objects.get(station=s, code="pregnant")
        cls.grid2 = grid_create(actor=None, community=cls.community, name="第二网格", code="g2", check=False)
        # 8 more elderly households in grid 1 (张家 makes 9), 6 households
        # with a disabled resident in grid 2, 3 pregnant in 东坡 (no grid).
        cls.elderly_households = [cls.household] + [
            cls._household(cls.community, cls.grid, n, tag=cls.elderly) for n in range(8)]
        cls.disabled_households = [cls._household(cls.community, cls.grid2, 10 + n, tag=cls.disability)
                                   for n in range(6)]
        cls.pregnant_households = [cls._household(cls.other_community, None, 20 + n, tag=cls.pregnant)
                                   for n in range(3)]

        cls.agency = make_donor(s, kind="enterprise", name="绿城房产中介", may_be_named=True,
                                contact_name="陈经理", phone="13600002222", address="钱塘路88号",
                                notes="老客户，每年捐")
        cls.shy = make_donor(s, kind="party_member", name="匿名党员周先生", may_be_named=False)
        cls.welfare = make_donor(s, kind="organization", name="春风公益基金会", may_be_named=True)
        cls.store = make_store(s, "社区仓库")
        cls.masks, cls.gloves = get_item(s, "masks"), get_item(s, "gloves")
        # In kind: 1,000 masks and 200 pairs of gloves from the agency.
        cls.in_kind = make_in_kind(s, cls.bob, donor=cls.agency, store=cls.store, received_on=days_ago(20),
                                   lines=[LineSpec(cls.masks, 1000, days_ago(-300), Decimal("500.00")),
                                          LineSpec(cls.gloves, 200, None, Decimal("400.00"))],
                                   description="内部备注：张建国家需要口罩")
        cls.mask_lot = Lot.objects.get(donation_line__donation=cls.in_kind, item=cls.masks)
        cls.glove_lot = Lot.objects.get(donation_line__donation=cls.in_kind, item=cls.gloves)
        # Outside any plan: 30 masks issued at the door, 10 written off.
        stock_issue(actor=cls.bob, lot=cls.mask_lot, quantity=30, from_reserved=False,
                    reason="送给张建国", check=False)
        stock_write_off(actor=cls.bob, lot=cls.mask_lot, quantity=10, reason="受潮（李秀英家旁边仓库）",
                        check=False)
        # In cash, restricted to the elderly: 2,000 yuan per household.
        cls.cash = make_cash(s, cls.bob, "20000.00", donor=cls.welfare, received_on=days_ago(15),
                             target_tags=[cls.elderly], restriction_note="给困难老人过冬")
        cls.cash_account = FundAccount.objects.get(donation=cls.cash)
        # Direct grants: 2 elderly households (too few to count in public).
        for household in cls.elderly_households[7:9]:
            fund_grant(actor=cls.bob, account=cls.cash_account, household=household, amount="500.00",
                       reason="张建国家急用", check=False)
        # Unrestricted cash from a party member who may not be named.
        cls.general_cash = make_cash(s, cls.bob, "3000.00", donor=cls.shy, received_on=days_ago(10))
        donation_feedback_record(actor=cls.bob, donation=cls.in_kind, sent_on=days_ago(1), check=False)
        cls.chosen = cls._household(cls.other_community, None, 30, tag=None)
        cls._winter_plan()
        cls._general_plan()
        cls.draft = plans.plan_create(actor=cls.bob, station=s, name="下周的发放（草稿）",
                                      distribute_on=days_ago(-7), check=False)
        cls.personal = list(cls.PERSONAL) + DONOR_PRIVATE + [
            "内部备注：张建国家需要口罩", "送给张建国", "受潮（李秀英家旁边仓库）", "张建国家急用"]
        cls.personal += ["邻居王阿姨代领", "放在门卫室，李秀英签收", "统一发放，户主签字", "志愿者陈晓", "志愿者刘洋",
                         "线上义卖活动（王阿姨组织）", "奖励给张建国的儿子", "张建国说要换成大米"]
        # Another station's donation: never on this station's page.
        cls.far_donation = make_cash(cls.other_station, cls.oscar, "88.00",
                                     donor=make_donor(cls.other_station, name="北山超市", may_be_named=True))

    @classmethod
    def _winter_plan(cls):
        """Closed: masks and gloves for every household of four tiers, money
        for the elderly; 17 of 18 lines handed over, then a surplus decision."""
        plan = plans.plan_create(actor=cls.bob, station=cls.station, name="冬季慰问发放",
                                 distribute_on=days_ago(5), check=False)
        for source in ({"lot": cls.mask_lot}, {"lot": cls.glove_lot}, {"fund_account": cls.cash_account}):
            plans.plan_source_set(actor=cls.bob, plan=plan, check=False, **source)
        for rank, tags in enumerate(([cls.elderly], [cls.disability], [cls.pregnant]), start=1):
            plans.plan_tier_set(actor=cls.bob, plan=plan, rank=rank, tags=tags, check=False)
        plans.plan_tier_set(actor=cls.bob, plan=plan, rank=4, households=[cls.chosen], check=False)
        plans.plan_allowance_add(actor=cls.bob, plan=plan, item=cls.masks, quantity=20, check=False)
        plans.plan_allowance_add(actor=cls.bob, plan=plan, item=cls.gloves, quantity=4, check=False)
        plans.plan_allowance_add(actor=cls.bob, plan=plan, amount=Decimal("1000"), tag=cls.elderly, check=False)
        plans.plan_generate(actor=cls.bob, plan=plan, check=False)
        # 张家 gets 30 masks instead of 20, with the reason kept.
        line = PlanLine.objects.get(plan=plan, household=cls.household)
        plans.plan_line_update(actor=cls.bob, line=line, quantities={line.portions.get(lot=cls.mask_lot).pk: 30},
                               reason="张建国说要换成大米", check=False)
        plans.plan_approve(actor=cls.alice, plan=plan, check=False)
        lines = {line.household_id: line for line in PlanLine.objects.filter(plan=plan)}
        plans.handover_record(actor=cls.bob, line=lines.pop(cls.household.pk), collected_by="邻居王阿姨代领",
                              note="放在门卫室，李秀英签收", check=False)
        lines.pop(cls.pregnant_households[0].pk)  # never collected
        plans.handover_record_bulk(actor=cls.bob, plan=plan, line_ids=[line.pk for line in lines.values()],
                                   note="统一发放，户主签字", check=False)
        plans.plan_close(actor=cls.alice, plan=plan, reason="发放结束", check=False)
        plans.surplus_decide(actor=cls.bob, plan=plan, lot=cls.mask_lot, kind="commend", quantity=10,
                             awards=[(None, "志愿者陈晓", 6), (None, "志愿者刘洋", 4)],
                             reason="奖励给张建国的儿子", check=False)
        plans.surplus_decide(actor=cls.bob, plan=plan, lot=cls.mask_lot, kind="online", quantity=10,
                             activity="线上义卖活动（王阿姨组织）", check=False)
        cls.winter = plan

    @classmethod
    def _general_plan(cls):
        """In progress: 200 yuan of the general fund for each disabled
        household; 3 of 6 handed over so far."""
        plan = plans.plan_create(actor=cls.bob, station=cls.station, name="助残补贴", distribute_on=days_ago(1),
                                 check=False)
        plans.plan_source_set(actor=cls.bob, plan=plan, fund_account=fund_general_account(cls.station),
                              check=False)
        plans.plan_tier_set(actor=cls.bob, plan=plan, rank=1, tags=[cls.disability], check=False)
        plans.plan_allowance_add(actor=cls.bob, plan=plan, amount=Decimal("200"), check=False)
        plans.plan_generate(actor=cls.bob, plan=plan, check=False)
        plans.plan_approve(actor=cls.alice, plan=plan, check=False)
        first = PlanLine.objects.filter(plan=plan, household__in=cls.disabled_households).order_by("id")[:3]
        plans.handover_record_bulk(actor=cls.bob, plan=plan, line_ids=[line.pk for line in first], check=False)
        cls.general_plan = plan

    @classmethod
    def _household(cls, community, grid, n, *, tag):
        name, address = f"户主{n:02d}家", f"幸福路{n}号{n}单元{300 + n}室"
        resident, phone = f"居民{n:02d}号", f"139{n:08d}"
        household = make_household(cls.station, community, grid=grid, name=name, address=address)
        number = id_number("330106", f"19{40 + n:02d}0101", f"{n:03d}")
        make_resident(household, name=resident, phone=phone, id_number=number, tags=[tag] if tag else [])
        cls.PERSONAL = cls.PERSONAL + [name, address, resident, phone, number]
        return household
