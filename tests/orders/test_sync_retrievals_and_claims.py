"""The order sync against retrieval lines and cancellation claims other than completed ones, over real HTTP.

API.md §5.2: 209 also returns retrieval instructions (dvRtrvDvsCd RTRV, step 23: returns and exchange
pick-ups); the portal ships nothing for them, so it neither stores nor confirms them. §5.11: 50 lists
cancellation requests (02), withdrawn requests (22) and completed cancellations (21); only 21 cancels
a line, and an open request holds it until the seller answers (docs/lotteon.md row 23, docs/orders.md).
"""

from __future__ import annotations

import re
import time

import pytest

from orders.models import ConfirmState, LineStatus, Order, OrderEvent, OrderLine, OrderStatus
from tests.orders import test_sync
from tests.orders.test_sync import LINK, kst, option_codes, sync

account = test_sync.account  # the same fixture: a LotteON account on the sandbox's demo supplier

pytestmark = [pytest.mark.sandbox]
CANCELLATIONS = "getCancellationRequestAndComplateList"


def confirm_rows_sent(sandbox) -> list[dict]:
    """Every ifCompleteList row the portal sent through 210."""
    rows = []
    for call in sandbox.calls():
        body = call["request"].get("body")
        if LINK in call["path"] and isinstance(body, dict):
            rows.extend(body.get("ifCompleteList", []))
    return rows


def snapshot() -> list[tuple]:
    return sorted(OrderLine.objects.values_list("order__order_no", "line_no", "process_seq", "status",
                                                "confirm_state", "quantity", "cancelled_quantity",
                                                "site_status_code"))


def sandbox_line(sandbox, od_no: str, direction: str = "DV", od_seq: str = "1") -> dict:
    [row] = [r for r in sandbox.state()["orders"]
             if r["odNo"] == od_no and r["dvRtrvDvsCd"] == direction and r["odSeq"] == od_seq]
    return row


# --- (a) retrieval lines ---------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["return", "exchange"])
def test_retrieval_of_a_stored_shipped_order_is_neither_stored_nor_confirmed(sandbox, account, kind):
    (a,) = option_codes(sandbox, 1)
    order = sandbox.create_order(owhoDttm=kst(2), lines=[{"eitmNo": a, "odQty": 2}])
    sync(account)
    sandbox.ship(order["odNo"], dvCoCd="0002", invcNo="123412341234")
    sync(account)
    stored = Order.objects.get(order_no=order["odNo"])
    assert stored.status == OrderStatus.SHIPPED
    before, events, sent = snapshot(), OrderEvent.objects.count(), len(confirm_rows_sent(sandbox))
    assert sent == 1

    retrieval = sandbox.retrieval(order["odNo"], odSeq="1", type=kind)["line"]
    assert (retrieval["dvRtrvDvsCd"], retrieval["odPrgsStepCd"], retrieval["procSeq"]) == ("RTRV", "23", "2")
    run = sync(account)

    assert snapshot() == before, "no new line for the retrieval, and the shipped line is not changed back"
    assert OrderEvent.objects.count() == events
    assert (run.lines_new, run.lines_updated, run.lines_confirmed, run.lines_failed) == (0, 0, 0, 0)
    assert list(OrderLine.objects.filter(order__order_no=order["odNo"]).values_list("process_seq", flat=True)) == ["1"]
    stored.refresh_from_db()
    assert stored.status == OrderStatus.SHIPPED
    rows = confirm_rows_sent(sandbox)
    assert len(rows) == sent and all(row["dvRtrvDvsCd"] == "DV" for row in rows), "no 210 for the retrieval"
    live = sandbox_line(sandbox, order["odNo"], "RTRV")
    assert (live["odPrgsStepCd"], live["ifCplYN"]) == ("23", "")
    assert sandbox_line(sandbox, order["odNo"])["odPrgsStepCd"] == "13"

    # A second sync still leaves it alone.
    sync(account)
    assert snapshot() == before and len(confirm_rows_sent(sandbox)) == sent


@pytest.mark.django_db
def test_retrieval_of_an_order_never_stored_creates_no_order(sandbox, account):
    """Shipped before the portal ever saw it (entered by hand, per the guide): its return is not an order."""
    a, b = option_codes(sandbox, 2)
    shipped = sandbox.create_order(owhoDttm=kst(2), state="shipped", lines=[{"eitmNo": a}])
    sandbox.retrieval(shipped["odNo"], type="return")
    new = sandbox.create_order(owhoDttm=kst(1), lines=[{"eitmNo": b}])

    run = sync(account)

    assert set(Order.objects.values_list("order_no", flat=True)) == {new["odNo"]}
    assert run.lines_new == 1 and run.lines_confirmed == 1
    assert [(r["odNo"], r["dvRtrvDvsCd"]) for r in confirm_rows_sent(sandbox)] == [(new["odNo"], "DV")]
    assert sandbox_line(sandbox, shipped["odNo"], "RTRV")["odPrgsStepCd"] == "23"


@pytest.mark.django_db
def test_retrieval_linked_by_another_tool_is_still_not_an_order_line(sandbox, account):
    """An RTRV line reported through 210 by another tool (step 24) shows with ifCplYN=Y: still not stored."""
    (a,) = option_codes(sandbox, 1)
    order = sandbox.create_order(owhoDttm=kst(1), lines=[{"eitmNo": a}])
    sync(account)
    sandbox.ship(order["odNo"], dvCoCd="0002", invcNo="123412341234")
    sync(account)
    before = snapshot()
    sandbox.retrieval(order["odNo"])
    sandbox.link(order["odNo"], dvRtrvDvsCd="RTRV")
    assert sandbox_line(sandbox, order["odNo"], "RTRV")["odPrgsStepCd"] == "24"
    sync(account)
    assert snapshot() == before
    assert Order.objects.get(order_no=order["odNo"]).status == OrderStatus.SHIPPED


# --- (b) cancellation requests, withdrawals and completions ---------------------------------------


def held_lines() -> list[tuple]:
    return sorted(OrderLine.objects.exclude(cancel_request_no="").values_list(
        "order__order_no", "line_no", "cancel_request_quantity", "cancel_request_reason"))


@pytest.mark.django_db
def test_cancel_request_holds_the_line_until_withdrawn_and_completion_cancels(sandbox, account):
    (a,) = option_codes(sandbox, 1)
    order = sandbox.create_order(owhoDttm=kst(1), lines=[{"eitmNo": a, "odQty": 2}])
    sync(account)
    line = OrderLine.objects.get(order__order_no=order["odNo"])
    assert (line.status, line.confirm_state) == (LineStatus.CONFIRMED, ConfirmState.CONFIRMED)
    before = snapshot()

    # 02: the buyer asks. The line stays to ship at LotteON but is on hold here until the seller answers.
    claim = sandbox.request_cancel(order["odNo"], clmRsnCnts="단순 변심")["clmNo"]
    run = sync(account)
    assert snapshot() == before, "status, quantities and confirmation unchanged"
    assert (run.lines_cancelled, run.lines_held) == (0, 1)
    assert held_lines() == [(order["odNo"], "1", 2, "단순 변심")]
    line.refresh_from_db()
    assert line.on_hold and line.cancel_request_no == claim and line.cancel_requested_at is not None
    stored = Order.objects.get(order_no=order["odNo"])
    assert stored.status == OrderStatus.CONFIRMED and stored.needs_attention
    assert "buyer asked to cancel 1 line(s)" in stored.attention_reason
    [event] = line.events.filter(kind=OrderEvent.Kind.CANCEL_REQUESTED)
    assert "asked to cancel 2 of 2 (단순 변심)" in event.message and event.details == {"claim": claim}

    events = OrderEvent.objects.count()
    assert sync(account).lines_held == 0, "counted once, when first read"
    assert OrderEvent.objects.count() == events and held_lines() == [(order["odNo"], "1", 2, "단순 변심")], \
        "the same open request read again changes nothing"

    # 22: the buyer withdraws; the hold ends.
    sandbox.withdraw_cancel(order["odNo"])
    run = sync(account)
    assert snapshot() == before and held_lines() == [] and run.lines_cancelled == 0
    stored.refresh_from_db()
    assert not stored.needs_attention and stored.attention_reason == ""
    assert line.events.filter(kind=OrderEvent.Kind.CANCEL_REQUEST_WITHDRAWN).count() == 1

    # 21: a new request, completed; the line is cancelled and no longer held.
    sandbox.request_cancel(order["odNo"])
    sync(account)
    assert held_lines() == [(order["odNo"], "1", 2, "단순 변심")]
    sandbox.cancel(order["odNo"])
    run = sync(account)
    line.refresh_from_db()
    assert (line.status, line.cancelled_quantity, line.cancel_request_no) == (LineStatus.CANCELLED, 2, "")
    assert run.lines_cancelled == 1
    stored.refresh_from_db()
    assert stored.status == OrderStatus.CANCELLED and not stored.needs_attention
    assert line.events.filter(kind=OrderEvent.Kind.CANCELLED).count() == 1
    assert line.events.filter(kind=OrderEvent.Kind.CANCEL_REQUESTED).count() == 2
    assert len(confirm_rows_sent(sandbox)) == 1, "confirmed once, at the first sync"
    steps = {call["request"]["body"]["odPrgsStepCd"] for call in sandbox.calls() if CANCELLATIONS in call["path"]}
    assert steps == {"02", "21", "22"}

    again = snapshot(), OrderEvent.objects.count()
    sync(account)
    assert (snapshot(), OrderEvent.objects.count()) == again, "a cancellation counts once"


@pytest.mark.django_db
def test_request_ended_before_the_sync_reads_it_never_holds(sandbox, account):
    """A request withdrawn, or completed, before the next sync: the line is never put on hold."""
    a, b = option_codes(sandbox, 2)
    withdrawn = sandbox.create_order(owhoDttm=kst(1), lines=[{"eitmNo": a}])
    completed = sandbox.create_order(owhoDttm=kst(1), lines=[{"eitmNo": b}])
    sync(account)
    sandbox.request_cancel(withdrawn["odNo"])
    sandbox.withdraw_cancel(withdrawn["odNo"])
    sandbox.request_cancel(completed["odNo"])
    sandbox.cancel(completed["odNo"])
    sync(account)
    assert held_lines() == []
    assert not OrderEvent.objects.filter(kind__in=[OrderEvent.Kind.CANCEL_REQUESTED,
                                                   OrderEvent.Kind.CANCEL_REQUEST_WITHDRAWN]).exists()
    assert OrderLine.objects.get(order__order_no=completed["odNo"]).status == LineStatus.CANCELLED
    assert OrderLine.objects.get(order__order_no=withdrawn["odNo"]).status == LineStatus.CONFIRMED


@pytest.mark.django_db
def test_request_on_one_line_holds_that_line_only(sandbox, account):
    a, b = option_codes(sandbox, 2)
    order = sandbox.create_order(owhoDttm=kst(1), lines=[{"eitmNo": a, "odQty": 3}, {"eitmNo": b}])
    sync(account)
    sandbox.request_cancel(order["odNo"], odSeq="1", cnclQty=1, clmRsnCnts="주문 실수")
    sync(account)
    assert held_lines() == [(order["odNo"], "1", 1, "주문 실수")]
    assert [line.on_hold for line in OrderLine.objects.filter(order__order_no=order["odNo"]).order_by("line_no")] == [
        True, False]


@pytest.mark.django_db
def test_partial_cancel_request_reduces_the_line_only_when_completed(sandbox, account):
    (a,) = option_codes(sandbox, 1)
    order = sandbox.create_order(owhoDttm=kst(1), lines=[{"eitmNo": a, "odQty": 3}])
    sync(account)
    before = snapshot()
    sandbox.request_cancel(order["odNo"], cnclQty=1)
    sync(account)
    assert snapshot() == before

    sandbox.cancel(order["odNo"])
    sync(account)
    line = OrderLine.objects.get(order__order_no=order["odNo"])
    assert (line.status, line.quantity, line.cancelled_quantity, line.open_quantity) == (
        LineStatus.CONFIRMED, 3, 1, 2)
    assert Order.objects.get(order_no=order["odNo"]).total_quantity == 2


@pytest.mark.django_db
def test_withdrawn_request_leaves_the_line_shippable(sandbox, account):
    """After a withdrawal the line is shipped as usual, and the old request never cancels it later."""
    (a,) = option_codes(sandbox, 1)
    order = sandbox.create_order(owhoDttm=kst(1), lines=[{"eitmNo": a}])
    sync(account)
    sandbox.request_cancel(order["odNo"])
    sandbox.withdraw_cancel(order["odNo"])
    sandbox.ship(order["odNo"], dvCoCd="0002", invcNo="123412341234")
    sync(account)
    line = OrderLine.objects.get(order__order_no=order["odNo"])
    assert line.status == LineStatus.SHIPPED and line.cancelled_quantity == 0


# --- a claim covering several lines, answered line by line; claims one after the other; a release -------


def held_by_line(od_no: str) -> list[bool]:
    return [line.on_hold for line in OrderLine.objects.filter(order__order_no=od_no).order_by("line_no")]


@pytest.mark.django_db
def test_one_line_of_a_claim_withdrawn_keeps_the_other_on_hold(sandbox, account):
    a, b = option_codes(sandbox, 2)
    order = sandbox.create_order(owhoDttm=kst(1), lines=[{"eitmNo": a}, {"eitmNo": b}])
    sync(account)
    sandbox.request_cancel(order["odNo"])  # one claim, both lines
    sync(account)
    assert held_by_line(order["odNo"]) == [True, True]

    sandbox.withdraw_cancel(order["odNo"], odSeq="1")  # line 2's request is still open at LotteON
    sync(account)
    assert held_by_line(order["odNo"]) == [False, True]
    assert list(OrderEvent.objects.filter(kind=OrderEvent.Kind.CANCEL_REQUEST_WITHDRAWN)
                .values_list("line__line_no", flat=True)) == ["1"]
    events = OrderEvent.objects.count()
    sync(account)
    assert held_by_line(order["odNo"]) == [False, True] and OrderEvent.objects.count() == events


@pytest.mark.django_db
def test_claim_first_read_with_one_line_withdrawn_holds_the_other(sandbox, account):
    a, b = option_codes(sandbox, 2)
    order = sandbox.create_order(owhoDttm=kst(1), lines=[{"eitmNo": a}, {"eitmNo": b}])
    sync(account)
    sandbox.request_cancel(order["odNo"])
    sandbox.withdraw_cancel(order["odNo"], odSeq="1")
    sync(account)
    assert held_by_line(order["odNo"]) == [False, True]


@pytest.mark.django_db
def test_one_line_of_a_claim_approved_keeps_the_other_on_hold(sandbox, account):
    a, b = option_codes(sandbox, 2)
    order = sandbox.create_order(owhoDttm=kst(1), lines=[{"eitmNo": a}, {"eitmNo": b}])
    sync(account)
    sandbox.request_cancel(order["odNo"])
    sync(account)
    sandbox.cancel(order["odNo"], odSeq="1")  # the seller approves line 1 only
    sync(account)
    line_1, line_2 = OrderLine.objects.filter(order__order_no=order["odNo"]).order_by("line_no")
    assert line_1.status == LineStatus.CANCELLED and not line_1.on_hold
    assert line_2.on_hold and line_2.status == LineStatus.CONFIRMED


@pytest.mark.django_db
def test_two_approved_requests_one_after_the_other(sandbox, account, settings):
    """The second approval's sync no longer reads the first claim (it is older than what the sync re-reads):
    the line still keeps only what LotteON keeps. 50 filters on whole seconds, hence the pauses."""
    settings.SMARTSHIP_ORDER_RESCAN_HOURS = 0
    (a,) = option_codes(sandbox, 1)
    order = sandbox.create_order(owhoDttm=kst(3), lines=[{"eitmNo": a, "odQty": 3}])
    sync(account)
    for _ in range(2):
        sandbox.request_cancel(order["odNo"], cnclQty=1)
        time.sleep(1.1)
        sync(account)
        assert OrderLine.objects.get(order__order_no=order["odNo"]).on_hold
        time.sleep(1.1)
        sandbox.cancel(order["odNo"])
        time.sleep(1.1)
        sync(account)
    line = OrderLine.objects.get(order__order_no=order["odNo"])
    assert sandbox_line(sandbox, order["odNo"])["odQty"] == 1
    assert (line.quantity, line.cancelled_quantity, line.open_quantity, line.on_hold) == (3, 2, 1, False)
    assert Order.objects.get(order_no=order["odNo"]).total_quantity == 1


@pytest.mark.django_db
def test_released_hold_stays_released_until_a_new_request(client, sandbox, account):
    """The seller rejected the request at LotteON and releases the hold: the same open request read again
    does not hold the line, a new one does."""
    from sellers.models import Membership

    (a,) = option_codes(sandbox, 1)
    order = sandbox.create_order(owhoDttm=kst(1), lines=[{"eitmNo": a}])
    sync(account)
    sandbox.request_cancel(order["odNo"])
    sync(account)
    stored = Order.objects.get(order_no=order["odNo"])
    user = Membership.objects.filter(seller=account.seller).first().user
    client.force_login(user)
    page = client.get(f"/orders/{stored.pk}/").content.decode()
    assert "Rejected at the sales site: release the hold" in page

    response = client.post(f"/orders/{stored.pk}/release-hold/", follow=True)
    assert "Released 1 line: the order ships as usual" in response.content.decode()
    assert held_by_line(order["odNo"]) == [False]
    stored.refresh_from_db()
    assert not stored.needs_attention
    assert OrderEvent.objects.filter(kind=OrderEvent.Kind.CANCEL_REQUEST_RELEASED, actor=user).count() == 1
    again = client.post(f"/orders/{stored.pk}/release-hold/", follow=True).content.decode()
    assert "is not on hold: nothing to release" in again

    sync(account)  # LotteON still lists the request under 02
    assert held_by_line(order["odNo"]) == [False]

    sandbox.withdraw_cancel(order["odNo"])
    sandbox.request_cancel(order["odNo"])
    sync(account)
    assert held_by_line(order["odNo"]) == [True], "a new request holds the line again"
    api = client.post(f"/api/v1/orders/{stored.pk}/release-hold/")
    assert api.status_code == 200 and api.json() == {"released": 1}
    assert client.post(f"/api/v1/orders/{stored.pk}/release-hold/").status_code == 409
    assert client.post("/orders/99999999999999999999999/release-hold/").status_code == 404


@pytest.mark.django_db
def test_release_refuses_a_request_the_page_did_not_show(client, sandbox, account):
    """The page showed the request on line 1; the sync then read a new request on line 2. Releasing from that
    page releases nothing and says so; the page loaded again releases both."""
    from sellers.models import Membership

    a, b = option_codes(sandbox, 2)
    order = sandbox.create_order(owhoDttm=kst(1), lines=[{"eitmNo": a}, {"eitmNo": b}])
    sync(account)
    sandbox.request_cancel(order["odNo"], odSeq="1")
    sync(account)
    stored = Order.objects.get(order_no=order["odNo"])
    client.force_login(Membership.objects.filter(seller=account.seller).first().user)
    page = client.get(f"/orders/{stored.pk}/").content.decode()
    shown = re.findall(r'name="claim" value="([^"]+)"', page)
    assert len(shown) == 1

    sandbox.request_cancel(order["odNo"], odSeq="2")
    sync(account)
    assert held_by_line(order["odNo"]) == [True, True]
    response = client.post(f"/orders/{stored.pk}/release-hold/", {"claim": shown}, follow=True).content.decode()
    assert "Nothing was released: a cancellation request you have not seen arrived for line 2" in response
    assert held_by_line(order["odNo"]) == [True, True]
    api = client.post(f"/api/v1/orders/{stored.pk}/release-hold/", {"claims": shown}, content_type="application/json")
    assert api.status_code == 409 and api.json()["code"] == "hold_changed"

    page = client.get(f"/orders/{stored.pk}/").content.decode()
    shown = re.findall(r'name="claim" value="([^"]+)"', page)
    response = client.post(f"/orders/{stored.pk}/release-hold/", {"claim": shown}, follow=True).content.decode()
    assert "Released 2 lines" in response and held_by_line(order["odNo"]) == [False, False]


@pytest.mark.django_db
def test_a_request_read_after_the_line_shipped_is_shown_until_it_ends(client, sandbox, account):
    """The invoice was printed (or QFC shipped) before the sync read the buyer's request: nothing can be held
    any more, but the request stays open at LotteON until the seller answers it, so the order says so."""
    from orders.services.store import orders_refresh
    from sellers.models import Membership

    (a,) = option_codes(sandbox, 1)
    order = sandbox.create_order(owhoDttm=kst(1), lines=[{"eitmNo": a, "odQty": 2}])
    sync(account)
    stored = Order.objects.get(order_no=order["odNo"])
    stored.lines.update(status=LineStatus.SHIPPED)  # shipped here, the push not yet read back
    orders_refresh(order_ids={stored.pk})

    sandbox.request_cancel(order["odNo"], clmRsnCnts="단순 변심")
    run = sync(account)
    assert run.lines_held == 0, "nothing held: the line has left"
    stored.refresh_from_db()
    assert stored.status == OrderStatus.SHIPPED and stored.needs_attention
    assert "asked to cancel 1 line(s) after they shipped: answer the request at the sales site" in (
        stored.attention_reason)
    [event] = OrderEvent.objects.filter(order=stored, kind=OrderEvent.Kind.CANCEL_REQUESTED)
    assert "asked to cancel 2 of 2 (단순 변심) after it shipped" in event.message
    client.force_login(Membership.objects.filter(seller=account.seller).first().user)
    page = client.get(f"/orders/{stored.pk}/").content.decode()
    assert "Cancellation requested after shipping" in page and "expect the parcel back" in page

    sandbox.withdraw_cancel(order["odNo"])
    sync(account)
    stored.refresh_from_db()
    assert not stored.needs_attention

    # Rejected at LotteON (no call for it in API.md): the seller clears it on the order page, as a hold.
    claim = sandbox.request_cancel(order["odNo"])["clmNo"]
    sync(account)
    page = client.get(f"/orders/{stored.pk}/").content.decode()
    assert "Rejected at the sales site: clear the request" in page
    client.post(f"/orders/{stored.pk}/release-hold/", {"claim": claim})
    stored.refresh_from_db()
    assert not stored.needs_attention and stored.status == OrderStatus.SHIPPED
    assert OrderEvent.objects.filter(order=stored, kind=OrderEvent.Kind.CANCEL_REQUEST_RELEASED).count() == 1
