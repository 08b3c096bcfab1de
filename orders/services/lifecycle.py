"""Moves of an order through fulfilment and shipping, used by the inventory and waybills apps."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from orders.models import LineStatus, Order, OrderEvent, OrderLine, OrderStatus
from orders.services.store import orders_refresh
from sellers.models import User


@transaction.atomic
def orders_mark_ready(
    *, seller_id: int, order_ids: Iterable[int], message: str, kind: str = OrderEvent.Kind.MAPPED,
    actor: User | None = None,
) -> int:
    """Confirmed orders handed to shipping (a fulfilment order, a printed label) become Ready to ship."""
    ids = list(Order.objects.filter(seller_id=seller_id, pk__in=list(order_ids), status=OrderStatus.CONFIRMED)
               .values_list("pk", flat=True))
    Order.objects.filter(pk__in=ids).update(status=OrderStatus.READY, updated_at=timezone.now())
    OrderEvent.objects.bulk_create(
        OrderEvent(order_id=pk, seller_id=seller_id, actor=actor, kind=kind, message=message[:500])
        for pk in ids
    )
    return len(ids)


@transaction.atomic
def lines_mark_shipped(*, seller_id: int, line_ids: Iterable[int], message: str, actor: User | None = None) -> int:
    """Lines whose tracking number the sales site accepted are Shipped; their orders follow."""
    lines = list(OrderLine.objects.filter(seller_id=seller_id, pk__in=list(line_ids))
                 .exclude(status__in=[LineStatus.SHIPPED, LineStatus.CANCELLED]).only("pk", "order_id"))
    OrderLine.objects.filter(pk__in=[line.pk for line in lines]).update(
        status=LineStatus.SHIPPED, updated_at=timezone.now())
    order_ids = {line.order_id for line in lines}
    OrderEvent.objects.bulk_create(
        OrderEvent(order_id=pk, seller_id=seller_id, actor=actor, kind=OrderEvent.Kind.SHIPPED, message=message[:500])
        for pk in order_ids
    )
    orders_refresh(order_ids=order_ids)
    return len(lines)
