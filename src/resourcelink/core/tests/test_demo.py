import re
from io import StringIO

from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse

from resourcelink.accounts.models import Membership, Role, Station
from resourcelink.communities.models import Community, Grid, Observation, Walk
from resourcelink.core.demo import (
    COMMUNITIES,
    DEMO_PASSWORD,
    DEMO_STATION_SLUG,
    demo_station_create,
    district_generate,
)
from resourcelink.directory.models import (
    Contact,
    Location,
    Organization,
    Resource,
    ResourceKind,
    Service,
)
from resourcelink.directory.selectors import ResourceFilter, resources_search

PHONE = re.compile(r"^1[3-9]\d{9}$")


def counts(station):
    return {
        model.__name__: model.objects.filter(station=station).count()
        for model in (Community, Grid, Walk, Observation, Organization, Service, Location, Contact, Resource)
    } | {"members": Membership.objects.filter(station=station).count()}


class DemoStationTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.station = demo_station_create(resources=120, seed=42)

    def search(self, **filters):
        return resources_search(station=self.station, filters=ResourceFilter(**filters))

    def test_it_builds_the_pedestrian_street_case(self):
        self.assertEqual(self.station.name, "步行街社工站")
        names = set(Community.objects.filter(station=self.station).values_list("name", flat=True))
        self.assertIn("步行街社区", names)
        self.assertGreaterEqual(len(names), 3)
        for community in Community.objects.filter(station=self.station):
            self.assertTrue(3 <= community.grids.count() <= 5, community)
        orgs = set(Organization.objects.filter(station=self.station).values_list("name", flat=True))
        self.assertTrue({"步行街管理中心", "广场管委会", "珠宝协会"} <= orgs)
        for name in ("步行街管理中心", "广场管委会", "珠宝协会"):
            org = Organization.objects.get(station=self.station, name=name)
            kinds = set(org.resources.values_list("kind", flat=True))
            self.assertTrue({"person", "material", "money"} <= kinds, name)
            self.assertTrue(org.services.exists() and org.locations.exists() and org.contacts.exists())
        self.assertTrue(self.search(q="爱心商家", kind=ResourceKind.BUSINESS).exists())
        self.assertTrue(Resource.objects.filter(station=self.station, name="困难家庭慰问金", quantity=2000).exists())

    def test_it_promotes_the_epidemic_points_from_a_walk(self):
        for name in ("核酸检测点", "疫苗接种点"):
            resource = Resource.objects.get(station=self.station, name=name)
            self.assertEqual(resource.kind, ResourceKind.VENUE)
            self.assertEqual(resource.observation.walk.community.name, "步行街社区")
        observations = Observation.objects.filter(station=self.station)
        self.assertTrue(observations.filter(resource__isnull=True).exists())

    def test_it_finds_the_jewellery_association_by_searching(self):
        found = self.search(q="珠宝")
        self.assertTrue(found.filter(organization__name="珠宝协会").exists())

    def test_it_spreads_resources_over_grids_kinds_and_verification_dates(self):
        for grid in Grid.objects.filter(station=self.station):
            self.assertTrue(grid.resources.exists(), grid)
        kinds = set(Resource.objects.filter(station=self.station).values_list("kind", flat=True))
        self.assertEqual(kinds, set(ResourceKind.values))
        self.assertTrue(self.search(stale=True).exists())
        self.assertTrue(self.search(verified_within_days=30).exists())
        flags = set(Resource.objects.filter(station=self.station).values_list("is_formal", "is_internal"))
        self.assertEqual(len(flags), 4)

    def test_it_places_resources_inside_their_community(self):
        boxes = {code: (s, w, n, e) for code, _name, s, w, n, e, _grids in COMMUNITIES}
        for r in Resource.objects.filter(station=self.station).select_related("community"):
            s, w, n, e = boxes[r.community.code]
            self.assertTrue(s <= r.latitude <= n and w <= r.longitude <= e, r)

    def test_it_gives_valid_looking_phone_numbers(self):
        phones = [p for p in Resource.objects.filter(station=self.station).values_list("contact_phone", flat=True) if p]
        self.assertGreater(len(phones), 100)
        self.assertTrue(all(PHONE.match(p) for p in phones))
        self.assertTrue(all(PHONE.match(c.phone) for c in Contact.objects.filter(station=self.station)))

    def test_it_writes_history_through_the_services(self):
        resource = Resource.objects.get(station=self.station, name="珠宝协会爱心捐款")
        self.assertTrue(resource.history.exists())
        self.assertEqual({h.history_user.username for h in resource.history.all()}, {"demo"})

    def test_it_is_idempotent(self):
        before = counts(self.station)
        again = demo_station_create(resources=120, seed=42)
        self.assertEqual(again, self.station)
        self.assertEqual(counts(self.station), before)
        self.assertEqual(Station.objects.filter(slug=DEMO_STATION_SLUG).count(), 1)

    def test_it_lets_every_demo_user_log_in_with_their_role(self):
        roles = dict(
            Membership.objects.filter(station=self.station).values_list("user__username", "role")
        )
        self.assertEqual(roles, {"demo": Role.ADMIN, "demo-worker": Role.SOCIAL_WORKER,
                                 "demo-coordinator": Role.COORDINATOR, "demo-viewer": Role.VIEWER})
        r = self.client.post(reverse("accounts:login"), {"username": "demo", "password": DEMO_PASSWORD})
        self.assertEqual(r.status_code, 302)
        self.assertEqual(self.client.get(reverse("core:home")).status_code, 200)

    def test_it_fills_the_store_room_and_hands_out_two_plans(self):
        from resourcelink.distribution.models import LineStatus, Plan, PlanStatus, SurplusDecision
        from resourcelink.distribution.testing import ledger_problems
        from resourcelink.donations.models import Donation
        from resourcelink.fund.models import FundAccount

        self.assertEqual(Donation.objects.filter(station=self.station).count(), 5)
        self.assertEqual(Donation.objects.filter(station=self.station, feedback_sent_on__isnull=False).count(), 1)
        plans = {p.status: p for p in Plan.objects.filter(station=self.station)}
        self.assertEqual(set(plans), {PlanStatus.CLOSED, PlanStatus.IN_PROGRESS})
        closed = plans[PlanStatus.CLOSED]
        self.assertTrue(closed.lines.filter(status=LineStatus.HANDED_OVER).exists())
        self.assertTrue(closed.lines.filter(status=LineStatus.NOT_COLLECTED).exists())
        self.assertTrue(SurplusDecision.objects.filter(plan=closed, kind="commend", awards__isnull=False).exists())
        for plan in plans.values():
            self.assertEqual(ledger_problems(plan), [])
        solatium = FundAccount.objects.get(station=self.station, donation__isnull=False)
        self.assertLess(solatium.balance, 20000)
        self.assertEqual(solatium.balance % 2000, 0)


class DemoCommandTests(TestCase):
    def test_it_creates_once_and_resets_passwords(self):
        out = StringIO()
        call_command("demo", resources=5, stdout=out)
        self.assertIn("Created the demo station", out.getvalue())
        self.assertIn(DEMO_PASSWORD, out.getvalue())
        station = Station.objects.get(slug=DEMO_STATION_SLUG)
        before = counts(station)

        from django.contrib.auth import get_user_model

        user = get_user_model().objects.get(username="demo")
        user.set_password("something else entirely")
        user.save()
        out = StringIO()
        call_command("demo", "--reset-password", resources=5, stdout=out)
        self.assertIn("exists already", out.getvalue())
        self.assertEqual(counts(station), before)
        user.refresh_from_db()
        self.assertTrue(user.check_password(DEMO_PASSWORD))


class DistrictGenerateTests(TestCase):
    def test_it_bulk_creates_a_searchable_district(self):
        station = district_generate(communities=4, resources=700, seed=7, batch_size=300)
        self.assertEqual(Community.objects.filter(station=station).count(), 4)
        self.assertEqual(Grid.objects.filter(station=station).count(), 20)
        resources = Resource.objects.filter(station=station)
        self.assertEqual(resources.count(), 700)
        self.assertFalse(resources.filter(search_text="").exists())
        self.assertFalse(resources.filter(import_key="").exists())
        self.assertFalse(resources.filter(categories__isnull=True).exists())
        for r in resources.select_related("grid")[:50]:
            self.assertEqual(r.grid.community_id, r.community_id)
            self.assertTrue(PHONE.match(r.contact_phone))
        # The category names are searchable, as the services would make them.
        category = resources.first().categories.first()
        found = resources_search(station=station, filters=ResourceFilter(q=category.name_zh_hans))
        self.assertTrue(found.exists())

    def test_it_is_deterministic_from_the_seed(self):
        def names(station):
            return list(Resource.objects.filter(station=station).order_by("id").values_list(
                "name", "latitude", "contact_phone"))

        a = district_generate(communities=2, resources=50, seed=3)
        b = district_generate(communities=2, resources=50, seed=3)
        self.assertNotEqual(a, b)
        self.assertEqual(names(a), names(b))

