"""LotteON API keys last a year (API.md §2) and an expired key stops everything: the seller enters the date the site
shows, or SmartShip counts a year from when the key was saved here, and every page that shows the account reminds
the seller 30 days before."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from integrations.models import SalesSiteAccount
from integrations.services import account_key_expiry, account_update
from tests.factories import make_account, make_seller_user
from tests.forms import posted_fields

pytestmark = pytest.mark.django_db

KEY = "demo-lotteon-api-key"


@pytest.fixture
def seller_browser():
    seller, user = make_seller_user()
    browser = Client()
    browser.force_login(user)
    return seller, browser


def today():
    return timezone.localdate()


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return " ".join(html.unescape(strip_tags(response.content.decode())).split())


def saved_days_ago(account: SalesSiteAccount, days: int) -> SalesSiteAccount:
    SalesSiteAccount.objects.filter(pk=account.pk).update(api_key_saved_at=timezone.now() - timedelta(days=days))
    account.refresh_from_db()
    return account


def test_a_key_saved_now_is_counted_a_year_and_not_yet_due():
    seller, _ = make_seller_user()
    expiry = account_key_expiry(make_account(seller=seller))
    assert (expiry.on, expiry.estimated, expiry.days_left, expiry.due) == (today() + timedelta(days=365), True, 365,
                                                                           False)


def test_a_date_entered_wins_over_the_estimate():
    seller, _ = make_seller_user()
    account = saved_days_ago(make_account(seller=seller, api_key_expires_on=today() + timedelta(days=12)), 3)
    expiry = account_key_expiry(account)
    assert (expiry.on, expiry.estimated, expiry.days_left, expiry.due) == (today() + timedelta(days=12), False, 12, True)


def test_every_page_showing_the_account_reminds_30_days_before(seller_browser):
    seller, browser = seller_browser
    account = saved_days_ago(make_account(seller=seller, shop_id="shop-a"), 340)
    due = today() + timedelta(days=25)
    for url in ("/", reverse("integrations:account-list"), reverse("integrations:account-detail", args=[account.pk])):
        page = text(browser.get(url))
        assert (f"The API Key of shop-a expires on {due:%Y-%m-%d} (estimated: 365 days after it was saved here), in "
                "25 days." in page), url
        assert "Issue a new key and paste it in Edit shop-a with the date LotteON shows for it." in page
    assert f"Key expires on {due:%Y-%m-%d} (in 25 days) (estimated)" in text(browser.get(
        reverse("integrations:account-list")))


def test_no_reminder_before_it_is_due_nor_for_an_inactive_account_on_the_dashboard(seller_browser):
    seller, browser = seller_browser
    fresh = saved_days_ago(make_account(seller=seller, shop_id="shop-a"), 300)
    resting = saved_days_ago(make_account(seller=seller, shop_id="shop-b", account_number="LO10000002",
                                          is_active=False), 400)
    page = text(browser.get("/"))
    assert "The API Key of" not in page
    assert "Key expires on" not in page, "the lists name the date once it is due only"
    assert f"Key a year old on {timezone.localdate(resting.api_key_saved_at) + timedelta(days=365):%Y-%m-%d}" in page
    page = text(browser.get(reverse("integrations:account-detail", args=[fresh.pk])))
    assert f"Key expires on {timezone.localdate(fresh.api_key_saved_at) + timedelta(days=365):%Y-%m-%d}" in page


def test_a_key_past_its_year_may_stop_any_day(seller_browser):
    seller, browser = seller_browser
    account = saved_days_ago(make_account(seller=seller, shop_id="shop-a"), 370)
    page = text(browser.get(reverse("integrations:account-detail", args=[account.pk])))
    assert ("The API Key of shop-a was saved here over 365 days ago, a LotteON key's lifetime: it may stop working "
            "any day." in page)


def test_register_with_the_date_the_site_shows(seller_browser):
    seller, browser = seller_browser
    on = today() + timedelta(days=200)
    response = browser.post(reverse("integrations:account-create", args=["lotteon"]), {
        "shop_id": "shop-a", "api_key": KEY, "account_number": "LO10000001", "api_key_expires_on": on.isoformat()})
    assert response.status_code == 302
    account = SalesSiteAccount.objects.get(seller=seller)
    assert account.api_key_expires_on == on
    page = text(browser.get(reverse("integrations:account-detail", args=[account.pk])))
    assert f"Key expires on {on:%Y-%m-%d}" in page and "(estimated)" not in page


@pytest.mark.parametrize(("days", "message"), [
    (-1, "has passed, and a key past its date no longer works"),
    (366, "LotteON keys last 365 days, so a key issued today expires on"),
])
def test_a_date_no_key_can_have_is_refused_and_nothing_is_saved(seller_browser, days, message):
    seller, browser = seller_browser
    on = today() + timedelta(days=days)
    response = browser.post(reverse("integrations:account-create", args=["lotteon"]), {
        "shop_id": "shop-a", "api_key": KEY, "account_number": "LO10000001", "api_key_expires_on": on.isoformat()})
    assert response.status_code == 200
    assert message in html.unescape(response.content.decode())
    assert not SalesSiteAccount.objects.exists()


def test_a_new_key_drops_the_old_keys_date_and_counts_from_its_save(seller_browser):
    seller, browser = seller_browser
    account = saved_days_ago(make_account(seller=seller, api_key_expires_on=today() + timedelta(days=5)), 360)
    url = reverse("integrations:account-update", args=[account.pk])
    page = browser.get(url).content.decode()
    fields = posted_fields(page[page.index('id="account-form"'):page.index("</form>", page.index('id="account-form"'))])
    assert fields["api_key_expires_on"] == account.api_key_expires_on.isoformat()
    fields["api_key"] = "A-NEW-LOTTEON-KEY-2027"
    assert browser.post(url, fields).status_code == 302
    account.refresh_from_db()
    assert account.api_key_expires_on is None
    assert account_key_expiry(account).on == today() + timedelta(days=365)


def test_an_edit_sending_back_a_passed_date_saves_other_changes():
    """The date is checked when it changes: a key whose date has passed (and still works) does not block an edit."""
    seller, _ = make_seller_user()
    account = make_account(seller=seller, shop_id="shop-a")
    SalesSiteAccount.objects.filter(pk=account.pk).update(api_key_expires_on=today() - timedelta(days=2))
    account.refresh_from_db()
    account_update(account=account, shop_id="shop-renamed", account_number=account.account_number,
                   api_key_expires_on=account.api_key_expires_on)
    account.refresh_from_db()
    assert (account.shop_id, account.api_key_expires_on) == ("shop-renamed", today() - timedelta(days=2))


def test_the_api_reads_and_writes_the_date():
    seller, user = make_seller_user()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    on = today() + timedelta(days=20)
    created = api.post("/api/v1/sales-site-accounts/", {
        "site": "lotteon", "shop_id": "shop-a", "api_key": KEY, "account_number": "LO10000001",
        "api_key_expires_on": on.isoformat()}, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["api_key_expiry"] == {"on": on.isoformat(), "estimated": False, "days_left": 20, "due": True}
    url = f"/api/v1/sales-site-accounts/{created.json()['id']}/"

    refused = api.patch(url, {"api_key_expires_on": (today() - timedelta(days=1)).isoformat()}, format="json")
    assert refused.status_code == 400 and "api_key_expires_on" in refused.json()["extra"]["fields"]
    assert SalesSiteAccount.objects.get().api_key_expires_on == on

    read = api.get(url).json()
    assert api.patch(url, {**read, "shop_id": "shop-b"}, format="json").status_code == 200, "sent back as read"
    assert SalesSiteAccount.objects.get().api_key_expires_on == on

    replaced = api.patch(url, {"api_key": "A-NEW-LOTTEON-KEY-2027"}, format="json").json()
    assert replaced["api_key_expires_on"] is None
    assert replaced["api_key_expiry"]["estimated"] is True and replaced["api_key_expiry"]["days_left"] == 365
