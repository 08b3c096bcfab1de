"""SKU Excel files: the template, reading an upload, the export of the SKU list and the error report.

One row per stock unit (a single option type SKU, or one option SKU of a multi-option product). The
sheet's first row holds the column names; extra columns are ignored, so an export can be edited and
uploaded again. Rows are numbered as Excel shows them (the column names are row 1).
"""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from core import xlsx

MAX_ROWS = 20_000
MAX_BYTES = 10 * 1024 * 1024
# Bounds on the sheet's positions, not only on its non-blank rows. openpyxl's reader yields an empty row for every
# row number missing from the sheet (and pads every row to its last cell's column), so a 5 KB file with one cell at
# row 99,999,999,999,999 would hold an import worker for years. Reading stops at the first row past MAX_SHEET_ROWS,
# and that refuses the file. A fixed bound rather than "stop after a long run of blank rows": the gap before a
# far-away row *is* such a run, so stopping there would silently drop that row, while a bound is predictable and the
# message can name it. The allowance (as many blank rows as SKU rows) leaves room for blank rows between groups.
# Columns past MAX_COLUMNS (the export's 11 plus room for the seller's own) are not read at all.
MAX_SHEET_ROWS = 2 * MAX_ROWS
MAX_COLUMNS = 50
SHEET = "SKUs"
NOT_EXCEL = ("This file is not an Excel workbook (.xlsx). Download the template, fill it in Excel or another "
             "spreadsheet program, and save it as “Excel Workbook (*.xlsx)”.")
OLD_EXCEL = ("This is an old Excel 97–2003 (.xls) file. Open it in Excel and save it as “Excel Workbook (*.xlsx)”, "
             "then upload that file.")


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    width: float
    required: bool = False
    aliases: tuple[str, ...] = ()
    help: str = ""


COLUMNS: tuple[Column, ...] = (
    Column("code", "SKU Seller Management Code", 28, True,
           ("seller defined code", "sku seller code", "seller management code", "판매자관리코드", "판매자 관리코드",
            "sku 판매자관리코드"),
           "The Seller defined code of the stock unit: the same code you entered at LotteON — the Seller internal "
           "single product code (eitmNo) of an option, or the Seller internal product number (epdNo) of a single "
           "product without options. Unique per seller."),
    Column("name", "SKU name", 34, True, ("name", "sku명", "상품명"),
           "The SKU's name. Option rows of one product repeat the same name."),
    Column("option_values", "Option values", 20, False, ("option", "options", "옵션", "옵션값"),
           "Leave empty for a single option type SKU. For a multi-option product, the option, e.g. 블랙 / M."),
    Column("product_code", "Product code", 20, False,
           ("seller internal product number", "product seller defined code", "상품코드", "업체상품번호"),
           "Multi-option products: the product's code at LotteON (Seller internal product number, epdNo). Option "
           "rows with the same Product code form one SKU; without one, option rows with the same SKU name do. "
           "Single option type: leave empty (the SKU Seller Management Code is the product code). An empty cell "
           "keeps the product code a SKU already has."),
    Column("barcode", "Barcode", 18, False, ("바코드",), "Optional, at most 64 characters."),
    Column("active", "Active", 8, False, ("use", "사용여부"),
           "Y or N. Empty: new rows are active, existing SKUs keep their state."),
)
COLUMN_BY_KEY = {column.key: column for column in COLUMNS}
EXPORT_EXTRA = ("SKU type", "On hand", "Reserved", "Available", "LotteON link")


def _header_key(title: str) -> str:
    title = re.sub(r"\(.*?\)|\*", "", title.lower())
    return " ".join(title.replace("_", " ").split())


HEADERS = {
    _header_key(name): column.key for column in COLUMNS for name in (column.title, *column.aliases)
}


class ImportFileError(Exception):
    """The file as a whole cannot be imported; ``message`` says what to do."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ImportRow:
    number: int  # as Excel shows it
    code: str
    name: str
    option_values: str
    product_code: str
    barcode: str
    active: str  # as written; the service interprets it


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a code or barcode typed into a General cell comes back as a number
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


def _open(content: bytes):
    if not content:
        raise ImportFileError("The file is empty. Download the template and fill it in.")
    if len(content) > MAX_BYTES:
        raise ImportFileError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB; split it into files of at "
                              f"most {MAX_ROWS:,} rows.")
    if content[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ImportFileError(OLD_EXCEL)
    if not zipfile.is_zipfile(io.BytesIO(content)):
        raise ImportFileError(NOT_EXCEL)
    if xlsx.unpacked_too_large(content):
        raise ImportFileError("The file unpacks to far more data than a SKU sheet holds (over 200 MB). Copy your "
                              "rows into the template and upload that file.")
    try:
        return load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for a zip that is not a workbook
        raise ImportFileError(NOT_EXCEL) from None


def _positions(header: Iterable[Any]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, value in enumerate(header):
        key = HEADERS.get(_header_key(cell_text(value))) if value is not None else None
        if key is None:
            continue  # the seller's own columns (and the export's stock columns) are ignored
        if key in positions:
            raise ImportFileError(f"The column “{COLUMN_BY_KEY[key].title}” appears twice (columns "
                                  f"{get_column_letter(positions[key] + 1)} and {get_column_letter(index + 1)}); "
                                  "keep one.")
        positions[key] = index
    missing = [column.title for column in COLUMNS if column.required and column.key not in positions]
    if missing:
        found = ", ".join(cell_text(value) for value in header if cell_text(value))
        raise ImportFileError("The first row must hold the column names; missing: " + ", ".join(missing)
                              + (f" (found: {found[:200]})" if found else " (the first row is empty)")
                              + ". Download the template and copy your rows into it.")
    return positions


def _sheet(workbook):
    return workbook[SHEET] if SHEET in workbook.sheetnames else workbook.worksheets[0]


def inspect(content: bytes) -> None:
    """The quick checks made while the seller waits: size, format, column names. Raises ImportFileError."""
    workbook = _open(content)
    try:
        sheet = _sheet(workbook)
        sheet.reset_dimensions()
        header = next(sheet.iter_rows(min_row=1, max_row=1, max_col=MAX_COLUMNS, values_only=True), ())
        _positions(header or ())
    except ImportFileError:
        raise
    except Exception:  # noqa: BLE001 - openpyxl's many errors on a damaged part (core.xlsx.DAMAGED)
        raise ImportFileError(xlsx.DAMAGED) from None
    finally:
        workbook.close()


def read_rows(content: bytes, *, progress: Callable[[int, int], None] | None = None,
              every: int = 2000) -> tuple[dict[str, str], list[ImportRow]]:
    """The column letters found (key → letter) and the non-blank rows. Raises ImportFileError."""
    workbook = _open(content)
    rows = None
    try:
        sheet = _sheet(workbook)
        # From the stored dimension: a hint for the progress bar (the file says what it likes: capped).
        estimate = min(MAX_ROWS, max(0, (sheet.max_row or 1) - 1))
        # The stored dimension can be wrong (some tools write A1:A1); trusting it would drop rows.
        sheet.reset_dimensions()
        # No max_row: with one, openpyxl pads up to it after the last row. Reading stops at the bound below instead.
        rows = sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)
        positions = _positions(next(rows, None) or ())
        width = max(positions.values()) + 1
        index = [positions.get(column.key) for column in COLUMNS]
        data: list[ImportRow] = []
        for number, values in enumerate(rows, start=2):
            if number > MAX_SHEET_ROWS:  # a row (or a gap of missing rows) past the bound: stop reading
                raise ImportFileError(f"The sheet goes on beyond row {MAX_SHEET_ROWS:,}; SmartShip reads at most "
                                      f"{MAX_SHEET_ROWS:,} rows per upload, counting the column names and empty rows. "
                                      f"Delete any rows below your SKUs and split the file into files of at most "
                                      f"{MAX_ROWS:,} rows.")
            values = tuple(values[:width])
            cells = [cell_text(values[i]) if i is not None and i < len(values) else "" for i in index]
            if not any(cells):
                continue
            if len(data) == MAX_ROWS:
                raise ImportFileError(f"The file has more than {MAX_ROWS:,} SKU rows; split it into files of at most "
                                      f"{MAX_ROWS:,} rows.")
            data.append(ImportRow(number, *cells))
            if progress is not None and len(data) % every == 0:
                progress(len(data), max(estimate, len(data)))
    except ImportFileError:
        raise
    except Exception:  # noqa: BLE001 - openpyxl's many errors on a damaged part (core.xlsx.DAMAGED)
        raise ImportFileError(xlsx.DAMAGED) from None
    finally:
        if rows is not None:
            rows.close()
        workbook.close()
    if not data:
        raise ImportFileError("The sheet has column names but no SKU rows. Fill one row per SKU (or option SKU) "
                              "below the column names.")
    return {key: get_column_letter(i + 1) for key, i in positions.items()}, data


def _styled_header(sheet, titles: Iterable[tuple[str, bool]]) -> list[WriteOnlyCell]:
    cells = []
    for title, required in titles:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="E5243B" if required else "475467")
        cell.alignment = Alignment(vertical="center", wrap_text=True)
        cells.append(cell)
    return cells


def template() -> bytes:
    """The .xlsx a seller fills in: the SKU sheet with an example of each kind, and a guide sheet."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET)
    sheet.freeze_panes = "A2"
    for position, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(position)].width = column.width
    sheet.append(_styled_header(sheet, ((column.title, column.required) for column in COLUMNS)))
    guide = workbook.create_sheet("Guide")
    guide.column_dimensions["A"].width = 30
    guide.column_dimensions["B"].width = 100
    title = WriteOnlyCell(guide, value="SmartShip SKU upload (SKU Management)")
    title.font = Font(bold=True, size=13)
    guide.append([title])
    rules = [(column.title + (" *" if column.required else ""), column.help) for column in COLUMNS] + [
        ("One row", "One row per stock unit: a single option type SKU, or one option SKU of a multi-option product."),
        ("Existing codes", "A row whose SKU Seller Management Code is already in SmartShip updates that SKU; other "
                           "rows create SKUs. Nothing is deleted."),
        ("All or nothing", f"Every row is checked first. If any row is wrong nothing is imported and every problem is "
                           f"listed by row and column. At most {MAX_ROWS:,} rows and {MAX_BYTES // (1024 * 1024)} MB."),
        ("Example: single", "EARBUDS-01 | 무선 블루투스 이어폰 | (empty) | (empty) | 8801234567890 | Y"),
        ("Example: options", "TSHIRT-BLK-M | 베이직 반팔 티셔츠 | 블랙 / M | TSHIRT | | Y   and   "
                             "TSHIRT-BLK-L | 베이직 반팔 티셔츠 | 블랙 / L | TSHIRT | | Y"),
    ]
    for name, text in rules:
        label = WriteOnlyCell(guide, value=name)
        label.font = Font(bold=True)
        label.alignment = Alignment(vertical="top")
        body = WriteOnlyCell(guide, value=text)
        body.alignment = Alignment(wrap_text=True, vertical="top")
        guide.append([label, body])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _export_header(required: bool) -> dict:
    return {"bold": True, "font_color": "#FFFFFF", "bg_color": "#E5243B" if required else "#475467",
            "valign": "vcenter", "text_wrap": True}


def skus_workbook(rows: Iterable[tuple]) -> IO[bytes]:
    """The export: the template's columns first (so it can be uploaded again), then stock and link."""
    columns = [xlsx.Column(column.title, column.width, header=_export_header(column.required)) for column in COLUMNS]
    columns += [xlsx.Column(title, width, header=_export_header(False))
                for title, width in zip(EXPORT_EXTRA, (20, 10, 10, 10, 36), strict=True)]
    output = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse streams it and closes it
    xlsx.xlsx_write(output, sheet=SHEET, columns=columns, rows=rows)
    output.seek(0)
    return output


def report_workbook(errors: Iterable[dict]) -> bytes:
    """The row-by-row report of a rejected upload (its messages quote the uploaded cells: text only)."""
    buffer = io.BytesIO()
    xlsx.xlsx_write(buffer, sheet="Problems",
                    columns=[xlsx.Column(title, width, header=_export_header(False))
                             for title, width in (("Row", 8), ("Column", 30), ("Problem", 100))],
                    rows=([error.get("row"), error.get("column", ""), error.get("message", "")] for error in errors))
    return buffer.getvalue()
