"""Inventory's reactions to order-line changes (see orders/services/hooks.py)."""


def on_lines_stored(*, seller_id: int, line_ids: list[int]) -> None:
    """Map the lines to SKUs by their seller codes (set-based; inside the transaction that stored them)."""
    from inventory.services.mapping import lines_map

    lines_map(seller_id=seller_id, line_ids=line_ids)


def on_lines_confirmed(*, seller_id: int, line_ids: list[int]) -> None:
    """Create fulfilment orders for orders whose lines are all mapped and confirmed (when the option is on);
    orders of such accounts that must wait get an event saying why."""
    from inventory.services.fulfilment import fulfilment_orders_auto
    from inventory.services.mapping import chunked
    from orders.models import OrderLine

    order_ids: set[int] = set()
    for ids in chunked(line_ids):
        order_ids.update(OrderLine.objects.filter(seller_id=seller_id, pk__in=ids).values_list("order_id", flat=True))
    if order_ids:
        fulfilment_orders_auto(seller_id=seller_id, order_ids=order_ids, explain=True)


def on_lines_cancelled(*, seller_id: int, line_ids: list[int]) -> None:
    """Release reservations of cancelled quantities; flag picked fulfilment orders to the warehouse."""
    from inventory.services.fulfilment import fulfilment_lines_cancelled

    fulfilment_lines_cancelled(seller_id=seller_id, line_ids=line_ids)


def on_lines_shipped(*, seller_id: int, line_ids: list[int]) -> None:
    """Lines left through another path than their fulfilment order (the seller's invoice, a packing label
    scanned at QFC receiving, the sales site): release their reservations and close fulfilment orders with
    nothing left to ship, without booking stock out a second time. The warehouse pages also apply this
    (``fulfilments_shipped_elsewhere_sync``) before they show or change a fulfilment order."""
    from inventory.services.fulfilment import fulfilment_lines_shipped_elsewhere

    fulfilment_lines_shipped_elsewhere(seller_id=seller_id, line_ids=line_ids)
