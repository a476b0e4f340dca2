"""Mainland phone numbers: validated with ``phonenumbers``, stored normalised.

Storage format (what ``normalise_phone`` returns):
- mobiles: the 11 digits, ``13812345678``;
- landlines: trunk prefix, area code, a hyphen and the local number,
  ``0571-87654321`` (``010-12345678`` for Beijing);
- other valid numbers (400/800 service numbers): their digits in national form.
A +86 / 0086 prefix, spaces, hyphens and brackets are accepted on input.
No Django here; the message is translated by the caller.
"""

from __future__ import annotations

import phonenumbers
from phonenumbers import PhoneNumberType


class PhoneError(ValueError):
    message = "Enter a mainland mobile (11 digits, such as 13812345678) or a landline with its area code " \
              "(such as 0571-87654321)."

    def __init__(self):
        super().__init__(self.message)


def normalise_phone(raw: str) -> str:
    """The stored form of a valid phone; "" for blank; PhoneError otherwise."""
    text = (raw or "").strip().replace("\u3000", " ")
    if not text:
        return ""
    if text.startswith("0086"):
        text = "+86" + text[4:]
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        raise PhoneError() from None
    if number.country_code != 86 or not phonenumbers.is_valid_number(number):
        raise PhoneError()
    national = str(number.national_number)
    kind = phonenumbers.number_type(number)
    if kind == PhoneNumberType.MOBILE:
        return national
    if kind in (PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE):
        area_len = phonenumbers.length_of_geographical_area_code(number)
        if area_len:
            return f"0{national[:area_len]}-{national[area_len:]}"
    formatted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return "".join(c for c in formatted if c.isdigit())
