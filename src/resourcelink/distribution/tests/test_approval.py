"""Editing a draft's lines, approving (all or nothing), back to draft, cancelling."""

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from resourcelink.distribution import services
from resourcelink.distribution.models import PlanPortion
from resourcelink.fund.models import FundEntry
from resourcelink.fund.services import InsufficientFunds, fund_grant
from resourcelink.inventory.models import StockMove
from resourcelink.inventory.services import InsufficientStock, stock_issue

from .base import PlanTestCase


def portion(line, money=False):
    return PlanPortion.objects.get(line=line, fund_account__isnull=not money)


class LineEditTests(PlanTestCase):
    def test_it_changes_a_portion_and_keeps_the_reason(self):
        plan, lot, _ = self.ready_plan(masks=100)
        line = self.line_of(plan, self.zhang_home)
        masks = portion(line)
        services.plan_line_update(actor=self.bob, line=line, quantities={masks.pk: 6}, reason="家里已有口罩")
        masks.refresh_from_db()
        line.refresh_from_db()
        self.assertEqual(masks.quantity, 6)
        self.assertEqual(line.edit_reason, "家里已有口罩")
        record = line.history.latest()
        self.assertEqual(record.history_user, self.bob)
        self.assertIn("家里已有口罩", record.history_change_reason)
        self.assertIn("10 → 6", record.history_change_reason)
        # More is fine while the lot has it for the plan.
        services.plan_line_update(actor=self.carol, line=line, quantities={str(masks.pk): "40"}, reason="多口人")
        masks.refresh_from_db()
        self.assertEqual(masks.quantity, 40)

    def test_it_refuses_more_than_the_source_has_left(self):
        plan, lot, account = self.ready_plan(masks=25, money="1500")
        line = self.line_of(plan, self.zhang_home)
        masks, money = portion(line), portion(line, money=True)
        with self.assertRaises(ValidationError) as caught:
            services.plan_line_update(actor=self.bob, line=line, quantities={masks.pk: 11}, reason="多给一个")
        self.assertIn("only 10", str(caught.exception.message_dict["quantities"]))
        with self.assertRaises(ValidationError) as caught:
            services.plan_line_update(actor=self.bob, line=line, quantities={money.pk: "500.01"}, reason="多给")
        self.assertIn("only 500", str(caught.exception.message_dict["quantities"]))
        masks.refresh_from_db()
        money.refresh_from_db()
        self.assertEqual((masks.quantity, money.amount), (10, Decimal("500.00")))
        # What another line gives up may go here.
        chen = self.line_of(plan, self.chen_home)
        services.plan_line_update(actor=self.bob, line=chen, quantities={portion(chen).pk: 2}, reason="少要")
        services.plan_line_update(actor=self.bob, line=line, quantities={masks.pk: 13}, reason="多给三个")
        masks.refresh_from_db()
        self.assertEqual(masks.quantity, 13)

    def test_it_drops_a_portion_set_to_zero_but_not_every_portion(self):
        plan, _, _ = self.ready_plan()
        line = self.line_of(plan, self.zhang_home)
        masks, money = portion(line), portion(line, money=True)
        services.plan_line_update(actor=self.bob, line=line, quantities={masks.pk: 0}, reason="不需要口罩")
        self.assertFalse(PlanPortion.objects.filter(pk=masks.pk).exists())
        with self.assertRaises(ValidationError) as caught:
            services.plan_line_update(actor=self.bob, line=line, quantities={money.pk: 0}, reason="都不要")
        self.assertIn("remove the line", str(caught.exception))
        self.assertTrue(PlanPortion.objects.filter(pk=money.pk).exists())

    def test_it_refuses_an_edit_without_a_reason_or_of_another_lines_portion(self):
        plan, _, _ = self.ready_plan()
        line = self.line_of(plan, self.zhang_home)
        other = portion(self.line_of(plan, self.chen_home))
        with self.assertRaises(ValidationError) as caught:
            services.plan_line_update(actor=self.bob, line=line, quantities={portion(line).pk: 3}, reason=" ")
        self.assertIn("reason", caught.exception.message_dict)
        with self.assertRaises(ValidationError):
            services.plan_line_update(actor=self.bob, line=line, quantities={other.pk: 3}, reason="改")
        with self.assertRaises(ValidationError):
            services.plan_line_update(actor=self.bob, line=line, quantities={portion(line).pk: -1}, reason="改")
        self.assertEqual(portion(line).quantity, 10)
        self.assertEqual(other.quantity, 5)

    def test_it_removes_a_line_with_the_reason_and_leaves_it_out_of_the_approval(self):
        plan, lot, account = self.ready_plan()
        line = self.line_of(plan, self.wang_home)
        with self.assertRaises(ValidationError):
            services.plan_line_remove(actor=self.bob, line=line, reason="")
        services.plan_line_remove(actor=self.bob, line=line, reason="已搬离本社区")
        line.refresh_from_db()
        self.assertEqual((line.status, line.edit_reason), ("removed", "已搬离本社区"))
        self.assertEqual(line.history.latest().history_change_reason, "已搬离本社区")
        with self.assertRaises(ValidationError):
            services.plan_line_update(actor=self.bob, line=line, quantities={portion(line).pk: 1}, reason="改")
        services.plan_approve(actor=self.alice, plan=plan)
        lot.refresh_from_db()
        account.refresh_from_db()
        self.assertEqual((lot.reserved, account.reserved), (15, Decimal("1000.00")))
        self.assertLedgersAgree(plan)

    def test_it_refuses_edits_by_viewers_outsiders_and_once_approved(self):
        plan, _, _ = self.ready_plan()
        line = self.line_of(plan, self.zhang_home)
        p = portion(line)
        with self.assertRaises(PermissionDenied):
            services.plan_line_update(actor=self.victor, line=line, quantities={p.pk: 3}, reason="改")
        with self.assertRaises(Http404):
            services.plan_line_remove(actor=self.oscar, line=line, reason="改")
        services.plan_approve(actor=self.alice, plan=plan)
        with self.assertRaises(services.PlanNotDraft):
            services.plan_line_update(actor=self.bob, line=line, quantities={p.pk: 3}, reason="改")
        with self.assertRaises(services.PlanNotDraft):
            services.plan_line_remove(actor=self.bob, line=line, reason="改")
        p.refresh_from_db()
        self.assertEqual(p.quantity, 10)


class ApprovalTests(PlanTestCase):
    def test_it_reserves_each_lots_and_accounts_total(self):
        plan, lot, account = self.ready_plan()
        services.plan_approve(actor=self.alice, plan=plan)
        self.assertEqual(plan.status, "approved")
        self.assertEqual(plan.approved_by, self.alice)
        self.assertIsNotNone(plan.approved_on)
        lot.refresh_from_db()
        account.refresh_from_db()
        self.assertEqual((lot.on_hand, lot.reserved), (100, 25))
        self.assertEqual((account.balance, account.reserved), (Decimal("1500.00"), Decimal("1500.00")))
        self.assertEqual(list(StockMove.objects.filter(kind="reserve").values_list("lot_id", "reserved_delta",
                                                                                   "reference", "moved_by")),
                         [(lot.pk, 25, f"plan:{plan.pk}", self.alice.pk)])
        self.assertEqual(list(FundEntry.objects.filter(kind="reserve").values_list("reserved_delta", "reference")),
                         [(Decimal("1500.00"), f"plan:{plan.pk}")])
        self.assertLedgersAgree(plan)

    def test_it_lets_only_admins_approve(self):
        plan, lot, _ = self.ready_plan()
        for user in (self.bob, self.carol, self.victor):
            with self.assertRaises(PermissionDenied):
                services.plan_approve(actor=user, plan=plan)
        with self.assertRaises(Http404):
            services.plan_approve(actor=self.oscar, plan=plan)
        plan.refresh_from_db()
        lot.refresh_from_db()
        self.assertEqual((plan.status, lot.reserved), ("draft", 0))

    def test_it_reserves_nothing_when_a_lot_was_drained_since_generating(self):
        plan, lot, account = self.ready_plan()
        water = self.lot(10, item=self.water)
        services.plan_source_set(actor=self.bob, plan=plan, lot=water)
        services.plan_allowance_add(actor=self.bob, plan=plan, item=self.water, quantity=3)
        services.plan_generate(actor=self.bob, plan=plan)
        stock_issue(actor=self.bob, lot=water, quantity=5, from_reserved=False, reason="急用")
        with self.assertRaises(InsufficientStock) as caught:
            services.plan_approve(actor=self.alice, plan=plan)
        self.assertIn(f"lot #{water.pk}", " ".join(caught.exception.messages))
        self.assertIn("9", " ".join(caught.exception.messages))
        plan.refresh_from_db()
        self.assertEqual(plan.status, "draft")
        self.assertFalse(StockMove.objects.filter(kind="reserve").exists())
        self.assertFalse(FundEntry.objects.filter(kind="reserve").exists())
        self.assertLedgersAgree(plan)

    def test_it_reserves_nothing_when_the_money_was_spent_since_generating(self):
        plan, lot, account = self.ready_plan()
        fund_grant(actor=self.bob, account=account, household=self.liu_home, amount="100", reason="急难救助")
        with self.assertRaises(InsufficientFunds) as caught:
            services.plan_approve(actor=self.alice, plan=plan)
        self.assertIn(account.name, " ".join(caught.exception.messages))
        self.assertFalse(StockMove.objects.filter(kind="reserve").exists())
        lot.refresh_from_db()
        self.assertEqual(lot.reserved, 0)
        self.assertEqual(plan.status, "draft")

    def test_it_refuses_a_plan_without_lines_or_changed_since_generated(self):
        plan = self.new_plan()
        with self.assertRaises(ValidationError):
            services.plan_approve(actor=self.alice, plan=plan)
        plan, _, _ = self.ready_plan()
        services.plan_source_set(actor=self.bob, plan=plan, lot=self.lot(5))
        with self.assertRaises(ValidationError) as caught:
            services.plan_approve(actor=self.alice, plan=plan)
        self.assertIn("generate it again", str(caught.exception))
        services.plan_generate(actor=self.bob, plan=plan)
        services.plan_approve(actor=self.alice, plan=plan)
        self.assertEqual(plan.status, "approved")

    def test_it_sends_an_approved_plan_back_to_draft_releasing_everything(self):
        plan, lot, account = self.ready_plan(approve=True)
        with self.assertRaises(PermissionDenied):
            services.plan_unapprove(actor=self.bob, plan=plan, reason="再核对")
        with self.assertRaises(ValidationError):
            services.plan_unapprove(actor=self.alice, plan=plan, reason="")
        services.plan_unapprove(actor=self.alice, plan=plan, reason="名单要再核对")
        self.assertEqual((plan.status, plan.status_reason, plan.approved_by), ("draft", "名单要再核对", None))
        lot.refresh_from_db()
        account.refresh_from_db()
        self.assertEqual((lot.reserved, account.reserved), (0, Decimal("0.00")))
        self.assertLedgersAgree(plan)
        services.plan_approve(actor=self.alice, plan=plan)
        services.handover_record(actor=self.bob, line=self.line_of(plan, self.chen_home))
        with self.assertRaises(ValidationError):
            services.plan_unapprove(actor=self.alice, plan=plan, reason="再核对")
        self.assertLedgersAgree(plan)

    def test_it_cancels_a_draft_with_a_reason(self):
        plan, lot, _ = self.ready_plan()
        with self.assertRaises(PermissionDenied):
            services.plan_cancel(actor=self.victor, plan=plan, reason="取消")
        with self.assertRaises(ValidationError):
            services.plan_cancel(actor=self.bob, plan=plan, reason="")
        services.plan_cancel(actor=self.bob, plan=plan, reason="物资改用于别的活动")
        self.assertEqual((plan.status, plan.status_reason), ("cancelled", "物资改用于别的活动"))
        with self.assertRaises(services.PlanNotDraft):
            services.plan_approve(actor=self.alice, plan=plan)
        approved, _, _ = self.ready_plan(approve=True)
        with self.assertRaises(services.PlanNotDraft):
            services.plan_cancel(actor=self.bob, plan=approved, reason="取消")
