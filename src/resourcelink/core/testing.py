"""Test fixtures: a station with one persona per role, and an outsider.

alice  — station admin        bob    — social worker
carol  — volunteer coordinator victor — viewer
oscar  — admin of another station (the outsider)
"""

from django.test import TestCase

from resourcelink.accounts.models import Role, Station
from resourcelink.accounts.services import membership_add, station_create, user_create

PASSWORD = "correct horse battery staple"


def make_station(name: str, slug: str) -> Station:
    return station_create(name=name, slug=slug, latitude=30.2741, longitude=120.1551)


def make_user(username: str, station: Station | None = None, role: str | None = None):
    user = user_create(username=username, password=PASSWORD, full_name=username.title(), validate=False)
    if station is not None:
        membership_add(actor=None, station=station, user=user, role=role, check=False)
    return user


class StationTestCase(TestCase):
    """Personas are made once per class (setUpTestData), so tests stay fast."""

    @classmethod
    def setUpTestData(cls):
        cls.station = make_station("湖滨街道社工站", "hubin")
        cls.other_station = make_station("北山街道社工站", "beishan")
        cls.alice = make_user("alice", cls.station, Role.ADMIN)
        cls.bob = make_user("bob", cls.station, Role.SOCIAL_WORKER)
        cls.carol = make_user("carol", cls.station, Role.COORDINATOR)
        cls.victor = make_user("victor", cls.station, Role.VIEWER)
        cls.oscar = make_user("oscar", cls.other_station, Role.ADMIN)

    def login(self, user):
        self.client.force_login(user)
        return user


def race(first, second, *, hold: float = 0.5):
    """Run ``first`` in a transaction that stays open while ``second`` runs
    in another thread and connection, as when two people act at the same
    moment. Returns (result or exception of first, of second).

    ``second`` starts only after ``first`` has done its work (and taken its
    locks) but before it commits: without a lock, ``second`` would read the
    old state and succeed too. For PostgreSQL (SQLite serialises writers
    before they start) in a TransactionTestCase.
    """
    import threading
    import time

    from django.db import connection, transaction

    first_done, second_started = threading.Event(), threading.Event()
    results: list = [None, None]

    def run_first() -> None:
        try:
            with transaction.atomic():
                results[0] = first()
                first_done.set()
                second_started.wait(timeout=10)
                time.sleep(hold)
        except Exception as exc:  # noqa: BLE001 — handed to the test to assert on
            results[0] = exc
        finally:
            first_done.set()
            connection.close()

    def run_second() -> None:
        try:
            first_done.wait(timeout=10)
            second_started.set()
            results[1] = second()
        except Exception as exc:  # noqa: BLE001 — handed to the test to assert on
            results[1] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run_first), threading.Thread(target=run_second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results[0], results[1]
