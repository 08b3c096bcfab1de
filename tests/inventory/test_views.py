"""SKU Management pages: list, create/edit single and multi-option SKUs, deactivate, Needs mapping, isolation."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from inventory.models import OptionSku, Sku, SkuKind
from orders.models import LineStatus, Order, OrderLine
from tests.factories import make_seller_user
from tests.inventory.factories import make_multi, make_single

pytestmark = pytest.mark.django_db


@pytest.fixture
def seller_client(client):
    seller, user = make_seller_user()
    client.force_login(user)
    return seller, client


def waiting_line(seller, *, option_code="", product_code="", status=LineStatus.CONFIRMED, n=[0]) -> OrderLine:  # noqa: B006
    n[0] += 1
    order = Order.objects.create(seller=seller, site="lotteon", order_no=f"20261127{n[0]:08d}", recipient_name="홍길동",
                                 address="서울", status="confirmed")
    line = OrderLine.objects.create(order=order, seller=seller, line_no="1", product_name="반팔 티셔츠",
                                    option_name="블랙 / M" if option_code else "", seller_option_code=option_code,
                                    seller_product_code=product_code, quantity=2, status=status)
    from inventory.hooks import on_lines_stored

    on_lines_stored(seller_id=seller.pk, line_ids=[line.pk])
    line.refresh_from_db()
    return line


def formset(rows: list[dict], prefix: str = "options") -> dict:
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}
    for index, row in enumerate(rows):
        for key, value in row.items():
            if key == "is_active":
                if value:
                    data[f"{prefix}-{index}-is_active"] = "on"
            else:
                data[f"{prefix}-{index}-{key}"] = value
    return data


def test_list_shows_skus_with_stock_and_filters(seller_client):
    seller, client = seller_client
    single = make_single(seller=seller, code="EARBUDS-01", name="무선 이어폰")
    OptionSku.objects.filter(sku=single).update(on_hand=10, reserved=3)
    multi = make_multi(seller=seller, name="반팔 티셔츠", options=[("TSHIRT-BLK-M", "블랙 / M"), ("TSHIRT-WHT-M", "화이트 / M")])
    inactive = make_single(seller=seller, code="OLD-1", name="단종 상품")
    Sku.objects.filter(pk=inactive.pk).update(is_active=False)

    page = client.get(reverse("inventory:sku-list")).content.decode()
    assert "무선 이어폰" in page and "반팔 티셔츠" in page and "단종 상품" not in page
    assert ">7<" in page, "available = on hand − reserved"
    assert "No sales-site account" in page

    found = client.get(reverse("inventory:sku-list"), {"q": "wht"}).content.decode()
    assert "반팔 티셔츠" in found and "무선 이어폰" not in found, "search finds option codes, ignoring case"
    assert "단종 상품" in client.get(reverse("inventory:sku-list"), {"status": "inactive"}).content.decode()
    multis = client.get(reverse("inventory:sku-list"), {"kind": "multi", "status": "all"}).content.decode()
    assert "반팔 티셔츠" in multis and "무선 이어폰" not in multis
    unlinked = client.get(reverse("inventory:sku-list"), {"link": "unlinked"}).content.decode()
    assert "반팔 티셔츠" in unlinked and multi.pk


def test_create_single_sku_and_duplicate_code_is_a_clear_error(seller_client):
    seller, client = seller_client
    response = client.post(reverse("inventory:sku-create"), {
        "kind": "single", "name": "무선 이어폰", "code": " EARBUDS-01 ", "barcode": "8801234567890",
        **formset([])})
    sku = Sku.objects.get(seller=seller)
    assert response.status_code == 302 and response.url == reverse("inventory:sku-detail", args=[sku.pk])
    option = sku.options.get()
    assert (sku.code, option.code, option.barcode) == ("EARBUDS-01", "EARBUDS-01", "8801234567890")

    response = client.post(reverse("inventory:sku-create"), {
        "kind": "single", "name": "다른 이어폰", "code": "earbuds-01", **formset([])})
    assert response.status_code == 400
    assert "is already the Seller defined code of SKU “무선 이어폰”" in response.content.decode()
    assert Sku.objects.filter(seller=seller).count() == 1


def test_create_multi_option_sku_with_option_rows_and_row_errors(seller_client):
    seller, client = seller_client
    make_single(seller=seller, code="TAKEN-1", name="기존 상품")
    bad = client.post(reverse("inventory:sku-create"), {
        "kind": "multi", "name": "반팔 티셔츠", "code": "TSHIRT", **formset([
            {"code": "TSHIRT-BLK-M", "option_values": "블랙 / M", "is_active": True},
            {"code": "TAKEN-1", "option_values": "블랙 / L", "is_active": True},
            {"code": "", "option_values": "", "is_active": True},  # an empty added row is skipped
            {"code": "tshirt-blk-m", "option_values": "", "is_active": True},
        ])})
    text = bad.content.decode()
    assert bad.status_code == 400
    assert "“TAKEN-1” is already the Seller defined code of SKU “기존 상품”" in text
    assert "is already option row 1 of this SKU" in text and "Enter the option values" in text
    assert not Sku.objects.filter(kind=SkuKind.MULTI).exists()

    ok = client.post(reverse("inventory:sku-create"), {
        "kind": "multi", "name": "반팔 티셔츠", "code": "TSHIRT", **formset([
            {"code": "TSHIRT-BLK-M", "option_values": "블랙 / M", "barcode": "111", "is_active": True},
            {"code": "TSHIRT-BLK-L", "option_values": "블랙 / L", "is_active": True},
        ])})
    assert ok.status_code == 302
    sku = Sku.objects.get(kind=SkuKind.MULTI)
    assert [(o.code, o.option_values, o.position) for o in sku.options.order_by("position")] == [
        ("TSHIRT-BLK-M", "블랙 / M", 0), ("TSHIRT-BLK-L", "블랙 / L", 1)]


def test_an_unknown_sku_type_is_marked_on_the_type_choice(seller_client):
    seller, client = seller_client
    response = client.post(reverse("inventory:sku-create"), {"kind": "bogus", "name": "반팔 티셔츠", "code": "TS-1"})
    assert response.status_code == 400
    assert '<div class="field-error">Choose Single option type or Multi-option product.</div>' in (
        response.content.decode())
    assert not Sku.objects.exists()


def test_a_missing_name_or_type_says_what_is_missing(seller_client):
    """Django's "This field is required." does not say which field; the SKU form and the upload say it."""
    seller, client = seller_client
    response = client.post(reverse("inventory:sku-create"), {"name": "  ", "code": "TS-1", **formset([])})
    text = response.content.decode()
    assert response.status_code == 400
    assert '<div class="field-error">Choose Single option type or Multi-option product.</div>' in text
    assert "Enter the SKU name." in text
    assert "This field is required." not in text

    sku = make_multi(seller=seller, name="반팔 티셔츠", options=[("A-1", "블랙")])
    response = client.post(reverse("inventory:sku-update", args=[sku.pk]), {
        "name": "", "code": "", **formset([{"id": sku.options.get().pk, "code": "A-1", "option_values": "블랙",
                                            "is_active": True}])})
    text = response.content.decode()
    assert response.status_code == 400 and text.count("Enter the SKU name.") == 1
    assert "This field is required." not in text

    upload = client.post(reverse("inventory:sku-import"), {})
    assert upload.status_code == 400
    assert "Choose the Excel file to upload." in upload.content.decode()
    assert "This field is required." not in upload.content.decode()
    assert Sku.objects.filter(seller=seller).count() == 1


def test_a_multi_option_sku_without_options_opens_the_option_tab_with_its_error(seller_client):
    seller, client = seller_client
    response = client.post(reverse("inventory:sku-create"), {
        "kind": "multi", "name": "반팔 티셔츠", "code": "TSHIRT", **formset([
            {"code": "", "option_values": "", "is_active": True}])})
    assert response.status_code == 400 and response.context["option_tab"]
    text = response.content.decode()
    assert "Add at least one option SKU with its Seller defined code." in text
    # The marker is for the eyes; a screen reader hears the tab as "Option SKU Info (rows to correct)".
    assert ('<span class="tab-alert" title="Rows to correct" aria-hidden="true">!</span>'
            '<span class="visually-hidden">(rows to correct)</span>') in text
    assert not Sku.objects.exists()


def test_one_submit_reports_the_sku_fields_and_every_option_row_problem_at_once(seller_client):
    """A missing name used to hide the option rows' problems until it was fixed (two rounds): now one submit
    lists them all, opens SKU Info (the first problem) with Option SKU Info marked, and saves nothing."""
    seller, client = seller_client
    make_single(seller=seller, code="TAKEN-1", name="기존 상품")
    response = client.post(reverse("inventory:sku-create"), {
        "kind": "multi", "name": "", "code": "TSHIRT", **formset([
            {"code": "TAKEN-1", "option_values": "블랙 / L", "is_active": True},
            {"code": "TSHIRT-BLK-M", "option_values": "", "is_active": True},
            {"code": "tshirt-blk-m", "option_values": "블랙 / M", "is_active": True},
            {"code": "X" * 101, "option_values": "너무 긴 코드", "is_active": True},
        ])})
    text = response.content.decode()
    assert response.status_code == 400
    assert text.count("Enter the SKU name.") == 1, "the name, once"
    assert "“TAKEN-1” is already the Seller defined code of SKU “기존 상품”" in text
    assert "Enter the option values" in text and "is already option row 2 of this SKU" in text
    assert "Ensure this value has at most 100 characters" in text
    assert "Add at least one option SKU" not in text, "the rows are there, one is only too long"
    assert not response.context["option_tab"]
    assert "Please correct the fields marked under SKU Info and the option rows under Option SKU Info." in text
    assert Sku.objects.filter(seller=seller).count() == 1

    single = client.post(reverse("inventory:sku-create"), {
        "kind": "single", "name": "", "code": "taken-1", "barcode": "B" * 65, **formset([])})
    text = single.content.decode()
    assert "Enter the SKU name." in text and "is already the Seller defined code of SKU “기존 상품”" in text
    assert "Ensure this value has at most 64 characters" in text
    assert Sku.objects.filter(seller=seller).count() == 1


def test_a_repeated_option_code_names_the_row_as_the_page_shows_it(seller_client):
    """Rows that failed their own checks are left out of the service's list, and rows left empty are not shown
    again: "already option row N" counts the rows on the page, the numbers their labels carry."""
    seller, client = seller_client
    response = client.post(reverse("inventory:sku-create"), {
        "kind": "multi", "name": "반팔 티셔츠", "code": "", **formset([
            {"code": "X" * 101, "option_values": "너무 긴 코드", "is_active": True},  # shown, not checked further
            {"code": "", "option_values": "", "is_active": True},  # added and left empty: not shown again
            {"code": "A-1", "option_values": "블랙", "is_active": True},
            {"code": "a-1", "option_values": "화이트", "is_active": True},
        ])})
    text = response.content.decode()
    assert response.status_code == 400
    assert "“a-1” is already option row 2 of this SKU." in text
    assert 'value="A-1" maxlength="100" aria-label="Seller defined code of option 2"' in text
    assert 'value="a-1" maxlength="100" aria-label="Seller defined code of option 3"' in text
    assert not Sku.objects.exists()


def test_editing_reports_the_sku_fields_and_the_option_rows_at_once(seller_client):
    seller, client = seller_client
    sku = make_multi(seller=seller, name="반팔 티셔츠", options=[("A-1", "블랙"), ("A-2", "화이트")])
    first, second = sku.options.order_by("position")
    response = client.post(reverse("inventory:sku-update", args=[sku.pk]), {
        "name": "", "code": "", **formset([
            {"id": first.pk, "code": "A-1", "option_values": "", "is_active": True},
            {"id": second.pk, "code": "A-1", "option_values": "화이트", "is_active": True},
        ])})
    text = response.content.decode()
    assert response.status_code == 400
    assert "Enter the SKU name." in text and "Enter the option values" in text
    assert "is already option row 1 of this SKU" in text
    sku.refresh_from_db()
    second.refresh_from_db()
    assert (sku.name, second.code) == ("반팔 티셔츠", "A-2")


def test_edit_multi_sku_swaps_codes_adds_and_deactivates_options_and_maps_waiting_lines(seller_client):
    seller, client = seller_client
    sku = make_multi(seller=seller, options=[("A-1", "블랙"), ("A-2", "화이트")])
    first, second = sku.options.order_by("position")
    line = waiting_line(seller, option_code="A-3")
    assert line.sku_option is None

    response = client.post(reverse("inventory:sku-update", args=[sku.pk]), {
        "name": "새 이름", "code": "", **formset([
            {"id": first.pk, "code": "A-2", "option_values": "블랙", "is_active": True},
            {"id": second.pk, "code": "A-1", "option_values": "화이트", "is_active": False},
            {"code": "A-3", "option_values": "레드", "is_active": True},
        ])})
    assert response.status_code == 302, response.content.decode()[:2000]
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.code, second.code, second.is_active) == ("A-2", "A-1", False)
    line.refresh_from_db()
    assert line.sku_option.code == "A-3"
    detail = client.get(response.url).content.decode()
    assert "새 이름" in detail and "1 / 1" in detail


def test_deactivate_and_reactivate_from_the_detail_page(seller_client):
    seller, client = seller_client
    sku = make_single(seller=seller, code="MUG-1")
    client.post(reverse("inventory:sku-deactivate", args=[sku.pk]))
    sku.refresh_from_db()
    assert not sku.is_active
    line = waiting_line(seller, product_code="MUG-1")
    assert line.sku_option is None, "an inactive SKU takes no lines"
    response = client.post(reverse("inventory:sku-activate", args=[sku.pk]), follow=True)
    assert "1 waiting order line is now mapped" in response.content.decode()
    line.refresh_from_db()
    assert line.sku_option == sku.options.get()


def test_needs_mapping_lists_waiting_codes_and_pick_sku_sets_the_code(seller_client):
    seller, client = seller_client
    waiting_line(seller, option_code="TSHIRT-BLK-M", product_code="TSHIRT")
    waiting_line(seller, option_code="TSHIRT-BLK-M", product_code="TSHIRT")
    waiting_line(seller, product_code="EARBUDS-01")
    waiting_line(seller, product_code="SHIPPED-1", status=LineStatus.SHIPPED)
    page = client.get(reverse("inventory:needs-mapping")).content.decode()
    assert "TSHIRT-BLK-M" in page and "EARBUDS-01" in page and "SHIPPED-1" not in page
    assert "kind=multi" in page and "option_code=TSHIRT-BLK-M" in page and "kind=single" in page

    sku = make_multi(seller=seller, options=[("WRONG-CODE", "블랙 / M")])
    option = sku.options.get()
    pick = client.get(reverse("inventory:needs-mapping"), {"pick": "TSHIRT-BLK-M"}).content.decode()
    assert "WRONG-CODE" in pick and "2 waiting lines" in pick
    response = client.post(reverse("inventory:needs-mapping"), {"option_id": option.pk, "code": "TSHIRT-BLK-M"},
                           follow=True)
    assert "2 waiting order lines are now mapped" in response.content.decode()
    option.refresh_from_db()
    assert option.code == "TSHIRT-BLK-M"
    assert OrderLine.objects.filter(sku_option=option).count() == 2


def test_pick_sku_drops_the_link_found_by_the_old_code_and_learns_the_new_one(seller_client):
    """The option was linked to the LotteON listing of its old code: with the new code its stock must go to
    the new code's listing (learned from the waiting lines), never to the old one."""
    from inventory.models import LinkStatus, SiteOptionLink, StockPush
    from tests.factories import make_account

    seller, client = seller_client
    account = make_account(seller=seller)
    sku = make_multi(seller=seller, options=[("TUMBLER-PNK", "핑크")])
    option = sku.options.get()
    link = SiteOptionLink.objects.create(option=option, seller=seller, account=account, site="lotteon",
                                         site_product_id="LO100", site_option_id="LO100_PINK",
                                         status=LinkStatus.LINKED, source=SiteOptionLink.Source.CATALOG,
                                         checked_at=timezone.now())
    StockPush.objects.create(link=link, seller=seller, account=account, option=option)
    line = waiting_line(seller, option_code="TUMBLER-SLV")
    Order.objects.filter(pk=line.order_id).update(account=account)
    OrderLine.objects.filter(pk=line.pk).update(site_product_id="LO200", site_option_id="LO200_SILVER")

    response = client.post(reverse("inventory:needs-mapping"), {"option_id": option.pk, "code": "TUMBLER-SLV"},
                           follow=True).content.decode()
    assert "now has the Seller defined code TUMBLER-SLV (was TUMBLER-PNK)" in response
    assert "listing of the old code was removed" in response
    assert list(SiteOptionLink.objects.filter(option=option).values_list("site_option_id", "source")) == [
        ("LO200_SILVER", SiteOptionLink.Source.ORDER)]
    assert not StockPush.objects.filter(link=link.pk).exists()


def test_pick_sku_refuses_an_option_whose_code_open_lines_still_need(seller_client):
    """Its open lines would lose their SKU while their fulfilment orders keep the option: refused, nothing changes."""
    seller, client = seller_client
    sku = make_multi(seller=seller, options=[("UMBRELLA-BRG", "버건디")])
    option = sku.options.get()
    mapped = waiting_line(seller, option_code="UMBRELLA-BRG")
    OrderLine.objects.filter(pk=mapped.pk).update(sku_option=option)
    waiting_line(seller, option_code="SLACKS-BLK-28")
    pick = client.get(reverse("inventory:needs-mapping"), {"pick": "SLACKS-BLK-28"}).content.decode()
    assert "In use: this code maps 1 open order line" in pick and "Use this SKU" not in pick
    response = client.post(reverse("inventory:needs-mapping"), {"option_id": option.pk, "code": "SLACKS-BLK-28"})
    assert response.status_code == 400
    assert "UMBRELLA-BRG already maps 1 open order line to this option SKU" in response.content.decode()
    option.refresh_from_db()
    mapped.refresh_from_db()
    assert option.code == "UMBRELLA-BRG" and mapped.sku_option == option


def test_another_sellers_skus_are_not_found(seller_client, client):
    seller, client = seller_client
    other, _ = make_seller_user()
    foreign = make_single(seller=other, code="FOREIGN-1", name="남의 상품")
    for name in ("inventory:sku-detail", "inventory:sku-update"):
        assert client.get(reverse(name, args=[foreign.pk])).status_code == 404
    for name in ("inventory:sku-deactivate", "inventory:sku-link-check"):
        assert client.post(reverse(name, args=[foreign.pk])).status_code == 404
    assert "남의 상품" not in client.get(reverse("inventory:sku-list"), {"status": "all"}).content.decode()
    option = foreign.options.get()
    assert client.post(reverse("inventory:needs-mapping"), {"option_id": option.pk, "code": "X"}).status_code == 404
    # The same code is free for another seller: codes are unique per seller.
    assert make_single(seller=seller, code="FOREIGN-1").code == "FOREIGN-1"


def test_template_and_export_download(seller_client):
    seller, client = seller_client
    make_multi(seller=seller, code="TSHIRT", options=[("TSHIRT-BLK-M", "블랙 / M")], name="반팔")
    template = client.get(reverse("inventory:sku-template"))
    assert template.status_code == 200 and template["Content-Disposition"].endswith('.xlsx"')
    export = client.get(reverse("inventory:sku-export"))
    assert export.status_code == 200 and "skus-" in export["Content-Disposition"]


def test_a_link_without_a_message_shows_when_it_was_checked_without_a_stray_separator(seller_client):
    import re

    from inventory.models import LinkStatus, SiteOptionLink
    from tests.factories import make_account

    seller, client = seller_client
    sku = make_single(seller=seller, code="MUG-2")
    account = make_account(seller=seller)
    SiteOptionLink.objects.create(option=sku.options.get(), seller=seller, account=account, site="lotteon",
                                  site_product_id="LO2000000001", site_option_id="LO2000000001_1",
                                  status=LinkStatus.LINKED, source=SiteOptionLink.Source.ORDER,
                                  checked_at=timezone.now())
    page = client.get(reverse("inventory:sku-detail", args=[sku.pk])).content.decode()
    (note,) = re.findall(r'<div class="link-row">.*?<div class="muted small">(.*?)</div>', page, re.S)
    assert re.fullmatch(r"(account shop · )?\d{4}-\d\d-\d\d \d\d:\d\d", note.strip()), note


def test_registering_a_sku_linked_to_an_account_that_pushes_stock_warns_it_sells_out(seller_client):
    """Stock sync pushes what the warehouse holds, 0 before the first inbound: registering the SKU says so."""
    from tests.factories import make_account

    seller, client = seller_client
    pushing = make_account(seller=seller, shop_id="demoshop", auto_stock_sync=True)
    quiet = make_account(seller=seller, shop_id="quiet", account_number="LO20000002", auto_stock_sync=False)
    for account, code, ids in ((pushing, "TSHIRT-BLK-M", ("P1", "S1")), (quiet, "TSHIRT-WHT-M", ("P2", "S2"))):
        line = waiting_line(seller, option_code=code)
        Order.objects.filter(pk=line.order_id).update(account=account)
        OrderLine.objects.filter(pk=line.pk).update(site_product_id=ids[0], site_option_id=ids[1])

    response = client.post(reverse("inventory:sku-create"), {
        "kind": "multi", "name": "반팔 티셔츠", "code": "TSHIRT", **formset([
            {"code": "TSHIRT-BLK-M", "option_values": "블랙 / M", "is_active": True},
            {"code": "TSHIRT-WHT-M", "option_values": "화이트 / M", "is_active": True},
        ])}, follow=True)
    text = response.content.decode()
    assert ("Automatic Stock Qty Sync is on for demoshop: 1 option of this SKU is linked to the sales site with "
            "nothing available at the warehouse, so the sales site shows it sold out until stock is received.") in text

    sku = Sku.objects.get(seller=seller)
    OptionSku.objects.filter(sku=sku).update(on_hand=5)
    edit = client.get(reverse("inventory:sku-update", args=[sku.pk]))
    assert edit.status_code == 200
    options = list(sku.options.order_by("position"))
    saved = client.post(reverse("inventory:sku-update", args=[sku.pk]), {
        "kind": "multi", "name": "반팔 티셔츠", "code": "TSHIRT", **{**formset([
            {"id": str(o.pk), "code": o.code, "option_values": o.option_values, "is_active": True} for o in options]),
            "options-INITIAL_FORMS": str(len(options))}}, follow=True).content.decode()
    assert "saved." in saved and "Automatic Stock Qty Sync is on" not in saved, "stock on hand: nothing sells out"
