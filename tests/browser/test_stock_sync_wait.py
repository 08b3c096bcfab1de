"""Sync stock now on Inventory ▸ Stock sync: the page says it is syncing, and shows the run by itself once the
worker has ended it (here the test plays the worker: the poll, not the worker, is what is looked at)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from inventory.services.stock_sync import stock_sync
from tests.factories import PASSWORD, make_account, make_seller_user
from tests.plugins.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.sandbox, pytest.mark.django_db(transaction=True)]


def test_the_page_shows_the_stock_sync_it_asked_for_when_it_ends(page, live_server, sandbox, settings, screenshot):
    settings.LOTTEON_BASE_URL = sandbox.url
    seller, _ = make_seller_user(name="스마트십 데모상점", username="ss-seller")
    account = make_account(seller=seller, shop_id="lotte-shop", api_key=sandbox.DEMO_KEY,
                           account_number=sandbox.DEMO_TR_NO, auto_stock_sync=True)
    login(page, live_server.url, "ss-seller", PASSWORD)
    page.goto(f"{live_server.url}/inventory/stock-sync/")
    page.get_by_role("button", name="Sync stock now").click()
    expect(page.locator(".alert-success")).to_contain_text("Stock sync queued for 1 account")
    waiting = page.locator(".ss-waiting")
    expect(waiting).to_contain_text("Syncing stock")
    screenshot("stock-sync-waiting")
    expect(page.locator(".ss-runs")).to_have_count(0)

    stock_sync(account_id=account.pk, full=True, trigger="manual")  # what the worker does with the task
    expect(waiting).to_have_count(0, timeout=10_000)
    expect(page.locator(".ss-runs tbody tr").first).to_contain_text("Sync stock now")
    expect(page.locator(".ss-runs tbody tr").first).to_contain_text("Succeeded")
