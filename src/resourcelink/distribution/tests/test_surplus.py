"""What a closed plan left: commend volunteers, an online activity, a
transfer to another store or station, or keep."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from resourcelink.distribution import services
from resourcelink.distribution.models import SurplusAward, SurplusDecision
from resourcelink.distribution.selectors import surplus_for_plan
from resourcelink.inventory.models import Lot, StockMove
from resourcelink.inventory.selectors import ledger_totals
from resourcelink.inventory.testing import make_store

from .base import PlanTestCase


class SurplusTests(PlanTestCase):
    def setUp(self):
        # 25 masks planned, none handed over: closing releases all 25.
        self.plan, self.lot_, _ = self.ready_plan(masks=40, money=None, approve=True)
        services.plan_close(actor=self.alice, plan=self.plan)

    def left(self):
        return {r["lot"].pk: r["left"] for r in surplus_for_plan(self.plan)}

    def decide(self, kind, quantity, actor=None, **fields):
        return services.surplus_decide(actor=actor or self.bob, plan=self.plan, lot=self.lot_, kind=kind,
                                       quantity=quantity, **fields)

    def assertLotAgrees(self, *lots):
        totals = ledger_totals([lot.pk for lot in lots])
        for lot in lots:
            lot.refresh_from_db()
            self.assertEqual((lot.on_hand, lot.reserved), totals[lot.pk])

    def test_it_commends_volunteers_with_awards(self):
        decision = self.decide("commend", 10, awards=[(self.wang, "", 6), (None, "志愿者小李", 4)],
                               reason="抗疫期间坚守岗位")
        self.assertEqual(decision.created_by, self.bob)
        self.assertEqual(list(SurplusAward.objects.filter(decision=decision).values_list("resident", "name",
                                                                                        "quantity")),
                         [(self.wang.pk, "", 6), (None, "志愿者小李", 4)])
        move = StockMove.objects.get(reference=f"surplus:{decision.pk}")
        self.assertEqual((move.kind, move.on_hand_delta, move.reserved_delta), ("issue", -10, 0))
        self.assertEqual(self.left(), {self.lot_.pk: 15})
        self.lot_.refresh_from_db()
        self.assertEqual(self.lot_.on_hand, 30)
        self.assertLotAgrees(self.lot_)
        self.assertLedgersAgree(self.plan)

    def test_it_gives_away_through_an_online_activity(self):
        with self.assertRaises(ValidationError) as caught:
            self.decide("online", 5)
        self.assertIn("activity", caught.exception.message_dict)
        decision = self.decide("online", 5, activity="社区公众号“口罩领取”活动")
        self.assertEqual(StockMove.objects.get(reference=f"surplus:{decision.pk}").on_hand_delta, -5)
        self.assertEqual(self.left(), {self.lot_.pk: 20})
        self.assertLotAgrees(self.lot_)

    def test_it_transfers_to_another_store(self):
        other = make_store(self.station, "东坡社区仓库")
        decision = self.decide("transfer", 8, to_store=other)
        new_lot = Lot.objects.get(store=other)
        self.assertEqual((new_lot.on_hand, new_lot.source_lot, new_lot.item), (8, self.lot_, self.masks))
        self.assertEqual(set(StockMove.objects.filter(reference=f"surplus:{decision.pk}")
                             .values_list("kind", "on_hand_delta")), {("transfer_out", -8), ("transfer_in", 8)})
        self.assertEqual(self.left(), {self.lot_.pk: 17})
        self.assertLotAgrees(self.lot_, new_lot)

    def test_it_transfers_to_another_station(self):
        decision = self.decide("transfer", 5, to_station=self.other_station, reason="支援北山")
        move = StockMove.objects.get(reference=f"surplus:{decision.pk}")
        self.assertEqual((move.kind, move.on_hand_delta), ("transfer_out", -5))
        self.assertIn(self.other_station.name, move.reason)
        self.assertEqual(decision.to_station, self.other_station)
        self.assertLotAgrees(self.lot_)

    def test_it_keeps_without_moving_stock(self):
        decision = self.decide("keep", 25, reason="留作应急储备")
        self.assertFalse(StockMove.objects.filter(reference=f"surplus:{decision.pk}").exists())
        self.lot_.refresh_from_db()
        self.assertEqual(self.lot_.on_hand, 40)
        self.assertEqual(self.left(), {self.lot_.pk: 0})
        with self.assertRaises(ValidationError):
            self.decide("keep", 1)

    def test_it_refuses_bad_decisions_and_changes_nothing(self):
        cases = [
            ({"kind": "keep", "quantity": 26}, "quantity"),
            ({"kind": "keep", "quantity": 0}, "quantity"),
            ({"kind": "donate", "quantity": 1}, "kind"),
            ({"kind": "commend", "quantity": 5}, "awards"),
            ({"kind": "commend", "quantity": 5, "awards": [(None, "小李", 3)]}, "awards"),
            ({"kind": "commend", "quantity": 5, "awards": [(None, "", 5)]}, "awards"),
            ({"kind": "commend", "quantity": 5, "awards": [(self.far_resident, "", 5)]}, "awards"),
            ({"kind": "transfer", "quantity": 5}, "to_store"),
            ({"kind": "transfer", "quantity": 5, "to_store": self.store}, "to_store"),
            ({"kind": "transfer", "quantity": 5, "to_station": self.station}, "to_station"),
            ({"kind": "keep", "quantity": 5, "to_station": self.other_station}, "to_store"),
        ]
        for fields, field in cases:
            with self.subTest(fields=fields), self.assertRaises(ValidationError) as caught:
                services.surplus_decide(actor=self.bob, plan=self.plan, lot=self.lot_, **fields)
            self.assertIn(field, caught.exception.message_dict)
        with self.assertRaises(ValidationError) as caught:
            services.surplus_decide(actor=self.bob, plan=self.plan, lot=self.lot(5), kind="keep", quantity=1)
        self.assertIn("lot", caught.exception.message_dict)
        self.assertFalse(SurplusDecision.objects.exists())
        self.assertFalse(StockMove.objects.filter(reference__startswith="surplus:").exists())

    def test_it_decides_only_on_closed_plans_by_editors(self):
        with self.assertRaises(PermissionDenied):
            self.decide("keep", 1, actor=self.victor)
        with self.assertRaises(Http404):
            self.decide("keep", 1, actor=self.oscar)
        open_plan, lot, _ = self.ready_plan(money=None, approve=True)
        with self.assertRaises(ValidationError):
            services.surplus_decide(actor=self.bob, plan=open_plan, lot=lot, kind="keep", quantity=1)
        self.assertEqual(surplus_for_plan(open_plan)[0]["left"], 0)
        self.decide("keep", 1, actor=self.carol)
        self.assertEqual(SurplusDecision.objects.count(), 1)

    def test_it_refuses_a_decision_the_lot_can_no_longer_cover(self):
        from resourcelink.inventory.services import InsufficientStock, stock_write_off

        stock_write_off(actor=self.bob, lot=self.lot_, quantity=30, reason="受潮")
        with self.assertRaises(InsufficientStock):
            self.decide("online", 20, activity="线上领取")
        self.assertFalse(SurplusDecision.objects.exists())
        self.assertLotAgrees(self.lot_)
