"""An order sync that meets a 429 whose Retry-After is longer than the client waits, over real HTTP against the
LotteON sandbox: it stops safely and says so without a red Failed (Sync history, the account page, the REST API,
the connection status), the next sync resumes, and rate limiting on several syncs in a row becomes a failure."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from integrations.models import SalesSiteAccount, SyncRun
from orders.models import OrderLine
from orders.services.sync import LIMITED_IN_A_ROW, orders_sync
from tests.factories import make_account, make_seller_user
from tests.integrations.test_sync_api import token_client

pytestmark = [pytest.mark.sandbox, pytest.mark.django_db]
KST = ZoneInfo("Asia/Seoul")
ORDERS = "SellerDeliveryOrdersSearch"


@pytest.fixture
def account(sandbox, settings):
    settings.LOTTEON_BASE_URL = sandbox.url
    settings.LOTTEON_RETRY_BASE_DELAY = 0.01
    settings.LOTTEON_READ_TIMEOUT = 1.0
    settings.SMARTSHIP_ORDER_LOOKBACK_DAYS = 5
    seller, user = make_seller_user(username="limited-seller")
    acct = make_account(seller=seller, api_key=sandbox.DEMO_KEY, account_number=sandbox.DEMO_TR_NO,
                        shop_id="limited-shop")
    acct.user = user
    return acct


def kst(days_ago: float) -> str:
    return (datetime.now(KST) - timedelta(days=days_ago)).strftime("%Y%m%d%H%M%S")


def limited_mid_sync(sandbox, account) -> SyncRun:
    """The first day's three order reads go through (a delay alone lets a call through); the next one is answered
    429 with a Retry-After of two minutes, longer than the client sits out (LOTTEON_RETRY_MAX_WAIT)."""
    sandbox.fault(path=ORDERS, count=3, delay=0.001)
    sandbox.fault(path=ORDERS, status=429, retryAfter=120, count=1)
    return orders_sync(account_id=account.pk)


def newest_history_row(client) -> str:
    """The first row of Sync history (newest first), as HTML."""
    page = client.get(reverse("integrations:sync-history")).content.decode()
    return page.split("<tbody>", 1)[1].split("</tr>", 1)[0]


def test_one_long_429_stops_the_sync_safely_without_a_failure_and_the_next_sync_resumes(sandbox, account, client):
    codes = [r["eitmNo"] for r in sandbox.state()["stock"] if r["eitmNo"] and r["slStatCd"] == "SALE"][:2]
    first = sandbox.create_order(owhoDttm=kst(3), lines=[{"eitmNo": codes[0]}])
    later = sandbox.create_order(owhoDttm=kst(1), lines=[{"eitmNo": codes[1]}])

    run = limited_mid_sync(sandbox, account)
    assert (run.status, run.error_code) == (SyncRun.Status.LIMITED, "rate_limited")
    assert run.get_status_display() == "Stopped: requests limited"
    assert run.error_message.startswith("Stopped: LotteON limited requests")
    assert "asking to wait 120 s" in run.error_message and "next scheduled sync" in run.error_message
    assert "resumes from there" in run.error_message
    account.refresh_from_db()
    assert run.windows_done == 1 and account.orders_synced_until is not None, "the day it stored is kept"
    assert account.connection_status == SalesSiteAccount.ConnectionStatus.LIMITED
    assert account.connection_message == run.error_message

    # Sync history and the account page: amber, not the red of a failure.
    client.force_login(account.user)
    row = newest_history_row(client)
    assert "Stopped: requests limited" in row and "badge-sync-limited" in row
    assert "row-error" not in row and "connection-message passing" in row
    detail = client.get(reverse("integrations:account-detail", args=[account.pk])).content.decode()
    assert "badge-sync-limited" in detail and "Site limiting requests" in detail
    assert "badge-sync-failed" not in detail and "connection-message passing" in detail

    # The REST API: the run and the account's connection status.
    api = token_client(account.user.username)
    body = api.get(f"/api/v1/sync-runs/{run.pk}/").json()
    assert (body["status"], body["finished"], body["error_code"]) == ("limited", True, "rate_limited")
    assert [r["id"] for r in api.get("/api/v1/sync-runs/", {"status": "limited"}).json()["results"]] == [run.pk]
    assert api.get(f"/api/v1/sales-site-accounts/{account.pk}/").json()["connection_status"] == "limited"

    # The next sync resumes where it stopped, and the connection is Connected again.
    again = orders_sync(account_id=account.pk)
    assert again.status == SyncRun.Status.SUCCEEDED, again.error_message
    assert OrderLine.objects.filter(order__order_no__in=[first["odNo"], later["odNo"]]).count() == 2
    account.refresh_from_db()
    assert account.connection_status == SalesSiteAccount.ConnectionStatus.OK


def test_rate_limiting_on_several_syncs_in_a_row_is_a_failure(sandbox, account, client):
    runs = [limited_mid_sync(sandbox, account) for _ in range(LIMITED_IN_A_ROW)]
    assert [r.status for r in runs] == [SyncRun.Status.LIMITED] * (LIMITED_IN_A_ROW - 1) + [SyncRun.Status.FAILED]
    last = runs[-1]
    assert last.error_code == "rate_limited"
    assert f"on {LIMITED_IN_A_ROW} order syncs in a row" in last.error_message
    assert "new orders are not arriving" in last.error_message
    account.refresh_from_db()
    assert account.connection_status == SalesSiteAccount.ConnectionStatus.LIMITED
    assert "in a row" in account.connection_message

    client.force_login(account.user)
    row = newest_history_row(client)
    assert "row-error" in row and "badge-sync-failed" in row

    # A sync in between that went through starts the count again.
    assert orders_sync(account_id=account.pk).status == SyncRun.Status.SUCCEEDED
    assert limited_mid_sync(sandbox, account).status == SyncRun.Status.LIMITED


def test_a_429_does_not_turn_a_failed_connection_into_a_limited_one(sandbox, account):
    """After a refused key the account's writes are held until the connection is set right; a 429 says nothing
    about the key, so it must not release them."""
    SalesSiteAccount.objects.filter(pk=account.pk).update(
        connection_status=SalesSiteAccount.ConnectionStatus.FAILED, connection_message="key refused")
    assert limited_mid_sync(sandbox, account).status == SyncRun.Status.LIMITED
    account.refresh_from_db()
    assert (account.connection_status, account.connection_message) == (
        SalesSiteAccount.ConnectionStatus.FAILED, "key refused")


def test_a_limited_manual_sync_of_an_account_without_the_schedule_says_to_press_sync_now(sandbox, account):
    SalesSiteAccount.objects.filter(pk=account.pk).update(auto_order_integration=False)
    account.refresh_from_db()
    run = limited_mid_sync(sandbox, account)
    assert run.status == SyncRun.Status.LIMITED and "press Sync now again" in run.error_message
