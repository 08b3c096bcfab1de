"""Encryption of secrets at rest (marketplace API keys) with rotatable keys.

MultiFernet encrypts with the first key of ``SMARTSHIP_ENCRYPTION_KEYS`` and decrypts with any of them,
so a new key can be put first while values written under the old one still read.
"""

from __future__ import annotations

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class DecryptionError(Exception):
    """A stored secret was written under a key that is no longer configured."""


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def _current() -> MultiFernet:
    return _fernet(tuple(settings.SMARTSHIP_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    return _current().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _current().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise DecryptionError(
            "A stored API key cannot be decrypted with the configured SMARTSHIP_ENCRYPTION_KEYS; "
            "keep the old key in the list after adding a new one."
        ) from exc


def rotate(token: str) -> str:
    """Re-encrypt a stored value under the newest key."""
    return _current().rotate(token.encode()).decode()
