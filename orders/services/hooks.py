"""Other apps react to order-line changes through explicit, configured handlers (no signals).

Each setting lists dotted paths of functions taking ``seller_id`` and ``line_ids``; they run inside the
transaction that changed the lines, so a failure rolls the change back instead of leaving half of it.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.utils.module_loading import import_string


def _call(setting: str, *, seller_id: int, line_ids: Iterable[int]) -> None:
    ids = sorted(set(line_ids))
    if not ids:
        return
    for path in getattr(settings, setting):
        import_string(path)(seller_id=seller_id, line_ids=ids)


def lines_stored(*, seller_id: int, line_ids: Iterable[int]) -> None:
    """New or changed lines were stored (pulled or entered by hand): map them to SKUs, etc."""
    _call("SMARTSHIP_ON_LINES_STORED", seller_id=seller_id, line_ids=line_ids)


def lines_confirmed(*, seller_id: int, line_ids: Iterable[int]) -> None:
    """Lines became confirmed at the sales site (by the portal or another tool)."""
    _call("SMARTSHIP_ON_LINES_CONFIRMED", seller_id=seller_id, line_ids=line_ids)


def lines_cancelled(*, seller_id: int, line_ids: Iterable[int]) -> None:
    """Lines were cancelled, fully or partly: release stock, flag printed waybills, etc."""
    _call("SMARTSHIP_ON_LINES_CANCELLED", seller_id=seller_id, line_ids=line_ids)


def order_attention(*, statuses: dict[int, str]) -> dict[int, list[str]]:
    """Why these orders need attention beyond their own lines (a label printed before a cancellation, a
    tracking number the site refused), by order id; ``statuses`` is each order's status as just computed.
    Asked every time an order's figures are recomputed, so a reason ends when its cause does."""
    reasons: dict[int, list[str]] = {}
    if not statuses:
        return reasons
    for path in settings.SMARTSHIP_ORDER_ATTENTION:
        for order_id, reason in import_string(path)(statuses=statuses).items():
            reasons.setdefault(order_id, []).append(reason)
    return reasons


def lines_shipped(*, seller_id: int, line_ids: Iterable[int]) -> None:
    """Lines left by another path than their fulfilment order (the seller's invoice, a packing label scanned
    at QFC receiving): close what the warehouse would otherwise ship a second time."""
    _call("SMARTSHIP_ON_LINES_SHIPPED", seller_id=seller_id, line_ids=line_ids)
