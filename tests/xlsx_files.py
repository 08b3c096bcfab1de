"""Hand-made .xlsx files for the upload limit tests: written by openpyxl, then the sheet's XML patched inside
the zip the way a crafted or odd file could have it (a row at a huge row number, a cell at column XFD)."""

from __future__ import annotations

import io
import zipfile


def sheet_file(title: str, header: list, rows_xml: bytes = b"", *, rows: dict[int, list] | None = None) -> bytes:
    """A sheet named ``title`` with ``header`` (and ``rows``: row number → values), then ``rows_xml`` appended to
    its XML."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    sheet.append(header)
    for number, values in (rows or {}).items():
        for column, value in enumerate(values, start=1):
            sheet.cell(row=number, column=column, value=value)
    written = io.BytesIO()
    workbook.save(written)
    patched = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(written.getvalue())) as source, \
            zipfile.ZipFile(patched, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                assert data.count(b"</sheetData>") == 1
                data = data.replace(b"</sheetData>", rows_xml + b"</sheetData>")
            target.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    return patched.getvalue()


def text_row(number: int, column: str, text: str = "X") -> bytes:
    return f'<row r="{number}"><c r="{column}{number}" t="inlineStr"><is><t>{text}</t></is></c></row>'.encode()


def damaged(content: bytes, how: str) -> bytes:
    """``content`` with its sheet's XML part broken ``how``: "missing" (the part left out of the zip), "cut"
    (its end cut off) or "bad-number" (a number cell holding letters)."""
    patched = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(patched, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                if how == "missing":
                    continue
                data = {"cut": data[:-120], "bad-number": data.replace(b"<v>1</v>", b"<v>1x</v>", 1)}[how]
            target.writestr(info, data)
    return patched.getvalue()


DAMAGES = ("missing", "cut", "bad-number")
