"""Stocktakes through HTTP: open a count sheet, print it, enter counts,
review the differences, confirm (admins) or cancel."""

from django.urls import reverse

from resourcelink.inventory import services
from resourcelink.inventory.models import (
    Lot,
    MoveKind,
    StockMove,
    Stocktake,
    StocktakeLine,
    StocktakeStatus,
)

from .test_pages_fixtures import StoreRoomTestCase

LIST = reverse("inventory:stocktake_list")
OPEN = reverse("inventory:stocktake_open")


class StocktakePageTests(StoreRoomTestCase):
    def url(self, stocktake, name="detail"):
        return reverse(f"inventory:stocktake_{name}", args=[stocktake.pk])

    def sheet(self, store=None, actor=None) -> Stocktake:
        return services.stocktake_open(actor=actor or self.bob, store=store or self.main)

    def line(self, stocktake, lot) -> StocktakeLine:
        return StocktakeLine.objects.get(stocktake=stocktake, lot=lot)

    def counts(self, stocktake, figures: dict, notes: dict | None = None) -> dict:
        data = {f"counted-{self.line(stocktake, lot).pk}": n for lot, n in figures.items()}
        for lot, note in (notes or {}).items():
            data[f"note-{self.line(stocktake, lot).pk}"] = note
        return data

    def test_an_editor_opens_a_count_sheet(self):
        self.login(self.carol)
        self.assertContains(self.client.get(LIST), 'id="open-form"')
        r = self.client.post(OPEN, {"store": self.main.pk, "notes": "月末盘点"})
        stocktake = Stocktake.objects.get(store=self.main)
        self.assertRedirects(r, self.url(stocktake))
        self.assertEqual((stocktake.status, stocktake.created_by, stocktake.notes),
                         (StocktakeStatus.OPEN, self.carol, "月末盘点"))
        self.assertEqual({(line.lot_id, line.expected) for line in stocktake.lines.all()},
                         {(self.masks.pk, 100), (self.rice.pk, 20), (self.fans.pk, 5)})

    def test_it_refuses_a_second_open_sheet_or_another_stations_store(self):
        self.sheet()
        self.login(self.bob)
        r = self.client.post(OPEN, {"store": self.main.pk})
        self.assertEqual(r.status_code, 400)
        self.assertIn("already has an open stocktake", " ".join(r.context["open_form"].errors["store"]))
        r = self.client.post(OPEN, {"store": self.far_store.pk})
        self.assertEqual(r.status_code, 400)
        self.assertTrue(r.context["open_form"].errors["store"])
        self.assertEqual(Stocktake.objects.count(), 1)

    def test_a_viewer_reads_but_opens_counts_confirms_and_cancels_nothing(self):
        stocktake = self.sheet()
        self.login(self.victor)
        r = self.client.get(LIST)
        self.assertEqual([s.pk for s in r.context["page_obj"]], [stocktake.pk])
        self.assertNotContains(r, 'id="open-form"')
        r = self.client.get(self.url(stocktake))
        self.assertEqual(r.status_code, 200)
        self.assertIsNone(r.context["count_form"])
        self.assertNotContains(r, 'id="confirm-form"')
        self.assertEqual(self.client.get(self.url(stocktake, "sheet")).status_code, 200)
        self.assertEqual(self.client.post(OPEN, {"store": self.annex.pk}).status_code, 403)
        self.assertEqual(self.client.post(self.url(stocktake, "count"),
                                          self.counts(stocktake, {self.masks: 1})).status_code, 403)
        self.assertEqual(self.client.post(self.url(stocktake, "confirm"), {"reason": "x"}).status_code, 403)
        self.assertEqual(self.client.post(self.url(stocktake, "cancel"), {"reason": "x"}).status_code, 403)
        self.assertEqual(self.line(stocktake, self.masks).counted, None)
        self.assertEqual(Stocktake.objects.get(pk=stocktake.pk).status, StocktakeStatus.OPEN)

    def test_it_prints_the_count_sheet(self):
        stocktake = self.sheet()
        self.login(self.bob)
        r = self.client.get(self.url(stocktake, "sheet"))
        self.assertContains(r, "Count sheet")
        self.assertContains(r, "一号仓库")
        self.assertEqual([d.line.lot_id for d in r.context["differences"]], [self.masks.pk, self.rice.pk, self.fans.pk])
        self.assertContains(r, "湖滨路1号")

    def test_it_runs_a_stocktake_from_counts_to_adjustments(self):
        stocktake = self.sheet()
        self.login(self.bob)
        r = self.client.post(self.url(stocktake, "count"),
                             self.counts(stocktake, {self.masks: 97, self.rice: 20}, {self.masks: "少三只"}))
        self.assertRedirects(r, self.url(stocktake))
        masks_line = self.line(stocktake, self.masks)
        self.assertEqual((masks_line.counted, masks_line.note, masks_line.counted_by), (97, "少三只", self.bob))
        page = self.client.get(self.url(stocktake))
        self.assertEqual((page.context["n_uncounted"], page.context["n_differences"]), (1, 1))
        # Bob may not confirm; and nothing is confirmed while a line is uncounted.
        self.assertEqual(self.client.post(self.url(stocktake, "confirm"), {"reason": "月末"}).status_code, 403)
        self.client.post(self.url(stocktake, "count"), self.counts(stocktake, {self.fans: 6}))
        # Stock moves on while the sheet is out: the difference is taken from on hand now.
        services.stock_issue(actor=self.bob, lot=self.masks, quantity=2, from_reserved=False, reason="x")
        self.login(self.alice)
        page = self.client.get(self.url(stocktake))
        self.assertContains(page, 'id="confirm-form"')
        self.assertEqual({d.line.lot_id: d.difference for d, _c, _n in page.context["rows"]},
                         {self.masks.pk: -1, self.rice.pk: 0, self.fans.pk: 1})
        r = self.client.post(self.url(stocktake, "confirm"), {"reason": "月末盘点"})
        self.assertRedirects(r, self.url(stocktake))
        self.assertEqual(Stocktake.objects.get(pk=stocktake.pk).status, StocktakeStatus.CONFIRMED)
        adjustments = StockMove.objects.filter(kind=MoveKind.ADJUST, reference=f"stocktake:{stocktake.pk}")
        self.assertEqual(sorted((m.lot_id, m.on_hand_delta) for m in adjustments),
                         sorted([(self.masks.pk, -1), (self.fans.pk, 1)]))
        self.assertEqual((Lot.objects.get(pk=self.masks.pk).on_hand, Lot.objects.get(pk=self.fans.pk).on_hand), (97, 6))
        self.assert_ledger_consistent()
        done = self.client.get(self.url(stocktake))
        self.assertIsNone(done.context["count_form"])
        self.assertIsNone(done.context["confirm_form"])

    def test_it_refuses_bad_counts_and_saves_none_of_them(self):
        stocktake = self.sheet()
        self.login(self.bob)
        r = self.client.post(self.url(stocktake, "count"), self.counts(stocktake, {self.masks: 90, self.rice: -1}))
        self.assertEqual(r.status_code, 400)
        self.assertContains(r, "greater than or equal to 0", status_code=400)
        r = self.client.post(self.url(stocktake, "count"), self.counts(stocktake, {self.masks: 90, self.rice: "many"}))
        self.assertEqual(r.status_code, 400)
        self.assertEqual([line.counted for line in stocktake.lines.all()], [None, None, None])

    def test_it_refuses_to_confirm_uncounted_sheets_or_without_a_reason(self):
        stocktake = self.sheet()
        self.login(self.alice)
        r = self.client.post(self.url(stocktake, "confirm"), {"reason": "月末"})
        self.assertEqual(r.status_code, 400)
        self.assertContains(r, "not counted yet", status_code=400)
        self.client.post(self.url(stocktake, "count"), self.counts(stocktake, {self.masks: 1, self.rice: 2,
                                                                               self.fans: 3}))
        r = self.client.post(self.url(stocktake, "confirm"), {"reason": ""})
        self.assertEqual(r.status_code, 400)
        self.assertTrue(r.context["confirm_form"].errors["reason"])
        self.assertEqual(Stocktake.objects.get(pk=stocktake.pk).status, StocktakeStatus.OPEN)
        self.assertFalse(StockMove.objects.filter(kind=MoveKind.ADJUST).exists())

    def test_an_editor_cancels_and_no_stock_changes(self):
        stocktake = self.sheet()
        self.login(self.carol)
        self.client.post(self.url(stocktake, "count"), self.counts(stocktake, {self.masks: 1}))
        r = self.client.post(self.url(stocktake, "cancel"), {"reason": ""})
        self.assertEqual(r.status_code, 400)
        before = self.moves()
        r = self.client.post(self.url(stocktake, "cancel"), {"reason": "重新盘点"})
        self.assertRedirects(r, self.url(stocktake))
        self.assertEqual(Stocktake.objects.get(pk=stocktake.pk).status, StocktakeStatus.CANCELLED)
        self.assertEqual(self.moves(), before)
        # A closed sheet takes no more counts.
        r = self.client.post(self.url(stocktake, "count"), self.counts(stocktake, {self.masks: 5}))
        self.assertEqual(r.status_code, 400)
        self.assertContains(r, "can no longer be changed", status_code=400)
        self.assertEqual(self.line(stocktake, self.masks).counted, 1)

    def test_it_filters_by_store(self):
        main, annex = self.sheet(), self.sheet(self.annex)
        self.login(self.victor)
        self.assertEqual([s.pk for s in self.client.get(LIST).context["page_obj"]], [annex.pk, main.pk])
        self.assertEqual([s.pk for s in self.client.get(LIST, {"store": self.annex.pk}).context["page_obj"]],
                         [annex.pk])

    def test_it_hides_stocktakes_from_outsiders(self):
        stocktake = self.sheet()
        self.login(self.oscar)
        for name in ("detail", "sheet"):
            self.assertEqual(self.client.get(self.url(stocktake, name)).status_code, 404)
        for name, data in (("count", self.counts(stocktake, {self.masks: 1})), ("confirm", {"reason": "x"}),
                           ("cancel", {"reason": "x"})):
            self.assertEqual(self.client.post(self.url(stocktake, name), data).status_code, 404, name)
        self.assertEqual(self.client.post(OPEN, {"store": self.main.pk}).status_code, 400)
        self.assertEqual(self.client.get(LIST).context["page_obj"].paginator.count, 0)
        self.assertEqual(Stocktake.objects.get(pk=stocktake.pk).status, StocktakeStatus.OPEN)
