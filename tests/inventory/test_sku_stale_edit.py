"""Two people of one seller on the same SKU: a save from an edit page drawn before the other's save is refused
and changes nothing, instead of putting the other's name, codes or Active flags back (a lost update)."""

from __future__ import annotations

import html

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from inventory.excel import ImportRow
from inventory.models import LinkStatus, OptionSku, SiteOptionLink, Sku
from inventory.services.imports import sku_rows_import
from inventory.services.stock import stock_receive
from sellers.models import User
from tests.factories import make_account, make_colleagues
from tests.forms import posted_fields
from tests.inventory.factories import make_multi, make_single

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleagues():
    """The owner ("demo") and a staff member ("staff2") of one seller, each logged in in their own browser."""
    return make_colleagues()


def drawn(browser: Client, url: str) -> dict[str, str]:
    """The edit page's fields as the browser would post them back unchanged."""
    return posted_fields(browser.get(url).content.decode())


def test_a_stale_form_is_refused_naming_who_changed_it_and_keeps_what_was_typed(colleagues):
    seller, demo, staff2 = colleagues
    sku = make_multi(seller=seller, name="데일리 노트북 백팩",
                     options=[("BAG-BLK", "블랙"), ("BAG-GRY", "그레이")])
    url = reverse("inventory:sku-update", args=[sku.pk])
    mine, theirs = drawn(demo, url), drawn(staff2, url)

    mine["name"] = "백팩 이름변경-A"
    assert demo.post(url, mine).status_code == 302

    theirs["options-0-barcode"] = "8801234567890"
    refused = staff2.post(url, theirs)
    page = html.unescape(refused.content.decode())
    assert refused.status_code == 409
    now = timezone.localtime(Sku.objects.get(pk=sku.pk).changed_at)
    assert (f"demo changed SKU 백팩 이름변경-A at {now:%H:%M}, since you opened this page. Your changes were not "
            "saved: reload the page to see the current values" in page)
    assert 'value="8801234567890"' in page, "what staff2 typed is still on the page"
    sku.refresh_from_db()
    assert sku.name == "백팩 이름변경-A", "demo's rename stays"
    assert not OptionSku.objects.filter(sku=sku, barcode="8801234567890").exists()

    # Pressing Save again on the same page is refused again: only a page drawn from the current values saves.
    assert staff2.post(url, theirs).status_code == 409
    fresh = drawn(staff2, url)
    assert fresh["name"] == "백팩 이름변경-A"
    fresh["options-0-barcode"] = "8801234567890"
    assert staff2.post(url, fresh).status_code == 302
    sku.refresh_from_db()
    assert sku.name == "백팩 이름변경-A" and sku.changed_by.username == "staff2"
    assert OptionSku.objects.get(sku=sku, code="BAG-BLK").barcode == "8801234567890"
    assert all(OptionSku.objects.filter(sku=sku).values_list("is_active", flat=True))


def test_a_stale_form_cannot_put_an_old_code_back_and_drop_the_link_the_new_one_has(colleagues):
    seller, demo, staff2 = colleagues
    sku = make_single(seller=seller, code="EAR-01", name="무선 이어폰")
    option = sku.options.get()
    url = reverse("inventory:sku-update", args=[sku.pk])
    mine, theirs = drawn(demo, url), drawn(staff2, url)

    mine["code"] = "EAR-02"
    assert demo.post(url, mine).status_code == 302
    link = SiteOptionLink.objects.create(option=option, seller=seller, account=make_account(seller=seller),
                                         site="lotteon", site_product_id="LO1", site_option_id="LO1_1",
                                         status=LinkStatus.LINKED, source="catalog", checked_at=timezone.now())

    theirs["barcode"] = "8800000000001"
    assert staff2.post(url, theirs).status_code == 409
    option.refresh_from_db()
    assert (option.code, option.barcode) == ("EAR-02", "")
    assert SiteOptionLink.objects.filter(pk=link.pk).exists()


def test_stock_moving_while_the_form_is_open_does_not_make_it_stale(colleagues):
    """Receipts and shipments change the option rows' stock, which the form neither shows nor writes."""
    seller, demo, _ = colleagues
    sku = make_single(seller=seller, code="EAR-01", name="무선 이어폰")
    url = reverse("inventory:sku-update", args=[sku.pk])
    mine = drawn(demo, url)
    stock_receive(seller=seller, option=sku.options.get(), quantity=5)
    mine["name"] = "무선 이어폰 2"
    assert demo.post(url, mine).status_code == 302
    sku.refresh_from_db()
    assert sku.name == "무선 이어폰 2"


def test_an_excel_upload_meanwhile_makes_the_open_form_stale_and_names_the_uploader(colleagues):
    seller, demo, staff2 = colleagues
    sku = make_multi(seller=seller, name="반팔 티셔츠", code="TS", options=[("TS-BLK", "블랙"), ("TS-WHT", "화이트")])
    url = reverse("inventory:sku-update", args=[sku.pk])
    mine = drawn(demo, url)
    # Only an option row changes (its barcode): the SKU row itself is not written by the upload.
    outcome = sku_rows_import(seller=seller, actor=User.objects.get(username="staff2"), rows=[
        ImportRow(2, "TS-BLK", "반팔 티셔츠", "블랙", "TS", "8809999999999", "")])
    assert not outcome.errors and outcome.options_updated == 1

    mine["options-1-option_values"] = "화이트 / L"
    refused = demo.post(url, mine)
    assert refused.status_code == 409 and "staff2 changed SKU 반팔 티셔츠 at" in html.unescape(refused.content.decode())
    assert OptionSku.objects.get(code="TS-BLK").barcode == "8809999999999"
    assert OptionSku.objects.get(code="TS-WHT").option_values == "화이트"


def test_a_form_posted_without_a_version_still_saves(colleagues):
    """A page opened before the version field existed (or a script posting the form) saves as before."""
    seller, demo, _ = colleagues
    sku = make_single(seller=seller, code="EAR-01", name="무선 이어폰")
    url = reverse("inventory:sku-update", args=[sku.pk])
    mine = drawn(demo, url)
    assert mine.pop("version")
    mine["name"] = "무선 이어폰 2"
    assert demo.post(url, mine).status_code == 302
    assert Sku.objects.get(pk=sku.pk).name == "무선 이어폰 2"
