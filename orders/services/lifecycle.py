"""Moves of an order through fulfilment and shipping, used by the inventory and waybills apps."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from django.db import transaction
from django.utils import timezone

from core.conflicts import retried_on_conflict
from core.exceptions import ApplicationError
from orders.models import ON_HOLD, LineStatus, Order, OrderEvent, OrderLine, OrderStatus
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


@retried_on_conflict
@transaction.atomic
def order_hold_release(*, seller_id: int, order_id: int, actor: User | None = None,
                       claims: Collection[str] | None = None) -> int:
    """The seller rejected the buyer's cancellation request at the sales site: the order's lines on hold ship
    again. API.md has no call for the answer, so the seller says it here; the claim is kept, so the same request
    read again does not hold them a second time (a new request does).

    ``claims``: the requests the seller answered (the ones the page showed). A line held by another request,
    one the sync read after the page was loaded, refuses the whole release: the seller has not seen it."""
    order = Order.objects.select_for_update().filter(seller_id=seller_id, pk=order_id).first()
    if order is None:
        raise ApplicationError("No such order.", code="not_found")
    held = list(OrderLine.objects.filter(ON_HOLD, order=order).only("pk", "line_no", "cancel_request_no"))
    if not held:
        raise ApplicationError(f"Order {order.order_no} is not on hold: nothing to release.", code="wrong_state")
    unseen = [line for line in held if claims is not None and line.cancel_request_no not in claims]
    if unseen:
        lines = ", ".join(line.line_no for line in unseen)
        raise ApplicationError(
            f"Nothing was released: a cancellation request you have not seen arrived for line"
            f"{'s' if len(unseen) > 1 else ''} {lines} of order {order.order_no}. Look at it and answer it at the "
            "sales site first.", code="hold_changed", extra={"claims": sorted({line.cancel_request_no for line in unseen})})
    now = timezone.now()
    OrderLine.objects.filter(pk__in=[line.pk for line in held]).update(cancel_request_released_at=now, updated_at=now)
    OrderEvent.objects.bulk_create(
        OrderEvent(order=order, line=line, seller_id=seller_id, actor=actor, kind=OrderEvent.Kind.CANCEL_REQUEST_RELEASED,
                   message=f"Line {line.line_no}: the cancellation request was rejected at the sales site; the line "
                           "ships as usual.", details={"claim": line.cancel_request_no})
        for line in held
    )
    orders_refresh(order_ids={order.pk})
    return len(held)
