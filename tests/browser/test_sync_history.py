"""Sync history in a real browser: the table of order sync runs fits the window beside the menu."""

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.models import SyncRun
from tests.factories import PASSWORD, make_account, make_seller_user
from tests.plugins.browser import assert_table_fits, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REFUSED = ("LotteON refused this server: its IP address is not registered for the API Key. In the LotteON store "
           'center (Seller Information ▸ Open API Management) choose "direct input" and register the portal\'s '
           "server IPs, then save. Server IPs to register: "
           "211.115.121.4;211.115.121.6;20.214.92.38;20.249.181.82;20.249.181.119.")


def test_sync_history_fits_a_1280_px_window_and_reads_on_a_phone(page, live_server, screenshot):
    seller, _ = make_seller_user(username="history-seller")
    north = make_account(seller=seller, shop_id="lotte-shop-north")
    south = make_account(seller=seller, shop_id="lotte-shop-south", account_number="LO10000002")
    now = timezone.now()
    for hours, account, values in (
        (1, north, {"status": SyncRun.Status.SUCCEEDED, "trigger": SyncRun.Trigger.MANUAL, "lines_seen": 12840,
                    "lines_new": 1204, "lines_updated": 11230, "lines_confirmed": 1198, "lines_confirmed_elsewhere": 6,
                    "lines_cancelled": 12, "lines_held": 3}),
        (2, south, {"status": SyncRun.Status.FAILED, "error_code": "forbidden", "error_message": REFUSED}),
        (3, north, {"status": SyncRun.Status.PARTIAL, "lines_seen": 34012, "lines_new": 14023, "lines_updated": 20210,
                    "lines_confirmed": 13998, "lines_failed": 25, "lines_cancelled": 10240}),
    ):
        started = now - timedelta(hours=hours)
        # "59 min 59 s" is the widest duration there is.
        SyncRun.objects.create(seller=seller, account=account, started_at=started,
                               finished_at=started + timedelta(seconds=3599), window_start=started - timedelta(days=7),
                               window_end=started, **values)
    login(page, live_server.url, "history-seller", PASSWORD)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/sales-sites/syncs/")
    screenshot("sync-history-1280")
    assert_table_fits(page, ".runs-table")
    assert "211.115.121.4" in page.locator(".runs-table").inner_text()

    page.set_viewport_size({"width": 375, "height": 740})
    page.wait_for_timeout(300)  # the menu slides out of the narrow window
    screenshot("sync-history-375")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.locator(".runs-table thead").is_hidden(), "one card per run, each value with its label"
