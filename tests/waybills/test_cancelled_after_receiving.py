"""The buyer cancels at LotteON after QFC received the packing label: the parcel left with the carrier's number
before the sync brought the cancellation in. "Do not ship" or "reprint" is too late: the seller is told the
parcel left (carrier and number) and to stop it or expect it back, wholly or for the lines cancelled, and the
order needs attention until the seller says it is handled. Real HTTP to the sandbox, on real SQL."""

from __future__ import annotations

import pytest

from orders.models import OrderEvent, OrderStatus
from orders.services.store import orders_refresh
from orders.services.sync import orders_sync
from tests.factories import make_seller_user
from tests.waybills.helpers import print_invoices, pull, push
from waybills.models import Waybill, WaybillKind
from waybills.services.receiving import packing_receive

pytestmark = [pytest.mark.sandbox, pytest.mark.django_db]
PARCEL = "CJ대한통운 678912345678"


def received_then_cancelled(sandbox, account, *, push_first: bool, **cancel) -> tuple:
    (order,) = pull(sandbox, account, 2)
    label = Waybill.objects.get(pk=print_invoices(account.seller, [order], kind=WaybillKind.PACKING).waybill_ids[0])
    _, operator = make_seller_user()
    sandbox.cancel(order.order_no, **cancel)  # at LotteON, before SmartShip hears of it
    packing_receive(code=label.number, courier_code="0002", tracking_no="6789-1234-5678", actor=operator)
    if push_first:
        push(account)  # LotteON answers: line(s) cancelled
    orders_sync(account_id=account.pk)
    push(account)
    order.refresh_from_db()
    label.refresh_from_db()
    assert label.status == Waybill.Status.RECEIVED
    return order, label


@pytest.mark.parametrize("push_first", [True, False], ids=["push-then-sync", "sync-then-push"])
def test_whole_order_cancelled_after_receiving_says_the_parcel_left(sandbox, account, client, push_first):
    order, label = received_then_cancelled(sandbox, account, push_first=push_first)
    assert order.status == OrderStatus.CANCELLED and order.needs_attention
    assert label.flagged and "do not ship" not in label.flag_reason
    assert f"after QFC received its packing label {label.number}" in label.flag_reason
    assert f"the parcel left with {PARCEL}" in label.flag_reason
    assert "Ask the carrier to stop it or expect it back" in label.flag_reason
    assert order.attention_reason == label.flag_reason

    client.force_login(account.user)
    response = client.post(f"/waybills/{label.pk}/set-aside/", follow=True)
    assert f"{label.number} set aside" in response.content.decode()
    order.refresh_from_db()
    assert not order.needs_attention


@pytest.mark.parametrize("push_first", [True, False], ids=["push-then-sync", "sync-then-push"])
def test_part_cancelled_after_receiving_is_flagged_until_handled(sandbox, account, client, push_first):
    order, label = received_then_cancelled(sandbox, account, push_first=push_first, odSeq="2")
    assert order.status != OrderStatus.CANCELLED
    assert label.flagged and "reprint" not in label.flag_reason
    assert f"after QFC received packing label {label.number}" in label.flag_reason
    assert "2 × " in label.flag_reason and "(line 2)" in label.flag_reason and "(line 1)" not in label.flag_reason
    assert f"left in the parcel with {PARCEL}" in label.flag_reason and "expect it back" in label.flag_reason
    assert order.needs_attention and order.attention_reason == label.flag_reason
    # An unrelated recomputation or a later sync neither drops it nor adds to it.
    orders_sync(account_id=account.pk)
    orders_refresh(order_ids={order.pk})
    order.refresh_from_db()
    assert order.needs_attention and order.attention_reason == label.flag_reason

    client.force_login(account.user)
    detail = client.get(f"/orders/{order.pk}/").content.decode()
    assert f"/waybills/orders/{order.pk}/" in detail
    page = client.get(f"/waybills/orders/{order.pk}/").content.decode()
    assert f"Parcel handled: clear {label.number}" in page and "Reprint it on" not in page
    response = client.post(f"/waybills/{label.pk}/set-aside/", follow=True)
    assert response.redirect_chain[-1][0] == f"/waybills/orders/{order.pk}/"
    order.refresh_from_db()
    label.refresh_from_db()
    assert not order.needs_attention and not label.flagged
    event = order.events.get(kind=OrderEvent.Kind.SET_ASIDE)
    assert event.actor == account.user and PARCEL in event.message
    orders_refresh(order_ids={order.pk})
    order.refresh_from_db()
    assert not order.needs_attention


def test_a_part_cancelled_before_the_scan_is_not_flagged_once_received(sandbox, account):
    """The cancellation reached SmartShip before QFC scanned the label: the scan said to take the items out, so
    the parcel that left holds none of them; nothing to stop once it is received."""
    (order,) = pull(sandbox, account, 2)
    label = Waybill.objects.get(pk=print_invoices(account.seller, [order], kind=WaybillKind.PACKING).waybill_ids[0])
    sandbox.cancel(order.order_no, odSeq="2")
    orders_sync(account_id=account.pk)
    packing_receive(code=label.number, courier_code="0002", tracking_no="6789-1234-5678")
    orders_sync(account_id=account.pk)
    push(account)
    order.refresh_from_db()
    label.refresh_from_db()
    assert label.received_quantities == {str(order.lines.get(line_no="1").pk): 1}
    assert not order.needs_attention
