"""The REST API's token authentication."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token header, refusing a key no token can have before it reaches the database: PostgreSQL
    refuses a text parameter holding NUL with an error (a 500), and gunicorn is not the only server."""

    def authenticate_credentials(self, key):
        if "\x00" in key:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        return super().authenticate_credentials(key)
