"""Waybills' reactions to order-line changes (see orders/services/hooks.py)."""


def on_lines_cancelled(*, seller_id: int, line_ids: list[int]) -> None:
    """Flag waybills already printed for cancelled lines, and keep their tracking numbers from being pushed."""
