"""The stock report and the stock ledger as XLSX, opened with openpyxl and
checked figure by figure."""

import io
from datetime import datetime, timedelta

from django.urls import reverse
from openpyxl import load_workbook

from resourcelink.inventory import services
from resourcelink.inventory.models import StockMove

from .test_pages_fixtures import StoreRoomTestCase

STOCK = reverse("inventory:stock_export")
LEDGER = reverse("inventory:ledger_export")


class ExportTestCase(StoreRoomTestCase):
    def workbook(self, url, params=None, user=None, **headers):
        self.login(user or self.victor)
        r = self.client.get(url, params or {}, **headers)
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r["Content-Type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        self.assertIn("attachment", r["Content-Disposition"])
        return load_workbook(io.BytesIO(b"".join(r.streaming_content)))

    def sheet_rows(self, sheet) -> tuple[list, list[tuple]]:
        rows = list(sheet.values)
        return list(rows[0]), [tuple(row) for row in rows[1:]]


class StockReportTests(ExportTestCase):
    def setUp(self):
        super().setUp()
        services.stock_reserve(actor=self.bob, lot=self.masks, quantity=30, reference="plan_line:1")

    def test_it_gives_the_stock_per_item_and_store(self):
        book = self.workbook(STOCK)
        self.assertEqual(book.sheetnames, ["Stock", "Lots"])
        header, rows = self.sheet_rows(book["Stock"])
        self.assertEqual(header, ["Item code", "Item", "Category", "Unit", "Store", "On hand", "Reserved", "Available",
                                  "Nearest expiry", "Expired", "Expiring soon", "Value (yuan)"])
        today = datetime.combine(self.today, datetime.min.time())
        self.assertEqual(rows, [
            ("fans", "Electric fans", "Fans and cooling", "台", "一号仓库", 5, 0, 5, None, 0, 0, None),
            ("masks", "Medical masks", "Masks", "只", "一号仓库", 100, 30, 70, today + timedelta(days=10), 0, 100, 80),
            ("masks", "Medical masks", "Masks", "只", "二号仓库", 40, 0, 40, today + timedelta(days=200), 0, 0, 40),
            ("rice", "Rice", "Staple food and cooking oil", "袋", "一号仓库", 20, 0, 20, today - timedelta(days=1), 20,
             0, 1000),
        ])
        header, lots = self.sheet_rows(book["Lots"])
        self.assertEqual(header[:8], ["Lot", "Item code", "Item", "Store", "Expires on", "On hand", "Reserved",
                                      "Available"])
        self.assertEqual([(r[0], r[5], r[6], r[7], r[9]) for r in lots], [
            (self.rice.pk, 20, 0, 20, 1000), (self.masks.pk, 100, 30, 70, 80),
            (self.annex_masks.pk, 40, 0, 40, 40), (self.fans.pk, 5, 0, 5, None)])
        self.assertNotIn(self.far_lot.pk, [r[0] for r in lots])

    def test_it_follows_the_stock_pages_filters(self):
        _h, rows = self.sheet_rows(self.workbook(STOCK, {"store": self.annex.pk})["Stock"])
        self.assertEqual([(r[0], r[4], r[5]) for r in rows], [("masks", "二号仓库", 40)])
        book = self.workbook(STOCK, {"expiry": "expired"})
        self.assertEqual([r[0] for r in self.sheet_rows(book["Stock"])[1]], ["rice"])
        self.assertEqual([r[0] for r in self.sheet_rows(book["Lots"])[1]], [self.rice.pk])
        book = self.workbook(STOCK, {"q": "口罩"})
        self.assertEqual({r[1] for r in self.sheet_rows(book["Lots"])[1]}, {"masks"})

    def test_it_speaks_the_users_language(self):
        book = self.workbook(STOCK, HTTP_ACCEPT_LANGUAGE="zh-hans")
        self.assertEqual(book.sheetnames, ["库存", "批次"])
        header, rows = self.sheet_rows(book["库存"])
        self.assertEqual(header[:3], ["物资代码", "物资", "类别"])
        self.assertEqual(rows[1][1:3], ("医用口罩", "口罩"))

    def test_it_refuses_bad_filters(self):
        self.login(self.victor)
        r = self.client.get(STOCK, {"store": self.far_store.pk})
        self.assertEqual(r.status_code, 400)
        self.assertContains(r, "Some filters are not valid", status_code=400)

    def test_an_outsider_gets_only_their_stations_stock(self):
        _h, rows = self.sheet_rows(self.workbook(STOCK, user=self.oscar)["Stock"])
        self.assertEqual([(r[0], r[4], r[5]) for r in rows], [("masks", "北山仓库", 7)])


class LedgerExportTests(ExportTestCase):
    def setUp(self):
        super().setUp()
        self.issue = services.stock_issue(actor=self.bob, lot=self.masks, quantity=3, from_reserved=False,
                                          reason="给张建国")
        services.stock_transfer(actor=self.carol, lot=self.annex_masks, to_store=self.main, quantity=5)

    def test_it_gives_every_move_newest_first_without_reasons_to_a_viewer(self):
        header, rows = self.sheet_rows(self.workbook(LEDGER)["Stock ledger"])
        self.assertEqual(header, ["Move", "When", "Kind", "Item code", "Item", "Store", "Lot", "Change on hand",
                                  "Change reserved", "By", "Refers to"])
        moves = list(StockMove.objects.filter(station=self.station).order_by("-id"))
        self.assertEqual([r[0] for r in rows], [m.pk for m in moves])
        self.assertEqual(len(rows), 7)
        transfer_in, transfer_out, issue = rows[:3]
        self.assertEqual(issue[2:10], ("issued", "masks", "Medical masks", "一号仓库", self.masks.pk, -3, 0, "Bob"))
        self.assertIsInstance(issue[1], datetime)
        self.assertEqual(transfer_out[2:9], ("transferred out", "masks", "Medical masks", "二号仓库",
                                             self.annex_masks.pk, -5, 0))
        self.assertEqual((transfer_in[2], transfer_in[7], transfer_in[10]),
                         ("transferred in", 5, f"lot:{self.annex_masks.pk}"))
        for row in rows:
            self.assertNotIn("给张建国", [str(v) for v in row])

    def test_it_gives_reasons_to_editors_and_follows_the_ledger_filters(self):
        header, rows = self.sheet_rows(self.workbook(LEDGER, {"kind": "issue"}, user=self.bob)["Stock ledger"])
        self.assertEqual(header[-1], "Why")
        self.assertEqual([(r[0], r[-1]) for r in rows], [(self.issue.pk, "给张建国")])
        _h, rows = self.sheet_rows(self.workbook(LEDGER, {"store": self.annex.pk})["Stock ledger"])
        self.assertEqual([r[2] for r in rows], ["transferred out", "received"])
        future = (self.today + timedelta(days=1)).isoformat()
        _h, rows = self.sheet_rows(self.workbook(LEDGER, {"date_from": future})["Stock ledger"])
        self.assertEqual(rows, [])

    def test_it_refuses_bad_filters(self):
        self.login(self.victor)
        self.assertEqual(self.client.get(LEDGER, {"kind": "steal"}).status_code, 400)
        self.assertEqual(self.client.get(LEDGER, {"item": 10**6}).status_code, 400)

    def test_an_outsider_gets_only_their_stations_moves(self):
        _h, rows = self.sheet_rows(self.workbook(LEDGER, user=self.oscar)["Stock ledger"])
        self.assertEqual([r[0] for r in rows], [StockMove.objects.get(lot=self.far_lot).pk])
