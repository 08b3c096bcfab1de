"""Encryption of secrets at rest (marketplace API keys) with rotatable keys.

MultiFernet encrypts with the first key of ``SMARTSHIP_ENCRYPTION_KEYS`` and decrypts with any of them,
so a new key can be put first while values written under the old one still read. Rotation (docs/sales-site-
accounts.md): put the new key first, run ``manage.py rotate_encryption_keys`` (``rotate`` on every stored
value), then drop the old key.
"""

from __future__ import annotations

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class DecryptionError(Exception):
    """A stored secret was written under a key that is no longer configured."""


UNREADABLE = ("A stored API key cannot be decrypted with the configured SMARTSHIP_ENCRYPTION_KEYS: the key it was "
              "encrypted with is not configured any more. Add that key back to the list (after the new one) or "
              "re-enter the API key; run manage.py rotate_encryption_keys before dropping an old key.")


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
        raise DecryptionError(UNREADABLE) from exc


def rotate(token: str) -> str:
    """Re-encrypt a stored value under the newest key; DecryptionError when no configured key reads it."""
    try:
        return _current().rotate(token.encode()).decode()
    except InvalidToken as exc:
        raise DecryptionError(UNREADABLE) from exc


def is_current(token: str) -> bool:
    """Whether a stored value is already encrypted with the newest key (rotating it would change nothing)."""
    try:
        Fernet(settings.SMARTSHIP_ENCRYPTION_KEYS[0]).decrypt(token.encode())
    except InvalidToken:
        return False
    return True
