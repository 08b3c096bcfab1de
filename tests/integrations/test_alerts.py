"""Connection alerts by e-mail: a failed connection and an API key near its end reach the seller's Alert e-mails once
each, not the addresses of another seller, and a mail server that is away loses nothing."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from integrations.alerts import account_alerts_send
from integrations.models import AccountAlert, SalesSiteAccount, SyncRun
from integrations.tasks import send_account_alerts
from sellers.models import Seller
from tests.factories import make_account, make_seller_user

pytestmark = pytest.mark.django_db

REFUSED = "The sales site rejected the API key: it is invalid or has expired. Issue a new key and save it."


def seller_with_alerts(addresses: str = "owner@shop.example\nops@shop.example", **account) -> SalesSiteAccount:
    seller, _ = make_seller_user()
    Seller.objects.filter(pk=seller.pk).update(alert_emails=addresses)
    return make_account(seller=seller, shop_id="shop-a", **account)


def failed(account: SalesSiteAccount) -> None:
    SalesSiteAccount.objects.filter(pk=account.pk).update(
        connection_status=SalesSiteAccount.ConnectionStatus.FAILED, connection_message=REFUSED,
        connection_checked_at=timezone.now())


def test_a_failed_connection_is_told_once_a_day_to_the_sellers_addresses():
    account = seller_with_alerts()
    failed(account)
    today = timezone.localdate()
    assert account_alerts_send(today=today) == 1
    [message] = mail.outbox
    assert message.to == ["owner@shop.example", "ops@shop.example"]
    assert message.subject == "[SmartShip] LotteON account shop-a (Account Number LO10000001): the connection to " \
                              "LotteON failed"
    assert REFUSED in message.body and "Correct it in Edit, then press Test Connection." in message.body
    assert f"{settings.SMARTSHIP_PUBLIC_URL}/sales-sites/{account.pk}/" in message.body

    page = Client()
    page.force_login(account.seller.memberships.get().user)
    history = html.unescape(page.get(reverse("integrations:account-detail", args=[account.pk])).content.decode())
    assert ("Alert e-mailed" in history and f"{message.subject} (to owner@shop.example, ops@shop.example)" in history)

    assert account_alerts_send(today=today) == 0, "the same trouble the same day: no second mail"
    assert account_alerts_send(today=today + timedelta(days=1)) == 1, "still failed the next day: told again"
    assert len(mail.outbox) == 2

    SalesSiteAccount.objects.filter(pk=account.pk).update(connection_status=SalesSiteAccount.ConnectionStatus.OK)
    assert account_alerts_send(today=today + timedelta(days=2)) == 0


def test_no_addresses_or_an_inactive_account_send_nothing():
    quiet = seller_with_alerts(addresses="")
    resting = seller_with_alerts(account_number="LO10000002", is_active=False)
    failed(quiet)
    failed(resting)
    assert account_alerts_send() == 0
    assert mail.outbox == [] and not AccountAlert.objects.exists()


def test_each_seller_is_told_about_its_own_accounts_only():
    mine = seller_with_alerts(addresses="me@shop.example")
    theirs = seller_with_alerts(addresses="them@other.example", account_number="LO10000002")
    failed(theirs)
    assert account_alerts_send() == 1
    [message] = mail.outbox
    assert message.to == ["them@other.example"] and "LO10000002" in message.body and "LO10000001" not in message.body
    assert AccountAlert.objects.get().seller_id == theirs.seller_id != mine.seller_id


def test_a_key_is_reminded_30_7_and_1_days_before_and_once_it_has_passed():
    account = seller_with_alerts()
    on = timezone.localdate() + timedelta(days=40)
    SalesSiteAccount.objects.filter(pk=account.pk).update(api_key_expires_on=on)
    sent = {}
    for days_before in range(40, -3, -1):
        if account_alerts_send(today=on - timedelta(days=days_before)):
            sent[days_before] = mail.outbox[-1].subject
    assert list(sent) == [30, 7, 1, -1]
    assert sent[30].endswith("the API Key expires in 30 days")
    assert sent[1].endswith("the API Key expires in 1 day")
    AccountAlert.objects.all().delete()
    assert account_alerts_send(today=on) == 1
    assert mail.outbox[-1].subject.endswith("the API Key expires today"), "a reminder first sent on the day"
    assert sent[-1].endswith("the API Key's date has passed")
    assert f"expires on {on:%Y-%m-%d}." in mail.outbox[0].body
    assert "Issued in the LotteON store center" in mail.outbox[0].body


def test_a_new_key_starts_its_reminders_afresh():
    account = seller_with_alerts()
    SalesSiteAccount.objects.filter(pk=account.pk).update(api_key_saved_at=timezone.now() - timedelta(days=340))
    assert account_alerts_send() == 1
    assert "(estimated: 365 days after it was saved in SmartShip)" in mail.outbox[0].body
    account.refresh_from_db()
    account.set_api_key("A-NEW-LOTTEON-KEY-2027")
    account.save()
    assert account_alerts_send() == 0
    assert account_alerts_send(today=timezone.localdate() + timedelta(days=340)) == 1


def test_a_mail_server_that_is_away_loses_nothing(settings):
    account = seller_with_alerts()
    failed(account)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens there
    assert account_alerts_send() == 0
    assert AccountAlert.objects.get().sent_at is None
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert account_alerts_send() == 1
    assert len(mail.outbox) == 1 and AccountAlert.objects.get().sent_at is not None


def test_beat_runs_the_alerts_every_quarter_hour():
    entry = settings.CELERY_BEAT_SCHEDULE["account-alerts"]
    assert entry["task"] == send_account_alerts.name == "integrations.tasks.send_account_alerts"
    assert entry["schedule"] == 900.0


def test_the_sales_site_api_page_sets_the_addresses_and_refuses_a_wrong_one():
    seller, user = make_seller_user()
    browser = Client()
    browser.force_login(user)
    url = reverse("integrations:account-list")
    response = browser.post(url, {"alert_emails": "owner@shop.example\nnot-an-address, ops@shop.example"})
    assert response.status_code == 200
    assert "Not an e-mail address: not-an-address. Nothing was saved." in html.unescape(response.content.decode())
    assert Seller.objects.get(pk=seller.pk).alert_emails == ""

    response = browser.post(url, {"alert_emails": " owner@shop.example, ops@shop.example\nowner@shop.example "})
    assert response.status_code == 302
    assert Seller.objects.get(pk=seller.pk).alert_emails == "owner@shop.example\nops@shop.example"
    page = html.unescape(browser.get(url).content.decode())
    assert "Alerts go to 2 addresses." in page and "\nowner@shop.example\nops@shop.example</textarea>" in page

    too_many = "\n".join(f"p{n}@shop.example" for n in range(11))
    assert "At most 10 addresses" in html.unescape(browser.post(url, {"alert_emails": too_many}).content.decode())
    assert browser.post(url, {"alert_emails": ""}).status_code == 302
    assert Seller.objects.get(pk=seller.pk).alert_emails == ""


def test_the_api_reads_and_sets_the_addresses_of_its_own_seller():
    seller, user = make_seller_user()
    other, _ = make_seller_user()
    Seller.objects.filter(pk=other.pk).update(alert_emails="them@other.example")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    assert api.get("/api/v1/seller/").json() == {"id": seller.pk, "name": seller.name, "alert_emails": []}

    refused = api.patch("/api/v1/seller/", {"alert_emails": ["owner@shop.example", "nope"]}, format="json")
    assert refused.status_code == 400 and "1" in refused.json()["extra"]["fields"]["alert_emails"]
    assert Seller.objects.get(pk=seller.pk).alert_emails == ""

    read = api.get("/api/v1/seller/").json()
    response = api.patch("/api/v1/seller/", {**read, "alert_emails": ["owner@shop.example", "ops@shop.example"]},
                         format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["alert_emails"] == ["owner@shop.example", "ops@shop.example"]
    assert Seller.objects.get(pk=other.pk).alert_emails == "them@other.example"


def test_order_syncs_not_working_for_two_hours_are_told_once_per_stall():
    account = seller_with_alerts()
    now = timezone.now()
    SalesSiteAccount.objects.filter(pk=account.pk).update(
        last_synced_at=now - timedelta(minutes=100), connection_status=SalesSiteAccount.ConnectionStatus.NO_ANSWER)
    SyncRun.objects.create(seller=account.seller, account=account, status=SyncRun.Status.FAILED,
                           error_message="LotteON did not answer in time: nothing was lost, the next sync resumes.")
    assert account_alerts_send(now=now) == 0, "100 minutes: not yet"
    assert account_alerts_send(now=now + timedelta(minutes=25)) == 1
    [message] = mail.outbox
    assert message.subject.endswith("no order sync has worked for 2 hours")
    assert f"since {timezone.localtime(now - timedelta(minutes=100)):%Y-%m-%d %H:%M} KST" in message.body
    assert "The last sync said: LotteON did not answer in time" in message.body
    assert account_alerts_send(now=now + timedelta(hours=5)) == 0, "the same stall: told once"

    SalesSiteAccount.objects.filter(pk=account.pk).update(last_synced_at=now + timedelta(hours=6))
    assert account_alerts_send(now=now + timedelta(hours=7)) == 0, "syncs work again"
    assert account_alerts_send(now=now + timedelta(hours=9)) == 1, "a new stall is told again"


def test_an_account_never_synced_or_not_pulling_orders():
    seller_with_alerts()
    resting = seller_with_alerts(account_number="LO10000002", auto_order_integration=False)
    later = timezone.now() + timedelta(hours=3)
    assert account_alerts_send(now=later) == 1
    [message] = mail.outbox
    assert "LO10000001" in message.subject and "since it was registered" in message.body
    assert not AccountAlert.objects.filter(account=resting).exists()


def test_the_pages_say_so_too_and_stop_once_a_sync_works():
    account = seller_with_alerts()
    SalesSiteAccount.objects.filter(pk=account.pk).update(last_synced_at=timezone.now() - timedelta(hours=3))
    browser = Client()
    browser.force_login(account.seller.memberships.get().user)
    pages = ("/", reverse("integrations:account-list"), reverse("integrations:account-detail", args=[account.pk]))
    for url in pages:
        assert "No order sync has worked for 3 hours" in browser.get(url).content.decode(), url
    SalesSiteAccount.objects.filter(pk=account.pk).update(last_synced_at=timezone.now())
    for url in pages:
        assert "No order sync has worked" not in browser.get(url).content.decode(), url


def test_a_test_e_mail_goes_to_the_saved_addresses_or_says_why_not(settings):
    seller, user = make_seller_user(name="롯데 상점")
    browser = Client()
    browser.force_login(user)
    test_url = reverse("integrations:alert-test")
    page = html.unescape(browser.post(test_url, follow=True).content.decode())
    assert "Save at least one address under Alert e-mails first." in page and mail.outbox == []
    assert "Send a test e-mail" not in page, "the button comes with saved addresses"

    Seller.objects.filter(pk=seller.pk).update(alert_emails="owner@shop.example\nops@shop.example")
    assert "Send a test e-mail" in browser.get(reverse("integrations:account-list")).content.decode()
    page = html.unescape(browser.post(test_url, follow=True).content.decode())
    assert "Test e-mail sent to owner@shop.example, ops@shop.example." in page
    [message] = mail.outbox
    assert message.subject == "[SmartShip] Test alert for 롯데 상점"
    assert message.to == ["owner@shop.example", "ops@shop.example"]

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens there
    page = html.unescape(browser.post(test_url, follow=True).content.decode())
    assert "The mail server did not take the test e-mail (ConnectionRefusedError" in page
    assert "check its e-mail settings (EMAIL_URL)" in page
