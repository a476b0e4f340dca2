from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from resourcelink.needs import services
from resourcelink.needs.models import Link, Need, NeedStatus, Urgency
from resourcelink.needs.selectors import needs_dashboard
from resourcelink.needs.testing import make_need

from .fixtures import NeedsTestCase

URL = reverse("needs:dashboard")


class DashboardTests(NeedsTestCase):
    """Known times: needs recorded N hours ago and first linked H hours
    after recording (set through .update())."""

    def need(self, *, age_hours, linked_after_hours=None, met_after_hours=None, urgency=Urgency.NORMAL,
             status=None, **fields):
        need = make_need(self.household, self.cat["food"], urgency=urgency, **fields)
        created = self.now - timedelta(hours=age_hours)
        values = {"created_on": created}
        if linked_after_hours is not None:
            values["first_linked_on"] = created + timedelta(hours=linked_after_hours)
            values["status"] = NeedStatus.LINKED
        if met_after_hours is not None:
            values["closed_on"] = created + timedelta(hours=met_after_hours)
            values["status"] = NeedStatus.MET
        if status:
            values["status"] = status
        Need.objects.filter(pk=need.pk).update(**values)
        return need

    def setUp(self):
        self.now = timezone.now()
        today = timezone.localdate()
        # Time to first link (hours): 1, 2, 3, 4, 10 → median 3, p90 10.
        self.need(age_hours=200, linked_after_hours=1, met_after_hours=50)  # met within 72h
        self.need(age_hours=200, linked_after_hours=2, met_after_hours=100)  # met, too late
        self.need(age_hours=100, linked_after_hours=3, urgency=Urgency.CRITICAL)
        self.need(age_hours=80, linked_after_hours=4, urgency=Urgency.CRITICAL, due_on=today)
        self.need(age_hours=10, linked_after_hours=10, urgency=Urgency.HIGH)
        # Old: outside the 90-day window, linked after 1000 h (ignored for times).
        self.need(age_hours=24 * 100, linked_after_hours=1000, urgency=Urgency.LOW,
                  due_on=today - timedelta(days=3))
        self.need(age_hours=5, urgency=Urgency.CRITICAL)  # open, never linked
        self.need(age_hours=90, status=NeedStatus.CANCELLED)
        make_need(self.other_household, self.other_cat["food"])  # another station

    def test_it_computes_the_figures(self):
        d = needs_dashboard(self.station, now=self.now)
        self.assertEqual(d["open_total"], 5)  # 3 critical/high linked + old low + the new one
        by = {row["urgency"]: row for row in d["by_urgency"]}
        self.assertEqual(by["critical"]["total"], 3)
        self.assertEqual(by["critical"]["ages"], [1, 0, 2, 0, 0])  # 5 h; 80 h and 100 h are 3-7 days
        self.assertEqual(by["high"]["ages"], [1, 0, 0, 0, 0])
        self.assertEqual(by["low"]["ages"], [0, 0, 0, 0, 1])
        self.assertEqual(by["normal"]["total"], 0)
        self.assertEqual((d["due_today"], d["overdue"]), (1, 1))
        self.assertEqual(d["linked_count"], 5)
        self.assertEqual(d["time_to_link_median"], timedelta(hours=3))
        self.assertEqual(d["time_to_link_p90"], timedelta(hours=10))
        # At least 72 h old, in the window, not cancelled: 200, 200, 100, 80 → 1 met in time of 4.
        self.assertEqual((d["met_72h_count"], d["met_72h_of"]), (1, 4))
        self.assertEqual(d["met_72h_share"], 0.25)

    def test_it_counts_overdue_follow_ups(self):
        need = make_need(self.household, self.cat["food"], quantity=3)
        today = timezone.localdate()
        services.link_create(actor=self.bob, need=need, resource=self.hall, quantity=1,
                             follow_up_on=today - timedelta(days=2))
        services.link_create(actor=self.bob, need=need, resource=self.hall, quantity=1, follow_up_on=today)
        d = needs_dashboard(self.station)
        self.assertEqual(d["follow_ups_overdue_count"], 1)
        self.assertEqual(len(d["follow_ups_overdue"]), 1)

    def test_it_shows_the_page(self):
        self.login(self.victor)
        r = self.client.get(URL)
        self.assertContains(r, '<b id="ttl-median">3.0</b>', html=False)
        self.assertContains(r, '<b id="ttl-p90">10.0</b>', html=False)
        self.assertContains(r, '<b id="met-72h">25%</b>', html=False)

    def test_it_shows_dashes_without_data(self):
        self.login(self.oscar)
        r = self.client.get(URL)
        self.assertContains(r, '<b id="ttl-median">—</b>', html=False)

    def test_it_keeps_its_query_count_whatever_the_rows(self):
        self.login(self.bob)
        self.client.get(URL)

        def count():
            with CaptureQueriesContext(connection) as ctx:
                self.assertEqual(self.client.get(URL).status_code, 200)
            return len(ctx.captured_queries)

        small = count()
        today = timezone.localdate()
        for i in range(45):
            need = make_need(self.household2, self.cat["medical"], urgency=Urgency.HIGH)
            Link.objects.create(station=self.station, need=need, resource=self.hall, quantity=1,
                                follow_up_on=today - timedelta(days=1 + i % 3))
            Need.objects.filter(pk=need.pk).update(first_linked_on=self.now, status=NeedStatus.LINKED)
        self.assertEqual(count(), small)
        r = self.client.get(URL)
        self.assertEqual(r.context["d"]["follow_ups_overdue_count"], 45)
        self.assertEqual(len(r.context["d"]["follow_ups_overdue"]), 10)
