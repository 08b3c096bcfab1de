"""Sync now, the live progress panel and the Sync history page."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from integrations.models import SyncRun
from integrations.templatetags.integrations_tags import run_duration
from orders.models import Order
from tests.factories import PASSWORD, make_account, make_seller_user
from tests.plugins.browser import login

pytestmark = [pytest.mark.sandbox]


@pytest.fixture
def demo(sandbox, settings):
    settings.LOTTEON_BASE_URL = sandbox.url
    seller, user = make_seller_user(username="syncer")
    account = make_account(seller=seller, api_key=sandbox.DEMO_KEY, account_number=sandbox.DEMO_TR_NO, shop_id="demo-shop")
    code = next(r["eitmNo"] for r in sandbox.state()["stock"] if r["eitmNo"] and r["slStatCd"] == "SALE")
    sandbox.create_order(lines=[{"eitmNo": code}], dvpCustNm="김하늘")
    return seller, user, account


@pytest.mark.django_db(transaction=True)
def test_sync_now_runs_and_shows_the_result(client, demo, eager_celery):
    seller, user, account = demo
    client.force_login(user)
    response = client.post(f"/sales-sites/{account.pk}/sync/")
    html = response.content.decode()
    run = SyncRun.objects.get(account=account)
    assert run.trigger == SyncRun.Trigger.MANUAL and run.status == SyncRun.Status.SUCCEEDED
    assert "Succeeded" in html and "new 1" in html
    assert Order.objects.filter(seller=seller, recipient_name="김하늘").exists()
    history = client.get("/sales-sites/syncs/").content.decode()
    assert "Sync now" in history and "demo-shop" in history and "Succeeded" in history


@pytest.mark.django_db(transaction=True)
def test_a_cancellation_request_read_by_the_sync_is_counted(client, demo, sandbox, eager_celery):
    seller, user, account = demo
    client.force_login(user)
    client.post(f"/sales-sites/{account.pk}/sync/")
    order = Order.objects.get(seller=seller, recipient_name="김하늘")
    sandbox.request_cancel(order.order_no)
    html = client.post(f"/sales-sites/{account.pk}/sync/").content.decode()
    assert SyncRun.objects.filter(account=account).latest("id").lines_held == 1
    assert "on hold (cancellation requested) 1" in html
    history = client.get("/sales-sites/syncs/").content.decode()
    assert re.search(r">1 on hold</div>", history)


@pytest.mark.django_db
def test_queued_run_is_not_duplicated_and_polls(client, demo):
    _, user, account = demo
    client.force_login(user)
    first = client.post(f"/sales-sites/{account.pk}/sync/")
    second = client.post(f"/sales-sites/{account.pk}/sync/")
    assert SyncRun.objects.filter(account=account).count() == 1, "one queued sync per account"
    run = SyncRun.objects.get(account=account)
    assert run.status == SyncRun.Status.QUEUED
    for response in (first, second):
        assert f'hx-get="/sales-sites/syncs/{run.pk}/progress/"' in response.content.decode()
    progress = client.get(f"/sales-sites/syncs/{run.pk}/progress/").content.decode()
    assert "Waiting for the background worker" in progress


@pytest.mark.django_db
def test_a_queued_sync_no_worker_took_in_time_is_dropped_for_a_new_one(client, demo, settings):
    """The worker was down: the queued task expired unrun (the broker drops it). The next Sync now or beat tick
    does not wait behind it for the running-sync limit; it says it never started and queues a new one."""
    settings.SMARTSHIP_ORDER_SYNC_SECONDS = 60
    settings.SMARTSHIP_SYNC_LOCK_SECONDS = 600
    _, user, account = demo
    client.force_login(user)
    client.post(f"/sales-sites/{account.pk}/sync/")
    first = SyncRun.objects.get(account=account)
    SyncRun.objects.filter(pk=first.pk).update(queued_at=timezone.now() - timedelta(seconds=90))
    client.post(f"/sales-sites/{account.pk}/sync/")
    assert SyncRun.objects.filter(account=account).count() == 1, "within the task's expiry: still waiting"

    SyncRun.objects.filter(pk=first.pk).update(queued_at=timezone.now() - timedelta(seconds=150))
    client.post(f"/sales-sites/{account.pk}/sync/")
    first.refresh_from_db()
    assert (first.status, first.error_code) == (SyncRun.Status.FAILED, "not_started")
    assert first.error_message.startswith("No worker started this sync within 2 minutes")
    assert SyncRun.objects.filter(account=account, status=SyncRun.Status.QUEUED).count() == 1


@pytest.mark.django_db
def test_deactivated_account_does_not_sync_and_runs_are_private(client, demo):
    _, user, account = demo
    account.is_active = False
    account.save()
    client.force_login(user)
    assert "deactivated" in client.post(f"/sales-sites/{account.pk}/sync/").content.decode()
    assert not SyncRun.objects.exists()
    run = SyncRun.objects.create(seller=account.seller, account=account)
    _, stranger = make_seller_user()
    client.force_login(stranger)
    assert client.get(f"/sales-sites/syncs/{run.pk}/progress/").status_code == 404
    assert client.post(f"/sales-sites/{account.pk}/sync/").status_code == 404
    assert "demo-shop" not in client.get("/sales-sites/syncs/").content.decode()


@pytest.mark.django_db
def test_a_scheduled_sync_refused_for_the_server_ip_names_the_ips_wherever_it_is_shown(client, demo, sandbox,
                                                                                        settings):
    from orders.services.sync import orders_sync

    _, user, account = demo
    settings.SMARTSHIP_SERVER_IPS = ["211.115.121.4", "20.214.92.38"]
    sandbox.fault(status=403, count=-1)
    run = orders_sync(account_id=account.pk)
    ips = "Server IPs to register: 211.115.121.4;20.214.92.38."
    assert run.status == SyncRun.Status.FAILED and run.error_code == "forbidden"
    assert run.error_message.endswith(ips) and run.error_message.count(ips) == 1
    account.refresh_from_db()
    assert account.connection_status == "failed" and account.connection_message.endswith(ips)

    client.force_login(user)
    for url in ("/sales-sites/syncs/", f"/sales-sites/{account.pk}/", "/sales-sites/", "/"):
        page = client.get(url).content.decode()
        assert "IP address is not registered" in page, url
        assert page.count(ips) == page.count("IP address is not registered"), f"{url}: each refusal names the IPs"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_sync_now_in_the_browser(page, live_server, demo, eager_celery, screenshot):
    _, _, account = demo
    login(page, live_server.url, "syncer", PASSWORD)
    page.goto(f"{live_server.url}/sales-sites/{account.pk}/")
    page.get_by_role("button", name="Sync now").click()
    panel = page.locator(".sync-progress")
    panel.wait_for()
    assert "Succeeded" in panel.inner_text() and "new 1" in panel.inner_text()
    screenshot("sync-now-account")
    started = timezone.now() - timedelta(hours=1)
    SyncRun.objects.create(
        seller=account.seller, account=account, status=SyncRun.Status.FAILED, started_at=started,
        finished_at=started + timedelta(seconds=75), window_start=started - timedelta(days=7), window_end=started,
        error_code="401", error_message="The API Key was refused (expired or revoked): issue a new key in the LotteON "
        "seller office and enter it under Sales Site API.")
    page.set_viewport_size({"width": 1366, "height": 860})
    page.goto(f"{live_server.url}/sales-sites/syncs/")
    rows = page.locator(".runs-table tbody tr")
    expect(rows).to_have_count(2)
    assert "Succeeded" in rows.nth(1).inner_text()
    # Seconds, not Django's "0 minutes"; the failed run's message wraps instead of widening the table.
    assert re.fullmatch(r"\d\.\d s", rows.nth(1).locator(".run-duration").inner_text())
    assert rows.nth(0).locator(".run-duration").inner_text() == "1 min 15 s"
    screenshot("sync-history")
    assert page.locator(".runs-table").evaluate("t => t.parentElement.scrollWidth <= t.parentElement.clientWidth")


@pytest.mark.parametrize(("seconds", "shown"), [
    (0.42, "0.4 s"), (9.96, "10 s"), (12.4, "12 s"), (75, "1 min 15 s"), (3599, "59 min 59 s"), (3725, "1 h 02 min"),
])
def test_run_duration_reads_like_a_person_would_say_it(seconds, shown):
    started = timezone.now()
    assert run_duration(SyncRun(started_at=started, finished_at=started + timedelta(seconds=seconds))) == shown


def test_run_duration_of_an_unfinished_run_is_a_dash():
    assert run_duration(SyncRun(started_at=timezone.now())) == "—"
