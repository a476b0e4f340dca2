"""Two donations received at the same moment get consecutive running numbers
(the station row is locked while the next number is read): neither fails on
the unique constraint. Real concurrent transactions, so PostgreSQL only."""

import threading
import time
import unittest

from django.db import connection, transaction
from django.test import TransactionTestCase

from resourcelink.accounts.models import Role
from resourcelink.core.testing import make_station, make_user
from resourcelink.donations.models import Donation
from resourcelink.donations.testing import make_cash, make_donor


@unittest.skipUnless(connection.vendor == "postgresql", "needs concurrent transactions (PostgreSQL)")
class ConcurrentNumberTests(TransactionTestCase):
    def test_it_numbers_two_concurrent_donations_one_and_two(self):
        station = make_station("湖滨街道社工站", "hubin")
        workers = [make_user("bob", station, Role.SOCIAL_WORKER), make_user("bea", station, Role.SOCIAL_WORKER)]
        donor = make_donor(station)
        first_done, second_started = threading.Event(), threading.Event()
        results: list = [None, None]

        def first() -> None:
            try:
                with transaction.atomic():
                    results[0] = make_cash(station, workers[0], "10", donor=donor).number
                    first_done.set()
                    second_started.wait(timeout=10)
                    time.sleep(0.5)
            except Exception as exc:  # noqa: BLE001 - reported by the assertion
                results[0] = exc
            finally:
                first_done.set()
                connection.close()

        def second() -> None:
            try:
                first_done.wait(timeout=10)
                second_started.set()
                results[1] = make_cash(station, workers[1], "20", donor=donor).number
            except Exception as exc:  # noqa: BLE001
                results[1] = exc
            finally:
                connection.close()

        threads = [threading.Thread(target=first), threading.Thread(target=second)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)

        self.assertEqual(results, [1, 2])
        self.assertEqual(sorted(Donation.objects.filter(station=station).values_list("number", flat=True)), [1, 2])
