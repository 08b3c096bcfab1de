"""The session engine: Django's database sessions, looking up only keys Django can have made.

A cookie holding NUL reached the session query, which PostgreSQL refuses with an error (a 500 on every
page for whoever sent it); such a key now counts as no session, as an unknown one does."""

from __future__ import annotations

from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore


class SessionStore(DatabaseSessionStore):
    def _validate_session_key(self, key):
        return super()._validate_session_key(key) and set(key) <= set(VALID_KEY_CHARS)
