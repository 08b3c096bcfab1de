"""Orders for tests, made directly with the ORM (the sync and its storage have their own tests)."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from integrations.models import SalesSiteAccount
from orders.models import ConfirmState, LineStatus, Order, OrderEvent, OrderLine, OrderStatus
from orders.services.search import orders_search_refresh
from sellers.models import Seller, User

_numbers = itertools.count(1)
LINE_STATUS = {
    OrderStatus.NEW: LineStatus.NEW, OrderStatus.CONFIRMED: LineStatus.CONFIRMED,
    OrderStatus.READY: LineStatus.CONFIRMED, OrderStatus.SHIPPED: LineStatus.SHIPPED,
    OrderStatus.CANCELLED: LineStatus.CANCELLED,
}


def make_line(order: Order, *, line_no: str | None = None, product_name: str = "기본 티셔츠",
              option_name: str = "블랙 / M", quantity: int = 1, unit_price: int = 12900, **fields) -> OrderLine:
    fields.setdefault("status", LINE_STATUS[OrderStatus(order.status)])
    if order.source == Order.Source.MANUAL:
        fields.setdefault("confirm_state", ConfirmState.NOT_NEEDED)
    fields.setdefault("confirm_state", ConfirmState.PENDING if fields["status"] == LineStatus.NEW
                      else ConfirmState.CONFIRMED)
    line_no = line_no or str(order.lines.count() + 1)
    line = OrderLine.objects.create(
        order=order, seller_id=order.seller_id, line_no=line_no, product_name=product_name, option_name=option_name,
        quantity=quantity, unit_price=Decimal(unit_price), amount=Decimal(unit_price * quantity),
        paid_amount=Decimal(unit_price * quantity),
        raw=fields.pop("raw", {"odNo": order.order_no, "odSeq": line_no, "pdNm": product_name, "odQty": quantity}),
        **fields,
    )
    # Written past the services, so the search text is computed the way the backfill does it.
    orders_search_refresh(order_ids=[order.pk])
    return line


def make_order(*, seller: Seller, account: SalesSiteAccount | None = None, lines: list[dict] | None = None,
               status: str = OrderStatus.NEW, instructed_at: datetime | None = None, **fields) -> Order:
    """An order with its lines (one T-shirt line unless `lines` says otherwise); totals follow the lines."""
    n = next(_numbers)
    manual = fields.get("source") == Order.Source.MANUAL
    if instructed_at is None:
        # Pulled orders carry the site's delivery instruction time; manual ones their creation time.
        instructed_at = timezone.now() - timedelta(minutes=0 if manual else n)
    fields.setdefault("order_no", f"2026112{n:09d}")
    fields.setdefault("recipient_name", f"홍길동{n}")
    fields.setdefault("recipient_mobile", "010-1234-5678")
    fields.setdefault("address", "서울특별시 강남구 테헤란로 1")
    fields.setdefault("site", "" if manual and account is None else "lotteon")
    fields.setdefault("ordered_at", None if manual else instructed_at)
    if manual:
        status = OrderStatus.CONFIRMED  # manual shipping orders need no confirmation
    order = Order.objects.create(seller=seller, account=account, status=status, instructed_at=instructed_at,
                                 **fields)
    made = [make_line(order, **spec) for spec in (lines if lines is not None else [{}])]
    if not made:
        orders_search_refresh(order_ids=[order.pk])
    active = [line for line in made if line.status != LineStatus.CANCELLED]
    Order.objects.filter(pk=order.pk).update(
        total_quantity=sum(line.quantity - line.cancelled_quantity for line in active),
        total_amount=sum((line.amount for line in active), Decimal(0)),
    )
    order.refresh_from_db()
    return order


def make_event(order: Order, *, kind: str = OrderEvent.Kind.PULLED, message: str = "", actor: User | None = None,
               **fields) -> OrderEvent:
    return OrderEvent.objects.create(order=order, seller_id=order.seller_id, kind=kind, message=message,
                                     actor=actor, **fields)
