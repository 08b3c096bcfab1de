"""Two people of one seller on the same sales-site account: a save from an Edit page drawn before the other's save
is refused and changes nothing, instead of putting the other's Shop ID, Account Number or options back (a lost
update)."""

from __future__ import annotations

import html

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from integrations.models import AccountEvent, SalesSiteAccount
from integrations.services import account_update
from sellers.models import User
from tests.factories import make_account, make_colleagues, make_seller_user
from tests.forms import posted_fields

pytestmark = pytest.mark.django_db

KEY = "demo-lotteon-api-key"


@pytest.fixture
def colleagues():
    """The owner ("demo") and a staff member ("staff2") of one seller, each signed in in their own browser, and an
    account with Automatic Stock Qty Sync on."""
    seller, *browsers = make_colleagues()
    account = make_account(seller=seller, shop_id="shop-a", api_key=KEY, auto_stock_sync=True)
    return account, *browsers


def drawn(browser: Client, url: str) -> dict[str, str]:
    """The Edit page's fields as the browser would post them back unchanged."""
    page = browser.get(url).content.decode()
    form = page[page.index('id="account-form"'):page.index("</form>", page.index('id="account-form"'))]
    return posted_fields(form)


def test_a_stale_form_is_refused_naming_who_changed_it_and_the_option_stays_off(colleagues):
    account, demo, staff2 = colleagues
    url = reverse("integrations:account-update", args=[account.pk])
    mine, theirs = drawn(demo, url), drawn(staff2, url)
    assert theirs["auto_stock_sync"] == "on"

    del mine["auto_stock_sync"]  # demo turns Automatic Stock Qty Sync off
    assert demo.post(url, mine).status_code == 302
    assert SalesSiteAccount.objects.get(pk=account.pk).auto_stock_sync is False

    theirs["shop_id"] = "shop-renamed"
    theirs["api_key"] = "A-NEW-KEY-9999-typed"
    refused = staff2.post(url, theirs)
    assert refused.status_code == 409
    page = html.unescape(refused.content.decode())
    when = timezone.localtime(AccountEvent.objects.filter(account=account, kind="updated").get().created_at)
    assert (f"demo changed account shop-a at {when:%H:%M}, since you opened this page. Your changes were not saved: "
            "reload the page to see the current values" in page)
    assert 'value="shop-renamed"' in page, "what staff2 typed is still on the page"
    assert "A-NEW-KEY-9999-typed" not in page, "the API Key is never drawn back"
    account.refresh_from_db()
    assert (account.shop_id, account.auto_stock_sync, account.get_api_key()) == ("shop-a", False, KEY)
    assert not AccountEvent.objects.filter(account=account, actor__username="staff2").exists()

    # Pressing Save again on the same page is refused again: only a page drawn from the current values saves.
    assert staff2.post(url, theirs).status_code == 409
    fresh = drawn(staff2, url)
    assert "auto_stock_sync" not in fresh
    fresh["shop_id"] = "shop-renamed"
    assert staff2.post(url, fresh).status_code == 302
    account.refresh_from_db()
    assert (account.shop_id, account.auto_stock_sync) == ("shop-renamed", False)


def test_a_key_replaced_meanwhile_makes_the_open_form_stale(colleagues):
    account, demo, staff2 = colleagues
    url = reverse("integrations:account-update", args=[account.pk])
    mine, theirs = drawn(demo, url), drawn(staff2, url)
    mine["api_key"] = "REPLACED-KEY-12345678"
    assert demo.post(url, mine).status_code == 302
    theirs["account_number"] = "LO10000002"
    assert staff2.post(url, theirs).status_code == 409
    account.refresh_from_db()
    assert (account.account_number, account.get_api_key()) == ("LO10000001", "REPLACED-KEY-12345678")


def test_a_fresh_form_saves_and_a_test_connection_meanwhile_does_not_make_it_stale(colleagues):
    account, demo, _ = colleagues
    url = reverse("integrations:account-update", args=[account.pk])
    mine = drawn(demo, url)
    assert mine.get("version"), "the page carries the version it was drawn from"
    SalesSiteAccount.objects.filter(pk=account.pk).update(
        connection_status=SalesSiteAccount.ConnectionStatus.OK, connection_checked_at=timezone.now())
    del mine["auto_stock_sync"]
    assert demo.post(url, mine).status_code == 302
    assert SalesSiteAccount.objects.get(pk=account.pk).auto_stock_sync is False


def test_a_form_posted_without_a_version_still_saves(colleagues):
    """A page opened before the version field existed saves as before."""
    account, demo, staff2 = colleagues
    url = reverse("integrations:account-update", args=[account.pk])
    theirs = drawn(staff2, url)
    assert theirs.pop("version")
    account_update(account=account, shop_id="shop-a", account_number="LO10000001",
                   actor=User.objects.get(username="demo"), auto_stock_sync=False)
    theirs["shop_id"] = "shop-renamed"
    assert staff2.post(url, theirs).status_code == 302
    assert SalesSiteAccount.objects.get(pk=account.pk).shop_id == "shop-renamed"


def test_another_sellers_account_is_still_404(colleagues):
    account, demo, _ = colleagues
    other_seller, _ = make_seller_user()
    other = make_account(seller=other_seller, shop_id="theirs", account_number="LO20000002")
    url = reverse("integrations:account-update", args=[other.pk])
    assert demo.get(url).status_code == 404
    data = drawn(demo, reverse("integrations:account-update", args=[account.pk]))
    data["shop_id"] = "mine"
    assert demo.post(url, data).status_code == 404
    assert SalesSiteAccount.objects.get(pk=other.pk).shop_id == "theirs"
