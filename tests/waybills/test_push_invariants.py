"""Invariants of the tracking push (137 step 13) over real HTTP against the LotteON sandbox: at most 100 rows
per call, and slQty is the line's open quantity."""

from __future__ import annotations

import pytest

from integrations.models import SyncRun
from orders.models import Order, OrderLine
from orders.services.sync import orders_sync
from tests.waybills.helpers import kst, live_lines, option_codes, print_invoices, pull, push
from waybills.models import TrackingPush

pytestmark = [pytest.mark.sandbox, pytest.mark.django_db]
PROGRESS = "SellerDeliveryProgressStateInform"


def rows_sent(sandbox) -> list[list[dict]]:
    """The deliveryProgressStateList of each 137 call, in order."""
    return [c["request"]["body"]["deliveryProgressStateList"] for c in sandbox.calls() if PROGRESS in c["path"]]


def test_137_carries_at_most_100_lines_per_call(sandbox, account):
    """The adapter keeps 137 to 100 rows per call, as for 210 (adapter_shipping.py; API.md gives 137 no
    maximum). The sender claims one call's worth of rows at a time, so 101 printed lines are two calls."""
    orders = pull(sandbox, account, *[1] * 101)
    print_invoices(account.seller, orders)

    stats = push(account)
    assert [len(rows) for rows in rows_sent(sandbox)] == [100, 1]
    assert stats.calls == ["ship 100", "ship 1"]
    assert (stats.sent, stats.confirmed, stats.failed) == (101, 101, 0)


def test_137_sends_the_open_quantity_of_a_partly_cancelled_line(sandbox, account):
    """docs/waybills.md: slQty is the open quantity. A partial cancel lowers the line's odQty at LotteON
    (docs/lotteon.md row 13), and 137 takes an slQty of 1..odQty: the ordered 3 would be refused."""
    (code,) = option_codes(sandbox, 1)
    created = sandbox.create_order(owhoDttm=kst(0.2), lines=[{"eitmNo": code, "odQty": 3}])
    assert orders_sync(account_id=account.pk).status == SyncRun.Status.SUCCEEDED
    sandbox.cancel(created["odNo"], odSeq="1", cnclQty=2)
    assert orders_sync(account_id=account.pk).status == SyncRun.Status.SUCCEEDED
    line = OrderLine.objects.get(order__order_no=created["odNo"])
    assert (line.quantity, line.cancelled_quantity, line.open_quantity) == (3, 2, 1)

    print_invoices(account.seller, [Order.objects.get(order_no=created["odNo"])])
    stats = push(account)
    assert [[row["slQty"] for row in rows] for rows in rows_sent(sandbox)] == [["1"]]
    assert (stats.confirmed, stats.failed) == (1, 0)
    assert TrackingPush.objects.get(line=line).state == TrackingPush.State.CONFIRMED
    assert live_lines(sandbox)[(created["odNo"], "1")]["odPrgsStepCd"] == "13"
