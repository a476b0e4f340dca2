"""The draft builder: from the register to lines and unmet needs."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from resourcelink.communities.services import community_create
from resourcelink.core.testing import StationTestCase
from resourcelink.directory.models import ResourceKind, ResourceStatus
from resourcelink.directory.services import resource_create
from resourcelink.matching.draft import allocation_draft_build, category_fit
from resourcelink.matching.models import AllocationLine, AllocationRun, AllocationUnmet
from resourcelink.needs.models import Link, LinkStatus, Need, NeedStatus
from resourcelink.needs.testing import make_need
from resourcelink.people.models import VulnerabilityTag
from resourcelink.people.testing import make_household, make_resident
from resourcelink.taxonomy.models import Category

HERE = (30.2741, 120.1551)
KM_LAT = 1 / 111.0


def near(km):
    return {"latitude": HERE[0] + km * KM_LAT, "longitude": HERE[1]}


class DraftTestCase(StationTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        s = cls.station
        cls.cat = {c.code: c for c in Category.objects.filter(station=s)}
        cls.tag = {t.code: t for t in VulnerabilityTag.objects.filter(station=s)}
        cls.east = community_create(actor=None, station=s, name="东坡社区", code="dongpo", check=False)
        cls.west = community_create(actor=None, station=s, name="岳王社区", code="yuewang", check=False)
        cls.h1 = make_household(s, cls.east, **near(0))
        make_resident(cls.h1, tags=[cls.tag["elderly_alone"]])
        make_resident(cls.h1, tags=[cls.tag["unemployed"]])
        cls.h2 = make_household(s, cls.east, **near(1))
        make_resident(cls.h2)
        cls.h3 = make_household(s, cls.west, **near(20))
        make_resident(cls.h3, tags=[cls.tag["disability"]])

        def need(h, code, quantity, urgency):
            return make_need(h, cls.cat[code], quantity=quantity, urgency=urgency)

        cls.n1 = need(cls.h1, "food.staple", 5, "critical")
        cls.n2 = need(cls.h2, "food.staple", 4, "normal")
        cls.n3 = need(cls.h1, "protection.masks", 10, "high")
        cls.n4 = need(cls.h3, "medical.medicines", 2, "low")
        cls.n5 = need(cls.h2, "food", 3, "low")
        cls.n7 = need(cls.h2, "protection.masks", 2, "normal")
        # Ignored: cancelled, met, archived.
        cancelled = need(cls.h2, "food.staple", 9, "critical")
        met = need(cls.h3, "food.staple", 9, "critical")
        archived = need(cls.h3, "food.staple", 9, "critical")
        Need.objects.filter(pk=cancelled.pk).update(status=NeedStatus.CANCELLED)
        Need.objects.filter(pk=met.pk).update(status=NeedStatus.MET)
        Need.objects.filter(pk=archived.pk).update(archived_on=timezone.now())

        def resource(name, code, quantity, station=s, **fields):
            fields.setdefault("kind", ResourceKind.MATERIAL)
            category = Category.objects.get(station=station, code=code)
            return resource_create(actor=None, station=station, categories=[category], check=False, name=name,
                                   quantity=quantity, **fields)

        cls.rice = resource("大米", "food.staple", 6, community=cls.east, **near(0.5))
        cls.masks = resource("口罩", "protection.masks", 20, community=cls.east, **near(0.2))
        cls.masks.eligible_tags.set([cls.tag["elderly_alone"]])
        resource("停用的米", "food.staple", 100, status=ResourceStatus.INACTIVE)
        resource("没有数量的米", "food.staple", None)
        resource("别的站的米", "food.staple", 100, station=cls.other_station)
        Link.objects.create(station=s, need=cls.n1, resource=cls.rice, quantity=2, status=LinkStatus.PROPOSED)
        Link.objects.create(station=s, need=cls.n2, resource=cls.rice, quantity=1, status=LinkStatus.CANCELLED)

    def run_draft(self, **parameters):
        run = AllocationRun.objects.create(station=self.station, parameters=parameters)
        return allocation_draft_build(run)

    def lines(self, run):
        return list(AllocationLine.objects.filter(run=run).order_by("need_id", "resource_id")
                    .values_list("need_id", "resource_id", "quantity", "fit", "tier"))

    def unmet(self, run):
        return list(AllocationUnmet.objects.filter(run=run).order_by("need_id")
                    .values_list("need_id", "quantity", "reason", "tier"))

    def test_it_allocates_a_small_station_exactly(self):
        with CaptureQueriesContext(connection) as queries:
            run = self.run_draft(policy={"tiers": "none"})
        assert len(queries) <= 20
        assert self.lines(run) == [
            (self.n1.pk, self.rice.pk, 3, "same", 1),  # 5 asked, 2 already linked
            (self.n2.pk, self.rice.pk, 1, "same", 1),  # the rice left (6 - 2 linked - 3)
            (self.n3.pk, self.masks.pk, 10, "same", 1),
        ]
        assert self.unmet(run) == [
            (self.n2.pk, 3, "none_left", 1),
            (self.n4.pk, 2, "no_category", 1),
            (self.n5.pk, 3, "none_left", 1),
            (self.n7.pk, 2, "not_eligible", 1),
        ]
        line = AllocationLine.objects.get(run=run, need=self.n1)
        assert 495 <= line.distance_m <= 505
        assert line.weight == 8 * (1 + 0.8)  # elderly alone: weight 8 of 10
        run.refresh_from_db()
        assert (run.needs_count, run.supply_count, run.lines_count, run.unmet_count) == (6, 2, 3, 4)
        assert (run.quantity_asked, run.quantity_allocated) == (3 + 4 + 10 + 2 + 3 + 2, 14)
        # Pairs: rice with n1, n2 and n5 (food is broader); masks with n3 only (n7 is not eligible).
        assert run.pairs_count == 4
        assert abs(run.objective - (3 * 14.4 + 1 * 2 + 10 * 7.2)) < 0.1
        assert run.greedy_objective is None
        assert set(run.timings) == {"load", "build", "solve", "write"}

    def test_it_serves_tiers_by_urgency_and_keeps_households_within_their_cap(self):
        run = self.run_draft(policy={"tiers": "urgency", "household_cap": 5}, with_greedy=True)
        assert self.lines(run) == [
            (self.n1.pk, self.rice.pk, 3, "same", 1),
            (self.n2.pk, self.rice.pk, 1, "same", 3),
            (self.n3.pk, self.masks.pk, 2, "same", 2),
        ]
        assert self.unmet(run) == [
            (self.n2.pk, 3, "none_left", 3),
            (self.n3.pk, 8, "household_cap", 2),
            (self.n4.pk, 2, "no_category", 4),
            (self.n5.pk, 3, "none_left", 4),
            (self.n7.pk, 2, "not_eligible", 3),
        ]
        run.refresh_from_db()
        assert run.greedy_objective is not None and run.greedy_objective <= run.objective + 1e-6

    def test_it_puts_priority_tags_first(self):
        run = self.run_draft(needs={"category_ids": [self.cat["food"].pk]},
                             policy={"tiers": "tags", "priority_tag_ids": [self.tag["unemployed"].pk]})
        assert [(n, q, t) for n, _r, q, _f, t in self.lines(run)] == [(self.n1.pk, 3, 1), (self.n2.pk, 1, 2)]

    def test_it_respects_need_filters(self):
        run = self.run_draft(needs={"category_ids": [self.cat["food"].pk], "urgencies": ["normal", "low"]})
        assert self.lines(run) == [(self.n2.pk, self.rice.pk, 4, "same", 1)]
        assert self.unmet(run) == [(self.n5.pk, 3, "none_left", 1)]
        run = self.run_draft(needs={"community_ids": [self.west.pk]})
        assert self.lines(run) == []
        assert self.unmet(run) == [(self.n4.pk, 2, "no_category", 1)]

    def test_it_respects_supply_filters(self):
        run = self.run_draft(supply={"category_ids": [self.cat["protection"].pk]})
        assert [r for _n, r, *_ in self.lines(run)] == [self.masks.pk]
        assert dict((n, reason) for n, _q, reason, _t in self.unmet(run))[self.n1.pk] == "no_category"
        run = self.run_draft(supply={"resource_ids": [self.rice.pk], "kinds": ["material"]})
        assert [r for _n, r, *_ in self.lines(run)] == [self.rice.pk, self.rice.pk]
        run = self.run_draft(supply={"kinds": ["venue"]})
        assert self.lines(run) == []

    def test_it_leaves_out_supply_beyond_the_distance_limit(self):
        run = self.run_draft(needs={"community_ids": [self.east.pk]}, policy={"max_distance_km": 0.3})
        # h1 is 0.2 km from the masks and 0.5 km from the rice; h2 is 0.5 km from the rice.
        assert self.lines(run) == [(self.n3.pk, self.masks.pk, 10, "same", 1)]
        assert {n: reason for n, _q, reason, _t in self.unmet(run)} == {
            self.n1.pk: "too_far", self.n2.pk: "too_far", self.n5.pk: "too_far", self.n7.pk: "not_eligible"}

    def test_it_counts_only_committed_links_against_capacity(self):
        Link.objects.create(station=self.station, need=self.n5, resource=self.rice, quantity=3,
                            status=LinkStatus.DELIVERED)
        Link.objects.create(station=self.station, need=self.n2, resource=self.rice, quantity=3,
                            status=LinkStatus.FAILED)
        run = self.run_draft()
        # n5 is now wholly covered and left out; the rice has 6 - 2 - 3 = 1 left.
        assert [(n, q) for n, r, q, *_ in self.lines(run) if r == self.rice.pk] == [(self.n1.pk, 1)]
        assert self.n5.pk not in {n for n, *_ in self.unmet(run)}
        run.refresh_from_db()
        assert run.needs_count == 5


def test_it_fits_categories_by_the_tree():
    paths = {1: "food/", 2: "food/food.staple/", 3: "food/food.fresh/", 4: "masks/"}
    assert category_fit(paths, {1, 2, 4}, {1, 2, 3}) == {
        1: {1: "same", 2: "narrower", 3: "narrower"},
        2: {1: "broader", 2: "same"},
    }
