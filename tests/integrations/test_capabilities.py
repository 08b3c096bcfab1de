"""Sales Site API pages and services show and store only what a site supports (its capabilities in the registry),
with OtherSite (tests/othersite: Automatic Order Integration only) beside LotteON (everything)."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from integrations import registry
from integrations.base import Capability
from integrations.forms import AccountForm
from integrations.models import SalesSiteAccount, SyncRun
from integrations.services import OPTION_FIELDS, account_create, account_update
from tests.factories import make_account, make_seller_user

pytestmark = pytest.mark.django_db
OPTION_LABELS = {
    "auto_order_integration": "Automatic Order Integration",
    "auto_order_confirmation": "Automatic Order Confirmation",
    "auto_fulfillment": "Automatic Fulfillment Shipping Instructions",
    "auto_stock_sync": "Automatic Stock Qty Sync",
}
ALL_ON = {name: "on" for name in OPTION_FIELDS}


@pytest.fixture
def seller_user():
    return make_seller_user()


@pytest.fixture
def seller(seller_user):
    return seller_user[0]


@pytest.fixture
def signed_in(client, seller_user):
    client.force_login(seller_user[1])
    return client


def other_account(seller, other_site, **options) -> SalesSiteAccount:
    account = SalesSiteAccount(seller=seller, site="othersite", shop_id="os-shop", account_number="OS12345", **options)
    account.set_api_key(other_site.GOOD_KEY)
    account.save()
    return account


def option_inputs(html: str) -> list[str]:
    return re.findall(r'name="(auto_[a-z_]+)"', html)


def option_states(html: str) -> list[tuple[str, str]]:
    """(On or Off, the option's name) as the options list of an account shows them, in words."""
    items = re.findall(r'<li class="option-state[^"]*">(.*?)</li>', html, re.S)
    texts = [" ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in items]
    return [tuple(re.fullmatch(r"[✓✕] (On|Off) (.+)", text).groups()) for text in texts]


def test_the_account_list_says_in_words_which_options_are_on(signed_in, seller):
    """Each option the guide names, with On or Off written out (an off option was pale struck-through text)."""
    make_account(seller=seller, auto_order_integration=True, auto_order_confirmation=False, auto_fulfillment=False,
                 auto_stock_sync=True)
    html = signed_in.get(reverse("integrations:account-list")).content.decode()
    assert option_states(html) == [("On", "Automatic Order Integration"), ("Off", "Automatic Order Confirmation"),
                                   ("Off", "Automatic Fulfillment Shipping Instructions"),
                                   ("On", "Automatic Stock Qty Sync")]


def test_the_registration_form_of_a_site_offers_only_its_options(signed_in, other_site):
    html = signed_in.get(reverse("integrations:account-create", args=["othersite"])).content.decode()
    assert option_inputs(html) == ["auto_order_integration"]
    assert OPTION_LABELS["auto_order_integration"] in html
    for name in ("auto_order_confirmation", "auto_fulfillment", "auto_stock_sync"):
        assert OPTION_LABELS[name] not in html
    assert "LotteON store-center" not in html


def test_lotteon_keeps_all_four_options_and_its_defaults(signed_in):
    html = signed_in.get(reverse("integrations:account-create", args=["lotteon"])).content.decode()
    assert option_inputs(html) == list(OPTION_FIELDS)
    assert "Your LotteON store-center seller ID." in html
    form = AccountForm(seller=None, site=registry.get("lotteon"))
    assert [field.name for field in form.option_fields()] == list(OPTION_FIELDS)
    assert form["auto_order_confirmation"].initial is True and form["auto_order_integration"].initial is True


def test_saving_the_form_stores_unsupported_options_off(signed_in, seller, other_site):
    form = {"shop_id": "os-shop", "api_key": other_site.GOOD_KEY, "account_number": "OS12345", **ALL_ON}
    response = signed_in.post(reverse("integrations:account-create", args=["othersite"]), form)
    assert response.status_code == 302
    account = SalesSiteAccount.objects.get(site="othersite")
    assert (account.auto_order_integration, account.auto_order_confirmation, account.auto_fulfillment,
            account.auto_stock_sync) == (True, False, False, False)

    signed_in.post(reverse("integrations:account-update", args=[account.pk]), {**form, "api_key": ""})
    account.refresh_from_db()
    assert (account.auto_order_integration, account.auto_order_confirmation) == (True, False)
    signed_in.post(reverse("integrations:account-update", args=[account.pk]),
                   {**form, "api_key": "", "auto_order_integration": ""})
    account.refresh_from_db()
    assert account.auto_order_integration is False


def test_the_services_never_store_an_option_the_site_lacks(seller, other_site):
    account = account_create(seller=seller, site="othersite", shop_id="os-shop", api_key=other_site.GOOD_KEY,
                             account_number="OS12345", auto_order_confirmation=True, auto_fulfillment=True,
                             auto_stock_sync=True)
    assert (account.auto_order_integration, account.auto_order_confirmation, account.auto_fulfillment,
            account.auto_stock_sync) == (True, False, False, False)
    account_update(account=account, shop_id="os-shop", account_number="OS12345", auto_order_confirmation=True)
    account.refresh_from_db()
    assert account.auto_order_confirmation is False

    # One stored on before the rule: the next edit turns it off.
    SalesSiteAccount.objects.filter(pk=account.pk).update(auto_order_confirmation=True, auto_stock_sync=True)
    account.refresh_from_db()
    account_update(account=account, shop_id="os-shop-2", account_number="OS12345")
    account.refresh_from_db()
    assert (account.shop_id, account.auto_order_confirmation, account.auto_stock_sync) == ("os-shop-2", False, False)

    lotteon = account_create(seller=seller, site="lotteon", shop_id="shop", api_key="LOTTEON-KEY-abcdef123456",
                             account_number="LO10000001", auto_fulfillment=True, auto_stock_sync=True)
    assert (lotteon.auto_order_integration, lotteon.auto_order_confirmation, lotteon.auto_fulfillment,
            lotteon.auto_stock_sync) == (True, True, True, True)


def test_the_api_stores_unsupported_options_off(seller_user, other_site):
    api = APIClient()
    api.force_authenticate(seller_user[1])
    response = api.post("/api/v1/sales-site-accounts/", {
        "site": "othersite", "shop_id": "os-shop", "api_key": other_site.GOOD_KEY, "account_number": "OS12345",
        "auto_order_confirmation": True, "auto_stock_sync": True}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["auto_order_integration"], body["auto_order_confirmation"], body["auto_stock_sync"]) == (
        True, False, False)


def test_the_account_list_and_detail_show_only_supported_options(signed_in, seller, other_site):
    other = other_account(seller, other_site, auto_order_confirmation=True, auto_stock_sync=True)
    make_account(seller=seller)
    html = signed_in.get(reverse("integrations:account-list")).content.decode()
    rows = {int(pk): row for pk, row in re.findall(r'data-account="(\d+)">(.*?)</tr>', html, re.S)}
    assert [name for _, name in option_states(rows[other.pk])] == ["Automatic Order Integration"]
    lotteon_row = next(row for pk, row in rows.items() if pk != other.pk)
    assert [name for _, name in option_states(lotteon_row)] == list(OPTION_LABELS.values())

    detail = signed_in.get(reverse("integrations:account-detail", args=[other.pk])).content.decode()
    assert "Order Integration" in detail
    assert "Order Confirmation" not in detail and "Stock Sync" not in detail


def test_the_shop_id_help_comes_from_the_site(other_site):
    assert AccountForm(seller=None, site=registry.get("othersite"))["shop_id"].help_text == ""
    assert AccountForm(seller=None, site=registry.get("lotteon"))["shop_id"].help_text == (
        "Your LotteON store-center seller ID.")
    site = replace(other_site.OTHERSITE, shop_id_help="Your OtherSite shop handle, e.g. my-shop.")
    assert AccountForm(seller=None, site=site)["shop_id"].help_text == "Your OtherSite shop handle, e.g. my-shop."


def test_the_site_pick_lists_capabilities_in_declaration_order(signed_in, other_site):
    assert registry.get("lotteon").capabilities_in_order == list(Capability)
    assert other_site.OTHERSITE.capabilities_in_order == [Capability.ORDER_INTEGRATION]
    html = signed_in.get(reverse("integrations:site-pick")).content.decode()
    cards = dict(re.findall(r'<a [^>]*aria-label="([^"]+)">(.*?)</a>', html, re.S))
    assert re.findall(r"<li>✓ ([^<]+)</li>", cards["LotteON"]) == [c.label for c in Capability]
    assert re.findall(r"<li>✓ ([^<]+)</li>", cards["OtherSite"]) == ["Automatic Order Integration"]


def test_the_sync_progress_reads_days_only_for_a_site_that_pulls_by_day(signed_in, seller, other_site):
    other = other_account(seller, other_site)
    lotteon = make_account(seller=seller)
    for account, text in ((other, "Reading part 0 of 1"), (lotteon, "Reading day 2 of 6")):
        done, total = (0, 1) if account is other else (2, 6)
        run = SyncRun.objects.create(seller=seller, account=account, status=SyncRun.Status.RUNNING,
                                     windows_done=done, windows_total=total)
        html = signed_in.get(reverse("integrations:sync-progress", args=[run.pk])).content.decode()
        assert text in html
