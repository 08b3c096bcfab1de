"""The order sync over the REST API: start one (Sync now), follow it, read the sync history with filters.
Also: Test Connection answers its ``checked_at`` in KST like every other timestamp of the API."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from integrations import registry
from integrations.models import SyncRun
from orders.models import Order
from tests.factories import PASSWORD, make_account, make_seller_user
from tests.othersite import OTHERSITE


def token_client(username: str) -> APIClient:
    """A client as a program would be: a token from POST /api/v1/auth/token/, then `Authorization: Token`."""
    api = APIClient()
    answer = api.post("/api/v1/auth/token/", {"username": username, "password": PASSWORD}, format="json")
    assert answer.status_code == 200, answer.content
    api.credentials(HTTP_AUTHORIZATION=f"Token {answer.json()['token']}")
    return api


@pytest.fixture
def demo(sandbox, settings):
    settings.LOTTEON_BASE_URL = sandbox.url
    settings.LOTTEON_RETRY_BASE_DELAY = 0.01
    settings.SMARTSHIP_ORDER_LOOKBACK_DAYS = 3
    seller, user = make_seller_user(username="api-syncer")
    account = make_account(seller=seller, api_key=sandbox.DEMO_KEY, account_number=sandbox.DEMO_TR_NO, shop_id="demo-shop")
    codes = [r["eitmNo"] for r in sandbox.state()["stock"] if r["eitmNo"] and r["slStatCd"] == "SALE"]
    sandbox.create_order(lines=[{"eitmNo": codes[0]}], dvpCustNm="박하늘")
    sandbox.create_order(lines=[{"eitmNo": codes[1]}, {"eitmNo": codes[2]}], dvpCustNm="최바다")
    return seller, user, account


def _kst(value: str) -> bool:
    return value.endswith("+09:00")


@pytest.mark.sandbox
@pytest.mark.django_db(transaction=True)
def test_a_program_starts_a_sync_and_follows_it_to_the_end(demo, eager_celery):
    seller, user, account = demo
    api = token_client(user.username)
    started = api.post(f"/api/v1/sales-site-accounts/{account.pk}/sync/")
    assert started.status_code == 202, started.content
    run_id = started.json()["id"]
    assert started.json()["account"] == account.pk and started.json()["trigger"] == "manual"

    for _ in range(100):
        run = api.get(f"/api/v1/sync-runs/{run_id}/")
        assert run.status_code == 200
        body = run.json()
        if body["finished"]:
            break
    else:
        pytest.fail(f"the sync never finished: {body}")
    assert body["status"] == "succeeded", body
    assert body["site"] == "lotteon" and body["shop_id"] == "demo-shop"
    assert body["lines_new"] == 3 and body["lines_seen"] >= 3 and body["lines_failed"] == 0
    assert body["lines_confirmed"] == 3  # Automatic Order Confirmation is on by default
    assert body["windows_total"] >= 1 and body["windows_done"] == body["windows_total"]
    assert body["progress_percent"] == 100 and body["error_code"] == "" and body["error_message"] == ""
    for name in ("queued_at", "started_at", "finished_at", "window_start", "window_end"):
        assert _kst(body[name]), (name, body[name])
    assert Order.objects.filter(seller=seller, recipient_name__in=["박하늘", "최바다"]).count() == 2

    history = api.get("/api/v1/sync-runs/").json()
    assert history["count"] == 1 and [row["id"] for row in history["results"]] == [run_id]
    assert history["results"][0] == body


@pytest.mark.sandbox
@pytest.mark.django_db
def test_a_second_start_while_one_is_queued_returns_the_same_run(demo):
    # No worker here: the first run stays queued.
    _, user, account = demo
    api = token_client(user.username)
    first = api.post(f"/api/v1/sales-site-accounts/{account.pk}/sync/")
    second = api.post(f"/api/v1/sales-site-accounts/{account.pk}/sync/")
    assert first.status_code == second.status_code == 202
    assert first.json()["id"] == second.json()["id"]
    assert SyncRun.objects.filter(account=account).count() == 1
    run = api.get(f"/api/v1/sync-runs/{first.json()['id']}/").json()
    assert run["status"] == "queued" and run["finished"] is False and run["progress_percent"] == 0
    assert run["started_at"] is None and run["finished_at"] is None


@pytest.mark.django_db
def test_a_running_run_shows_its_progress():
    seller, user = make_seller_user()
    account = make_account(seller=seller)
    run = SyncRun.objects.create(
        seller=seller, account=account, trigger=SyncRun.Trigger.SCHEDULE, status=SyncRun.Status.RUNNING,
        started_at=timezone.now(), windows_total=4, windows_done=1, lines_seen=7, lines_new=5)
    body = token_client(user.username).get(f"/api/v1/sync-runs/{run.pk}/").json()
    assert body["status"] == "running" and body["finished"] is False
    assert (body["windows_done"], body["windows_total"], body["progress_percent"]) == (1, 4, 25)
    assert (body["lines_seen"], body["lines_new"]) == (7, 5)


@pytest.mark.django_db
def test_inactive_account_or_a_site_without_order_integration_is_refused():
    seller, user = make_seller_user()
    api = token_client(user.username)
    inactive = make_account(seller=seller, is_active=False)
    answer = api.post(f"/api/v1/sales-site-accounts/{inactive.pk}/sync/")
    assert answer.status_code == 409
    assert answer.json()["code"] == "account_inactive" and "deactivated" in answer.json()["message"]

    no_orders = replace(OTHERSITE, key="noorders", name="NoOrders", capabilities=frozenset())
    registry.register(no_orders)
    try:
        account = make_account(seller=seller, account_number="OS12345")
        account.site = "noorders"
        account.save(update_fields=["site"])
        answer = api.post(f"/api/v1/sales-site-accounts/{account.pk}/sync/")
    finally:
        registry._sites.pop("noorders", None)
    assert answer.status_code == 400
    assert answer.json() == {
        "message": "NoOrders does not offer order integration: there is nothing to sync.",
        "code": "order_integration_not_supported", "extra": {}}
    assert not SyncRun.objects.exists()


@pytest.mark.django_db
def test_runs_and_accounts_of_another_seller_are_not_found():
    seller, _ = make_seller_user()
    account = make_account(seller=seller)
    run = SyncRun.objects.create(seller=seller, account=account)
    _, stranger = make_seller_user()
    api = token_client(stranger.username)
    assert api.post(f"/api/v1/sales-site-accounts/{account.pk}/sync/").status_code == 404
    assert api.post("/api/v1/sales-site-accounts/999999/sync/").status_code == 404
    missing = api.get(f"/api/v1/sync-runs/{run.pk}/")
    assert missing.status_code == 404 and set(missing.json()) == {"message", "code", "extra"}
    assert api.get("/api/v1/sync-runs/").json()["count"] == 0
    assert SyncRun.objects.count() == 1


@pytest.mark.django_db
def test_the_list_filters_by_account_status_and_trigger_and_rejects_bad_values():
    seller, user = make_seller_user()
    first = make_account(seller=seller, shop_id="first")
    second = make_account(seller=seller, shop_id="second", account_number="LO10000002")
    now = timezone.now()

    def run(account, status, trigger, minutes_ago):
        made = SyncRun.objects.create(seller=seller, account=account, status=status, trigger=trigger)
        SyncRun.objects.filter(pk=made.pk).update(queued_at=now - timedelta(minutes=minutes_ago))
        return made.pk

    old = run(first, SyncRun.Status.SUCCEEDED, SyncRun.Trigger.SCHEDULE, 30)
    failed = run(first, SyncRun.Status.FAILED, SyncRun.Trigger.MANUAL, 20)
    other = run(second, SyncRun.Status.SUCCEEDED, SyncRun.Trigger.MANUAL, 10)
    newest = run(second, SyncRun.Status.QUEUED, SyncRun.Trigger.SCHEDULE, 0)
    other_seller, _ = make_seller_user()
    SyncRun.objects.create(seller=other_seller, account=make_account(seller=other_seller, account_number="LO10000003"))
    api = token_client(user.username)

    def ids(**params):
        answer = api.get("/api/v1/sync-runs/", params)
        assert answer.status_code == 200, answer.content
        return [row["id"] for row in answer.json()["results"]]

    assert ids() == [newest, other, failed, old]  # newest first, this seller's only
    assert ids(account=first.pk) == [failed, old]
    assert ids(status="succeeded") == [other, old]
    assert ids(trigger="manual") == [other, failed]
    assert ids(account=second.pk, status="succeeded", trigger="manual") == [other]
    assert ids(status="partial") == []

    page = api.get("/api/v1/sync-runs/").json()
    assert set(page) == {"count", "next", "previous", "results"} and page["count"] == 4

    theirs = SyncRun.objects.get(seller=other_seller).account_id
    for params, field in [({"status": "done"}, "status"), ({"trigger": "cron"}, "trigger"),
                          ({"account": "abc"}, "account"), ({"account": theirs}, "account"),
                          ({"account": "99999999999999999999999"}, "account")]:
        answer = api.get("/api/v1/sync-runs/", params)
        assert answer.status_code == 400, params
        assert answer.json()["code"] == "invalid" and field in answer.json()["extra"]["fields"], answer.json()


@pytest.mark.sandbox
@pytest.mark.django_db
def test_test_connection_answers_checked_at_in_kst(sandbox, settings):
    settings.LOTTEON_BASE_URL = sandbox.url
    seller, user = make_seller_user()
    account = make_account(seller=seller, api_key=sandbox.DEMO_KEY, account_number=sandbox.DEMO_TR_NO)
    api = token_client(user.username)
    stored = api.post(f"/api/v1/sales-site-accounts/{account.pk}/test-connection/").json()
    assert stored["ok"], stored
    assert _kst(stored["checked_at"]), stored["checked_at"]
    account_row = api.get(f"/api/v1/sales-site-accounts/{account.pk}/").json()
    assert _kst(account_row["connection_checked_at"])
    account.delete()  # the form's test of a number registered already fails (already_registered)
    before = api.post("/api/v1/sales-site-accounts/test-connection/", {
        "site": "lotteon", "shop_id": "new", "api_key": sandbox.DEMO_KEY, "account_number": sandbox.DEMO_TR_NO,
    }, format="json").json()
    assert before["ok"], before
    assert _kst(before["checked_at"]), before["checked_at"]
