"""Reads of plans: lists, summary, lines, grids, sheets, tokens, shortfalls."""

from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.http import Http404

from resourcelink.accounts.models import ADMINS
from resourcelink.distribution import selectors, services
from resourcelink.distribution.models import PlanLine
from resourcelink.distribution.testing import make_plan

from .base import PlanTestCase


class SelectorTests(PlanTestCase):
    def setUp(self):
        self.plan, self.lot_, self.account = self.ready_plan(approve=True)
        self.zhang_line = self.line_of(self.plan, self.zhang_home)
        services.handover_record(actor=self.bob, line=self.zhang_line)

    def test_it_scopes_plans_and_lines_to_the_users_stations(self):
        self.assertEqual(selectors.get_plan_for_user(self.victor, self.plan.pk), self.plan)
        self.assertEqual(selectors.get_line_for_user(self.victor, self.zhang_line.pk), self.zhang_line)
        for get, pk in ((selectors.get_plan_for_user, self.plan.pk), (selectors.get_line_for_user,
                                                                      self.zhang_line.pk)):
            with self.assertRaises(Http404):
                get(self.oscar, pk)
            with self.assertRaises(Http404):
                get(self.bob, "nonsense")
            with self.assertRaises(PermissionDenied):
                get(self.bob, pk, roles=ADMINS)

    def test_it_lists_plans_with_their_line_counts(self):
        draft = self.new_plan(name="草稿")
        plans = list(selectors.plans_for_station(self.station))
        self.assertEqual(plans, [draft, self.plan])
        self.assertEqual([(p.lines_total, p.lines_handed_over) for p in plans], [(0, 0), (3, 1)])
        self.assertEqual(list(selectors.plans_for_station(self.station, status="in_progress")), [self.plan])
        self.assertEqual(list(selectors.plans_for_station(self.station, status=["draft", "closed"])), [draft])
        self.assertEqual(list(selectors.plans_for_station(self.other_station)), [])

    def test_it_sums_up_a_plan(self):
        summary = selectors.plan_summary(self.plan)
        self.assertEqual(summary["recipients"], 3)
        self.assertEqual(summary["lines"], {"planned": 2, "handed_over": 1, "not_collected": 0, "removed": 0})
        money, masks = summary["allowances"]
        self.assertEqual((money["asked"], money["planned"], money["handed_over"]),
                         (Decimal(1500), Decimal("1500.00"), Decimal("500.00")))
        self.assertEqual((masks["asked"], masks["planned"], masks["handed_over"]), (25, 25, 10))
        lot_row, account_row = summary["sources"]
        self.assertEqual((lot_row["lot"], lot_row["planned"], lot_row["handed_over"], lot_row["reserved"]),
                         (self.lot_, 25, 10, 15))
        self.assertEqual((account_row["fund_account"], account_row["reserved"]), (self.account, Decimal("1000.00")))
        self.lot_.refresh_from_db()
        self.assertEqual(self.lot_.reserved, lot_row["reserved"])
        self.assertEqual(summary["shortfalls"], {})

    def test_it_pages_lines_by_grid_and_status(self):
        page = selectors.plan_lines(self.plan)
        self.assertEqual(page.paginator.count, 3)
        with self.assertNumQueries(3):  # count, lines, portions
            page = selectors.plan_lines(self.plan, per_page=2)
            rows = [(line.household.pk, [p.lot.item.code if p.lot else p.fund_account.name for p in
                                         line.portions.all()]) for line in page]
        self.assertEqual(len(rows), 2)
        self.assertEqual([ln.pk for ln in selectors.plan_lines(self.plan, grid=self.grid)], [self.zhang_line.pk])
        self.assertEqual({ln.household_id for ln in selectors.plan_lines(self.plan, grid="none")},
                         {self.wang_home.pk, self.chen_home.pk})
        self.assertEqual([ln.pk for ln in selectors.plan_lines(self.plan, status="handed_over")],
                         [self.zhang_line.pk])
        self.assertEqual(selectors.plan_lines(self.plan, page=99, per_page=2).number, 2)

    def test_it_counts_lines_per_grid_and_prints_a_grids_sheet(self):
        services.plan_close(actor=self.alice, plan=self.plan)
        self.assertEqual(selectors.plan_grids(self.plan), [
            {"grid": self.grid, "lines": 1, "handed_over": 1},
            {"grid": None, "lines": 2, "handed_over": 0},
        ])
        rows = selectors.sheet_rows(self.plan, self.grid.pk)
        self.assertEqual(rows, [self.zhang_line])
        with self.assertNumQueries(0):
            self.assertEqual([r.pk for r in rows[0].household.live_residents], [self.zhang.pk, self.li.pk])
            self.assertEqual(rows[0].handover.recorded_by_id, self.bob.pk)
        # Not-collected lines are off the sheet once the plan is closed.
        self.assertEqual(selectors.sheet_rows(self.plan, None), [])

    def test_it_finds_a_line_by_its_token(self):
        self.assertEqual(selectors.line_by_token(self.zhang_line.token), self.zhang_line)
        for token in ("", None, "x" * 200, "nope"):
            self.assertIsNone(selectors.line_by_token(token))

    def test_it_lists_shortfalls_by_reason(self):
        plan = self.new_plan()
        services.plan_source_set(actor=self.bob, plan=plan, lot=self.lot(10))
        services.plan_tier_set(actor=self.bob, plan=plan, rank=1, tags=[self.elderly, self.hardship, self.frontline])
        masks = services.plan_allowance_add(actor=self.bob, plan=plan, item=self.masks, quantity=10)
        water = services.plan_allowance_add(actor=self.bob, plan=plan, item=self.water, quantity=2)
        services.plan_generate(actor=self.bob, plan=plan)
        result = selectors.plan_shortfalls(plan)
        self.assertEqual([(r["reason"], r["households"]) for r in result], [("no_category", 3), ("none_left", 2)])
        self.assertEqual([(a["allowance"], a["households"], a["quantity"]) for a in result[0]["allowances"]],
                         [(water, 3, 6)])
        self.assertEqual([(a["allowance"], a["households"], a["quantity"]) for a in result[1]["allowances"]],
                         [(masks, 2, 20)])
        self.assertTrue(result[0]["label"])

    def test_it_builds_plans_for_other_tests(self):
        # Another station, so that 张家 (elderly) is not in the tier too.
        plan = make_plan(self.other_station, actor=self.oscar, households=30, lots=3, quantity=4, approve=True)
        self.assertEqual(plan.status, "approved")
        self.assertEqual(PlanLine.objects.filter(plan=plan).count(), 30)
        self.assertEqual(plan.generation["allowances"][0]["given"], 120)
        self.assertLedgersAgree(plan)
        per_person = make_plan(self.station, households=[self.zhang_home, self.chen_home], basis="person",
                               quantity=3, money="100", actor=self.bob)
        self.assertEqual(per_person.generation["allowances"][0]["given"], 9)
        self.assertEqual(per_person.generation["allowances"][1]["given"], 300)
