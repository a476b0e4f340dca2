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
