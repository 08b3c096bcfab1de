"""Faults between the tracking push's steps, over real HTTP against the LotteON sandbox: a refused call after
an applied one in the same run, a run whose lease runs out while it is still alive, and an account whose
key or server LotteON refuses (401/403). Each ends with every line pushed once: never lost, never sent twice."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django.utils.html import escape
from rest_framework.test import APIClient

from core.models import Lease
from core.serializers import UNKNOWN_FIELD
from integrations.lotteon.adapter import LotteonAdapter
from integrations.models import ApiCallLog, SalesSiteAccount, SyncRun
from integrations.services import account_test_connection
from orders.models import LineStatus, Order, OrderStatus
from orders.services.sync import orders_sync
from tests.factories import make_account, make_seller_user
from tests.waybills.helpers import (
    CORRECT_EVENT,
    SHIP_EVENT,
    events_per_line,
    kst,
    option_codes,
    print_invoices,
    pull,
    push,
)
from waybills import selectors as waybills_selectors
from waybills.models import TrackingPush
from waybills.selectors import accounts_with_pushes
from waybills.services.push import LOCK_SECONDS, lease_name, pushes_retry, tracking_push
from waybills.services.tracking import tracking_record

pytestmark = [pytest.mark.sandbox, pytest.mark.django_db]
PROGRESS = "SellerDeliveryProgressStateInform"
MODIFY = "SellerInvoiceNoModifyInform"
STATES = "SellerDeliveryProgressStateSearch"
State = TrackingPush.State
Kind = TrackingPush.Kind


def writes(sandbox, path: str, order_no: str, *, refused_too: bool = False) -> list[dict]:
    """Calls of ``path`` that carried ``order_no``: those that reached LotteON's logic (not a fault the
    sandbox injected), or every attempt with ``refused_too``."""
    return [c for c in sandbox.calls() if path in c["path"] and order_no in str(c["request"].get("body"))
            and (refused_too or not c.get("fault"))]


def expire_lease(account) -> None:
    Lease.objects.filter(name=lease_name(account.pk)).update(expires_at=timezone.now() - timedelta(seconds=1))


# --- One call refused after another applied in the same run ------------------------------------------------

@pytest.mark.parametrize("status", [429, 401])
@pytest.mark.parametrize("first", ["ship", "correction"])
def test_a_refused_call_never_puts_back_what_an_earlier_call_of_the_run_applied(sandbox, account, first, status):
    """A receiving scan corrects order one's pushed number (139) while order two's invoice waits (137): one
    run has both. The 139 is refused as a whole (429, or 401 when the key expired in between)."""
    one, two = pull(sandbox, account, 1, 1)
    print_invoices(account.seller, [one])
    assert push(account).confirmed == 1

    def correct_one():
        tracking_record(seller_id=account.seller_id, line_ids=[one.lines.get().pk], courier_code="0002",
                        tracking_no="123456789012", origin=TrackingPush.Origin.RECEIVING)

    if first == "ship":
        print_invoices(account.seller, [two])
        correct_one()
    else:
        correct_one()
        print_invoices(account.seller, [two])
    ship = TrackingPush.objects.get(order=two)
    correction = TrackingPush.objects.get(order=one, kind=Kind.CORRECT)
    sandbox.fault(path=MODIFY, status=status, retryAfter=1)

    stats = push(account)
    ship.refresh_from_db()
    correction.refresh_from_db()
    assert (correction.state, correction.last_code) == (State.PENDING, {429: "rate_limited", 401: "unauthorized"}[status])
    assert stats.waiting == 1
    if first == "ship":
        # The 137 went first and LotteON applied it: stored before the 139 was sent, and kept.
        assert stats.calls == ["ship 1", "correct 1"]
        assert ship.state == State.CONFIRMED and ship.attempts == 1
        assert two.lines.get().status == LineStatus.SHIPPED
    else:
        # The refused 139 ended the run before the 137 was sent.
        assert stats.calls == ["correct 1"]
        assert ship.state == State.PENDING and ship.attempts == 0

    if status == 401:
        account.refresh_from_db()
        assert account.connection_status == SalesSiteAccount.ConnectionStatus.FAILED
        assert "Test Connection" in correction.last_message
        assert account_test_connection(account=account).ok  # the seller saved a valid key and tested it
    push(account)
    ship.refresh_from_db()
    correction.refresh_from_db()
    assert (ship.state, correction.state) == (State.CONFIRMED, State.CONFIRMED)
    assert len(writes(sandbox, PROGRESS, two.order_no)) == 1, "order two's 137 was sent once"
    assert len(writes(sandbox, MODIFY, one.order_no)) == 1
    assert events_per_line(sandbox, SHIP_EVENT)[(two.order_no, "1")] == 1
    assert events_per_line(sandbox, CORRECT_EVENT)[(one.order_no, "1")] == 1
    two.refresh_from_db()
    assert two.status == OrderStatus.SHIPPED


# --- A call refused as a whole with a business returnCode ------------------------------------------------------

def test_a_137_refused_with_a_business_return_code_fails_its_lines_and_is_not_sent_again_by_itself(sandbox, account):
    """LotteON answers the 137 with a returnCode other than 0000: nothing was applied, and the same request
    would be refused again (repeated failing writes can get the server's IP blocked, API.md §4). Its lines
    are failures with LotteON's code and message, their order needs attention, the next run does not send
    them again; Retry (once the cause is fixed) sends each once."""
    (order,) = pull(sandbox, account, 2)
    print_invoices(account.seller, [order])
    sandbox.fault(path=PROGRESS, returnCode="9001")

    stats = push(account)
    assert (stats.sent, stats.failed, stats.waiting) == (2, 2, 0)
    rows = list(TrackingPush.objects.filter(order=order))
    assert {(r.state, r.last_code) for r in rows} == {(State.FAILED, "9001")}
    assert all("9001" in r.last_message for r in rows)
    order.refresh_from_db()
    assert order.needs_attention and "Tracking push failed" in order.attention_reason

    assert push(account).sent == 0, "not sent again until someone retries it"
    assert len(writes(sandbox, PROGRESS, order.order_no, refused_too=True)) == 1

    assert pushes_retry(seller_id=account.seller_id, push_ids=[r.pk for r in rows]).retried == 2
    assert push(account).confirmed == 2
    assert set(events_per_line(sandbox, SHIP_EVENT).values()) == {1}
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED and not order.needs_attention


def test_retry_all_sends_every_refused_number_again_from_the_failures_page(sandbox, account, client):
    """A refusal of a whole order's lines (a courier code the site does not take, a product state) is fixed once at
    the site; Retry all on Tracking push failures then sends all of them, not one line per click."""
    one, two = pull(sandbox, account, 3, 1)
    print_invoices(account.seller, [one, two])
    sandbox.fault(path=PROGRESS, returnCode="9001")
    assert push(account).failed == 4
    sandbox.clear_faults()
    client.force_login(account.user)
    page = client.get("/waybills/push-failures/").content.decode()
    assert "Retry all 4 refused" in page

    response = client.post("/waybills/push-failures/", {"action": "retry_all"}, follow=True)
    assert "4 tracking numbers will be sent again" in response.content.decode()
    assert set(TrackingPush.objects.values_list("state", flat=True)) == {TrackingPush.State.PENDING}
    assert push(account).confirmed == 4
    assert set(events_per_line(sandbox, SHIP_EVENT).values()) == {1}
    page = client.get("/waybills/push-failures/").content.decode()
    assert "Retry all" not in page and "No failures" in page
    response = client.post("/waybills/push-failures/", {"action": "retry_all"}, follow=True)
    assert "nothing to retry" in response.content.decode()


def test_retry_all_through_the_api_sends_every_refused_number_again(sandbox, account):
    """The REST API's Retry all: what a program calls once the cause is fixed at the site; another seller's
    refusals stay as they are."""
    one, two = pull(sandbox, account, 2, 1)
    seller, _ = make_seller_user()
    other = make_account(seller=seller, api_key=sandbox.OTHER_KEY, account_number=sandbox.OTHER_TR_NO)
    sandbox.create_order(apiKey=sandbox.OTHER_KEY, owhoDttm=kst(0.2), lines=[{"eitmNo": option_codes(sandbox, 1)[0]}])
    assert orders_sync(account_id=other.pk).status == SyncRun.Status.SUCCEEDED
    print_invoices(account.seller, [one, two])
    print_invoices(seller, Order.objects.filter(seller=seller))
    sandbox.fault(path=PROGRESS, returnCode="9001", count=-1)
    assert push(account).failed == 3
    assert push(other).failed == 1
    sandbox.clear_faults()
    api = APIClient()
    api.force_authenticate(account.user)

    # A body naming one account is not a filter Retry all has: refused, nothing retried (it retried all).
    response = api.post("/api/v1/tracking-pushes/retry-failed/", {"account": other.pk}, format="json")
    assert response.status_code == 400 and response.json()["extra"]["fields"] == {"account": [UNKNOWN_FIELD]}
    assert TrackingPush.objects.filter(account=account, state=State.FAILED).count() == 3
    response = api.post("/api/v1/tracking-pushes/retry-failed/")
    assert response.status_code == 200, response.content
    assert response.json() == {"retried": 3, "not_sent": 0}
    assert push(account).confirmed == 3
    shipped = events_per_line(sandbox, SHIP_EVENT)
    assert [shipped[(o.order_no, str(seq))] for o in (one, two) for seq in range(1, o.lines.count() + 1)] == [1, 1, 1]
    assert TrackingPush.objects.get(account=other).state == State.FAILED
    response = api.post("/api/v1/tracking-pushes/retry-failed/")
    assert response.status_code == 409 and response.json()["code"] == "nothing_to_retry"


def test_retry_all_does_not_count_a_number_retried_meanwhile_as_held(sandbox, account, monkeypatch):
    """Two people press Retry all together: the second request read the refused ids before the first put one
    back in the outbox. That one is neither retried again nor "on hold or cancelled"."""
    one, two = pull(sandbox, account, 1, 1)
    print_invoices(account.seller, [one, two])
    sandbox.fault(path=PROGRESS, returnCode="9001", count=-1)
    assert push(account).failed == 2
    sandbox.clear_faults()
    first, second = TrackingPush.objects.order_by("pk")
    read_ids = waybills_selectors.pushes_failed_ids

    def read_then_the_other_request_retries(*, seller):
        ids = read_ids(seller=seller)
        pushes_retry(seller_id=seller.pk, push_ids=[first.pk])
        return ids

    monkeypatch.setattr(waybills_selectors, "pushes_failed_ids", read_then_the_other_request_retries)
    api = APIClient()
    api.force_authenticate(account.user)
    response = api.post("/api/v1/tracking-pushes/retry-failed/")
    assert response.json() == {"retried": 1, "not_sent": 0}
    assert set(TrackingPush.objects.values_list("state", flat=True)) == {State.PENDING}


# --- The lease runs out under a live run ----------------------------------------------------------------------

def test_a_run_started_while_another_runs_call_is_on_its_way_does_not_send_the_line_again(sandbox, account,
                                                                                        monkeypatch):
    """The first run's lease is gone while its 137 is on its way (lost some other way than by the time
    passing: the claim is seconds old), and the sweep starts a second run before the 137 lands. Read back
    now, LotteON would still say step 12, so the second run must leave the line to the first."""
    (order,) = pull(sandbox, account, 1)
    print_invoices(account.seller, [order])
    original = LotteonAdapter.push_tracking
    started, second = [], []

    def push_tracking(self, requests):
        if not started:
            started.append(True)
            expire_lease(account)
            second.append(tracking_push(account_id=account.pk))
        return original(self, requests)

    monkeypatch.setattr(LotteonAdapter, "push_tracking", push_tracking)
    first = tracking_push(account_id=account.pk)

    assert len(writes(sandbox, PROGRESS, order.order_no)) == 1, "one 137 for the line"
    assert not second[0].skipped and second[0].sent == 0, second[0]
    assert (first.sent, first.confirmed) == (1, 1), first
    row = TrackingPush.objects.get()
    assert row.state == State.CONFIRMED and row.attempts == 1 and not row.claim_token
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED


def test_a_run_that_lost_its_lease_does_not_store_over_the_run_that_took_over(sandbox, account, monkeypatch):
    """The 137 fails before LotteON applies it (503) and the adapter reads back "not applied, step 12";
    then the worker stalls past the lease. Another run takes over, reads back, sends the 137 and stores it
    confirmed. When the first run wakes up, its stale "not applied" must neither overwrite that nor lead it
    to send the 137 a second time."""
    (order,) = pull(sandbox, account, 1)
    print_invoices(account.seller, [order])
    sandbox.fault(path=PROGRESS, status=503)
    original = LotteonAdapter.push_tracking
    started, second = [], []

    def push_tracking(self, requests):
        outcomes = original(self, requests)
        if not started:
            started.append(True)
            # The stall: longer than the lease, so the claim is as old as a real takeover would find it.
            TrackingPush.objects.update(sent_at=timezone.now() - timedelta(seconds=LOCK_SECONDS + 1))
            expire_lease(account)
            second.append(tracking_push(account_id=account.pk))
        return outcomes

    monkeypatch.setattr(LotteonAdapter, "push_tracking", push_tracking)
    first = tracking_push(account_id=account.pk)

    assert (second[0].sent, second[0].confirmed) == (1, 1), second[0]
    assert len(writes(sandbox, PROGRESS, order.order_no)) == 1, "LotteON received one 137 for the line"
    row = TrackingPush.objects.get()
    assert row.state == State.CONFIRMED and row.attempts == 2, "the stale answer was not stored over the new one"
    assert events_per_line(sandbox, SHIP_EVENT)[(order.order_no, "1")] == 1
    assert order.lines.get().status == LineStatus.SHIPPED
    assert first.lease_lost and first.confirmed == 0 and first.waiting == 0, first


def test_a_run_whose_lease_was_taken_sends_no_further_batch(sandbox, account, monkeypatch):
    one, two = pull(sandbox, account, 1, 1)
    print_invoices(account.seller, [one, two])
    monkeypatch.setattr(LotteonAdapter, "tracking_batch_size", 1)
    original = LotteonAdapter.push_tracking

    def push_tracking(self, requests):
        outcomes = original(self, requests)
        # The lease ran out during the call and another worker's run holds it now.
        Lease.objects.filter(name=lease_name(account.pk)).update(
            token="another-run", expires_at=timezone.now() + timedelta(minutes=5))
        return outcomes

    monkeypatch.setattr(LotteonAdapter, "push_tracking", push_tracking)
    stats = tracking_push(account_id=account.pk)

    assert not writes(sandbox, PROGRESS, two.order_no), "nothing sent after the lease was lost"
    waiting = TrackingPush.objects.get(order=two)
    assert (waiting.state, waiting.attempts) == (State.PENDING, 0)
    assert TrackingPush.objects.get(order=one).state == State.CONFIRMED, "the answer in hand is kept"
    assert stats.lease_lost and (stats.sent, stats.confirmed) == (1, 1), stats

    monkeypatch.setattr(LotteonAdapter, "push_tracking", original)
    Lease.objects.filter(name=lease_name(account.pk)).update(token="", expires_at=None)
    assert push(account).confirmed == 1
    assert len(writes(sandbox, PROGRESS, two.order_no)) == 1


def test_a_batch_longer_than_the_lease_keeps_its_lease(sandbox, account, settings, monkeypatch):
    """A lost 137 answer is read back with one 140 per order: slow reads make the batch outlast the lease
    (2 s here), but each call to LotteON renews it, so no other run can start meanwhile."""
    settings.SMARTSHIP_PUSH_LOCK_SECONDS = 2
    settings.LOTTEON_READ_TIMEOUT = 5.0
    orders = pull(sandbox, account, 1, 1)
    print_invoices(account.seller, orders)
    sandbox.fault(path=PROGRESS, status=503)
    sandbox.fault(path=STATES, delay=1.3, count=2)
    original = LotteonAdapter.push_tracking
    started, during = [], []

    def push_tracking(self, requests):
        outcomes = original(self, requests)
        if not started:
            started.append(True)
            during.append(tracking_push(account_id=account.pk))
        return outcomes

    monkeypatch.setattr(LotteonAdapter, "push_tracking", push_tracking)
    stats = tracking_push(account_id=account.pk)

    assert during[0].skipped, f"another run started during the batch: {during[0]}"
    assert stats.confirmed == 2 and not stats.lease_lost, stats
    assert all(len(writes(sandbox, PROGRESS, o.order_no)) == 1 for o in orders)
    # The renewing hook wraps the call log: the 503 and the 137 sent after the read-back are both logged.
    assert ApiCallLog.objects.filter(account=account, api_no="137").count() == 2


# --- LotteON refuses the account (401/403) -------------------------------------------------------------------

def test_refused_account_waits_for_a_successful_test_connection(sandbox, account, client,
                                                                 django_capture_on_commit_callbacks):
    from smartship.celery import app
    from waybills.tasks import push_tracking_sweep

    one, two = pull(sandbox, account, 1, 1)
    sandbox.supplier(apiKey=sandbox.DEMO_KEY, allowedIps=["10.20.30.40"])  # this server's IP is not registered
    print_invoices(account.seller, [one])

    stats = push(account)
    account.refresh_from_db()
    assert stats.waiting == 1 and stats.error == account.connection_message
    assert account.connection_status == SalesSiteAccount.ConnectionStatus.FAILED
    assert len(writes(sandbox, PROGRESS, one.order_no, refused_too=True)) == 1

    # Neither the sweep, nor a print that queues a push, nor the command sends the refused 137 again.
    app.conf.task_always_eager = True
    try:
        assert accounts_with_pushes() == []
        assert push_tracking_sweep() == 0
        with django_capture_on_commit_callbacks(execute=True):
            print_invoices(account.seller, [two])
        blocked = tracking_push(account_id=account.pk)
        assert blocked.blocked and blocked.sent == 0 and "Test Connection" in blocked.error
        with pytest.raises(CommandError):
            call_command("push_tracking")
        assert len(writes(sandbox, PROGRESS, one.order_no, refused_too=True)) == 1
        assert not writes(sandbox, PROGRESS, two.order_no, refused_too=True)

        # The failures page says why the numbers wait and where to fix it.
        client.force_login(account.user)
        page = client.get("/waybills/push-failures/").content.decode()
        assert "2 tracking numbers waiting" in page and "Test Connection" in page
        assert escape(account.connection_message) in page, "LotteON's reason (register the server's IP)"
        assert "Waiting for the account's Test Connection to succeed" in page

        # A failed Test Connection changes nothing; the seller registers the IP and tests again.
        assert not account_test_connection(account=account).ok
        assert push_tracking_sweep() == 0
        sandbox.supplier(apiKey=sandbox.DEMO_KEY, allowedIps=["127.0.0.1"])
        assert account_test_connection(account=account).ok
        assert push_tracking_sweep() == 1
    finally:
        app.conf.task_always_eager = False

    assert set(TrackingPush.objects.values_list("state", flat=True)) == {State.CONFIRMED}
    assert len(writes(sandbox, PROGRESS, one.order_no, refused_too=True)) == 2, "the refused one and the good one"
    assert events_per_line(sandbox, SHIP_EVENT)[(one.order_no, "1")] == 1
    assert events_per_line(sandbox, SHIP_EVENT)[(two.order_no, "1")] == 1
    assert "wb-push-blocked" not in client.get("/waybills/push-failures/").content.decode()


def test_a_deactivated_accounts_tracking_numbers_wait_until_it_is_activated(sandbox, account, client,
                                                                            django_capture_on_commit_callbacks):
    """Deactivate means SmartShip leaves the account alone: an invoice printed meanwhile gets its number, but
    nothing goes to LotteON (not the push the print queues, not the sweep) until the seller activates it."""
    from smartship.celery import app
    from waybills.tasks import push_tracking_sweep

    (order,) = pull(sandbox, account, 2)
    client.force_login(account.user)
    client.post(f"/sales-sites/{account.pk}/deactivate/")
    account.refresh_from_db()
    assert not account.is_active

    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            print_invoices(account.seller, [order])
        assert push_tracking_sweep() == 0
        out = io.StringIO()
        with pytest.raises(CommandError):
            call_command("push_tracking", "--account", str(account.pk), stdout=out)
        assert "the account is deactivated" in out.getvalue()
        assert not writes(sandbox, PROGRESS, order.order_no, refused_too=True)
        page = client.get("/waybills/push-failures/").content.decode()
        assert "2 tracking numbers waiting: account shop is deactivated" in page and "Activate it" in page
        # The page linked to has the button.
        detail = client.get(f"/sales-sites/{account.pk}/").content.decode()
        assert f'action="/sales-sites/{account.pk}/activate/"' in detail

        response = client.post(f"/sales-sites/{account.pk}/activate/", {"next": f"/sales-sites/{account.pk}/"})
        assert response.status_code == 302 and response["Location"] == f"/sales-sites/{account.pk}/"
        assert push_tracking_sweep() == 1
    finally:
        app.conf.task_always_eager = False
    assert set(TrackingPush.objects.values_list("state", flat=True)) == {State.CONFIRMED}
    assert set(events_per_line(sandbox, SHIP_EVENT).values()) == {1}
    assert "wb-push-blocked" not in client.get("/waybills/push-failures/").content.decode()
