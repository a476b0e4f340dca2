"""A draft's settings: the plan itself, its sources, tiers and allowances."""

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from resourcelink.distribution import services
from resourcelink.distribution.models import Allowance, Plan, PlanLine, PlanSource, PlanTier
from resourcelink.fund.testing import general_with
from resourcelink.inventory.testing import make_lot, make_store
from resourcelink.people.testing import make_community, make_household

from .base import PlanTestCase


class PlanSettingsTests(PlanTestCase):
    def test_it_creates_a_draft_for_editors_only(self):
        plan = self.new_plan(description="第一批", communities=[self.community], whole_allowances=False)
        self.assertEqual((plan.status, plan.created_by, plan.whole_allowances), ("draft", self.bob, False))
        self.assertEqual(list(plan.communities.all()), [self.community])
        self.assertEqual(plan.history.latest().history_change_reason, "Plan created")
        with self.assertRaises(PermissionDenied):
            services.plan_create(actor=self.victor, station=self.station, name="x",
                                 distribute_on=timezone.localdate())
        with self.assertRaises(Http404):
            services.plan_create(actor=self.oscar, station=self.station, name="x",
                                 distribute_on=timezone.localdate())

    def test_it_refuses_a_plan_without_a_name_or_day_or_with_anothers_community(self):
        far = make_community(self.other_station, "北山二社区")
        with self.assertRaises(ValidationError) as caught:
            services.plan_create(actor=self.bob, station=self.station, name=" ", distribute_on="tomorrow",
                                 communities=[far])
        self.assertEqual(set(caught.exception.message_dict), {"name", "distribute_on", "communities"})
        self.assertFalse(Plan.objects.exists())

    def test_it_updates_a_draft_and_marks_its_generation_stale(self):
        plan, _, _ = self.ready_plan()
        services.plan_update(actor=self.bob, plan=plan, name="第二批发放", reason="改名")
        self.assertNotIn("stale", plan.generation)
        self.assertEqual(plan.history.latest().history_change_reason, "改名")
        services.plan_update(actor=self.bob, plan=plan, distribute_on=timezone.localdate() + datetime.timedelta(1))
        self.assertTrue(plan.generation["stale"])
        with self.assertRaises(TypeError):
            services.plan_update(actor=self.bob, plan=plan, status="approved")
        with self.assertRaises(PermissionDenied):
            services.plan_update(actor=self.victor, plan=plan, name="x")
        plan.refresh_from_db()
        self.assertEqual(plan.name, "第二批发放")

    def test_it_refuses_setting_changes_once_approved(self):
        plan, lot, _ = self.ready_plan(approve=True)
        tier = PlanTier.objects.get(plan=plan)
        calls = [
            lambda: services.plan_update(actor=self.bob, plan=plan, name="x"),
            lambda: services.plan_source_set(actor=self.bob, plan=plan, lot=lot, quantity=5),
            lambda: services.plan_source_remove(actor=self.bob, source=PlanSource.objects.filter(plan=plan).first()),
            lambda: services.plan_tier_set(actor=self.bob, plan=plan, rank=2, tags=[self.disability]),
            lambda: services.plan_tier_remove(actor=self.bob, tier=tier),
            lambda: services.plan_allowance_add(actor=self.bob, plan=plan, item=self.water, quantity=1),
            lambda: services.plan_allowance_remove(actor=self.bob, allowance=Allowance.objects.filter(plan=plan)
                                                   .first()),
            lambda: services.plan_generate(actor=self.bob, plan=plan),
        ]
        for call in calls:
            with self.assertRaises(services.PlanNotDraft):
                call()
        self.assertEqual(PlanSource.objects.get(plan=plan, lot=lot).quantity, None)

    def test_it_sets_changes_and_removes_sources(self):
        plan = self.new_plan()
        lot = self.lot(50)
        account = general_with(self.station, self.bob, "800")
        source = services.plan_source_set(actor=self.bob, plan=plan, lot=lot, quantity=20)
        again = services.plan_source_set(actor=self.bob, plan=plan, lot=lot, quantity="30")
        self.assertEqual((again.pk, again.quantity), (source.pk, 30))
        money = services.plan_source_set(actor=self.bob, plan=plan, fund_account=account, amount="600")
        self.assertEqual(money.amount, Decimal("600.00"))
        self.assertEqual(PlanSource.objects.filter(plan=plan).count(), 2)
        services.plan_source_remove(actor=self.bob, source=money)
        self.assertEqual(list(PlanSource.objects.filter(plan=plan)), [source])
        self.assertIn("Source removed", plan.history.latest().history_change_reason)

    def test_it_refuses_bad_sources(self):
        plan = self.new_plan()
        far_lot = make_lot(make_store(self.other_station), "masks", 10)
        account = general_with(self.station, self.bob, "800")
        cases = [
            ({}, "lot"),
            ({"lot": self.lot(5), "fund_account": account}, "lot"),
            ({"lot": far_lot}, "lot"),
            ({"lot": self.lot(5), "quantity": 0}, "quantity"),
            ({"lot": self.lot(5), "amount": "10"}, "amount"),
            ({"fund_account": account, "amount": "-1"}, "amount"),
            ({"fund_account": account, "quantity": 3}, "quantity"),
        ]
        for fields, field in cases:
            with self.subTest(fields=fields), self.assertRaises(ValidationError) as caught:
                services.plan_source_set(actor=self.bob, plan=plan, **fields)
            self.assertIn(field, caught.exception.message_dict)
        self.assertFalse(PlanSource.objects.exists())
        with self.assertRaises(PermissionDenied):
            services.plan_source_set(actor=self.victor, plan=plan, lot=self.lot(5))

    def test_it_sets_replaces_and_removes_tiers(self):
        plan = self.new_plan()
        tier = services.plan_tier_set(actor=self.bob, plan=plan, rank=1, tags=[self.elderly])
        again = services.plan_tier_set(actor=self.bob, plan=plan, rank=1, tags=[self.hardship],
                                       households=[self.liu_home])
        self.assertEqual(again.pk, tier.pk)
        self.assertEqual((list(again.tags.all()), list(again.households.all())), ([self.hardship], [self.liu_home]))
        services.plan_tier_remove(actor=self.bob, tier=again)
        self.assertFalse(PlanTier.objects.filter(plan=plan).exists())

    def test_it_refuses_bad_tiers(self):
        plan = self.new_plan()
        cases = [
            ({"rank": 0, "tags": [self.elderly]}, "rank"),
            ({"rank": services.MAX_TIERS + 1, "tags": [self.elderly]}, "rank"),
            ({"rank": 1}, "tags"),
            ({"rank": 1, "households": [self.far_household]}, "households"),
        ]
        for fields, field in cases:
            with self.subTest(fields=fields), self.assertRaises(ValidationError) as caught:
                services.plan_tier_set(actor=self.bob, plan=plan, **fields)
            self.assertIn(field, caught.exception.message_dict)
        self.assertFalse(PlanTier.objects.exists())

    def test_it_adds_and_refuses_allowances(self):
        plan = self.new_plan()
        a = services.plan_allowance_add(actor=self.bob, plan=plan, item=self.masks, quantity="10", basis="person",
                                        tag=self.frontline)
        self.assertEqual((a.quantity, a.basis, a.tag, a.amount), (10, "person", self.frontline, None))
        m = services.plan_allowance_add(actor=self.bob, plan=plan, amount="2000")
        self.assertEqual((m.amount, m.item), (Decimal("2000.00"), None))
        cases = [
            ({"item": self.masks}, "quantity"),
            ({"item": self.masks, "quantity": 0}, "quantity"),
            ({"item": self.masks, "quantity": 2, "amount": "5"}, "amount"),
            ({"amount": "0"}, "amount"),
            ({"amount": "20.5"}, "amount"),
            ({"quantity": 3}, "item"),
            ({"item": self.masks, "quantity": 2, "basis": "family"}, "basis"),
        ]
        for fields, field in cases:
            with self.subTest(fields=fields), self.assertRaises(ValidationError) as caught:
                services.plan_allowance_add(actor=self.bob, plan=plan, **fields)
            self.assertIn(field, caught.exception.message_dict)
        self.assertEqual(Allowance.objects.filter(plan=plan).count(), 2)

    def test_it_drops_a_generation_when_an_allowance_is_removed(self):
        plan, _, _ = self.ready_plan()
        self.assertTrue(PlanLine.objects.filter(plan=plan).exists())
        services.plan_allowance_remove(actor=self.bob, allowance=Allowance.objects.filter(plan=plan).first())
        self.assertFalse(PlanLine.objects.filter(plan=plan).exists())
        plan.refresh_from_db()
        self.assertEqual((plan.generation, plan.generated_on), ({}, None))
        services.plan_generate(actor=self.bob, plan=plan)
        self.assertEqual(PlanLine.objects.filter(plan=plan).count(), 3)

    def test_it_leaves_out_archived_households(self):
        from resourcelink.people.services import household_archive

        home = make_household(self.station, self.community)
        plan = self.new_plan()
        services.plan_source_set(actor=self.bob, plan=plan, lot=self.lot(10))
        services.plan_tier_set(actor=self.bob, plan=plan, rank=1, households=[home, self.liu_home])
        services.plan_allowance_add(actor=self.bob, plan=plan, item=self.masks, quantity=1)
        household_archive(actor=self.alice, household=home, reason="搬离")
        services.plan_generate(actor=self.bob, plan=plan)
        self.assertEqual(list(PlanLine.objects.filter(plan=plan).values_list("household_id", flat=True)),
                         [self.liu_home.pk])
