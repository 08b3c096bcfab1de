"""Confirmation (LotteON 210) under faults, over real HTTP against the sandbox: a write whose answer is lost
is read back before it is sent again, and a line left waiting outside the sync's range is not forgotten."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.exceptions import ApplicationError
from core.locks import lease_acquire, lease_release
from integrations.models import SyncRun
from orders.models import ConfirmState, LineStatus, Order, OrderLine
from orders.services import confirm as confirm_service
from orders.services.confirm import AUTO_CONFIRM_ATTEMPTS, orders_confirm
from orders.services.sync import lease_name, orders_sync
from tests.factories import make_account, make_seller_user

pytestmark = [pytest.mark.sandbox, pytest.mark.django_db]
KST = ZoneInfo("Asia/Seoul")
LINK = "SellerIfCompleteInform"
STATES = "SellerDeliveryProgressStateSearch"


def kst(days_ago: float) -> str:
    return (datetime.now(KST) - timedelta(days=days_ago)).strftime("%Y%m%d%H%M%S")


def option_code(sandbox) -> str:
    return next(r["eitmNo"] for r in sandbox.state()["stock"] if r["eitmNo"] and r["slStatCd"] == "SALE")


def links_sent(sandbox, od_no: str) -> int:
    """210 calls carrying the order, whatever became of them."""
    return sum(1 for c in sandbox.calls() if LINK in c["path"] and od_no in str(c["request"].get("body")))


def live_step(sandbox, od_no: str) -> str:
    return next(r["odPrgsStepCd"] for r in sandbox.state()["orders"] if r["odNo"] == od_no)


@pytest.fixture
def seller_and_user():
    return make_seller_user()


@pytest.fixture
def lotteon(sandbox, settings):
    settings.LOTTEON_BASE_URL = sandbox.url
    settings.LOTTEON_RETRY_BASE_DELAY = 0.01
    settings.LOTTEON_READ_TIMEOUT = 1.0
    settings.SMARTSHIP_ORDER_LOOKBACK_DAYS = 5
    return sandbox


def test_confirm_again_after_a_lost_answer_reads_the_state_and_sends_nothing(lotteon, seller_and_user):
    seller, user = seller_and_user
    account = make_account(seller=seller, api_key=lotteon.DEMO_KEY, account_number=lotteon.DEMO_TR_NO,
                           auto_order_confirmation=False)
    created = lotteon.create_order(owhoDttm=kst(0.2), lines=[{"eitmNo": option_code(lotteon)}])
    assert orders_sync(account_id=account.pk).status == SyncRun.Status.SUCCEEDED
    order = Order.objects.get(order_no=created["odNo"])

    # LotteON applies 210 and answers 500; reading the state back fails too.
    lotteon.fault(path=LINK, status=500, afterApply=True)
    lotteon.fault(path=STATES, status=500, count=-1)
    assert orders_confirm(seller=seller, order_ids=[order.pk], actor=user) == (0, 0)
    assert order.lines.get().confirm_state == ConfirmState.UNKNOWN
    assert live_step(lotteon, created["odNo"]) == "12"
    lotteon.clear_faults()

    # The seller clicks Confirm again: the state is read first; 210 is not sent a second time.
    assert orders_confirm(seller=seller, order_ids=[order.pk], actor=user) == (1, 0)
    line = order.lines.get()
    assert (line.status, line.confirm_state) == (LineStatus.CONFIRMED, ConfirmState.CONFIRMED)
    assert links_sent(lotteon, created["odNo"]) == 1
    order.refresh_from_db()
    assert not order.needs_attention


def test_confirm_after_a_lost_answer_that_did_not_take_sends_once_more(lotteon, seller_and_user):
    seller, user = seller_and_user
    account = make_account(seller=seller, api_key=lotteon.DEMO_KEY, account_number=lotteon.DEMO_TR_NO,
                           auto_order_confirmation=False)
    created = lotteon.create_order(owhoDttm=kst(0.2), lines=[{"eitmNo": option_code(lotteon)}])
    orders_sync(account_id=account.pk)
    order = Order.objects.get(order_no=created["odNo"])
    lotteon.fault(path=LINK, status=500)  # not applied
    lotteon.fault(path=STATES, status=500, count=-1)
    orders_confirm(seller=seller, order_ids=[order.pk], actor=user)
    lotteon.clear_faults()
    assert orders_confirm(seller=seller, order_ids=[order.pk], actor=user) == (1, 0)
    assert live_step(lotteon, created["odNo"]) == "12"


def test_a_lost_answer_read_back_as_not_applied_is_said_plainly(lotteon, seller_and_user, client):
    """210 answered 500 without applying it; 140 then shows the line still new: the line failed, and its reason
    says it was not confirmed and why, not that LotteON "may or may not" have applied it."""
    seller, user = seller_and_user
    account = make_account(seller=seller, api_key=lotteon.DEMO_KEY, account_number=lotteon.DEMO_TR_NO,
                           auto_order_confirmation=False)
    created = lotteon.create_order(owhoDttm=kst(0.2), lines=[{"eitmNo": option_code(lotteon)}])
    orders_sync(account_id=account.pk)
    order = Order.objects.get(order_no=created["odNo"])
    lotteon.fault(path=LINK, status=500)
    client.force_login(user)
    page = client.post("/orders/confirm/", {"order_ids": [order.pk]}, follow=True).content.decode()
    line = order.lines.get()
    assert (line.status, line.confirm_state) == (LineStatus.NEW, ConfirmState.FAILED)
    assert "may or may not" not in line.confirm_error
    assert line.confirm_error == ("LotteON did not answer the confirmation (HTTP 500) and, read back, still shows "
                                  "the line as a New Order: it was not confirmed. Confirming it again is safe.")
    assert "0 lines confirmed, 1 failed." in page and "may or may not" not in page
    lotteon.clear_faults()
    assert orders_confirm(seller=seller, order_ids=[order.pk], actor=user) == (1, 0)


@pytest.mark.parametrize("applied", [False, True])
def test_with_automatic_confirmation_off_the_next_sync_reads_a_lost_answer(lotteon, seller_and_user, applied):
    """Confirm selected lost 210's answer (LotteON down): the message says the next sync reads the state, and
    it does, though it confirms nothing itself: confirmed if the 210 took, else failed with what to do."""
    seller, user = seller_and_user
    account = make_account(seller=seller, api_key=lotteon.DEMO_KEY, account_number=lotteon.DEMO_TR_NO,
                           auto_order_confirmation=False)
    created = lotteon.create_order(owhoDttm=kst(0.2), lines=[{"eitmNo": option_code(lotteon)}])
    orders_sync(account_id=account.pk)
    order = Order.objects.get(order_no=created["odNo"])
    lotteon.fault(path=LINK, status=503, afterApply=applied)
    lotteon.fault(path=STATES, status=503, count=-1)
    orders_confirm(seller=seller, order_ids=[order.pk], actor=user)
    assert order.lines.get().confirm_state == ConfirmState.UNKNOWN
    lotteon.clear_faults()

    assert orders_sync(account_id=account.pk).status == SyncRun.Status.SUCCEEDED
    line = order.lines.get()
    order.refresh_from_db()
    if applied:
        assert (line.status, line.confirm_state) == (LineStatus.CONFIRMED, ConfirmState.CONFIRMED)
        assert not order.needs_attention
    else:
        assert (line.status, line.confirm_state) == (LineStatus.NEW, ConfirmState.FAILED)
        assert "Confirm the order again" in line.confirm_error and order.needs_attention
        assert order.events.filter(message__contains="not confirmed at the sales site").count() == 1
    assert links_sent(lotteon, created["odNo"]) == 1, "the sync sent no 210 of its own"


def test_confirm_waits_for_a_running_sync_then_says_so(lotteon, seller_and_user, monkeypatch):
    seller, user = seller_and_user
    account = make_account(seller=seller, api_key=lotteon.DEMO_KEY, account_number=lotteon.DEMO_TR_NO,
                           auto_order_confirmation=False)
    created = lotteon.create_order(owhoDttm=kst(0.2), lines=[{"eitmNo": option_code(lotteon)}])
    orders_sync(account_id=account.pk)
    order = Order.objects.get(order_no=created["odNo"])
    monkeypatch.setattr(confirm_service, "CONFIRM_WAIT_SECONDS", 0.5)
    token = lease_acquire(name=lease_name(account.pk), ttl=timedelta(minutes=1))
    try:
        with pytest.raises(ApplicationError, match="being synced right now"):
            orders_confirm(seller=seller, order_ids=[order.pk], actor=user)
    finally:
        lease_release(name=lease_name(account.pk), token=token)
    assert links_sent(lotteon, created["odNo"]) == 0
    assert orders_confirm(seller=seller, order_ids=[order.pk], actor=user) == (1, 0)


@pytest.mark.parametrize("fault", [
    {"status": 429, "retryAfter": 1, "delay": 0.7},  # refused: reads are retried by the client, writes never
    {"status": 500, "delay": 0.7},  # lost, and (below) the read-back of it fails too
])
def test_a_line_left_waiting_behind_the_cursor_is_confirmed_by_a_later_sync(lotteon, seller_and_user, fault):
    seller, _ = seller_and_user
    account = make_account(seller=seller, api_key=lotteon.DEMO_KEY, account_number=lotteon.DEMO_TR_NO)
    created = lotteon.create_order(owhoDttm=kst(4), lines=[{"eitmNo": option_code(lotteon)}])
    lotteon.fault(path=LINK, **fault)
    if fault["status"] == 500:
        lotteon.fault(path=STATES, delay=0.001, count=1)  # the pull's own 140 read of that day passes
        lotteon.fault(path=STATES, status=500, count=-1)
    orders_sync(account_id=account.pk)
    lotteon.clear_faults()
    account.refresh_from_db()
    assert account.orders_synced_until > datetime.now(KST) - timedelta(minutes=5)  # the cursor moved on
    line = OrderLine.objects.get(order__order_no=created["odNo"])
    assert line.status == LineStatus.NEW

    run = orders_sync(account_id=account.pk)
    line.refresh_from_db()
    assert (line.status, line.confirm_state) == (LineStatus.CONFIRMED, ConfirmState.CONFIRMED), run.error_message
    assert live_step(lotteon, created["odNo"]) == "12"
    assert links_sent(lotteon, created["odNo"]) == 2  # the one the fault took, and this sync's
    assert run.lines_confirmed == 1 and run.windows_total == run.windows_done

    # Nothing waits any more: the next sync reads only its own range.
    run = orders_sync(account_id=account.pk)
    assert run.windows_total == (run.window_end.astimezone(KST).date() - run.window_start.astimezone(KST).date()).days + 2


def test_the_sync_gives_up_a_line_after_its_attempts_and_leaves_it_to_the_seller(lotteon, seller_and_user):
    seller, user = seller_and_user
    account = make_account(seller=seller, api_key=lotteon.DEMO_KEY, account_number=lotteon.DEMO_TR_NO)
    created = lotteon.create_order(owhoDttm=kst(0.5), lines=[{"eitmNo": option_code(lotteon)}])
    lotteon.fault(path=LINK, status=429, retryAfter=1, count=-1)
    orders_sync(account_id=account.pk)
    line = OrderLine.objects.get(order__order_no=created["odNo"])
    assert line.status == LineStatus.NEW
    OrderLine.objects.filter(pk=line.pk).update(confirm_state=ConfirmState.FAILED, confirm_error="refused",
                                                confirm_attempts=AUTO_CONFIRM_ATTEMPTS)
    lotteon.clear_faults()
    sent = links_sent(lotteon, created["odNo"])
    orders_sync(account_id=account.pk)
    assert links_sent(lotteon, created["odNo"]) == sent
    # The seller's Confirm still sends it.
    assert orders_confirm(seller=seller, order_ids=[line.order_id], actor=user) == (1, 0)
    assert live_step(lotteon, created["odNo"]) == "12"


def test_confirm_pressed_by_two_people_at_once_tells_the_second_nothing_was_sent(lotteon, seller_and_user,
                                                                               monkeypatch, client):
    """Both picked the same New lines; the second waited for the first's lease and found them confirmed. It
    says so, not "the sales site did not answer" (0 confirmed, 0 failed), and sends no second 210."""
    seller, user = seller_and_user
    account = make_account(seller=seller, api_key=lotteon.DEMO_KEY, account_number=lotteon.DEMO_TR_NO,
                           auto_order_confirmation=False)
    created = lotteon.create_order(owhoDttm=kst(0.2), lines=[{"eitmNo": option_code(lotteon)}])
    assert orders_sync(account_id=account.pk).status == SyncRun.Status.SUCCEEDED
    order = Order.objects.get(order_no=created["odNo"])
    take_lease = confirm_service._account_lease
    first_done = []

    def the_other_person_first(account):
        if not first_done:
            first_done.append(None)  # the other person's own wait for the lease is not patched again
            first_done[0] = orders_confirm(seller=seller, order_ids=[order.pk], actor=user)
        return take_lease(account)

    monkeypatch.setattr(confirm_service, "_account_lease", the_other_person_first)
    client.force_login(user)
    page = client.post("/orders/confirm/", {"order_ids": [order.pk]}, follow=True).content.decode()
    assert first_done == [(1, 0)]
    assert "were confirmed a moment ago (by someone else or by the sync): nothing was sent again." in page
    assert "did not answer" not in page
    assert links_sent(lotteon, created["odNo"]) == 1
