"""The buyer cancels at LotteON, and QFC ships the open fulfilment order before the next sync brings the
cancellation in: the goods are on their way to the buyer of a cancelled order. The seller and QFC must be told
(stop the parcel, expect a return); the refused tracking number is listed as not pushed; stock stays booked out
until the parcel is received back. Real HTTP to the sandbox."""

from __future__ import annotations

import pytest
from django.urls import reverse

from inventory.models import FulfilmentOrder
from inventory.services.fulfilment import fulfilment_flag_clear, fulfilment_ship
from orders.models import OrderEvent, OrderStatus
from tests.inventory import test_fulfilment_shipped_elsewhere as shipped_elsewhere
from tests.inventory.test_fulfilment import assert_counters_are_movement_sums, sync
from waybills.models import TrackingPush
from waybills.selectors import pushes_not_pushed_recent
from waybills.services.push import tracking_push

pytestmark = [pytest.mark.django_db, pytest.mark.sandbox]
FState = FulfilmentOrder.State
account, operator, stocked = shipped_elsewhere.account, shipped_elsewhere.operator, shipped_elsewhere.stocked
stock = shipped_elsewhere.stock


@pytest.mark.parametrize("push_first", [True, False], ids=["push-then-sync", "sync-then-push"])
def test_whole_order_cancelled_before_qfc_shipped_is_flagged(client, sandbox, account, operator, stocked, push_first):
    order, fo, a, b = stocked
    sandbox.cancel(order.order_no)
    fulfilment_ship(fulfilment_id=fo.pk, courier_code="0002", tracking_no="611111111111", actor=operator)
    if push_first:
        tracking_push(account_id=account.pk)  # LotteON answers: the lines are cancelled (21)
    sync(account)
    tracking_push(account_id=account.pk)

    order.refresh_from_db()
    fo.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert order.needs_attention, "goods left for a cancelled order: someone must stop the parcel"
    assert "Shipped before the buyer's cancellation reached SmartShip" in order.attention_reason
    assert fo.number in order.attention_reason and "611111111111" in order.attention_reason
    assert fo.state == FState.SHIPPED and fo.flagged
    assert "2 × " in fo.flag_reason and "1 × " in fo.flag_reason and "expect it back" in fo.flag_reason
    assert OrderEvent.objects.filter(order=order, message__contains=f"after QFC shipped fulfilment order {fo.number}"
                                     ).count() == 1
    # Stock stays booked out: the items are on a truck, not on the shelf.
    assert stock(a, b) == [(8, 0), (9, 0)]
    assert_counters_are_movement_sums()

    pushes = list(TrackingPush.objects.filter(order=order))
    assert pushes and {(p.state, p.last_code) for p in pushes} == {(TrackingPush.State.CANCELLED, "cancelled")}
    assert {p.pk for p in pushes_not_pushed_recent(seller=account.seller)} == {p.pk for p in pushes}
    client.force_login(account.user)
    page = client.get(reverse("waybills:push-failures")).content.decode()
    assert "Not pushed: cancelled by the buyer" in page and "611111111111" in page

    # A later sync reads the same cancellation again: no second event.
    sync(account)
    assert OrderEvent.objects.filter(order=order, message__contains="after QFC shipped").count() == 1

    client.force_login(operator)
    page = client.get(reverse("inventory:fulfilment-detail", args=[fo.pk])).content.decode()
    assert "Flagged for the warehouse" in page and "Shipped before the buyer" in page
    # QFC received the parcel back (or it was stopped) and presses Done: the seller's attention ends with it.
    fulfilment_flag_clear(fulfilment_id=fo.pk, actor=operator)
    order.refresh_from_db()
    assert not order.needs_attention


def test_partly_cancelled_before_qfc_shipped_names_what_left(sandbox, account, operator, stocked):
    order, fo, a, b = stocked
    sandbox.cancel(order.order_no, odSeq="2")
    fulfilment_ship(fulfilment_id=fo.pk, courier_code="0002", tracking_no="611111111112", actor=operator)
    sync(account)
    tracking_push(account_id=account.pk)

    order.refresh_from_db()
    fo.refresh_from_db()
    assert order.status != OrderStatus.CANCELLED and order.needs_attention
    assert fo.flagged and "(line 2)" in fo.flag_reason and "(line 1)" not in fo.flag_reason
    assert stock(a, b) == [(8, 0), (9, 0)]
    assert_counters_are_movement_sums()


def test_cancelled_before_picking_is_not_flagged(sandbox, account, stocked):
    """The usual path: the sync brings the cancellation in first, the fulfilment order is cancelled and nothing
    leaves; no flag, no attention."""
    order, fo, a, b = stocked
    sandbox.cancel(order.order_no)
    sync(account)
    order.refresh_from_db()
    fo.refresh_from_db()
    assert fo.state == FState.CANCELLED and not fo.flagged and not order.needs_attention
