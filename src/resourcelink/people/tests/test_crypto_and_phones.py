from cryptography.fernet import Fernet
from django.test import SimpleTestCase, override_settings

from resourcelink.people import crypto
from resourcelink.people.phones import PhoneError, normalise_phone


class CryptoTests(SimpleTestCase):
    def test_it_round_trips_with_the_derived_key(self):
        with override_settings(RL_FIELD_KEYS=[]):
            token = crypto.encrypt("11010519491231002X")
            self.assertNotIn("11010519491231002X", token)
            self.assertEqual(crypto.decrypt(token), "11010519491231002X")
            self.assertEqual(crypto.encrypt(""), "")

    def test_it_rotates_keys(self):
        old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
        with override_settings(RL_FIELD_KEYS=[old]):
            token = crypto.encrypt("secret")
            old_digest = crypto.digest("secret")
        with override_settings(RL_FIELD_KEYS=[new, old]):
            self.assertEqual(crypto.decrypt(token), "secret")  # old key still decrypts
            rotated = crypto.rotate(token)
            self.assertNotEqual(crypto.digest("secret"), old_digest)  # digests follow the first key
        with override_settings(RL_FIELD_KEYS=[new]):
            self.assertEqual(crypto.decrypt(rotated), "secret")
            with self.assertRaises(crypto.InvalidToken):
                crypto.decrypt(token)

    def test_it_accepts_a_comma_separated_string(self):
        key = Fernet.generate_key().decode()
        with override_settings(RL_FIELD_KEYS=f" {key} ,"):
            self.assertEqual(crypto.configured_keys(), [key])

    def test_it_digests_with_a_key(self):
        with override_settings(RL_FIELD_KEYS=[Fernet.generate_key().decode()]):
            a = crypto.digest("11010519491231002X")
        with override_settings(RL_FIELD_KEYS=[Fernet.generate_key().decode()]):
            b = crypto.digest("11010519491231002X")
        self.assertEqual(len(a), 64)
        self.assertNotEqual(a, b)


class PhoneTests(SimpleTestCase):
    def test_it_normalises_mobiles_and_landlines(self):
        cases = {
            "13812345678": "13812345678",
            "+86 138 1234 5678": "13812345678",
            "0086-138-1234-5678": "13812345678",
            "0571-87654321": "0571-87654321",
            "(0571) 8765 4321": "0571-87654321",
            "010 12345678": "010-12345678",
            "": "",
        }
        for raw, stored in cases.items():
            with self.subTest(raw=raw):
                self.assertEqual(normalise_phone(raw), stored)

    def test_it_rejects_invalid_numbers(self):
        for raw in ["12345", "23812345678", "1381234567", "+1 212 555 0100", "phone"]:
            with self.subTest(raw=raw), self.assertRaises(PhoneError):
                normalise_phone(raw)
