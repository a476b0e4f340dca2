"""Two social workers link the last units of a resource at the same moment:
one gets them, the other a clear refusal. Real concurrent transactions, so
PostgreSQL only (SQLite serialises writers before they start)."""

import unittest

from django.db import connection
from django.test import TransactionTestCase

from resourcelink.accounts.models import Role
from resourcelink.core.testing import make_station, make_user, race
from resourcelink.directory.services import resource_create
from resourcelink.needs.models import Link
from resourcelink.needs.services import InsufficientCapacity, link_create
from resourcelink.needs.testing import make_need
from resourcelink.people.testing import make_household
from resourcelink.taxonomy.models import Category


@unittest.skipUnless(connection.vendor == "postgresql", "needs concurrent transactions (PostgreSQL)")
class ConcurrentLinkTests(TransactionTestCase):
    def test_it_gives_the_last_units_to_one_of_two_concurrent_links(self):
        station = make_station("湖滨街道社工站", "hubin")
        workers = [make_user("bob", station, Role.SOCIAL_WORKER), make_user("bea", station, Role.SOCIAL_WORKER)]
        masks = Category.objects.get(station=station, code="protection.masks")
        resource = resource_create(actor=workers[0], station=station, name="口罩", kind="material",
                                   categories=[masks], quantity=5)
        needs = [make_need(make_household(station), masks, quantity=5) for _ in range(2)]
        # The first links the last units and holds its transaction open while
        # the second tries: without a lock she would see them free.
        results = race(
            lambda: link_create(actor=workers[0], need=needs[0], resource=resource, quantity=5) and "linked",
            lambda: link_create(actor=workers[1], need=needs[1], resource=resource, quantity=5),
        )

        self.assertEqual(results[0], "linked")
        self.assertIsInstance(results[1], InsufficientCapacity)
        refusal = results[1]
        self.assertIn("口罩", " ".join(refusal.messages))
        self.assertEqual(Link.objects.filter(resource=resource).count(), 1)
