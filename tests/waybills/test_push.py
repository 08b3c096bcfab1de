"""The tracking push over real HTTP against the LotteON sandbox, on real SQL: invoices (QSP, 9999), packing
labels scanned at QFC (carrier code and number), lost answers, 5xx, corrections (139), cancelled lines."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from core.exceptions import ApplicationError
from orders.models import LineStatus, OrderEvent, OrderLine, OrderStatus
from orders.services.store import orders_refresh
from orders.services.sync import orders_sync
from sellers.models import User
from tests.factories import make_seller_user
from tests.waybills.helpers import (
    CORRECT_EVENT,
    SHIP_EVENT,
    events_per_line,
    live_lines,
    print_invoices,
    pull,
    push,
)
from waybills.labels.numbers import qsp_check
from waybills.models import TrackingPush, Waybill, WaybillKind
from waybills.selectors import pushes_not_pushed_recent
from waybills.services.push import push_correct, push_dismiss, pushes_retry, tracking_push
from waybills.services.receiving import packing_receive
from waybills.services.tracking import tracking_record

pytestmark = [pytest.mark.sandbox, pytest.mark.django_db]
PROGRESS = "SellerDeliveryProgressStateInform"
MODIFY = "SellerInvoiceNoModifyInform"
State = TrackingPush.State


def calls_to(sandbox, path: str) -> list[dict]:
    # A delayed (fault-injected) call of an earlier test is logged when it ends, possibly after this
    # test's reset, and order numbers repeat across resets: leave fault-injected calls out.
    live = {row["odNo"] for row in sandbox.state()["orders"]}
    return [c for c in sandbox.calls() if path in c["path"] and not c.get("fault")
            and any(no in str(c["request"].get("body")) for no in live)]


def test_invoice_print_pushes_qsp_with_9999_for_every_line(sandbox, account):
    one, two = pull(sandbox, account, 1, 2)
    batch = print_invoices(account.seller, [one, two])

    waybills = {w.order_id: w for w in Waybill.objects.filter(pk__in=batch.waybill_ids)}
    for order in (one, two):
        number = waybills[order.pk].number
        assert qsp_check(number) == number and len(number) == 15
        order.refresh_from_db()
        assert order.status == OrderStatus.READY
    assert TrackingPush.objects.filter(state=State.PENDING).count() == 3, "one row per line"

    stats = push(account)
    assert (stats.sent, stats.confirmed, stats.failed) == (3, 3, 0)
    assert len(calls_to(sandbox, PROGRESS)) == 1, "one 137 call for the batch"
    live = live_lines(sandbox)
    for order in (one, two):
        for line in order.lines.all():
            row = live[(order.order_no, line.line_no)]
            assert (row["odPrgsStepCd"], row["invcNo"], row["dvCoCd"]) == ("13", waybills[order.pk].number, "9999")
        order.refresh_from_db()
        assert order.status == OrderStatus.SHIPPED
        assert order.events.filter(kind=OrderEvent.Kind.SHIPPED).exists()
    assert set(TrackingPush.objects.values_list("state", flat=True)) == {State.CONFIRMED}

    # Draining again sends nothing; printing again is a reprint with the same numbers and no new push.
    assert push(account).sent == 0
    again = print_invoices(account.seller, [one, two])
    assert again.waybill_ids == batch.waybill_ids and sorted(again.reprint_ids) == sorted(batch.waybill_ids)
    assert push(account).sent == 0
    assert events_per_line(sandbox, SHIP_EVENT) == {(o.order_no, line.line_no): 1 for o in (one, two)
                                                    for line in o.lines.all()}


@pytest.mark.parametrize("fault", [
    {"delay": 2.5, "afterApply": True},  # applied, answer lost to the read timeout
    {"status": 500, "afterApply": True},  # applied, then a 5xx
    {"status": 503},  # 5xx before applying
    {"status": 502, "afterApply": True, "count": 1},
])
def test_lost_answers_and_5xx_end_with_exactly_one_push_per_line(sandbox, account, fault):
    orders = pull(sandbox, account, 2, 1)
    print_invoices(account.seller, orders)
    sandbox.fault(path=PROGRESS, **fault)

    stats = push(account)
    assert stats.confirmed == 3 and stats.failed == 0 and stats.unknown == 0, stats
    per_line = events_per_line(sandbox, SHIP_EVENT)
    assert set(per_line.values()) == {1}, per_line
    assert set(TrackingPush.objects.values_list("state", flat=True)) == {State.CONFIRMED}
    assert all(o.status == OrderStatus.SHIPPED for o in type(orders[0]).objects.filter(pk__in=[o.pk for o in orders]))


def test_unknown_outcome_that_cannot_be_read_back_waits_and_is_never_resent_blindly(sandbox, account):
    (order,) = pull(sandbox, account, 1)
    print_invoices(account.seller, [order])
    sandbox.fault(path=PROGRESS, status=500, afterApply=True)
    sandbox.fault(path="SellerDeliveryProgressStateSearch", status=500, count=-1)  # 140 down too

    stats = push(account)
    assert stats.unknown == 1
    push_row = TrackingPush.objects.get()
    assert push_row.state == State.UNKNOWN and push_row.attempts == 1
    assert "read" in push_row.last_message.lower()

    sandbox.clear_faults()
    stats = push(account)
    assert stats.sent == 0, "the next run reads back first: the line is shipped, nothing is sent"
    push_row.refresh_from_db()
    assert push_row.state == State.CONFIRMED
    assert events_per_line(sandbox, SHIP_EVENT)[(order.order_no, "1")] == 1


def test_a_run_that_died_mid_send_is_read_back_not_resent(sandbox, account):
    (order,) = pull(sandbox, account, 1)
    batch = print_invoices(account.seller, [order])
    number = Waybill.objects.get(pk=batch.waybill_ids[0]).number
    # The worker sent 137 and died before storing the answer: LotteON has it, the row says "sending".
    sandbox.ship(order.order_no, dvCoCd="9999", invcNo=number)
    TrackingPush.objects.update(state=State.SENDING, attempts=1)

    stats = push(account)
    assert stats.sent == 0 and stats.confirmed == 1
    assert not [c for c in calls_to(sandbox, PROGRESS) if order.order_no in str(c["request"].get("body"))]
    assert events_per_line(sandbox, SHIP_EVENT)[(order.order_no, "1")] == 1


def test_rate_limit_leaves_rows_waiting_and_the_next_run_sends(sandbox, account):
    (order,) = pull(sandbox, account, 1)
    print_invoices(account.seller, [order])
    sandbox.fault(path=PROGRESS, status=429, retryAfter=1)

    stats = push(account)
    assert stats.waiting == 1 and stats.error
    row = TrackingPush.objects.get()
    assert row.state == State.PENDING and row.last_code == "rate_limited"
    assert push(account).confirmed == 1


def test_packing_label_and_receiving_scan_push_the_carriers_code_and_number(sandbox, account):
    one, two = pull(sandbox, account, 2, 1)
    batch = print_invoices(account.seller, [one, two], kind=WaybillKind.PACKING)
    assert not TrackingPush.objects.exists(), "a packing label pushes nothing until it is received"
    labels = {w.order_id: w for w in Waybill.objects.filter(pk__in=batch.waybill_ids)}
    one.refresh_from_db()
    assert one.status == OrderStatus.READY

    _, operator = make_seller_user()
    packing_receive(code=labels[one.pk].number, courier_code="0002", tracking_no="6789-1234-5678", actor=operator)
    packing_receive(code=labels[two.pk].number.lower(), courier_code="롯데택배", tracking_no="2345 6789 0123")

    stats = push(account)
    assert stats.confirmed == 3
    live = live_lines(sandbox)
    assert [(live[(one.order_no, s)]["invcNo"], live[(one.order_no, s)]["dvCoCd"]) for s in ("1", "2")] == [
        ("678912345678", "0002")] * 2
    assert (live[(two.order_no, "1")]["invcNo"], live[(two.order_no, "1")]["dvCoCd"]) == ("234567890123", "0001")
    received = Waybill.objects.get(pk=labels[one.pk].pk)
    assert (received.status, received.courier_name, received.received_by) == ("received", "CJ대한통운", operator)


def test_one_tracking_number_on_two_parcels_scanned_at_once(sandbox, account, monkeypatch):
    """Two operators scan two labels with the same carrier number at the same moment: both pass the check
    before either writes. The second to write is refused as if it had come later, and nothing of it stays."""
    from waybills.services import receiving

    one, two = pull(sandbox, account, 2, 1)
    batch = print_invoices(account.seller, [one, two], kind=WaybillKind.PACKING)
    labels = {w.order_id: w for w in Waybill.objects.filter(pk__in=batch.waybill_ids)}
    packing_receive(code=labels[one.pk].number, courier_code="0002", tracking_no="6789-1234-5678")
    checks = []
    check = receiving._tracking_no_unused

    def checked_before_the_other_wrote(*args):
        checks.append(args)
        if len(checks) > 1:
            check(*args)

    monkeypatch.setattr(receiving, "_tracking_no_unused", checked_before_the_other_wrote)
    with pytest.raises(ApplicationError) as refused:
        packing_receive(code=labels[two.pk].number, courier_code="0002", tracking_no="678912345678")
    assert refused.value.code == "tracking_no_used" and one.order_no in refused.value.message
    assert len(checks) == 2
    second = Waybill.objects.get(pk=labels[two.pk].pk)
    assert (second.status, second.tracking_no) == (Waybill.Status.PRINTED, "")
    assert not TrackingPush.objects.filter(order=two).exists()


def test_correction_goes_through_139_not_a_second_137(sandbox, account):
    (order,) = pull(sandbox, account, 2)
    label = Waybill.objects.get(pk=print_invoices(account.seller, [order], kind=WaybillKind.PACKING).waybill_ids[0])
    packing_receive(code=label.number, courier_code="0002", tracking_no="111122223333")  # mistyped at QFC
    push(account)
    sends_before = len(calls_to(sandbox, PROGRESS))

    # The warehouse records the right number (the fulfilment path calls the same service).
    tracking_record(seller_id=account.seller_id, line_ids=list(order.lines.values_list("pk", flat=True)),
                    courier_code="0004", tracking_no="1234567890123")
    corrections = TrackingPush.objects.filter(kind=TrackingPush.Kind.CORRECT)
    assert corrections.count() == 2 and {c.previous_tracking_no for c in corrections} == {"111122223333"}

    stats = push(account)
    assert stats.confirmed == 2
    assert len(calls_to(sandbox, PROGRESS)) == sends_before, "no second 137"
    assert len(calls_to(sandbox, MODIFY)) == 1
    live = live_lines(sandbox)
    assert {(live[(order.order_no, s)]["invcNo"], live[(order.order_no, s)]["dvCoCd"]) for s in ("1", "2")} == {
        ("1234567890123", "0004")}
    assert set(events_per_line(sandbox, SHIP_EVENT).values()) == {1}
    assert set(events_per_line(sandbox, CORRECT_EVENT).values()) == {1}
    assert order.events.filter(message__contains="corrected").count() == 2
    # The same number again changes nothing.
    again = tracking_record(seller_id=account.seller_id, line_ids=list(order.lines.values_list("pk", flat=True)),
                            courier_code="0004", tracking_no="1234-5678-90123")
    assert again.pushes == [] and len(again.unchanged) == 2


def test_correction_with_a_lost_answer_is_read_back(sandbox, account):
    (order,) = pull(sandbox, account, 1)
    print_invoices(account.seller, [order])
    push(account)
    tracking_record(seller_id=account.seller_id, line_ids=[order.lines.get().pk], courier_code="0002",
                    tracking_no="555566667777")
    sandbox.fault(path=MODIFY, status=500, afterApply=True)

    assert push(account).confirmed == 1
    assert events_per_line(sandbox, CORRECT_EVENT)[(order.order_no, "1")] == 1
    assert live_lines(sandbox)[(order.order_no, "1")]["invcNo"] == "555566667777"


def test_line_shipped_elsewhere_with_another_number_is_a_conflict_fixed_by_139(sandbox, account):
    (order,) = pull(sandbox, account, 1)
    batch = print_invoices(account.seller, [order])
    number = Waybill.objects.get(pk=batch.waybill_ids[0]).number
    sandbox.ship(order.order_no, dvCoCd="0002", invcNo="999988887777")

    stats = push(account)
    assert stats.conflicts == 1
    row = TrackingPush.objects.get()
    assert (row.state, row.site_tracking_no) == (State.CONFLICT, "999988887777")
    order.refresh_from_db()
    assert order.needs_attention and number in order.attention_reason

    push_correct(seller_id=account.seller_id, push_id=row.pk)
    assert push(account).confirmed == 1
    assert live_lines(sandbox)[(order.order_no, "1")]["invcNo"] == number
    assert events_per_line(sandbox, SHIP_EVENT)[(order.order_no, "1")] == 1, "only the other tool's 137"


def test_cancelled_lines_are_not_pushed_and_the_seller_is_told_why(sandbox, account, client):
    keep, gone = pull(sandbox, account, 1, 2)
    batch = print_invoices(account.seller, [keep, gone])
    sandbox.cancel(gone.order_no, odSeq="2")  # one line of the second order
    orders_sync(account_id=account.pk)  # the sync applies the cancellation; the hook stops its push

    cancelled_line = OrderLine.objects.get(order=gone, line_no="2")
    assert cancelled_line.status == LineStatus.CANCELLED
    row = TrackingPush.objects.get(line=cancelled_line)
    assert row.state == State.CANCELLED and "cancelled by the buyer" in row.last_message.lower()
    flagged = Waybill.objects.get(pk=batch.waybill_ids[1])
    assert flagged.flagged and "reprint" in flagged.flag_reason

    stats = push(account)
    assert stats.confirmed == 2
    live = live_lines(sandbox)
    assert live[(gone.order_no, "2")]["odPrgsStepCd"] == "21" and not live[(gone.order_no, "2")]["invcNo"]
    assert live[(gone.order_no, "1")]["odPrgsStepCd"] == "13"

    client.force_login(account.user)
    page = client.get("/waybills/push-failures/").content.decode()
    assert "Not pushed: cancelled by the buyer" in page and gone.order_no in page
    tracking = client.get(f"/waybills/orders/{gone.pk}/").content.decode()
    assert "Cancelled by the buyer: the tracking number is not pushed." in tracking


def test_line_cancelled_at_the_site_before_the_portal_knows_is_not_shipped(sandbox, account):
    (order,) = pull(sandbox, account, 1)
    print_invoices(account.seller, [order])
    sandbox.cancel(order.order_no)

    stats = push(account)
    assert stats.cancelled == 1 and stats.failed == 0
    row = TrackingPush.objects.get()
    assert row.state == State.CANCELLED and "cancelled by the buyer" in row.last_message.lower()
    # Told the same way as a cancellation the sync stored first: listed under "Not pushed: cancelled by the buyer".
    assert row.last_code == "cancelled"
    assert [p.pk for p in pushes_not_pushed_recent(seller=account.seller)] == [row.pk]


def test_refused_line_is_a_failure_with_a_retry(sandbox, account):
    (order,) = pull(sandbox, account, 1)
    print_invoices(account.seller, [order])
    OrderLine.objects.filter(order=order).update(site_option_id="LO0000000000_000")  # LotteON refuses sitmNo

    stats = push(account)
    assert stats.failed == 1
    row = TrackingPush.objects.get()
    assert row.state == State.FAILED and "sitmNo" in row.last_message
    order.refresh_from_db()
    assert order.needs_attention and "Tracking push failed" in order.attention_reason
    # The order's figures recomputed for another reason (here: directly) keep the reason while it holds.
    orders_refresh(order_ids={order.pk})
    order.refresh_from_db()
    assert order.needs_attention and "Tracking push failed" in order.attention_reason

    line = order.lines.get()
    line.site_option_id = line.raw["sitmNo"]
    line.save()
    assert pushes_retry(seller_id=account.seller_id, push_ids=[row.pk]).retried == 1
    assert push(account).confirmed == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED and not order.needs_attention


def test_an_order_with_several_refused_lines_names_them_all(sandbox, account):
    (order,) = pull(sandbox, account, 2)
    print_invoices(account.seller, [order])
    OrderLine.objects.filter(order=order).update(site_option_id="LO0000000000_000")
    assert push(account).failed == 2
    order.refresh_from_db()
    assert order.attention_reason.startswith("Tracking push failed for lines 1, 2 (")
    row = TrackingPush.objects.filter(order=order).first()
    assert pushes_retry(seller_id=account.seller_id, push_ids=[row.pk]).retried == 1
    row.refresh_from_db()
    assert row.last_code == "", "a retried row no longer shows the old refusal's code"


def test_push_tracking_command_runs_the_same_service(sandbox, account, capsys):
    (order,) = pull(sandbox, account, 1)
    print_invoices(account.seller, [order])
    call_command("push_tracking", "--account", str(account.pk))
    assert "1 confirmed" in capsys.readouterr().out
    call_command("push_tracking")
    assert "Nothing to push" in capsys.readouterr().out


def test_one_push_per_account_at_a_time(sandbox, account):
    from datetime import timedelta

    from core.locks import lease_acquire, lease_release
    from waybills.services.push import lease_name

    (order,) = pull(sandbox, account, 1)
    print_invoices(account.seller, [order])
    token = lease_acquire(name=lease_name(account.pk), ttl=timedelta(minutes=5))
    assert tracking_push(account_id=account.pk).skipped
    lease_release(name=lease_name(account.pk), token=token)
    assert tracking_push(account_id=account.pk).confirmed == 1


def test_a_line_cancelled_after_the_packing_label_was_printed_is_told_to_the_seller_and_at_the_scan(
        sandbox, account, client):
    (order,) = pull(sandbox, account, 2)
    batch = print_invoices(account.seller, [order], kind=WaybillKind.PACKING)
    sandbox.cancel(order.order_no, odSeq="2")
    orders_sync(account_id=account.pk)

    order.refresh_from_db()
    assert order.status != OrderStatus.CANCELLED
    assert order.needs_attention and "Line 2 cancelled by the buyer after printing" in order.attention_reason
    label = Waybill.objects.get(pk=batch.waybill_ids[0])
    line = order.lines.get(line_no="2")
    client.force_login(User.objects.create_user("qfc-scan", password="x", is_warehouse_operator=True))
    lookup = client.get("/waybills/receiving/lookup/", {"label": label.number}).json()
    taken_out = f"{line.cancelled_quantity} × {line.option_name or line.product_name} (line 2)"
    assert f"take {taken_out} out of the parcel" in lookup["message"] and lookup["warning"]
    assert len(lookup["items"]) == 1, "the cancelled line is not listed as content"


def test_the_scan_takes_out_only_what_was_cancelled_after_the_label_was_printed(sandbox, account, client):
    """Line 3 (3 pcs) loses 1 before the label is printed, so the label and the parcel hold 2; after printing
    it loses 1 more and line 2 (2 pcs) goes wholly. QFC takes out 2 of line 2 and 1 of line 3, not the 1
    cancelled before printing, and nothing of line 1."""
    (order,) = pull(sandbox, account, 3)
    sandbox.cancel(order.order_no, odSeq="3", cnclQty=1)
    orders_sync(account_id=account.pk)
    batch = print_invoices(account.seller, [order], kind=WaybillKind.PACKING)
    sandbox.cancel(order.order_no, odSeq="3", cnclQty=1)
    sandbox.cancel(order.order_no, odSeq="2")
    orders_sync(account_id=account.pk)

    _, second, third = order.lines.order_by("line_no")
    assert (second.status, third.cancelled_quantity) == (LineStatus.CANCELLED, 2)
    label = Waybill.objects.get(pk=batch.waybill_ids[0])
    client.force_login(User.objects.create_user("qfc-scan", password="x", is_warehouse_operator=True))
    message = client.get("/waybills/receiving/lookup/", {"label": label.number}).json()["message"]
    assert (f"take 2 × {second.option_name or second.product_name} (line 2), "
            f"1 × {third.option_name or third.product_name} (line 3) out of the parcel.") in message, message


def test_the_reprinted_label_ends_the_attention_a_partial_cancellation_raised(sandbox, account):
    (order,) = pull(sandbox, account, 2)
    print_invoices(account.seller, [order], kind=WaybillKind.PACKING)
    sandbox.cancel(order.order_no, odSeq="2")
    orders_sync(account_id=account.pk)
    order.refresh_from_db()
    assert order.needs_attention and "reprint the label" in order.attention_reason

    # Recomputed for another reason, the order keeps it: the label in hand still lists the cancelled line.
    orders_refresh(order_ids={order.pk})
    order.refresh_from_db()
    assert order.needs_attention and "reprint the label" in order.attention_reason

    print_invoices(account.seller, [order], kind=WaybillKind.PACKING)
    order.refresh_from_db()
    assert not order.needs_attention and order.attention_reason == ""
    assert not Waybill.objects.get(order=order).flagged


def test_whole_order_cancelled_after_printing_flags_the_label_and_the_order(sandbox, account):
    (order,) = pull(sandbox, account, 2)
    batch = print_invoices(account.seller, [order])
    sandbox.cancel(order.order_no)
    orders_sync(account_id=account.pk)

    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert order.needs_attention and "do not ship" in order.attention_reason
    waybill = Waybill.objects.get(pk=batch.waybill_ids[0])
    assert waybill.flagged and "do not ship" in waybill.flag_reason
    assert set(TrackingPush.objects.values_list("state", flat=True)) == {State.CANCELLED}
    assert push(account).sent == 0
    assert not any(row["invcNo"] for row in live_lines(sandbox).values())


def test_print_queues_the_push_on_commit_and_the_sweep_finds_leftovers(sandbox, account,
                                                                       django_capture_on_commit_callbacks):
    from smartship.celery import app
    from waybills.tasks import push_tracking_sweep

    one, two = pull(sandbox, account, 1, 1)
    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            print_invoices(account.seller, [one])
        assert callbacks, "the push is queued only after the print commits"
        one.refresh_from_db()
        assert one.status == OrderStatus.SHIPPED, "the queued task pushed it"

        with django_capture_on_commit_callbacks(execute=False):
            print_invoices(account.seller, [two])  # its task is lost (broker down, worker killed)
        assert TrackingPush.objects.get(order=two).state == State.PENDING
        assert push_tracking_sweep() == 1
        two.refresh_from_db()
        assert two.status == OrderStatus.SHIPPED
    finally:
        app.conf.task_always_eager = False


def test_a_site_that_keeps_failing_before_applying_does_not_loop(sandbox, account):
    (order,) = pull(sandbox, account, 1)
    print_invoices(account.seller, [order])
    sandbox.fault(path=PROGRESS, status=503, count=-1)  # every 137 fails before applying

    stats = push(account)
    row = TrackingPush.objects.get()
    assert row.state == State.PENDING and row.attempts == 2, "sent at most twice in one run"
    assert stats.confirmed == 0
    sandbox.clear_faults()
    assert push(account).confirmed == 1
    assert events_per_line(sandbox, SHIP_EVENT)[(order.order_no, "1")] == 1


def test_courier_list_is_read_from_89_cached_for_a_day_with_a_fallback(sandbox, account, settings):
    from datetime import timedelta

    from django.core.cache import cache
    from django.utils import timezone

    from waybills.models import Courier
    from waybills.selectors import courier_find, courier_list
    from waybills.services.couriers import couriers_refresh

    cache.clear()
    assert courier_find(site="lotteon", value="9999").name == "기타택배", "built-in list before the first read"
    assert couriers_refresh(site="lotteon", account=account)
    codes = {c.code for c in courier_list(site="lotteon")}
    assert {"0001", "0002", "0042", "9999"} <= codes and Courier.objects.count() == len(codes)
    assert not couriers_refresh(site="lotteon", account=account), "fresh for a day"
    assert len([c for c in sandbox.calls() if "getDetailCodeList" in c["path"]]) == 1

    Courier.objects.update(fetched_at=timezone.now() - timedelta(days=2))
    settings.LOTTEON_BASE_URL = "http://127.0.0.1:9"  # unreachable: the stored list stays in use
    assert not couriers_refresh(site="lotteon", account=account)
    assert {c.code for c in courier_list(site="lotteon")} == codes
    cache.clear()


def test_bulk_dismiss_is_all_or_nothing_and_says_what_it_did(sandbox, account, client):
    one, two = pull(sandbox, account, 1, 1)
    print_invoices(account.seller, [one, two])
    OrderLine.objects.filter(order__in=[one, two]).update(site_option_id="LO0000000000_000")  # refused
    assert push(account).failed == 2
    failed = list(TrackingPush.objects.order_by("pk"))
    other_seller, _ = make_seller_user()
    client.force_login(account.user)
    url = reverse("waybills:push-failures")

    # A row that cannot be dismissed (already sent) among the selection: nothing is dismissed.
    TrackingPush.objects.filter(pk=failed[1].pk).update(state=State.CONFIRMED)
    response = client.post(url, {"action": "dismiss", "push_ids": [failed[0].pk, failed[1].pk]}, follow=True)
    assert "Only a failed push or one shipped with another number can be dismissed." in response.content.decode()
    assert TrackingPush.objects.get(pk=failed[0].pk).state == State.FAILED

    TrackingPush.objects.filter(pk=failed[1].pk).update(state=State.FAILED)
    response = client.post(url, {"action": "dismiss", "push_ids": [p.pk for p in failed]}, follow=True)
    assert "Dismissed 2 tracking pushes: SmartShip stops sending them." in response.content.decode()
    assert set(TrackingPush.objects.values_list("state", flat=True)) == {State.CANCELLED}


def test_an_account_with_numbers_on_their_way_is_not_deleted_until_they_are_settled(sandbox, account, client):
    (order,) = pull(sandbox, account, 1)
    print_invoices(account.seller, [order])
    client.force_login(account.user)
    page = client.post(f"/sales-sites/{account.pk}/delete/", follow=True).content.decode()
    assert "was not deleted: 1 tracking number is not settled with the sales site yet" in page
    api = client.delete(f"/api/v1/sales-site-accounts/{account.pk}/")
    assert api.status_code == 409 and api.json()["code"] == "account_busy"
    assert type(account).objects.filter(pk=account.pk).exists()

    push(account)
    assert TrackingPush.objects.get(order=order).state == State.CONFIRMED
    assert client.delete(f"/api/v1/sales-site-accounts/{account.pk}/").status_code == 204


def test_a_number_left_without_its_account_can_be_dismissed(sandbox, account):
    """Rows orphaned before deleting waited for them: Dismiss takes them out of the failures list."""
    (order,) = pull(sandbox, account, 1)
    print_invoices(account.seller, [order])
    row = TrackingPush.objects.get(order=order)
    TrackingPush.objects.filter(pk=row.pk).update(state=State.UNKNOWN, account=None)
    push_dismiss(seller_id=account.seller_id, push_id=row.pk)
    assert TrackingPush.objects.get(pk=row.pk).state == State.CANCELLED
