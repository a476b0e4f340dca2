"""The service rules of the register, called directly."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404

from resourcelink.core.models import Reveal
from resourcelink.people import crypto, selectors, services
from resourcelink.people.models import DuplicateCandidate, Household, Resident, VulnerabilityTag
from resourcelink.people.testing import make_household

from .base import LI_ID, ZHANG_ID, PeopleTestCase, id_number


class TagTests(PeopleTestCase):
    def test_it_installs_the_ten_default_tags_once(self):
        self.assertEqual(VulnerabilityTag.objects.filter(station=self.station).count(), 10)
        self.assertEqual(services.vulnerability_tags_install(station=self.station), 0)

    def test_it_lets_only_admins_manage_tags(self):
        tag = services.vulnerability_tag_create(actor=self.alice, station=self.station, code="veteran",
                                                name_zh_hans="退役军人", name_en="Veteran", weight=4)
        with self.assertRaises(PermissionDenied):
            services.vulnerability_tag_update(actor=self.bob, tag=tag, weight=5)
        with self.assertRaises(ValidationError):
            services.vulnerability_tag_update(actor=self.alice, tag=tag, weight=11)
        with self.assertRaises(ValidationError):
            services.vulnerability_tag_create(actor=self.alice, station=self.station, code="veteran",
                                              name_zh_hans="x", name_en="x")
        services.vulnerability_tag_archive(actor=self.alice, tag=tag, reason="merged")
        self.assertNotIn(tag, selectors.tags_for_station(self.station))


class HouseholdTests(PeopleTestCase):
    def test_it_creates_a_household_with_its_address_key(self):
        household = services.household_create(actor=self.bob, station=self.station, name="陈家",
                                              address=" 湖滨路 14号 ", community=self.community, grid=self.grid)
        self.assertEqual(household.address, "湖滨路 14号")
        self.assertEqual(household.address_key, "湖滨路14号")
        self.assertEqual(household.history.count(), 1)

    def test_it_refuses_a_grid_of_another_community(self):
        with self.assertRaises(ValidationError) as ctx:
            services.household_create(actor=self.bob, station=self.station, name="陈家", address="x路1号",
                                      community=self.other_community, grid=self.grid)
        self.assertIn("grid", ctx.exception.message_dict)

    def test_it_refuses_a_community_of_another_station(self):
        with self.assertRaises(ValidationError) as ctx:
            services.household_create(actor=self.bob, station=self.station, name="陈家", address="x路1号",
                                      community=self.other_community_far)
        self.assertIn("community", ctx.exception.message_dict)

    def test_it_lets_only_staff_write(self):
        for user in (self.carol, self.victor):
            with self.subTest(user=user.username), self.assertRaises(PermissionDenied):
                services.household_create(actor=user, station=self.station, name="陈家", address="x路1号",
                                          community=self.community)
        with self.assertRaises(Http404):
            services.household_update(actor=self.oscar, household=self.household, notes="x")

    def test_it_archives_with_a_reason_and_its_residents_too(self):
        with self.assertRaises(ValidationError):
            services.household_archive(actor=self.bob, household=self.household, reason="")
        services.household_archive(actor=self.bob, household=self.household, reason="moved away")
        self.assertIsNotNone(Household.objects.get(pk=self.household.pk).archived_on)
        self.assertFalse(Resident.objects.filter(household=self.household, archived_on__isnull=True).exists())

    def test_it_updates_with_history(self):
        services.household_update(actor=self.bob, household=self.household, address="湖滨路12号3单元503",
                                  reason="typo")
        self.household.refresh_from_db()
        self.assertEqual(self.household.address_key, "湖滨路12号3单元503")
        self.assertEqual(self.household.history.first().history_change_reason, "typo")


class ResidentTests(PeopleTestCase):
    def test_it_takes_birth_date_and_gender_from_the_id_number(self):
        self.assertEqual(self.zhang.birth_date, datetime.date(1948, 3, 12))
        self.assertEqual(self.zhang.birth_year, 1948)
        self.assertEqual(self.zhang.gender, "male")
        self.assertEqual(self.li.gender, "female")
        self.assertEqual(self.zhang.id_number_masked, ZHANG_ID[:3] + "*" * 13 + ZHANG_ID[-2:])

    def test_it_refuses_a_contradicting_birth_date_or_gender(self):
        number = id_number("330106", "19900101", "123")
        with self.assertRaises(ValidationError) as ctx:
            services.resident_create(actor=self.bob, household=self.household, name="赵六", id_number=number,
                                     birth_date=datetime.date(1990, 1, 2), gender="female")
        self.assertIn("birth_date", ctx.exception.message_dict)
        self.assertIn("gender", ctx.exception.message_dict)

    def test_it_refuses_an_invalid_id_number_with_a_clear_message(self):
        with self.assertRaises(ValidationError) as ctx:
            services.resident_create(actor=self.bob, household=self.household, name="赵六",
                                     id_number="110105194912310021")
        self.assertIn("does not match", ctx.exception.message_dict["id_number"][0])

    def test_it_refuses_an_invalid_phone(self):
        with self.assertRaises(ValidationError) as ctx:
            services.resident_create(actor=self.bob, household=self.household, name="赵六", phone="12345")
        self.assertIn("phone", ctx.exception.message_dict)

    def test_it_stores_the_id_number_only_encrypted(self):
        self.assertEqual(crypto.decrypt(self.zhang.id_number_encrypted), ZHANG_ID)
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM people_resident")
            rows = cursor.fetchall()
            cursor.execute("SELECT * FROM people_historicalresident")
            rows += cursor.fetchall()
        flat = " ".join(str(v) for row in rows for v in row)
        self.assertNotIn(ZHANG_ID, flat)
        self.assertNotIn(LI_ID, flat)
        self.assertNotIn(LI_ID.lower(), flat)
        self.assertIn(self.zhang.id_number_masked, flat)

    def test_it_refuses_coordinators_and_viewers(self):
        for user in (self.carol, self.victor):
            with self.subTest(user=user.username), self.assertRaises(PermissionDenied):
                services.resident_create(actor=user, household=self.household, name="赵六")

    def test_it_refuses_an_archived_tag_and_another_stations_tag(self):
        services.vulnerability_tag_archive(actor=self.alice, tag=self.elderly, reason="x")
        self.elderly.refresh_from_db()
        far_tag = VulnerabilityTag.objects.get(station=self.other_station, code="pregnant")
        with self.assertRaises(ValidationError) as ctx:
            services.resident_create(actor=self.bob, household=self.household, name="赵六",
                                     tags=[self.elderly, far_tag])
        self.assertEqual(len(ctx.exception.message_dict["tags"]), 2)
        # A resident who has it already keeps it.
        services.resident_update(actor=self.bob, resident=self.zhang, tags=[self.elderly, self.disability])
        self.assertEqual(set(self.zhang.tags.all()), {self.elderly, self.disability})

    def test_it_updates_and_removes_the_id_number(self):
        services.resident_update(actor=self.bob, resident=self.li, id_number="", reason="entered wrongly")
        self.li.refresh_from_db()
        self.assertEqual((self.li.id_number_encrypted, self.li.id_number_digest, self.li.id_number_masked),
                         ("", "", ""))
        with self.assertRaises(services.DuplicateIdNumber):
            services.resident_update(actor=self.bob, resident=self.li, id_number=ZHANG_ID)

    def test_it_archives_a_resident_with_a_reason(self):
        with self.assertRaises(ValidationError):
            services.resident_archive(actor=self.bob, resident=self.li, reason=" ")
        services.resident_archive(actor=self.bob, resident=self.li, reason="moved")
        self.assertEqual([r.pk for r in selectors.residents_of(self.household)], [self.zhang.pk])


class DuplicateTests(PeopleTestCase):
    def test_it_refuses_the_same_id_number_pointing_at_the_resident(self):
        other = make_household(self.station, self.community)
        with self.assertRaises(services.DuplicateIdNumber) as ctx:
            services.resident_create(actor=self.bob, household=other, name="张三", id_number=ZHANG_ID.lower(),
                                     confirm_duplicate=True)
        self.assertEqual(ctx.exception.existing_pk, self.zhang.pk)
        self.assertIn("already registered", ctx.exception.message_dict["id_number"][0])

    def test_it_allows_the_same_id_number_in_another_station(self):
        services.resident_create(actor=self.oscar, household=self.far_household, name="张建国", id_number=ZHANG_ID)

    def test_it_flags_same_name_and_phone(self):
        other = make_household(self.station, self.other_community, address="东坡路1号")
        with self.assertRaises(services.LikelyDuplicate) as ctx:
            services.resident_create(actor=self.bob, household=other, name="张 建国", phone="+86 13812345678")
        self.assertEqual(ctx.exception.candidates, [(self.zhang, "name_phone")])
        resident = services.resident_create(actor=self.bob, household=other, name="张建国", phone="13812345678",
                                            confirm_duplicate=True)
        flagged = DuplicateCandidate.objects.get(duplicate=resident)
        self.assertEqual((flagged.resident, flagged.reason, flagged.status), (self.zhang, "name_phone", "open"))

    def test_it_flags_a_similar_name_at_the_same_address(self):
        same_address = make_household(self.station, self.community, address="湖滨路 12号3单元502")
        with self.assertRaises(services.LikelyDuplicate) as ctx:
            services.resident_create(actor=self.bob, household=same_address, name="张建图")
        self.assertEqual(ctx.exception.candidates, [(self.zhang, "name_address")])

    def test_it_does_not_flag_different_names_or_one_character_names(self):
        services.resident_create(actor=self.bob, household=self.household, name="王小红")
        services.resident_create(actor=self.bob, household=self.household, name="张")
        self.assertFalse(DuplicateCandidate.objects.exists())

    def test_it_merges_keeping_history(self):
        from resourcelink.needs.testing import make_need
        from resourcelink.taxonomy.models import Category

        other = services.resident_create(actor=self.bob, household=self.household, name="张建图",
                                         phone="13812345678", confirm_duplicate=True, tags=[self.disability])
        candidate = DuplicateCandidate.objects.get(duplicate=other)
        category = Category.objects.filter(station=self.station).first()
        need = make_need(self.household, category, resident=other)
        consent = services.consent_record(actor=self.bob, resident=other, scope="record", given_by="张建图",
                                          given_on=self.today(), method="signed")
        with self.assertRaises(PermissionDenied):
            services.resident_merge(actor=self.carol, keep=self.zhang, other=other, reason="same")
        kept = services.resident_merge(actor=self.bob, keep=self.zhang, other=other, reason="same person")
        other.refresh_from_db()
        need.refresh_from_db()
        consent.refresh_from_db()
        candidate.refresh_from_db()
        self.assertEqual(other.merged_into, kept)
        self.assertIsNotNone(other.archived_on)
        self.assertEqual(need.resident, kept)
        self.assertEqual(consent.resident, kept)
        self.assertEqual(set(kept.tags.all()), {self.elderly, self.disability})
        self.assertEqual(candidate.status, "merged")
        self.assertEqual(other.history.first().history_change_reason, "same person")
        self.assertEqual(need.history.first().history_change_reason, "same person")
        self.assertEqual(kept.history.first().history_change_reason, "same person")
        self.assertNotIn(candidate, selectors.duplicates_open(self.station))
        with self.assertRaises(ValidationError):
            services.resident_merge(actor=self.bob, keep=self.zhang, other=other, reason="again")

    def test_it_refuses_to_merge_different_id_numbers(self):
        with self.assertRaises(ValidationError):
            services.resident_merge(actor=self.bob, keep=self.zhang, other=self.li, reason="same")

    def test_it_moves_the_id_number_into_an_empty_keep(self):
        other = services.resident_create(actor=self.bob, household=self.household, name="张建图",
                                          confirm_duplicate=True)
        services.resident_merge(actor=self.alice, keep=other, other=self.zhang, reason="same")
        other.refresh_from_db()
        self.assertEqual(crypto.decrypt(other.id_number_encrypted), ZHANG_ID)
        self.assertEqual(other.phone, "13812345678")

    def test_it_dismisses_a_pair(self):
        other = services.resident_create(actor=self.bob, household=self.household, name="张建图",
                                         confirm_duplicate=True)
        candidate = DuplicateCandidate.objects.get(duplicate=other)
        with self.assertRaises(PermissionDenied):
            services.duplicate_dismiss(actor=self.victor, candidate=candidate, reason="no")
        services.duplicate_dismiss(actor=self.bob, candidate=candidate, reason="twins")
        candidate.refresh_from_db()
        self.assertEqual((candidate.status, candidate.resolved_by), ("dismissed", self.bob))
        with self.assertRaises(ValidationError):
            services.duplicate_dismiss(actor=self.bob, candidate=candidate, reason="twins")


class ConsentTests(PeopleTestCase):
    def test_it_records_and_withdraws_consent(self):
        self.assertEqual(selectors.consent_active(resident_ids=[self.zhang.pk, self.li.pk], scope="share",
                                                  organization=self.organization), {self.zhang.pk})
        with self.assertRaises(ValidationError):
            services.consent_withdraw(actor=self.bob, consent=self.consent, reason="")
        services.consent_withdraw(actor=self.bob, consent=self.consent, reason="asked by phone")
        self.consent.refresh_from_db()
        self.assertIsNotNone(self.consent.withdrawn_on)
        self.assertEqual(self.consent.withdrawn_by, self.bob)
        self.assertEqual(selectors.consent_active(resident_ids=[self.zhang.pk], scope="share",
                                                  organization=self.organization), set())
        with self.assertRaises(ValidationError):
            services.consent_withdraw(actor=self.bob, consent=self.consent, reason="again")

    def test_it_needs_an_organisation_to_share(self):
        with self.assertRaises(ValidationError) as ctx:
            services.consent_record(actor=self.bob, resident=self.li, scope="share", given_by="李秀英",
                                    given_on=self.today(), method="signed")
        self.assertIn("organization", ctx.exception.message_dict)

    def test_it_matches_the_named_organisation_only(self):
        from resourcelink.directory.services import organization_create

        other_org = organization_create(actor=self.alice, station=self.station, name="另一个协会")
        self.assertEqual(selectors.consent_active(resident_ids=[self.zhang.pk], scope="share",
                                                  organization=other_org), set())
        self.assertEqual(selectors.consent_active(resident_ids=[self.zhang.pk], scope="record"), set())


class RevealTests(PeopleTestCase):
    def test_it_reveals_each_field_to_staff_and_logs_it(self):
        expected = {"name": "张建国", "phone": "13812345678", "id_number": ZHANG_ID, "birth_date": "1948-03-12"}
        for field, value in expected.items():
            self.assertEqual(services.resident_reveal(actor=self.bob, resident=self.zhang, field=field), value)
        self.assertEqual(services.household_reveal(actor=self.alice, household=self.household, field="address"),
                         "湖滨路12号3单元502")
        fields = sorted(Reveal.objects.values_list("field", flat=True))
        self.assertEqual(fields, sorted([*expected, "address"]))

    def test_it_refuses_viewers_coordinators_and_outsiders(self):
        for user in (self.carol, self.victor):
            with self.subTest(user=user.username), self.assertRaises(PermissionDenied):
                services.resident_reveal(actor=user, resident=self.zhang, field="id_number")
        with self.assertRaises(Http404):
            services.household_reveal(actor=self.oscar, household=self.household, field="name")
        self.assertFalse(Reveal.objects.exists())


class SelectorTests(PeopleTestCase):
    def test_it_gives_the_union_of_tags_per_household(self):
        other = make_household(self.station, self.community)
        self.assertEqual(selectors.household_tags([self.household.pk, other.pk]),
                         {self.household.pk: {self.elderly.pk, self.disability.pk}, other.pk: set()})

    def test_it_filters_households(self):
        other = make_household(self.station, self.other_community)
        qs = selectors.households_for_station(self.station, selectors.HouseholdFilter(tag_id=self.elderly.pk))
        self.assertEqual(list(qs), [self.household])
        qs = selectors.households_for_station(self.station,
                                              selectors.HouseholdFilter(community_id=self.other_community.pk))
        self.assertEqual(list(qs), [other])
        qs = selectors.households_for_station(self.station, selectors.HouseholdFilter(q=f"#{other.pk}"))
        self.assertEqual(list(qs), [other])
        counts = {h.pk: h.resident_count for h in selectors.households_for_station(self.station)}
        self.assertEqual(counts, {self.household.pk: 2, other.pk: 0})

    def test_it_rekeys(self):
        from cryptography.fernet import Fernet
        from django.test import override_settings

        old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
        number = id_number("330106", "19900101", "123")
        with override_settings(RL_FIELD_KEYS=[old]):
            Resident.objects.exclude(id_number_encrypted="").update(id_number_encrypted="", id_number_digest="")
            resident = services.resident_create(actor=self.bob, household=self.household, name="赵六",
                                                id_number=number)
        with override_settings(RL_FIELD_KEYS=[new, old]):
            self.assertEqual(services.residents_rekey(), 1)
            digest = crypto.digest(number)
        with override_settings(RL_FIELD_KEYS=[new]):
            resident.refresh_from_db()
            self.assertEqual(crypto.decrypt(resident.id_number_encrypted), number)
            self.assertEqual(resident.id_number_digest, digest)
            with self.assertRaises(services.DuplicateIdNumber):
                services.resident_create(actor=self.bob, household=self.household, name="赵六", id_number=number)


class RekeyCommandTests(PeopleTestCase):
    def test_it_runs_the_rekey_command(self):
        from io import StringIO

        from django.core.management import call_command

        out = StringIO()
        call_command("people_rekey", stdout=out)
        self.assertIn("Re-encrypted 2 ID numbers.", out.getvalue())
        self.assertEqual(crypto.decrypt(Resident.objects.get(pk=self.zhang.pk).id_number_encrypted), ZHANG_ID)
