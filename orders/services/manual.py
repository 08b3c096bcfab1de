"""Manual shipping orders: orders the sales-site API cannot pull, entered by hand or uploaded from Excel.

The guide: "If the waybill is printed or make status changed after delivery starting, then Smartship
can't get the correct info. In this case, you must create shipping orders at Smartship by manually."
A manual order is ready for the warehouse at once (Confirmed / Preparing, nothing to confirm at the
site) and then flows like a pulled order. Rules: docs/manual-orders.md.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.phones import phone_format
from core.xlsx import DAMAGED, unpacked_too_large
from integrations.models import SalesSiteAccount
from orders.models import ConfirmState, LineStatus, Order, OrderEvent, OrderLine
from orders.services import hooks
from orders.services.search import search_text_of
from orders.services.store import orders_refresh
from sellers.models import Seller, User

KST = ZoneInfo("Asia/Seoul")
MAX_QUANTITY = 9999
MAX_ITEMS = 500
MAX_IMPORT_ROWS = 5000
MAX_IMPORT_BYTES = 5 * 1024 * 1024

# Longest value of each field (the model's column sizes).
LIMITS = {
    "reference_order_no": 40, "recipient_name": 100, "recipient_mobile": 30, "recipient_phone": 30,
    "zip_code": 10, "address": 300, "address_detail": 300, "delivery_message": 500,
    "seller_code": 100, "product_name": 300, "option_name": 300,
}
LABELS = {
    "reference_order_no": "sales site order number", "recipient_name": "recipient's name",
    "recipient_mobile": "mobile number", "recipient_phone": "phone number", "zip_code": "zip code",
    "address": "address", "address_detail": "address detail", "delivery_message": "delivery message",
    "seller_code": "Seller defined code", "product_name": "product name", "option_name": "option",
}
# Messages for a missing value; forms reuse them so a field says the same thing whoever checks it.
REQUIRED = {
    "recipient_name": "Enter the recipient's name.",
    "address": "Enter the delivery address.",
    "zip_code": "Enter the 5-digit zip code (우편번호).",
    "recipient_mobile": "Enter a mobile or phone number for the courier.",
    "items": "Add at least one item.",
    "seller_code": "Enter the Seller defined code.",
    "product_name": "Enter the product name.",
    "quantity": f"Enter a whole number from 1 to {MAX_QUANTITY}.",
}
PHONE_FORMAT = "Use 9 to 11 digits; only digits, dashes and spaces (e.g. 010-1234-5678)."
ZIP_FORMAT = "A Korean zip code has exactly 5 digits, e.g. 06236."
ACCOUNT_INVALID = "Choose one of your sales-site accounts."
DUPLICATE = "Sales site order number %(reference)s is already in SmartShip as order %(order_no)s; open it instead."

PHONE_CHARS = re.compile(r"[0-9 \-]+")
ZIP_RE = re.compile(r"[0-9]{5}")
ORDER_TEXT_FIELDS = (
    "reference_order_no", "recipient_name", "recipient_mobile", "recipient_phone", "zip_code", "address",
    "address_detail", "delivery_message",
)


@dataclass(frozen=True)
class ManualItem:
    """One item as the seller enters it. ``seller_code`` is the Seller defined code a SKU will match.

    Kept small on purpose: the SKU mapping will add ``sku_id`` here.
    """

    seller_code: str
    product_name: str
    option_name: str = ""
    quantity: int | str = 1


@dataclass(frozen=True)
class ManualOrderData:
    """Everything a manual order is made of, before checking (as typed, as posted, as read from a row)."""

    recipient_name: str
    address: str
    zip_code: str
    items: Sequence[ManualItem]
    recipient_mobile: str = ""
    recipient_phone: str = ""
    address_detail: str = ""
    delivery_message: str = ""
    reference_order_no: str = ""
    account_id: int | None = None


@dataclass
class _Line:
    seller_code: str
    product_name: str
    option_name: str
    quantity: int


@dataclass
class _Draft:
    """A checked order, ready to insert."""

    values: dict[str, str]
    lines: list[_Line]
    account: SalesSiteAccount | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def site(self) -> str:
        return self.account.site if self.account is not None else ""

    @property
    def reference(self) -> str:
        return self.values["reference_order_no"]


Errors = dict[str, list[Any]]


def _add(errors: Errors, key: str, message: Any) -> None:
    errors.setdefault(key, []).append(message)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _quantity(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        number = value
    else:
        text = _text(value).replace(",", "")
        if not re.fullmatch(r"[0-9]+", text):
            return None
        number = int(text)
    return number if 1 <= number <= MAX_QUANTITY else None


def phone_is_valid(value: str) -> bool:
    return bool(PHONE_CHARS.fullmatch(value)) and 9 <= sum(ch.isdigit() for ch in value) <= 11


def _clean(data: ManualOrderData) -> tuple[_Draft, Errors]:
    """Trim and check the fields that need no database. Errors are keyed by field; items by
    ``items.<index>.<field>`` (index into ``data.items``)."""
    errors: Errors = {}
    values = {name: _text(getattr(data, name)) for name in ORDER_TEXT_FIELDS}
    for name in ("recipient_name", "address", "zip_code"):
        if not values[name]:
            _add(errors, name, REQUIRED[name])
    for name, value in values.items():
        if len(value) > LIMITS[name]:
            _add(errors, name, f"The {LABELS[name]} is at most {LIMITS[name]} characters.")
    if values["zip_code"] and "zip_code" not in errors and not ZIP_RE.fullmatch(values["zip_code"]):
        _add(errors, "zip_code", ZIP_FORMAT)
    if not values["recipient_mobile"] and not values["recipient_phone"]:
        _add(errors, "recipient_mobile", REQUIRED["recipient_mobile"])
    for name in ("recipient_mobile", "recipient_phone"):
        if values[name] and name not in errors:
            if phone_is_valid(values[name]):
                values[name] = phone_format(values[name])  # as pulled orders have it: 010-1234-5678
            else:
                _add(errors, name, PHONE_FORMAT)

    lines: list[_Line] = []
    if not data.items:
        _add(errors, "items", REQUIRED["items"])
    elif len(data.items) > MAX_ITEMS:
        _add(errors, "items", f"One order holds at most {MAX_ITEMS} items; split it into several orders.")
    for index, item in enumerate(data.items):
        line = _Line(seller_code=_text(item.seller_code), product_name=_text(item.product_name),
                     option_name=_text(item.option_name), quantity=_quantity(item.quantity) or 0)
        for name in ("seller_code", "product_name"):
            if not getattr(line, name):
                _add(errors, f"items.{index}.{name}", REQUIRED[name])
        for name in ("seller_code", "product_name", "option_name"):
            if len(getattr(line, name)) > LIMITS[name]:
                _add(errors, f"items.{index}.{name}", f"The {LABELS[name]} is at most {LIMITS[name]} characters.")
        if not line.quantity:
            _add(errors, f"items.{index}.quantity", REQUIRED["quantity"])
        lines.append(line)
    return _Draft(values=values, lines=lines), errors


# --- Checks against the database: accounts and sales-site order numbers ------------------------------

def _accounts(seller: Seller) -> dict[int, SalesSiteAccount]:
    return {account.pk: account for account in SalesSiteAccount.objects.filter(seller=seller)}


@dataclass(frozen=True)
class _Known:
    site: str
    order_no: str


def _known_references(*, seller: Seller, references: Iterable[str]) -> dict[str, list[_Known]]:
    """Orders of the seller that already stand for these sales-site order numbers: pulled orders by their
    own number, manual orders by their reference. One query per 500 numbers."""
    wanted = sorted({ref for ref in references if ref})
    found: dict[str, list[_Known]] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        rows = Order.objects.filter(seller=seller).filter(
            Q(source=Order.Source.PULLED, order_no__in=chunk)
            | Q(source=Order.Source.MANUAL, reference_order_no__in=chunk)
        ).order_by("id").values_list("source", "site", "order_no", "reference_order_no")
        for source, site, order_no, reference in rows:
            key = order_no if source == Order.Source.PULLED else reference
            found.setdefault(key, []).append(_Known(site=site, order_no=order_no))
    return found


def _same_site(a: str, b: str) -> bool:
    # An order without a sales-site account could stand for an order of any site: it clashes with all.
    return not a or not b or a == b


def _duplicate_of(draft: _Draft, known: dict[str, list[_Known]]) -> _Known | None:
    if not draft.reference:
        return None
    return next((k for k in known.get(draft.reference, ()) if _same_site(k.site, draft.site)), None)


def _duplicate_error(reference: str, order_no: str) -> ValidationError:
    return ValidationError(DUPLICATE, code="duplicate", params={"reference": reference, "order_no": order_no})


def _check(*, seller: Seller, data: ManualOrderData) -> _Draft:
    draft, errors = _clean(data)
    if data.account_id is not None:
        draft.account = _accounts(seller).get(data.account_id)
        if draft.account is None:
            _add(errors, "account_id", ACCOUNT_INVALID)
    if draft.reference and "reference_order_no" not in errors and "account_id" not in errors:
        clash = _duplicate_of(draft, _known_references(seller=seller, references=[draft.reference]))
        if clash is not None:
            _add(errors, "reference_order_no", _duplicate_error(draft.reference, clash.order_no))
    if errors:
        raise ValidationError(errors)
    return draft


def manual_order_validate(*, seller: Seller, data: ManualOrderData) -> None:
    """Check a manual order without saving it; raise ValidationError keyed by field (items as
    ``items.<index>.<field>``). ``manual_order_create`` checks the same again under the seller lock."""
    _check(seller=seller, data=data)


# --- Numbers and inserts -------------------------------------------------------------------------------

def _lock_seller(seller: Seller) -> None:
    """Serialise manual-order writes of one seller (numbering and the duplicate check).

    PostgreSQL: a row lock on the seller. SQLite ignores FOR UPDATE, but its transactions start
    IMMEDIATE (smartship/config.py), so two writers queue on the database lock instead.
    """
    Seller.objects.select_for_update().filter(pk=seller.pk).values_list("pk", flat=True).get()


def order_numbers_next(*, seller: Seller, day: date, count: int = 1) -> list[str]:
    """The next ``count`` manual order numbers of the day: ``M`` + KST date + ``-`` + sequence.

    Numbers already taken (by any order of the seller) are skipped; call under ``_lock_seller``.
    """
    prefix = f"M{day:%Y%m%d}-"
    highest = 0
    for order_no in Order.objects.filter(seller=seller, order_no__startswith=prefix).values_list("order_no", flat=True):
        tail = order_no[len(prefix):]
        if tail.isdigit():
            highest = max(highest, int(tail))
    return [f"{prefix}{n:04d}" for n in range(highest + 1, highest + 1 + count)]


def _insert(*, seller: Seller, actor: User | None, drafts: list[_Draft], now: datetime) -> list[Order]:
    numbers = order_numbers_next(seller=seller, day=timezone.localtime(now, KST).date(), count=len(drafts))
    orders = [
        Order(seller=seller, account=draft.account, site=draft.site, source=Order.Source.MANUAL,
              order_no=order_no, instructed_at=now, **draft.values,
              search_text=search_text_of({**draft.values, "order_no": order_no}, [
                  {"product_name": line.product_name, "option_name": line.option_name,
                   "seller_option_code": line.seller_code} for line in draft.lines]))
        for draft, order_no in zip(drafts, numbers, strict=True)
    ]
    Order.objects.bulk_create(orders, batch_size=500)
    lines = [
        OrderLine(
            order=order, seller=seller, line_no=str(index), process_seq="1",
            status=LineStatus.CONFIRMED, confirm_state=ConfirmState.NOT_NEEDED,
            product_name=line.product_name, option_name=line.option_name, quantity=line.quantity,
            # The seller types one code, the line's Seller defined code (the item-level code, eitmNo at
            # LotteON); OrderLine.seller_code reads it for the SKU mapping.
            seller_option_code=line.seller_code,
        )
        for order, draft in zip(orders, drafts, strict=True)
        for index, line in enumerate(draft.lines, start=1)
    ]
    OrderLine.objects.bulk_create(lines, batch_size=500)
    events = [
        OrderEvent(
            order=order, seller=seller, actor=actor, kind=OrderEvent.Kind.CREATED,
            message=f"Manual shipping order created ({len(draft.lines)} item(s))"
            + (f" for sales site order {draft.reference}" if draft.reference else ""),
            details={"reference_order_no": draft.reference, "account_id": draft.account.pk if draft.account else None,
                     **draft.details},
        )
        for order, draft in zip(orders, drafts, strict=True)
    ]
    OrderEvent.objects.bulk_create(events, batch_size=500)
    orders_refresh(order_ids={order.pk for order in orders})
    # They flow like pulled orders: mapped to SKUs now, handed to fulfilment as confirmed lines.
    line_ids = [line.pk for line in lines]
    hooks.lines_stored(seller_id=seller.pk, line_ids=line_ids)
    hooks.lines_confirmed(seller_id=seller.pk, line_ids=line_ids)
    return orders


@transaction.atomic
def manual_order_create(
    *, seller: Seller, actor: User | None, account_id: int | None = None, reference_order_no: str = "",
    recipient_name: str, recipient_mobile: str = "", recipient_phone: str = "", zip_code: str, address: str,
    address_detail: str = "", delivery_message: str = "", items: Sequence[ManualItem], via: str = "form",
) -> Order:
    """Create one manual shipping order, Confirmed / Preparing, numbered ``M<KST date>-<seq>``.

    Raises ValidationError keyed by field (items as ``items.<index>.<field>``); nothing is saved then.
    ``via`` (form, api, …) is kept in the CREATED event for the audit trail.
    """
    data = ManualOrderData(
        account_id=account_id, reference_order_no=reference_order_no, recipient_name=recipient_name,
        recipient_mobile=recipient_mobile, recipient_phone=recipient_phone, zip_code=zip_code, address=address,
        address_detail=address_detail, delivery_message=delivery_message, items=tuple(items),
    )
    _lock_seller(seller)
    draft = _check(seller=seller, data=data)
    draft.details["via"] = via
    (order,) = _insert(seller=seller, actor=actor, drafts=[draft], now=timezone.now())
    order.refresh_from_db()
    return order


# --- Excel ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    key: str
    title: str
    hint: str  # Korean
    required: bool = False
    width: int = 16
    text: bool = False  # formatted as text in the template, so leading zeros survive

    @property
    def header(self) -> str:
        return f"{self.title} ({self.hint})" + (" *" if self.required else "")


COLUMNS: tuple[Column, ...] = (
    Column("group", "Group", "주문묶음", width=12, text=True),
    Column("account", "Shop ID", "쇼핑몰 ID", width=16, text=True),
    Column("reference_order_no", "Sales site order number", "주문번호", width=26, text=True),
    Column("recipient_name", "Recipient name", "수취인", required=True, width=20),
    Column("recipient_mobile", "Mobile", "휴대폰", width=18, text=True),
    Column("recipient_phone", "Phone", "전화번호", width=18, text=True),
    Column("zip_code", "Zip code", "우편번호", required=True, width=16, text=True),
    Column("address", "Address", "주소", required=True, width=40),
    Column("address_detail", "Address detail", "상세주소", width=24),
    Column("delivery_message", "Delivery message", "배송메시지", width=28),
    Column("seller_code", "Seller defined code", "판매자 상품코드", required=True, width=26, text=True),
    Column("product_name", "Product name", "상품명", required=True, width=32),
    Column("option_name", "Option", "옵션", width=20),
    Column("quantity", "Quantity", "수량", required=True, width=12),
)
COLUMN_BY_KEY = {column.key: column for column in COLUMNS}
ORDER_KEYS = ("account", "reference_order_no", "recipient_name", "recipient_mobile", "recipient_phone",
              "zip_code", "address", "address_detail", "delivery_message")
ITEM_KEYS = ("seller_code", "product_name", "option_name", "quantity")
PHONE_KEYS = ("recipient_mobile", "recipient_phone")

NOT_EXCEL = ("This file is not an Excel workbook (.xlsx). Download the template, fill it in Excel and "
             "save it as “Excel Workbook (*.xlsx)”.")


def _header_key(text: str) -> str:
    """'Recipient name (수취인) *' → 'recipient name'; the Korean hint alone also names a column."""
    text = text.replace("*", " ")
    text = re.sub(r"\(.*?\)", " ", text) if re.sub(r"\(.*?\)", "", text).strip() else text.strip(" ()")
    return " ".join(text.lower().split())


HEADER_NAMES = {
    **{_header_key(column.title): column.key for column in COLUMNS},
    **{_header_key(column.hint): column.key for column in COLUMNS},
}


@dataclass(frozen=True)
class RowError:
    row: int  # as Excel shows it: the header is row 1
    column: str  # the column's name, e.g. "Zip code"
    message: str
    letter: str = ""  # the column's letter in the file, e.g. "G"


@dataclass
class ImportReport:
    file_name: str = ""
    rows: int = 0
    orders_created: int = 0
    lines_created: int = 0
    order_ids: list[int] = field(default_factory=list)
    order_nos: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def error_rows(self) -> int:
        return len({error.row for error in self.errors})


def manual_orders_template() -> bytes:
    """The .xlsx a seller fills in: one row per item, header in English with Korean hints, and a guide sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Orders"
    sheet.append([column.header for column in COLUMNS])
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="E5243B" if column.required else "475467")
        cell.alignment = Alignment(vertical="center", wrap_text=True)
        dimension = sheet.column_dimensions[get_column_letter(index)]
        dimension.width = column.width
        if column.text:
            dimension.number_format = "@"
    sheet.row_dimensions[1].height = 32
    sheet.freeze_panes = "A2"

    guide = workbook.create_sheet("Guide")
    guide.column_dimensions["A"].width = 34
    guide.column_dimensions["B"].width = 90
    guide.append(["SmartShip manual shipping orders (수동 출고주문)", ""])
    guide["A1"].font = Font(bold=True, size=13)
    rules = [
        ("One row", "One row per item (상품 1개 = 1행). Fill the sheet “Orders”; the first row keeps the column names."),
        ("Group (주문묶음)", "Consecutive rows with the same Group form one order with several items. "
                          "The first row of a group carries the recipient; the next rows may leave it blank. "
                          "A blank Group makes the row an order of its own."),
        ("Required (*)", "Recipient name, Zip code, Address, Seller defined code, Product name, Quantity, "
                         "and Mobile or Phone (at least one)."),
        ("Mobile / Phone", "9 to 11 digits; digits, dashes and spaces, e.g. 010-1234-5678."),
        ("Zip code (우편번호)", "5 digits, e.g. 06236."),
        ("Quantity (수량)", f"A whole number from 1 to {MAX_QUANTITY}."),
        ("Shop ID (쇼핑몰 ID)", "Optional: the Shop ID or Account Number of one of your sales-site accounts."),
        ("Sales site order number", "Optional: the order number at the sales site. SmartShip refuses a number "
                                    "it already has (pulled or entered before)."),
        ("Seller defined code", "The code your SKU will be mapped by (판매자 상품코드)."),
        ("Limits", f"At most {MAX_IMPORT_ROWS:,} rows and {MAX_IMPORT_BYTES // (1024 * 1024)} MB per file. "
                   "If any row is wrong nothing is imported and every problem is listed by row."),
        ("Example", "Group A | | | 홍길동 | 010-1234-5678 | | 06236 | 서울특별시 강남구 테헤란로 152 | 12층 | "
                    "문 앞에 놓아주세요 | SKU-TEE-BLK-M | 반팔 티셔츠 | 블랙 / M | 2"),
    ]
    for title, text in rules:
        guide.append([title, text])
    for row in guide.iter_rows(min_row=2):
        row[0].font = Font(bold=True)
        row[1].alignment = Alignment(wrap_text=True, vertical="top")
        row[0].alignment = Alignment(vertical="top")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cell_text(value: Any, key: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        # Excel drops leading zeros of numbers typed into a General cell: 06236 → 6236, 010… → 10….
        if key == "zip_code" and 0 <= value < 100000:
            return f"{value:05d}"
        if key in PHONE_KEYS and value > 0:
            return "0" + str(value)
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


@dataclass
class _Row:
    number: int
    cells: dict[str, str]
    quantity: Any


@dataclass
class _Group:
    key: str
    rows: list[_Row]
    draft: _Draft | None = None


# Bounds on the sheet's positions, not only on its non-blank rows. openpyxl's reader yields an empty row for every
# row number missing from the sheet (and pads every row to its last cell's column), so a 5 KB file with one cell at
# row 99,999,999,999,999 would keep a request busy for years. Reading stops at the first row past
# MAX_IMPORT_SHEET_ROWS, and that refuses the file. A fixed bound rather than "stop after a long run of blank rows":
# the gap before a far-away row *is* such a run, so stopping there would silently drop that row, while a bound is
# predictable and the message can name it. The allowance (as many blank rows as data rows) leaves room for blank
# rows between orders. Columns past MAX_IMPORT_COLUMNS (the template's 14 plus room for the seller's own) are not
# read at all.
MAX_IMPORT_SHEET_ROWS = 2 * MAX_IMPORT_ROWS
MAX_IMPORT_COLUMNS = 50
UNPACKS_TOO_LARGE = ("The file unpacks to far more data than an order sheet holds (over 200 MB). Copy your rows "
                     "into the template and upload that file.")


def _read_rows(file) -> tuple[dict[str, str], list[_Row]]:
    """The columns found (key → column letter) and the non-blank data rows of the order sheet."""
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    content = file.read(MAX_IMPORT_BYTES + 1)
    if len(content) > MAX_IMPORT_BYTES:
        raise ValidationError({"file": f"The file is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB; "
                                       f"split it into several files of at most {MAX_IMPORT_ROWS:,} rows."})
    if not content:
        raise ValidationError({"file": "The file is empty. Download the template and fill it in."})
    if content[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ValidationError({"file": "This is an old Excel 97–2003 (.xls) file. Open it in Excel and save it "
                                       "as “Excel Workbook (*.xlsx)”, then upload that file."})
    if not zipfile.is_zipfile(io.BytesIO(content)):
        raise ValidationError({"file": NOT_EXCEL})
    if unpacked_too_large(content):
        raise ValidationError({"file": UNPACKS_TOO_LARGE})
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for a zip that is not a workbook
        raise ValidationError({"file": NOT_EXCEL}) from None
    rows = None
    try:
        sheet = workbook["Orders"] if "Orders" in workbook.sheetnames else workbook.worksheets[0]
        # The stored dimension can be wrong (some tools write A1:A1); trusting it would drop rows.
        sheet.reset_dimensions()
        # No max_row: with one, openpyxl pads up to it after the last row. Reading stops at the bound below instead.
        rows = sheet.iter_rows(max_col=MAX_IMPORT_COLUMNS, values_only=True)
        header = next(rows, None)
        titles = [_text(value) for value in header or ()]
        if not any(titles):
            raise ValidationError({"file": "The sheet is empty: the first row must hold the column names. "
                                           "Download the template and copy your rows into it."})
        positions: dict[str, int] = {}
        for index, title in enumerate(titles):
            key = HEADER_NAMES.get(_header_key(title)) if title else None
            if key is None:
                continue  # the seller's own extra columns are ignored
            if key in positions:
                raise ValidationError({"file": f"The column “{COLUMN_BY_KEY[key].title}” appears twice (columns "
                                               f"{get_column_letter(positions[key] + 1)} and "
                                               f"{get_column_letter(index + 1)}); keep one."})
            positions[key] = index
        headers = {key: get_column_letter(index + 1) for key, index in positions.items()}
        missing = [column.title for column in COLUMNS if column.required and column.key not in positions]
        if not any(key in positions for key in PHONE_KEYS):
            missing.append("Mobile or Phone")
        if missing:
            raise ValidationError({"file": "The first row must hold the column names; missing: "
                                           + ", ".join(missing) + ". Download the template and copy your rows into it."})
        width = max(positions.values()) + 1
        data: list[_Row] = []
        for number, values in enumerate(rows, start=2):
            if number > MAX_IMPORT_SHEET_ROWS:  # a row (or a gap of missing rows) past the bound: stop reading
                raise ValidationError({"file": f"The sheet goes on beyond row {MAX_IMPORT_SHEET_ROWS:,}; SmartShip "
                                               f"reads at most {MAX_IMPORT_SHEET_ROWS:,} rows per upload, counting "
                                               f"the column names and empty rows. Delete any rows below your orders "
                                               f"and split the file into files of at most {MAX_IMPORT_ROWS:,} rows."})
            values = tuple(values[:width]) + (None,) * (width - len(values[:width]))
            if all(value is None or _text(value) == "" for value in values):
                continue
            if len(data) == MAX_IMPORT_ROWS:
                raise ValidationError({"file": f"The file has more than {MAX_IMPORT_ROWS:,} rows; split it into "
                                               f"files of at most {MAX_IMPORT_ROWS:,} rows."})
            cells = {key: _cell_text(values[index], key) for key, index in positions.items()}
            data.append(_Row(number=number, cells=cells, quantity=values[positions["quantity"]]))
    except ValidationError:
        raise
    except Exception:  # noqa: BLE001 - openpyxl's many errors on a damaged part (core.xlsx.DAMAGED)
        raise ValidationError({"file": DAMAGED}) from None
    finally:
        if rows is not None:
            rows.close()
        workbook.close()
    if not data:
        raise ValidationError({"file": "The sheet has column names but no order rows. Fill one row per item "
                                       "below the column names."})
    return headers, data


def _group_rows(rows: list[_Row], report: ImportReport, headers: dict[str, str]) -> list[_Group]:
    groups: list[_Group] = []
    ended: dict[str, int] = {}  # group value → last row of its (finished) run
    for row in rows:
        value = row.cells.get("group", "")
        current = groups[-1] if groups else None
        if value and current is not None and current.key == value:
            current.rows.append(row)
            continue
        if value in ended:
            _error(report, row.number, "group", headers,
                   f"Group “{value}” already ended at row {ended[value]}; keep the rows of one order next to each other.")
        if current is not None and current.key:
            ended[current.key] = current.rows[-1].number
        groups.append(_Group(key=value, rows=[row]))
    return groups


def _match_account(value: str, accounts: dict[int, SalesSiteAccount]) -> tuple[SalesSiteAccount | None, str]:
    matches = [a for a in accounts.values() if a.shop_id.lower() == value.lower()]
    if not matches:
        matches = [a for a in accounts.values() if a.account_number.upper() == value.upper()]
    if len(matches) == 1:
        return matches[0], ""
    if not matches:
        return None, f"None of your sales-site accounts has Shop ID or Account Number “{value}”."
    return None, f"Several of your accounts have Shop ID “{value}”; enter the Account Number instead."


def _error(report: ImportReport, row: int, key: str, headers: dict[str, str], message: str) -> None:
    if key == "recipient_mobile" and key not in headers:
        key = "recipient_phone"
    if key not in COLUMN_BY_KEY:  # "items": the order as a whole, i.e. its group
        key = "group"
    report.errors.append(RowError(row=row, column=COLUMN_BY_KEY[key].title, message=message,
                                  letter=headers.get(key, "")))


def _check_groups(*, seller: Seller, groups: list[_Group], headers: dict[str, str], report: ImportReport) -> None:
    accounts = _accounts(seller)
    for group in groups:
        first = group.rows[0]
        for row in group.rows[1:]:
            for key in ORDER_KEYS:
                value = row.cells.get(key, "")
                if value and value != first.cells.get(key, ""):
                    _error(report, row.number, key, headers,
                           f"Differs from row {first.number}, the first row of group “{group.key}”; leave it blank "
                           "or repeat the same value.")
        account = None
        if first.cells.get("account"):
            account, problem = _match_account(first.cells["account"], accounts)
            if problem:
                _error(report, first.number, "account", headers, problem)
        data = ManualOrderData(
            **{key: first.cells.get(key, "") for key in ORDER_KEYS if key != "account"},
            items=tuple(ManualItem(seller_code=row.cells["seller_code"], product_name=row.cells["product_name"],
                                   option_name=row.cells.get("option_name", ""), quantity=row.quantity)
                        for row in group.rows),
        )
        draft, errors = _clean(data)
        draft.account = account
        draft.details = {"via": "excel", "file": report.file_name, "rows": [row.number for row in group.rows]}
        group.draft = draft
        for key, messages in errors.items():
            row, column = first, key
            if key.startswith("items."):
                _, index, column = key.split(".")
                row = group.rows[int(index)]
            for message in messages:
                _error(report, row.number, column, headers, str(message))

    known = _known_references(seller=seller, references=(g.draft.reference for g in groups if g.draft))
    in_file: dict[str, list[tuple[str, int]]] = {}
    for group in groups:
        draft = group.draft
        if draft is None or not draft.reference:
            continue
        row = group.rows[0].number
        clash = _duplicate_of(draft, known)
        earlier = next((r for site, r in in_file.get(draft.reference, ()) if _same_site(site, draft.site)), None)
        if clash is not None:
            _error(report, row, "reference_order_no", headers,
                   DUPLICATE % {"reference": draft.reference, "order_no": clash.order_no})
        elif earlier is not None:
            _error(report, row, "reference_order_no", headers,
                   f"Sales site order number {draft.reference} is also on row {earlier}. To put several items in "
                   "one order, give their rows the same Group and keep them together.")
        in_file.setdefault(draft.reference, []).append((draft.site, row))


def manual_orders_import(*, seller: Seller, actor: User | None, file) -> ImportReport:
    """Create manual orders from an uploaded .xlsx: all of them, or none.

    Raises ValidationError({"file": …}) for a file that cannot be read as an order sheet (not Excel,
    too large, empty, columns missing, too many rows). Otherwise returns a report: row-by-row errors
    and nothing created, or the orders created in one transaction. Groups: docs/manual-orders.md.
    """
    size = getattr(file, "size", None)
    if size is not None and size > MAX_IMPORT_BYTES:
        raise ValidationError({"file": f"The file is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB; "
                                       f"split it into several files of at most {MAX_IMPORT_ROWS:,} rows."})
    report = ImportReport(file_name=getattr(file, "name", "") or "")
    headers, rows = _read_rows(file)
    report.rows = len(rows)
    groups = _group_rows(rows, report, headers)
    with transaction.atomic():
        _lock_seller(seller)
        _check_groups(seller=seller, groups=groups, headers=headers, report=report)
        if report.errors:
            report.errors.sort(key=lambda e: (e.row, len(e.letter), e.letter))
            return report
        drafts = [group.draft for group in groups if group.draft is not None]
        orders = _insert(seller=seller, actor=actor, drafts=drafts, now=timezone.now())
    report.orders_created = len(orders)
    report.lines_created = sum(len(draft.lines) for draft in drafts)
    report.order_ids = [order.pk for order in orders]
    report.order_nos = [order.order_no for order in orders]
    return report
