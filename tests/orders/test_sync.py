"""The order sync over real HTTP against the LotteON sandbox, on real SQL (SQLite, and PostgreSQL in CI)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from core.locks import lease_acquire
from core.models import Lease
from integrations.models import ApiCallLog, SalesSiteAccount, SyncRun
from orders.models import ConfirmState, LineStatus, Order, OrderEvent, OrderLine, OrderStatus
from orders.services.sync import lease_name, orders_sync
from tests.factories import make_account, make_seller_user

pytestmark = [pytest.mark.sandbox]
KST = ZoneInfo("Asia/Seoul")
LINK = "SellerIfCompleteInform"
STATES = "SellerDeliveryProgressStateSearch"


@pytest.fixture
def account(sandbox, settings):
    settings.LOTTEON_BASE_URL = sandbox.url
    settings.LOTTEON_RETRY_BASE_DELAY = 0.01
    settings.LOTTEON_READ_TIMEOUT = 1.0
    settings.SMARTSHIP_ORDER_LOOKBACK_DAYS = 5
    seller, _ = make_seller_user()
    return make_account(seller=seller, api_key=sandbox.DEMO_KEY, account_number=sandbox.DEMO_TR_NO)


def option_codes(sandbox, n: int) -> list[str]:
    codes = [row["eitmNo"] for row in sandbox.state()["stock"] if row["eitmNo"] and row["slStatCd"] == "SALE"]
    return codes[:n]


def kst(days_ago: float) -> str:
    return (datetime.now(KST) - timedelta(days=days_ago)).strftime("%Y%m%d%H%M%S")


def sync(account, *, expect: str = SyncRun.Status.SUCCEEDED) -> SyncRun:
    """One sync that must end as ``expect``: a clean one by default. A partial run (a confirmation
    refused) is only accepted where a test is about it."""
    run = orders_sync(account_id=account.pk)
    assert run.status == expect, (run.status, run.error_message, run.lines_failed)
    return run


def link_calls(sandbox) -> list[dict]:
    return [call for call in sandbox.calls() if LINK in call["path"]]


def linked_lines_sent(sandbox) -> Counter:
    sent = Counter()
    for call in link_calls(sandbox):
        body = call["request"].get("body")
        if call["status"] != 200 or not isinstance(body, dict):
            continue
        for row in body.get("ifCompleteList", []):
            sent[(row["odNo"], str(row["odSeq"]))] += 1
    return sent


def snapshot() -> list[tuple]:
    return sorted(OrderLine.objects.values_list("order__order_no", "line_no", "process_seq", "status",
                                                "confirm_state", "quantity", "cancelled_quantity"))


@pytest.mark.django_db
def test_first_sync_collects_new_and_preparing_lines_only_and_confirms_new_ones(sandbox, account):
    a, b, c = option_codes(sandbox, 3)
    new = sandbox.create_order(owhoDttm=kst(2), lines=[{"eitmNo": a, "odQty": 2}, {"eitmNo": b, "odQty": 1}])
    linked = sandbox.create_order(owhoDttm=kst(1), state="linked", lines=[{"eitmNo": c}])
    shipped = sandbox.create_order(owhoDttm=kst(1), state="shipped", lines=[{"eitmNo": a}])
    cancelled = sandbox.create_order(owhoDttm=kst(1), state="cancelled", lines=[{"eitmNo": b}])

    run = sync(account)

    orders = {o.order_no: o for o in Order.objects.filter(seller=account.seller)}
    assert set(orders) == {new["odNo"], linked["odNo"]}, "shipped and cancelled lines are not collected"
    assert shipped["odNo"] not in orders and cancelled["odNo"] not in orders
    new_order = orders[new["odNo"]]
    assert new_order.status == OrderStatus.CONFIRMED and new_order.total_quantity == 3
    lines = list(new_order.lines.order_by("line_no"))
    assert [(line.seller_option_code, line.quantity, line.confirm_state) for line in lines] == [
        (a, 2, ConfirmState.CONFIRMED), (b, 1, ConfirmState.CONFIRMED)]
    assert new_order.recipient_name and new_order.address and new_order.zip_code and new_order.recipient_mobile
    assert lines[0].site_product_id.startswith("LO") and lines[0].site_option_id.startswith(lines[0].site_product_id)
    assert lines[0].raw["odNo"] == new["odNo"]
    # Confirmed once, and only the new lines: the linked one was confirmed by another tool.
    assert linked_lines_sent(sandbox) == Counter({(new["odNo"], "1"): 1, (new["odNo"], "2"): 1})
    assert orders[linked["odNo"]].lines.get().confirm_state == ConfirmState.CONFIRMED
    assert OrderEvent.objects.filter(order=orders[linked["odNo"]], kind="confirmed_elsewhere").exists()
    live = {(r["odNo"], str(r["odSeq"])): r for r in sandbox.state()["orders"]}
    assert live[(new["odNo"], "1")]["odPrgsStepCd"] == "12"
    assert (run.lines_new, run.lines_confirmed, run.lines_failed) == (3, 2, 0)
    assert run.lines_confirmed_elsewhere == 1, "new = confirmed + failed + already confirmed"
    # Every call, including those made ahead on the read-ahead thread, is in the account's call log.
    assert ApiCallLog.objects.filter(account=account).count() == len(sandbox.calls())
    account.refresh_from_db()
    assert account.orders_synced_until is not None and account.last_synced_at is not None


@pytest.mark.django_db
def test_resync_changes_nothing_and_new_orders_arrive(sandbox, account):
    (a,) = option_codes(sandbox, 1)
    sandbox.create_order(owhoDttm=kst(3), lines=[{"eitmNo": a}])
    sync(account)
    before, events, calls = snapshot(), OrderEvent.objects.count(), len(link_calls(sandbox))

    run = sync(account)
    assert snapshot() == before and OrderEvent.objects.count() == events
    assert (run.lines_new, run.lines_updated, run.lines_confirmed) == (0, 0, 0)
    assert len(link_calls(sandbox)) == calls, "nothing is confirmed twice"

    later = sandbox.create_order(lines=[{"eitmNo": a, "odQty": 4}])
    run = sync(account)
    assert run.lines_new == 1
    assert OrderLine.objects.get(order__order_no=later["odNo"]).quantity == 4


@pytest.mark.django_db
def test_line_confirmed_by_another_tool_is_recognised(sandbox, account):
    account.auto_order_confirmation = False
    account.save()
    (a,) = option_codes(sandbox, 1)
    order = sandbox.create_order(owhoDttm=kst(1), lines=[{"eitmNo": a}])
    sync(account)
    line = OrderLine.objects.get(order__order_no=order["odNo"])
    assert (line.status, line.confirm_state) == (LineStatus.NEW, ConfirmState.PENDING)

    sandbox.link(order["odNo"])
    run = sync(account)
    assert (run.lines_confirmed, run.lines_confirmed_elsewhere) == (0, 1)
    line.refresh_from_db()
    assert (line.status, line.confirm_state) == (LineStatus.CONFIRMED, ConfirmState.CONFIRMED)
    assert line.events.filter(kind="confirmed_elsewhere").count() == 1
    assert link_calls(sandbox) == []


@pytest.mark.django_db
def test_line_another_tool_reported_not_linked_is_collected_and_confirmed(sandbox, account):
    """210 N from another tool: the line is still a New Order at LotteON but no longer answers 209's
    empty ifCplYN (API.md §5.2, §9); the sync reads N too, stores the line and confirms it."""
    (a,) = option_codes(sandbox, 1)
    order = sandbox.create_order(owhoDttm=kst(1), lines=[{"eitmNo": a}])
    sandbox.link(order["odNo"], ifCplYN="N", ifFlRsnCnts="재고 확인 중")
    run = sync(account)
    line = OrderLine.objects.get(order__order_no=order["odNo"])
    assert (line.status, line.confirm_state) == (LineStatus.CONFIRMED, ConfirmState.CONFIRMED)
    assert run.lines_new == 1 and linked_lines_sent(sandbox)[(order["odNo"], "1")] == 1
    assert [row["ifCplYN"] for row in sandbox.state()["orders"] if row["odNo"] == order["odNo"]] == ["Y"]


@pytest.mark.django_db
def test_stored_line_shipped_elsewhere_follows_and_never_goes_back(sandbox, account):
    (a,) = option_codes(sandbox, 1)
    order = sandbox.create_order(owhoDttm=kst(1), lines=[{"eitmNo": a}])
    sync(account)
    sandbox.ship(order["odNo"], dvCoCd="0002", invcNo="123412341234")
    sync(account)
    stored = Order.objects.get(order_no=order["odNo"])
    assert stored.status == OrderStatus.SHIPPED
    assert stored.events.filter(kind="shipped_elsewhere").count() == 1

    # ... and never goes back: a line SmartShip knows shipped (its push was accepted) while LotteON's
    # answers still show it earlier (a re-read of an older state) stays shipped, with no event.
    second = sandbox.create_order(owhoDttm=kst(1), lines=[{"eitmNo": a}])
    sync(account)
    line = OrderLine.objects.get(order__order_no=second["odNo"])
    assert line.status == LineStatus.CONFIRMED
    OrderLine.objects.filter(pk=line.pk).update(status=LineStatus.SHIPPED)
    events = OrderEvent.objects.count()
    sync(account)
    line.refresh_from_db()
    assert line.status == LineStatus.SHIPPED and OrderEvent.objects.count() == events


@pytest.mark.django_db
def test_full_and_partial_cancellation(sandbox, account):
    a, b = option_codes(sandbox, 2)
    order = sandbox.create_order(owhoDttm=kst(1), lines=[{"eitmNo": a, "odQty": 3}, {"eitmNo": b, "odQty": 1}])
    account.auto_order_confirmation = False
    account.save()
    sync(account)
    sandbox.cancel(order["odNo"], odSeq="1", cnclQty=2)
    sandbox.cancel(order["odNo"], odSeq="2")
    run = sync(account)
    first, second = OrderLine.objects.filter(order__order_no=order["odNo"]).order_by("line_no")
    assert (first.status, first.quantity, first.cancelled_quantity, first.open_quantity) == (LineStatus.NEW, 3, 2, 1)
    assert second.status == LineStatus.CANCELLED
    stored = Order.objects.get(order_no=order["odNo"])
    assert stored.status == OrderStatus.NEW and stored.total_quantity == 1
    assert run.lines_cancelled >= 1
    again = snapshot()
    sync(account)
    assert snapshot() == again, "a cancellation counts once"

    sandbox.cancel(order["odNo"], odSeq="1")
    sync(account)
    assert Order.objects.get(order_no=order["odNo"]).status == OrderStatus.CANCELLED


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fault",
    [
        {"status": 401, "count": -1},
        {"status": 403, "count": -1},
        {"status": 429, "count": -1, "retryAfter": 120},
        {"status": 500, "count": -1},
        {"delay": 1.5, "count": -1},
        {"malformed": True, "count": -1},
    ],
    ids=["401", "403", "429", "500", "timeout", "malformed"],
)
def test_fault_mid_sync_loses_and_duplicates_nothing(sandbox, account, fault):
    codes = option_codes(sandbox, 3)
    orders = [sandbox.create_order(owhoDttm=kst(days), lines=[{"eitmNo": code}]) for days, code in zip((3, 2, 1), codes, strict=True)]
    # The first day's live-state read goes through; the fault hits from the second window on.
    sandbox.fault(path=STATES, count=1, delay=0.001)  # a delay alone lets the call through
    sandbox.fault(path=STATES, **fault)

    run = orders_sync(account_id=account.pk)
    stopped = SyncRun.Status.LIMITED if fault.get("status") == 429 else SyncRun.Status.FAILED
    assert run.status == stopped and run.error_message
    assert OrderLine.objects.filter(order__order_no=orders[0]["odNo"]).exists(), "the first window was kept"
    assert not OrderLine.objects.filter(order__order_no=orders[2]["odNo"]).exists()
    if fault.get("status") in (401, 403):
        account.refresh_from_db()
        assert account.connection_status == SalesSiteAccount.ConnectionStatus.FAILED

    sandbox.clear_faults()
    sync(account)
    assert sorted(Order.objects.values_list("order_no", flat=True)) == sorted(o["odNo"] for o in orders)
    assert OrderLine.objects.count() == 3
    assert set(linked_lines_sent(sandbox).values()) == {1}, "every line confirmed exactly once"
    assert sum(linked_lines_sent(sandbox).values()) == 3


@pytest.mark.django_db
def test_confirm_response_lost_is_resolved_by_reading_state_back(sandbox, account):
    (a,) = option_codes(sandbox, 1)
    order = sandbox.create_order(owhoDttm=kst(1), lines=[{"eitmNo": a}])
    sandbox.fault(path=LINK, delay=2.0, afterApply=True)
    run = sync(account)
    line = OrderLine.objects.get(order__order_no=order["odNo"])
    assert line.confirm_state == ConfirmState.CONFIRMED and run.lines_confirmed == 1
    time.sleep(1.5)  # the sandbox logs the delayed call when it finally answers
    assert len(link_calls(sandbox)) == 1, "never re-sent blindly"


@pytest.mark.django_db
def test_confirm_failure_is_kept_on_the_line_and_retried_next_sync(sandbox, account):
    (a,) = option_codes(sandbox, 1)
    order = sandbox.create_order(owhoDttm=kst(1), lines=[{"eitmNo": a}])
    sandbox.fault(path=LINK, returnCode="9999")
    run = sync(account, expect=SyncRun.Status.PARTIAL)
    assert run.lines_failed == 1
    stored = Order.objects.get(order_no=order["odNo"])
    line = stored.lines.get()
    assert line.confirm_state == ConfirmState.FAILED and "9999" in line.confirm_error
    assert stored.needs_attention and "Confirmation failed" in stored.attention_reason
    run = sync(account)
    line.refresh_from_db()
    assert line.confirm_state == ConfirmState.CONFIRMED and run.lines_confirmed == 1
    stored.refresh_from_db()
    assert not stored.needs_attention


@pytest.mark.django_db
def test_lock_keeps_a_second_sync_out_and_expires(sandbox, account):
    from datetime import timedelta as td

    token = lease_acquire(name=lease_name(account.pk), ttl=td(minutes=5))
    assert token
    run = orders_sync(account_id=account.pk)
    assert run.status == SyncRun.Status.SKIPPED
    Lease.objects.filter(name=lease_name(account.pk)).update(expires_at=datetime.now(KST) - td(seconds=1))
    assert sync(account).status == SyncRun.Status.SUCCEEDED, "a dead worker's lock expires"


@pytest.mark.django_db
@pytest.mark.parametrize("before", ["untested", "failed", "no_answer", "ok"])
def test_a_successful_sync_shows_the_connection_works(sandbox, account, before):
    from integrations.models import SalesSiteAccount

    SalesSiteAccount.objects.filter(pk=account.pk).update(connection_status=before, connection_message="earlier")
    sync(account)
    account.refresh_from_db()
    assert account.connection_status == SalesSiteAccount.ConnectionStatus.OK
    assert account.connection_message == ("earlier" if before == "ok" else
                                          "LotteON accepted every call of the order sync.")
    from django.template.loader import render_to_string

    html = render_to_string("integrations/partials/_connection_status.html", {"account": account})
    assert "Connected" in html and "connection-message" not in html, "not shown as an error"


def identity_calls(sandbox) -> list[dict]:
    return [call for call in sandbox.calls() if call["path"].endswith("/common/v1/identity")]


@pytest.mark.django_db
@pytest.mark.parametrize("before", ["untested", "failed", "ok", "limited"])
def test_a_sync_checks_an_account_number_the_site_never_confirmed(sandbox, account, before):
    """The order calls do not carry the Account Number: a sync of an account whose number LotteON has not
    confirmed asks LotteON (207) before calling the account Connected, and keeps who the key belongs to."""
    from integrations.models import AccountEvent, SalesSiteAccount

    # A status set a moment ago (a sync stopped by a 429, a 401 since fixed) does not delay the check.
    SalesSiteAccount.objects.filter(pk=account.pk).update(connection_status=before, supplier_number="",
                                                          connection_checked_at=timezone.now())
    sandbox.create_order(owhoDttm=kst(0.2), lines=[{"eitmNo": option_codes(sandbox, 1)[0]}])
    assert sync(account).status == SyncRun.Status.SUCCEEDED
    account.refresh_from_db()
    assert account.connection_status == SalesSiteAccount.ConnectionStatus.OK
    assert account.supplier_number == sandbox.DEMO_TR_NO
    assert account.connection_message.startswith("Connected to LotteON as ") and sandbox.DEMO_TR_NO in account.connection_message
    assert len(identity_calls(sandbox)) == 1
    assert AccountEvent.objects.get(account=account).details["checked_during"] == "the order sync"
    sync(account)
    assert len(identity_calls(sandbox)) == 1, "a confirmed number is not checked again"


@pytest.mark.django_db
def test_a_sync_with_a_wrong_account_number_stores_orders_and_shows_what_to_fix(sandbox, account):
    """A typo in the Account Number (another supplier's): the key works, so the orders arrive, but the account
    says Failed with LotteON's words, not Connected, and stock pushes (which need the number) are held. The
    number is checked again an hour later, not at every sync."""
    from integrations.models import AccountEvent, SalesSiteAccount

    SalesSiteAccount.objects.filter(pk=account.pk).update(account_number="LO99999999", supplier_number="",
                                                          connection_status=SalesSiteAccount.ConnectionStatus.OK)
    sandbox.create_order(owhoDttm=kst(0.2), lines=[{"eitmNo": option_codes(sandbox, 1)[0]}])
    assert sync(account).status == SyncRun.Status.SUCCEEDED
    assert Order.objects.filter(account=account).count() == 1
    account.refresh_from_db()
    assert account.connection_status == SalesSiteAccount.ConnectionStatus.FAILED
    assert "belongs to LotteON account LO10000001, but the Account Number entered is LO99999999" in (
        account.connection_message)
    sync(account)
    assert len(identity_calls(sandbox)) == 1
    account.refresh_from_db()
    assert account.connection_status == SalesSiteAccount.ConnectionStatus.FAILED, "not Connected by the next sync"
    AccountEvent.objects.filter(account=account).update(created_at=timezone.now() - timedelta(hours=2))
    sync(account)
    assert len(identity_calls(sandbox)) == 2


@pytest.mark.django_db
def test_a_day_stopped_by_a_deadlock_is_read_again_by_the_next_sync(sandbox, account, monkeypatch, caplog):
    """PostgreSQL stopped the day's transaction in a deadlock with a warehouse action: the run says so in
    words (no crash report), keeps nothing of that day, and the next sync stores it."""
    from django.db import OperationalError

    from orders.services import sync as sync_module

    class Deadlock(Exception):
        pgcode = "40P01"

    (code,) = option_codes(sandbox, 1)
    sandbox.create_order(owhoDttm=kst(1), lines=[{"eitmNo": code}])
    real_store = sync_module.lines_store

    def deadlocked(**kwargs):
        real_store(**kwargs)
        raise OperationalError("deadlock detected") from Deadlock()

    monkeypatch.setattr(sync_module, "lines_store", deadlocked)
    run = orders_sync(account_id=account.pk)
    assert (run.status, run.error_code) == (SyncRun.Status.FAILED, "busy")
    assert "The next sync reads it again" in run.error_message
    assert OrderLine.objects.count() == 0
    assert not [r for r in caplog.records if r.levelname == "ERROR"], "no crash report for a deadlock"
    monkeypatch.setattr(sync_module, "lines_store", real_store)
    assert sync(account).lines_new == 1


@pytest.mark.django_db
def test_a_sync_that_outlived_its_lock_stops_and_the_next_one_resumes(sandbox, account, monkeypatch):
    """A run slower than its lease: another sync took the account over, so this one writes no more."""
    from orders.services import sync as sync_module

    codes = option_codes(sandbox, 2)
    for days, code in zip((3, 1), codes, strict=True):
        sandbox.create_order(owhoDttm=kst(days), lines=[{"eitmNo": code}])
    real_store = sync_module.lines_store
    calls = []

    def store_then_lose_the_lease(**kwargs):
        calls.append(1)
        if len(calls) == 2:  # the second day: another run has taken the lease meanwhile
            Lease.objects.filter(name=lease_name(account.pk)).update(token="another-run")
        return real_store(**kwargs)

    monkeypatch.setattr(sync_module, "lines_store", store_then_lose_the_lease)
    run = orders_sync(account_id=account.pk)
    assert (run.status, run.error_code) == (SyncRun.Status.FAILED, "lease_lost")
    assert run.windows_done == 1 and OrderLine.objects.count() == 0  # day one held no order; day two rolled back
    monkeypatch.setattr(sync_module, "lines_store", real_store)
    Lease.objects.filter(name=lease_name(account.pk)).update(token="", expires_at=None)
    assert sync(account).lines_new == 2


@pytest.mark.django_db(transaction=True)
def test_two_syncs_started_at_once_store_each_line_once(sandbox, account):
    if connection.vendor == "sqlite" and "memory" in str(connection.settings_dict["NAME"]):
        pytest.skip("needs a database file shared between threads")
    codes = option_codes(sandbox, 2)
    for days, code in zip((2, 1), codes, strict=True):
        sandbox.create_order(owhoDttm=kst(days), lines=[{"eitmNo": code}])
    sandbox.fault(path="SellerDeliveryOrdersSearch", delay=0.3, count=2)
    runs: list[SyncRun] = []

    def worker():
        runs.append(orders_sync(account_id=account.pk))
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(run.status for run in runs) == [SyncRun.Status.SKIPPED, SyncRun.Status.SUCCEEDED]
    assert OrderLine.objects.count() == 2
    assert set(linked_lines_sent(sandbox).values()) == {1}


@pytest.mark.django_db
def test_every_call_of_a_sync_carries_the_headers_lotteon_asks_for(sandbox, account):
    """API.md §2: Accept, Accept-Language ko, X-Timezone GMT+09:00 on every call, Content-Type on POST."""
    (a,) = option_codes(sandbox, 1)
    sandbox.create_order(owhoDttm=kst(1), lines=[{"eitmNo": a}])
    sync(account)
    calls = sandbox.calls()
    assert {call["apiNo"] for call in calls} >= {209, 140, 210, 50}
    for call in calls:
        headers = call["request"]["headers"]
        assert headers["Accept"] == "application/json" and headers["Accept-Language"] == "ko", call["path"]
        assert headers["X-Timezone"] == "GMT+09:00", call["path"]
        assert call["method"] != "POST" or headers["Content-Type"].startswith("application/json"), call["path"]


@pytest.mark.django_db
def test_sync_orders_command_runs_the_same_service(sandbox, account, capsys):
    (a,) = option_codes(sandbox, 1)
    sandbox.create_order(owhoDttm=kst(1), lines=[{"eitmNo": a}])
    call_command("sync_orders", account=account.pk)
    assert "new 1" in capsys.readouterr().out
    assert SyncRun.objects.filter(account=account, trigger="command", status="succeeded").count() == 1


@pytest.mark.django_db
def test_confirmations_sent_before_a_failed_read_keep_their_answers(sandbox, account):
    """Each day's New lines are confirmed while later days are read; a read failing on a later day
    must not lose the answers LotteON already gave for the earlier ones."""
    codes = option_codes(sandbox, 3)
    orders = [sandbox.create_order(owhoDttm=kst(days), lines=[{"eitmNo": code}]) for days, code in zip((3, 2, 1), codes, strict=True)]
    sandbox.fault(path=STATES, count=1, delay=0.001)
    sandbox.fault(path=STATES, status=500, count=-1)

    run = orders_sync(account_id=account.pk)
    assert run.status == SyncRun.Status.FAILED
    first = OrderLine.objects.get(order__order_no=orders[0]["odNo"])
    assert (first.status, first.confirm_state) == (LineStatus.CONFIRMED, ConfirmState.CONFIRMED)
    assert run.lines_confirmed == 1
    assert linked_lines_sent(sandbox) == Counter({(orders[0]["odNo"], "1"): 1})

    sandbox.clear_faults()
    sync(account)
    assert not OrderEvent.objects.filter(order__order_no=orders[0]["odNo"],
                                         kind=OrderEvent.Kind.CONFIRMED_ELSEWHERE).exists()
    assert OrderEvent.objects.filter(order__order_no=orders[0]["odNo"], kind=OrderEvent.Kind.CONFIRMED).count() == 1
    assert sum(linked_lines_sent(sandbox).values()) == 3


@pytest.mark.django_db
def test_confirmations_go_at_most_100_lines_per_call(sandbox, account):
    """API.md §5.3: 210 takes batches of up to 100 rows; 101 New lines of one day are two calls."""
    (code,) = option_codes(sandbox, 1)
    for _ in range(101):
        sandbox.create_order(owhoDttm=kst(0.5), lines=[{"eitmNo": code}])
    run = sync(account)
    sizes = sorted(len(call["request"]["body"]["ifCompleteList"]) for call in link_calls(sandbox))
    assert sizes == [1, 100] and run.lines_confirmed == 101


@pytest.mark.django_db
def test_refused_key_sends_no_queued_confirmation(sandbox, account):
    codes = option_codes(sandbox, 2)
    for days, code in zip((2, 1), codes, strict=True):
        sandbox.create_order(owhoDttm=kst(days), lines=[{"eitmNo": code}])
    sandbox.fault(path=LINK, status=401, count=-1)
    run = orders_sync(account_id=account.pk)
    assert run.status == SyncRun.Status.FAILED and run.error_code == "unauthorized"
    assert len(link_calls(sandbox)) == 1, "after the first refused write, nothing more is sent"
    assert not OrderLine.objects.filter(confirm_state=ConfirmState.CONFIRMED).exists()


@pytest.mark.django_db
def test_line_cancelled_before_its_first_sync_is_not_confirmed(sandbox, account):
    a, b = option_codes(sandbox, 2)
    order = sandbox.create_order(owhoDttm=kst(1), lines=[{"eitmNo": a, "odQty": 3}, {"eitmNo": b, "odQty": 1}])
    sandbox.cancel(order["odNo"], odSeq="1", cnclQty=2)
    sandbox.cancel(order["odNo"], odSeq="2")
    run = sync(account)
    assert linked_lines_sent(sandbox) == Counter({(order["odNo"], "1"): 1}), "only the partly cancelled line"
    first = OrderLine.objects.get(order__order_no=order["odNo"], line_no="1")
    assert (first.confirm_state, first.open_quantity) == (ConfirmState.CONFIRMED, 1)
    assert not OrderLine.objects.filter(order__order_no=order["odNo"], line_no="2").exclude(
        status=LineStatus.CANCELLED).exists()
    assert run.lines_confirmed == 1


@pytest.mark.django_db
def test_a_nul_character_in_lotteons_text_is_dropped_not_a_day_that_never_stores(sandbox, account):
    """PostgreSQL's text and jsonb cannot hold U+0000. A buyer's delivery message with one (pasted from another
    program) would fail its whole day on every sync; it is stored without the character instead."""
    (code,) = option_codes(sandbox, 1)
    created = sandbox.create_order(owhoDttm=kst(0.2), lines=[{"eitmNo": code}], dvMsg="문 앞에\u0000 놓아주세요",
                                   odrNm="김\u0000민준")
    sync(account)
    order = Order.objects.get(order_no=created["odNo"])
    assert (order.delivery_message, order.orderer_name) == ("문 앞에 놓아주세요", "김민준")
    line = order.lines.get()
    assert "\u0000" not in str(line.raw) and line.raw["dvMsg"] == "문 앞에 놓아주세요"


@pytest.mark.django_db
def test_an_account_registered_again_takes_back_the_orders_of_the_deleted_one(sandbox, account):
    """Delete an account, register the same LotteON account again: its orders stay in the portal, and the new
    account's sync links them back to it, so that they can be confirmed, printed and pushed again (not left
    New for ever with "Account deleted")."""
    from integrations.services import account_delete

    account.auto_order_confirmation = False
    account.save(update_fields=["auto_order_confirmation"])
    (a,) = option_codes(sandbox, 1)
    placed = sandbox.create_order(owhoDttm=kst(1), lines=[{"eitmNo": a}])
    sync(account)
    order = Order.objects.get(order_no=placed["odNo"])
    assert order.account_id == account.pk and order.status == OrderStatus.NEW

    account_delete(account=account)
    order.refresh_from_db()
    assert order.account_id is None, "the orders stay when their account goes"

    again = make_account(seller=order.seller, api_key=sandbox.DEMO_KEY, account_number=sandbox.DEMO_TR_NO,
                         shop_id="shop-again", auto_order_confirmation=False)
    run = sync(again)
    order.refresh_from_db()
    assert order.account_id == again.pk
    assert (run.lines_new, run.lines_updated) == (0, 0), "the lines themselves did not change"
    assert order.events.filter(kind=OrderEvent.Kind.UPDATED, message__contains="shop-again").exists()
    assert Order.objects.filter(order_no=placed["odNo"]).count() == 1
