"""Excel upload of SKUs: good files, files with bad rows (nothing applied, every bad row reported), 20,000 rows,
files that are not Excel, the page with its progress and report, the template and export round trip."""

from __future__ import annotations

import io
import time

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from inventory import excel
from inventory.models import OptionSku, Sku, SkuImport, SkuKind
from inventory.services.imports import sku_import_create
from orders.models import LineStatus, Order, OrderLine
from tests.factories import make_seller_user
from tests.inventory.factories import make_multi, make_single, xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def seller():
    return make_seller_user()[0]


def run(seller, content: bytes, capture, filename="skus.xlsx") -> SkuImport:
    with capture(execute=True):
        job = sku_import_create(seller=seller, actor=None, filename=filename, content=content)
    job.refresh_from_db()
    return job


def test_a_good_file_creates_single_and_multi_option_skus_and_maps_waiting_lines(
        seller, eager_celery, django_capture_on_commit_callbacks):
    order = Order.objects.create(seller=seller, site="lotteon", order_no="2026112700000001", recipient_name="김",
                                 address="서울", status="confirmed")
    line = OrderLine.objects.create(order=order, seller=seller, line_no="1", product_name="티셔츠",
                                    seller_product_code="TSHIRT", seller_option_code="TSHIRT-BLK-L", quantity=1,
                                    status=LineStatus.CONFIRMED)
    content = xlsx([
        ["EARBUDS-01", "무선 이어폰", None, None, 8801234567890, "Y"],
        ["TSHIRT-BLK-M", "베이직 반팔 티셔츠", "블랙 / M", "TSHIRT", None, None],
        ["TSHIRT-BLK-L", "베이직 반팔 티셔츠", "블랙 / L", "TSHIRT", None, "Y"],
        [None, None, None, None, None, None],  # blank rows are skipped
        ["SOCKS-W", "양말", "화이트", None, None, None],  # no product code: grouped by name
        ["SOCKS-B", "양말", "블랙", None, None, "N"],
        [123456, "숫자 코드", None, None, None, None],  # a code typed as a number stays the digits
    ])

    job = run(seller, content, django_capture_on_commit_callbacks)

    assert job.status == SkuImport.Status.SUCCEEDED, job.message
    assert (job.skus_created, job.options_created, job.rows_total, job.lines_mapped) == (4, 6, 6, 1)
    assert job.content == b"" and job.progress_percent == 100
    tshirt = Sku.objects.get(seller=seller, code="TSHIRT")
    assert tshirt.kind == SkuKind.MULTI and tshirt.name == "베이직 반팔 티셔츠"
    assert list(tshirt.options.values_list("code", "option_values")) == [("TSHIRT-BLK-M", "블랙 / M"),
                                                                         ("TSHIRT-BLK-L", "블랙 / L")]
    earbuds = Sku.objects.get(code="EARBUDS-01")
    assert earbuds.is_single and earbuds.options.get().barcode == "8801234567890"
    socks = Sku.objects.get(name="양말")
    assert socks.code == "" and dict(socks.options.values_list("code", "is_active")) == {"SOCKS-W": True,
                                                                                          "SOCKS-B": False}
    assert Sku.objects.get(code="123456").options.get().code == "123456"
    line.refresh_from_db()
    assert line.sku_option.code == "TSHIRT-BLK-L"

    # The same file again changes nothing; an edited file updates in place and adds.
    again = run(seller, content, django_capture_on_commit_callbacks)
    assert (again.skus_created, again.options_created, again.options_updated, again.options_unchanged) == (0, 0, 0, 6)
    edited = run(seller, xlsx([["TSHIRT-BLK-M", "반팔 티셔츠", "블랙 / M", "TSHIRT", "B1", None],
                               ["TSHIRT-WHT-M", "반팔 티셔츠", "화이트 / M", "TSHIRT", None, None]]),
                 django_capture_on_commit_callbacks)
    assert edited.status == SkuImport.Status.SUCCEEDED, edited.errors
    assert (edited.skus_updated, edited.options_created, edited.options_updated) == (1, 1, 1)
    assert tshirt.options.count() == 3 and Sku.objects.get(pk=tshirt.pk).name == "반팔 티셔츠"
    assert edited.message.endswith(" Renamed 1 SKU: TSHIRT “베이직 반팔 티셔츠” → “반팔 티셔츠”.")
    assert "Renamed" not in again.message


def test_the_result_names_the_skus_a_file_renamed_within_the_message_length(seller):
    from inventory.excel import ImportRow
    from inventory.services.imports import sku_rows_import

    for n in range(40):
        make_single(seller=seller, code=f"CODE-{n:02d}", name=f"옛 이름 {n}")
    outcome = sku_rows_import(seller=seller, rows=[ImportRow(n + 2, f"CODE-{n:02d}", f"새 이름 {n}", "", "", "", "")
                                                   for n in range(40)])
    assert not outcome.errors and outcome.skus_updated == 40
    assert "Renamed 40 SKUs: CODE-00 “옛 이름 0” → “새 이름 0”; CODE-01 “옛 이름 1” → “새 이름 1”;" in outcome.summary
    assert outcome.summary.endswith(" more.") and len(outcome.summary) <= 500


def test_the_result_says_which_options_the_sales_site_now_shows_sold_out(
        seller, eager_celery, django_capture_on_commit_callbacks):
    """The renamed list fills the message to its old length; the stock sync note still fits after it."""
    from tests.factories import make_account

    account = make_account(seller=seller, shop_id="demoshop", auto_stock_sync=True)
    for n in range(3):
        order = Order.objects.create(seller=seller, site="lotteon", order_no=f"20261127000000{n:02d}", account=account,
                                     recipient_name="김", address="서울", status="confirmed")
        OrderLine.objects.create(order=order, seller=seller, line_no="1", product_name="티셔츠",
                                 seller_option_code=f"HOODIE-{n}", quantity=1, status=LineStatus.CONFIRMED,
                                 site_product_id="LO100", site_option_id=f"LO100_{n}")
    for n in range(40):
        make_single(seller=seller, code=f"CODE-{n:02d}", name=f"옛 이름 {n}")
    rows = [[f"HOODIE-{n}", "후드", f"옵션 {n}", "HOODIE", None, None] for n in range(3)]
    rows += [[f"CODE-{n:02d}", f"새 이름 {n}", None, None, None, None] for n in range(40)]
    job = run(seller, xlsx(rows), django_capture_on_commit_callbacks)

    assert job.status == SkuImport.Status.SUCCEEDED, job.message
    assert " more." in job.message
    assert job.message.endswith("Automatic Stock Qty Sync is on for demoshop: 3 options of this file are linked to the "
                                "sales site with nothing available at the warehouse, so the sales site shows them "
                                "sold out until stock is received.")
    OptionSku.objects.filter(seller=seller).update(on_hand=1)
    again = run(seller, xlsx(rows), django_capture_on_commit_callbacks)
    assert again.status == SkuImport.Status.SUCCEEDED and "Automatic Stock Qty Sync" not in again.message


def test_a_file_with_bad_rows_applies_nothing_and_reports_every_bad_row(
        seller, eager_celery, django_capture_on_commit_callbacks):
    make_single(seller=seller, code="TAKEN-1", name="기존 이어폰")
    make_multi(seller=seller, code="HOODIE", options=[("HOODIE-GRY-M", "그레이 / M")], name="후드")
    content = xlsx([
        ["GOOD-1", "좋은 행", None, None, None, None],                      # row 2: fine
        [None, "코드 없음", None, None, None, None],                         # row 3: no code
        ["TAKEN-1", "중복", "블랙", "NEWPROD", None, None],                  # row 4: another SKU's code
        ["GOOD-1", "같은 코드", None, None, None, None],                     # row 5: twice in the file
        ["LONG-NAME", "가" * 201, None, None, None, None],                   # row 6: name too long
        ["BAD-ACTIVE", "상태", None, None, None, "maybe"],                   # row 7: Active not Y/N
        ["HOODIE-GRY-M", "후드", None, None, None, None],                    # row 8: an option used as single
        ["SINGLE-2", "단일", None, "OTHER", None, None],                     # row 9: product code on a single row
        ["X" * 101, "긴 코드", None, None, None, None],                      # row 10: code too long
    ])

    job = run(seller, content, django_capture_on_commit_callbacks)

    assert job.status == SkuImport.Status.REJECTED
    assert not Sku.objects.filter(code="GOOD-1").exists() and not OptionSku.objects.filter(code="GOOD-1").exists()
    assert Sku.objects.filter(seller=seller).count() == 2, "nothing applied"
    by_row = {}
    for error in job.errors:
        by_row.setdefault(error["row"], []).append((error["column"], error["message"]))
    assert sorted(by_row) == [3, 4, 5, 6, 7, 8, 9, 10]
    assert job.error_rows == 8 and "8 of 9 rows" in job.message
    assert by_row[3] == [("SKU Seller Management Code", "Enter the Seller defined code.")]
    assert by_row[4][0][0] == "SKU Seller Management Code" and "기존 이어폰" in by_row[4][0][1]
    assert "also in row 2" in by_row[5][0][1]
    assert by_row[6][0][0] == "SKU name"
    assert by_row[7] == [("Active", "“maybe” is not Y or N.")]
    assert by_row[8][0][0] == "Option values" and "후드" in by_row[8][0][1]
    assert by_row[9][0][0] == "Product code"
    assert "at most 100 characters" in by_row[10][0][1]
    report = load_workbook(io.BytesIO(excel.report_workbook(job.errors)), read_only=True).active
    assert next(report.iter_rows(min_row=2, max_row=2, values_only=True))[0] == 3


def errors_by_row(outcome) -> dict[int, list[tuple[str, str]]]:
    by_row: dict[int, list[tuple[str, str]]] = {}
    for error in outcome.errors:
        by_row.setdefault(error["row"], []).append((error["column"], error["message"]))
    return by_row


def test_a_row_with_an_empty_sku_name_is_the_only_row_reported_for_it(seller):
    from inventory.excel import ImportRow
    from inventory.services.imports import sku_rows_import

    outcome = sku_rows_import(seller=seller, rows=[
        ImportRow(2, "HOODIE-BLK-M", "", "블랙 / M", "HOODIE", "", ""),
        ImportRow(3, "HOODIE-GRY-M", "후드티", "그레이 / M", "HOODIE", "", ""),
    ])

    assert errors_by_row(outcome) == {2: [("SKU name", "Enter the SKU name.")]}


def test_rows_of_a_product_after_an_invalid_name_still_share_one_name(seller):
    from inventory.excel import ImportRow
    from inventory.services.imports import sku_rows_import

    outcome = sku_rows_import(seller=seller, rows=[
        ImportRow(2, "HOODIE-BLK-M", "가" * 201, "블랙 / M", "HOODIE", "", ""),
        ImportRow(3, "HOODIE-GRY-M", "후드티", "그레이 / M", "HOODIE", "", ""),
        ImportRow(4, "HOODIE-GRY-L", "", "그레이 / L", "HOODIE", "", ""),
        ImportRow(5, "HOODIE-GRY-XL", "후드 티셔츠", "그레이 / XL", "HOODIE", "", ""),
    ])

    assert errors_by_row(outcome) == {
        2: [("SKU name", "The SKU name is at most 200 characters.")],
        4: [("SKU name", "Enter the SKU name.")],
        5: [("SKU name", "Rows of product HOODIE must share one SKU name (row 3 says “후드티”).")],
    }


def test_a_code_that_is_itself_invalid_is_not_also_reported_as_a_duplicate_or_a_clash(seller):
    from inventory.excel import ImportRow
    from inventory.services.imports import sku_rows_import

    long_code = "X" * 101
    too_long = f"A Seller defined code is at most 100 characters (this one has {len(long_code)})."
    outcome = sku_rows_import(seller=seller, rows=[
        ImportRow(2, long_code, "긴 코드", "", "", "", ""),
        ImportRow(3, long_code.lower(), "긴 코드 2", "", "", "", ""),
        ImportRow(4, "SHIRT-BLK", "셔츠", "블랙", long_code, "", ""),
    ])

    by_row = errors_by_row(outcome)
    assert by_row[2] == [("SKU Seller Management Code", too_long)]
    assert by_row[3] == [("SKU Seller Management Code", too_long)], "not also “is also in row 2”"
    assert [column for column, _ in by_row[4]] == ["Product code"], "not also “is the code of row 2”"


@pytest.mark.parametrize(("content", "message"), [
    (b"", "The file is empty"),
    (b"SKU code,name\nA,B\n", "not an Excel workbook"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old Excel 97"),
    (b"PK\x03\x04 not really a zip", "not an Excel workbook"),
])
def test_a_file_that_is_not_excel_is_refused_with_a_clear_message(seller, content, message):
    with pytest.raises(ValidationError) as raised:
        sku_import_create(seller=seller, actor=None, filename="skus.csv", content=content)
    assert message in raised.value.message_dict["file"][0]
    assert not SkuImport.objects.exists()


def test_missing_columns_and_too_large_files_are_refused(seller):
    with pytest.raises(ValidationError) as raised:
        sku_import_create(seller=seller, actor=None, filename="a.xlsx",
                          content=xlsx([["A", "B"]], header=["Code", "Whatever"]))
    assert "missing: SKU Seller Management Code, SKU name" in raised.value.message_dict["file"][0]
    with pytest.raises(ValidationError) as raised:
        sku_import_create(seller=seller, actor=None, filename="a.xlsx", content=b"PK" + b"0" * (10 * 1024 * 1024))
    assert "larger than 10 MB" in raised.value.message_dict["file"][0]


def test_more_than_20000_rows_is_refused_by_the_worker_and_nothing_changes(
        seller, eager_celery, django_capture_on_commit_callbacks):
    rows = [[f"R-{i}", "상품", None, None, None, None] for i in range(excel.MAX_ROWS + 1)]
    job = run(seller, xlsx(rows), django_capture_on_commit_callbacks)
    assert job.status == SkuImport.Status.FAILED and "more than 20,000 SKU rows" in job.message
    assert not Sku.objects.exists()


def test_twenty_thousand_rows_import_in_seconds(seller, eager_celery, django_capture_on_commit_callbacks):
    rows = []
    for i in range(10_000):
        rows.append([f"SINGLE-{i:05d}", f"단일 상품 {i}", None, None, f"880{i:010d}", None])
    for i in range(5_000):
        rows.append([f"P{i:04d}-A", f"옵션 상품 {i}", "블랙", f"P{i:04d}", None, None])
        rows.append([f"P{i:04d}-B", f"옵션 상품 {i}", "화이트", f"P{i:04d}", None, None])
    content = xlsx(rows)
    started = time.perf_counter()
    job = run(seller, content, django_capture_on_commit_callbacks)
    seconds = time.perf_counter() - started
    assert job.status == SkuImport.Status.SUCCEEDED, job.message
    assert (job.rows_total, job.skus_created, job.options_created) == (20_000, 15_000, 20_000)
    assert OptionSku.objects.filter(seller=seller).count() == 20_000
    assert seconds < 30, f"20,000 rows took {seconds:.1f}s"


def test_upload_page_shows_progress_then_the_row_report(client, eager_celery, django_capture_on_commit_callbacks):
    seller, user = make_seller_user()
    client.force_login(user)
    content = xlsx([["OK-1", "좋은 행", None, None, None, None], ["", "코드 없음", None, None, None, None]])
    upload = io.BytesIO(content)
    upload.name = "skus.xlsx"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("inventory:sku-import"), {"file": upload})
    job = SkuImport.objects.get()
    assert response.status_code == 302 and response.url == reverse("inventory:sku-import-detail", args=[job.pk])
    page = client.get(response.url).content.decode()
    assert "Nothing was imported: 1 of 2 rows need fixing." in page
    assert "<td class=\"num\" data-label=\"Row\">3</td>" in page and "Enter the Seller defined code." in page
    assert client.get(reverse("inventory:sku-import-report", args=[job.pk])).status_code == 200

    bad = io.BytesIO(b"not excel")
    bad.name = "skus.xlsx"
    refused = client.post(reverse("inventory:sku-import"), {"file": bad})
    assert refused.status_code == 400 and "not an Excel workbook" in refused.content.decode()

    # A queued job is shown with a progress bar that polls.
    queued = SkuImport.objects.create(seller=seller, filename="big.xlsx", content=b"x")
    partial = client.get(reverse("inventory:sku-import-progress", args=[queued.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in partial and "Waiting for the background worker" in partial
    other, other_user = make_seller_user()
    client.force_login(other_user)
    assert client.get(reverse("inventory:sku-import-detail", args=[job.pk])).status_code == 404


def test_the_export_uploads_again_unchanged(seller, eager_celery, django_capture_on_commit_callbacks):
    from inventory.selectors import SkuFilters, sku_export_rows

    make_single(seller=seller, code="MUG-1", name="머그", barcode="123")
    make_multi(seller=seller, code="TSHIRT", options=[("TSHIRT-BLK-M", "블랙 / M"), ("TSHIRT-BLK-L", "블랙 / L")])
    make_multi(seller=seller, options=[("SOCK-1", "화이트")], name="양말")
    exported = excel.skus_workbook(sku_export_rows(seller=seller, filters=SkuFilters(status="all"))).read()
    sheet = load_workbook(io.BytesIO(exported), read_only=True)["SKUs"]
    header = next(sheet.iter_rows(max_row=1, values_only=True))
    assert header[:6] == tuple(column.title for column in excel.COLUMNS) and "Available" in header
    job = run(seller, exported, django_capture_on_commit_callbacks)
    assert job.status == SkuImport.Status.SUCCEEDED, job.errors
    assert (job.skus_created, job.skus_updated, job.options_created, job.options_updated, job.options_unchanged) == (
        0, 0, 0, 0, 4)


def test_the_export_and_the_report_write_formula_like_text_as_text(seller):
    from inventory.selectors import SkuFilters, sku_export_rows

    make_single(seller=seller, code="=1+1", name='=HYPERLINK("http://example.com", "머그")', barcode="0880")
    exported = excel.skus_workbook(sku_export_rows(seller=seller, filters=SkuFilters(status="all"))).read()
    sheet = load_workbook(io.BytesIO(exported))["SKUs"]
    code, name, barcode = sheet["A2"], sheet["B2"], sheet.cell(row=2, column=5)
    assert (code.value, code.data_type) == ("=1+1", "s")
    assert (name.value, name.data_type) == ('=HYPERLINK("http://example.com", "머그")', "s")
    assert (barcode.value, barcode.data_type) == ("0880", "s")
    report = load_workbook(io.BytesIO(excel.report_workbook(
        [{"row": 3, "column": "SKU name", "message": "=cmd|' /C calc'!A0 is too long"}])))["Problems"]
    assert [cell.value for cell in report[2]] == [3, "SKU name", "=cmd|' /C calc'!A0 is too long"]
    assert report["C2"].data_type == "s"


class TestChangedWhileChecked:
    """The seller edits a SKU of the file in the seconds between the check and the save (a large file is
    checked by the worker while the seller goes on working): nothing is imported and the edit stands."""

    def import_with_edit(self, seller, rows, edit):
        from inventory.excel import ImportRow
        from inventory.services.imports import sku_rows_import

        return sku_rows_import(seller=seller, rows=[ImportRow(*row) for row in rows], saving=edit)

    def test_a_sku_deactivated_meanwhile_stays_deactivated(self, seller):
        from inventory.services.skus import sku_set_active

        sku = make_single(seller=seller, code="SOLO-1", name="옛 이름")
        outcome = self.import_with_edit(seller, [(2, "SOLO-1", "새 이름", "", "", "", "")],
                                        lambda: sku_set_active(sku=Sku.objects.get(pk=sku.pk), active=False))
        assert "changed by someone else while it was being checked" in outcome.refused and not outcome.errors
        sku.refresh_from_db()
        assert (sku.name, sku.is_active) == ("옛 이름", False)

    def test_an_option_code_renamed_meanwhile_keeps_its_new_code(self, seller):
        from inventory.services.skus import option_sku_set_code

        sku = make_multi(seller=seller, code="PROD-1", options=[("OPT-X", "블랙"), ("OPT-Z", "화이트")])
        option = sku.options.get(code="OPT-X")
        outcome = self.import_with_edit(
            seller, [(2, "OPT-X", sku.name, "블랙 (new)", "PROD-1", "", "")],
            lambda: option_sku_set_code(option=OptionSku.objects.get(pk=option.pk), code="OPT-Y"))
        assert outcome.refused
        option.refresh_from_db()
        assert (option.code, option.code_key, option.option_values) == ("OPT-Y", "OPT-Y", "블랙")

    def test_stock_moving_meanwhile_does_not_stop_the_import(self, seller):
        from inventory.services.stock import stock_receive

        sku = make_multi(seller=seller, code="PROD-2", options=[("OPT-S", "블랙")])
        option = sku.options.get()
        outcome = self.import_with_edit(seller, [(2, "OPT-S", sku.name, "블랙 / M", "PROD-2", "", "")],
                                        lambda: stock_receive(seller=seller, option=option, quantity=3))
        assert not outcome.errors and not outcome.refused and outcome.options_updated == 1
        option.refresh_from_db()
        assert (option.option_values, option.on_hand) == ("블랙 / M", 3)

    def test_the_upload_says_to_upload_it_again_and_blames_no_row(self, seller, monkeypatch):
        """The refused file has nothing to fix: its page must not list "Row 1" under "Rows to fix" nor say
        "1 of N rows need fixing" (the header row is row 1)."""
        from django.test import Client
        from django.urls import reverse

        from inventory.services import imports
        from inventory.services.skus import sku_set_active

        sku = make_single(seller=seller, code="SOLO-1", name="옛 이름")
        job = SkuImport.objects.create(seller=seller, filename="upA.xlsx", content=xlsx(
            [["SOLO-1", "새 이름", None, None, None, None], *([f"NEW-{i}", "새 상품", None, None, None, None]
                                                              for i in range(29))]))
        progress = imports._progress

        def colleague_saves_meanwhile(job_id, **fields):
            progress(job_id, **fields)
            if fields.get("phase") == SkuImport.Phase.SAVING:
                sku_set_active(sku=Sku.objects.get(pk=sku.pk), active=False)

        monkeypatch.setattr(imports, "_progress", colleague_saves_meanwhile)
        job = imports.sku_import_run(import_id=job.pk)
        assert (job.status, job.errors, job.error_rows) == (SkuImport.Status.FAILED, [], 0)
        assert job.message.startswith("Some SKUs of this file were changed by someone else")
        assert "upload the same file again" in job.message and "nothing in it needs fixing" in job.message

        browser = Client()
        browser.force_login(seller.memberships.get().user)
        page = browser.get(reverse("inventory:sku-import-detail", args=[job.pk])).content.decode()
        assert "upload the same file again" in page
        assert "Rows to fix" not in page and "rows need fixing" not in page and "Fix these rows" not in page
