"""The plan pages through HTTP: the list, creating and setting up a draft
(sources, tiers with a household search, allowances), generating, the plan
page's figures and lines, line edits, and the status moves.

Fixture (``PlanPagesTestCase``, also used by ``test_pages_handover``):
the people base's 张家 (湖滨, grid 第一网格: an elderly resident and one
with a disability), 王家 (湖滨, same grid, elderly), 陈家 (东坡, no grid,
disability); two lots of masks (30 expiring soon, 100 later) and ¥5,000 in
the general fund; and a draft by bob: tier 1 the elderly, tier 2 the
disabled, 10 masks per person and ¥200 per household. Another station has
its own generated plan (the outsider's).
"""

import datetime
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from resourcelink.distribution import services
from resourcelink.distribution.models import (
    Allowance,
    LineStatus,
    Plan,
    PlanLine,
    PlanSource,
    PlanStatus,
    PlanTier,
)
from resourcelink.fund.testing import general_with
from resourcelink.inventory.models import Lot
from resourcelink.inventory.testing import get_item, make_lot, make_store
from resourcelink.people.testing import make_household, make_resident
from resourcelink.people.tests.base import PeopleTestCase


class PlanPagesTestCase(PeopleTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        today = timezone.localdate()
        cls.wang_home = make_household(cls.station, cls.community, grid=cls.grid, name="王家",
                                       address="湖滨路8号")
        cls.wang = make_resident(cls.wang_home, name="王小红", phone="13900002222", tags=[cls.elderly])
        cls.chen_home = make_household(cls.station, cls.other_community, name="陈家", address="东坡路3号")
        cls.chen = make_resident(cls.chen_home, name="陈大明", phone="13700003333", tags=[cls.disability])
        cls.store = make_store(cls.station, "社工站仓库")
        cls.store2 = make_store(cls.station, "二号仓库")
        cls.masks = get_item(cls.station, "masks")
        cls.lot_soon = make_lot(cls.store, cls.masks, 30, expires_on=today + datetime.timedelta(days=20))
        cls.lot_late = make_lot(cls.store, cls.masks, 100, expires_on=today + datetime.timedelta(days=200))
        cls.account = general_with(cls.station, cls.alice, "5000.00")
        cls.plan = cls.make_draft()
        # The outsider's station: a generated plan of its own.
        far_store = make_store(cls.other_station, "北山仓库")
        far_lot = make_lot(far_store, get_item(cls.other_station, "masks"), 50)
        cls.far_plan = services.plan_create(actor=None, station=cls.other_station, name="北山发放",
                                            distribute_on=today, check=False)
        services.plan_tier_set(actor=None, plan=cls.far_plan, rank=1, households=[cls.far_household], check=False)
        services.plan_source_set(actor=None, plan=cls.far_plan, lot=far_lot, check=False)
        services.plan_allowance_add(actor=None, plan=cls.far_plan, item=get_item(cls.other_station, "masks"),
                                    quantity=5, check=False)
        services.plan_generate(actor=None, plan=cls.far_plan, check=False)
        cls.far_line = PlanLine.objects.get(plan=cls.far_plan)
        cls.PERSONAL = [*cls.PERSONAL, "王家", "王小红", "13900002222", "陈家", "陈大明", "13700003333", "湖滨路8号",
                        "东坡路3号"]

    @classmethod
    def make_draft(cls, name="防疫物资发放", generate=True) -> Plan:
        plan = services.plan_create(actor=cls.bob, station=cls.station, name=name,
                                    distribute_on=timezone.localdate(), check=False)
        services.plan_tier_set(actor=None, plan=plan, rank=1, tags=[cls.elderly], check=False)
        services.plan_tier_set(actor=None, plan=plan, rank=2, tags=[cls.disability], check=False)
        services.plan_source_set(actor=None, plan=plan, lot=cls.lot_soon, check=False)
        services.plan_source_set(actor=None, plan=plan, lot=cls.lot_late, check=False)
        services.plan_source_set(actor=None, plan=plan, fund_account=cls.account, check=False)
        services.plan_allowance_add(actor=None, plan=plan, item=cls.masks, quantity=10, basis="person",
                                    check=False)
        services.plan_allowance_add(actor=None, plan=plan, amount=Decimal("200"), check=False)
        if generate:
            services.plan_generate(actor=None, plan=plan, check=False)
        return plan

    def approve(self, plan=None):
        plan = plan or self.plan
        services.plan_approve(actor=self.alice, plan=plan)
        plan.refresh_from_db()
        return plan

    def line_of(self, household, plan=None) -> PlanLine:
        return PlanLine.objects.get(plan=plan or self.plan, household=household)

    def url(self, name, *args):
        return reverse(f"distribution:{name}", args=args)


class PlanListTests(PlanPagesTestCase):
    def test_it_lists_the_stations_plans_with_lines_handed_over_of_total(self):
        self.login(self.bob)
        r = self.client.get(self.url("plan_list"))
        self.assertEqual(r.status_code, 200)
        self.assertEqual([p.pk for p in r.context["page_obj"]], [self.plan.pk])
        self.assertContains(r, "防疫物资发放")
        self.assertContains(r, "0 of 3 lines handed over")
        self.assertNotContains(r, "北山发放")

    def test_it_filters_by_status_and_answers_htmx_with_rows(self):
        cancelled = self.make_draft("取消的计划", generate=False)
        services.plan_cancel(actor=self.bob, plan=cancelled, reason="重复")
        self.login(self.victor)
        r = self.client.get(self.url("plan_list"), {"status": "cancelled"}, headers={"hx-request": "true"})
        self.assertEqual(r.status_code, 200)
        self.assertNotContains(r, "<html")
        self.assertEqual([p.pk for p in r.context["page_obj"]], [cancelled.pk])
        r = self.client.get(self.url("plan_list"), {"status": "draft"})
        self.assertEqual([p.pk for p in r.context["page_obj"]], [self.plan.pk])
        r = self.client.get(self.url("plan_list"), {"status": "nonsense"})
        self.assertEqual(r.status_code, 200)
        self.assertEqual(len(r.context["page_obj"]), 2)

    def test_the_outsider_sees_only_their_station(self):
        self.login(self.oscar)
        r = self.client.get(self.url("plan_list"))
        self.assertEqual([p.pk for p in r.context["page_obj"]], [self.far_plan.pk])


class PlanFormTests(PlanPagesTestCase):
    def test_it_creates_a_draft_and_goes_on_to_its_setup(self):
        self.login(self.bob)
        self.assertEqual(self.client.get(self.url("plan_create")).status_code, 200)
        r = self.client.post(self.url("plan_create"), {
            "name": "夏季防暑发放", "distribute_on": "2031-07-01", "description": "风扇和饮用水",
            "communities": [self.community.pk], "whole_allowances": "on"})
        plan = Plan.objects.get(name="夏季防暑发放")
        self.assertRedirects(r, self.url("plan_edit", plan.pk))
        self.assertEqual(plan.status, PlanStatus.DRAFT)
        self.assertEqual(plan.distribute_on, datetime.date(2031, 7, 1))
        self.assertEqual(list(plan.communities.all()), [self.community])
        self.assertTrue(plan.whole_allowances)

    def test_bad_input_shows_why_and_creates_nothing(self):
        self.login(self.bob)
        before = Plan.objects.count()
        r = self.client.post(self.url("plan_create"), {"name": "", "distribute_on": "not a date"})
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "This field is required.")
        self.assertContains(r, "Enter a valid date.")
        r = self.client.post(self.url("plan_create"), {"name": "x", "distribute_on": "2031-07-01",
                                                       "communities": [self.other_community_far.pk]})
        self.assertContains(r, "Select a valid choice.")
        self.assertEqual(Plan.objects.count(), before)

    def test_viewers_may_not_create_or_edit(self):
        self.login(self.victor)
        self.assertEqual(self.client.get(self.url("plan_create")).status_code, 403)
        r = self.client.post(self.url("plan_create"), {"name": "x", "distribute_on": "2031-07-01"})
        self.assertEqual(r.status_code, 403)
        self.assertEqual(self.client.get(self.url("plan_edit", self.plan.pk)).status_code, 403)
        self.assertFalse(Plan.objects.filter(name="x").exists())

    def test_it_edits_a_draft_with_a_reason_kept_in_the_timeline(self):
        self.login(self.bob)
        r = self.client.get(self.url("plan_edit", self.plan.pk))
        self.assertContains(r, "防疫物资发放")
        r = self.client.post(self.url("plan_edit", self.plan.pk), {
            "name": "防疫物资第一批", "distribute_on": self.plan.distribute_on.isoformat(), "whole_allowances": "on",
            "reason": "按街道通知改名"})
        self.assertRedirects(r, self.url("plan_edit", self.plan.pk))
        self.plan.refresh_from_db()
        self.assertEqual(self.plan.name, "防疫物资第一批")
        r = self.client.get(self.url("plan_detail", self.plan.pk))
        self.assertContains(r, "按街道通知改名")

    def test_only_a_draft_can_be_edited(self):
        self.approve()
        self.login(self.bob)
        r = self.client.get(self.url("plan_edit", self.plan.pk), follow=True)
        self.assertRedirects(r, self.url("plan_detail", self.plan.pk))
        self.assertContains(r, "Only a draft plan can be changed")
        r = self.client.post(self.url("plan_edit", self.plan.pk), {
            "name": "改名", "distribute_on": self.plan.distribute_on.isoformat()})
        self.plan.refresh_from_db()
        self.assertEqual(self.plan.name, "防疫物资发放")

    def test_the_outsider_gets_404(self):
        self.login(self.oscar)
        for name in ("plan_detail", "plan_edit"):
            self.assertEqual(self.client.get(self.url(name, self.plan.pk)).status_code, 404, name)


class SetupTests(PlanPagesTestCase):
    def setUp(self):
        self.draft = self.make_draft("空白计划", generate=False)
        PlanSource.objects.filter(plan=self.draft).delete()
        self.login(self.bob)

    def test_it_adds_lots_and_money_with_an_optional_limit(self):
        r = self.client.post(self.url("source_add", self.draft.pk), {"kind": "lot", "lot": self.lot_late.pk,
                                                                     "quantity": "40"})
        self.assertRedirects(r, self.url("plan_edit", self.draft.pk) + "#sources")
        r = self.client.post(self.url("source_add", self.draft.pk), {"kind": "fund",
                                                                     "fund_account": self.account.pk})
        sources = PlanSource.objects.filter(plan=self.draft).order_by("id")
        self.assertEqual([(s.lot_id, s.quantity, s.fund_account_id, s.amount) for s in sources],
                         [(self.lot_late.pk, 40, None, None), (None, None, self.account.pk, None)])

    def test_the_setup_page_shows_available_stock_expiry_and_restrictions_in_words(self):
        from resourcelink.fund.testing import restricted_account

        restricted = restricted_account(self.station, self.alice, "800.00", target_tags=[self.elderly])
        r = self.client.get(self.url("plan_edit", self.draft.pk))
        self.assertContains(r, f"lot #{self.lot_soon.pk} · 30 ")
        self.assertContains(r, f"expires {self.lot_soon.expires_on.isoformat()}")
        self.assertContains(r, "¥5,000.00 available · no restriction")
        self.assertContains(r, f"{restricted.name} · ¥800.00 available · Only for: {self.elderly.name}")

    def test_htmx_gets_the_sources_section_alone(self):
        r = self.client.post(self.url("source_add", self.draft.pk), {"kind": "lot", "lot": self.lot_soon.pk},
                             headers={"hx-request": "true"})
        self.assertEqual(r.status_code, 200)
        self.assertNotContains(r, "<html")
        self.assertContains(r, "The source was saved.")
        self.assertContains(r, f"lot #{self.lot_soon.pk}")
        source = PlanSource.objects.get(plan=self.draft)
        r = self.client.post(self.url("source_remove", source.pk), headers={"hx-request": "true"})
        self.assertContains(r, "The source was removed from the plan.")
        self.assertFalse(PlanSource.objects.filter(plan=self.draft).exists())

    def test_bad_sources_are_refused_and_nothing_changes(self):
        far_lot = Lot.objects.filter(station=self.other_station).first()
        r = self.client.post(self.url("source_add", self.draft.pk), {"kind": "lot", "lot": far_lot.pk})
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "Select a valid choice.")
        r = self.client.post(self.url("source_add", self.draft.pk), {"kind": "lot", "lot": self.lot_soon.pk,
                                                                     "quantity": "-3"})
        self.assertContains(r, "Ensure this value is greater than or equal to 1.")
        r = self.client.post(self.url("source_add", self.draft.pk), {"kind": "fund", "fund_account": ""})
        self.assertContains(r, "This field is required.")
        self.assertFalse(PlanSource.objects.filter(plan=self.draft).exists())

    def test_it_sets_and_removes_tiers_of_groups_and_chosen_households(self):
        r = self.client.post(self.url("tier_set", self.draft.pk), {
            "rank": "3", "tags": [self.disability.pk], "households": [self.wang_home.pk, self.chen_home.pk]})
        self.assertRedirects(r, self.url("plan_edit", self.draft.pk) + "#tiers")
        tier = PlanTier.objects.get(plan=self.draft, rank=3)
        self.assertEqual(list(tier.tags.all()), [self.disability])
        self.assertEqual({h.pk for h in tier.households.all()}, {self.wang_home.pk, self.chen_home.pk})
        r = self.client.get(self.url("plan_edit", self.draft.pk))
        self.assertContains(r, f"王* (#{self.wang_home.pk})")
        self.assertNotContains(r, "王家")
        r = self.client.post(self.url("tier_remove", tier.pk))
        self.assertFalse(PlanTier.objects.filter(pk=tier.pk).exists())

    def test_a_tier_needs_a_group_or_a_household_of_this_station(self):
        for data, message in [
            ({"rank": "3"}, "Choose at least one group or one household for the tier."),
            ({"rank": "3", "households": [self.far_household.pk]}, "Choose households of this station."),
            ({"rank": "9", "tags": [self.elderly.pk]}, "Ensure this value is less than or equal to 5."),
        ]:
            r = self.client.post(self.url("tier_set", self.draft.pk), data)
            self.assertEqual(r.status_code, 200)
            self.assertContains(r, message)
        self.assertFalse(PlanTier.objects.filter(plan=self.draft, rank__gt=2).exists())

    def test_households_are_found_by_number_or_masked_name_never_by_the_name_itself(self):
        search = self.url("household_search", self.draft.pk)
        r = self.client.get(search, {"q": f"#{self.chen_home.pk}"})
        self.assertEqual([row["pk"] for row in r.context["rows"]], [self.chen_home.pk])
        self.assertContains(r, "陈*")
        self.assertNotContains(r, "陈家")
        r = self.client.get(search, {"q": "王*"})
        self.assertEqual([row["pk"] for row in r.context["rows"]], [self.wang_home.pk])
        r = self.client.get(search, {"q": "王家"})
        self.assertEqual(r.context["rows"], [])
        r = self.client.get(search, {"q": f"{self.far_household.pk}"})
        self.assertEqual(r.context["rows"], [])
        # Households ticked before a new search stay ticked.
        r = self.client.get(search, {"q": "陈", "households": [self.wang_home.pk]})
        self.assertEqual([h["pk"] for h in r.context["chosen"]], [self.wang_home.pk])
        self.assertContains(r, f'value="{self.wang_home.pk}" checked')

    def test_it_adds_item_and_money_allowances_and_removes_them(self):
        Allowance.objects.filter(plan=self.draft).delete()
        self.client.post(self.url("allowance_add", self.draft.pk), {
            "item": self.masks.pk, "quantity": "5", "basis": "person", "tag": self.elderly.pk})
        self.client.post(self.url("allowance_add", self.draft.pk), {"amount": "2000", "basis": "household"})
        allowances = list(Allowance.objects.filter(plan=self.draft).order_by("id"))
        self.assertEqual([(a.item_id, a.quantity, a.amount, a.basis, a.tag_id) for a in allowances],
                         [(self.masks.pk, 5, None, "person", self.elderly.pk),
                          (None, None, Decimal("2000.00"), "household", None)])
        r = self.client.post(self.url("allowance_remove", allowances[0].pk), follow=True)
        self.assertContains(r, "The allowance was removed.")
        self.assertEqual(Allowance.objects.filter(plan=self.draft).count(), 1)

    def test_bad_allowances_say_why(self):
        before = Allowance.objects.filter(plan=self.draft).count()
        for data, message in [
            ({"item": self.masks.pk, "basis": "person"}, "Say how many units each recipient gets."),
            ({"basis": "household"}, "Say how much money each recipient gets, or choose an item."),
            ({"amount": "12.50", "basis": "household"}, "Give money in whole yuan"),
            ({"item": self.masks.pk, "quantity": "2", "amount": "5", "basis": "person"},
             "An item allowance has a quantity, not an amount."),
        ]:
            r = self.client.post(self.url("allowance_add", self.draft.pk), data)
            self.assertContains(r, message)
        self.assertEqual(Allowance.objects.filter(plan=self.draft).count(), before)

    def test_viewers_get_403_and_outsiders_404_on_every_setup_write(self):
        tier = PlanTier.objects.filter(plan=self.draft).first()
        allowance = Allowance.objects.filter(plan=self.draft).first()
        source = services.plan_source_set(actor=self.bob, plan=self.draft, lot=self.lot_soon)
        posts = [
            (self.url("source_add", self.draft.pk), {"kind": "lot", "lot": self.lot_late.pk}),
            (self.url("source_remove", source.pk), {}),
            (self.url("tier_set", self.draft.pk), {"rank": "4", "tags": [self.elderly.pk]}),
            (self.url("tier_remove", tier.pk), {}),
            (self.url("allowance_add", self.draft.pk), {"amount": "10", "basis": "household"}),
            (self.url("allowance_remove", allowance.pk), {}),
            (self.url("plan_generate", self.draft.pk), {}),
        ]
        for user, status in ((self.victor, 403), (self.oscar, 404)):
            self.login(user)
            for url, data in posts:
                self.assertEqual(self.client.post(url, data).status_code, status, url)
            self.assertEqual(self.client.get(self.url("household_search", self.draft.pk), {"q": "张"}).status_code,
                             status)
        self.assertEqual(PlanSource.objects.filter(plan=self.draft).count(), 1)
        self.assertEqual(PlanTier.objects.filter(plan=self.draft).count(), 2)
        self.assertEqual(Allowance.objects.filter(plan=self.draft).count(), 2)
        self.assertFalse(PlanLine.objects.filter(plan=self.draft).exists())


class GenerateAndPlanPageTests(PlanPagesTestCase):
    def test_generating_makes_one_line_per_household_and_says_so(self):
        draft = self.make_draft("再生成", generate=False)
        self.login(self.bob)
        r = self.client.post(self.url("plan_generate", draft.pk), follow=True)
        self.assertRedirects(r, self.url("plan_detail", draft.pk))
        self.assertContains(r, "The plan was generated: 3 lines for 3 recipients.")
        self.assertEqual(PlanLine.objects.filter(plan=draft).count(), 3)

    def test_generating_without_allowances_says_what_is_missing(self):
        draft = self.make_draft("不完整", generate=False)
        Allowance.objects.filter(plan=draft).delete()
        self.login(self.bob)
        r = self.client.post(self.url("plan_generate", draft.pk), follow=True)
        self.assertContains(r, "The plan was not generated: Add at least one allowance")
        self.assertFalse(PlanLine.objects.filter(plan=draft).exists())

    def test_the_plan_page_shows_the_figures_and_every_lines_why(self):
        self.login(self.bob)
        r = self.client.get(self.url("plan_detail", self.plan.pk))
        self.assertEqual(r.status_code, 200)
        figures = {row["label"]: row for row in r.context["allowance_figures"]}
        masks = figures[f"{self.masks.name} × 10 {self.masks.unit} per person"]
        self.assertEqual((masks["asked"], masks["given"], masks["short"]), ("40", "40", ""))
        money = figures["¥200.00 per household"]
        self.assertEqual((money["asked"], money["given"]), ("¥600.00", "¥600.00"))
        zhang = next(row for row in r.context["rows"] if row["line"].household_id == self.household.pk)
        self.assertEqual(zhang["recipient"], "张*")
        self.assertEqual(zhang["items"], [f"{self.masks.name} × 20 {self.masks.unit}", "¥200.00"])
        self.assertIn("tier 1", zhang["why"])
        self.assertIn(f"group: {self.elderly.name}", zhang["why"])
        self.assertIn(f"from lot #{self.lot_soon.pk}, which expires {self.lot_soon.expires_on.isoformat()} "
                      "(sooner-expiring lots go first)", zhang["why"])
        chen = next(row for row in r.context["rows"] if row["line"].household_id == self.chen_home.pk)
        self.assertIn("tier 2", chen["why"])
        self.assertContains(r, "张*")
        self.assertNotContains(r, "张家")

    def test_shortfalls_are_listed_by_reason_with_their_explanation(self):
        # Without the later lot only 30 masks: tier 1 takes them all, tier 2 gets none.
        services.plan_source_remove(actor=self.bob, source=PlanSource.objects.get(plan=self.plan, lot=self.lot_late))
        services.plan_generate(actor=self.bob, plan=self.plan)
        self.login(self.bob)
        r = self.client.get(self.url("plan_detail", self.plan.pk))
        reasons = {s["label"]: s for s in r.context["shortfalls"]}
        self.assertIn("none left: it went to households in earlier tiers", reasons)
        self.assertContains(r, "none left: it went to households in earlier tiers")
        masks = next(row for row in r.context["allowance_figures"] if row["label"].startswith(self.masks.name))
        self.assertEqual(masks["given"], "30")
        self.assertEqual(masks["short"], "10")

    def test_lines_filter_by_grid_and_status_and_htmx_gets_the_rows(self):
        self.login(self.bob)
        r = self.client.get(self.url("plan_detail", self.plan.pk), {"grid": self.grid.pk})
        self.assertEqual({row["line"].household_id for row in r.context["rows"]},
                         {self.household.pk, self.wang_home.pk})
        r = self.client.get(self.url("plan_detail", self.plan.pk), {"grid": "none"}, headers={"hx-request": "true"})
        self.assertNotContains(r, "<html")
        self.assertEqual([row["line"].household_id for row in r.context["rows"]], [self.chen_home.pk])
        r = self.client.get(self.url("plan_detail", self.plan.pk), {"status": "handed_over"})
        self.assertEqual(r.context["rows"], [])

    def test_viewers_see_household_numbers_only(self):
        self.login(self.victor)
        r = self.client.get(self.url("plan_detail", self.plan.pk))
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, f"Household #{self.household.pk}")
        for masked in ("张*", "王*", "陈*"):
            self.assertNotContains(r, masked)
        self.assertNotContains(r, 'action="/distribution/')  # no write form at all

    def test_the_outsider_gets_404_for_another_stations_plan(self):
        self.login(self.oscar)
        self.assertEqual(self.client.get(self.url("plan_detail", self.plan.pk)).status_code, 404)
        self.assertEqual(self.client.get(self.url("plan_detail", self.far_plan.pk)).status_code, 200)


class LineEditTests(PlanPagesTestCase):
    def setUp(self):
        self.line = self.line_of(self.household)
        self.portion = self.line.portions.filter(lot=self.lot_soon).get()
        self.login(self.bob)

    def test_it_changes_a_portion_with_the_reason_kept(self):
        r = self.client.get(self.url("line_edit", self.line.pk))
        self.assertContains(r, f"portion_{self.portion.pk}")
        r = self.client.post(self.url("line_edit", self.line.pk), {
            f"portion_{self.portion.pk}": "12", "reason": "张家只要12只"})
        self.assertRedirects(r, self.url("plan_detail", self.plan.pk))
        self.portion.refresh_from_db()
        self.line.refresh_from_db()
        self.assertEqual(self.portion.quantity, 12)
        self.assertEqual(self.line.edit_reason, "张家只要12只")
        r = self.client.get(self.url("plan_detail", self.plan.pk))
        self.assertContains(r, "changed by hand: 张家只要12只")

    def test_without_a_reason_or_with_too_much_nothing_changes(self):
        r = self.client.post(self.url("line_edit", self.line.pk), {f"portion_{self.portion.pk}": "12"})
        self.assertContains(r, "Say why: the reason is kept with the line.")
        r = self.client.post(self.url("line_edit", self.line.pk), {f"portion_{self.portion.pk}": "500",
                                                                   "reason": "多给"})
        self.assertContains(r, "are left for this line")
        r = self.client.post(self.url("line_edit", self.line.pk), {f"portion_{self.portion.pk}": "20",
                                                                   "reason": "没变"})
        self.assertContains(r, "Change a quantity, or remove the line below.")
        self.portion.refresh_from_db()
        self.assertEqual(self.portion.quantity, 20)

    def test_it_removes_a_line_with_a_reason(self):
        r = self.client.post(self.url("line_remove", self.line.pk), {"reason": ""}, follow=True)
        self.assertContains(r, "Say why: the reason is kept in the history.")
        self.line.refresh_from_db()
        self.assertEqual(self.line.status, LineStatus.PLANNED)
        r = self.client.post(self.url("line_remove", self.line.pk), {"reason": "已搬走"}, follow=True)
        self.assertContains(r, f"Line #{self.line.pk} was removed.")
        self.line.refresh_from_db()
        self.assertEqual(self.line.status, LineStatus.REMOVED)

    def test_lines_of_an_approved_plan_cannot_be_changed(self):
        self.approve()
        r = self.client.get(self.url("line_edit", self.line.pk), follow=True)
        self.assertContains(r, "Only a draft plan can be changed")
        r = self.client.post(self.url("line_remove", self.line.pk), {"reason": "x"}, follow=True)
        self.assertContains(r, "only a draft can be changed")
        self.line.refresh_from_db()
        self.assertEqual(self.line.status, LineStatus.PLANNED)

    def test_viewers_get_403_and_outsiders_404(self):
        for user, status in ((self.victor, 403), (self.oscar, 404)):
            self.login(user)
            self.assertEqual(self.client.get(self.url("line_edit", self.line.pk)).status_code, status)
            r = self.client.post(self.url("line_edit", self.line.pk), {f"portion_{self.portion.pk}": "1",
                                                                       "reason": "x"})
            self.assertEqual(r.status_code, status)
            self.assertEqual(self.client.post(self.url("line_remove", self.line.pk), {"reason": "x"}).status_code,
                             status)
        self.portion.refresh_from_db()
        self.assertEqual(self.portion.quantity, 20)


class StatusMoveTests(PlanPagesTestCase):
    def test_an_admin_approves_and_the_stock_is_reserved(self):
        self.login(self.bob)
        self.assertEqual(self.client.post(self.url("plan_approve", self.plan.pk)).status_code, 403)
        self.login(self.alice)
        r = self.client.post(self.url("plan_approve", self.plan.pk), follow=True)
        self.assertContains(r, "The plan was approved: its stock and money are reserved.")
        self.plan.refresh_from_db()
        self.lot_soon.refresh_from_db()
        self.assertEqual(self.plan.status, PlanStatus.APPROVED)
        self.assertEqual(self.lot_soon.reserved, 30)

    def test_a_stale_plan_is_not_approved_and_the_page_says_why(self):
        services.plan_source_set(actor=self.bob, plan=self.plan, lot=self.lot_late, quantity=50)
        self.login(self.alice)
        r = self.client.get(self.url("plan_detail", self.plan.pk))
        self.assertContains(r, "generate it again before approving")
        r = self.client.post(self.url("plan_approve", self.plan.pk), follow=True)
        self.assertContains(r, "The plan was not approved:")
        self.plan.refresh_from_db()
        self.assertEqual(self.plan.status, PlanStatus.DRAFT)

    def test_back_to_draft_needs_an_admin_and_a_reason(self):
        self.approve()
        self.login(self.bob)
        self.assertEqual(self.client.post(self.url("plan_unapprove", self.plan.pk), {"reason": "x"}).status_code,
                         403)
        self.login(self.alice)
        r = self.client.post(self.url("plan_unapprove", self.plan.pk), {"reason": ""}, follow=True)
        self.assertContains(r, "Say why: the reason is kept in the history.")
        self.plan.refresh_from_db()
        self.assertEqual(self.plan.status, PlanStatus.APPROVED)
        r = self.client.post(self.url("plan_unapprove", self.plan.pk), {"reason": "名单要复核"}, follow=True)
        self.assertContains(r, "The plan is a draft again")
        self.plan.refresh_from_db()
        self.lot_soon.refresh_from_db()
        self.assertEqual((self.plan.status, self.lot_soon.reserved), (PlanStatus.DRAFT, 0))
        self.assertContains(r, "名单要复核")  # in the timeline

    def test_editors_cancel_a_draft_with_a_reason(self):
        self.login(self.victor)
        self.assertEqual(self.client.post(self.url("plan_cancel", self.plan.pk), {"reason": "x"}).status_code, 403)
        self.login(self.bob)
        r = self.client.post(self.url("plan_cancel", self.plan.pk), {"reason": "  "}, follow=True)
        self.assertContains(r, "Say why")
        r = self.client.post(self.url("plan_cancel", self.plan.pk), {"reason": "物资改用于另一批"}, follow=True)
        self.assertContains(r, "The plan was cancelled.")
        self.plan.refresh_from_db()
        self.assertEqual(self.plan.status, PlanStatus.CANCELLED)
        r = self.client.post(self.url("plan_cancel", self.plan.pk), {"reason": "again"}, follow=True)
        self.assertContains(r, "only a draft can be changed")

    def test_an_admin_closes_and_is_sent_to_the_surplus(self):
        self.approve()
        self.login(self.bob)
        self.assertEqual(self.client.post(self.url("plan_close", self.plan.pk)).status_code, 403)
        self.login(self.alice)
        r = self.client.post(self.url("plan_close", self.plan.pk), {"reason": "发放结束"})
        self.assertRedirects(r, self.url("surplus", self.plan.pk))
        self.plan.refresh_from_db()
        self.assertEqual(self.plan.status, PlanStatus.CLOSED)
        self.assertEqual(set(self.plan.lines.values_list("status", flat=True)), {LineStatus.NOT_COLLECTED})

    def test_closing_a_draft_is_refused_with_a_message(self):
        self.login(self.alice)
        r = self.client.post(self.url("plan_close", self.plan.pk), follow=True)
        self.assertContains(r, "hand-overs are recorded only while it is approved or in progress")
        self.plan.refresh_from_db()
        self.assertEqual(self.plan.status, PlanStatus.DRAFT)

    def test_the_outsider_gets_404_on_every_move(self):
        self.login(self.oscar)
        for name in ("plan_generate", "plan_approve", "plan_unapprove", "plan_cancel", "plan_close"):
            self.assertEqual(self.client.post(self.url(name, self.plan.pk), {"reason": "x"}).status_code, 404, name)
        self.plan.refresh_from_db()
        self.assertEqual(self.plan.status, PlanStatus.DRAFT)


class QueryCountTests(PlanPagesTestCase):
    """The plan page, the sheets and the list cost the same number of
    queries for 3 lines as for 30."""

    def counts(self, households: int, tag: str) -> dict:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from resourcelink.distribution.testing import make_plan

        # Each plan's households carry a tag no other household has.
        plan = make_plan(self.station, actor=self.alice, households=households, grids=[self.grid], money=50,
                         tag=tag, approve=True)
        services.handover_record(actor=self.bob, line=plan.lines.order_by("id").first())
        self.login(self.bob)
        result = {}
        for name in ("plan_detail", "plan_sheets", "plan_export"):
            self.client.get(self.url(name, plan.pk))  # warm caches (roles, session)
            with CaptureQueriesContext(connection) as ctx:
                r = self.client.get(self.url(name, plan.pk))
            self.assertEqual(r.status_code, 200, name)
            result[name] = len(ctx.captured_queries)
        self.assertEqual(plan.lines.count(), households)
        return result

    def test_pages_do_not_query_per_line(self):
        self.assertEqual(self.counts(3, "unemployed"), self.counts(30, "frontline_worker"))
