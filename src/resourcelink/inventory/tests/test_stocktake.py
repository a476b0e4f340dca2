"""Stocktakes: a count sheet per store, counts entered, differences confirmed
by an admin as adjustments."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404

from resourcelink.core.testing import StationTestCase
from resourcelink.inventory import selectors, services
from resourcelink.inventory.models import (
    Lot,
    MoveKind,
    StockMove,
    Stocktake,
    StocktakeLine,
    StocktakeStatus,
)
from resourcelink.inventory.testing import make_lot, make_store


class StocktakeTests(StationTestCase):
    def setUp(self):
        super().setUp()
        self.store = make_store(self.station, "一号仓库")
        self.masks = make_lot(self.store, "masks", quantity=100)
        self.rice = make_lot(self.store, "rice", quantity=20)
        self.fans = make_lot(self.store, "fans", quantity=5)
        self.empty = make_lot(self.store, "masks", quantity=4)
        services.stock_issue(actor=None, lot=self.empty, quantity=4, from_reserved=False, check=False)
        self.elsewhere = make_lot(make_store(self.station, "二号仓库"), "masks", quantity=9)

    def line(self, stocktake, lot) -> StocktakeLine:
        return StocktakeLine.objects.get(stocktake=stocktake, lot=lot)

    def count_all(self, stocktake, counts: dict, actor=None):
        for lot, counted in counts.items():
            services.stocktake_count(actor=actor or self.bob, line=self.line(stocktake, lot), counted=counted)

    def assert_ledger_consistent(self):
        lots = {lot.pk: lot for lot in Lot.objects.filter(station=self.station)}
        totals = selectors.ledger_totals(lots)
        for pk, lot in lots.items():
            self.assertEqual((lot.on_hand, lot.reserved), totals[pk], f"lot #{pk}")

    def test_it_runs_a_whole_stocktake_into_exact_adjustments(self):
        sheet = services.stocktake_open(actor=self.bob, store=self.store, notes=" 月末盘点 ")
        self.assertEqual(sheet.status, StocktakeStatus.OPEN)
        self.assertEqual(sheet.created_by, self.bob)
        self.assertEqual(sheet.notes, "月末盘点")
        # One line per lot of this store with stock; the empty lot and the
        # other store's lot are not on the sheet.
        self.assertEqual({(line.lot_id, line.expected, line.counted) for line in sheet.lines.all()},
                         {(self.masks.pk, 100, None), (self.rice.pk, 20, None), (self.fans.pk, 5, None)})
        # Stock moves on while the sheet is out: 10 masks issued after it was made.
        services.stock_issue(actor=self.bob, lot=self.masks, quantity=10, from_reserved=False)
        services.stock_reserve(actor=self.bob, lot=self.rice, quantity=6)
        self.count_all(sheet, {self.masks: 88, self.rice: 20})
        services.stocktake_count(actor=self.carol, line=self.line(sheet, self.fans), counted=7, note="角落里还有")
        fans_line = self.line(sheet, self.fans)
        self.assertEqual((fans_line.counted, fans_line.counted_by, fans_line.note), (7, self.carol, "角落里还有"))
        self.assertIsNotNone(fans_line.counted_on)

        diffs = {d.line.lot_id: (d.expected, d.counted, d.on_hand, d.difference)
                 for d in selectors.stocktake_differences(sheet)}
        self.assertEqual(diffs, {self.masks.pk: (100, 88, 90, -2), self.rice.pk: (20, 20, 20, 0),
                                 self.fans.pk: (5, 7, 5, 2)})

        before = StockMove.objects.count()
        moves = services.stocktake_confirm(actor=self.alice, stocktake=sheet, reason="月末盘点差异")
        self.assertEqual(StockMove.objects.count(), before + 2)
        self.assertEqual([(m.lot_id, m.kind, m.on_hand_delta, m.reserved_delta, m.reference, m.reason, m.moved_by)
                          for m in moves],
                         [(self.masks.pk, MoveKind.ADJUST, -2, 0, f"stocktake:{sheet.pk}", "月末盘点差异", self.alice),
                          (self.fans.pk, MoveKind.ADJUST, 2, 0, f"stocktake:{sheet.pk}", "月末盘点差异", self.alice)])
        for lot, (on_hand, reserved) in {self.masks: (88, 0), self.rice: (20, 6), self.fans: (7, 0)}.items():
            lot.refresh_from_db()
            self.assertEqual((lot.on_hand, lot.reserved), (on_hand, reserved))
        sheet.refresh_from_db()
        self.assertEqual((sheet.status, sheet.confirmed_by), (StocktakeStatus.CONFIRMED, self.alice))
        self.assertIsNotNone(sheet.confirmed_on)
        self.assertEqual(sheet.history.first().history_change_reason, "月末盘点差异")
        self.assert_ledger_consistent()
        # The store may be counted again now.
        self.assertEqual(services.stocktake_open(actor=self.bob, store=self.store).lines.count(), 3)

    def test_it_refuses_to_confirm_while_lines_are_uncounted(self):
        sheet = services.stocktake_open(actor=self.bob, store=self.store)
        self.count_all(sheet, {self.masks: 90, self.rice: 20})
        with self.assertRaisesMessage(ValidationError, f"lots #{self.fans.pk}"):
            services.stocktake_confirm(actor=self.alice, stocktake=sheet, reason="盘点")
        self.assertFalse(StockMove.objects.filter(reference=f"stocktake:{sheet.pk}").exists())
        sheet.refresh_from_db()
        self.assertEqual(sheet.status, StocktakeStatus.OPEN)

    def test_it_lets_only_admins_confirm(self):
        sheet = services.stocktake_open(actor=self.bob, store=self.store)
        self.count_all(sheet, {self.masks: 90, self.rice: 20, self.fans: 5})
        for user in (self.bob, self.carol, self.victor):
            with self.assertRaises(PermissionDenied):
                services.stocktake_confirm(actor=user, stocktake=sheet, reason="盘点")
        with self.assertRaises(Http404):
            services.stocktake_confirm(actor=self.oscar, stocktake=sheet, reason="盘点")
        with self.assertRaises(ValidationError):
            services.stocktake_confirm(actor=self.alice, stocktake=sheet, reason="  ")
        self.assertFalse(StockMove.objects.filter(kind=MoveKind.ADJUST).exists())

    def test_it_lets_editors_open_and_count_but_not_viewers_or_outsiders(self):
        with self.assertRaises(PermissionDenied):
            services.stocktake_open(actor=self.victor, store=self.store)
        with self.assertRaises(Http404):
            services.stocktake_open(actor=self.oscar, store=self.store)
        sheet = services.stocktake_open(actor=self.carol, store=self.store)
        with self.assertRaises(PermissionDenied):
            services.stocktake_count(actor=self.victor, line=self.line(sheet, self.masks), counted=1)
        for bad in (-1, 1.5, "3", True):
            with self.assertRaises(ValidationError):
                services.stocktake_count(actor=self.bob, line=self.line(sheet, self.masks), counted=bad)
        services.stocktake_count(actor=self.bob, line=self.line(sheet, self.masks), counted=0)
        self.assertEqual(self.line(sheet, self.masks).counted, 0)

    def test_it_refuses_a_count_below_what_is_reserved_and_applies_nothing(self):
        services.stock_reserve(actor=self.bob, lot=self.rice, quantity=15)
        sheet = services.stocktake_open(actor=self.bob, store=self.store)
        self.count_all(sheet, {self.masks: 90, self.rice: 12, self.fans: 6})
        with self.assertRaises(ValidationError) as ctx:
            services.stocktake_confirm(actor=self.alice, stocktake=sheet, reason="盘点")
        message = " ".join(ctx.exception.messages)
        self.assertIn(f"lot #{self.rice.pk}", message)
        self.assertIn("15", message)
        self.assertFalse(StockMove.objects.filter(kind=MoveKind.ADJUST).exists())
        for lot, figures in {self.masks: (100, 0), self.rice: (20, 15), self.fans: (5, 0)}.items():
            lot.refresh_from_db()
            self.assertEqual((lot.on_hand, lot.reserved), figures)
        sheet.refresh_from_db()
        self.assertEqual(sheet.status, StocktakeStatus.OPEN)
        # Recounted at (or above) the reservation, it goes through.
        services.stocktake_count(actor=self.bob, line=self.line(sheet, self.rice), counted=15)
        moves = services.stocktake_confirm(actor=self.alice, stocktake=sheet, reason="盘点")
        self.assertEqual([(m.lot_id, m.on_hand_delta) for m in moves],
                         [(self.masks.pk, -10), (self.rice.pk, -5), (self.fans.pk, 1)])
        self.assert_ledger_consistent()

    def test_it_refuses_a_second_open_stocktake_for_the_same_store(self):
        first = services.stocktake_open(actor=self.bob, store=self.store)
        with self.assertRaisesMessage(ValidationError, "already has an open stocktake"):
            services.stocktake_open(actor=self.carol, store=self.store)
        # The database refuses it too.
        with self.assertRaises(IntegrityError), transaction.atomic():
            Stocktake.objects.create(station=self.station, store=self.store)
        # Another store may be counted meanwhile; a cancelled sheet frees the store.
        services.stocktake_open(actor=self.bob, store=self.elsewhere.store)
        services.stocktake_cancel(actor=self.bob, stocktake=first, reason="重新盘点")
        first.refresh_from_db()
        self.assertEqual(first.status, StocktakeStatus.CANCELLED)
        self.assertEqual(first.history.first().history_change_reason, "重新盘点")
        services.stocktake_open(actor=self.bob, store=self.store)
        self.assertEqual(Stocktake.objects.filter(store=self.store).count(), 2)

    def test_it_refuses_counting_confirming_or_cancelling_once_confirmed(self):
        sheet = services.stocktake_open(actor=self.bob, store=self.store)
        self.count_all(sheet, {self.masks: 100, self.rice: 20, self.fans: 5})
        self.assertEqual(services.stocktake_confirm(actor=self.alice, stocktake=sheet, reason="盘点"), [])
        with self.assertRaisesMessage(ValidationError, "can no longer be changed"):
            services.stocktake_count(actor=self.bob, line=self.line(sheet, self.masks), counted=99)
        self.assertEqual(self.line(sheet, self.masks).counted, 100)
        with self.assertRaises(ValidationError):
            services.stocktake_confirm(actor=self.alice, stocktake=sheet, reason="again")
        with self.assertRaises(ValidationError):
            services.stocktake_cancel(actor=self.bob, stocktake=sheet, reason="oops")
        self.assertFalse(StockMove.objects.filter(reference=f"stocktake:{sheet.pk}").exists())
        self.assert_ledger_consistent()

    def test_it_refuses_counting_a_cancelled_sheet_and_needs_a_reason_to_cancel(self):
        sheet = services.stocktake_open(actor=self.bob, store=self.store)
        with self.assertRaises(ValidationError):
            services.stocktake_cancel(actor=self.bob, stocktake=sheet, reason="")
        with self.assertRaises(PermissionDenied):
            services.stocktake_cancel(actor=self.victor, stocktake=sheet, reason="no")
        services.stocktake_cancel(actor=self.bob, stocktake=sheet, reason="搞错了")
        with self.assertRaises(ValidationError):
            services.stocktake_count(actor=self.bob, line=self.line(sheet, self.masks), counted=1)

    def test_it_lists_a_station_s_stocktakes_scoped(self):
        sheet = services.stocktake_open(actor=self.bob, store=self.store)
        self.assertEqual(list(selectors.stocktakes_for_station(self.station)), [sheet])
        self.assertEqual(list(selectors.stocktakes_for_station(self.station, self.elsewhere.store)), [])
        self.assertEqual(selectors.get_stocktake_for_user(self.bob, sheet.pk), sheet)
        with self.assertRaises(Http404):
            selectors.get_stocktake_for_user(self.oscar, sheet.pk)
        with self.assertNumQueries(1):
            rows = selectors.stocktake_differences(sheet)
            [(r.line.lot.item.name, r.line.lot.store.name, r.difference) for r in rows]
