"""Shared set-up for the waybills tests: sandbox orders pulled and confirmed through the real sync."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from integrations.models import SyncRun
from orders.models import Order, OrderStatus
from orders.services.sync import orders_sync
from waybills.models import PrintBatch, WaybillKind
from waybills.services.printing import waybills_print
from waybills.services.push import tracking_push

KST = ZoneInfo("Asia/Seoul")
SHIP_EVENT = "137 step 13"
CORRECT_EVENT = "139 invoice modified"


def kst(days_ago: float) -> str:
    return (datetime.now(KST) - timedelta(days=days_ago)).strftime("%Y%m%d%H%M%S")


def option_codes(sandbox, n: int) -> list[str]:
    codes = [row["eitmNo"] for row in sandbox.state()["stock"] if row["eitmNo"] and row["slStatCd"] == "SALE"]
    return codes[:n]


def pull(sandbox, account, *line_counts: int, recipient: dict | None = None) -> list[Order]:
    """Create one sandbox order per entry (with that many lines), sync, and return the confirmed orders."""
    codes = option_codes(sandbox, max(line_counts))
    numbers = []
    for count in line_counts:
        body = {"owhoDttm": kst(0.2), "lines": [{"eitmNo": codes[i], "odQty": i + 1} for i in range(count)]}
        if recipient:
            body.update(recipient)
        numbers.append(sandbox.create_order(**body)["odNo"])
    run = orders_sync(account_id=account.pk)
    assert run.status == SyncRun.Status.SUCCEEDED, run.error_message
    orders = [Order.objects.get(seller=account.seller, order_no=no) for no in numbers]
    assert all(o.status == OrderStatus.CONFIRMED for o in orders)
    return orders


def print_invoices(seller, orders, *, kind=WaybillKind.INVOICE, actor=None) -> PrintBatch:
    return waybills_print(seller_id=seller.pk, order_ids=[o.pk for o in orders], kind=kind, actor=actor)


def push(account):
    stats = tracking_push(account_id=account.pk)
    assert not stats.skipped
    return stats


def live_lines(sandbox) -> dict[tuple[str, str], dict]:
    return {(row["odNo"], str(row["odSeq"])): row for row in sandbox.state()["orders"]}


def events_per_line(sandbox, event: str) -> Counter:
    return Counter({key: sum(1 for h in row["history"] if h["event"] == event)
                    for key, row in live_lines(sandbox).items()})
