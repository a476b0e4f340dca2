"""Hand-overs one by one, in bulk and through a volunteer's pass; closing."""

import datetime
import hashlib
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from resourcelink.distribution import services
from resourcelink.distribution.models import Handover, HandoverPass, PlanLine
from resourcelink.distribution.selectors import surplus_for_plan
from resourcelink.fund.models import FundEntry
from resourcelink.inventory.models import StockMove

from .base import PlanTestCase


class HandoverTests(PlanTestCase):
    def setUp(self):
        self.plan, self.lot_, self.account = self.ready_plan(approve=True)
        self.zhang_line = self.line_of(self.plan, self.zhang_home)

    def test_it_issues_a_lines_portions_from_the_reservation(self):
        handover = services.handover_record(actor=self.bob, line=self.zhang_line, collected_by="邻居王阿姨",
                                            note="代领")
        self.assertEqual((handover.method, handover.recorded_by, handover.collected_by, handover.note),
                         ("sheet", self.bob, "邻居王阿姨", "代领"))
        self.zhang_line.refresh_from_db()
        self.plan.refresh_from_db()
        self.assertEqual(self.zhang_line.status, "handed_over")
        self.assertEqual(self.plan.status, "in_progress")
        self.lot_.refresh_from_db()
        self.account.refresh_from_db()
        self.assertEqual((self.lot_.on_hand, self.lot_.reserved), (90, 15))
        self.assertEqual((self.account.balance, self.account.reserved), (Decimal("1000.00"), Decimal("1000.00")))
        reference = f"plan_line:{self.zhang_line.pk}"
        self.assertEqual(list(StockMove.objects.filter(kind="issue").values_list(
            "on_hand_delta", "reserved_delta", "reference", "moved_by")), [(-10, -10, reference, self.bob.pk)])
        self.assertEqual(list(FundEntry.objects.filter(kind="grant_out").values_list(
            "amount", "reserved_delta", "household", "reference")),
            [(Decimal("-500.00"), Decimal("-500.00"), self.zhang_home.pk, reference)])
        self.assertLedgersAgree(self.plan)

    def test_it_refuses_a_line_handed_over_twice_saying_when(self):
        services.handover_record(actor=self.bob, line=self.zhang_line)
        with self.assertRaises(ValidationError) as caught:
            services.handover_record(actor=self.carol, line=self.zhang_line)
        today = timezone.localdate().isoformat()
        self.assertIn("already handed over on " + today, str(caught.exception))
        self.assertEqual(StockMove.objects.filter(kind="issue").count(), 1)
        self.assertLedgersAgree(self.plan)

    def test_it_refuses_removed_lines_drafts_and_the_wrong_people(self):
        draft, _, _ = self.ready_plan()
        with self.assertRaises(services.PlanNotLive):
            services.handover_record(actor=self.bob, line=self.line_of(draft, self.zhang_home))
        with self.assertRaises(PermissionDenied):
            services.handover_record(actor=self.victor, line=self.zhang_line)
        with self.assertRaises(PermissionDenied):
            services.handover_record(actor=None, line=self.zhang_line)
        with self.assertRaises(Http404):
            services.handover_record(actor=self.oscar, line=self.zhang_line)
        with self.assertRaises(ValidationError):
            services.handover_record(actor=self.bob, line=self.zhang_line,
                                     handed_over_on=timezone.now() + datetime.timedelta(days=1))
        self.assertFalse(Handover.objects.exists())
        self.assertLedgersAgree(self.plan)

    def test_it_records_many_lines_in_bulk_with_one_lock_per_lot(self):
        ids = list(PlanLine.objects.filter(plan=self.plan).values_list("pk", flat=True))
        handovers = services.handover_record_bulk(actor=self.carol, plan=self.plan, line_ids=ids, note="集中发放")
        self.assertEqual(len(handovers), 3)
        self.assertEqual(set(Handover.objects.values_list("method", "recorded_by", "note")),
                         {("bulk", self.carol.pk, "集中发放")})
        self.assertEqual(set(PlanLine.objects.filter(plan=self.plan).values_list("status", flat=True)),
                         {"handed_over"})
        self.plan.refresh_from_db()
        self.assertEqual(self.plan.status, "in_progress")
        self.lot_.refresh_from_db()
        self.assertEqual((self.lot_.on_hand, self.lot_.reserved), (75, 0))
        self.assertEqual(StockMove.objects.filter(kind="issue").count(), 3)
        self.assertEqual(FundEntry.objects.filter(kind="grant_out").count(), 3)
        self.assertLedgersAgree(self.plan)

    def test_it_records_nothing_in_bulk_if_one_line_cannot_be_handed_over(self):
        services.handover_record(actor=self.bob, line=self.zhang_line)
        other_plan, _, _ = self.ready_plan()
        ids = list(PlanLine.objects.filter(plan=self.plan).values_list("pk", flat=True))
        with self.assertRaises(ValidationError) as caught:
            services.handover_record_bulk(actor=self.bob, plan=self.plan, line_ids=ids)
        self.assertIn(f"#{self.zhang_line.pk}", str(caught.exception))
        stray = self.line_of(other_plan, self.chen_home)
        with self.assertRaises(ValidationError) as caught:
            services.handover_record_bulk(actor=self.bob, plan=self.plan, line_ids=[stray.pk])
        self.assertIn("Not lines of this plan", str(caught.exception))
        with self.assertRaises(ValidationError):
            services.handover_record_bulk(actor=self.bob, plan=self.plan, line_ids=[])
        with self.assertRaises(PermissionDenied):
            services.handover_record_bulk(actor=self.victor, plan=self.plan, line_ids=ids[1:])
        self.assertEqual(Handover.objects.count(), 1)
        self.assertLedgersAgree(self.plan)


class PassTests(PlanTestCase):
    def setUp(self):
        self.plan, self.lot_, self.account = self.ready_plan(approve=True)
        self.line = self.line_of(self.plan, self.chen_home)

    def test_it_lets_a_volunteer_record_a_hand_over_with_a_pass(self):
        handover_pass, secret = services.handover_pass_create(actor=self.carol, plan=self.plan,
                                                              volunteer_name="志愿者小李", hours=4)
        self.assertEqual(handover_pass.secret_digest, hashlib.sha256(secret.encode()).hexdigest())
        self.assertFalse(HandoverPass.objects.filter(secret_digest=secret).exists())
        self.assertEqual(handover_pass.created_by, self.carol)
        checked = services.handover_pass_check(secret=secret, plan=self.plan)
        self.assertEqual(checked, handover_pass)
        handover = services.handover_record(line=self.line, handover_pass=checked, collected_by="女儿")
        self.assertEqual((handover.method, handover.recorded_by, handover.handover_pass),
                         ("qr", None, handover_pass))
        move = StockMove.objects.get(kind="issue")
        self.assertIsNone(move.moved_by)
        self.assertIn("志愿者小李", move.reason)
        entry = FundEntry.objects.get(kind="grant_out")
        self.assertIsNone(entry.entered_by)
        self.assertIn("志愿者小李", entry.reason)
        self.assertLedgersAgree(self.plan)

    def test_it_refuses_an_expired_a_withdrawn_an_unknown_or_another_plans_pass(self):
        expired, expired_secret = services.handover_pass_create(actor=self.bob, plan=self.plan,
                                                                volunteer_name="小张")
        HandoverPass.objects.filter(pk=expired.pk).update(expires_on=timezone.now() - datetime.timedelta(minutes=1))
        with self.assertRaises(PermissionDenied) as caught:
            services.handover_pass_check(secret=expired_secret)
        self.assertIn("expired", str(caught.exception))
        with self.assertRaises(PermissionDenied):
            services.handover_record(line=self.line, handover_pass=expired)

        revoked, revoked_secret = services.handover_pass_create(actor=self.bob, plan=self.plan,
                                                                volunteer_name="小王")
        checked = services.handover_pass_check(secret=revoked_secret)
        services.handover_pass_revoke(actor=self.bob, handover_pass=revoked)
        with self.assertRaises(PermissionDenied) as caught:
            services.handover_pass_check(secret=revoked_secret)
        self.assertIn("withdrawn", str(caught.exception))
        with self.assertRaises(PermissionDenied):  # read before it was withdrawn
            services.handover_record(line=self.line, handover_pass=checked)

        with self.assertRaises(PermissionDenied) as caught:
            services.handover_pass_check(secret="not-a-secret")
        self.assertIn("not valid", str(caught.exception))

        other_plan, _, _ = self.ready_plan(approve=True)
        other, other_secret = services.handover_pass_create(actor=self.bob, plan=other_plan, volunteer_name="小陈")
        with self.assertRaises(PermissionDenied) as caught:
            services.handover_pass_check(secret=other_secret, plan=self.plan)
        self.assertIn("another", str(caught.exception))
        with self.assertRaises(PermissionDenied):
            services.handover_record(line=self.line, handover_pass=other)

        self.assertFalse(Handover.objects.exists())
        self.assertFalse(StockMove.objects.filter(kind="issue").exists())
        self.assertLedgersAgree(self.plan)

    def test_it_makes_passes_for_editors_only_and_for_plans_still_open(self):
        with self.assertRaises(PermissionDenied):
            services.handover_pass_create(actor=self.victor, plan=self.plan, volunteer_name="小李")
        with self.assertRaises(Http404):
            services.handover_pass_create(actor=self.oscar, plan=self.plan, volunteer_name="小李")
        with self.assertRaises(ValidationError) as caught:
            services.handover_pass_create(actor=self.bob, plan=self.plan, volunteer_name=" ", hours=0)
        self.assertEqual(set(caught.exception.message_dict), {"volunteer_name", "hours"})
        handover_pass, _ = services.handover_pass_create(actor=self.bob, plan=self.plan, volunteer_name="小李")
        with self.assertRaises(PermissionDenied):
            services.handover_pass_revoke(actor=self.victor, handover_pass=handover_pass)
        services.plan_close(actor=self.alice, plan=self.plan)
        with self.assertRaises(ValidationError):
            services.handover_pass_create(actor=self.bob, plan=self.plan, volunteer_name="小李")
        with self.assertRaises(services.PlanNotLive):
            services.handover_record(line=self.line, handover_pass=handover_pass)
        self.assertEqual(HandoverPass.objects.count(), 1)


class CloseTests(PlanTestCase):
    def test_it_releases_what_was_not_handed_over(self):
        plan, lot, account = self.ready_plan(approve=True)
        services.handover_record(actor=self.bob, line=self.line_of(plan, self.zhang_home))
        with self.assertRaises(PermissionDenied):
            services.plan_close(actor=self.bob, plan=plan)
        services.plan_close(actor=self.alice, plan=plan, reason="发放结束")
        self.assertEqual((plan.status, plan.closed_by, plan.status_reason), ("closed", self.alice, "发放结束"))
        statuses = dict(PlanLine.objects.filter(plan=plan).values_list("household_id", "status"))
        self.assertEqual(statuses, {self.zhang_home.pk: "handed_over", self.wang_home.pk: "not_collected",
                                    self.chen_home.pk: "not_collected"})
        lot.refresh_from_db()
        account.refresh_from_db()
        self.assertEqual((lot.on_hand, lot.reserved), (90, 0))
        self.assertEqual((account.balance, account.reserved), (Decimal("1000.00"), Decimal("0.00")))
        self.assertEqual([(r["lot"], r["released"], r["decided"], r["left"]) for r in surplus_for_plan(plan)],
                         [(lot, 15, 0, 15)])
        self.assertLedgersAgree(plan)
        with self.assertRaises(services.PlanNotLive):
            services.handover_record(actor=self.bob, line=self.line_of(plan, self.chen_home))
        with self.assertRaises(services.PlanNotLive):
            services.plan_close(actor=self.alice, plan=plan)

    def test_it_closes_an_approved_plan_with_nothing_handed_over(self):
        plan, lot, account = self.ready_plan(approve=True)
        services.plan_close(actor=self.alice, plan=plan)
        lot.refresh_from_db()
        self.assertEqual((lot.on_hand, lot.reserved), (100, 0))
        self.assertEqual(set(PlanLine.objects.filter(plan=plan).values_list("status", flat=True)), {"not_collected"})
        self.assertLedgersAgree(plan)
        draft, _, _ = self.ready_plan()
        with self.assertRaises(services.PlanNotLive):
            services.plan_close(actor=self.alice, plan=draft)
