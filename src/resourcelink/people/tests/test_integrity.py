"""Rules the database keeps even when two people save at the same moment,
and merges that keep a resident's facts consistent."""

import datetime
from unittest import mock

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from resourcelink.people import crypto, services
from resourcelink.people.models import Resident
from resourcelink.people.testing import make_household

from .base import ZHANG_ID, PeopleTestCase


def check_passes_once():
    """``_same_id_number`` that misses the first time, as when another
    registration commits between the check and the save."""
    real = services._same_id_number
    calls = {"n": 0}

    def fake(resident):
        calls["n"] += 1
        return None if calls["n"] == 1 else real(resident)

    return mock.patch.object(services, "_same_id_number", side_effect=fake)


class IdNumberUniqueTests(PeopleTestCase):
    def setUp(self):
        self.home = make_household(self.station, self.community, name="赵家", address="湖滨路30号")

    def test_it_refuses_the_same_id_number_registered_in_a_race(self):
        before = Resident.objects.count()
        with check_passes_once(), self.assertRaises(services.DuplicateIdNumber) as ctx:
            services.resident_create(actor=self.bob, household=self.home, name="赵六", id_number=ZHANG_ID)
        self.assertEqual(ctx.exception.existing_pk, self.zhang.pk)
        self.assertIn("id_number", ctx.exception.message_dict)
        self.assertEqual(Resident.objects.count(), before)  # and the transaction is still usable

    def test_it_refuses_the_same_id_number_given_in_an_update_in_a_race(self):
        other = services.resident_create(actor=self.bob, household=self.home, name="赵六")
        with check_passes_once(), self.assertRaises(services.DuplicateIdNumber) as ctx:
            services.resident_update(actor=self.bob, resident=other, id_number=ZHANG_ID)
        self.assertEqual(ctx.exception.existing_pk, self.zhang.pk)
        other.refresh_from_db()
        self.assertEqual(other.id_number_digest, "")

    def test_archived_residents_still_hold_their_number(self):
        services.resident_archive(actor=self.bob, resident=self.zhang, reason="moved away")
        with self.assertRaises(services.DuplicateIdNumber):
            services.resident_create(actor=self.bob, household=self.home, name="赵六", id_number=ZHANG_ID)
        with check_passes_once(), self.assertRaises(services.DuplicateIdNumber):
            services.resident_create(actor=self.bob, household=self.home, name="赵六", id_number=ZHANG_ID)

    def test_the_database_refuses_a_second_live_row_but_not_a_merged_one(self):
        digest = self.zhang.id_number_digest
        with transaction.atomic(), self.assertRaises(IntegrityError):
            Resident.objects.create(station=self.station, household=self.home, name="x", id_number_digest=digest)
        Resident.objects.create(station=self.station, household=self.home, name="x", id_number_digest=digest,
                                merged_into=self.zhang)
        # Residents without an ID number are many.
        Resident.objects.create(station=self.station, household=self.home, name="y")
        Resident.objects.create(station=self.station, household=self.home, name="z")

    def test_a_merge_keeps_one_live_row_per_number(self):
        empty = services.resident_create(actor=self.bob, household=self.household, name="张建图",
                                         confirm_duplicate=True)
        services.resident_merge(actor=self.bob, keep=empty, other=self.zhang, reason="same person")
        empty.refresh_from_db()
        self.zhang.refresh_from_db()
        self.assertEqual(crypto.decrypt(empty.id_number_encrypted), ZHANG_ID)
        self.assertEqual(self.zhang.id_number_digest, "")
        with self.assertRaises(services.DuplicateIdNumber) as ctx:
            services.resident_create(actor=self.bob, household=self.home, name="赵六", id_number=ZHANG_ID)
        self.assertEqual(ctx.exception.existing_pk, empty.pk)


class MergeBirthTests(PeopleTestCase):
    def merge(self, keep_fields, other_fields):
        keep = services.resident_create(actor=self.bob, household=self.household, name="王甲",
                                        confirm_duplicate=True, **keep_fields)
        other = services.resident_create(actor=self.bob, household=self.household, name="王乙",
                                         confirm_duplicate=True, **other_fields)
        services.resident_merge(actor=self.bob, keep=keep, other=other, reason="same person")
        keep.refresh_from_db()
        return keep

    def assert_consistent(self, resident):
        if resident.birth_date is not None:
            self.assertEqual(resident.birth_year, resident.birth_date.year)

    def test_it_does_not_take_a_birth_date_that_contradicts_the_year_kept(self):
        keep = self.merge({"birth_year": 1950}, {"birth_date": datetime.date(1951, 2, 3)})
        self.assert_consistent(keep)
        self.assertEqual((keep.birth_date, keep.birth_year), (None, 1950))

    def test_it_takes_a_birth_date_that_agrees_with_the_year_kept(self):
        keep = self.merge({"birth_year": 1951}, {"birth_date": datetime.date(1951, 2, 3)})
        self.assertEqual((keep.birth_date, keep.birth_year), (datetime.date(1951, 2, 3), 1951))

    def test_it_takes_date_and_year_together(self):
        keep = self.merge({}, {"birth_date": datetime.date(1951, 2, 3)})
        self.assertEqual((keep.birth_date, keep.birth_year), (datetime.date(1951, 2, 3), 1951))
        keep = self.merge({}, {"birth_year": 1960})
        self.assertEqual((keep.birth_date, keep.birth_year), (None, 1960))

    def test_a_moving_id_number_brings_its_birth_date(self):
        keep = services.resident_create(actor=self.bob, household=self.household, name="张建图", birth_year=1948,
                                        confirm_duplicate=True)
        services.resident_merge(actor=self.bob, keep=keep, other=self.zhang, reason="same person")
        keep.refresh_from_db()
        self.assertEqual((keep.birth_date, keep.birth_year), (datetime.date(1948, 3, 12), 1948))

    def test_it_refuses_a_moving_id_number_that_contradicts_the_birth_kept(self):
        keep = services.resident_create(actor=self.bob, household=self.household, name="张建图", birth_year=1950,
                                        confirm_duplicate=True)
        with self.assertRaises(ValidationError) as ctx:
            services.resident_merge(actor=self.bob, keep=keep, other=self.zhang, reason="same person")
        self.assertIn("birth_date", ctx.exception.message_dict)
        self.zhang.refresh_from_db()
        self.assertIsNone(self.zhang.merged_into_id)
