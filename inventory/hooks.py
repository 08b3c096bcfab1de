"""Inventory's reactions to order-line changes (see orders/services/hooks.py)."""


def on_lines_stored(*, seller_id: int, line_ids: list[int]) -> None:
    """Map the lines to SKUs by their seller codes (set-based; inside the transaction that stored them), then
    lock the stock the transaction's other hooks may book for them before any of it is booked."""
    from inventory.services.fulfilment import fulfilment_orders_auto, fulfilment_stock_lock
    from inventory.services.mapping import lines_map

    mapping = lines_map(seller_id=seller_id, line_ids=line_ids, fulfil=False)
    # The sync's day books stock in several calls (reservations of fulfilment orders created here and by
    # on_lines_confirmed, then releases by on_lines_cancelled / on_lines_shipped), each locking its own option
    # SKUs: taken one call after the other they are not in id order, and a writer locking several options in
    # id order (a SKU upload) closed a cycle with it. All of them are locked here, by id, first.
    fulfilment_stock_lock(seller_id=seller_id, line_ids=line_ids)
    if mapping.mapped:
        # A fixed code may complete an order waiting for fulfilment (as lines_map does on its own).
        fulfilment_orders_auto(seller_id=seller_id, order_ids=mapping.orders)


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


def order_attention(*, statuses: dict[int, str]) -> dict[int, str]:
    """Why these orders need attention on the warehouse side (``orders.services.hooks.order_attention``)."""
    from inventory.services.fulfilment import order_attention as fulfilment_attention

    return fulfilment_attention(statuses=statuses)
