"""core.xlsx: what a sheet holds when Excel (here openpyxl) reads it back."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from core.xlsx import DATETIME_FORMAT, Column, xlsx_write

COLUMNS = [Column("Text", 30), Column("Amount", 12, "#,##0"), Column("When", 19),
           Column("Required", 10, header={"bold": True, "font_color": "#FFFFFF", "bg_color": "#E5243B"})]


def written(rows, columns=COLUMNS):
    output = io.BytesIO()
    count = xlsx_write(output, sheet="Data", columns=columns, rows=rows)
    output.seek(0)
    return count, load_workbook(output)["Data"]


def test_values_keep_their_types_and_text_is_never_a_formula_link_or_number():
    texts = ["=1+1", "{=SUM(A1:A2)}", "+1", "-1", "@A1", "http://example.com", "mailto:a@example.com",
             "0101234567", "2026112600000123", "1e5", "탭\t과 줄\n바꿈"]
    count, sheet = written([[text] for text in texts])
    assert count == len(texts)
    for row, text in enumerate(texts, start=2):
        cell = sheet.cell(row=row, column=1)
        assert (cell.value, cell.data_type, cell.hyperlink) == (text, "s", None)


def test_numbers_dates_and_empty_cells():
    count, sheet = written([
        ["a", 12900, datetime(2026, 11, 26, 23, 30, 5), 1],
        ["", Decimal("25800"), date(2026, 11, 27), None],
        [None, 1.5, None, True],
    ])
    assert count == 3
    assert [cell.value for cell in sheet[2]] == ["a", 12900, datetime(2026, 11, 26, 23, 30, 5), 1]
    assert [cell.value for cell in sheet[3]] == [None, 25800, datetime(2026, 11, 27), None]
    assert [cell.value for cell in sheet[4]] == [None, 1.5, None, True]
    assert sheet["B2"].number_format == "#,##0" and sheet["B4"].number_format == "#,##0"
    assert sheet["C2"].number_format == DATETIME_FORMAT and sheet["A2"].number_format == "General"


def test_header_widths_and_frozen_first_row():
    _, sheet = written([])
    assert [cell.value for cell in sheet[1]] == ["Text", "Amount", "When", "Required"]
    assert sheet.max_row == 1 and sheet.freeze_panes == "A2"
    assert sheet["A1"].font.bold and sheet["A1"].fill.fgColor.rgb == "FFF2F4F7"
    assert sheet["D1"].font.color.rgb == "FFFFFFFF" and sheet["D1"].fill.fgColor.rgb == "FFE5243B"
    assert sheet.column_dimensions["A"].width == pytest.approx(30, abs=1)
    assert sheet.column_dimensions["B"].width == pytest.approx(12, abs=1)


def test_an_aware_datetime_is_refused_rather_than_written_in_another_zone():
    with pytest.raises(TypeError):
        written([["a", 1, datetime(2026, 11, 26, 14, 30, tzinfo=UTC), None]])


def test_an_error_while_reading_rows_reaches_the_caller():
    def rows():
        yield ["first"]
        raise LookupError("the query failed")

    with pytest.raises(LookupError, match="the query failed"):
        written(rows())


def test_unpacked_size_is_judged_from_the_zip_directory():
    import io
    import zipfile

    from core.xlsx import unpacked_too_large

    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b" " * 100_000)
    assert unpacked_too_large(packed.getvalue(), limit=99_999)
    assert not unpacked_too_large(packed.getvalue(), limit=100_000)
    assert not unpacked_too_large(b"not a zip at all")  # the importers' own check names that problem
