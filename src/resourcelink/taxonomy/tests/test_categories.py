from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from resourcelink.core.testing import StationTestCase
from resourcelink.directory.services import resource_create
from resourcelink.taxonomy import services
from resourcelink.taxonomy.models import Category


class CategoryTestCase(StationTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.care = Category.objects.get(station=cls.station, code="care")
        cls.haircut = Category.objects.get(station=cls.station, code="care.haircut")
        cls.food = Category.objects.get(station=cls.station, code="food")
        cls.far = Category.objects.get(station=cls.other_station, code="care")

    def setUp(self):
        super().setUp()
        self.client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


class CategoryListTests(CategoryTestCase):
    def test_it_shows_the_tree_with_both_names_codes_and_counts(self):
        resource_create(actor=self.bob, station=self.station, name="理发店", kind="business",
                        categories=[self.haircut])
        resource_create(actor=self.bob, station=self.station, name="两样都有", kind="business",
                        categories=[self.haircut, Category.objects.get(station=self.station, code="care.visit")])
        self.login(self.victor)
        r = self.client.get(reverse("taxonomy:category_list"))
        self.assertContains(r, "照护服务")
        self.assertContains(r, "Care services")
        self.assertContains(r, "care.haircut")
        counts = {c.code: c.n_resources for c in r.context["categories"]}
        self.assertEqual(counts["care.haircut"], 2)
        self.assertEqual(counts["care"], 2)  # each resource once, though it has two sub-categories
        self.assertEqual(counts["food"], 0)
        codes = [c.code for c in r.context["categories"]]
        self.assertLess(codes.index("care"), codes.index("care.haircut"))
        self.assertNotContains(r, reverse("taxonomy:category_create"))
        self.assertNotContains(r, reverse("taxonomy:category_edit", args=[self.care.pk]))

    def test_it_shows_admin_buttons_to_admins(self):
        self.login(self.alice)
        r = self.client.get(reverse("taxonomy:category_list"))
        self.assertContains(r, reverse("taxonomy:category_create"))
        self.assertContains(r, reverse("taxonomy:category_edit", args=[self.care.pk]))
        self.assertContains(r, reverse("taxonomy:category_retire", args=[self.care.pk]))

    def test_it_follows_the_admins_order(self):
        services.category_rename(actor=self.alice, category=self.food, name_zh_hans="食品", name_en="Food",
                                 sort_order=999)
        self.login(self.alice)
        codes = [c.code for c in self.client.get(reverse("taxonomy:category_list")).context["categories"]]
        self.assertEqual(codes[-1].split(".")[0], "food")

    def test_it_shows_a_category_with_its_history(self):
        self.login(self.victor)
        r = self.client.get(reverse("taxonomy:category_detail", args=[self.care.pk]))
        self.assertContains(r, "照护服务")
        self.assertContains(r, "care.haircut")
        self.assertContains(r, 'id="history-h"')


class CategoryCreateTests(CategoryTestCase):
    def test_it_adds_a_sub_category(self):
        self.login(self.alice)
        r = self.client.get(reverse("taxonomy:category_create") + f"?parent={self.care.pk}")
        self.assertEqual(r.context["form"]["parent"].value(), self.care.pk)
        r = self.client.post(reverse("taxonomy:category_create"), {
            "parent": self.care.pk, "code": "care-massage", "name_zh_hans": "按摩", "name_en": "Massage",
            "sort_order": 5,
        })
        self.assertRedirects(r, reverse("taxonomy:category_list"))
        category = Category.objects.get(station=self.station, code="care-massage")
        self.assertEqual((category.parent, category.depth, category.path), (self.care, 1, "care/care-massage/"))

    def test_it_adds_a_top_level_category(self):
        self.login(self.alice)
        self.client.post(reverse("taxonomy:category_create"), {
            "parent": "", "code": "sports", "name_zh_hans": "体育", "name_en": "Sports", "sort_order": 0,
        })
        self.assertIsNone(Category.objects.get(station=self.station, code="sports").parent)

    def test_it_refuses_a_duplicate_code_beside_the_field(self):
        self.login(self.alice)
        r = self.client.post(reverse("taxonomy:category_create"), {
            "code": "food", "name_zh_hans": "食", "name_en": "Food", "sort_order": 0,
        })
        self.assertTrue(r.context["form"].errors["code"])

    def test_it_refuses_a_parent_of_another_station(self):
        self.login(self.alice)
        r = self.client.post(reverse("taxonomy:category_create"), {
            "parent": self.far.pk, "code": "x", "name_zh_hans": "x", "name_en": "x", "sort_order": 0,
        })
        self.assertTrue(r.context["form"].errors["parent"])
        self.assertFalse(Category.objects.filter(code="x").exists())


class CategoryRenameTests(CategoryTestCase):
    def test_it_renames_both_names_and_keeps_the_code(self):
        self.login(self.alice)
        url = reverse("taxonomy:category_edit", args=[self.care.pk])
        r = self.client.post(url, {"name_zh_hans": "照护", "name_en": "Care", "sort_order": 3, "code": "hacked"})
        self.assertRedirects(r, reverse("taxonomy:category_list"))
        self.care.refresh_from_db()
        self.assertEqual((self.care.name_zh_hans, self.care.name_en, self.care.sort_order, self.care.code),
                         ("照护", "Care", 3, "care"))

    def test_it_shows_the_history_on_the_edit_page(self):
        services.category_rename(actor=self.alice, category=self.care, name_zh_hans="照护", name_en="Care")
        self.login(self.alice)
        r = self.client.get(reverse("taxonomy:category_edit", args=[self.care.pk]))
        self.assertContains(r, 'id="history-h"')
        self.assertContains(r, "照护服务")  # the old name
        self.assertTrue(any(e.changes for e in r.context["history"]))


class CategoryRetireRestoreTests(CategoryTestCase):
    def test_it_retires_a_category_and_its_children(self):
        self.login(self.alice)
        r = self.client.post(reverse("taxonomy:category_retire", args=[self.care.pk]))
        self.assertRedirects(r, reverse("taxonomy:category_list"))
        self.assertFalse(Category.objects.filter(station=self.station, path__startswith="care/",
                                                 retired_on__isnull=True).exists())
        self.assertIsNone(Category.objects.get(pk=self.food.pk).retired_on)
        r = self.client.get(reverse("taxonomy:category_list"))
        self.assertContains(r, "retired")
        self.assertContains(r, reverse("taxonomy:category_restore", args=[self.care.pk]))
        r = self.client.get(reverse("taxonomy:category_list") + "?retired=0")
        self.assertNotIn(self.care, r.context["categories"])

    def test_it_does_not_offer_retired_categories_in_forms(self):
        services.category_retire(actor=self.alice, category=self.care)
        self.login(self.alice)
        parents = self.client.get(reverse("taxonomy:category_create")).context["form"].fields["parent"].queryset
        self.assertNotIn(self.care, parents)
        self.assertNotIn(self.haircut, parents)
        self.assertIn(self.food, parents)

    def test_it_restores_a_category(self):
        services.category_retire(actor=self.alice, category=self.care)
        self.login(self.alice)
        r = self.client.post(reverse("taxonomy:category_restore", args=[self.care.pk]))
        self.assertRedirects(r, reverse("taxonomy:category_list"))
        self.care.refresh_from_db()
        self.assertIsNone(self.care.retired_on)

    def test_it_restores_a_child_only_after_its_parent(self):
        services.category_retire(actor=self.alice, category=self.care)
        self.login(self.alice)
        r = self.client.post(reverse("taxonomy:category_restore", args=[self.haircut.pk]), follow=True)
        self.assertContains(r, "Restore the parent category first")
        self.haircut.refresh_from_db()
        self.assertIsNotNone(self.haircut.retired_on)


class CategoryServiceTests(CategoryTestCase):
    def test_it_refuses_non_admins(self):
        for user in (self.bob, self.victor):
            with self.assertRaises(PermissionDenied):
                services.category_create(actor=user, station=self.station, code="x", name_zh_hans="x", name_en="x")
            with self.assertRaises(PermissionDenied):
                services.category_retire(actor=user, category=self.care)

    def test_it_refuses_a_retired_parent(self):
        services.category_retire(actor=self.alice, category=self.care)
        with self.assertRaises(ValidationError):
            services.category_create(actor=self.alice, station=self.station, code="x", name_zh_hans="x",
                                     name_en="x", parent=self.care)


class CategoryAccessTests(CategoryTestCase):
    def endpoints(self):
        pk = self.care.pk
        return [
            ("get", reverse("taxonomy:category_edit", args=[pk]), {}),
            ("post", reverse("taxonomy:category_edit", args=[pk]), {"name_zh_hans": "x", "name_en": "x",
                                                                    "sort_order": 0}),
            ("post", reverse("taxonomy:category_retire", args=[pk]), {}),
            ("post", reverse("taxonomy:category_restore", args=[pk]), {}),
        ]

    def test_it_gives_outsiders_404(self):
        self.login(self.oscar)
        for method, url, data in [*self.endpoints(),
                                  ("get", reverse("taxonomy:category_detail", args=[self.care.pk]), {})]:
            with self.subTest(url=url, method=method):
                self.assertEqual(getattr(self.client, method)(url, data).status_code, 404)

    def test_it_shows_outsiders_only_their_own_tree(self):
        self.login(self.oscar)
        r = self.client.get(reverse("taxonomy:category_list"))
        self.assertTrue(all(c.station_id == self.other_station.pk for c in r.context["categories"]))

    def test_it_refuses_writes_to_viewers_and_social_workers(self):
        create = [("get", reverse("taxonomy:category_create"), {}),
                  ("post", reverse("taxonomy:category_create"), {"code": "x", "name_zh_hans": "x", "name_en": "x",
                                                                 "sort_order": 0})]
        for user in (self.victor, self.bob):
            self.login(user)
            for method, url, data in [*self.endpoints(), *create]:
                with self.subTest(user=user.username, url=url, method=method):
                    self.assertEqual(getattr(self.client, method)(url, data).status_code, 403)
        self.care.refresh_from_db()
        self.assertEqual((self.care.name_zh_hans, self.care.retired_on), ("照护服务", None))
        self.assertFalse(Category.objects.filter(code="x").exists())
