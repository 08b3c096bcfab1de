"""The Sales Site API pages and lists cost the same queries for 3 rows as for 30 (accounts, calls, runs)."""

from __future__ import annotations

import pytest

from tests.page_queries import assert_same_queries

pytestmark = pytest.mark.django_db


def calls_of(data) -> str:
    return f"/calls/{data.key}/"


def test_account_list():
    # Accounts: max(2, n // 3) of them, so 2 against 10.
    assert_same_queries(lambda data: "/sales-sites/")


def test_account_page_with_its_call_log_events_and_runs():
    assert_same_queries(lambda data: f"/sales-sites/{data.account.pk}/", row=calls_of)


def test_sync_history():
    assert_same_queries(lambda data: "/sales-sites/syncs/")


@pytest.mark.parametrize("url", ["/api/v1/sales-site-accounts/", "/api/v1/sync-runs/"])
def test_api_lists(url):
    assert_same_queries(lambda data: url)


def test_api_call_log():
    assert_same_queries(lambda data: f"/api/v1/sales-site-accounts/{data.account.pk}/calls/", row=calls_of)
