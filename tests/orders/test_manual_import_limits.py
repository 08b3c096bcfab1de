"""Manual order import: the sheet is read up to a fixed row and column, so a tiny file cannot keep a request busy.

openpyxl yields an empty row for every row number missing from a sheet; a 5 KB file with one cell at row
99,999,999,999,999 used to make the upload run for years. Each upload runs in a thread with a time limit, so a
regression fails the test instead of hanging the run.
"""

from __future__ import annotations

import io
import threading
import time
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from orders.models import Order
from orders.services.manual import COLUMNS, MAX_IMPORT_COLUMNS, MAX_IMPORT_SHEET_ROWS, manual_orders_import
from tests import xlsx_files
from tests.factories import make_seller_user

pytestmark = pytest.mark.django_db

HEADERS = [column.header for column in COLUMNS]
ORDER = {"recipient_name": "홍길동", "recipient_mobile": "010-1234-5678", "zip_code": "06236",
         "address": "서울특별시 강남구 테헤란로 152", "seller_code": "SKU-1", "product_name": "반팔 티셔츠", "quantity": 1}
ORDER_ROW = [ORDER.get(column.key) for column in COLUMNS]
BEYOND = f"The sheet goes on beyond row {MAX_IMPORT_SHEET_ROWS:,}"
SECONDS = 10  # the refusals take well under a second; before the fix the first file never finished


def sheet_file(rows_xml: bytes = b"", *, rows: dict[int, list] | None = None) -> bytes:
    return xlsx_files.sheet_file("Orders", HEADERS, rows_xml, rows=rows)


def upload(content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("orders.xlsx", content,
                              content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def import_within(seconds: float, seller, user, content: bytes):
    """manual_orders_import in a daemon thread: (report or ValidationError, seconds); fails if it runs longer.

    Only for files that must be refused while reading, before the service touches the database (a thread has a
    connection of its own, outside the test's transaction)."""
    outcome: dict = {}

    def target():
        try:
            outcome["result"] = manual_orders_import(seller=seller, actor=user, file=upload(content))
        except ValidationError as exc:
            outcome["result"] = exc
        except BaseException as exc:  # reported below, not swallowed
            outcome["unexpected"] = exc

    started = time.perf_counter()
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    elapsed = time.perf_counter() - started
    assert not thread.is_alive(), f"the import was still reading the file after {seconds}s"
    if "unexpected" in outcome:
        raise outcome["unexpected"]
    return outcome["result"], elapsed


def file_error(result) -> str:
    assert isinstance(result, ValidationError), f"expected a refusal, got {result!r}"
    return result.message_dict["file"][0]


@pytest.fixture
def seller_user():
    return make_seller_user(name="엑셀 상점")


def test_a_row_numbered_in_the_trillions_is_refused_at_once(seller_user, client):
    seller, user = seller_user
    content = sheet_file(xlsx_files.text_row(99_999_999_999_999, "A"), rows={2: ORDER_ROW})
    assert len(content) < 10_000

    result, seconds = import_within(SECONDS, seller, user, content)

    message = file_error(result)
    assert message == (f"The sheet goes on beyond row {MAX_IMPORT_SHEET_ROWS:,}; SmartShip reads at most "
                       f"{MAX_IMPORT_SHEET_ROWS:,} rows per upload, counting the column names and empty rows. Delete "
                       "any rows below your orders and split the file into files of at most 5,000 rows.")
    assert seconds < 5, f"took {seconds:.1f}s"
    assert not Order.objects.exists()  # the good row 2 is not imported either: all or nothing
    # The page shows the refusal (the service answered quickly above, so this cannot hang).
    client.force_login(user)
    body = client.post("/orders/manual/import/", {"file": upload(content)}).content.decode()
    assert BEYOND in body and "Nothing was saved" in body
    assert not Order.objects.exists()


def test_rows_of_cells_at_column_xfd_are_not_padded_and_are_refused_past_the_bound(seller_user):
    seller, user = seller_user
    content = sheet_file(b"".join(xlsx_files.text_row(number, "XFD") for number in range(2, MAX_IMPORT_SHEET_ROWS + 50)))

    result, seconds = import_within(SECONDS, seller, user, content)

    assert file_error(result).startswith(BEYOND)
    assert seconds < 5, f"took {seconds:.1f}s"
    assert not Order.objects.exists()


def test_cells_past_the_columns_read_are_ignored(seller_user):
    seller, user = seller_user
    far = (MAX_IMPORT_COLUMNS + 1) * [None] + ["ignored"]
    content = sheet_file(xlsx_files.text_row(3, "XFD") + xlsx_files.text_row(4, "XFD"), rows={2: ORDER_ROW + far})

    report = manual_orders_import(seller=seller, actor=user, file=upload(content))

    assert report.ok and report.rows == 1 and report.orders_created == 1


def test_blank_rows_up_to_the_bound_are_fine_and_one_row_more_is_refused(seller_user):
    seller, user = seller_user
    last = sheet_file(rows={2: ORDER_ROW, MAX_IMPORT_SHEET_ROWS: ORDER_ROW})
    report = manual_orders_import(seller=seller, actor=user, file=upload(last))
    assert report.ok and report.orders_created == 2

    beyond = sheet_file(rows={2: ORDER_ROW, MAX_IMPORT_SHEET_ROWS + 1: ORDER_ROW})
    result, _ = import_within(SECONDS, seller, user, beyond)
    assert file_error(result).startswith(BEYOND)
    assert Order.objects.count() == 2  # only the first file's


def test_a_file_that_unpacks_to_hundreds_of_megabytes_is_refused_before_it_is_parsed():
    """A compression bomb: 300 MB of one repeated byte in the shared strings packs into a few hundred KB."""
    seller, user = make_seller_user()
    written = io.BytesIO(sheet_file())
    patched = io.BytesIO()
    with zipfile.ZipFile(written) as source, zipfile.ZipFile(patched, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, source.read(info.filename), compress_type=zipfile.ZIP_DEFLATED)
        with target.open("xl/padding.xml", "w") as padding:  # streamed: the test never holds 300 MB either
            chunk = b" " * (1024 * 1024)
            for _ in range(300):
                padding.write(chunk)
    assert len(patched.getvalue()) < 2 * 1024 * 1024
    result, seconds = import_within(SECONDS, seller, user, patched.getvalue())
    assert isinstance(result, ValidationError) and "unpacks to far more data" in str(result)
    assert seconds < 5 and Order.objects.count() == 0


@pytest.mark.parametrize("how", xlsx_files.DAMAGES)
def test_a_damaged_workbook_is_refused_with_a_message(seller_user, client, how):
    seller, user = seller_user
    content = xlsx_files.damaged(sheet_file(rows={2: ORDER_ROW}), how)
    result, _ = import_within(SECONDS, seller, user, content)
    assert file_error(result).startswith("Part of this workbook is missing or damaged")
    client.force_login(user)
    response = client.post("/orders/manual/import/", {"file": upload(content)})
    assert response.status_code == 200 and "missing or damaged" in response.content.decode()
    assert not Order.objects.exists()
