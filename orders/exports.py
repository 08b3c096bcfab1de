"""Export to Excel: one row per order line with its order, recipient and shipment (``core.xlsx``).

Rows stream to a temporary file, so memory stays flat whatever the selection. Order numbers, phones,
tracking numbers and everything a buyer typed stay text (16 digits do not fit Excel's 15-digit numbers,
phones and carriers' numbers keep their leading 0, and a delivery message starting with "=" is not a
formula); quantities and amounts are numbers; times are KST.

A line's shipment (courier, tracking number, when it shipped, the push to the sales site) is the one
``waybills.selectors.line_shipments`` decides, the rule the warehouse uses too.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import Decimal
from itertools import islice
from typing import IO, Any, NamedTuple

from django.utils import timezone

from core.xlsx import Column, xlsx_write
from integrations import registry
from orders.models import ConfirmState, LineStatus, Order, OrderStatus
from orders.selectors import OrderFilters, order_export_rows
from sellers.models import Seller
from waybills.models import TrackingPush
from waybills.selectors import LineShipment, line_shipments, site_takes_tracking

AMOUNT_FORMAT = "#,##0"
PROGRESS_EVERY = 2000
SHIPMENT_CHUNK = 1000  # lines whose shipments are read together: a few queries per chunk, never per line


def _site_name(key: str) -> str:
    if not key:
        return ""
    try:
        return registry.get(key).name
    except registry.UnknownSalesSite:
        return key


def _kst(value: datetime | None) -> datetime | None:
    # Excel has no time zones: write the wall-clock time in Korea, which is what sellers read.
    return value.astimezone(timezone.get_default_timezone()).replace(tzinfo=None) if value else None


def _number(value: Decimal | int | None) -> int | None:
    return int(value) if value is not None else None


def _line(get: Callable[[dict], Any]) -> Callable[[dict, dict | None], Any]:
    return lambda order, line: get(line) if line is not None else None


def _shipment(get: Callable[[LineShipment], Any]) -> Callable[[dict, dict | None], Any]:
    def value(order: dict, line: dict | None) -> Any:
        shipment = line.get("shipment") if line is not None else None
        return get(shipment) if shipment is not None else None
    return value


ORDER_STATUS, LINE_STATUS, CONFIRM_STATE = dict(OrderStatus.choices), dict(LineStatus.choices), dict(ConfirmState.choices)
PUSH_STATE = dict(TrackingPush.State.choices)


def _push(order: dict, line: dict | None) -> str | None:
    """The push of the line's number in the words of the Waybill pages: the outbox state and the sales site's
    reason, or why nothing is pushed."""
    shipment: LineShipment | None = line.get("shipment") if line is not None else None
    if shipment is None:
        return None
    if shipment.push_state:
        waiting_again = shipment.push_state == TrackingPush.State.PENDING and shipment.push_attempts
        state = "Waiting to retry" if waiting_again else PUSH_STATE.get(shipment.push_state, shipment.push_state)
        return f"{state}: {shipment.push_message}" if shipment.push_message else state
    # Nothing in the outbox: the label's and the timeline's words for why.
    if order["account_id"] is None or order["source"] == Order.Source.MANUAL:
        return "Manual order: not pushed"
    if order["site"] and not site_takes_tracking(order["site"]):
        return f"Not pushed: enter this number at {_site_name(order['site'])}"
    if shipment.origin == "site":
        return "Shipped outside SmartShip"
    return "" if shipment.tracking_no else "No tracking number recorded"


def _code_title(label: str, default: str) -> Callable[[], str]:
    """The column title for a seller code: the sites' own word when every registered site uses the same one
    (LotteON's epdNo is not the Seller defined code a single product is mapped by), else ``default``."""
    def title() -> str:
        words = {getattr(site, label) for site in registry.all_sites()}
        return words.pop() if len(words) == 1 else default
    return title


class ExportColumn(NamedTuple):
    title: str | Callable[[], str]
    width: float
    value: Callable[[dict, dict | None], Any]  # of an order and one of its lines (None: no lines), as values
    number_format: str = ""


COLUMNS: tuple[ExportColumn, ...] = tuple(ExportColumn(*column) for column in (
    ("Order number", 20, lambda o, _: o["order_no"]),
    ("Sales site order number", 20, lambda o, _: o["reference_order_no"]),
    ("Sales site", 12, lambda o, _: _site_name(o["site"]) or "Manual"),
    ("Shop ID", 14, lambda o, _: o["account__shop_id"] or ""),
    ("Order status", 20, lambda o, _: ORDER_STATUS.get(o["status"], o["status"])),
    ("Needs attention", 30, lambda o, _: o["attention_reason"] if o["needs_attention"] else ""),
    ("Ordered at (KST)", 19, lambda o, _: _kst(o["ordered_at"])),
    ("Instructed at (KST)", 19, lambda o, _: _kst(o["instructed_at"])),
    ("Created at (KST)", 19, lambda o, _: _kst(o["created_at"])),
    ("Orderer", 12, lambda o, _: o["orderer_name"]),
    ("Orderer mobile", 15, lambda o, _: o["orderer_mobile"]),
    ("Orderer phone", 15, lambda o, _: o["orderer_phone"]),
    ("Recipient", 12, lambda o, _: o["recipient_name"]),
    ("Recipient mobile", 15, lambda o, _: o["recipient_mobile"]),
    ("Recipient phone", 15, lambda o, _: o["recipient_phone"]),
    ("Zip code", 8, lambda o, _: o["zip_code"]),
    ("Address", 40, lambda o, _: o["address"]),
    ("Address detail", 24, lambda o, _: o["address_detail"]),
    ("Delivery message", 24, lambda o, _: o["delivery_message"]),
    ("Line", 6, _line(lambda li: li["line_no"])),
    ("Line status", 18, _line(lambda li: LINE_STATUS.get(li["status"], li["status"]))),
    ("Confirmation", 22, _line(lambda li: CONFIRM_STATE.get(li["confirm_state"], li["confirm_state"]))),
    ("Courier", 14, _shipment(lambda s: s.courier_name)),
    ("Courier code", 8, _shipment(lambda s: s.courier_code)),
    ("Tracking number", 18, _shipment(lambda s: s.tracking_no)),
    ("Shipped at (KST)", 19, _shipment(lambda s: _kst(s.shipped_at))),
    ("Tracking push", 36, _push),
    ("Product name", 36, _line(lambda li: li["product_name"])),
    ("Option", 20, _line(lambda li: li["option_name"])),
    (_code_title("product_code_label", "Seller product code"), 18, _line(lambda li: li["seller_product_code"])),
    (_code_title("option_code_label", "Seller option code"), 18, _line(lambda li: li["seller_option_code"])),
    ("Sales site product ID", 16, _line(lambda li: li["site_product_id"])),
    ("Sales site item ID", 26, _line(lambda li: li["site_option_id"])),
    ("Quantity", 9, _line(lambda li: li["quantity"])),
    ("Cancelled quantity", 9, _line(lambda li: li["cancelled_quantity"])),
    ("Unit price", 11, _line(lambda li: _number(li["unit_price"])), AMOUNT_FORMAT),
    ("Amount", 12, _line(lambda li: _number(li["amount"])), AMOUNT_FORMAT),
    ("Shipping fee", 10, _line(lambda li: _number(li["shipping_fee"])), AMOUNT_FORMAT),
))


def column_titles() -> list[str]:
    return [column.title() if callable(column.title) else column.title for column in COLUMNS]


def order_export_lines(*, seller: Seller, filters: OrderFilters) -> Iterator[tuple[dict, dict | None]]:
    """``order_export_rows`` with each line's shipment under ``"shipment"`` (a ``LineShipment``, or None when
    the line has none), read for ``SHIPMENT_CHUNK`` lines at a time."""
    rows = order_export_rows(seller=seller, filters=filters)
    while chunk := list(islice(rows, SHIPMENT_CHUNK)):
        shipments = line_shipments(seller_id=seller.pk,
                                   line_ids=[line["id"] for _, line in chunk if line is not None])
        for order, line in chunk:
            if line is not None:
                line["shipment"] = shipments.get(line["id"])
            yield order, line


def orders_workbook(*, seller: Seller, filters: OrderFilters,
                    progress: Callable[[int], None] | None = None) -> IO[bytes]:
    """The selection as an .xlsx in a temporary file, rewound and ready to stream. ``progress`` is called
    with the number of rows written so far, every ``PROGRESS_EVERY`` rows and once at the end."""
    getters = [column.value for column in COLUMNS]

    def rows() -> Iterator[list]:
        for written, (order, line) in enumerate(order_export_lines(seller=seller, filters=filters), start=1):
            yield [get(order, line) for get in getters]
            if progress is not None and written % PROGRESS_EVERY == 0:
                progress(written)

    output = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse streams it and closes it
    written = xlsx_write(output, sheet="Orders",
                         columns=[Column(title, column.width, column.number_format)
                                  for title, column in zip(column_titles(), COLUMNS, strict=True)],
                         rows=rows())
    if progress is not None:
        progress(written)
    output.seek(0)
    return output
