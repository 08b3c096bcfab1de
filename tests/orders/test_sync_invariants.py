"""Invariants of the order sync over real HTTP against the LotteON sandbox: a line's identity includes procSeq,
the cursor never moves back, waiting lines are found by KST day, a 429 on 210 or on a read stops the queued
210 calls,
completed cancellations keep a line from being confirmed, and cancellation requests on lines that cannot be
held (shipped) or that ended in the same read hold nothing."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, time, timedelta

import pytest
from django.utils import timezone

from integrations import registry
from integrations.lotteon.adapter import LotteonAdapter, _pulled_line
from integrations.lotteon.client import LotteOnClient
from integrations.lotteon.codes import Step
from integrations.lotteon.mappers import order_line_from_json
from integrations.lotteon.timeutil import Window, format_dttm
from integrations.models import SalesSiteAccount, SyncRun
from integrations.services import account_config
from orders.models import ConfirmState, LineStatus, Order, OrderEvent, OrderLine
from orders.services.store import lines_store
from orders.services.sync import _SiteCalls, orders_sync
from tests.orders import test_sync
from tests.orders.test_sync import KST, LINK, kst, link_calls, linked_lines_sent, option_codes, sync

account = test_sync.account  # the same fixture: a LotteON account on the sandbox's demo supplier

pytestmark = [pytest.mark.sandbox, pytest.mark.django_db]
ORDERS = "SellerDeliveryOrdersSearch"


def lines_of(od_no: str) -> list[tuple]:
    return list(OrderLine.objects.filter(order__order_no=od_no).order_by("line_no", "process_seq").values_list(
        "line_no", "process_seq", "status", "confirm_state", "quantity", "cancelled_quantity"))


def cursor(account) -> datetime:
    return SalesSiteAccount.objects.values_list("orders_synced_until", flat=True).get(pk=account.pk)


def leave_waiting(sandbox, account, owho: str) -> dict:
    """An order whose 210 LotteON refuses at its first sync: its line waits behind the cursor for a later one."""
    (code,) = option_codes(sandbox, 1)
    created = sandbox.create_order(owhoDttm=owho, lines=[{"eitmNo": code}])
    sandbox.fault(path=LINK, returnCode="9999")
    sync(account, expect=SyncRun.Status.PARTIAL)
    line = OrderLine.objects.get(order__order_no=created["odNo"])
    assert (line.status, line.confirm_state) == (LineStatus.NEW, ConfirmState.FAILED)
    return created


# --- 1. procSeq is part of a line's identity ------------------------------------------------------------


def test_lines_differing_only_by_procseq_are_stored_as_two_lines(sandbox, account):
    """API.md §5.2: a line is keyed by odNo + odSeq + procSeq (1, then +1 per claim). An exchange ships the
    goods again as a delivery line of the same odNo/odSeq with a later procSeq. The sandbox does not model
    re-shipments (its README), so that one line is the sandbox's own 209 row with the claim's procSeq,
    mapped by the adapter exactly as a pull maps it; everything else goes over HTTP."""
    (code,) = option_codes(sandbox, 1)
    created = sandbox.create_order(owhoDttm=kst(1), lines=[{"eitmNo": code, "odQty": 2}])
    sync(account)
    sandbox.ship(created["odNo"], dvCoCd="0002", invcNo="123412341234")
    sync(account)
    od_no = created["odNo"]
    assert lines_of(od_no) == [("1", "1", LineStatus.SHIPPED, ConfirmState.CONFIRMED, 2, 0)]

    row = created["lines"][0]
    shipped = _pulled_line(order_line_from_json(row), linked=True, live_step="13")
    reshipment = _pulled_line(order_line_from_json(
        {**row, "procSeq": "3", "orglProcSeq": "1", "clmNo": "CL20260101000001", "odQty": 1}),
        linked=False, live_step="11")
    stats = lines_store(account=account, lines=(shipped, reshipment))

    assert stats.new == 1 and stats.updated == 0
    assert lines_of(od_no) == [("1", "1", LineStatus.SHIPPED, ConfirmState.CONFIRMED, 2, 0),
                               ("1", "3", LineStatus.NEW, ConfirmState.PENDING, 1, 0)]
    new = OrderLine.objects.get(order__order_no=od_no, process_seq="3")
    assert stats.to_confirm == [new.pk], "only the re-shipment waits for 210"
    assert (new.original_process_seq, new.claim_no) == ("1", "CL20260101000001")

    # Read again, by the store and by a sync (which still lists only procSeq 1): each line keeps its own row.
    before = lines_of(od_no)
    again = lines_store(account=account, lines=(shipped, reshipment))
    assert (again.new, again.updated) == (0, 0)
    sync(account)
    assert lines_of(od_no) == before


# --- 2. the cursor never moves back ---------------------------------------------------------------------


def test_a_failing_day_after_a_waiting_day_does_not_move_the_cursor_back(sandbox, account):
    """A line left waiting four days back is read again first; its day ends long before the cursor. The
    day after it fails: the run stops with the cursor where the last sync left it, not at that old day."""
    leave_waiting(sandbox, account, kst(4))
    until = cursor(account)
    assert until > timezone.now() - timedelta(minutes=5)

    sandbox.fault(path=ORDERS, count=3, delay=0.001)  # the waiting day's three 209 reads pass
    sandbox.fault(path=ORDERS, status=500, count=-1)  # the first day of the sync's own range fails
    run = orders_sync(account_id=account.pk)

    assert run.status == SyncRun.Status.FAILED and run.windows_done == 1, run.error_message
    assert cursor(account) == until


def test_a_cursor_ahead_of_the_clock_is_not_lowered(sandbox, account):
    """Written by a worker whose clock runs ahead: this sync's windows end at its own "now", earlier."""
    (code,) = option_codes(sandbox, 1)
    sandbox.create_order(owhoDttm=kst(0.5), lines=[{"eitmNo": code}])
    ahead = timezone.now() + timedelta(hours=1)
    SalesSiteAccount.objects.filter(pk=account.pk).update(orders_synced_until=ahead)

    run = sync(account)
    assert run.window_end < ahead and run.lines_new == 1
    assert cursor(account) == ahead


# --- 3. waiting lines are found by KST day --------------------------------------------------------------


def test_a_waiting_line_just_after_midnight_kst_is_read_again_on_its_kst_day(sandbox, account):
    """00:30 KST is 15:30 UTC the day before: the day read again must be the KST one (LotteON's windows are
    KST days), or the line is outside it and never confirmed."""
    day = (datetime.now(KST) - timedelta(days=4)).date()
    created = leave_waiting(sandbox, account, format_dttm(datetime.combine(day, time(0, 30), tzinfo=KST)))
    stored = Order.objects.get(order_no=created["odNo"])
    assert stored.instructed_at.astimezone(UTC).date() != day

    run = sync(account)
    line = OrderLine.objects.get(order__order_no=created["odNo"])
    assert (line.status, line.confirm_state) == (LineStatus.CONFIRMED, ConfirmState.CONFIRMED)
    assert run.lines_confirmed == 1
    assert linked_lines_sent(sandbox)[(created["odNo"], "1")] == 2, "the one refused, and this sync's"


# --- 4. a 429 on 210 stops the queued 210 calls ---------------------------------------------------------


def test_after_a_429_on_210_no_queued_210_is_sent(sandbox, account):
    """API.md §4: repeated failing writes can get the IP blocked. The first day's 210 is answered 429 after
    0.7 s, by which time the later days' 210 calls are queued behind it: none of them goes out."""
    codes = option_codes(sandbox, 3)
    orders = [sandbox.create_order(owhoDttm=kst(days), lines=[{"eitmNo": code}])
              for days, code in zip((3, 2, 1), codes, strict=True)]
    sandbox.fault(path=LINK, status=429, retryAfter=1, delay=0.7)  # under the 1 s read timeout

    run = orders_sync(account_id=account.pk)
    assert (run.status, run.error_code) == (SyncRun.Status.LIMITED, "rate_limited")
    assert len(link_calls(sandbox)) == 1, "only the call LotteON refused"
    assert not OrderLine.objects.filter(confirm_state=ConfirmState.CONFIRMED).exists()

    sandbox.clear_faults()
    sync(account)
    assert linked_lines_sent(sandbox) == {(o["odNo"], "1"): 1 for o in orders}


def test_after_a_429_on_a_read_no_queued_210_is_sent(sandbox, account, monkeypatch):
    """The same rule when LotteON refuses a read: the 429 is about the key's calls as a whole, so the 210
    calls queued behind the one in flight stay unsent (they go with the next sync). Days 3 and 2 ago hold an
    order each; reading yesterday is answered 429 with a Retry-After longer than the client sits out. The
    first 210 is held in flight until the sync has stopped its site calls, so the second one is queued by
    then, whatever the threads' timing."""
    codes = option_codes(sandbox, 2)
    orders = [sandbox.create_order(owhoDttm=kst(days), lines=[{"eitmNo": code}])
              for days, code in zip((3, 2), codes, strict=True)]
    refused_day = (datetime.now(KST) - timedelta(days=1)).date()
    stopped = threading.Event()
    real_stop, real_search, real_confirm = _SiteCalls.stop, LotteOnClient.search_orders, LotteonAdapter.confirm

    def stop(self):
        real_stop(self)
        stopped.set()

    def search(self, window, **kwargs):
        if window.start.astimezone(KST).date() == refused_day:
            sandbox.fault(path=ORDERS, status=429, retryAfter=120, count=-1)
        return real_search(self, window, **kwargs)

    def confirm(self, lines):
        assert stopped.wait(10), "the sync stopped its site calls"
        return real_confirm(self, lines)

    monkeypatch.setattr(_SiteCalls, "stop", stop)
    monkeypatch.setattr(LotteOnClient, "search_orders", search)
    monkeypatch.setattr(LotteonAdapter, "confirm", confirm)

    run = orders_sync(account_id=account.pk)
    assert (run.status, run.error_code) == (SyncRun.Status.LIMITED, "rate_limited")
    assert linked_lines_sent(sandbox) == {(orders[0]["odNo"], "1"): 1}, "only the 210 already in flight"
    assert lines_of(orders[0]["odNo"])[0][3] == ConfirmState.CONFIRMED, "its answer is kept"
    assert lines_of(orders[1]["odNo"])[0][3] == ConfirmState.PENDING

    sandbox.clear_faults()
    monkeypatch.undo()
    sync(account)
    assert linked_lines_sent(sandbox) == {(o["odNo"], "1"): 1 for o in orders}


# --- 5. completed cancellations decide what is confirmed ------------------------------------------------


def test_a_line_cancelled_after_the_pull_read_it_is_not_confirmed(sandbox, account, monkeypatch):
    """The pull read the line as New (209, 140) a moment before the buyer cancelled it, and the cancellation
    search (50) of the same sync lists the completed cancellation: 210 for the line would only be refused.
    The pull's answers for that day are the sandbox's own, read before the cancellation (a cancellation
    after the sync started falls outside the range its 50 reads); the calls still go out."""
    (code,) = option_codes(sandbox, 1)
    owho = datetime.now(KST) - timedelta(days=1)
    created = sandbox.create_order(owhoDttm=format_dttm(owho), lines=[{"eitmNo": code}])
    day = owho.date()
    window = Window(datetime.combine(day, time(0, 0), tzinfo=KST), datetime.combine(day, time(23, 59, 59), tzinfo=KST))
    adapter = registry.adapter_for(account.site, account_config(account))
    try:
        read_before = {flag: adapter.client.search_orders(window, if_cpl_yn=flag) for flag in ("", "N", "Y")}
        steps_before = adapter.client.delivery_steps(window)
    finally:
        adapter.close()
    assert [line.key.od_no for line in read_before[""]] == [created["odNo"]]
    sandbox.cancel(created["odNo"])
    real_orders, real_steps = LotteOnClient.search_orders, LotteOnClient.delivery_steps

    def orders_read_before(self, window, *, if_cpl_yn="", **kwargs):
        answer = real_orders(self, window, if_cpl_yn=if_cpl_yn, **kwargs)
        return read_before[if_cpl_yn] if window.start.astimezone(KST).date() == day else answer

    def steps_read_before(self, window, **kwargs):
        answer = real_steps(self, window, **kwargs)
        return steps_before if window.start.astimezone(KST).date() == day else answer

    monkeypatch.setattr(LotteOnClient, "search_orders", orders_read_before)
    monkeypatch.setattr(LotteOnClient, "delivery_steps", steps_read_before)
    run = sync(account)

    assert link_calls(sandbox) == [], "no 210 for a line LotteON has cancelled"
    assert lines_of(created["odNo"]) == [("1", "1", LineStatus.CANCELLED, ConfirmState.PENDING, 1, 1)]
    assert (run.lines_new, run.lines_cancelled, run.lines_confirmed, run.lines_failed) == (1, 1, 0, 0)


# --- 10. cancellation requests that hold nothing --------------------------------------------------------


def test_a_request_on_a_line_already_shipped_does_not_hold_it(sandbox, account):
    """docs/orders.md: a request holds a line so that nothing of it leaves; one read after the line shipped
    (another tool shipped it before the seller answered) has nothing left to hold, but is still open at LotteON:
    the order asks the seller to answer it."""
    (code,) = option_codes(sandbox, 1)
    created = sandbox.create_order(owhoDttm=kst(1), lines=[{"eitmNo": code}])
    sync(account)
    sandbox.request_cancel(created["odNo"])
    sandbox.ship(created["odNo"], dvCoCd="0002", invcNo="123412341234")

    run = sync(account)
    line = OrderLine.objects.get(order__order_no=created["odNo"])
    assert (line.status, line.on_hold, line.asked_after_shipping) == (LineStatus.SHIPPED, False, True)
    assert run.lines_held == 0
    [event] = OrderEvent.objects.filter(kind=OrderEvent.Kind.CANCEL_REQUESTED)
    assert "after it shipped" in event.message
    order = Order.objects.get(order_no=created["odNo"])
    assert order.needs_attention and "after they shipped: answer the request at the sales site" in (
        order.attention_reason)


def test_a_request_withdrawn_between_the_reads_of_one_sync_never_holds(sandbox, account, monkeypatch):
    """The sync reads 50 for 21, 02 and 22 one after the other; a buyer who withdraws in between shows up
    in both the 02 and the 22 answers. The 02 answer here is the sandbox's own, read while the request was
    open; the withdrawal then happens before the 22 read (before the sync, so that it is inside its range)."""
    (code,) = option_codes(sandbox, 1)
    created = sandbox.create_order(owhoDttm=kst(1), lines=[{"eitmNo": code}])
    sync(account)
    claim = sandbox.request_cancel(created["odNo"])["clmNo"]
    adapter = registry.adapter_for(account.site, account_config(account))
    try:
        open_requests = adapter.client.search_cancellations_range(
            timezone.now() - timedelta(days=1), timezone.now() + timedelta(seconds=1), step=Step.CLAIM_REQUESTED)
    finally:
        adapter.close()
    assert [r.clm_no for r in open_requests] == [claim]
    sandbox.withdraw_cancel(created["odNo"])
    real_claims = LotteOnClient.search_cancellations_range

    def requests_read_before_the_withdrawal(self, start, end, *, step=Step.CANCELLED):
        if step == Step.CLAIM_REQUESTED:
            real_claims(self, start, end, step=step)  # the call goes out; its answer came before the withdrawal
            return open_requests
        return real_claims(self, start, end, step=step)

    monkeypatch.setattr(LotteOnClient, "search_cancellations_range", requests_read_before_the_withdrawal)
    run = sync(account)

    line = OrderLine.objects.get(order__order_no=created["odNo"])
    assert (line.status, line.cancel_request_no, line.on_hold) == (LineStatus.CONFIRMED, "", False)
    assert run.lines_held == 0
    assert not OrderEvent.objects.filter(kind__in=[OrderEvent.Kind.CANCEL_REQUESTED,
                                                   OrderEvent.Kind.CANCEL_REQUEST_WITHDRAWN]).exists()
    assert not Order.objects.get(order_no=created["odNo"]).needs_attention
