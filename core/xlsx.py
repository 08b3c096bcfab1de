"""Writing the .xlsx files the portal hands out (exports, error reports) with XlsxWriter.

openpyxl still reads uploads and builds the two fixed templates; it no longer writes data that came
from elsewhere, for two reasons:

- Text stays text. openpyxl writes any string that starts with ``=`` as a formula, so a buyer's
  delivery message ``=HYPERLINK("http://…", "Click")`` became a live formula in the seller's order
  export (formula injection). Here a ``str`` is always written as a string: never a formula, a link
  or a number guessed from its digits (order numbers and phones keep every digit and leading 0).
- Speed. Rows stream to a temporary file (constant memory) about 2.5 times faster than openpyxl's
  write-only mode; the export of a large selection runs inside a web request (docs/performance.md,
  "Excel exports").
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

import xlsxwriter

DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
HEADER = {"bold": True, "bg_color": "#F2F4F7", "border": 0}
OPTIONS = {
    "constant_memory": True,  # each row goes to disk when the next begins: memory stays flat
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "default_date_format": DATETIME_FORMAT,
}


@dataclass(frozen=True)
class Column:
    title: str
    width: float
    number_format: str = ""  # applied to the column's numbers (dates always get DATETIME_FORMAT)
    header: Mapping[str, Any] = field(default_factory=lambda: HEADER)  # XlsxWriter format of the title cell


def xlsx_write(output: IO[bytes], *, sheet: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> int:
    """Write one sheet to ``output``: the column titles in a frozen first row, then ``rows``.

    Values: ``str`` as text, numbers (``int``, ``float``, ``Decimal``) as numbers, naive ``datetime``
    and ``date`` as Excel dates; ``None`` and ``""`` leave the cell empty. An aware datetime is
    refused (Excel has no time zones: convert it to the wall-clock time the reader expects first).
    Returns the number of data rows written.
    """
    book = xlsxwriter.Workbook(output, OPTIONS)
    formats: dict[tuple, Any] = {}

    def format_of(properties: Mapping[str, Any]):
        key = tuple(sorted(properties.items()))
        if key not in formats:
            formats[key] = book.add_format(dict(properties))
        return formats[key]

    try:
        worksheet = book.add_worksheet(sheet)
        for index, column in enumerate(columns):
            number_format = format_of({"num_format": column.number_format}) if column.number_format else None
            worksheet.set_column(index, index, column.width, number_format)
            worksheet.write_string(0, index, column.title, format_of(column.header))
        worksheet.freeze_panes(1, 0)
        count = 0
        write_row = worksheet.write_row
        for count, row in enumerate(rows, start=1):
            write_row(count, 0, row)
    except BaseException:
        with contextlib.suppress(Exception):  # the first error is the one worth reporting
            book.close()
        raise
    book.close()
    return count


# An upload is at most 10 MB; its XML unpacks to about ten times that. A zip declaring far more is a
# compression bomb (openpyxl parses the shared strings and styles whole when it opens the workbook).
MAX_UNPACKED_BYTES = 200 * 1024 * 1024


# openpyxl opened the zip as a workbook but a part is missing or broken (no sheet, a cut-off sheet, a cell that
# is not what its type says): it raises IndexError, ParseError, ValueError... while the rows are read.
DAMAGED = ("Part of this workbook is missing or damaged, so its rows cannot be read. Open it in Excel, save it "
           "again as “Excel Workbook (*.xlsx)”, and upload that file. Nothing was imported.")


def unpacked_too_large(content: bytes, limit: int = MAX_UNPACKED_BYTES) -> bool:
    """Whether the .xlsx (a zip) would unpack to more than ``limit`` bytes. The sizes are the ones each
    entry declares; Python's zipfile, which openpyxl reads through, never inflates past them."""
    import io
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return sum(info.file_size for info in archive.infolist()) > limit
    except (zipfile.BadZipFile, OSError, ValueError):
        return False  # not a zip: the caller's own checks say so
