"""Two donations received at the same moment get consecutive running numbers
(the station row is locked while the next number is read): neither fails on
the unique constraint. Real concurrent transactions, so PostgreSQL only."""

import unittest

from django.db import connection
from django.test import TransactionTestCase

from resourcelink.accounts.models import Role
from resourcelink.core.testing import make_station, make_user, race
from resourcelink.donations.models import Donation
from resourcelink.donations.testing import make_cash, make_donor


@unittest.skipUnless(connection.vendor == "postgresql", "needs concurrent transactions (PostgreSQL)")
class ConcurrentNumberTests(TransactionTestCase):
    def test_it_numbers_two_concurrent_donations_one_and_two(self):
        station = make_station("湖滨街道社工站", "hubin")
        workers = [make_user("bob", station, Role.SOCIAL_WORKER), make_user("bea", station, Role.SOCIAL_WORKER)]
        donor = make_donor(station)
        results = list(race(lambda: make_cash(station, workers[0], "10", donor=donor).number,
                            lambda: make_cash(station, workers[1], "20", donor=donor).number))
        self.assertEqual(results, [1, 2])
        self.assertEqual(sorted(Donation.objects.filter(station=station).values_list("number", flat=True)), [1, 2])
