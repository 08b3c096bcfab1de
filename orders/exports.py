"""Export to Excel: one row per order line with its order and recipient, in an openpyxl write-only workbook.

Write-only mode keeps memory flat (rows go to a temporary file as they are appended), so 10,000 lines
take a couple of seconds. Order numbers and phones stay text (16 digits do not fit Excel's 15-digit
numbers, and phones keep their leading 0); quantities and amounts are numbers; times are KST.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import IO, Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill

from integrations import registry
from orders.models import Order, OrderLine
from orders.selectors import OrderFilters, order_export_rows
from sellers.models import Seller

DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
AMOUNT_FORMAT = "#,##0"


def _site_name(key: str) -> str:
    if not key:
        return ""
    try:
        return registry.get(key).name
    except registry.UnknownSalesSite:
        return key


def _kst(value: datetime | None) -> datetime | None:
    # Excel has no time zones: write the wall-clock time in Korea, which is what sellers read.
    return timezone.localtime(value, timezone.get_default_timezone()).replace(tzinfo=None) if value else None


def _number(value: Decimal | int | None) -> int | None:
    return int(value) if value is not None else None


Column = tuple[str, float, Callable[[Order, OrderLine | None], Any], str | None]


def _line(get: Callable[[OrderLine], Any]) -> Callable[[Order, OrderLine | None], Any]:
    return lambda order, line: get(line) if line is not None else None


COLUMNS: tuple[Column, ...] = (
    ("Order number", 20, lambda o, _: o.order_no, None),
    ("Sales site order number", 20, lambda o, _: o.reference_order_no, None),
    ("Sales site", 12, lambda o, _: _site_name(o.site) or "Manual", None),
    ("Shop ID", 14, lambda o, _: o.account.shop_id if o.account else "", None),
    ("Order status", 20, lambda o, _: o.get_status_display(), None),
    ("Needs attention", 30, lambda o, _: o.attention_reason if o.needs_attention else "", None),
    ("Ordered at (KST)", 19, lambda o, _: _kst(o.ordered_at), DATETIME_FORMAT),
    ("Instructed at (KST)", 19, lambda o, _: _kst(o.instructed_at), DATETIME_FORMAT),
    ("Created at (KST)", 19, lambda o, _: _kst(o.created_at), DATETIME_FORMAT),
    ("Orderer", 12, lambda o, _: o.orderer_name, None),
    ("Orderer mobile", 15, lambda o, _: o.orderer_mobile, None),
    ("Orderer phone", 15, lambda o, _: o.orderer_phone, None),
    ("Recipient", 12, lambda o, _: o.recipient_name, None),
    ("Recipient mobile", 15, lambda o, _: o.recipient_mobile, None),
    ("Recipient phone", 15, lambda o, _: o.recipient_phone, None),
    ("Zip code", 8, lambda o, _: o.zip_code, None),
    ("Address", 40, lambda o, _: o.address, None),
    ("Address detail", 24, lambda o, _: o.address_detail, None),
    ("Delivery message", 24, lambda o, _: o.delivery_message, None),
    ("Line", 6, _line(lambda li: li.line_no), None),
    ("Line status", 18, _line(lambda li: li.get_status_display()), None),
    ("Confirmation", 22, _line(lambda li: li.get_confirm_state_display()), None),
    ("Product name", 36, _line(lambda li: li.product_name), None),
    ("Option", 20, _line(lambda li: li.option_name), None),
    ("Seller internal product number", 18, _line(lambda li: li.seller_product_code), None),
    ("Seller defined code", 18, _line(lambda li: li.seller_option_code), None),
    ("Sales site product ID", 16, _line(lambda li: li.site_product_id), None),
    ("Sales site item ID", 26, _line(lambda li: li.site_option_id), None),
    ("Quantity", 9, _line(lambda li: li.quantity), None),
    ("Cancelled quantity", 9, _line(lambda li: li.cancelled_quantity), None),
    ("Unit price", 11, _line(lambda li: _number(li.unit_price)), AMOUNT_FORMAT),
    ("Amount", 12, _line(lambda li: _number(li.amount)), AMOUNT_FORMAT),
    ("Shipping fee", 10, _line(lambda li: _number(li.shipping_fee)), AMOUNT_FORMAT),
)


def _letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def orders_workbook(*, seller: Seller, filters: OrderFilters) -> IO[bytes]:
    """The selection as an .xlsx in a temporary file, rewound and ready to stream."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Orders")
    sheet.freeze_panes = "A2"
    for index, (_, width, _, _) in enumerate(COLUMNS):
        sheet.column_dimensions[_letter(index)].width = width
    header_font, header_fill = Font(bold=True), PatternFill("solid", fgColor="F2F4F7")
    header = []
    for title, *_ in COLUMNS:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font, cell.fill = header_font, header_fill
        header.append(cell)
    sheet.append(header)

    formatted = [(index, number_format) for index, (*_, number_format) in enumerate(COLUMNS) if number_format]
    getters = [get for _, _, get, _ in COLUMNS]
    for order, line in order_export_rows(seller=seller, filters=filters):
        # An empty string would still be written as a cell; None is skipped (a third of the cells are empty).
        row: list[Any] = [None if (value := get(order, line)) == "" else value for get in getters]
        for index, number_format in formatted:
            if row[index] is not None:
                cell = WriteOnlyCell(sheet, value=row[index])
                cell.number_format = number_format
                row[index] = cell
        sheet.append(row)

    output = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse streams it and closes it
    workbook.save(output)
    output.seek(0)
    return output
