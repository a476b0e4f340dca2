"""The catalogue, stores and every rule of the stock ledger services."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from resourcelink.core.testing import StationTestCase, make_station
from resourcelink.inventory import selectors, services
from resourcelink.inventory.default_catalogue import DEFAULT_ITEMS
from resourcelink.inventory.models import Item, Lot, MoveKind, StockMove
from resourcelink.inventory.services import InsufficientStock
from resourcelink.inventory.testing import get_item, make_lot, make_store
from resourcelink.taxonomy.models import Category


class CatalogueTests(StationTestCase):
    def test_it_installs_the_default_catalogue_with_a_station(self):
        items = {i.code: i for i in Item.objects.filter(station=self.station).select_related("category")}
        self.assertEqual(set(items), {row[0] for row in DEFAULT_ITEMS})
        self.assertEqual(items["masks"].category.code, "protection.masks")
        self.assertEqual(items["masks"].unit, "只")
        self.assertEqual(items["fans"].category.code, "daily.cooling")
        self.assertEqual(items["cooking_oil"].unit, "桶")
        self.assertEqual(items["rice"].category.code, "food.staple")
        self.assertEqual(items["medicine_kit"].category.station_id, self.station.pk)

    def test_it_installs_the_catalogue_idempotently_and_keeps_edits(self):
        masks = get_item(self.station)
        services.item_update(actor=self.alice, item=masks, name_en="KN95 masks")
        Item.objects.filter(station=self.station, code="rice").delete()
        self.assertEqual(services.item_catalogue_install(station=self.station), 1)
        self.assertEqual(services.item_catalogue_install(station=self.station), 0)
        masks.refresh_from_db()
        self.assertEqual(masks.name_en, "KN95 masks")

    def test_it_lets_admins_create_update_and_archive_items(self):
        category = Category.objects.get(station=self.station, code="protection.masks")
        item = services.item_create(actor=self.alice, station=self.station, code=" N95 ", name_zh_hans="N95口罩",
                                    name_en="N95 masks", category=category, unit="只", pack_size=20)
        self.assertEqual(item.code, "n95")
        services.item_update(actor=self.alice, item=item, pack_size=10, reason="new supplier")
        self.assertEqual(item.history.first().history_change_reason, "new supplier")
        services.item_archive(actor=self.alice, item=item)
        self.assertTrue(item.is_archived)

    def test_it_refuses_a_duplicate_code_and_another_station_s_category(self):
        other = Category.objects.get(station=self.other_station, code="protection.masks")
        with self.assertRaises(ValidationError) as ctx:
            services.item_create(actor=self.alice, station=self.station, code="masks", name_zh_hans="口罩",
                                 name_en="Masks", category=other, unit="只")
        self.assertIn("code", ctx.exception.message_dict)
        self.assertIn("category", ctx.exception.message_dict)

    def test_it_refuses_catalogue_and_store_edits_by_non_admins(self):
        masks = get_item(self.station)
        for user in (self.bob, self.carol, self.victor):
            with self.assertRaises(PermissionDenied):
                services.item_update(actor=user, item=masks, unit="盒")
            with self.assertRaises(PermissionDenied):
                services.store_create(actor=user, station=self.station, name="仓库")
        with self.assertRaises(Http404):
            services.item_archive(actor=self.oscar, item=masks)

    def test_it_manages_stores(self):
        store = services.store_create(actor=self.alice, station=self.station, name=" 一号仓库 ")
        self.assertEqual(store.name, "一号仓库")
        with self.assertRaises(ValidationError):
            services.store_create(actor=self.alice, station=self.station, name="一号仓库")
        services.store_update(actor=self.alice, store=store, address="湖滨路1号")
        lot = make_lot(store, quantity=3)
        with self.assertRaises(ValidationError):
            services.store_archive(actor=self.alice, store=store)
        services.stock_write_off(actor=self.alice, lot=lot, quantity=3, reason="damaged")
        services.store_archive(actor=self.alice, store=store)
        self.assertTrue(store.is_archived)
        with self.assertRaises(ValidationError):
            make_lot(store)


class LedgerTests(StationTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.store = make_store(cls.station, "一号仓库")
        cls.store2 = make_store(cls.station, "二号仓库")
        cls.masks = get_item(cls.station)

    def receive(self, quantity=10, **kw):
        return services.lot_receive(actor=self.bob, store=self.store, item=self.masks, quantity=quantity, **kw)

    def assert_consistent(self, lot):
        lot.refresh_from_db()
        self.assertEqual(selectors.ledger_totals([lot.pk])[lot.pk], (lot.on_hand, lot.reserved))
        return lot

    def test_it_receives_a_new_lot_with_a_move(self):
        lot = self.receive(10, expires_on=datetime.date(2027, 1, 1), unit_value="1.50", reason="donated",
                           reference="donation:1")
        lot = self.assert_consistent(lot)
        self.assertEqual((lot.on_hand, lot.reserved, lot.available), (10, 0, 10))
        move = lot.moves.get()
        self.assertEqual((move.kind, move.on_hand_delta, move.moved_by, move.reason, move.reference),
                         (MoveKind.RECEIVE, 10, self.bob, "donated", "donation:1"))

    def test_it_refuses_bad_quantities_and_other_stations_items(self):
        for quantity in (0, -1, 1.5, True):
            with self.assertRaises(ValidationError):
                self.receive(quantity)
        other_masks = get_item(self.other_station)
        with self.assertRaises(ValidationError):
            services.lot_receive(actor=self.bob, store=self.store, item=other_masks, quantity=1)
        self.assertFalse(Lot.objects.filter(store=self.store).exists())

    def test_it_reserves_releases_and_issues(self):
        lot = self.receive(10)
        services.stock_reserve(actor=self.carol, lot=lot, quantity=6, reference="plan_line:1")
        self.assertEqual((lot.on_hand, lot.reserved, lot.available), (10, 6, 4))
        services.stock_release(actor=self.bob, lot=lot, quantity=2)
        services.stock_issue(actor=self.bob, lot=lot, quantity=4, from_reserved=True, reason="hand-over")
        services.stock_issue(actor=self.bob, lot=lot, quantity=5, from_reserved=False)
        lot = self.assert_consistent(lot)
        self.assertEqual((lot.on_hand, lot.reserved), (1, 0))

    def test_it_refuses_to_reserve_or_issue_more_than_available(self):
        lot = self.receive(10)
        services.stock_reserve(actor=self.bob, lot=lot, quantity=8)
        with self.assertRaises(InsufficientStock) as ctx:
            services.stock_reserve(actor=self.bob, lot=lot, quantity=3)
        message = " ".join(ctx.exception.messages)
        for part in (self.masks.name, "一号仓库", f"#{lot.pk}", "2 只 available"):
            self.assertIn(part, message)
        self.assertEqual(ctx.exception.available, 2)
        with self.assertRaises(InsufficientStock):
            services.stock_issue(actor=self.bob, lot=lot, quantity=3, from_reserved=False)
        with self.assertRaises(InsufficientStock):
            services.stock_issue(actor=self.bob, lot=lot, quantity=9, from_reserved=True)
        with self.assertRaises(InsufficientStock):
            services.stock_release(actor=self.bob, lot=lot, quantity=9)
        self.assertEqual(lot.moves.count(), 2)
        lot = self.assert_consistent(lot)
        self.assertEqual((lot.on_hand, lot.reserved), (10, 8))

    def test_it_takes_back_no_more_than_was_issued(self):
        lot = self.receive(10)
        with self.assertRaises(ValidationError):
            services.stock_return(actor=self.bob, lot=lot, quantity=1)
        services.stock_issue(actor=self.bob, lot=lot, quantity=4, from_reserved=False)
        services.stock_return(actor=self.bob, lot=lot, quantity=3, reason="not needed")
        with self.assertRaises(ValidationError):
            services.stock_return(actor=self.bob, lot=lot, quantity=2)
        lot = self.assert_consistent(lot)
        self.assertEqual(lot.on_hand, 9)

    def test_it_transfers_available_stock_to_a_new_lot(self):
        lot = self.receive(10, expires_on=datetime.date(2027, 1, 1))
        services.stock_reserve(actor=self.bob, lot=lot, quantity=4)
        with self.assertRaises(InsufficientStock):
            services.stock_transfer(actor=self.bob, lot=lot, to_store=self.store2, quantity=7, reason="move")
        moved = services.stock_transfer(actor=self.bob, lot=lot, to_store=self.store2, quantity=6, reason="move")
        self.assertEqual((moved.store, moved.source_lot, moved.item, moved.expires_on),
                         (self.store2, lot, self.masks, datetime.date(2027, 1, 1)))
        out = lot.moves.get(kind=MoveKind.TRANSFER_OUT)
        into = moved.moves.get(kind=MoveKind.TRANSFER_IN)
        self.assertEqual((out.counterpart, into.counterpart), (into, out))
        self.assertEqual((out.on_hand_delta, into.on_hand_delta), (-6, 6))
        self.assertEqual(self.assert_consistent(lot).on_hand, 4)
        self.assertEqual(self.assert_consistent(moved).on_hand, 6)

    def test_it_refuses_a_transfer_to_the_same_store_or_another_station(self):
        lot = self.receive(10)
        elsewhere = make_store(self.other_station)
        for store in (self.store, elsewhere):
            with self.assertRaises(ValidationError):
                services.stock_transfer(actor=self.bob, lot=lot, to_store=store, quantity=1, reason="x")
        self.assertEqual(StockMove.objects.filter(station=self.station).count(), 1)

    def test_it_lets_only_admins_adjust_with_a_reason(self):
        lot = self.receive(10)
        services.stock_reserve(actor=self.bob, lot=lot, quantity=5)
        with self.assertRaises(PermissionDenied):
            services.stock_adjust(actor=self.bob, lot=lot, delta=-1, reason="miscount")
        with self.assertRaises(ValidationError):
            services.stock_adjust(actor=self.alice, lot=lot, delta=-1, reason=" ")
        with self.assertRaises(ValidationError):
            services.stock_adjust(actor=self.alice, lot=lot, delta=0, reason="nothing")
        with self.assertRaises(InsufficientStock):
            services.stock_adjust(actor=self.alice, lot=lot, delta=-6, reason="below reserved")
        services.stock_adjust(actor=self.alice, lot=lot, delta=-5, reason="stocktake", reference="stocktake:1")
        services.stock_adjust(actor=self.alice, lot=lot, delta=2, reason="found")
        lot = self.assert_consistent(lot)
        self.assertEqual((lot.on_hand, lot.reserved), (7, 5))

    def test_it_writes_off_available_stock_with_a_reason(self):
        lot = self.receive(10)
        services.stock_reserve(actor=self.bob, lot=lot, quantity=5)
        with self.assertRaises(ValidationError):
            services.stock_write_off(actor=self.bob, lot=lot, quantity=1, reason="")
        with self.assertRaises(InsufficientStock):
            services.stock_write_off(actor=self.bob, lot=lot, quantity=6, reason="expired")
        move = services.stock_write_off(actor=self.bob, lot=lot, quantity=5, reason="expired")
        self.assertEqual((move.kind, move.reason), (MoveKind.WRITE_OFF, "expired"))
        self.assertEqual(self.assert_consistent(lot).available, 0)

    def test_it_refuses_stock_moves_by_viewers_and_outsiders(self):
        lot = self.receive(10)
        calls = [
            lambda u: services.lot_receive(actor=u, store=self.store, item=self.masks, quantity=1),
            lambda u: services.stock_reserve(actor=u, lot=lot, quantity=1),
            lambda u: services.stock_release(actor=u, lot=lot, quantity=1),
            lambda u: services.stock_issue(actor=u, lot=lot, quantity=1, from_reserved=False),
            lambda u: services.stock_return(actor=u, lot=lot, quantity=1),
            lambda u: services.stock_transfer(actor=u, lot=lot, to_store=self.store2, quantity=1, reason="x"),
            lambda u: services.stock_adjust(actor=u, lot=lot, delta=1, reason="x"),
            lambda u: services.stock_write_off(actor=u, lot=lot, quantity=1, reason="x"),
        ]
        for call in calls:
            with self.assertRaises(PermissionDenied):
                call(self.victor)
            with self.assertRaises(Http404):
                call(self.oscar)
        self.assertEqual(StockMove.objects.filter(station=self.station).count(), 1)

    def test_it_scopes_gets_to_the_user_s_station(self):
        lot = self.receive(10)
        self.assertEqual(selectors.get_lot_for_user(self.victor, lot.pk), lot)
        for get, pk in ((selectors.get_lot_for_user, lot.pk), (selectors.get_store_for_user, self.store.pk),
                        (selectors.get_item_for_user, self.masks.pk)):
            with self.assertRaises(Http404):
                get(self.oscar, pk)
        with self.assertRaises(PermissionDenied):
            selectors.get_lot_for_user(self.victor, lot.pk, roles={"admin"})


class SelectorTests(StationTestCase):
    def test_it_sums_stock_per_item_and_store(self):
        s1, s2 = make_store(self.station, "甲"), make_store(self.station, "乙")
        a = make_lot(s1, "masks", 10)
        make_lot(s2, "masks", 5)
        make_lot(s1, "rice", 3)
        services.stock_reserve(actor=None, lot=a, quantity=4, check=False)
        make_lot(make_store(self.other_station), "masks", 99)
        rows = {r.item.code: r for r in selectors.stock_by_item(self.station)}
        self.assertEqual(set(rows), {"masks", "rice"})
        self.assertEqual((rows["masks"].on_hand, rows["masks"].reserved, rows["masks"].available), (15, 4, 11))
        self.assertEqual([(s.store.name, s.on_hand, s.available) for s in rows["masks"].stores],
                         [("乙", 5, 5), ("甲", 10, 6)])
        only = selectors.stock_by_item(self.station, store=s2)
        self.assertEqual([(r.item.code, r.on_hand) for r in only], [("masks", 5)])

    def test_it_lists_lots_with_expiry_warnings(self):
        store = make_store(self.station)
        today = datetime.date(2026, 6, 1)
        expired = make_lot(store, "drinks", 5, expires_on=today - datetime.timedelta(days=1))
        soon = make_lot(store, "drinks", 5, expires_on=today + datetime.timedelta(days=10))
        later = make_lot(store, "drinks", 5, expires_on=today + datetime.timedelta(days=100))
        never = make_lot(store, "fans", 2)
        lots = list(selectors.lots_for_station(self.station, today=today))
        self.assertEqual(lots, [expired, soon, later, never])
        self.assertEqual([lot.expiry_state for lot in lots], ["expired", "expiring", "", ""])
        self.assertEqual(list(selectors.lots_for_station(self.station, {"expiring_within": 30}, today=today)),
                         [soon])
        self.assertEqual(list(selectors.lots_for_station(self.station, {"expired": True}, today=today)), [expired])
        self.assertEqual(list(selectors.lots_for_station(self.station, {"item": never.item})), [never])

    def test_it_reads_a_lot_s_ledger_and_totals(self):
        store = make_store(self.station)
        lot = make_lot(store, quantity=10)
        services.stock_reserve(actor=None, lot=lot, quantity=3, check=False)
        services.stock_issue(actor=None, lot=lot, quantity=2, from_reserved=True, check=False)
        self.assertEqual([m.kind for m in selectors.ledger_of(lot)], ["receive", "reserve", "issue"])
        self.assertEqual(selectors.ledger_totals([lot.pk, 0]), {lot.pk: (8, 1), 0: (0, 0)})

    def test_it_keeps_stock_figures_per_station(self):
        station = make_station("西湖街道社工站", "xihu")
        self.assertEqual(selectors.stock_by_item(station), [])
