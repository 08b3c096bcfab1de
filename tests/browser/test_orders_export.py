"""Export to Excel from the Orders list, as the seller clicks it: the file holds what the list shows."""

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from orders.models import OrderStatus
from tests.factories import PASSWORD, make_account, make_seller_user
from tests.orders.factories import make_order
from tests.plugins.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_export_of_a_search_downloads_the_listed_orders_with_text_kept_as_text(page, live_server, tmp_path,
                                                                                screenshot):
    seller, _ = make_seller_user(name="텀블러 상점", username="exporter")
    account = make_account(seller=seller)
    wanted = [
        make_order(seller=seller, account=account, recipient_name="김민준", status=OrderStatus.NEW,
                   delivery_message='=HYPERLINK("http://example.com/x", "문 앞")',
                   lines=[{"product_name": "스테인리스 텀블러 500ml", "option_name": "실버", "quantity": 2},
                          {"product_name": "스테인리스 텀블러 500ml", "option_name": "블랙", "quantity": 1}]),
        make_order(seller=seller, account=account, recipient_name="이서연", status=OrderStatus.NEW,
                   lines=[{"product_name": "스테인리스 텀블러 500ml", "option_name": "실버", "quantity": 1}]),
    ]
    make_order(seller=seller, account=account, recipient_name="박지호", status=OrderStatus.NEW,
               lines=[{"product_name": "극세사 담요", "quantity": 1}])
    other, _ = make_seller_user(name="남의 상점", username="someone-else")
    make_order(seller=other, lines=[{"product_name": "스테인리스 텀블러 500ml", "quantity": 1}])

    login(page, live_server.url, "exporter", PASSWORD)
    page.goto(f"{live_server.url}/orders/")
    page.get_by_label("Search").fill("텀블러")
    page.locator("input[name=q]").press("Enter")
    page.wait_for_url("**q=*")
    expect(page.locator(".order-row")).to_have_count(2)
    screenshot("orders-export-search")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export to Excel").click()
    download = download_info.value
    assert download.suggested_filename.startswith("orders-") and download.suggested_filename.endswith(".xlsx")
    path = tmp_path / download.suggested_filename
    download.save_as(path)

    sheet = load_workbook(path)["Orders"]
    titles = [cell.value for cell in sheet[1]]
    rows = [dict(zip(titles, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted((row["Order number"], row["Option"]) for row in rows) == sorted(
        [(wanted[0].order_no, "실버"), (wanted[0].order_no, "블랙"), (wanted[1].order_no, "실버")])
    assert {row["Recipient"] for row in rows} == {"김민준", "이서연"}
    message = sheet.cell(row=2 + [row["Recipient"] for row in rows].index("김민준"),
                         column=titles.index("Delivery message") + 1)
    assert (message.value, message.data_type) == ('=HYPERLINK("http://example.com/x", "문 앞")', "s")


def test_a_large_selection_is_prepared_in_the_background_then_downloaded(page, live_server, tmp_path, settings,
                                                                         eager_celery, screenshot):
    settings.SMARTSHIP_EXPORT_INLINE_LINES = 2
    seller, _ = make_seller_user(name="큰 상점", username="big-exporter")
    account = make_account(seller=seller)
    made = [make_order(seller=seller, account=account, recipient_name=f"고객{n}") for n in range(3)]

    login(page, live_server.url, "big-exporter", PASSWORD)
    page.goto(f"{live_server.url}/orders/")
    page.get_by_role("link", name="Export to Excel").click()
    expect(page.get_by_role("heading", name="Export to Excel")).to_be_visible()
    expect(page.get_by_text("3 lines: more than the 2 written while you wait.")).to_be_visible()
    screenshot("orders-export-request")
    page.get_by_role("button", name="Prepare the file").click()
    expect(page.locator(".export-job")).to_have_attribute("data-status", "ready")
    screenshot("orders-export-ready")
    with page.expect_download() as download_info:
        page.locator(".export-job").get_by_role("link", name="Download").click()
    path = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(path)
    sheet = load_workbook(path)["Orders"]
    titles = [cell.value for cell in sheet[1]]
    numbers = [row[titles.index("Order number")] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(numbers) == sorted(order.order_no for order in made)
    # The job is not listed again under itself (that row would not follow the polling) ...
    expect(page.locator(".recent-exports")).to_have_count(0)
    # ... and a seller who left finds the file again where exports are asked for.
    page.goto(f"{live_server.url}/orders/")
    page.get_by_role("link", name="Export to Excel").click()
    expect(page.locator(".recent-exports tbody tr")).to_have_count(1)
    expect(page.locator(".recent-exports")).to_contain_text("Ready")
    expect(page.locator(".recent-exports").get_by_role("link", name="Download")).to_be_visible()
