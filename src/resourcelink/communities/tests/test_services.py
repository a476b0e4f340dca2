import datetime

from django.core.exceptions import PermissionDenied, ValidationError

from resourcelink.communities import services
from resourcelink.communities.models import LocationSource
from resourcelink.directory.models import ResourceSource, ResourceStatus

from .base import CommunityTestCase


class ObservationPromoteTests(CommunityTestCase):
    def test_it_creates_a_resource_from_a_walk(self):
        walk = services.walk_create(actor=self.bob, station=self.station, community=self.community,
                                    walked_on=datetime.date(2025, 3, 1))
        obs = services.observation_create(
            actor=self.bob, walk=walk, title="Free haircuts", kind="person", category=self.category, grid=self.grid,
            latitude=30.251, longitude=120.151, location_source=LocationSource.GPS, notes="Tuesdays",
        )
        resource = services.observation_promote(actor=self.bob, observation=obs)
        obs.refresh_from_db()
        self.assertEqual(obs.resource, resource)
        self.assertEqual(resource.source, ResourceSource.WALK)
        self.assertEqual(resource.source_date, datetime.date(2025, 3, 1))
        self.assertEqual(resource.last_verified_on, obs.observed_at.date())
        self.assertEqual(resource.status, ResourceStatus.ACTIVE)
        self.assertEqual((resource.name, resource.kind, resource.description), ("Free haircuts", "person", "Tuesdays"))
        self.assertEqual((resource.community, resource.grid), (self.community, self.grid))
        self.assertEqual((resource.latitude, resource.longitude), (30.251, 120.151))
        self.assertEqual(list(resource.categories.all()), [self.category])
        self.assertEqual(resource.observation, obs)

    def test_it_refuses_to_promote_twice(self):
        services.observation_promote(actor=self.bob, observation=self.observation)
        with self.assertRaises(ValidationError):
            services.observation_promote(actor=self.bob, observation=self.observation)

    def test_it_refuses_a_viewer(self):
        with self.assertRaises(PermissionDenied):
            services.observation_promote(actor=self.victor, observation=self.observation)


class ObservationValidationTests(CommunityTestCase):
    def test_it_needs_a_place(self):
        with self.assertRaises(ValidationError) as ctx:
            services.observation_create(actor=self.bob, walk=self.walk, title="Nowhere")
        self.assertIn("address", ctx.exception.error_dict)

    def test_it_accepts_coordinates_without_an_address(self):
        obs = services.observation_create(actor=self.bob, walk=self.walk, title="Bench", latitude=30.2,
                                          longitude=120.1, location_source=LocationSource.MAP)
        self.assertEqual(obs.location_source, LocationSource.MAP)

    def test_it_refuses_a_grid_of_another_community(self):
        with self.assertRaises(ValidationError) as ctx:
            services.observation_create(actor=self.bob, walk=self.walk, title="Shop", address="x",
                                        grid=self.foreign_grid)
        self.assertIn("grid", ctx.exception.error_dict)

    def test_it_refuses_a_category_of_another_station(self):
        with self.assertRaises(ValidationError) as ctx:
            services.observation_create(actor=self.bob, walk=self.walk, title="Shop", address="x",
                                        category=self.foreign_category)
        self.assertIn("category", ctx.exception.error_dict)

    def test_it_refuses_a_viewer(self):
        with self.assertRaises(PermissionDenied):
            services.observation_create(actor=self.victor, walk=self.walk, title="Shop", address="x")
