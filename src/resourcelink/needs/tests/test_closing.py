"""A need closed, given up on or cancelled by hand lets go of its live links;
only a link makes a need "linked"; "met" by hand with nothing delivered
needs a reason; an archived household's needs leave play."""

from django.core.exceptions import ValidationError

from resourcelink.needs import services
from resourcelink.needs.models import Link, LinkStatus, Need, NeedStatus, StatusChange
from resourcelink.needs.selectors import committed_by_resource
from resourcelink.needs.services import IllegalTransition, InsufficientCapacity, LinkRefused
from resourcelink.needs.testing import make_need
from resourcelink.people.models import Household
from resourcelink.people.services import household_archive

from .fixtures import NeedsTestCase


class ClosingFreesCapacityTests(NeedsTestCase):
    def need(self, quantity=10, household=None):
        return make_need(household or self.household, self.cat["food.staple"], quantity=quantity)

    def link(self, need, quantity, resource=None):
        return services.link_create(actor=self.bob, need=need, resource=resource or self.rice, quantity=quantity)

    def assert_frees_capacity(self, to_status, reason):
        a, b = self.need(10), self.need(6, household=self.household2)
        proposed = self.link(a, 6)
        confirmed = self.link(a, 4)
        services.link_transition(actor=self.bob, link=confirmed, to_status=LinkStatus.CONFIRMED)
        with self.assertRaises(InsufficientCapacity):
            self.link(b, 1)
        services.need_transition(actor=self.bob, need=a, to_status=to_status, reason=reason)
        self.assertEqual(Need.objects.get(pk=a.pk).status, to_status)
        for link, before in ((proposed, LinkStatus.PROPOSED), (confirmed, LinkStatus.CONFIRMED)):
            link.refresh_from_db()
            self.assertEqual(link.status, LinkStatus.CANCELLED)
            change = StatusChange.objects.get(link=link, to_status=LinkStatus.CANCELLED)
            self.assertEqual((change.from_status, change.changed_by, change.need_id), (before, self.bob, a.pk))
            self.assertIn(str(NeedStatus(to_status).label), change.reason)
        self.assertEqual(committed_by_resource(station=self.station, resource_ids=[self.rice.pk]).get(self.rice.pk, 0), 0)
        self.link(b, 6)

    def test_it_frees_capacity_when_a_need_is_cancelled(self):
        self.assert_frees_capacity(NeedStatus.CANCELLED, "moved away")

    def test_it_frees_capacity_when_a_need_cannot_be_met(self):
        self.assert_frees_capacity(NeedStatus.UNMET, "wrong kind of rice")

    def test_it_frees_capacity_when_a_need_is_met_by_hand(self):
        self.assert_frees_capacity(NeedStatus.MET, "the neighbours brought rice")

    def test_it_keeps_delivered_links_when_a_need_is_met_by_hand(self):
        need = self.need(10)
        delivered = self.link(need, 3)
        services.link_transition(actor=self.bob, link=delivered, to_status=LinkStatus.CONFIRMED)
        live = self.link(need, 2, resource=self.hall)
        services.link_transition(actor=self.bob, link=delivered, to_status=LinkStatus.DELIVERED)
        services.need_transition(actor=self.bob, need=need, to_status=NeedStatus.MET)
        self.assertEqual(Link.objects.get(pk=delivered.pk).status, LinkStatus.DELIVERED)
        self.assertEqual(Link.objects.get(pk=live.pk).status, LinkStatus.CANCELLED)
        self.assertEqual(Need.objects.get(pk=need.pk).status, NeedStatus.MET)


class LinkedOnlyByALinkTests(NeedsTestCase):
    def test_it_refuses_to_mark_a_need_linked_by_hand(self):
        need = make_need(self.household, self.cat["food"], quantity=2)
        with self.assertRaises(IllegalTransition) as ctx:
            services.need_transition(actor=self.bob, need=need, to_status=NeedStatus.LINKED, reason="done")
        self.assertIn("only when a link is made", " ".join(ctx.exception.messages))
        need.refresh_from_db()
        self.assertEqual((need.status, need.first_linked_on), (NeedStatus.OPEN, None))

    def test_only_a_link_sets_the_first_linked_time(self):
        need = make_need(self.household, self.cat["food"], quantity=2)
        services.need_transition(actor=self.bob, need=need, to_status=NeedStatus.UNMET, reason="none left")
        services.need_transition(actor=self.bob, need=need, to_status=NeedStatus.MOBILISED)
        self.assertIsNone(Need.objects.get(pk=need.pk).first_linked_on)
        services.link_create(actor=self.bob, need=need, resource=self.hall, quantity=1)
        need.refresh_from_db()
        self.assertEqual(need.status, NeedStatus.LINKED)
        self.assertIsNotNone(need.first_linked_on)

    def test_a_need_met_by_hand_with_nothing_delivered_needs_a_reason(self):
        need = make_need(self.household, self.cat["food"], quantity=2)
        link = services.link_create(actor=self.bob, need=need, resource=self.hall, quantity=2)
        with self.assertRaises(ValidationError) as ctx:
            services.need_transition(actor=self.bob, need=need, to_status=NeedStatus.MET, reason=" ")
        self.assertIn("reason", ctx.exception.message_dict)
        self.assertEqual(Need.objects.get(pk=need.pk).status, NeedStatus.LINKED)
        self.assertEqual(Link.objects.get(pk=link.pk).status, LinkStatus.PROPOSED)
        services.need_transition(actor=self.bob, need=need, to_status=NeedStatus.MET, reason="family helped")
        self.assertEqual(Need.objects.get(pk=need.pk).status, NeedStatus.MET)

    def test_a_need_met_through_a_delivered_link_needs_no_reason(self):
        need = make_need(self.household, self.cat["food"], quantity=5)
        link = services.link_create(actor=self.bob, need=need, resource=self.hall, quantity=2)
        services.link_transition(actor=self.bob, link=link, to_status=LinkStatus.DELIVERED)
        self.assertEqual(Need.objects.get(pk=need.pk).status, NeedStatus.PARTLY_MET)
        services.need_transition(actor=self.bob, need=need, to_status=NeedStatus.MET)
        self.assertEqual(Need.objects.get(pk=need.pk).status, NeedStatus.MET)


class ArchivedHouseholdTests(NeedsTestCase):
    def test_archiving_a_household_cancels_its_wanting_needs_and_their_links(self):
        open_need = make_need(self.household, self.cat["food.staple"], quantity=10)
        link = services.link_create(actor=self.bob, need=open_need, resource=self.rice, quantity=10)
        unmet = make_need(self.household, self.cat["food"], quantity=1)
        services.need_transition(actor=self.bob, need=unmet, to_status=NeedStatus.UNMET, reason="none")
        met = make_need(self.household, self.cat["food"], quantity=1)
        services.need_transition(actor=self.bob, need=met, to_status=NeedStatus.CANCELLED, reason="dup")
        elsewhere = make_need(self.household2, self.cat["food"], quantity=1)

        household_archive(actor=self.bob, household=self.household, reason="moved to Ningbo")

        for need in (open_need, unmet):
            need.refresh_from_db()
            self.assertEqual(need.status, NeedStatus.CANCELLED)
            change = StatusChange.objects.filter(need=need, link__isnull=True).latest("id")
            self.assertEqual((change.to_status, change.changed_by), (NeedStatus.CANCELLED, self.bob))
            self.assertIn("household was archived", change.reason)
            self.assertIn("moved to Ningbo", change.reason)
        self.assertEqual(Link.objects.get(pk=link.pk).status, LinkStatus.CANCELLED)
        self.assertEqual(StatusChange.objects.filter(need=met).count(), 2)  # recorded, cancelled: untouched
        self.assertEqual(Need.objects.get(pk=elsewhere.pk).status, NeedStatus.OPEN)
        other = make_need(self.household2, self.cat["food.staple"], quantity=10)
        services.link_create(actor=self.bob, need=other, resource=self.rice, quantity=10)

    def test_it_refuses_to_link_a_need_of_an_archived_household(self):
        need = make_need(self.household, self.cat["food"], quantity=2)
        # Archived without going through the service (an import, an older archive): still refused.
        Household.objects.filter(pk=self.household.pk).update(archived_on=self.household.created_on)
        with self.assertRaises(LinkRefused) as ctx:
            services.link_create(actor=self.bob, need=need, resource=self.hall, quantity=1)
        self.assertEqual([p["code"] for p in ctx.exception.problems], ["household"])
        self.assertIn("archived", ctx.exception.messages[0])
        self.assertFalse(Link.objects.exists())
