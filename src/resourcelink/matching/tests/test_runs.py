from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from resourcelink.matching import services
from resourcelink.matching.models import AllocationLine, AllocationRun, AllocationUnmet, UnmetReason
from resourcelink.needs.models import Link, NeedStatus, Urgency
from resourcelink.people.testing import make_household

from .fixtures import MatchingTestCase


class RunFixture(MatchingTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.home2 = make_household(cls.station, cls.community2, name="李四家", grid=cls.grid2,
                                   latitude=cls.near(2)["latitude"], longitude=cls.near(2)["longitude"])
        cls.rice = cls.make_resource("大米仓", categories=[cls.cat["food.staple"]], quantity=10, unit="kg",
                                     **cls.near(1))
        cls.critical = cls.make_need(cls.home, "food.staple", quantity=6, urgency=Urgency.CRITICAL)
        cls.normal = cls.make_need(cls.home2, "food.staple", quantity=8, urgency=Urgency.NORMAL)
        cls.masks = cls.make_need(cls.home2, "protection.masks", quantity=3, urgency=Urgency.HIGH)

    def draft(self, *lines, status=AllocationRun.Status.DRAFT):
        """A run with the given (need, resource, quantity) lines, written directly."""
        run = AllocationRun.objects.create(station=self.station, status=status, created_by=self.bob,
                                           lines_count=len(lines))
        for need, resource, quantity in lines:
            AllocationLine.objects.create(run=run, need=need, resource=resource, quantity=quantity,
                                          distance_m=1200, tier=1, weight=8)
        return run


class RunCreateTest(RunFixture):
    url = reverse("matching:run_create")

    def post(self, **data):
        base = {"tiers": "none", "distance_weight": "0.1"}
        return self.client.post(self.url, {**base, **data})

    def test_it_shows_the_form_with_this_stations_choices(self):
        self.login(self.bob)
        r = self.client.get(self.url)
        self.assertEqual(r.status_code, 200)
        for name in ("need_category_ids", "need_community_ids", "need_urgencies", "supply_category_ids",
                     "supply_kinds", "tiers", "priority_tag_ids", "household_cap", "max_distance_km",
                     "distance_weight"):
            self.assertContains(r, f'name="{name}"')
        self.assertContains(r, "东坡社区")
        self.assertContains(r, "Elderly living alone")
        r = self.client.get(reverse("matching:run_list"))
        self.assertContains(r, self.url)

    def test_it_computes_a_draft_with_lines_and_unmet_reasons(self):
        self.login(self.bob)
        r = self.post(need_urgencies=["critical", "normal", "high"])
        run = AllocationRun.objects.get()
        self.assertRedirects(r, reverse("matching:run_detail", args=[run.pk]))
        self.assertEqual(run.status, AllocationRun.Status.DRAFT)
        self.assertEqual(run.created_by, self.bob)
        lines = {(line.need_id, line.resource_id, line.quantity) for line in run.lines.all()}
        self.assertEqual(lines, {(self.critical.pk, self.rice.pk, 6), (self.normal.pk, self.rice.pk, 4)})
        unmet = {(u.need_id, u.quantity, u.reason) for u in run.unmet.all()}
        self.assertEqual(unmet, {(self.normal.pk, 4, UnmetReason.NONE_LEFT),
                                 (self.masks.pk, 3, UnmetReason.NO_CATEGORY)})
        self.assertEqual((run.needs_count, run.quantity_asked, run.quantity_allocated), (3, 17, 10))
        self.assertFalse(Link.objects.exists())  # a draft links nothing

        r = self.client.get(reverse("matching:run_detail", args=[run.pk]))
        self.assertContains(r, "critical urgency")
        self.assertContains(r, "vulnerable: Elderly living alone")
        self.assertContains(r, "none left: the supply went to more urgent needs")
        self.assertContains(r, "no resource in this category")
        self.assertContains(r, "张**")
        self.assertNotContains(r, "张三家")

    def test_it_serves_only_the_chosen_needs(self):
        self.login(self.carol)
        self.post(need_category_ids=[self.cat["protection"].pk])
        run = AllocationRun.objects.get()
        self.assertEqual(run.lines.count(), 0)
        self.assertEqual(list(run.unmet.values_list("need_id", flat=True)), [self.masks.pk])

    def test_it_shows_parameter_errors_beside_the_fields(self):
        self.login(self.bob)
        r = self.post(tiers="tags")
        self.assertEqual(r.status_code, 200)
        self.assertIn("priority_tag_ids", r.context["form"].errors)
        self.assertFalse(AllocationRun.objects.exists())

    def test_the_service_refuses_other_stations_ids_and_bad_numbers(self):
        from resourcelink.taxonomy.models import Category

        foreign = Category.objects.filter(station=self.other_station).first()
        with self.assertRaises(ValidationError) as cm:
            services.allocation_run_create(actor=self.bob, station=self.station, parameters={
                "needs": {"category_ids": [foreign.pk], "urgencies": ["urgentest"]},
                "supply": {"kinds": ["spaceship"]},
                "policy": {"tiers": "sometimes", "household_cap": 0, "max_distance_km": -1,
                           "distance_weight": "heavy"},
            })
        self.assertEqual(set(cm.exception.message_dict), {
            "need_category_ids", "need_urgencies", "supply_kinds", "tiers", "household_cap", "max_distance_km",
            "distance_weight"})
        self.assertFalse(AllocationRun.objects.exists())

    def test_it_normalises_parameters(self):
        clean = services.allocation_parameters_clean(station=self.station, parameters={
            "needs": {"community_ids": [str(self.community.pk)]}, "policy": {"household_cap": "3"}})
        self.assertEqual(clean["needs"]["community_ids"], [self.community.pk])
        self.assertEqual(clean["policy"], {"tiers": "none", "priority_tag_ids": [], "household_cap": 3,
                                           "max_distance_km": None, "distance_weight": 0.1,
                                           "with_greedy": True})

    def test_it_is_403_for_a_viewer(self):
        self.login(self.victor)
        self.assertEqual(self.client.get(self.url).status_code, 403)
        self.assertEqual(self.post().status_code, 403)
        self.assertFalse(AllocationRun.objects.exists())


class RunAcceptTest(RunFixture):
    def accept(self, run, **data):
        return self.client.post(reverse("matching:run_accept", args=[run.pk]), data)

    def test_it_accepts_all_lines_in_one_go(self):
        run = self.draft((self.critical, self.rice, 6), (self.normal, self.rice, 4))
        self.login(self.bob)
        r = self.accept(run, all="1")
        self.assertRedirects(r, reverse("matching:run_detail", args=[run.pk]))
        run.refresh_from_db()
        self.assertEqual(run.status, AllocationRun.Status.ACCEPTED)
        self.assertEqual(run.accepted_by, self.bob)
        self.assertIsNotNone(run.accepted_on)
        links = Link.objects.filter(allocation_run=run)
        self.assertEqual({(link.need_id, link.quantity) for link in links},
                         {(self.critical.pk, 6), (self.normal.pk, 4)})
        self.assertEqual(set(run.lines.values_list("link_id", flat=True)), set(links.values_list("pk", flat=True)))
        self.critical.refresh_from_db()
        self.assertEqual(self.critical.status, NeedStatus.LINKED)

    def test_it_accepts_part_of_a_draft(self):
        run = self.draft((self.critical, self.rice, 6), (self.normal, self.rice, 4))
        line = run.lines.get(need=self.normal)
        self.login(self.carol)
        self.accept(run, line=[line.pk])
        run.refresh_from_db()
        self.assertEqual(run.status, AllocationRun.Status.PARTLY_ACCEPTED)
        self.assertEqual(list(Link.objects.values_list("need_id", "quantity")), [(self.normal.pk, 4)])
        self.assertIsNone(run.lines.get(need=self.critical).link_id)

    def test_it_accepts_the_rest_of_a_partly_accepted_run_later(self):
        run = self.draft((self.critical, self.rice, 6), (self.normal, self.rice, 2), (self.normal, self.rice, 2))
        first, second, third = run.lines.order_by("pk")
        self.login(self.carol)
        self.accept(run, line=[second.pk])
        run.refresh_from_db()
        self.assertEqual(run.status, AllocationRun.Status.PARTLY_ACCEPTED)
        # The page still offers the lines not yet linked, and shows the linked one's link.
        r = self.client.get(reverse("matching:run_detail", args=[run.pk]))
        self.assertContains(r, f'name="line" value="{first.pk}"')
        self.assertNotContains(r, f'name="line" value="{second.pk}"')
        self.assertContains(r, f"<td>#{run.lines.get(pk=second.pk).link_id}</td>")
        self.assertContains(r, "Accept all the rest")
        self.assertNotContains(r, "Discard this draft")
        # A line already linked is not linked twice.
        with self.assertRaises(ValidationError) as cm:
            services.allocation_run_accept(actor=self.bob, run=run, line_ids=[second.pk, third.pk])
        self.assertIn(f"already accepted: {second.pk}", cm.exception.message_dict["lines"][0])
        self.accept(run, line=[third.pk])
        run.refresh_from_db()
        self.assertEqual(run.status, AllocationRun.Status.PARTLY_ACCEPTED)
        self.accept(run, all="1")  # the rest: the first line only
        run.refresh_from_db()
        self.assertEqual(run.status, AllocationRun.Status.ACCEPTED)
        self.assertEqual(sorted(Link.objects.filter(allocation_run=run).values_list("need_id", "quantity")),
                         sorted([(self.critical.pk, 6), (self.normal.pk, 2), (self.normal.pk, 2)]))
        self.assertFalse(run.lines.filter(link__isnull=True).exists())
        with self.assertRaises(services.RunNotDraft):
            services.allocation_run_accept(actor=self.bob, run=run)
        with self.assertRaises(services.RunNotDraft):
            services.allocation_run_discard(actor=self.bob, run=run)

    def test_a_line_that_no_longer_fits_rolls_everything_back(self):
        run = self.draft((self.critical, self.rice, 6), (self.normal, self.rice, 4))
        # Since the draft, someone linked 1 of the 10 kg by hand: the second line no longer fits.
        self.link(self.masks, self.rice, 1)
        self.login(self.bob)
        r = self.client.post(reverse("matching:run_accept", args=[run.pk]), {"all": "1"}, follow=True)
        run.refresh_from_db()
        self.assertEqual(run.status, AllocationRun.Status.DRAFT)
        self.assertEqual(Link.objects.filter(allocation_run__isnull=False).count(), 0)
        self.assertFalse(run.lines.filter(link__isnull=False).exists())
        failing = run.lines.get(need=self.normal)
        messages = [str(m) for m in r.context["messages"]]
        self.assertTrue(any(f"#{failing.pk}" in m and "nothing was linked" in m for m in messages), messages)

    def test_the_service_names_the_failing_lines(self):
        run = self.draft((self.critical, self.rice, 6), (self.normal, self.rice, 4))
        self.link(self.masks, self.rice, 1)
        with self.assertRaises(ValidationError) as cm:
            services.allocation_run_accept(actor=self.bob, run=run)
        failing = run.lines.get(need=self.normal)
        self.assertIn(f"#{failing.pk}", cm.exception.message_dict["lines"][0])
        self.assertNotIn(f"#{run.lines.get(need=self.critical).pk},", cm.exception.message_dict["lines"][0])

    def test_a_second_accept_is_refused(self):
        run = self.draft((self.critical, self.rice, 6))
        services.allocation_run_accept(actor=self.bob, run=run)
        with self.assertRaises(services.RunNotDraft):
            services.allocation_run_accept(actor=self.bob, run=AllocationRun.objects.get(pk=run.pk))
        self.assertEqual(Link.objects.count(), 1)

    def test_a_discarded_draft_cannot_be_accepted(self):
        run = self.draft((self.critical, self.rice, 6))
        self.login(self.bob)
        self.client.post(reverse("matching:run_discard", args=[run.pk]))
        run.refresh_from_db()
        self.assertEqual(run.status, AllocationRun.Status.DISCARDED)
        self.accept(run, all="1")
        self.assertFalse(Link.objects.exists())
        with self.assertRaises(services.RunNotDraft):
            services.allocation_run_discard(actor=self.bob, run=run)

    def test_it_refuses_lines_of_another_run(self):
        run = self.draft((self.critical, self.rice, 6))
        other = self.draft((self.normal, self.rice, 4))
        with self.assertRaises(ValidationError):
            services.allocation_run_accept(actor=self.bob, run=run, line_ids=[other.lines.get().pk])
        self.assertFalse(Link.objects.exists())

    def test_writes_are_403_for_a_viewer(self):
        run = self.draft((self.critical, self.rice, 6))
        self.login(self.victor)
        self.assertEqual(self.accept(run, all="1").status_code, 403)
        self.assertEqual(self.client.post(reverse("matching:run_discard", args=[run.pk])).status_code, 403)
        run.refresh_from_db()
        self.assertEqual(run.status, AllocationRun.Status.DRAFT)


class RunPagesTest(RunFixture):
    def test_viewers_read_runs_without_household_details(self):
        run = self.draft((self.critical, self.rice, 6))
        AllocationUnmet.objects.create(run=run, need=self.masks, quantity=3, reason=UnmetReason.NO_CATEGORY)
        self.login(self.victor)
        r = self.client.get(reverse("matching:run_list"))
        self.assertContains(r, f"#{run.pk}")
        r = self.client.get(reverse("matching:run_detail", args=[run.pk]))
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "Staple food and cooking oil")
        self.assertContains(r, "no resource in this category")
        self.assertNotContains(r, "张*")
        self.assertNotContains(r, "李*")
        self.assertNotContains(r, "Elderly living alone")
        self.assertNotContains(r, 'name="line"')

    def test_editors_see_masked_households_and_checkboxes(self):
        run = self.draft((self.critical, self.rice, 6))
        self.login(self.carol)
        r = self.client.get(reverse("matching:run_detail", args=[run.pk]))
        self.assertContains(r, "张**")
        self.assertContains(r, 'name="line"')
        self.assertContains(r, "Accept all")

    def test_every_endpoint_is_404_for_an_outsider(self):
        run = self.draft((self.critical, self.rice, 6))
        self.login(self.oscar)
        for name in ("run_detail",):
            self.assertEqual(self.client.get(reverse(f"matching:{name}", args=[run.pk])).status_code, 404)
        for name in ("run_accept", "run_discard"):
            self.assertEqual(self.client.post(reverse(f"matching:{name}", args=[run.pk]), {"all": "1"}).status_code,
                             404)
        self.assertEqual(self.client.get(reverse("matching:suggestions", args=[self.critical.pk])).status_code, 404)
        r = self.client.get(reverse("matching:run_list"))
        self.assertNotContains(r, f"#{run.pk}<")
        run.refresh_from_db()
        self.assertEqual(run.status, AllocationRun.Status.DRAFT)

    def test_run_detail_queries_do_not_grow_with_lines(self):
        small = self.draft((self.critical, self.rice, 1))
        homes = [make_household(self.station, self.community) for _ in range(8)]
        needs = [self.make_need(h, "food.staple", quantity=1) for h in homes]
        big = self.draft(*[(n, self.rice, 1) for n in needs])
        for n in needs:
            AllocationUnmet.objects.create(run=big, need=n, quantity=1, reason=UnmetReason.NONE_LEFT)
        self.login(self.bob)
        with CaptureQueriesContext(connection) as small_q:
            self.client.get(reverse("matching:run_detail", args=[small.pk]))
        with CaptureQueriesContext(connection) as big_q:
            r = self.client.get(reverse("matching:run_detail", args=[big.pk]))
        self.assertEqual(len(r.context["lines"].object_list), 8)
        # The small run has no unmet needs, so one query (the page of them) fewer.
        self.assertLessEqual(len(big_q), len(small_q) + 1)
