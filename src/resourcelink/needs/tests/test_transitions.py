import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from resourcelink.needs import services
from resourcelink.needs.models import (
    LINK_TRANSITIONS,
    NEED_TRANSITIONS,
    Link,
    LinkStatus,
    Need,
    NeedStatus,
    StatusChange,
)
from resourcelink.needs.services import IllegalTransition
from resourcelink.needs.testing import make_need

from .fixtures import NeedsTestCase

NEED_PAIRS = [(a, b) for a in NeedStatus.values for b in NeedStatus.values if a != b]
LINK_PAIRS = [(a, b) for a in LinkStatus.values for b in LinkStatus.values if a != b]


@pytest.mark.django_db
class TestNeedTransitionTable:
    """Every pair of statuses: allowed ones move and write a StatusChange,
    the others are refused naming both statuses."""

    @pytest.fixture
    def world(self, django_db_setup, django_db_blocker):
        NeedsTestCase.setUpTestData()
        return NeedsTestCase

    @pytest.mark.parametrize(("from_status", "to_status"), NEED_PAIRS)
    def test_it_follows_the_table(self, world, from_status, to_status):
        need = make_need(world.household, world.cat["food"], quantity=2)
        Need.objects.filter(pk=need.pk).update(status=from_status)
        need.refresh_from_db()
        if to_status == NeedStatus.LINKED:
            # Only making a link moves a need to "linked"; never by hand.
            with pytest.raises(IllegalTransition):
                services.need_transition(actor=world.bob, need=need, to_status=to_status, reason="because")
            need.refresh_from_db()
            assert (need.status, need.first_linked_on) == (from_status, None)
        elif to_status in NEED_TRANSITIONS[from_status]:
            services.need_transition(actor=world.bob, need=need, to_status=to_status, reason="because")
            need.refresh_from_db()
            assert need.status == to_status
            change = StatusChange.objects.filter(need=need).latest("id")
            assert (change.from_status, change.to_status, change.changed_by, change.reason) == (
                from_status, to_status, world.bob, "because")
            assert need.status_changed_on is not None
            assert (need.closed_on is not None) == (to_status in (NeedStatus.MET, NeedStatus.CANCELLED))
        else:
            with pytest.raises(IllegalTransition) as exc:
                services.need_transition(actor=world.bob, need=need, to_status=to_status, reason="because")
            text = " ".join(exc.value.messages)
            assert str(NeedStatus(from_status).label) in text and str(NeedStatus(to_status).label) in text
            assert Need.objects.get(pk=need.pk).status == from_status

    @pytest.mark.parametrize(("from_status", "to_status"), LINK_PAIRS)
    def test_it_follows_the_link_table(self, world, from_status, to_status):
        need = make_need(world.household, world.cat["food"], quantity=2)
        link = services.link_create(actor=world.bob, need=need, resource=world.hall, quantity=1)
        Link.objects.filter(pk=link.pk).update(status=from_status)
        link.refresh_from_db()
        if to_status in LINK_TRANSITIONS[from_status]:
            services.link_transition(actor=world.bob, link=link, to_status=to_status, reason="why not")
            link.refresh_from_db()
            assert link.status == to_status
            change = StatusChange.objects.filter(link=link, from_status=from_status).get()
            assert (change.to_status, change.changed_by, change.reason) == (to_status, world.bob, "why not")
            assert (link.delivered_on is not None) == (to_status == LinkStatus.DELIVERED)
        else:
            with pytest.raises(IllegalTransition):
                services.link_transition(actor=world.bob, link=link, to_status=to_status, reason="why not")


class NeedTransitionRuleTests(NeedsTestCase):
    def test_it_needs_a_reason_to_cancel_or_give_up(self):
        need = make_need(self.household, self.cat["food"])
        for status in (NeedStatus.CANCELLED, NeedStatus.UNMET):
            with self.assertRaises(ValidationError) as ctx:
                services.need_transition(actor=self.bob, need=need, to_status=status, reason="  ")
            self.assertIn("reason", ctx.exception.message_dict)

    def test_it_refuses_viewers(self):
        need = make_need(self.household, self.cat["food"])
        with self.assertRaises(PermissionDenied):
            services.need_transition(actor=self.victor, need=need, to_status=NeedStatus.UNMET, reason="x")

    def test_it_records_the_creation(self):
        need = make_need(self.household, self.cat["food"], actor=self.bob)
        change = StatusChange.objects.get(need=need)
        self.assertEqual((change.from_status, change.to_status, change.changed_by), ("", "open", self.bob))


class NeedCreateTests(NeedsTestCase):
    def test_it_copies_the_area_from_the_household(self):
        need = services.need_create(actor=self.bob, household=self.household2, category=self.cat["food"])
        self.assertEqual((need.community, need.grid), (self.community2, self.grid2))

    def test_it_refuses_another_stations_category(self):
        with self.assertRaises(ValidationError) as ctx:
            services.need_create(actor=self.bob, household=self.household, category=self.other_cat["food"])
        self.assertIn("category", ctx.exception.message_dict)

    def test_it_refuses_a_resident_of_another_household(self):
        with self.assertRaises(ValidationError) as ctx:
            services.need_create(actor=self.bob, household=self.household, category=self.cat["food"],
                                 resident=self.li)
        self.assertIn("resident", ctx.exception.message_dict)

    def test_it_refuses_a_retired_category(self):
        from django.utils import timezone

        from resourcelink.taxonomy.models import Category

        Category.objects.filter(pk=self.cat["medical"].pk).update(retired_on=timezone.now())
        self.cat["medical"].refresh_from_db()
        with self.assertRaises(ValidationError) as ctx:
            services.need_create(actor=self.bob, household=self.household, category=self.cat["medical"])
        self.assertIn("category", ctx.exception.message_dict)

    def test_it_refuses_an_outsider_and_a_viewer(self):
        from django.http import Http404

        with self.assertRaises(Http404):
            services.need_create(actor=self.oscar, household=self.household, category=self.cat["food"])
        with self.assertRaises(PermissionDenied):
            services.need_create(actor=self.victor, household=self.household, category=self.cat["food"])

    def test_it_keeps_history_with_the_reason(self):
        need = services.need_create(actor=self.bob, household=self.household, category=self.cat["food"])
        services.need_update(actor=self.bob, need=need, quantity=3, reason="Two more children")
        latest = need.history.first()
        self.assertEqual((latest.quantity, latest.history_user, latest.history_change_reason),
                         (3, self.bob, "Two more children"))
