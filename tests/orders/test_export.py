"""Export to Excel: the current selection, one row per line, read back with openpyxl."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from orders.exports import column_titles
from orders.models import Order, OrderStatus
from tests.factories import make_account, make_seller_user
from tests.orders.factories import make_order

KST = ZoneInfo("Asia/Seoul")
EXPORT = reverse("orders:order-export")
pytestmark = pytest.mark.django_db


@pytest.fixture
def seller_user():
    return make_seller_user(name="롯데 상점")


@pytest.fixture
def client_in(client, seller_user):
    client.force_login(seller_user[1])
    return client


@pytest.fixture
def account(seller_user):
    return make_account(seller=seller_user[0], shop_id="lotte-shop")


def workbook_rows(response) -> tuple[list[str], list[dict]]:
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(body))["Orders"]
    values = list(sheet.iter_rows(values_only=True))
    header = list(values[0])
    return header, [dict(zip(header, row, strict=True)) for row in values[1:]]


def test_one_row_per_line_with_korean_numbers_and_kst_times(client_in, seller_user, account):
    seller, _ = seller_user
    order = make_order(
        seller=seller, account=account, order_no="2026112600000123", recipient_name="김민준",
        recipient_mobile="010-1234-5678", address="서울특별시 강남구 테헤란로 152", delivery_message="문 앞에 놓아주세요",
        instructed_at=datetime(2026, 11, 26, 23, 30, tzinfo=KST),
        lines=[{"product_name": "베이직 라운드 티셔츠", "option_name": "블랙 / M", "quantity": 2, "unit_price": 12900,
                "seller_product_code": "TSHIRT", "seller_option_code": "TSHIRT-BLK-M",
                "site_product_id": "LO2383570917", "site_option_id": "LO2383570917_2383570918"},
               {"product_name": "양말", "option_name": "", "quantity": 1, "unit_price": 3000}],
    )
    response = client_in.get(EXPORT)
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].startswith('attachment; filename="orders-')
    assert response["Content-Disposition"].endswith('.xlsx"')
    header, rows = workbook_rows(response)
    assert header == column_titles()
    assert len(rows) == 2
    first, second = rows
    assert first["Order number"] == "2026112600000123"  # text: 16 digits do not fit an Excel number
    assert first["Sales site"] == "LotteON" and first["Shop ID"] == "lotte-shop"
    assert first["Recipient"] == "김민준" and first["Recipient mobile"] == "010-1234-5678"
    assert first["Address"] == "서울특별시 강남구 테헤란로 152" and first["Delivery message"] == "문 앞에 놓아주세요"
    assert first["Product name"] == "베이직 라운드 티셔츠" and first["Option"] == "블랙 / M"
    assert first["Seller internal product number"] == "TSHIRT"
    assert first["Seller internal single product code"] == "TSHIRT-BLK-M"  # LotteON's word for eitmNo
    assert first["Sales site item ID"] == "LO2383570917_2383570918"
    assert first["Quantity"] == 2 and first["Unit price"] == 12900 and first["Amount"] == 25800
    assert first["Cancelled quantity"] == 0  # a number, not an empty cell
    assert first["Instructed at (KST)"] == datetime(2026, 11, 26, 23, 30)  # Korean wall-clock time
    assert first["Order status"] == "New" and first["Line status"] == "New Order"
    assert first["Confirmation"] == "Waiting for confirmation"
    assert second["Order number"] == order.order_no and second["Product name"] == "양말"
    assert second["Line"] == "2"


def test_header_is_frozen_and_formats_are_set(client_in, seller_user, account):
    make_order(seller=seller_user[0], account=account, instructed_at=datetime(2026, 11, 26, 9, 0, tzinfo=KST))
    body = b"".join(client_in.get(EXPORT).streaming_content)
    sheet = load_workbook(io.BytesIO(body))["Orders"]
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.bold
    titles = [cell.value for cell in sheet[1]]
    assert "yyyy" in sheet.cell(row=2, column=titles.index("Instructed at (KST)") + 1).number_format
    assert sheet.cell(row=2, column=titles.index("Amount") + 1).number_format == "#,##0"


def test_the_export_follows_the_tab_filters_search_and_sort_across_pages(client_in, seller_user, account):
    seller, _ = seller_user
    for i in range(55):
        make_order(seller=seller, account=account, status=OrderStatus.NEW, recipient_name=f"김철수{i:02d}")
    make_order(seller=seller, account=account, status=OrderStatus.SHIPPED, recipient_name="김철수99")
    make_order(seller=seller, account=account, status=OrderStatus.NEW, recipient_name="이영희")
    _, rows = workbook_rows(client_in.get(EXPORT, {"status": "new", "q": "김철수", "ordering": "recipient_name",
                                                   "page": "1"}))
    assert [row["Recipient"] for row in rows] == [f"김철수{i:02d}" for i in range(55)]  # all pages, sorted


def test_another_sellers_orders_are_not_exported(client_in, seller_user, account):
    other, _ = make_seller_user()
    make_order(seller=other, recipient_name="남의고객")
    mine = make_order(seller=seller_user[0], account=account)
    _, rows = workbook_rows(client_in.get(EXPORT))
    assert [row["Order number"] for row in rows] == [mine.order_no]


def test_manual_orders_and_an_empty_selection(client_in, seller_user):
    manual = make_order(seller=seller_user[0], source=Order.Source.MANUAL, reference_order_no="2026110100000001")
    _, rows = workbook_rows(client_in.get(EXPORT))
    assert rows[0]["Order number"] == manual.order_no and rows[0]["Sales site"] == "Manual"
    assert rows[0]["Sales site order number"] == "2026110100000001" and rows[0]["Shop ID"] is None
    header, rows = workbook_rows(client_in.get(EXPORT, {"q": "없는주문"}))
    assert rows == [] and header[0] == "Order number"


def test_what_a_buyer_typed_is_text_never_a_formula(client_in, seller_user, account):
    # A delivery message or a name is the buyer's text: written as a formula, Excel would run it when the
    # seller opens the file (formula injection).
    make_order(seller=seller_user[0], account=account, recipient_name="=1+1",
               delivery_message='=HYPERLINK("http://example.com/x", "문 앞")', address="+82 서울",
               orderer_name="@SUM(A1)", recipient_mobile="01012345678",
               lines=[{"product_name": "-2+3", "option_name": "http://example.com/option", "quantity": 1}])
    body = b"".join(client_in.get(EXPORT).streaming_content)
    sheet = load_workbook(io.BytesIO(body))["Orders"]
    titles = [cell.value for cell in sheet[1]]
    cells = {title: sheet.cell(row=2, column=position) for position, title in enumerate(titles, start=1)}
    for title, text in (("Recipient", "=1+1"), ("Delivery message", '=HYPERLINK("http://example.com/x", "문 앞")'),
                        ("Address", "+82 서울"), ("Orderer", "@SUM(A1)"), ("Product name", "-2+3"),
                        ("Option", "http://example.com/option"), ("Recipient mobile", "01012345678")):
        assert (cells[title].value, cells[title].data_type) == (text, "s"), title
        assert cells[title].hyperlink is None


def test_code_columns_use_a_common_title_when_sites_name_them_differently(client_in, seller_user, account, other_site):
    # LotteON calls eitmNo "Seller internal single product code"; a second site has its own word, so an export
    # that may hold both says neither.
    make_order(seller=seller_user[0], account=account)
    header, _ = workbook_rows(client_in.get(EXPORT))
    assert "Seller product code" in header and "Seller option code" in header
    assert "Seller internal single product code" not in header and "Seller defined code" not in header
