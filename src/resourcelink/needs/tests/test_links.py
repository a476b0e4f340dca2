from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from resourcelink.directory.models import ResourceStatus
from resourcelink.directory.services import resource_update
from resourcelink.needs import services
from resourcelink.needs.models import Link, LinkStatus, Need, NeedStatus, StatusChange
from resourcelink.needs.selectors import committed_by_need, committed_by_resource
from resourcelink.needs.services import (
    ConsentRequired,
    IllegalTransition,
    InsufficientCapacity,
    LinkRefused,
    LinkSpec,
    NotEligible,
)
from resourcelink.needs.testing import make_need
from resourcelink.people.models import Consent, ConsentScope

from .fixtures import NeedsTestCase


class LinkRuleTests(NeedsTestCase):
    def need(self, quantity=5, household=None, **fields):
        return make_need(household or self.household, self.cat["food.staple"], quantity=quantity, **fields)

    def link(self, need, resource=None, quantity=1, actor=None, **kw):
        return services.link_create(actor=actor or self.bob, need=need, resource=resource or self.rice,
                                    quantity=quantity, **kw)

    def test_it_links_and_moves_the_need_to_linked(self):
        need = self.need()
        link = self.link(need, quantity=3)
        need.refresh_from_db()
        self.assertEqual(link.status, LinkStatus.PROPOSED)
        self.assertEqual(need.status, NeedStatus.LINKED)
        self.assertIsNotNone(need.first_linked_on)
        moves = list(StatusChange.objects.filter(need=need).values_list("from_status", "to_status", "changed_by"))
        self.assertIn(("open", "linked", self.bob.pk), moves)
        self.assertIn(("", "proposed", self.bob.pk), moves)

    def test_it_keeps_the_first_linked_time(self):
        need = self.need()
        self.link(need)
        first = Need.objects.get(pk=need.pk).first_linked_on
        self.link(need)
        self.assertEqual(Need.objects.get(pk=need.pk).first_linked_on, first)

    def test_it_never_offers_capacity_twice(self):
        # rice has 10.5: floor is 10.
        a, b = self.need(6), self.need(6, household=self.household2)
        self.link(a, quantity=6)
        with self.assertRaises(InsufficientCapacity) as ctx:
            self.link(b, quantity=5)
        self.assertIn("only 4 left", " ".join(ctx.exception.messages))
        self.link(b, quantity=4)
        self.assertEqual(committed_by_resource(station=self.station), {self.rice.pk: 10})

    def test_it_refuses_two_links_for_the_last_units_in_one_batch(self):
        a, b = self.need(6), self.need(6, household=self.household2)
        self.link(a, quantity=6)
        items = [LinkSpec(need=a, resource=self.rice, quantity=0), LinkSpec(need=b, resource=self.rice, quantity=3),
                 LinkSpec(need=b, resource=self.rice, quantity=3)]
        with self.assertRaises(LinkRefused) as ctx:
            services.links_create(actor=self.bob, station=self.station, items=items)
        codes = [p["code"] for p in ctx.exception.problems]
        self.assertEqual(codes, ["quantity", "capacity"])
        self.assertEqual(ctx.exception.problems[1]["index"], 2)
        self.assertEqual(Link.objects.count(), 1)  # all or nothing

    def test_it_frees_capacity_when_a_link_fails(self):
        a, b = self.need(10), self.need(6, household=self.household2)
        link = self.link(a, quantity=10)
        with self.assertRaises(InsufficientCapacity):
            self.link(b, quantity=1)
        services.link_transition(actor=self.bob, link=link, to_status=LinkStatus.FAILED, reason="moved away")
        self.link(b, quantity=6)

    def test_it_refuses_more_than_the_need_lacks(self):
        need = self.need(3)
        self.link(need, quantity=2)
        with self.assertRaises(LinkRefused) as ctx:
            self.link(need, resource=self.hall, quantity=2)
        self.assertIn("lacks only 1", ctx.exception.messages[0])

    def test_it_refuses_a_need_no_longer_wanting(self):
        need = self.need()
        services.need_transition(actor=self.bob, need=need, to_status=NeedStatus.CANCELLED, reason="moved")
        with self.assertRaises(LinkRefused):
            self.link(need)

    def test_it_refuses_an_inactive_resource(self):
        resource_update(actor=self.alice, resource=self.hall, status=ResourceStatus.INACTIVE)
        with self.assertRaises(LinkRefused) as ctx:
            self.link(self.need(), resource=self.hall)
        self.assertEqual(ctx.exception.problems[0]["code"], "resource_status")

    def test_it_refuses_another_stations_resource(self):
        with self.assertRaises(LinkRefused) as ctx:
            self.link(self.need(), resource=self.foreign)
        self.assertEqual(ctx.exception.problems[0]["code"], "station")

    def test_it_refuses_viewers_and_coordinators_may_link(self):
        with self.assertRaises(PermissionDenied):
            self.link(self.need(), actor=self.victor)
        self.link(self.need(), actor=self.carol)

    def test_it_checks_eligibility_tags(self):
        self.hall.eligible_tags.set([self.tag_elderly])
        self.link(self.need(), resource=self.hall)  # 张 is elderly
        with self.assertRaises(NotEligible):
            self.link(self.need(household=self.household2), resource=self.hall)
        self.li.tags.set([self.tag_elderly])
        self.link(self.need(household=self.household2), resource=self.hall)

    def test_it_is_all_or_nothing_and_lists_every_failure(self):
        a, b = self.need(), self.need(household=self.household2)
        items = [LinkSpec(need=a, resource=self.outside, quantity=1), LinkSpec(need=b, resource=self.outside,
                                                                               quantity=1)]
        with self.assertRaises(ConsentRequired) as ctx:
            services.links_create(actor=self.bob, station=self.station, items=items)
        self.assertEqual(len(ctx.exception.messages), 2)
        self.assertIn(f"Need #{a.pk}", ctx.exception.messages[0])
        self.assertIn(f"Need #{b.pk}", ctx.exception.messages[1])
        self.assertFalse(Link.objects.exists())


class ConsentTests(NeedsTestCase):
    def need(self, **fields):
        return make_need(self.household, self.cat["food"], quantity=2, **fields)

    def consent(self, resident=None, org=None, **fields):
        return Consent.objects.create(station=self.station, resident=resident or self.zhang, scope=ConsentScope.SHARE,
                                      organization=org or self.org, given_by="张小明", given_on=timezone.localdate(),
                                      **fields)

    def test_it_refuses_sharing_without_consent(self):
        with self.assertRaises(ConsentRequired):
            services.link_create(actor=self.bob, need=self.need(), resource=self.outside, quantity=1)

    def test_it_links_with_consent_of_a_household_resident(self):
        self.consent()
        link = services.link_create(actor=self.bob, need=self.need(), resource=self.outside, quantity=1)
        self.assertEqual(link.consent_override_reason, "")

    def test_it_needs_the_named_residents_consent(self):
        other = self.make_resident(self.household, "张大明")
        self.consent(resident=other)
        with self.assertRaises(ConsentRequired):
            services.link_create(actor=self.bob, need=self.need(resident=self.zhang), resource=self.outside,
                                 quantity=1)
        services.link_create(actor=self.bob, need=self.need(resident=other), resource=self.outside, quantity=1)

    def test_it_ignores_consent_for_another_organisation(self):
        from resourcelink.directory.services import organization_create

        other_org = organization_create(actor=self.alice, station=self.station, name="别的机构")
        self.consent(org=other_org)
        with self.assertRaises(ConsentRequired):
            services.link_create(actor=self.bob, need=self.need(), resource=self.outside, quantity=1)

    def test_it_no_longer_counts_withdrawn_consent(self):
        self.consent(withdrawn_on=timezone.now(), withdrawn_by=self.alice)
        with self.assertRaises(ConsentRequired):
            services.link_create(actor=self.bob, need=self.need(), resource=self.outside, quantity=1)

    def test_it_lets_an_admin_override_with_a_reason(self):
        link = services.link_create(actor=self.alice, need=self.need(), resource=self.outside, quantity=1,
                                    consent_override_reason="Urgent medical need; resident unreachable")
        self.assertEqual(link.consent_override_reason, "Urgent medical need; resident unreachable")
        self.assertEqual(link.consent_override_by, self.alice)

    def test_it_refuses_an_override_by_a_non_admin(self):
        with self.assertRaises(ConsentRequired) as ctx:
            services.link_create(actor=self.bob, need=self.need(), resource=self.outside, quantity=1,
                                 consent_override_reason="please")
        self.assertIn("only a station admin", ctx.exception.messages[0])

    def test_it_needs_no_consent_for_an_internal_resource(self):
        link = services.link_create(actor=self.bob, need=self.need(), resource=self.hall, quantity=1)
        self.assertEqual(link.status, LinkStatus.PROPOSED)


class BulkTests(NeedsTestCase):
    def test_it_creates_many_links_in_a_constant_number_of_queries(self):
        def run(n):
            needs = [make_need(self.household, self.cat["food"], quantity=1) for _ in range(n)]
            items = [LinkSpec(need=need, resource=self.hall, quantity=1) for need in needs]
            with CaptureQueriesContext(connection) as ctx:
                links = services.links_create(actor=self.bob, station=self.station, items=items)
            self.assertEqual(len(links), n)
            return len(ctx.captured_queries)

        run(1)  # the actor's roles are read once, then cached
        # 30: SQLite splits an INSERT at 999 variables (a history row of a
        # need has ~30 columns); PostgreSQL's batches are 1,000 rows.
        self.assertEqual(run(3), run(30))
        self.assertEqual(Need.objects.filter(status=NeedStatus.LINKED).count(), 34)
        self.assertEqual(committed_by_need(need_ids=Need.objects.values_list("pk", flat=True)),
                         dict.fromkeys(Need.objects.values_list("pk", flat=True), 1))


class AutomaticNeedStatusTests(NeedsTestCase):
    def setUp(self):
        self.need = make_need(self.household, self.cat["food"], quantity=4)

    def link(self, quantity):
        return services.link_create(actor=self.bob, need=self.need, resource=self.hall, quantity=quantity)

    def status(self):
        return Need.objects.get(pk=self.need.pk).status

    def test_it_meets_the_need_when_enough_is_delivered(self):
        a, b = self.link(2), self.link(2)
        services.link_transition(actor=self.bob, link=a, to_status=LinkStatus.DELIVERED)
        self.assertEqual(self.status(), NeedStatus.LINKED)  # b is still live
        services.link_transition(actor=self.bob, link=b, to_status=LinkStatus.CONFIRMED)
        services.link_transition(actor=self.bob, link=b, to_status=LinkStatus.DELIVERED, outcome="Delivered",
                                 feedback="谢谢")
        need = Need.objects.get(pk=self.need.pk)
        self.assertEqual(need.status, NeedStatus.MET)
        self.assertIsNotNone(need.closed_on)
        change = StatusChange.objects.filter(need=need, to_status=NeedStatus.MET).get()
        self.assertEqual(change.link_id, b.pk)
        self.assertIn(f"link #{b.pk}", change.reason)
        b.refresh_from_db()
        self.assertIsNotNone(b.delivered_on)
        self.assertEqual((b.outcome, b.feedback), ("Delivered", "谢谢"))

    def test_it_marks_partly_met_when_some_was_delivered(self):
        a, b = self.link(2), self.link(1)
        services.link_transition(actor=self.bob, link=a, to_status=LinkStatus.DELIVERED)
        services.link_transition(actor=self.bob, link=b, to_status=LinkStatus.FAILED, reason="Not home")
        self.assertEqual(self.status(), NeedStatus.PARTLY_MET)

    def test_it_reopens_the_need_when_nothing_was_delivered(self):
        a = self.link(2)
        services.link_transition(actor=self.bob, link=a, to_status=LinkStatus.CANCELLED, reason="Duplicate")
        self.assertEqual(self.status(), NeedStatus.OPEN)

    def test_it_needs_a_reason_to_fail_a_link(self):
        a = self.link(1)
        with self.assertRaises(ValidationError):
            services.link_transition(actor=self.bob, link=a, to_status=LinkStatus.FAILED)

    def test_it_refuses_an_illegal_link_move(self):
        a = self.link(1)
        services.link_transition(actor=self.bob, link=a, to_status=LinkStatus.DELIVERED)
        with self.assertRaises(IllegalTransition):
            services.link_transition(actor=self.bob, link=a, to_status=LinkStatus.CONFIRMED)

    def test_it_records_follow_up_notes(self):
        a = self.link(1)
        when = timezone.localdate() + timedelta(days=3)
        services.link_update(actor=self.bob, link=a, follow_up_on=when, outcome="Called", feedback="OK")
        a.refresh_from_db()
        self.assertEqual((a.follow_up_on, a.outcome, a.feedback), (when, "Called", "OK"))
        with self.assertRaises(PermissionDenied):
            services.link_update(actor=self.victor, link=a, outcome="x")
