"""Small helpers for views reading where to go back to, and what to search for."""

from __future__ import annotations

from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request, target: str | None, default: str) -> str:
    """``target`` when it is a page of this site (a ``next``/``back`` value from the request), else ``default``:
    never another host (``https://evil.example.com/``, ``//evil.example.com/``), and only a path: ``redirect()``
    would take a bare word (``abc``) for the name of a URL pattern and fail after the action was done."""
    if target and target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default


def search_text(value: str | None, limit: int = 100) -> str:
    """A search typed into a page's box and read without a form field, trimmed and cut to ``limit``. NUL
    characters are dropped: no stored text can hold one, and PostgreSQL refuses a query parameter that carries
    one (a 500; SQLite takes it)."""
    return (value or "").replace("\x00", "").strip()[:limit]
