"""Shared by the query-count tests of the list pages: render a page for a seller with few rows and for one with
many, and compare how many queries each took."""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.page_data import PageData, seller_with_rows

FEW, MANY = 3, 30


def clients(data: PageData) -> tuple[Client, APIClient]:
    web = Client()
    web.force_login(data.user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=data.user)[0].key}")
    return web, api


def queries_of(data: PageData, url: str) -> tuple[int, bytes]:
    """The queries of the second request for ``url`` (``/api/`` through the REST client), and its body. The
    first fills the caches a page keeps (templates, courier lists) and lets the warehouse pages close what
    already left another way."""
    web, api = clients(data)
    client = api if url.startswith("/api/") else web
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    return len(captured.captured_queries), response.content


def assert_same_queries(url: Callable[[PageData], str], *, row: Callable[[PageData], str] | None = None,
                        longer: bool = True) -> None:
    """The page costs the same queries for a seller with FEW rows and one with MANY. The page of MANY must be
    the longer one (``longer``; not for a page that lists a fixed number of the latest rows), and ``row`` (a text
    each listed row carries) must appear on it more often: the comparison is between pages that list rows, not
    two empty ones. The second seller is made after the first page is read, so that the warehouse's pages, which
    list every seller's rows, see FEW rows and then FEW + MANY."""
    few = seller_with_rows(FEW)
    few_count, few_body = queries_of(few, url(few))
    many = seller_with_rows(MANY)
    many_count, many_body = queries_of(many, url(many))
    assert len(many_body) > len(few_body) or not longer, url(many)
    if row is not None:
        shown = few_body.count(row(few).encode()), many_body.count(row(many).encode())
        assert shown[1] > shown[0] > 0, shown
    assert few_count == many_count, f"{url(many)}: {few_count} queries for {FEW} rows, {many_count} for {MANY}"
