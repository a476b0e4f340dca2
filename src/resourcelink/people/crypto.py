"""Encryption of personal fields (ID numbers) and keyed digests.

Keys come from ``settings.RL_FIELD_KEYS``: comma-separated urlsafe base64
Fernet keys (``Fernet.generate_key()``). The first one encrypts; every one
decrypts, so keys can be rotated: put the new key first, keep the old ones,
run ``manage.py people_rekey`` (re-encrypts every token and recomputes the
digests), then drop the old keys.

Production must set RL_FIELD_KEYS (a system check warns when it is unset).
Elsewhere an empty setting derives a key from SECRET_KEY with HKDF, so a
laptop or a test run needs no set-up; such data cannot be read with another
SECRET_KEY.

The digest (HMAC-SHA256 keyed by a key derived from the first field key)
finds the same ID number twice without decrypting anything.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

__all__ = ["InvalidToken", "configured_keys", "decrypt", "digest", "encrypt", "rotate"]


def _hkdf(secret: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret)


def configured_keys() -> list[str]:
    raw = getattr(settings, "RL_FIELD_KEYS", "") or ""
    if isinstance(raw, str):
        raw = raw.split(",")
    return [k.strip() for k in raw if k and k.strip()]


@functools.lru_cache(maxsize=8)
def _fernets(keys: tuple[str, ...], secret_key: str) -> tuple[MultiFernet, bytes]:
    if keys:
        try:
            fernets = [Fernet(k.encode()) for k in keys]
        except ValueError:
            raise ImproperlyConfigured(
                "RL_FIELD_KEYS must hold comma-separated Fernet keys (32 bytes, urlsafe base64 each)."
            ) from None
        first = base64.urlsafe_b64decode(keys[0].encode())
    else:
        first = _hkdf(secret_key.encode(), b"resourcelink field key")
        fernets = [Fernet(base64.urlsafe_b64encode(first))]
    digest_key = _hkdf(first, b"resourcelink field digest")
    return MultiFernet(fernets), digest_key


def _current() -> tuple[MultiFernet, bytes]:
    return _fernets(tuple(configured_keys()), settings.SECRET_KEY)


def encrypt(text: str) -> str:
    """A Fernet token (str) for ``text``; "" stays ""."""
    if not text:
        return ""
    return _current()[0].encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    """The text of a token made with any configured key (InvalidToken if none fits)."""
    if not token:
        return ""
    return _current()[0].decrypt(token.encode()).decode()


def rotate(token: str) -> str:
    """The token re-encrypted with the first key."""
    if not token:
        return ""
    return _current()[0].rotate(token.encode()).decode()


def digest(text: str) -> str:
    """HMAC-SHA256 (hex) of ``text``; "" stays ""."""
    if not text:
        return ""
    return hmac.new(_current()[1], text.encode(), hashlib.sha256).hexdigest()
