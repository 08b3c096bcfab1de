"""Shared by the query-count tests of the bulk actions (the POSTs a person or a program runs on many rows at once):
run an action on few rows and on many, and compare how many queries each took."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.page_data import PageData
from tests.page_queries import clients


def counted(action: Callable[[], Any]) -> tuple[int, Any]:
    """The number of queries ``action`` ran, and what it returned."""
    with CaptureQueriesContext(connection) as captured:
        result = action()
    return len(captured.captured_queries), result


def post_counted(data: PageData, url: str, body: dict, *, status: int = 302) -> int:
    """POST ``body`` to ``url`` as the seller's owner (``/api/`` through the REST client, as JSON); the queries it
    took. ``status``: the answer expected, so that a refusal is never counted as the action."""
    web, api = clients(data)
    if url.startswith("/api/"):
        count, response = counted(lambda: api.post(url, body, format="json"))
    else:
        count, response = counted(lambda: web.post(url, body))
    assert response.status_code == status, (url, response.status_code, response.content[:300])
    return count
