"""A buyer's open cancellation request (LotteON 50 step 02) holds the order: the seller must approve or reject
it at the sales site before anything of it is printed, packed or shipped. A withdrawal releases it; a
completed cancellation closes its fulfilment order as any cancellation does. Real HTTP to the sandbox."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from core.exceptions import ApplicationError
from inventory.models import FulfilmentOrder, StockMovement
from inventory.services.fulfilment import (
    fulfilment_pack,
    fulfilment_pick_list,
    fulfilment_ship,
    fulfilment_tracking_record,
    fulfilments_start_picking,
)
from orders.models import OrderStatus
from orders.services.lifecycle import order_hold_release
from tests.inventory import test_fulfilment_shipped_elsewhere as shipped_elsewhere
from tests.inventory.test_fulfilment import assert_counters_are_movement_sums, pull, sync
from waybills.models import TrackingPush, Waybill, WaybillKind
from waybills.services.printing import waybills_print
from waybills.services.push import tracking_push
from waybills.services.receiving import packing_label_check, packing_receive
from waybills.services.tracking import tracking_record

pytestmark = [pytest.mark.django_db, pytest.mark.sandbox]
FState = FulfilmentOrder.State
# The same fixtures: a LotteON account with automatic fulfilment, a QFC operator, an order with an open fulfilment order.
account, operator, stocked = shipped_elsewhere.account, shipped_elsewhere.operator, shipped_elsewhere.stocked
stock = shipped_elsewhere.stock


def test_open_request_holds_print_pack_and_ship_until_withdrawn(sandbox, account, stocked):
    order, fo, a, b = stocked
    fulfilments_start_picking(fulfilment_ids=[fo.pk])
    sandbox.request_cancel(order.order_no, odSeq="2")
    sync(account)
    order.refresh_from_db()
    assert order.needs_attention and order.status in (OrderStatus.CONFIRMED, OrderStatus.READY)

    for kind in (WaybillKind.INVOICE, WaybillKind.PACKING):
        with pytest.raises(ApplicationError, match="buyer asked to cancel it: approve or reject") as refused:
            waybills_print(seller_id=account.seller_id, order_ids=[order.pk], kind=kind)
        assert refused.value.extra == {"orders": [order.pk]}
    with pytest.raises(ApplicationError, match=r"not packed: the buyer asked to cancel line 2\. It is on hold"):
        fulfilment_pack(fulfilment_id=fo.pk)
    with pytest.raises(ApplicationError, match=r"not shipped: the buyer asked to cancel line 2") as refused:
        fulfilment_ship(fulfilment_id=fo.pk, courier_code="0002", tracking_no="111122223333")
    assert refused.value.code == "cancel_requested"
    fo.refresh_from_db()
    assert fo.state == FState.PICKING and stock(a, b) == [(10, 2), (10, 1)], "nothing changed"
    assert not Waybill.objects.filter(order=order).exists() and not TrackingPush.objects.exists()
    assert not StockMovement.objects.filter(kind=StockMovement.Kind.SHIPMENT).exists()

    sandbox.withdraw_cancel(order.order_no)
    sync(account)
    fulfilment_pack(fulfilment_id=fo.pk)
    fulfilment_ship(fulfilment_id=fo.pk, courier_code="0002", tracking_no="111122223333")
    fo.refresh_from_db()
    assert fo.state == FState.SHIPPED and stock(a, b) == [(8, 0), (9, 0)]
    assert_counters_are_movement_sums()


def test_request_approved_at_the_site_closes_the_fulfilment_order(sandbox, account, stocked):
    order, fo, a, b = stocked
    sandbox.request_cancel(order.order_no)
    sync(account)
    sandbox.cancel(order.order_no)
    sync(account)
    order.refresh_from_db()
    fo.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED and not order.needs_attention
    assert fo.state == FState.CANCELLED and stock(a, b) == [(10, 0), (10, 0)]
    assert_counters_are_movement_sums()


def test_the_pages_say_why(client, sandbox, account, operator, stocked):
    order, fo, a, b = stocked
    sandbox.request_cancel(order.order_no, clmRsnCnts="주문 실수")
    sync(account)

    client.force_login(account.user)
    detail = client.get(reverse("orders:order-detail", args=[order.pk])).content.decode()
    assert "Cancellation requested" in detail and "주문 실수" in detail
    assert "approve or reject the request at the sales site" in detail
    listing = client.get(reverse("orders:order-list") + "?status=attention").content.decode()
    assert order.order_no in listing
    printing = client.get(reverse("waybills:print")).content.decode()
    assert "On hold: cancellation requested" in printing
    assert f'value="{order.pk}" class="row-select" aria-label="Select order {order.order_no}" disabled' in printing
    [api_line, _] = client.get(f"/api/v1/orders/{order.pk}/").json()["lines"]
    assert (api_line["on_hold"], api_line["cancel_request_quantity"], api_line["cancel_request_reason"]) == (
        True, 2, "주문 실수")

    client.force_login(operator)
    page = client.get(reverse("inventory:fulfilment-detail", args=[fo.pk])).content.decode()
    assert "On hold: the buyer asked to cancel" in page and "Line 1: 2 of 2 · 주문 실수" in page
    assert 'id="ship-button" disabled' in page
    listing = client.get(reverse("inventory:fulfilment-list")).content.decode()
    assert "On hold: cancellation requested" in listing
    response = client.post(reverse("inventory:fulfilment-detail", args=[fo.pk]),
                           {"action": "ship", "courier": "0002", "tracking_no": "111122223333"})
    assert response.status_code == 400 and "not shipped: the buyer asked to cancel" in response.content.decode()
    fo.refresh_from_db()
    assert fo.state == FState.OPEN


# --- every other way out refuses a held line too ---------------------------------------------------------


def live_steps(sandbox, od_no: str) -> list[str]:
    return [r["odPrgsStepCd"] for r in sandbox.state()["orders"] if r["odNo"] == od_no]


def test_qfc_receiving_refuses_a_held_parcel(sandbox, account, operator, stocked):
    order, fo, a, b = stocked
    batch = waybills_print(seller_id=account.seller_id, order_ids=[order.pk], kind=WaybillKind.PACKING)
    label = order.waybills.get(pk=batch.waybill_ids[0])
    sandbox.request_cancel(order.order_no)
    sync(account)
    with pytest.raises(ApplicationError, match="is on hold: the buyer asked to cancel it. Do not ship this parcel") as refused:
        packing_receive(code=label.number, courier_code="0002", tracking_no="6789-1234-5678", actor=operator)
    assert refused.value.code == "cancel_requested"
    with pytest.raises(ApplicationError, match="on hold"):
        packing_label_check(code=label.number)
    label.refresh_from_db()
    assert label.status != Waybill.Status.RECEIVED and not TrackingPush.objects.exists()
    assert live_steps(sandbox, order.order_no) == ["12", "12"]

    sandbox.withdraw_cancel(order.order_no)
    sync(account)
    packing_receive(code=label.number, courier_code="0002", tracking_no="6789-1234-5678", actor=operator)
    assert TrackingPush.objects.filter(order=order).count() == 2


def test_tracking_number_of_an_order_shipped_without_one_waits_for_the_answer(client, sandbox, account, operator,
                                                                               stocked):
    order, fo, a, b = stocked
    fulfilment_ship(fulfilment_id=fo.pk)  # booked out, no number yet: the lines are still in preparation
    sandbox.request_cancel(order.order_no)
    sync(account)
    with pytest.raises(ApplicationError, match="is on hold: the buyer asked to cancel line 1, 2"):
        fulfilment_tracking_record(fulfilment_id=fo.pk, courier_code="0002", tracking_no="111122223333")
    # The shared recording step refuses too, whoever calls it.
    with pytest.raises(ApplicationError, match="is on hold") as refused:
        tracking_record(seller_id=account.seller_id, line_ids=list(order.lines.values_list("pk", flat=True)),
                        courier_code="0002", tracking_no="111122223333")
    assert refused.value.code == "cancel_requested"
    assert not TrackingPush.objects.exists() and live_steps(sandbox, order.order_no) == ["12", "12"]
    client.force_login(operator)
    page = client.get(reverse("inventory:fulfilment-detail", args=[fo.pk])).content.decode()
    assert "It left without a tracking number: do not record one yet." in page
    assert 'Save tracking number</button>' in page and "btn btn-lg\" disabled>Save tracking number" in page


def test_approval_after_printing_keeps_the_do_not_ship_warning(sandbox, account, stocked):
    order, fo, a, b = stocked
    waybills_print(seller_id=account.seller_id, order_ids=[order.pk], kind=WaybillKind.INVOICE)
    sandbox.request_cancel(order.order_no)
    sync(account)
    sandbox.cancel(order.order_no)  # the seller approves at LotteON
    sync(account)
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert order.needs_attention and "do not ship" in order.attention_reason.lower()


def test_released_hold_lets_the_warehouse_ship(sandbox, account, stocked):
    order, fo, a, b = stocked
    sandbox.request_cancel(order.order_no)
    sync(account)
    with pytest.raises(ApplicationError, match="on hold"):
        fulfilment_pack(fulfilment_id=fo.pk)
    assert order_hold_release(seller_id=account.seller_id, order_id=order.pk) == 2
    sync(account)  # the request is still open at LotteON: the release stands
    fulfilment_pack(fulfilment_id=fo.pk)
    fulfilment_ship(fulfilment_id=fo.pk, courier_code="0002", tracking_no="111122223333")
    fo.refresh_from_db()
    assert fo.state == FState.SHIPPED and stock(a, b) == [(8, 0), (9, 0)]


def test_an_invoice_number_queued_before_the_request_waits_for_the_answer(sandbox, account, stocked):
    order, fo, a, b = stocked
    waybills_print(seller_id=account.seller_id, order_ids=[order.pk], kind=WaybillKind.INVOICE)
    assert set(TrackingPush.objects.filter(order=order).values_list("state", flat=True)) == {"pending"}
    sandbox.request_cancel(order.order_no)
    sync(account)
    tracking_push(account_id=account.pk)
    assert set(TrackingPush.objects.filter(order=order).values_list("state", flat=True)) == {"pending"}
    assert live_steps(sandbox, order.order_no) == ["12", "12"], "nothing sent while the request is open"

    sandbox.withdraw_cancel(order.order_no)
    sync(account)
    tracking_push(account_id=account.pk)
    assert set(TrackingPush.objects.filter(order=order).values_list("state", flat=True)) == {"confirmed"}
    assert live_steps(sandbox, order.order_no) == ["13", "13"]


def test_the_pick_list_marks_a_held_order_and_leaves_it_out_of_the_quantities(sandbox, account, operator, stocked):
    order, fo, a, b = stocked
    other = FulfilmentOrder.objects.get(order=pull(sandbox, account, [(a, 1)]))
    sandbox.request_cancel(order.order_no, odSeq="2")
    sync(account)
    count, pdf = fulfilment_pick_list(fulfilment_ids=[fo.pk, other.pk], actor=operator)
    text = " ".join("".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())
    assert count == 2
    assert "1 unit to pick" in text and "1 fulfilment order is ON HOLD (the buyer asked to cancel): do not pick" in text
    assert f"{fo.number} × 2 ON HOLD ({order.order_no})" in text and f"{fo.number} × 1 ON HOLD" in text
    assert f"{other.number} × 1 ({other.order.order_no})" in text and "+2 on hold" in text and "+1 on hold" in text
    assert f"{order.recipient_name}, ON HOLD)" in text

    sandbox.withdraw_cancel(order.order_no)
    sync(account)
    _, pdf = fulfilment_pick_list(fulfilment_ids=[fo.pk, other.pk], actor=operator)
    text = " ".join("".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "ON HOLD" not in text and "4 units to pick" in text
