"""A station with households in two communities, lots and money, for the
distribution tests (personas from ``people.tests.base``).

- ``zhang_home`` (the people base's household, community 湖滨, grid 第一网格):
  张建国 (elderly living alone) and 李秀英 (disability);
- ``wang_home`` (湖滨, no grid): one frontline worker and one resident with no tag;
- ``chen_home`` (东坡): one resident with special hardship;
- ``liu_home`` (东坡): one resident, no tag (a "chosen" household).
"""

from django.utils import timezone

from resourcelink.distribution import services
from resourcelink.distribution.testing import get_tag
from resourcelink.inventory.testing import get_item, make_lot, make_store
from resourcelink.people.testing import make_household, make_resident
from resourcelink.people.tests.base import PeopleTestCase


class PlanTestCase(PeopleTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.zhang_home = cls.household
        cls.frontline = get_tag(cls.station, "frontline_worker")
        cls.hardship = get_tag(cls.station, "special_hardship")
        cls.wang_home = make_household(cls.station, cls.community)
        cls.wang = make_resident(cls.wang_home, tags=[cls.frontline])
        cls.wang_child = make_resident(cls.wang_home, relation="child")
        cls.chen_home = make_household(cls.station, cls.other_community)
        cls.chen = make_resident(cls.chen_home, tags=[cls.hardship])
        cls.liu_home = make_household(cls.station, cls.other_community)
        cls.liu = make_resident(cls.liu_home)
        cls.store = make_store(cls.station, "社工站仓库")
        cls.masks = get_item(cls.station, "masks")
        cls.water = get_item(cls.station, "drinking_water")

    def new_plan(self, **fields):
        fields.setdefault("name", "防疫物资发放")
        fields.setdefault("distribute_on", timezone.localdate())
        return services.plan_create(actor=self.bob, station=self.station, **fields)

    def lot(self, quantity=100, item=None, **fields):
        return make_lot(self.store, item or self.masks, quantity, **fields)

    def ready_plan(self, *, masks: int = 100, money: str | None = "1500", approve: bool = False, **fields):
        """A generated plan for 张家 (2 persons), 王家 (2) and 陈 (1): five
        masks a person from one lot of ``masks`` units and, with ``money``,
        500 yuan a household from the general fund holding ``money``.
        Returns (plan, lot, account or None)."""
        from resourcelink.fund.testing import general_with

        plan = self.new_plan(**fields)
        lot = self.lot(masks)
        services.plan_source_set(actor=self.bob, plan=plan, lot=lot)
        account = None
        if money:
            account = general_with(self.station, self.bob, money)
            services.plan_source_set(actor=self.bob, plan=plan, fund_account=account)
            services.plan_allowance_add(actor=self.bob, plan=plan, amount="500")
        services.plan_tier_set(actor=self.bob, plan=plan, rank=1, tags=[self.elderly, self.hardship, self.frontline])
        services.plan_allowance_add(actor=self.bob, plan=plan, item=self.masks, quantity=5, basis="person")
        services.plan_generate(actor=self.bob, plan=plan)
        if approve:
            services.plan_approve(actor=self.alice, plan=plan)
        return plan, lot, account

    def line_of(self, plan, household):
        from resourcelink.distribution.models import PlanLine

        return PlanLine.objects.get(plan=plan, household=household)

    def assertLedgersAgree(self, plan):
        from resourcelink.distribution.testing import ledger_problems

        plan.refresh_from_db()
        self.assertEqual(ledger_problems(plan), [])
