"""Mainland China resident identity numbers (GB 11643-1999). No Django here.

An 18-character number: a 6-digit region code (the first two digits a
province), an 8-digit birth date (YYYYMMDD), a 3-digit sequence whose last
digit is odd for men and even for women, and an ISO 7064 MOD 11-2 check
character (0-9 or X).

Messages say what is wrong but never what the check character should be: a
form that told the correct check character would help someone make up a
valid-looking number.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

# Province-level codes (GB/T 2260), plus 71 Taiwan, 81 Hong Kong, 82 Macau and
# 83 (residence permits for Taiwan residents).
PROVINCE_CODES = frozenset({
    "11", "12", "13", "14", "15",
    "21", "22", "23",
    "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46",
    "50", "51", "52", "53", "54",
    "61", "62", "63", "64", "65",
    "71", "81", "82", "83",
})

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
EARLIEST_BIRTH = datetime.date(1900, 1, 1)


class IdNumberError(ValueError):
    """An invalid ID number. ``code`` says which rule failed: ``empty``,
    ``length``, ``characters``, ``region``, ``birth_date``, ``checksum``."""

    MESSAGES = {
        "empty": "Enter an ID number.",
        "length": "An ID number has 18 characters; this one has {length}.",
        "characters": "An ID number has 17 digits followed by a digit or the letter X.",
        "region": "The first six digits are not a valid region code.",
        "birth_date": "Characters 7 to 14 are not a valid birth date (YYYYMMDD, from 1900 to today).",
        "checksum": "The last character does not match the others: check the number for a typing mistake.",
    }

    def __init__(self, code: str, **params):
        self.code = code
        self.params = params
        super().__init__(self.MESSAGES[code].format(**params))


@dataclass(frozen=True)
class IdNumberInfo:
    number: str  # normalised: 18 characters, upper-case X
    region_code: str
    birth_date: datetime.date
    gender: str  # "male" or "female"


def normalise(raw: str) -> str:
    """Strip spaces (also full-width ones and hyphens people type) and
    upper-case a trailing x."""
    text = (raw or "").replace("\u3000", "").replace("-", "")
    return "".join(text.split()).upper()


def check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def parse(raw: str, *, today: datetime.date | None = None) -> IdNumberInfo:
    """Validate and describe an ID number; raise IdNumberError if invalid."""
    number = normalise(raw)
    if not number:
        raise IdNumberError("empty")
    if len(number) != 18:
        raise IdNumberError("length", length=len(number))
    if not (number[:17].isascii() and number[:17].isdigit() and (number[17].isdigit() or number[17] == "X")):
        raise IdNumberError("characters")
    region = number[:6]
    if region[:2] not in PROVINCE_CODES:
        raise IdNumberError("region")
    try:
        birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IdNumberError("birth_date") from None
    if birth < EARLIEST_BIRTH or birth > (today or datetime.date.today()):
        raise IdNumberError("birth_date")
    if check_char(number[:17]) != number[17]:
        raise IdNumberError("checksum")
    gender = "male" if int(number[16]) % 2 else "female"
    return IdNumberInfo(number=number, region_code=region, birth_date=birth, gender=gender)


def is_valid(raw: str) -> bool:
    try:
        parse(raw)
    except IdNumberError:
        return False
    return True
