"""/items, /stores, /stock, /lots and /stocktakes."""

from decimal import Decimal

from resourcelink.inventory.models import (
    Item,
    Lot,
    MoveKind,
    StockMove,
    Stocktake,
    StocktakeLine,
    Store,
)
from resourcelink.inventory.selectors import ledger_totals
from resourcelink.inventory.services import stock_reserve
from resourcelink.inventory.testing import make_lot

from .store_base import StoreApiTestCase


class ItemApiTests(StoreApiTestCase):
    def test_it_lists_and_filters_the_catalogue(self):
        body = self.get("/api/v1/items", self.victor).json()
        self.assertEqual(body["count"], Item.objects.filter(station=self.station).count())
        self.assertEqual(body["count"], 12)
        masks = self.get("/api/v1/items", self.bob, q="mask").json()["results"]
        self.assertEqual([(r["code"], r["unit"], r["pack_size"], r["category"]["code"]) for r in masks],
                         [("masks", "只", 50, "protection.masks")])
        codes = {r["code"] for r in self.get("/api/v1/items", self.bob, category="protection").json()["results"]}
        self.assertEqual(codes, {"masks", "protective_clothing", "gloves", "raincoats", "disinfectant"})
        self.assertError(self.get("/api/v1/items", self.bob, category="nope"), 400, "category")
        response = self.get(f"/api/v1/items/{self.masks_item.pk}", self.victor)
        self.assertEqual((response.status_code, response.json()["name_zh_hans"]), (200, "医用口罩"))

    def test_admins_add_change_and_archive_items(self):
        response = self.post("/api/v1/items", self.alice, {
            "code": " N95 ", "name_zh_hans": "N95口罩", "name_en": "N95 masks", "category": "protection.masks",
            "unit": "只", "pack_size": 20})
        self.assertEqual(response.status_code, 201, response.content)
        item = Item.objects.get(pk=response.json()["id"])
        self.assertEqual((item.code, item.pack_size, item.category.code, item.created_by),
                         ("n95", 20, "protection.masks", self.alice))
        response = self.patch(f"/api/v1/items/{item.pk}", self.alice, {"pack_size": 10, "reason": "新供应商"})
        self.assertEqual((response.status_code, response.json()["pack_size"]), (200, 10))
        self.assertEqual(item.history.first().history_change_reason, "新供应商")
        response = self.post(f"/api/v1/items/{item.pk}/archive", self.alice, {"reason": "停用"})
        self.assertEqual((response.status_code, response.json()["archived"]), (200, True))
        self.assertNotIn("n95", {r["code"] for r in self.get("/api/v1/items", self.alice).json()["results"]})
        self.assertIn("n95", {r["code"] for r in self.get("/api/v1/items", self.alice, include_archived=True,
                                                           q="n95").json()["results"]})

    def test_it_checks_item_input_and_changes_nothing(self):
        base = {"code": "n95", "name_zh_hans": "N95口罩", "name_en": "N95 masks", "category": "protection.masks",
                "unit": "只"}
        self.assertError(self.post("/api/v1/items", self.alice, {**base, "code": "masks"}), 400, "code")
        self.assertError(self.post("/api/v1/items", self.alice, {**base, "category": "nope"}), 400, "category")
        self.assertError(self.post("/api/v1/items", self.alice, {**base, "name_en": " "}), 400, "name_en")
        self.assertError(self.post("/api/v1/items", self.alice, {**base, "pack_size": 0}), 400, "pack_size")
        self.assertError(self.post("/api/v1/items", self.alice, {"code": "n95"}), 400, "unit")
        self.assertError(self.patch(f"/api/v1/items/{self.masks_item.pk}", self.alice, {"unit": None}), 400, "unit")
        self.assertFalse(Item.objects.filter(code="n95").exists())
        self.masks_item.refresh_from_db()
        self.assertEqual(self.masks_item.unit, "只")

    def test_only_admins_change_the_catalogue(self):
        for user in (self.bob, self.carol, self.victor):
            self.assertError(self.post("/api/v1/items", user, {
                "code": "n95", "name_zh_hans": "N95口罩", "name_en": "N95", "category": "protection.masks",
                "unit": "只"}), 403)
            self.assertError(self.patch(f"/api/v1/items/{self.masks_item.pk}", user, {"unit": "盒"}), 403)
            self.assertError(self.post(f"/api/v1/items/{self.masks_item.pk}/archive", user, {}), 403)
        self.masks_item.refresh_from_db()
        self.assertEqual((self.masks_item.unit, self.masks_item.archived_on), ("只", None))
        self.assertFalse(Item.objects.filter(code="n95").exists())

    def test_an_outsider_gets_404(self):
        url = f"/api/v1/items/{self.masks_item.pk}"
        self.assertError(self.get(url, self.oscar), 404)
        self.assertError(self.patch(url, self.oscar, {"unit": "盒"}), 404)
        self.assertError(self.post(f"{url}/archive", self.oscar, {}), 404)
        self.assertError(self.get("/api/v1/items", self.oscar, station=self.station.pk), 404)
        self.assertError(self.post("/api/v1/items", self.oscar, {
            "station": self.station.pk, "code": "n95", "name_zh_hans": "N95", "name_en": "N95",
            "category": "protection.masks", "unit": "只"}), 404)
        self.assertEqual(Item.objects.get(pk=self.masks_item.pk).unit, "只")


class StoreApiTests(StoreApiTestCase):
    def test_admins_add_change_and_archive_stores(self):
        response = self.post("/api/v1/stores", self.alice, {"name": " 三号仓库 ", "community": self.community.pk,
                                                            "address": "湖滨路1号"})
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual((body["name"], body["community"]["code"], body["archived"]), ("三号仓库", "dongpo", False))
        store_id = body["id"]
        response = self.patch(f"/api/v1/stores/{store_id}", self.alice, {"notes": "钥匙在门卫", "community": None})
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual((response.json()["notes"], response.json()["community"]), ("钥匙在门卫", None))
        response = self.post(f"/api/v1/stores/{store_id}/archive", self.alice, {})
        self.assertEqual((response.status_code, response.json()["archived"]), (200, True))
        rows = self.get("/api/v1/stores", self.victor).json()["results"]
        self.assertEqual([(r["name"], r["on_hand"], r["lots_in_stock"]) for r in rows],
                         [("中心仓库", 120, 2), ("二号仓库", 0, 0)])
        self.assertEqual(self.get("/api/v1/stores", self.victor, include_archived=True).json()["count"], 3)

    def test_it_refuses_bad_store_input(self):
        self.assertError(self.post("/api/v1/stores", self.alice, {"name": "中心仓库"}), 400, "name")
        self.assertError(self.post("/api/v1/stores", self.alice, {"name": "X", "community": self.other_community.pk}),
                         400, "community")
        self.assertError(self.patch(f"/api/v1/stores/{self.store.pk}", self.alice, {"name": ""}), 400, "name")
        # A store holding stock is not archived.
        body = self.assertError(self.post(f"/api/v1/stores/{self.store.pk}/archive", self.alice, {}), 400)
        self.assertIn("中心仓库", body["detail"])
        self.assertEqual(Store.objects.filter(station=self.station).count(), 2)
        self.store.refresh_from_db()
        self.assertEqual((self.store.name, self.store.archived_on), ("中心仓库", None))

    def test_only_admins_manage_stores_and_outsiders_get_404(self):
        for user in (self.bob, self.carol, self.victor):
            self.assertError(self.post("/api/v1/stores", user, {"name": "三号仓库"}), 403)
            self.assertError(self.patch(f"/api/v1/stores/{self.store2.pk}", user, {"name": "改"}), 403)
            self.assertError(self.post(f"/api/v1/stores/{self.store2.pk}/archive", user, {}), 403)
        for response in (self.get(f"/api/v1/stores/{self.store.pk}", self.oscar),
                         self.patch(f"/api/v1/stores/{self.store2.pk}", self.oscar, {"name": "改"}),
                         self.post(f"/api/v1/stores/{self.store2.pk}/archive", self.oscar, {}),
                         self.get("/api/v1/stores", self.oscar, station=self.station.pk)):
            self.assertError(response, 404)
        self.store2.refresh_from_db()
        self.assertEqual((self.store2.name, self.store2.archived_on), ("二号仓库", None))
        self.assertEqual(Store.objects.filter(station=self.station).count(), 2)


class StockApiTests(StoreApiTestCase):
    def lot_url(self, lot=None, action=""):
        return f"/api/v1/lots/{(lot or self.lot).pk}" + (f"/{action}" if action else "")

    def figures(self, lot=None):
        lot = Lot.objects.get(pk=(lot or self.lot).pk)
        return lot.on_hand, lot.reserved

    def assertLedgerConsistent(self):
        lots = {lot.pk: lot for lot in Lot.objects.all()}
        for pk, total in ledger_totals(lots).items():
            self.assertEqual((lots[pk].on_hand, lots[pk].reserved), total, f"lot #{pk}")

    def test_it_shows_stock_per_item_and_store_with_expiry_warnings(self):
        make_lot(self.store2, "masks", 30, unit_value=Decimal("0.50"))
        stock_reserve(actor=None, lot=self.lot, quantity=40, check=False)
        rows = {r["item"]["code"]: r for r in self.get("/api/v1/stock", self.victor).json()}
        self.assertEqual(set(rows), {"masks", "rice"})
        masks = rows["masks"]
        self.assertEqual((masks["on_hand"], masks["reserved"], masks["available"], masks["expiring"],
                          masks["nearest_expiry"], Decimal(masks["value"])),
                         (130, 40, 90, 100, self.lot.expires_on.isoformat(), Decimal("15.00")))
        self.assertEqual([(s["store"]["name"], s["available"], s["expiring"]) for s in masks["stores"]],
                         [("中心仓库", 60, 100), ("二号仓库", 30, 0)])
        only = self.get("/api/v1/stock", self.bob, store=self.store2.pk).json()
        self.assertEqual([(r["item"]["code"], r["on_hand"]) for r in only], [("masks", 30)])
        warning = self.get("/api/v1/stock", self.bob, expiry="warning").json()
        self.assertEqual([(r["item"]["code"], [s["store"]["name"] for s in r["stores"]]) for r in warning],
                         [("masks", ["中心仓库"])])
        self.assertEqual([r["item"]["code"] for r in self.get("/api/v1/stock", self.bob, category="food").json()],
                         ["rice"])
        self.assertError(self.get("/api/v1/stock", self.bob, expiry="soon"), 400, "expiry")
        self.assertError(self.get("/api/v1/stock", self.bob, store=self.other_store.pk), 400, "store")
        self.assertError(self.get("/api/v1/stock", self.oscar, station=self.station.pk), 404)
        self.assertNotIn("北山仓库", self.get("/api/v1/stock", self.bob).content.decode())

    def test_it_lists_lots_with_their_expiry_state(self):
        body = self.get("/api/v1/lots", self.victor).json()
        self.assertEqual([(r["id"], r["expiry_state"]) for r in body["results"]],
                         [(self.lot.pk, "expiring"), (self.rice_lot.pk, "")])
        self.assertEqual(self.get("/api/v1/lots", self.bob, expiring_within=30).json()["count"], 1)
        self.assertEqual(self.get("/api/v1/lots", self.bob, item=self.masks_item.pk).json()["count"], 1)
        self.assertEqual(self.get("/api/v1/lots", self.bob, category="food.staple").json()["count"], 1)
        self.assertEqual(self.get("/api/v1/lots", self.bob, store=self.store2.pk).json()["count"], 0)
        self.assertError(self.get("/api/v1/lots", self.bob, item=self.other_lot.item_id), 400, "item")
        self.assertError(self.get("/api/v1/lots", self.bob, expiring_within=-1), 400, "expiring_within")
        lot = self.get(self.lot_url(), self.victor).json()
        self.assertEqual((lot["item"]["code"], lot["store"]["name"], lot["on_hand"], lot["available"]),
                         ("masks", "中心仓库", 100, 100))

    def test_editors_issue_and_take_back_units(self):
        response = self.post(self.lot_url(action="issue"), self.carol, {"quantity": 30, "reason": "发给张三"})
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual((body["move"]["kind"], body["move"]["on_hand_delta"], body["move"]["moved_by"]["id"]),
                         ("issue", -30, self.carol.pk))
        self.assertEqual((body["lot"]["on_hand"], body["lot"]["available"]), (70, 70))
        response = self.post(self.lot_url(action="return"), self.bob, {"quantity": 5, "reason": "多发了"})
        self.assertEqual((response.status_code, response.json()["lot"]["on_hand"]), (200, 75))
        self.assertError(self.post(self.lot_url(action="return"), self.bob, {"quantity": 26}), 400, "quantity")
        self.assertEqual(self.figures(), (75, 0))
        moves = self.get(self.lot_url(action="moves"), self.bob).json()
        self.assertEqual([(m["kind"], m["on_hand_delta"], m["reason"]) for m in moves["results"]],
                         [("receive", 100, ""), ("issue", -30, "发给张三"), ("return", 5, "多发了")])
        self.assertLedgerConsistent()

    def test_a_viewer_reads_the_ledger_without_reasons(self):
        self.post(self.lot_url(action="issue"), self.bob, {"quantity": 3, "reason": "发给张三"})
        response = self.get(self.lot_url(action="moves"), self.victor)
        self.assertEqual(response.status_code, 200)
        self.assertEqual([m["reason"] for m in response.json()["results"]], [None, None])
        self.assertNotIn("张三", response.content.decode())

    def test_issuing_more_than_is_available_is_a_conflict_that_changes_nothing(self):
        stock_reserve(actor=None, lot=self.lot, quantity=90, check=False)
        body = self.assertError(self.post(self.lot_url(action="issue"), self.bob, {"quantity": 11}), 409,
                                "quantity")
        self.assertIn("10", body["detail"])
        self.assertIn("中心仓库", body["detail"])
        self.assertError(self.post(self.lot_url(action="write-off"), self.bob, {"quantity": 11, "reason": "坏了"}),
                         409, "quantity")
        self.assertError(self.post(self.lot_url(action="transfer"), self.bob,
                                   {"to_store": self.store2.pk, "quantity": 11}), 409, "quantity")
        self.assertError(self.post(self.lot_url(action="adjust"), self.alice, {"delta": -11, "reason": "少了"}),
                         409, "quantity")
        self.assertError(self.post(self.lot_url(action="issue"), self.bob, {"quantity": 0}), 400, "quantity")
        self.assertError(self.post(self.lot_url(action="issue"), self.bob, {"quantity": "many"}), 400, "quantity")
        self.assertEqual(self.figures(), (100, 90))
        self.assertEqual(StockMove.objects.filter(lot=self.lot).count(), 2)
        self.assertFalse(Lot.objects.filter(store=self.store2).exists())

    def test_write_offs_and_adjustments_need_a_reason(self):
        self.assertError(self.post(self.lot_url(action="write-off"), self.bob, {"quantity": 5, "reason": " "}),
                         400, "reason")
        self.assertError(self.post(self.lot_url(action="adjust"), self.alice, {"delta": 3, "reason": ""}),
                         400, "reason")
        self.assertError(self.post(self.lot_url(action="adjust"), self.alice, {"delta": 0, "reason": "x"}),
                         400, "delta")
        self.assertEqual(self.figures(), (100, 0))
        response = self.post(self.lot_url(action="write-off"), self.bob, {"quantity": 5, "reason": "受潮"})
        self.assertEqual((response.status_code, response.json()["move"]["kind"]), (200, MoveKind.WRITE_OFF))
        response = self.post(self.lot_url(action="adjust"), self.alice, {"delta": 2, "reason": "少点了"})
        self.assertEqual((response.status_code, response.json()["lot"]["on_hand"]), (200, 97))
        self.assertLedgerConsistent()

    def test_transfers_make_a_lot_in_the_other_store(self):
        response = self.post(self.lot_url(action="transfer"), self.bob,
                             {"to_store": self.store2.pk, "quantity": 40, "reason": "分仓"})
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual((body["from_lot"]["on_hand"], body["to_lot"]["on_hand"], body["to_lot"]["store"]["id"],
                          body["to_lot"]["source_lot"], body["to_lot"]["expires_on"]),
                         (60, 40, self.store2.pk, self.lot.pk, self.lot.expires_on.isoformat()))
        self.assertEqual((body["move"]["kind"], body["move"]["on_hand_delta"], body["move"]["lot"]),
                         ("transfer_out", -40, self.lot.pk))
        self.assertEqual(body["move"]["counterpart"],
                         StockMove.objects.get(lot_id=body["to_lot"]["id"], kind="transfer_in").pk)
        self.assertError(self.post(self.lot_url(action="transfer"), self.bob,
                                   {"to_store": self.other_store.pk, "quantity": 1}), 400, "to_store")
        self.assertError(self.post(self.lot_url(action="transfer"), self.bob,
                                   {"to_store": self.store.pk, "quantity": 1}), 400, "to_store")
        self.assertEqual(self.figures(), (60, 0))
        self.assertLedgerConsistent()

    def test_wrong_roles_get_403_and_outsiders_404(self):
        actions = {"issue": {"quantity": 1}, "return": {"quantity": 1}, "write-off": {"quantity": 1, "reason": "x"},
                   "adjust": {"delta": 1, "reason": "x"}, "transfer": {"to_store": self.store2.pk, "quantity": 1}}
        for action, data in actions.items():
            self.assertError(self.post(self.lot_url(action=action), self.victor, data), 403)
            self.assertError(self.post(self.lot_url(action=action), self.oscar, data), 404)
        self.assertError(self.post(self.lot_url(action="adjust"), self.bob, {"delta": 1, "reason": "x"}), 403)
        self.assertError(self.post(self.lot_url(action="adjust"), self.carol, {"delta": 1, "reason": "x"}), 403)
        self.assertError(self.get(self.lot_url(), self.oscar), 404)
        self.assertError(self.get(self.lot_url(action="moves"), self.oscar), 404)
        self.assertError(self.get("/api/v1/lots", self.oscar, station=self.station.pk), 404)
        self.assertEqual(self.figures(), (100, 0))
        self.assertEqual(StockMove.objects.filter(lot=self.lot).count(), 1)
        # The outsider's own lot is out of reach for this station's staff too.
        self.assertError(self.post(self.lot_url(self.other_lot, "issue"), self.alice, {"quantity": 1}), 404)


class StocktakeApiTests(StoreApiTestCase):
    def open(self, user=None, store=None):
        return self.post("/api/v1/stocktakes", user or self.bob, {"store": (store or self.store).pk,
                                                                  "notes": "月末盘点"})

    def lines(self, stocktake_id):
        return {line.lot_id: line for line in StocktakeLine.objects.filter(stocktake_id=stocktake_id)}

    def test_a_stocktake_runs_from_open_to_confirmed_adjustments(self):
        response = self.open()
        self.assertEqual(response.status_code, 201, response.content)
        sheet = response.json()
        self.assertEqual((sheet["status"], sheet["store"]["name"], sheet["created_by"]["id"]),
                         ("open", "中心仓库", self.bob.pk))
        self.assertEqual({(line["lot"], line["expected"], line["counted"]) for line in sheet["lines"]},
                         {(self.lot.pk, 100, None), (self.rice_lot.pk, 20, None)})
        lines = self.lines(sheet["id"])
        url = f"/api/v1/stocktakes/{sheet['id']}"
        response = self.post(f"{url}/counts", self.carol, {"counts": [
            {"line": lines[self.lot.pk].pk, "counted": 96, "note": "破损4只"},
            {"line": lines[self.rice_lot.pk].pk, "counted": 20}]})
        self.assertEqual(response.status_code, 200, response.content)
        diffs = {line["lot"]: line["difference"] for line in response.json()["lines"]}
        self.assertEqual(diffs, {self.lot.pk: -4, self.rice_lot.pk: 0})
        self.assertError(self.post(f"{url}/confirm", self.bob, {"reason": "月末"}), 403)
        self.assertError(self.post(f"{url}/confirm", self.alice, {"reason": ""}), 400, "reason")
        response = self.post(f"{url}/confirm", self.alice, {"reason": "月末"})
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual((body["stocktake"]["status"], body["stocktake"]["confirmed_by"]["id"]),
                         ("confirmed", self.alice.pk))
        self.assertEqual([(m["lot"], m["kind"], m["on_hand_delta"], m["reference"]) for m in body["moves"]],
                         [(self.lot.pk, "adjust", -4, f"stocktake:{sheet['id']}")])
        self.assertEqual(Lot.objects.get(pk=self.lot.pk).on_hand, 96)
        # Confirmed: no more counts.
        self.assertError(self.post(f"{url}/counts", self.bob, {"counts": [
            {"line": lines[self.lot.pk].pk, "counted": 1}]}), 400)
        listed = self.get("/api/v1/stocktakes", self.victor, store=self.store.pk).json()
        self.assertEqual([(s["id"], s["status"]) for s in listed["results"]], [(sheet["id"], "confirmed")])

    def test_counts_are_all_or_nothing(self):
        sheet_id = self.open().json()["id"]
        lines = self.lines(sheet_id)
        url = f"/api/v1/stocktakes/{sheet_id}/counts"
        body = self.assertError(self.post(url, self.bob, {"counts": [
            {"line": lines[self.lot.pk].pk, "counted": 90}, {"line": lines[self.rice_lot.pk].pk, "counted": -1}]}),
            400, "counts")
        self.assertIn(f"line {lines[self.rice_lot.pk].pk}:", body["errors"]["counts"][0])
        self.assertError(self.post(url, self.bob, {"counts": [{"line": 999999, "counted": 1}]}), 400, "counts")
        self.assertError(self.post(url, self.bob, {"counts": []}), 400, "counts")
        self.assertEqual({line.counted for line in self.lines(sheet_id).values()}, {None})

    def test_one_open_stocktake_per_store_and_confirming_needs_every_count(self):
        sheet_id = self.open().json()["id"]
        self.assertError(self.open(self.carol), 400, "store")
        self.assertEqual(Stocktake.objects.filter(store=self.store).count(), 1)
        self.assertError(self.post(f"/api/v1/stocktakes/{sheet_id}/confirm", self.alice, {"reason": "月末"}), 400)
        response = self.post(f"/api/v1/stocktakes/{sheet_id}/cancel", self.carol, {"reason": "重新盘"})
        self.assertEqual((response.status_code, response.json()["status"]), (200, "cancelled"))
        self.assertEqual(self.open().status_code, 201)
        self.assertEqual(StockMove.objects.filter(kind="adjust").count(), 0)

    def test_wrong_roles_get_403_and_outsiders_404(self):
        self.assertError(self.open(self.victor), 403)
        sheet_id = self.open().json()["id"]
        line = next(iter(self.lines(sheet_id).values()))
        url = f"/api/v1/stocktakes/{sheet_id}"
        self.assertEqual(self.get(url, self.victor).status_code, 200)
        self.assertError(self.post(f"{url}/counts", self.victor, {"counts": [{"line": line.pk, "counted": 1}]}), 403)
        self.assertError(self.post(f"{url}/cancel", self.victor, {"reason": "x"}), 403)
        for response in (self.get(url, self.oscar), self.open(self.oscar),
                         self.post(f"{url}/counts", self.oscar, {"counts": [{"line": line.pk, "counted": 1}]}),
                         self.post(f"{url}/confirm", self.oscar, {"reason": "x"}),
                         self.post(f"{url}/cancel", self.oscar, {"reason": "x"}),
                         self.get("/api/v1/stocktakes", self.oscar, station=self.station.pk)):
            self.assertError(response, 404)
        self.assertEqual(Stocktake.objects.get(pk=sheet_id).status, "open")
        self.assertIsNone(StocktakeLine.objects.get(pk=line.pk).counted)
