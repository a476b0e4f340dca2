"""A household's, resident's or need's own reference (``import_key``).

A reference is what a station wrote in a spreadsheet (H001, A-101) or a
computed 40-character key. It is shown to coordinators in exports and the
API, so it must not carry personal data: a reference shaped like a mainland
ID number or phone number is refused on import, and one already stored is
never shown (``shareable_ref`` gives None, the file writes ``#id``).
No Django here.
"""

from __future__ import annotations

import re

from .phones import PhoneError, normalise_phone

HEX_KEY = re.compile(r"^[0-9a-f]{40}$")
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u3000.()（）/_+]")
_ID_SHAPE = re.compile(r"^(\d{17}[\dXx]|\d{15})$")
_MOBILE_SHAPE = re.compile(r"^(0086|86)?1\d{10}$")
_LANDLINE_SHAPE = re.compile(r"^(0086|86)?0\d{9,11}$")
_NUMBERISH = re.compile(r"^[\d\s\-\u2010-\u2015\u3000.()（）/_+Xx]+$")


def looks_personal(ref: str) -> bool:
    """True for a reference shaped like a mainland ID number (18 characters,
    or the old 15 digits) or a phone number (a mobile, or a landline with its
    area code), whatever the spaces, hyphens or brackets."""
    text = (ref or "").strip()
    if not text or not _NUMBERISH.match(text):
        return False
    compact = _SEPARATORS.sub("", text)
    if _ID_SHAPE.match(compact) or _MOBILE_SHAPE.match(compact) or _LANDLINE_SHAPE.match(compact):
        return True
    try:
        return bool(normalise_phone(text))
    except PhoneError:
        return False


def shareable_ref(key: str) -> str | None:
    """The reference to show, or None for none, a computed key, or one
    shaped like an ID or phone number."""
    key = (key or "").strip()
    if not key or HEX_KEY.match(key) or looks_personal(key):
        return None
    return key
