import unittest

from django.db import connection

from resourcelink.core.db import database_statistics_refresh
from resourcelink.core.testing import StationTestCase


@unittest.skipUnless(connection.vendor == "sqlite", "SQLite keeps statistics only when asked")
class StatisticsTests(StationTestCase):
    def stats_for(self, index: str) -> list:
        with connection.cursor() as cursor:
            cursor.execute("SELECT stat FROM sqlite_stat1 WHERE idx = %s", [index])
            return cursor.fetchall()

    def test_it_analyses_an_index_that_has_no_statistics(self):
        database_statistics_refresh()  # the first time: a full ANALYZE
        self.assertNotEqual(self.stats_for("category_station_path"), [])
        # As after a migration that remade an index: its statistics are gone.
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM sqlite_stat1 WHERE idx = 'category_station_path'")
        self.assertEqual(self.stats_for("category_station_path"), [])

        database_statistics_refresh()

        self.assertNotEqual(self.stats_for("category_station_path"), [])
