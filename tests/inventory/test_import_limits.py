"""SKU import: the sheet is read up to a fixed row and column, so a tiny file cannot hold an import worker.

openpyxl yields an empty row for every row number missing from a sheet; a 5 KB file with one cell at row
99,999,999,999,999 used to keep the job "running / reading" for years. The reading runs first in a thread with a
time limit, so a regression fails the test instead of hanging the run; only then the file goes through the job.
"""

from __future__ import annotations

import io
import threading
import time
import zipfile

import pytest
from django.core.exceptions import ValidationError

from inventory import excel
from inventory.models import Sku, SkuImport
from inventory.services.imports import sku_import_create
from tests import xlsx_files
from tests.factories import make_seller_user

pytestmark = pytest.mark.django_db

HEADER = [column.title for column in excel.COLUMNS]
SKU_ROW = ["EARBUDS-01", "무선 이어폰", None, None, None, "Y"]
BEYOND = f"The sheet goes on beyond row {excel.MAX_SHEET_ROWS:,}"
SECONDS = 10  # the refusals take well under a second; before the fix the first file never finished


def sheet_file(rows_xml: bytes = b"", *, rows: dict[int, list] | None = None) -> bytes:
    return xlsx_files.sheet_file(excel.SHEET, HEADER, rows_xml, rows=rows)


def read_within(seconds: float, content: bytes):
    """excel.read_rows in a daemon thread: (result or ImportFileError, seconds); fails if it runs longer."""
    outcome: dict = {}

    def target():
        try:
            outcome["result"] = excel.read_rows(content)
        except excel.ImportFileError as exc:
            outcome["result"] = exc
        except BaseException as exc:  # reported below, not swallowed
            outcome["unexpected"] = exc

    started = time.perf_counter()
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    elapsed = time.perf_counter() - started
    assert not thread.is_alive(), f"read_rows was still reading the file after {seconds}s"
    if "unexpected" in outcome:
        raise outcome["unexpected"]
    return outcome["result"], elapsed


def run(seller, content: bytes, capture) -> SkuImport:
    with capture(execute=True):
        job = sku_import_create(seller=seller, actor=None, filename="skus.xlsx", content=content)
    job.refresh_from_db()
    return job


@pytest.fixture
def seller():
    return make_seller_user()[0]


def test_a_row_numbered_in_the_trillions_fails_the_job_at_once(seller, eager_celery,
                                                               django_capture_on_commit_callbacks):
    content = sheet_file(xlsx_files.text_row(99_999_999_999_999, "A"), rows={2: SKU_ROW})
    assert len(content) < 10_000

    refused, seconds = read_within(SECONDS, content)

    assert isinstance(refused, excel.ImportFileError), refused
    assert refused.message == (f"The sheet goes on beyond row {excel.MAX_SHEET_ROWS:,}; SmartShip reads at most "
                               f"{excel.MAX_SHEET_ROWS:,} rows per upload, counting the column names and empty rows. "
                               "Delete any rows below your SKUs and split the file into files of at most 20,000 rows.")
    assert seconds < 5, f"took {seconds:.1f}s"
    # The job (reading is known to be quick now): failed with the message, the good row 2 not imported either.
    job = run(seller, content, django_capture_on_commit_callbacks)
    assert job.status == SkuImport.Status.FAILED and job.message == refused.message
    assert not Sku.objects.exists()


def test_rows_of_cells_at_column_xfd_are_not_padded_and_are_refused_past_the_bound(
        seller, eager_celery, django_capture_on_commit_callbacks):
    content = sheet_file(b"".join(xlsx_files.text_row(number, "XFD") for number in range(2, excel.MAX_SHEET_ROWS + 50)))

    refused, seconds = read_within(SECONDS, content)

    assert isinstance(refused, excel.ImportFileError) and refused.message.startswith(BEYOND), refused
    assert seconds < 5, f"took {seconds:.1f}s"
    job = run(seller, content, django_capture_on_commit_callbacks)
    assert job.status == SkuImport.Status.FAILED and job.message.startswith(BEYOND)
    assert not Sku.objects.exists()


def test_cells_past_the_columns_read_are_ignored(seller, eager_celery, django_capture_on_commit_callbacks):
    far = (excel.MAX_COLUMNS + 1) * [None] + ["ignored"]
    content = sheet_file(xlsx_files.text_row(3, "XFD") + xlsx_files.text_row(4, "XFD"), rows={2: SKU_ROW + far})

    (letters, rows), _ = read_within(SECONDS, content)

    assert letters["code"] == "A" and [row.code for row in rows] == ["EARBUDS-01"]
    job = run(seller, content, django_capture_on_commit_callbacks)
    assert job.status == SkuImport.Status.SUCCEEDED, job.message
    assert Sku.objects.filter(seller=seller).count() == 1


def test_blank_rows_up_to_the_bound_are_fine_and_one_row_more_is_refused(seller):
    last = sheet_file(rows={2: SKU_ROW, excel.MAX_SHEET_ROWS: ["SOCKS-01", "양말"]})
    (_, rows), _ = read_within(SECONDS, last)
    assert [(row.number, row.code) for row in rows] == [(2, "EARBUDS-01"), (excel.MAX_SHEET_ROWS, "SOCKS-01")]

    beyond = sheet_file(rows={2: SKU_ROW, excel.MAX_SHEET_ROWS + 1: ["SOCKS-01", "양말"]})
    refused, _ = read_within(SECONDS, beyond)
    assert isinstance(refused, excel.ImportFileError) and refused.message.startswith(BEYOND), refused


def test_a_stored_dimension_in_the_trillions_does_not_inflate_the_progress_total():
    content = sheet_file(rows={2: SKU_ROW})
    with zipfile.ZipFile(io.BytesIO(content)) as source:
        xml = source.read("xl/worksheets/sheet1.xml")
    assert b'<dimension ref="A1:F2" />' in xml
    patched = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(patched, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<dimension ref="A1:F2" />', b'<dimension ref="A1:F99999999999999" />')
            out.writestr(info, data)
    calls = []
    _, rows = excel.read_rows(patched.getvalue(), progress=lambda done, total: calls.append((done, total)), every=1)
    assert len(rows) == 1 and calls == [(1, excel.MAX_ROWS)]


@pytest.mark.parametrize("how", xlsx_files.DAMAGES)
def test_a_damaged_workbook_is_refused_with_a_message_at_upload_and_in_the_worker(
        seller, how, eager_celery, django_capture_on_commit_callbacks):
    content = xlsx_files.damaged(sheet_file(rows={2: [*SKU_ROW[:4], 1, "Y"]}), how)
    with pytest.raises(excel.ImportFileError) as refused:
        excel.read_rows(content)
    assert refused.value.message.startswith("Part of this workbook is missing or damaged")
    # The upload checks the column names at once: a workbook without its sheet is refused there; one whose
    # rows are damaged passes that check, and the worker's job fails with the same words (no crash report).
    try:
        job = run(seller, content, django_capture_on_commit_callbacks)
    except ValidationError as exc:
        assert how == "missing"
        assert exc.message_dict["file"][0].startswith("Part of this workbook is missing or damaged")
    else:
        assert how != "missing"
        assert (job.status, job.message) == (SkuImport.Status.FAILED, refused.value.message)
    assert not Sku.objects.exists()
