"""Moves of an order through fulfilment and shipping, used by the inventory and waybills apps."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

from django.db import models, transaction
from django.utils import timezone

from core.conflicts import retried_on_conflict
from core.exceptions import LOOK_AGAIN, ApplicationError
from orders.models import ASKED_AFTER_SHIPPING, ON_HOLD, LineStatus, Order, OrderEvent, OrderLine, OrderStatus
from orders.services import hooks
from orders.services.store import lines_lock, orders_refresh
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
def lines_mark_shipped(*, seller_id: int, line_ids: Iterable[int], message: str = "", actor: User | None = None,
                       line_messages: Mapping[int, str] | None = None) -> int:
    """Lines whose tracking number the sales site accepted are Shipped; their orders follow. The timeline gets
    ``message`` once per order, or with ``line_messages`` (line → message: each line shipped its own way) one
    event per line shipped now."""
    lines = list(OrderLine.objects.filter(seller_id=seller_id, pk__in=list(line_ids))
                 .exclude(status__in=[LineStatus.SHIPPED, LineStatus.CANCELLED]).only("pk", "order_id"))
    OrderLine.objects.filter(pk__in=[line.pk for line in lines]).update(
        status=LineStatus.SHIPPED, updated_at=timezone.now())
    order_ids = {line.order_id for line in lines}
    if line_messages is None:
        events = [(pk, message) for pk in order_ids]
    else:
        events = [(line.order_id, line_messages[line.pk]) for line in lines]
    OrderEvent.objects.bulk_create(
        OrderEvent(order_id=pk, seller_id=seller_id, actor=actor, kind=OrderEvent.Kind.SHIPPED, message=text[:500])
        for pk, text in events
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
    # Lines before the order, as the sync locks them when it reads a withdrawal (docs/orders.md, "Lock order").
    lines_lock(order_ids=Order.objects.filter(seller_id=seller_id, pk=order_id).values_list("pk", flat=True))
    order = Order.objects.select_for_update().filter(seller_id=seller_id, pk=order_id).first()
    if order is None:
        raise ApplicationError("No such order.", code="not_found")
    # A request read after its line shipped holds nothing but is answered the same way.
    held = list(OrderLine.objects.filter(ON_HOLD | ASKED_AFTER_SHIPPING, order=order)
                .only("pk", "line_no", "cancel_request_no", "status"))
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
                   message=f"Line {line.line_no}: the cancellation request was rejected at the sales site"
                           + ("." if line.status == LineStatus.SHIPPED else "; the line ships as usual."),
                   details={"claim": line.cancel_request_no})
        for line in held
    )
    orders_refresh(order_ids={order.pk})
    return len(held)


class DuplicateChoice:
    SHIP_BOTH = "ship_both"  # two sales after all: the pulled order ships too
    CANCEL_MANUAL = "cancel_manual"  # the manual order was entered for this sale: it goes, the pulled one ships

    choices = (SHIP_BOTH, CANCEL_MANUAL)


def manual_cancellable(manual: Order) -> bool:
    """Whether the manual order can still be called off: nothing of it printed, sent to the warehouse or shipped
    (all of those move it on from Confirmed)."""
    return manual.status == OrderStatus.CONFIRMED


@retried_on_conflict
@transaction.atomic
def order_duplicate_resolve(*, seller_id: int, order_id: int, choice: str, actor: User | None = None,
                            manual_order_id: int | None = None) -> Order:
    """The seller's choice for a pulled order held because a manual shipping order stands for the same sale
    (docs/manual-orders.md, "Pulled later"). ``manual_order_id``: the manual order the page showed; another one
    refuses (``hold_changed``)."""
    if choice not in DuplicateChoice.choices:
        raise ApplicationError("Choose which order ships.", code="invalid_choice")
    order = Order.objects.filter(seller_id=seller_id, pk=order_id).first()
    if order is None:
        raise ApplicationError("No such order.", code="not_found")
    locked: dict[int, Order] = {}
    if order.manual_duplicate_id is not None:
        # Their lines first (docs/orders.md, "Lock order"), then both rows in id order, as orders_refresh takes
        # them; then read again as locked.
        lines_lock(order_ids=[order.pk, order.manual_duplicate_id])
        locked = {o.pk: o for o in Order.objects.select_for_update().filter(
            pk__in=[order.pk, order.manual_duplicate_id]).order_by("pk")}
        order = locked[order.pk]
    if order.manual_duplicate_id is None:
        raise ApplicationError(f"Order {order.order_no} is not held for a manual shipping order: nothing to choose.",
                               code="wrong_state")
    # A sync that held the order for another manual order between the read and the lock: that order's lines
    # are not locked, and taking them now would break the lock order, so the seller looks again.
    if order.manual_duplicate_id not in locked or (manual_order_id is not None
                                                   and manual_order_id != order.manual_duplicate_id):
        raise ApplicationError("Nothing was changed: the order is now held for another manual shipping order. "
                               f"{LOOK_AGAIN.capitalize()}.", code="hold_changed")
    manual = locked[order.manual_duplicate_id]
    details = {"pulled_order_id": order.pk, "manual_order_id": manual.pk, "choice": choice}
    now = timezone.now()
    if choice == DuplicateChoice.CANCEL_MANUAL:
        if not manual_cancellable(manual):
            raise ApplicationError(
                f"Manual shipping order {manual.order_no} is {manual.get_status_display().lower()} already, so it "
                "cannot be called off here. If it ships, enter its tracking number at the sales site: the next "
                "sync reads this order as shipped outside SmartShip.", code="manual_in_progress")
        line_ids = list(OrderLine.objects.filter(order=manual).exclude(status=LineStatus.CANCELLED)
                        .values_list("pk", flat=True))
        OrderLine.objects.filter(pk__in=line_ids).update(
            status=LineStatus.CANCELLED, cancelled_quantity=models.F("quantity"), updated_at=now)
        OrderEvent.objects.create(
            order=manual, seller_id=seller_id, actor=actor, kind=OrderEvent.Kind.CANCELLED, details=details,
            message=f"Called off: sales site order {order.order_no} was pulled for the same sale and ships instead.")
        message = f"Manual shipping order {manual.order_no} called off: this order ships."
    else:
        OrderEvent.objects.create(
            order=manual, seller_id=seller_id, actor=actor, kind=OrderEvent.Kind.DUPLICATE, details=details,
            message=f"Sales site order {order.order_no} is another sale: both ship.")
        message = f"Another sale than manual shipping order {manual.order_no}: both ship."
    Order.objects.filter(pk=order.pk).update(manual_duplicate=None, updated_at=now)
    OrderEvent.objects.create(order=order, seller_id=seller_id, actor=actor, kind=OrderEvent.Kind.DUPLICATE,
                              message=message, details=details)
    orders_refresh(order_ids={order.pk, manual.pk})
    if choice == DuplicateChoice.CANCEL_MANUAL:
        hooks.lines_cancelled(seller_id=seller_id, line_ids=line_ids)
    # Held from fulfilment until now: Automatic Fulfillment Shipping Instructions takes it as after a sync.
    hooks.lines_confirmed(seller_id=seller_id, line_ids=OrderLine.objects.filter(
        order=order, status=LineStatus.CONFIRMED).values_list("pk", flat=True))
    order.refresh_from_db()
    return order
