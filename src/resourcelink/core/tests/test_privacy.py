from django.test import SimpleTestCase

from resourcelink.core.privacy import mask_phone


class MaskPhoneTests(SimpleTestCase):
    def test_it_keeps_first_three_and_last_four_of_a_mobile(self):
        self.assertEqual(mask_phone("13812345678"), "138****5678")

    def test_it_masks_a_landline_to_its_last_two_digits(self):
        self.assertEqual(mask_phone("0571-8765"), "*******65")

    def test_it_handles_empty_and_tiny_values(self):
        self.assertEqual(mask_phone(""), "")
        self.assertEqual(mask_phone(None), "")
        self.assertEqual(mask_phone("12"), "**")
