"""Generating a plan: who is in which tier, what each is due, what the
donors' restrictions and expiry allow, whole allowances and the reasons of
every shortfall."""

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from resourcelink.distribution import services
from resourcelink.distribution.models import PlanLine, PlanPortion, PlanShortfall
from resourcelink.donations.services import LineSpec
from resourcelink.donations.testing import make_in_kind
from resourcelink.fund.testing import general_with, restricted_account
from resourcelink.inventory.models import Lot
from resourcelink.people.services import resident_archive

from .base import PlanTestCase


def given(plan) -> dict:
    """{(household id, allowance id): units or yuan} over the plan's portions."""
    out = {}
    for p in PlanPortion.objects.filter(line__plan=plan):
        key = (p.line.household_id, p.allowance_id)
        out[key] = out.get(key, 0) + (p.quantity if p.lot_id else p.amount)
    return out


def short(plan) -> dict:
    """{(household id, allowance id): (reason, quantity or amount)}."""
    return {(s.household_id, s.allowance_id): (s.reason, s.quantity if s.quantity is not None else s.amount)
            for s in PlanShortfall.objects.filter(plan=plan)}


class GenerationTests(PlanTestCase):
    def setUp(self):
        self.plan = self.new_plan()

    def generate(self):
        services.plan_generate(actor=self.bob, plan=self.plan)
        return self.plan

    def test_it_serves_earlier_tiers_strictly_first(self):
        # 张家 is far more vulnerable (weight 8) than 王家 (frontline, 3), but
        # 王家 is in tier 1: the ten masks go there.
        services.plan_source_set(actor=self.bob, plan=self.plan, lot=self.lot(10))
        services.plan_tier_set(actor=self.bob, plan=self.plan, rank=1, tags=[self.frontline])
        services.plan_tier_set(actor=self.bob, plan=self.plan, rank=2, tags=[self.elderly, self.disability])
        a = services.plan_allowance_add(actor=self.bob, plan=self.plan, item=self.masks, quantity=10)
        self.generate()
        self.assertEqual(given(self.plan), {(self.wang_home.pk, a.pk): 10})
        self.assertEqual(short(self.plan), {(self.zhang_home.pk, a.pk): ("none_left", 10)})
        shortfall = PlanShortfall.objects.get(plan=self.plan)
        self.assertEqual(shortfall.tier, 2)
        self.assertEqual(self.plan.generation["recipients"], 1)
        self.assertEqual(self.plan.generation["allowances"], [{"id": a.pk, "money": False, "asked": 20,
                                                               "given": 10}])
        self.assertEqual(self.plan.generation["shortfalls"], {"none_left": 1})
        self.assertIsNotNone(self.plan.generated_on)

    def test_it_gives_per_person_and_per_household(self):
        services.plan_source_set(actor=self.bob, plan=self.plan, lot=self.lot(100))
        services.plan_tier_set(actor=self.bob, plan=self.plan, rank=1, tags=[self.elderly, self.hardship])
        per_person = services.plan_allowance_add(actor=self.bob, plan=self.plan, item=self.masks, quantity=5,
                                                 basis="person")
        per_home = services.plan_allowance_add(actor=self.bob, plan=self.plan, item=self.masks, quantity=3)
        self.generate()
        self.assertEqual(given(self.plan), {
            (self.zhang_home.pk, per_person.pk): 10, (self.zhang_home.pk, per_home.pk): 3,
            (self.chen_home.pk, per_person.pk): 5, (self.chen_home.pk, per_home.pk): 3,
        })
        self.assertEqual(short(self.plan), {})
        line = PlanLine.objects.get(plan=self.plan, household=self.zhang_home)
        self.assertEqual((line.persons, line.tier, line.community, line.grid, line.status),
                         (2, 1, self.community, self.grid, "planned"))
        self.assertEqual(PlanLine.objects.get(plan=self.plan, household=self.chen_home).grid, None)

    def test_it_counts_live_residents_only(self):
        resident_archive(actor=self.alice, resident=self.li, reason="搬走了")
        services.plan_source_set(actor=self.bob, plan=self.plan, lot=self.lot(100))
        services.plan_tier_set(actor=self.bob, plan=self.plan, rank=1, tags=[self.elderly, self.disability])
        a = services.plan_allowance_add(actor=self.bob, plan=self.plan, item=self.masks, quantity=5,
                                        basis="person")
        self.generate()
        self.assertEqual(given(self.plan), {(self.zhang_home.pk, a.pk): 5})
        self.assertEqual(PlanLine.objects.get(plan=self.plan).persons, 1)

    def test_it_limits_an_allowance_to_residents_with_its_tag(self):
        services.plan_source_set(actor=self.bob, plan=self.plan, lot=self.lot(100))
        clothing = self.lot(50, item=self.water)
        services.plan_source_set(actor=self.bob, plan=self.plan, lot=clothing)
        services.plan_tier_set(actor=self.bob, plan=self.plan, rank=1, tags=[self.frontline, self.elderly])
        masks = services.plan_allowance_add(actor=self.bob, plan=self.plan, item=self.masks, quantity=2,
                                            basis="person")
        # Water for each frontline worker: 王 only, not his child, not 张家.
        water = services.plan_allowance_add(actor=self.bob, plan=self.plan, item=self.water, quantity=3,
                                            basis="person", tag=self.frontline)
        self.generate()
        self.assertEqual(given(self.plan), {
            (self.wang_home.pk, masks.pk): 4, (self.wang_home.pk, water.pk): 3,
            (self.zhang_home.pk, masks.pk): 4,
        })
        self.assertEqual(short(self.plan), {})

    def test_it_puts_a_household_in_its_first_tier_with_the_group_it_qualified_by(self):
        services.plan_source_set(actor=self.bob, plan=self.plan, lot=self.lot(100))
        # Tags listed out of order: the group is the first by the tags' own order (elderly before disability).
        services.plan_tier_set(actor=self.bob, plan=self.plan, rank=2, tags=[self.disability, self.elderly])
        services.plan_tier_set(actor=self.bob, plan=self.plan, rank=1, tags=[self.hardship])
        services.plan_tier_set(actor=self.bob, plan=self.plan, rank=3, tags=[self.elderly],
                               households=[self.liu_home, self.chen_home])
        services.plan_allowance_add(actor=self.bob, plan=self.plan, item=self.masks, quantity=1)
        self.generate()
        lines = {line.household_id: (line.tier, line.group) for line in PlanLine.objects.filter(plan=self.plan)}
        self.assertEqual(lines, {self.chen_home.pk: (1, self.hardship), self.zhang_home.pk: (2, self.elderly),
                                 self.liu_home.pk: (3, None)})

    def test_it_keeps_to_the_plans_communities(self):
        self.plan = self.new_plan(communities=[self.other_community])
        services.plan_source_set(actor=self.bob, plan=self.plan, lot=self.lot(100))
        services.plan_tier_set(actor=self.bob, plan=self.plan, rank=1, tags=[self.elderly, self.hardship],
                               households=[self.wang_home, self.liu_home])
        services.plan_allowance_add(actor=self.bob, plan=self.plan, item=self.masks, quantity=1)
        self.generate()
        self.assertEqual(set(PlanLine.objects.filter(plan=self.plan).values_list("household_id", flat=True)),
                         {self.chen_home.pk, self.liu_home.pk})

    def test_it_keeps_goods_to_the_donors_groups(self):
        donation = make_in_kind(self.station, self.bob, lines=[LineSpec(self.masks, 30)], store=self.store,
                                target_tags=[self.hardship])
        services.plan_source_set(actor=self.bob, plan=self.plan, lot=Lot.objects.get(donation_line__donation=donation))
        services.plan_tier_set(actor=self.bob, plan=self.plan, rank=1, tags=[self.elderly, self.hardship])
        a = services.plan_allowance_add(actor=self.bob, plan=self.plan, item=self.masks, quantity=10)
        self.generate()
        self.assertEqual(given(self.plan), {(self.chen_home.pk, a.pk): 10})
        self.assertEqual(short(self.plan), {(self.zhang_home.pk, a.pk): ("not_eligible", 10)})

    def test_it_keeps_goods_to_the_donors_communities(self):
        donation = make_in_kind(self.station, self.bob, lines=[LineSpec(self.masks, 30)], store=self.store,
                                communities=[self.other_community])
        services.plan_source_set(actor=self.bob, plan=self.plan, lot=Lot.objects.get(donation_line__donation=donation))
        services.plan_tier_set(actor=self.bob, plan=self.plan, rank=1, tags=[self.elderly, self.hardship])
        a = services.plan_allowance_add(actor=self.bob, plan=self.plan, item=self.masks, quantity=10)
        self.generate()
        self.assertEqual(given(self.plan), {(self.chen_home.pk, a.pk): 10})
        self.assertEqual(short(self.plan), {(self.zhang_home.pk, a.pk): ("not_eligible", 10)})

    def test_it_keeps_money_to_the_donors_groups_and_communities(self):
        for_elderly = restricted_account(self.station, self.bob, "1500", target_tags=[self.elderly])
        for_dongpo = restricted_account(self.station, self.bob, "500", communities=[self.other_community])
        services.plan_source_set(actor=self.bob, plan=self.plan, fund_account=for_elderly)
        services.plan_source_set(actor=self.bob, plan=self.plan, fund_account=for_dongpo)
        services.plan_tier_set(actor=self.bob, plan=self.plan, rank=1,
                               tags=[self.elderly, self.hardship, self.frontline])
        a = services.plan_allowance_add(actor=self.bob, plan=self.plan, amount="500")
        self.generate()
        self.assertEqual(given(self.plan), {(self.zhang_home.pk, a.pk): Decimal("500.00"),
                                            (self.chen_home.pk, a.pk): Decimal("500.00")})
        self.assertEqual(short(self.plan), {(self.wang_home.pk, a.pk): ("not_eligible", Decimal("500.00"))})
        accounts = {p.line.household_id: p.fund_account_id for p in PlanPortion.objects.filter(line__plan=self.plan)}
        self.assertEqual(accounts, {self.zhang_home.pk: for_elderly.pk, self.chen_home.pk: for_dongpo.pk})

    def test_it_gives_money_in_whole_yuan_up_to_the_source_amount(self):
        account = general_with(self.station, self.bob, "2500.50")
        services.plan_source_set(actor=self.bob, plan=self.plan, fund_account=account, amount="1999.99")
        services.plan_tier_set(actor=self.bob, plan=self.plan, rank=1, tags=[self.elderly, self.hardship])
        a = services.plan_allowance_add(actor=self.bob, plan=self.plan, amount="1000", basis="person")
        self.generate()
        # 1,999 whole yuan may be used: 张家 (2 persons) gets nothing whole, 陈 1,000.
        self.assertEqual(given(self.plan), {(self.chen_home.pk, a.pk): Decimal("1000")})
        self.assertEqual(short(self.plan), {(self.zhang_home.pk, a.pk): ("part_only", Decimal("2000"))})

    def test_it_refuses_money_in_fen(self):
        with self.assertRaises(ValidationError) as caught:
            services.plan_allowance_add(actor=self.bob, plan=self.plan, amount="100.50")
        self.assertIn("whole yuan", str(caught.exception.message_dict["amount"]))
        self.assertFalse(self.plan.allowances.exists())

    def test_it_leaves_out_lots_expired_by_the_distribution_day(self):
        today = timezone.localdate()
        self.plan = self.new_plan(distribute_on=today + datetime.timedelta(days=20))
        expiring = self.lot(50, expires_on=today + datetime.timedelta(days=10))
        services.plan_source_set(actor=self.bob, plan=self.plan, lot=expiring)
        services.plan_tier_set(actor=self.bob, plan=self.plan, rank=1, tags=[self.elderly])
        a = services.plan_allowance_add(actor=self.bob, plan=self.plan, item=self.masks, quantity=10)
        self.generate()
        self.assertEqual(given(self.plan), {})
        self.assertEqual(short(self.plan), {(self.zhang_home.pk, a.pk): ("no_category", 10)})
        self.assertEqual(self.plan.generation["left_out"][0]["lot"], expiring.pk)
        self.assertEqual(self.plan.generation["left_out"][0]["reason"], "expired")

    def test_it_leaves_out_gifts_past_their_use_by_date(self):
        today = timezone.localdate()
        self.plan = self.new_plan(distribute_on=today + datetime.timedelta(days=20))
        donation = make_in_kind(self.station, self.bob, lines=[LineSpec(self.masks, 30)], store=self.store,
                                use_by=today + datetime.timedelta(days=5))
        services.plan_source_set(actor=self.bob, plan=self.plan, lot=Lot.objects.get(donation_line__donation=donation))
        account = restricted_account(self.station, self.bob, "800", use_by=today + datetime.timedelta(days=5))
        services.plan_source_set(actor=self.bob, plan=self.plan, fund_account=account)
        services.plan_tier_set(actor=self.bob, plan=self.plan, rank=1, tags=[self.elderly])
        services.plan_allowance_add(actor=self.bob, plan=self.plan, item=self.masks, quantity=10)
        services.plan_allowance_add(actor=self.bob, plan=self.plan, amount="100")
        self.generate()
        self.assertEqual(given(self.plan), {})
        self.assertEqual({r for r, _ in short(self.plan).values()}, {"no_category"})
        self.assertEqual([x["reason"] for x in self.plan.generation["left_out"]], ["use_by", "use_by"])

    def test_it_uses_the_sooner_expiring_lot_first(self):
        today = timezone.localdate()
        later = self.lot(10, expires_on=today + datetime.timedelta(days=60))
        sooner = self.lot(10, expires_on=today + datetime.timedelta(days=30))
        never = self.lot(10)
        for lot in (never, later, sooner):
            services.plan_source_set(actor=self.bob, plan=self.plan, lot=lot)
        services.plan_tier_set(actor=self.bob, plan=self.plan, rank=1, tags=[self.elderly, self.hardship])
        services.plan_allowance_add(actor=self.bob, plan=self.plan, item=self.masks, quantity=8)
        self.generate()
        used = {}
        for p in PlanPortion.objects.filter(line__plan=self.plan):
            used[p.lot_id] = used.get(p.lot_id, 0) + p.quantity
        self.assertEqual(used, {sooner.pk: 10, later.pk: 6})

    def test_it_uses_the_sooner_expiring_of_two_differently_restricted_lots(self):
        today = timezone.localdate()
        donation = make_in_kind(self.station, self.bob, lines=[LineSpec(self.masks, 10,
                                                                         today + datetime.timedelta(days=9))],
                                store=self.store, target_tags=[self.elderly])
        restricted = Lot.objects.get(donation_line__donation=donation)
        open_lot = self.lot(10, expires_on=today + datetime.timedelta(days=90))
        services.plan_source_set(actor=self.bob, plan=self.plan, lot=open_lot)
        services.plan_source_set(actor=self.bob, plan=self.plan, lot=restricted)
        services.plan_tier_set(actor=self.bob, plan=self.plan, rank=1, tags=[self.elderly])
        services.plan_allowance_add(actor=self.bob, plan=self.plan, item=self.masks, quantity=10)
        self.generate()
        self.assertEqual(list(PlanPortion.objects.filter(line__plan=self.plan).values_list("lot_id", "quantity")),
                         [(restricted.pk, 10)])

    def test_it_drops_part_filled_allowances_and_gives_what_they_freed_to_others(self):
        services.plan_source_set(actor=self.bob, plan=self.plan, lot=self.lot(10))
        services.plan_tier_set(actor=self.bob, plan=self.plan, rank=1, tags=[self.elderly])
        services.plan_tier_set(actor=self.bob, plan=self.plan, rank=2, tags=[self.hardship])
        a = services.plan_allowance_add(actor=self.bob, plan=self.plan, item=self.masks, quantity=6,
                                        basis="person")
        self.generate()
        # 张家 (2 persons) is due 12 of 10: none rather than part; 陈 gets her 6.
        self.assertEqual(given(self.plan), {(self.chen_home.pk, a.pk): 6})
        self.assertEqual(short(self.plan), {(self.zhang_home.pk, a.pk): ("part_only", 12)})
        self.assertEqual(self.plan.generation["rounds"], 2)
        self.assertEqual(self.plan.generation["allowances"][0]["given"], 6)

    def test_it_makes_one_whole_allowance_rather_than_two_part_ones(self):
        from resourcelink.distribution.testing import get_tag
        from resourcelink.people.testing import make_household, make_resident

        subsistence, left_behind = get_tag(self.station, "subsistence"), get_tag(self.station, "left_behind_child")
        x_home, y_home = make_household(self.station, self.community), make_household(self.station, self.community)
        make_resident(x_home, tags=[subsistence])
        make_resident(y_home, tags=[left_behind])
        donation = make_in_kind(self.station, self.bob, lines=[LineSpec(self.masks, 8)], store=self.store,
                                target_tags=[left_behind])
        services.plan_source_set(actor=self.bob, plan=self.plan, lot=self.lot(8))
        services.plan_source_set(actor=self.bob, plan=self.plan, lot=Lot.objects.get(donation_line__donation=donation))
        services.plan_tier_set(actor=self.bob, plan=self.plan, rank=1, tags=[subsistence, left_behind])
        a = services.plan_allowance_add(actor=self.bob, plan=self.plan, item=self.masks, quantity=10)
        self.generate()
        # Equal households, 16 masks: the best flow may give each 8; one gets 10 instead.
        result = given(self.plan)
        self.assertEqual(sorted(result.values()), [10])
        (home, _), = result
        other = y_home if home == x_home.pk else x_home
        self.assertEqual(short(self.plan), {(other.pk, a.pk): ("part_only", 10)})

    def test_it_gives_part_allowances_when_the_plan_allows_them(self):
        self.plan = self.new_plan(whole_allowances=False)
        services.plan_source_set(actor=self.bob, plan=self.plan, lot=self.lot(10))
        services.plan_tier_set(actor=self.bob, plan=self.plan, rank=1, tags=[self.elderly])
        services.plan_tier_set(actor=self.bob, plan=self.plan, rank=2, tags=[self.hardship])
        a = services.plan_allowance_add(actor=self.bob, plan=self.plan, item=self.masks, quantity=6,
                                        basis="person")
        self.generate()
        self.assertEqual(given(self.plan), {(self.zhang_home.pk, a.pk): 10})
        self.assertEqual(short(self.plan), {(self.zhang_home.pk, a.pk): ("none_left", 2),
                                            (self.chen_home.pk, a.pk): ("none_left", 6)})

    def test_it_says_why_for_every_shortfall(self):
        donation = make_in_kind(self.station, self.bob, lines=[LineSpec(self.masks, 10)], store=self.store,
                                target_tags=[self.hardship])
        services.plan_source_set(actor=self.bob, plan=self.plan, lot=Lot.objects.get(donation_line__donation=donation))
        services.plan_tier_set(actor=self.bob, plan=self.plan, rank=1, tags=[self.hardship])
        services.plan_tier_set(actor=self.bob, plan=self.plan, rank=2, tags=[self.elderly], households=[self.liu_home])
        masks = services.plan_allowance_add(actor=self.bob, plan=self.plan, item=self.masks, quantity=10)
        water = services.plan_allowance_add(actor=self.bob, plan=self.plan, item=self.water, quantity=1)
        self.generate()
        self.assertEqual(short(self.plan), {
            (self.chen_home.pk, water.pk): ("no_category", 1),
            (self.zhang_home.pk, masks.pk): ("not_eligible", 10),
            (self.zhang_home.pk, water.pk): ("no_category", 1),
            (self.liu_home.pk, masks.pk): ("not_eligible", 10),
            (self.liu_home.pk, water.pk): ("no_category", 1),
        })
        # Ten open masks: 张家 (tier 2, more vulnerable) gets them, none left for 刘家.
        services.plan_source_set(actor=self.bob, plan=self.plan, lot=self.lot(10))
        self.generate()
        self.assertEqual(short(self.plan), {
            (self.chen_home.pk, water.pk): ("no_category", 1),
            (self.zhang_home.pk, water.pk): ("no_category", 1),
            (self.liu_home.pk, masks.pk): ("none_left", 10),
            (self.liu_home.pk, water.pk): ("no_category", 1),
        })
        self.assertEqual(self.plan.generation["shortfalls"], {"no_category": 3, "none_left": 1})

    def test_it_replaces_the_lines_of_an_earlier_generation(self):
        services.plan_source_set(actor=self.bob, plan=self.plan, lot=self.lot(100))
        services.plan_tier_set(actor=self.bob, plan=self.plan, rank=1, tags=[self.elderly])
        services.plan_allowance_add(actor=self.bob, plan=self.plan, item=self.masks, quantity=10)
        self.generate()
        first = PlanLine.objects.get(plan=self.plan)
        services.plan_tier_set(actor=self.bob, plan=self.plan, rank=1, tags=[self.elderly, self.hardship])
        self.assertTrue(self.plan.generation["stale"])
        self.generate()
        lines = PlanLine.objects.filter(plan=self.plan)
        self.assertEqual(lines.count(), 2)
        self.assertFalse(lines.filter(pk=first.pk).exists())
        self.assertEqual(PlanPortion.objects.filter(line__plan=self.plan).count(), 2)
        self.assertNotIn("stale", self.plan.generation)
        self.assertEqual(len({line.token for line in lines} | {first.token}), 3)

    def test_it_needs_tiers_allowances_and_sources(self):
        with self.assertRaises(ValidationError) as caught:
            self.generate()
        self.assertEqual(set(caught.exception.message_dict), {"tiers", "allowances", "sources"})
        self.assertIsNone(self.plan.generated_on)

    def test_it_lets_editors_generate_and_refuses_others(self):
        services.plan_source_set(actor=self.bob, plan=self.plan, lot=self.lot(100))
        services.plan_tier_set(actor=self.bob, plan=self.plan, rank=1, tags=[self.elderly])
        services.plan_allowance_add(actor=self.bob, plan=self.plan, item=self.masks, quantity=10)
        with self.assertRaises(PermissionDenied):
            services.plan_generate(actor=self.victor, plan=self.plan)
        with self.assertRaises(Http404):
            services.plan_generate(actor=self.oscar, plan=self.plan)
        self.assertFalse(PlanLine.objects.filter(plan=self.plan).exists())
        services.plan_generate(actor=self.carol, plan=self.plan)
        self.assertEqual(PlanLine.objects.filter(plan=self.plan).count(), 1)
