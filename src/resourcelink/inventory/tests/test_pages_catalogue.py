"""The item catalogue and the stores, through HTTP: everyone of the station
reads them, only admins change them."""

from django.urls import reverse

from resourcelink.inventory import services
from resourcelink.inventory.models import Item, Store
from resourcelink.inventory.testing import get_item
from resourcelink.taxonomy.models import Category

from .test_pages_fixtures import StoreRoomTestCase

ITEMS = reverse("inventory:item_list")
STORES = reverse("inventory:store_list")


class ItemPageTests(StoreRoomTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.water = Category.objects.get(station=cls.station, code="water.bottled")
        cls.far_category = Category.objects.get(station=cls.other_station, code="water.bottled")
        cls.item = get_item(cls.station, "masks")

    def codes(self, params=None, user=None):
        self.login(user or self.victor)
        r = self.client.get(ITEMS, params or {})
        self.assertEqual(r.status_code, 200)
        return [item.code for item in r.context["page_obj"]]

    def form_data(self, **changes):
        data = {"code": "soap", "name_zh_hans": "肥皂", "name_en": "Soap", "category": self.water.pk, "unit": "块",
                "pack_size": 4, "notes": ""}
        data.update(changes)
        return data

    def test_it_lists_searches_and_filters_the_catalogue(self):
        self.assertEqual(len(self.codes()), 12)
        self.assertEqual(self.codes({"q": "口罩"}), ["masks"])
        self.assertEqual(self.codes({"q": "Rice"}), ["rice"])
        protection = Category.objects.get(station=self.station, code="protection")
        self.assertEqual(self.codes({"category": protection.pk}),
                         ["disinfectant", "gloves", "masks", "protective_clothing", "raincoats"])
        self.assertContains(self.client.get(ITEMS, {"category": self.far_category.pk}), "Some filters are not valid")

    def test_it_hides_archived_items_unless_asked(self):
        services.item_archive(actor=self.alice, item=get_item(self.station, "fans"))
        self.assertNotIn("fans", self.codes())
        self.assertIn("fans", self.codes({"archived": "on"}))

    def test_it_shows_an_item_with_its_stock_and_history(self):
        services.item_update(actor=self.alice, item=self.item, reason="改名", name_en="Surgical masks")
        self.login(self.victor)
        r = self.client.get(reverse("inventory:item_detail", args=[self.item.pk]))
        self.assertEqual(r.status_code, 200)
        (row,) = r.context["page_obj"]
        self.assertEqual((row.on_hand, [s.store.name for s in row.stores]), (140, ["一号仓库", "二号仓库"]))
        self.assertContains(r, "Surgical masks")
        self.assertContains(r, "改名")
        self.assertNotContains(r, reverse("inventory:item_edit", args=[self.item.pk]))

    def test_an_admin_adds_an_item(self):
        self.login(self.alice)
        self.assertEqual(self.client.get(reverse("inventory:item_create")).status_code, 200)
        r = self.client.post(reverse("inventory:item_create"), self.form_data(code="Soap"))
        item = Item.objects.get(station=self.station, code="soap")
        self.assertRedirects(r, reverse("inventory:item_detail", args=[item.pk]))
        self.assertEqual((item.name_zh_hans, item.category, item.unit, item.pack_size, item.created_by),
                         ("肥皂", self.water, "块", 4, self.alice))
        self.assertEqual(item.history.count(), 1)

    def test_it_refuses_bad_items_and_changes_nothing(self):
        self.login(self.alice)
        url = reverse("inventory:item_create")
        for data, field in ((self.form_data(code="masks"), "code"), (self.form_data(pack_size=0), "pack_size"),
                            (self.form_data(category=self.far_category.pk), "category"),
                            (self.form_data(name_en=""), "name_en"), (self.form_data(code="no spaces"), "code")):
            r = self.client.post(url, data)
            self.assertEqual(r.status_code, 200, data)
            self.assertTrue(r.context["form"].errors[field], data)
        self.assertContains(self.client.post(url, self.form_data(code="masks")), "Another item already has this code.")
        self.assertEqual(Item.objects.filter(station=self.station).count(), 12)

    def test_an_admin_edits_an_item_and_the_reason_is_kept(self):
        self.login(self.alice)
        url = reverse("inventory:item_edit", args=[self.item.pk])
        self.assertContains(self.client.get(url), "医用口罩")
        r = self.client.post(url, self.form_data(code="masks", name_zh_hans="一次性口罩", reason="名称统一"))
        self.assertRedirects(r, reverse("inventory:item_detail", args=[self.item.pk]))
        self.item.refresh_from_db()
        self.assertEqual((self.item.name_zh_hans, self.item.unit), ("一次性口罩", "块"))
        self.assertEqual(self.item.history.latest().history_change_reason, "名称统一")
        r = self.client.post(url, self.form_data(code="rice"))
        self.assertContains(r, "Another item already has this code.")
        self.assertEqual(Item.objects.get(pk=self.item.pk).code, "masks")

    def test_an_admin_archives_an_item(self):
        self.login(self.alice)
        r = self.client.post(reverse("inventory:item_archive", args=[self.item.pk]), {"reason": "不再接收"})
        self.assertRedirects(r, reverse("inventory:item_detail", args=[self.item.pk]))
        self.item.refresh_from_db()
        self.assertTrue(self.item.is_archived)
        self.assertEqual(self.item.history.latest().history_change_reason, "不再接收")

    def test_only_admins_change_the_catalogue(self):
        edit = reverse("inventory:item_edit", args=[self.item.pk])
        archive = reverse("inventory:item_archive", args=[self.item.pk])
        create = reverse("inventory:item_create")
        for user in (self.bob, self.carol, self.victor):
            self.login(user)
            self.assertEqual(self.client.get(ITEMS).status_code, 200)
            self.assertEqual(self.client.get(create).status_code, 403)
            self.assertEqual(self.client.post(create, self.form_data()).status_code, 403)
            self.assertEqual(self.client.get(edit).status_code, 403)
            self.assertEqual(self.client.post(edit, self.form_data(code="masks", name_en="x")).status_code, 403)
            self.assertEqual(self.client.post(archive).status_code, 403)
        self.item.refresh_from_db()
        self.assertEqual((self.item.name_en, self.item.is_archived), ("Medical masks", False))
        self.assertFalse(Item.objects.filter(code="soap").exists())

    def test_it_hides_items_from_outsiders(self):
        self.login(self.oscar)
        for name in ("item_detail", "item_edit", "item_archive"):
            method = self.client.post if name == "item_archive" else self.client.get
            self.assertEqual(method(reverse(f"inventory:{name}", args=[self.item.pk])).status_code, 404, name)
        self.assertEqual(self.codes(user=self.oscar).count("masks"), 1)
        self.assertFalse(Item.objects.get(pk=self.item.pk).is_archived)


class StorePageTests(StoreRoomTestCase):
    def test_it_lists_the_stores_with_their_stock(self):
        self.login(self.victor)
        r = self.client.get(STORES)
        self.assertEqual([(s.name, s.on_hand, s.n_lots) for s in r.context["stores"]],
                         [("一号仓库", 125, 3), ("二号仓库", 40, 1)])
        self.assertNotContains(r, "北山仓库")
        self.assertNotContains(r, reverse("inventory:store_create"))

    def test_it_shows_a_store_with_its_stock(self):
        self.login(self.victor)
        r = self.client.get(reverse("inventory:store_detail", args=[self.main.pk]))
        self.assertEqual({row.item.code: row.on_hand for row in r.context["page_obj"]},
                         {"masks": 100, "rice": 20, "fans": 5})
        self.assertContains(r, "湖滨路1号")
        self.assertContains(r, '<span class="badge danger">20 expired</span>', html=True)
        self.assertNotContains(r, reverse("inventory:store_edit", args=[self.main.pk]))

    def test_an_admin_adds_and_edits_a_store(self):
        self.login(self.alice)
        r = self.client.post(reverse("inventory:store_create"), {"name": " 三号仓库 ", "address": "东坡路3号"})
        store = Store.objects.get(station=self.station, name="三号仓库")
        self.assertRedirects(r, reverse("inventory:store_detail", args=[store.pk]))
        r = self.client.post(reverse("inventory:store_edit", args=[store.pk]),
                             {"name": "三号仓库", "address": "东坡路5号", "reason": "搬家"})
        self.assertRedirects(r, reverse("inventory:store_detail", args=[store.pk]))
        store.refresh_from_db()
        self.assertEqual(store.address, "东坡路5号")
        self.assertContains(self.client.get(reverse("inventory:store_detail", args=[store.pk])), "搬家")

    def test_it_refuses_a_taken_name_and_changes_nothing(self):
        self.login(self.alice)
        r = self.client.post(reverse("inventory:store_create"), {"name": "一号仓库"})
        self.assertContains(r, "Another store already has this name.")
        r = self.client.post(reverse("inventory:store_edit", args=[self.annex.pk]), {"name": "一号仓库"})
        self.assertContains(r, "Another store already has this name.")
        self.assertEqual(Store.objects.filter(station=self.station).count(), 2)
        self.assertEqual(Store.objects.get(pk=self.annex.pk).name, "二号仓库")

    def test_it_archives_an_empty_store_only(self):
        self.login(self.alice)
        url = reverse("inventory:store_archive", args=[self.annex.pk])
        r = self.client.post(url, follow=True)
        self.assertContains(r, "still holds stock")
        self.assertFalse(Store.objects.get(pk=self.annex.pk).is_archived)
        services.stock_transfer(actor=self.bob, lot=self.annex_masks, to_store=self.main, quantity=40)
        self.client.post(url, {"reason": "合并"})
        self.assertTrue(Store.objects.get(pk=self.annex.pk).is_archived)
        self.assertNotIn("二号仓库", [s.name for s in self.client.get(STORES).context["stores"]])
        self.assertIn("二号仓库", [s.name for s in self.client.get(STORES, {"archived": "on"}).context["stores"]])

    def test_only_admins_change_stores(self):
        for user in (self.bob, self.carol, self.victor):
            self.login(user)
            self.assertEqual(self.client.get(reverse("inventory:store_create")).status_code, 403)
            self.assertEqual(self.client.post(reverse("inventory:store_create"), {"name": "x"}).status_code, 403)
            self.assertEqual(self.client.post(reverse("inventory:store_edit", args=[self.main.pk]),
                                              {"name": "x"}).status_code, 403)
            self.assertEqual(self.client.post(reverse("inventory:store_archive", args=[self.fans.store_id]))
                             .status_code, 403)
        self.assertEqual(sorted(Store.objects.filter(station=self.station).values_list("name", flat=True)),
                         ["一号仓库", "二号仓库"])

    def test_it_hides_stores_from_outsiders(self):
        self.login(self.oscar)
        for name in ("store_detail", "store_edit"):
            self.assertEqual(self.client.get(reverse(f"inventory:{name}", args=[self.main.pk])).status_code, 404)
        self.assertEqual(self.client.post(reverse("inventory:store_archive", args=[self.main.pk])).status_code, 404)
        self.assertEqual([s.name for s in self.client.get(STORES).context["stores"]], ["北山仓库"])
