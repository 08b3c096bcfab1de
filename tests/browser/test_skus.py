"""SKU Management in a real browser: a multi-option SKU with its option SKUs, an Excel upload with one bad row
and its report, and an order line pulled from the sandbox that maps once its code is fixed."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from inventory.models import LinkStatus, OptionSku, SiteOptionLink, Sku, SkuImport, SkuKind
from orders.models import OrderLine
from orders.services.sync import orders_sync
from tests.factories import PASSWORD, make_account, make_seller_user
from tests.inventory.factories import make_multi, make_single, xlsx
from tests.plugins.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_create_a_multi_option_sku_with_option_skus(page, live_server, screenshot):
    seller, _ = make_seller_user(name="스마트 상점", username="sku-seller")
    make_single(seller=seller, code="EARBUDS-01", name="무선 블루투스 이어폰")
    login(page, live_server.url, "sku-seller", PASSWORD)

    page.locator("aside nav").get_by_role("link", name="SKU Management").click()
    page.get_by_role("link", name="+ New SKU").first.click()
    screenshot("sku-form-single")
    page.get_by_label("Multi-option product").check()
    page.get_by_label("SKU name").fill("베이직 라운드 반팔 티셔츠")
    page.get_by_label("Product code (Seller defined code of the product)").fill("TSHIRT")
    page.get_by_role("tab", name="Option SKU Info").click()
    page.get_by_label("Seller defined code of option 1").fill("TSHIRT-BLK-M")
    page.get_by_label("Option values of option 1").fill("블랙 / M")
    page.get_by_role("button", name="+ Add option").click()
    page.get_by_label("Seller defined code of option 2").fill("EARBUDS-01")  # another SKU's code
    page.get_by_label("Option values of option 2").fill("블랙 / L")
    page.get_by_role("button", name="+ Add option").click()
    page.get_by_label("Seller defined code of option 3").fill("TSHIRT-WHT-M")
    page.get_by_label("Option values of option 3").fill("화이트 / M")
    page.get_by_label("Barcode of option 3").fill("8809000000013")
    page.get_by_role("button", name="+ Add option").click()
    page.get_by_role("button", name="Remove option 4").click()
    screenshot("sku-form-options")
    page.get_by_role("button", name="Register SKU").click()

    # The clash is shown on its row, on the Option SKU Info tab, and nothing is saved.
    error = page.locator(".option-row .field-error")
    assert "is already the Seller defined code of SKU “무선 블루투스 이어폰”" in error.inner_text()
    assert page.get_by_role("tab", name="Option SKU Info").get_attribute("aria-selected") == "true"
    assert not Sku.objects.filter(kind=SkuKind.MULTI).exists()
    screenshot("sku-form-option-error")
    page.get_by_label("Seller defined code of option 2").fill("TSHIRT-BLK-L")
    page.get_by_role("button", name="Register SKU").click()

    page.wait_for_url(f"{live_server.url}/inventory/skus/*/")
    assert "SKU 베이직 라운드 반팔 티셔츠 registered." in page.locator(".alert").first.inner_text()
    sku = Sku.objects.get(kind=SkuKind.MULTI)
    assert list(sku.options.values_list("code", "option_values", "barcode")) == [
        ("TSHIRT-BLK-M", "블랙 / M", ""), ("TSHIRT-BLK-L", "블랙 / L", ""), ("TSHIRT-WHT-M", "화이트 / M", "8809000000013")]
    expect(page.locator(".option-detail-table .option-row")).to_have_count(3)
    screenshot("sku-detail")

    page.goto(f"{live_server.url}/inventory/skus/")
    expect(page.locator(".sku-row")).to_have_count(2)
    screenshot("sku-list")
    page.get_by_label("Search").fill("wht")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".sku-row")).to_have_count(1)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/inventory/skus/")
    screenshot("sku-list-narrow")
    page.goto(f"{live_server.url}/inventory/skus/{sku.pk}/edit/?tab=options")
    screenshot("sku-form-options-narrow")
    page.goto(f"{live_server.url}/inventory/skus/{sku.pk}/")
    screenshot("sku-detail-narrow")


def test_option_rows_keep_the_numbers_the_page_shows_and_messages_use_them(page, live_server, screenshot):
    """A removed row renumbers the rows after it, and "already option row N" names the row by that number."""
    make_seller_user(username="sku-rows")
    login(page, live_server.url, "sku-rows", PASSWORD)
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(f"{live_server.url}/inventory/skus/new/")
    page.get_by_label("Multi-option product").check()
    page.get_by_label("SKU name").fill("반팔 티셔츠")
    page.get_by_role("tab", name="Option SKU Info").click()
    page.get_by_label("Seller defined code of option 1").fill("TSHIRT-BLK-M")
    page.get_by_label("Option values of option 1").fill("블랙 / M")
    for _ in range(2):
        page.get_by_role("button", name="+ Add option").click()
    page.get_by_label("Seller defined code of option 2").fill("TSHIRT-BLK-L")
    page.get_by_label("Seller defined code of option 3").fill("tshirt-blk-m")
    page.get_by_label("Option values of option 3").fill("블랙 / M")
    page.get_by_role("button", name="Remove option 2").click()
    expect(page.get_by_label("Seller defined code of option 2")).to_have_value("tshirt-blk-m")
    expect(page.locator(".option-row .option-number")).to_have_text(["1", "2"]), "the numbers a person reads"
    page.get_by_role("button", name="+ Add option").click()
    expect(page.get_by_label("Seller defined code of option 3")).to_be_focused()
    page.get_by_role("button", name="Register SKU").click()

    expect(page.locator(".option-row .field-error")).to_have_text("“tshirt-blk-m” is already option row 1 of this SKU.")
    expect(page.get_by_label("Seller defined code of option 2")).to_have_value("tshirt-blk-m")
    expect(page.locator(".option-row")).to_have_count(2)
    expect(page.locator(".option-row .option-number")).to_have_text(["1", "2"])
    screenshot("sku-form-repeated-code-375")
    assert not Sku.objects.exists()


def test_one_submit_shows_every_problem_of_the_sku_and_its_option_rows(page, live_server, screenshot):
    """A missing name no longer hides the option rows' problems until it is fixed: both show after one submit."""
    seller, _ = make_seller_user(username="sku-rounds")
    make_single(seller=seller, code="EARBUDS-01", name="무선 블루투스 이어폰")
    login(page, live_server.url, "sku-rounds", PASSWORD)
    page.goto(f"{live_server.url}/inventory/skus/new/")
    page.get_by_label("Multi-option product").check()
    page.get_by_role("tab", name="Option SKU Info").click()
    page.get_by_label("Seller defined code of option 1").fill("EARBUDS-01")  # another SKU's code
    page.get_by_label("Option values of option 1").fill("블랙 / M")
    page.get_by_role("button", name="+ Add option").click()
    page.get_by_label("Seller defined code of option 2").fill("TSHIRT-WHT-M")  # no option values
    page.get_by_role("button", name="Register SKU").click()

    # SKU Info opens with its problem; Option SKU Info is marked and holds the rows' problems, all at once.
    expect(page.get_by_role("alert")).to_contain_text("SKU Info and the option rows under Option SKU Info")
    expect(page.get_by_role("tab", name="SKU Info", exact=True)).to_have_attribute("aria-selected", "true")
    expect(page.locator("#panel-info .field-error")).to_have_text("Enter the SKU name.")
    expect(page.get_by_role("tab", name="Option SKU Info").locator(".tab-alert")).to_be_visible()
    # What a screen reader announces for the tab: its name says there is something to correct, not "!".
    expect(page.get_by_role("tab", name="Option SKU Info (rows to correct)", exact=True)).to_be_visible()
    screenshot("sku-form-all-errors")
    page.set_viewport_size({"width": 375, "height": 740})
    page.wait_for_timeout(300)  # the menu slides out of the narrow window
    screenshot("sku-form-all-errors-375")
    page.get_by_role("tab", name="Option SKU Info").click()
    screenshot("sku-form-all-errors-options-375")
    page.set_viewport_size({"width": 1366, "height": 860})
    errors = page.locator(".option-row .field-error")
    expect(errors).to_have_count(2)
    expect(errors.nth(0)).to_contain_text("is already the Seller defined code of SKU “무선 블루투스 이어폰”")
    expect(errors.nth(1)).to_have_text("Enter the option values, e.g. 블랙 / M.")
    screenshot("sku-form-all-errors-options")
    assert not Sku.objects.filter(kind=SkuKind.MULTI).exists()

    # Fixing what the one answer listed is enough.
    page.get_by_label("Seller defined code of option 1").fill("TSHIRT-BLK-M")
    page.get_by_label("Option values of option 2").fill("화이트 / M")
    page.get_by_role("tab", name="SKU Info", exact=True).click()
    page.get_by_label("SKU name").fill("베이직 티셔츠")
    page.get_by_role("button", name="Register SKU").click()
    page.wait_for_url(f"{live_server.url}/inventory/skus/*/")
    assert list(Sku.objects.get(kind=SkuKind.MULTI).options.values_list("code", flat=True)) == [
        "TSHIRT-BLK-M", "TSHIRT-WHT-M"]


def test_upload_an_excel_file_with_one_bad_row_and_read_the_report(page, live_server, eager_celery, tmp_path, screenshot):
    seller, _ = make_seller_user(username="upload-seller")
    make_single(seller=seller, code="TAKEN-1", name="기존 상품")
    login(page, live_server.url, "upload-seller", PASSWORD)
    bad = tmp_path / "skus.xlsx"
    bad.write_bytes(xlsx([
        ["EARBUDS-01", "무선 이어폰", None, None, 8801234567890, "Y"],
        ["TSHIRT-BLK-M", "반팔 티셔츠", "블랙 / M", "TSHIRT", None, None],
        ["TAKEN-1", "반팔 티셔츠", "블랙 / L", "TSHIRT", None, None],
        ["TSHIRT-WHT-M", "반팔 티셔츠", "화이트 / M", "TSHIRT", None, None],
    ]))

    page.goto(f"{live_server.url}/inventory/skus/")
    page.get_by_role("link", name="Upload Excel").first.click()
    assert page.get_by_role("link", name="Download the template").is_visible()
    screenshot("sku-import-form")
    page.set_input_files("input[type=file]", str(bad))
    page.get_by_role("button", name="Upload and import").click()

    page.locator(".import-job[data-status=rejected]").wait_for()
    assert "Nothing was imported: 1 of 4 rows need fixing." in page.locator(".import-message").inner_text()
    problems = page.locator(".report-table .problem")
    expect(problems).to_have_count(1)
    cells = problems.first.locator("td").all_inner_texts()
    assert cells[0] == "4" and cells[1] == "SKU Seller Management Code" and "기존 상품" in cells[2]
    assert Sku.objects.filter(seller=seller).count() == 1, "nothing applied"
    screenshot("sku-import-report")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("sku-import-report-narrow")
    page.set_viewport_size({"width": 1366, "height": 860})

    bad.write_bytes(xlsx([
        ["EARBUDS-01", "무선 이어폰", None, None, 8801234567890, "Y"],
        ["TSHIRT-BLK-M", "반팔 티셔츠", "블랙 / M", "TSHIRT", None, None],
        ["TSHIRT-BLK-L", "반팔 티셔츠", "블랙 / L", "TSHIRT", None, None],
    ]))
    waiting = SkuImport.objects.create(seller=seller, filename="waiting.xlsx", content=b"x")
    page.goto(f"{live_server.url}/inventory/skus/import/{waiting.pk}/")
    assert page.locator(".import-progress").is_visible(), "a queued upload shows its progress bar"
    screenshot("sku-import-progress")
    page.go_back()
    page.get_by_role("link", name="Upload another file").click()
    page.set_input_files("input[type=file]", str(bad))
    page.get_by_role("button", name="Upload and import").click()
    page.locator(".import-job[data-status=succeeded]").wait_for()
    assert "2 SKUs created" in page.locator(".import-summary").inner_text()
    screenshot("sku-import-done")
    assert OptionSku.objects.filter(seller=seller).count() == 4


@pytest.mark.sandbox
def test_an_order_line_maps_after_fixing_its_code(page, live_server, sandbox, settings, screenshot):
    settings.LOTTEON_BASE_URL = sandbox.url
    settings.SMARTSHIP_ORDER_LOOKBACK_DAYS = 2
    seller, _ = make_seller_user(username="mapping-seller")
    account = make_account(seller=seller, api_key=sandbox.DEMO_KEY, account_number=sandbox.DEMO_TR_NO)
    rows = [row for row in sandbox.state(api_key=sandbox.DEMO_KEY)["stock"] if row["eitmNo"] and row["slStatCd"] == "SALE"]
    a, b = rows[0], rows[1]
    single = next(row for row in sandbox.state(api_key=sandbox.DEMO_KEY)["stock"] if not row["eitmNo"])
    sku = make_multi(seller=seller, code=a["epdNo"], name=a["spdNm"], options=[(a["eitmNo"] + "-TYPO", a["sitmNm"])])
    target = make_multi(seller=seller, name="다른 상품", options=[("OLD-CODE", "기본")])
    order = sandbox.create_order(lines=[{"eitmNo": a["eitmNo"], "odQty": 2}, {"eitmNo": b["eitmNo"]},
                                        {"epdNo": single["epdNo"]}])
    run = orders_sync(account_id=account.pk)
    assert run.status == "succeeded", run.error_message
    line = OrderLine.objects.get(order__order_no=order["odNo"], line_no="1")
    assert line.sku_option is None
    login(page, live_server.url, "mapping-seller", PASSWORD)

    page.locator("aside nav").get_by_role("link", name="Needs mapping").click()
    rows_shown = page.locator(".mapping-row")
    expect(rows_shown).to_have_count(3)
    assert page.locator(f".mapping-row[data-code='{a['eitmNo']}']").is_visible()
    screenshot("needs-mapping")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("needs-mapping-narrow")
    page.set_viewport_size({"width": 1366, "height": 860})

    # Fix the typo in the SKU's Option SKU Info: the waiting line maps without a new sync.
    calls = len(sandbox.calls())
    page.goto(f"{live_server.url}/inventory/skus/{sku.pk}/edit/")
    page.get_by_role("tab", name="Option SKU Info").click()
    page.get_by_label("Seller defined code of option 1").fill(a["eitmNo"])
    page.get_by_role("button", name="Save").click()
    assert "1 waiting order line is now mapped" in page.locator(".alert").first.inner_text()
    assert order["odNo"] in page.locator("table").last.inner_text()
    line.refresh_from_db()
    assert line.sku_option.sku_id == sku.pk
    assert len(sandbox.calls()) == calls
    screenshot("sku-detail-mapped")

    # Pick SKU: another waiting code becomes an existing option SKU's code.
    page.locator("aside nav").get_by_role("link", name="Needs mapping").click()
    expect(page.locator(".mapping-row")).to_have_count(2)
    page.locator(f".mapping-row[data-code='{b['eitmNo']}']").get_by_role("link", name="Pick SKU").click()
    in_use = page.locator(".pick-row", has_text=a["eitmNo"])
    assert in_use.locator(".pick-warning").inner_text() == "In use: this code maps 1 open order line"
    # Its open line would lose its SKU (and its fulfilment order keep the option): no button to do that.
    expect(in_use.get_by_role("button", name="Use this SKU")).to_have_count(0)
    screenshot("needs-mapping-pick")
    page.locator(".pick-row", has_text="OLD-CODE").get_by_role("button", name="Use this SKU").click()
    assert "1 waiting order line is now mapped" in page.locator(".alert").first.inner_text()
    expect(page.locator(".mapping-row")).to_have_count(1)
    assert OptionSku.objects.get(sku=target).code == b["eitmNo"]

    # Create SKU from the last waiting code: the form comes pre-filled.
    page.locator(f".mapping-row[data-code='{single['epdNo']}']").get_by_role("link", name="Create SKU").click()
    assert page.locator("#id_code").input_value() == single["epdNo"]
    page.get_by_role("button", name="Register SKU").click()
    assert "1 waiting order line is now mapped" in page.locator(".alert").first.inner_text()
    page.locator("aside nav").get_by_role("link", name="Needs mapping").click()
    assert "Every open order line is mapped" in page.locator(".mapping-card").inner_text()


def test_long_lotteon_ids_wrap_on_the_option_cards_at_375_px(page, live_server, screenshot):
    """spdNo / sitmNo and long Seller defined codes have no spaces: on a phone they break anywhere rather than
    run past the card."""
    seller, _ = make_seller_user(username="sku-long-ids")
    account = make_account(seller=seller)
    sku = make_multi(seller=seller, name="베이직 라운드 반팔 티셔츠", code="TSHIRT",
                     options=[("TSHIRT-BASIC-ROUND-BLACK-XL-2026SS-KR", "블랙 / XL"), ("TSHIRT-WHT-M", "화이트 / M")])
    # The second id is as long as the field holds (40): it breaks anywhere even on the card's full width.
    for option, option_id in zip(sku.options.order_by("position"), ("LO2312345678_2312345678901", "LO" + "9" * 38),
                                 strict=True):
        SiteOptionLink.objects.create(option=option, seller=seller, account=account, site="lotteon",
                                      site_product_id="LO2312345678", site_option_id=option_id,
                                      status=LinkStatus.LINKED, source=SiteOptionLink.Source.CATALOG,
                                      checked_at=timezone.now())
    login(page, live_server.url, "sku-long-ids", PASSWORD)
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(f"{live_server.url}/inventory/skus/{sku.pk}/")
    expect(page.locator(".option-detail-table code", has_text="LO2312345678_2312345678901")).to_have_count(1)

    overflowing = page.evaluate("""() => [...document.querySelectorAll(
        '.option-detail-table code, .option-detail-table td, .option-detail-table tr, .table-wrap')]
      .filter((el) => el.scrollWidth > el.clientWidth + 1 || el.getBoundingClientRect().right > 375)
      .map((el) => `${el.tagName}.${el.className} ${el.textContent.trim().slice(0, 40)}`)""")
    assert overflowing == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot("sku-detail-long-ids-375")
