"""A seller enters a manual shipping order and uploads an Excel file with a bad row, in a real browser."""

import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from orders.models import Order, OrderStatus
from orders.services.manual import COLUMNS, manual_orders_template
from tests.factories import PASSWORD, make_account, make_seller_user
from tests.plugins.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
KEYS = [column.key for column in COLUMNS]


def filled_template(rows: list[dict]) -> bytes:
    workbook = load_workbook(io.BytesIO(manual_orders_template()))
    sheet = workbook["Orders"]
    for values in rows:
        sheet.append([values.get(key) for key in KEYS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_manual_order_form_and_excel_report(page, live_server, screenshot, tmp_path):
    seller, _ = make_seller_user(name="수동주문 상점", username="manual-seller")
    make_account(seller=seller, shop_id="lotte-shop")
    login(page, live_server.url, "manual-seller", PASSWORD)

    page.goto(f"{live_server.url}/orders/manual/new/")
    assert page.locator("h1").inner_text() == "New shipping order"

    # Submitting with mistakes keeps what was typed and marks each field and row.
    page.get_by_label("Recipient name (수취인)").fill("홍길동")
    page.get_by_label("Zip code (우편번호)").fill("6236")
    page.fill("[name=items-0-product_name]", "반팔 티셔츠")
    page.fill("[name=items-0-quantity]", "0")
    page.get_by_role("button", name="Create shipping order").click()
    page.locator(".alert-error").wait_for()
    assert "Nothing was saved" in page.locator(".alert-error").inner_text()
    assert "exactly 5 digits" in page.locator(".field.has-error").filter(has_text="Zip code").inner_text()
    row = page.locator("tr.item-row").first
    assert "row-error" in row.get_attribute("class")
    assert "Enter the Seller defined code." in row.inner_text() and "from 1 to 9999" in row.inner_text()
    assert page.get_by_label("Recipient name (수취인)").input_value() == "홍길동"
    assert not Order.objects.exists()
    screenshot("manual-order-errors")

    # Fix them, add a second item (and remove a spare one), pick the account, submit.
    page.get_by_label("Mobile (휴대폰)").fill("010-1234-5678")
    page.get_by_label("Zip code (우편번호)").fill("06236")
    page.locator("#id_address").fill("서울특별시 강남구 테헤란로 152")
    page.get_by_label("Address detail (상세주소)").fill("강남파이낸스센터 12층")
    page.get_by_label("Delivery message (배송메시지)").fill("문 앞에 놓아주세요")
    page.get_by_label("Sales site account").select_option(label="LotteON · lotte-shop (LO10000001)")
    page.get_by_label("Sales site order number (주문번호)").fill("2026112712345678")
    page.fill("[name=items-0-seller_code]", "SKU-TEE-BLK-M")
    page.fill("[name=items-0-option_name]", "블랙 / M")
    page.fill("[name=items-0-quantity]", "2")
    page.get_by_role("button", name="+ Add item").click()
    page.get_by_role("button", name="+ Add item").click()
    expect(page.locator("tr.item-row")).to_have_count(3)
    page.get_by_role("button", name="Remove item 2", exact=True).click()
    expect(page.locator("tr.item-row")).to_have_count(2)
    # The keyboard stays in the table: the row that moved up has the focus, renumbered for screen readers.
    expect(page.get_by_label("Seller defined code of item 2", exact=True)).to_be_focused()
    expect(page.get_by_role("button", name="Remove item 2", exact=True)).to_have_count(1)
    page.fill("[name=items-1-seller_code]", "MUG-01")
    page.fill("[name=items-1-product_name]", "머그컵")
    page.fill("[name=items-1-quantity]", "3")
    screenshot("manual-order-form-filled")
    page.get_by_role("button", name="Create shipping order").click()

    page.locator(".alert-success").wait_for()
    order = Order.objects.get(seller=seller)
    assert f"Shipping order {order.order_no} created for 홍길동: 2 item(s), 5 pcs" in page.locator(".alert-success").inner_text()
    assert order.status == OrderStatus.CONFIRMED and order.reference_order_no == "2026112712345678"
    assert [(line.seller_code, line.quantity) for line in order.lines.order_by("line_no")] == [
        ("SKU-TEE-BLK-M", 2), ("MUG-01", 3)]
    screenshot("manual-order-created")

    # Excel: the template, filled with two good orders and one bad row.
    page.goto(f"{live_server.url}/orders/manual/import/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download template (.xlsx)").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    good = {"recipient_name": "김영희", "recipient_mobile": "010-2222-3333", "zip_code": "48058",
            "address": "부산광역시 해운대구 센텀중앙로 79", "product_name": "양말 3팩", "quantity": 1}
    path = tmp_path / "주문 업로드.xlsx"
    path.write_bytes(filled_template([
        {**good, "group": "A", "seller_code": "SOCK-3P"},
        {"group": "A", "seller_code": "SOCK-5P", "product_name": "양말 5팩", "quantity": 2},
        {**good, "recipient_name": "이순신", "zip_code": "4805", "seller_code": "", "quantity": 1},
    ]))
    screenshot("manual-import-empty")
    page.set_input_files("input[type=file]", str(path))
    page.get_by_role("button", name="Upload and create orders").click()

    report = page.locator("#import-report")
    report.wait_for()
    assert "Nothing was imported." in report.inner_text()
    rows = report.locator("tbody tr")
    expect(rows).to_have_count(2)
    assert [c.strip() for c in rows.nth(0).locator("td").all_inner_texts()][:2] == ["4", "G Zip code"]
    assert "exactly 5 digits" in rows.nth(0).inner_text()
    assert [c.strip() for c in rows.nth(1).locator("td").all_inner_texts()][:2] == ["4", "K Seller defined code"]
    assert Order.objects.count() == 1
    screenshot("manual-import-report")

    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("manual-import-report-narrow")
    page.goto(f"{live_server.url}/orders/manual/new/")
    page.get_by_role("button", name="Create shipping order").click()
    page.locator(".alert-error").wait_for()
    screenshot("manual-order-errors-narrow")
