from resourcelink.communities.services import grid_create
from resourcelink.core.testing import StationTestCase
from resourcelink.needs.models import Need
from resourcelink.needs.testing import make_need
from resourcelink.people.services import household_update
from resourcelink.people.testing import make_community, make_household
from resourcelink.taxonomy.models import Category


class HouseholdMoveTests(StationTestCase):
    def test_it_takes_the_needs_along_when_a_household_moves(self):
        old = make_community(self.station)
        new = make_community(self.station, name="新社区")
        grid = grid_create(actor=None, community=new, name="第一网格", code="g1", check=False)
        household = make_household(self.station, community=old)
        need = make_need(household, Category.objects.get(station=self.station, code="food.parcel"))

        household_update(actor=self.bob, household=household, community=new, grid=grid, reason="搬家")

        need = Need.objects.get(pk=need.pk)
        self.assertEqual((need.community_id, need.grid_id), (new.pk, grid.pk))

    def test_it_leaves_the_needs_alone_when_only_the_notes_change(self):
        household = make_household(self.station)
        need = make_need(household, Category.objects.get(station=self.station, code="food.parcel"))
        before = Need.objects.get(pk=need.pk).updated_on

        household_update(actor=self.bob, household=household, notes="门铃坏了")

        self.assertEqual(Need.objects.get(pk=need.pk).updated_on, before)
