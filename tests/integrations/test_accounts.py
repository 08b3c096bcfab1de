"""Sales Site API settings: registration, encrypted keys, Test Connection (LotteON answered by `responses`)."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
import requests
import responses
from cryptography.fernet import Fernet
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from core import crypto
from integrations.models import AccountEvent, ApiCallLog, SalesSiteAccount
from integrations.services import (
    account_create,
    account_fields_validate,
    account_set_active,
    account_test_connection,
    account_update,
    credentials_test,
)
from tests.factories import make_account, make_seller_user

BASE = "https://lotteon.test"
IDENTITY = f"{BASE}/v1/openapi/common/v1/identity"
KEY = "LOTTEON-KEY-abcdef123456"


@pytest.fixture(autouse=True)
def lotteon_base(settings):
    settings.LOTTEON_BASE_URL = BASE
    settings.SMARTSHIP_SERVER_IPS = ["211.115.121.4", "20.214.92.38"]


def identity_ok(tr_no="LO10000001", tr_nm="스마트십 데모상점"):
    responses.add(
        responses.GET,
        IDENTITY,
        json={
            "returnCode": "0000",
            "message": "성공",
            "dataCount": 1,
            "data": {"trGrpCd": "SR", "trDvsCd": "10", "trNo": tr_no, "trNm": tr_nm},
        },
    )


@pytest.fixture
def seller():
    return make_seller_user()[0]


def raw_column(account_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT api_key_encrypted FROM {SalesSiteAccount._meta.db_table} WHERE id = %s", [account_id]
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db
class TestRegistration:
    def test_key_is_encrypted_at_rest_and_trimmed(self, seller):
        account = account_create(
            seller=seller,
            site="lotteon",
            shop_id=" myshop ",
            api_key=f"  {KEY}\n",
            account_number="lo10000001",
        )
        stored = raw_column(account.pk)
        assert KEY not in stored and KEY[-8:] not in stored
        account.refresh_from_db()
        assert account.get_api_key() == KEY
        assert account.shop_id == "myshop" and account.account_number == "LO10000001"
        assert account.masked_api_key.endswith("3456") and KEY[:-4] not in account.masked_api_key
        assert AccountEvent.objects.filter(account=account, kind="created").count() == 1

    def test_old_keys_still_decrypt_after_rotation(self, seller, settings):
        old = settings.SMARTSHIP_ENCRYPTION_KEYS[0]
        account = account_create(
            seller=seller, site="lotteon", shop_id="s", api_key=KEY, account_number="LO10000001"
        )
        new = Fernet.generate_key().decode()
        settings.SMARTSHIP_ENCRYPTION_KEYS = [new, old]
        account.refresh_from_db()
        assert account.get_api_key() == KEY
        rotated = crypto.rotate(account.api_key_encrypted)
        settings.SMARTSHIP_ENCRYPTION_KEYS = [new]
        assert crypto.decrypt(rotated) == KEY
        with pytest.raises(crypto.DecryptionError):
            crypto.decrypt(account.api_key_encrypted)

    @pytest.mark.parametrize(
        ("fields", "field", "message"),
        [
            ({"shop_id": "  "}, "shop_id", "Enter the Shop ID"),
            ({"api_key": "   "}, "api_key", "Enter the API Key"),
            ({"api_key": "short"}, "api_key", "too short"),
            ({"account_number": ""}, "account_number", "Enter the Account Number"),
            ({"account_number": "12345678"}, "account_number", "not a LotteON Account Number"),
            ({"account_number": "LX10000001"}, "account_number", "not a LotteON Account Number"),
        ],
    )
    def test_bad_input_is_explained_per_field_and_nothing_is_saved(self, seller, fields, field, message):
        values = {"shop_id": "shop", "api_key": KEY, "account_number": "LO10000001", **fields}
        with pytest.raises(ValidationError) as excinfo:
            account_create(seller=seller, site="lotteon", **values)
        assert message in " ".join(excinfo.value.message_dict[field])
        assert not SalesSiteAccount.objects.exists()

    def test_same_account_number_twice_for_one_seller(self, seller):
        make_account(seller=seller, account_number="LO10000001", shop_id="first")
        with pytest.raises(ValidationError, match="already registered this Account Number"):
            account_create(
                seller=seller, site="lotteon", shop_id="second", api_key=KEY, account_number="LO10000001"
            )
        assert SalesSiteAccount.objects.count() == 1

    def test_a_shop_id_names_one_account_of_the_seller(self, seller, client):
        make_account(seller=seller, account_number="LO10000001", shop_id="DemoShop")
        with pytest.raises(ValidationError, match="already have a LotteON account with Shop ID DemoShop"):
            account_create(seller=seller, site="lotteon", shop_id=" demoshop ", api_key=KEY,
                           account_number="LO20000002")
        assert SalesSiteAccount.objects.count() == 1
        second = account_create(seller=seller, site="lotteon", shop_id="other", api_key=KEY,
                                account_number="LO20000002")
        with pytest.raises(ValidationError, match="Shop ID DemoShop"):
            account_update(account=second, shop_id="DEMOSHOP", account_number="LO20000002")
        account_update(account=second, shop_id="other", account_number="LO20000002")  # its own Shop ID stays
        theirs, _ = make_seller_user()
        account_create(seller=theirs, site="lotteon", shop_id="demoshop", api_key=KEY, account_number="LO30000003")

        client.force_login(seller.memberships.first().user)
        response = client.post("/sales-sites/new/lotteon/", {"shop_id": "demoshop", "api_key": KEY,
                                                              "account_number": "LO40000004"})
        assert "You already have a LotteON account with Shop ID DemoShop" in response.content.decode()
        assert SalesSiteAccount.objects.filter(seller=seller).count() == 2

    def test_another_seller_cannot_register_the_same_account(self, seller):
        other = make_seller_user()[0]
        make_account(seller=other, account_number="LO10000001")
        with pytest.raises(ValidationError, match="by another seller"):
            account_create(
                seller=seller, site="lotteon", shop_id="mine", api_key=KEY, account_number="LO10000001"
            )
        assert SalesSiteAccount.objects.filter(seller=seller).count() == 0

    def test_empty_key_on_edit_keeps_the_stored_key(self, seller):
        account = make_account(seller=seller, api_key=KEY)
        account.connection_status = "ok"
        account.save()
        account_update(
            account=account, shop_id="renamed", account_number="LO10000001", api_key="", auto_stock_sync=True
        )
        account.refresh_from_db()
        assert account.get_api_key() == KEY and account.shop_id == "renamed" and account.auto_stock_sync
        assert account.connection_status == "ok"

    def test_new_key_replaces_and_resets_the_connection_status(self, seller):
        account = make_account(seller=seller, api_key=KEY)
        account.connection_status = "ok"
        account.save()
        account_update(
            account=account, shop_id=account.shop_id, account_number="LO10000001", api_key="NEW-KEY-99998888"
        )
        account.refresh_from_db()
        assert account.get_api_key() == "NEW-KEY-99998888"
        assert account.connection_status == "untested"
        assert list(account.events.values_list("kind", flat=True))[:1] == ["key_changed"]

    def test_a_new_key_forgets_when_the_old_one_was_tested(self, seller, client):
        account = make_account(seller=seller, api_key=KEY)
        tested = timezone.now() - timedelta(hours=1)
        SalesSiteAccount.objects.filter(pk=account.pk).update(connection_status="failed", connection_checked_at=tested)
        account.refresh_from_db()
        account_update(
            account=account, shop_id=account.shop_id, account_number="LO10000001", api_key="NEW-KEY-99998888"
        )
        account.refresh_from_db()
        assert (account.connection_status, account.connection_checked_at) == ("untested", None)
        client.force_login(seller.memberships.get().user)
        page = client.get("/sales-sites/").content.decode()
        assert timezone.localtime(tested).strftime("%Y-%m-%d %H:%M") not in page, "no test time beside Not tested"

    def test_deactivate_and_activate_write_events(self, seller):
        account = make_account(seller=seller)
        account_set_active(account=account, active=False)
        account_set_active(account=account, active=False)
        account_set_active(account=account, active=True)
        kinds = list(account.events.order_by("id").values_list("kind", flat=True))
        assert kinds == ["deactivated", "activated"]


@pytest.mark.django_db
class TestConnection:
    @responses.activate
    def test_success_shows_supplier_and_is_stored(self, seller):
        identity_ok()
        account = make_account(seller=seller, api_key=KEY)
        outcome = account_test_connection(account=account)
        assert (
            outcome.ok
            and outcome.supplier_number == "LO10000001"
            and outcome.supplier_name == "스마트십 데모상점"
        )
        account.refresh_from_db()
        assert account.connection_status == "ok" and account.supplier_name == "스마트십 데모상점"
        assert account.connection_checked_at is not None
        assert responses.calls[0].request.headers["Authorization"] == f"Bearer {KEY}"
        call = ApiCallLog.objects.get(account=account)
        assert (call.api_no, call.http_status, call.return_code, call.error) == ("207", 200, "0000", "")

    @pytest.mark.parametrize(
        ("status", "code", "words"),
        [(401, "unauthorized", "invalid or has expired"), (403, "forbidden", "211.115.121.4;20.214.92.38")],
    )
    @responses.activate
    def test_refusals_say_what_to_fix(self, seller, status, code, words):
        responses.add(
            responses.GET, IDENTITY, status=status, json={"returnCode": str(status), "message": "denied"}
        )
        account = make_account(seller=seller, api_key=KEY)
        outcome = account_test_connection(account=account)
        assert not outcome.ok and outcome.code == code
        assert words in outcome.message
        account.refresh_from_db()
        assert account.connection_status == "failed" and words in account.connection_message

    @responses.activate
    def test_account_number_must_match_the_key(self, seller):
        identity_ok(tr_no="LO99999999")
        outcome = account_test_connection(account=make_account(seller=seller, account_number="LO10000001"))
        assert not outcome.ok and outcome.code == "account_mismatch"
        assert "LO99999999" in outcome.message and "LO10000001" in outcome.message

    @responses.activate
    def test_unreachable_and_timeout(self, seller):
        responses.add(responses.GET, IDENTITY, body=requests.ConnectionError("refused"))
        outcome = account_test_connection(account=make_account(seller=seller))
        assert not outcome.ok and outcome.code == "host_unreachable"
        responses.replace(responses.GET, IDENTITY, body=requests.ReadTimeout("slow"))
        outcome = account_test_connection(account=SalesSiteAccount.objects.get())
        assert not outcome.ok and outcome.code == "timeout"
        assert len(responses.calls) == 2  # a person is waiting: one attempt each, no retries
        # Nothing is retried for the person testing, and the trouble says nothing about what they entered.
        assert "will try again" not in outcome.message
        assert outcome.message.endswith("press Test Connection again in a minute.")
        # Nor does it fail the account (FAILED holds its tracking pushes back until a successful test).
        account = SalesSiteAccount.objects.get()
        assert account.connection_status == SalesSiteAccount.ConnectionStatus.NO_ANSWER

    @responses.activate
    def test_a_rate_limited_test_says_the_site_is_limiting_requests_not_that_it_does_not_answer(self, client):
        seller, user = make_seller_user()
        responses.add(responses.GET, IDENTITY, status=429, headers={"Retry-After": "60"},
                      json={"returnCode": "429", "message": "too many requests"})
        account = make_account(seller=seller, api_key=KEY)
        client.force_login(user)
        tested = client.post(f"/sales-sites/{account.pk}/test/", HTTP_HX_REQUEST="true").content.decode()
        assert len(responses.calls) == 1
        account.refresh_from_db()
        assert account.connection_status == SalesSiteAccount.ConnectionStatus.LIMITED
        for page in (tested, client.get("/sales-sites/").content.decode(),
                     client.get(f"/sales-sites/{account.pk}/").content.decode()):
            assert '<span class="badge badge-limited">Site limiting requests</span>' in page
            assert "Site not answering" not in page
            assert "LotteON is limiting the number of calls" in page
            assert "press Test Connection again in a minute." in page

    @responses.activate
    def test_form_values_are_tested_without_saving(self, seller):
        identity_ok()
        outcome = credentials_test(
            seller=seller, site="lotteon", shop_id="x", api_key=f" {KEY} ", account_number="LO10000001"
        )
        assert outcome.ok
        assert not SalesSiteAccount.objects.exists()
        assert responses.calls[0].request.headers["Authorization"] == f"Bearer {KEY}"

    @responses.activate
    def test_an_account_number_registered_already_fails_the_test_before_register_would(self, seller):
        identity_ok()
        theirs, _ = make_seller_user()
        make_account(seller=theirs, account_number="LO10000001")
        outcome = credentials_test(seller=seller, site="lotteon", shop_id="x", api_key=KEY, account_number="LO10000001")
        assert (outcome.ok, outcome.code) == (False, "already_registered")
        assert outcome.message.startswith("Connected to LotteON as 스마트십 데모상점 (LO10000001), but you cannot "
                                          "register it: This Account Number is already registered in SmartShip by "
                                          "another seller.")
        SalesSiteAccount.objects.update(seller=seller, shop_id="mine")
        outcome = credentials_test(seller=seller, site="lotteon", shop_id="x", api_key=KEY, account_number="LO10000001")
        assert not outcome.ok and "You have already registered this Account Number (Shop ID mine)" in outcome.message
        # Testing the registered account's own form (an edit) is not a clash.
        account = SalesSiteAccount.objects.get()
        assert credentials_test(seller=seller, site="lotteon", shop_id="mine", api_key=KEY,
                                account_number="LO10000001", account=account).ok

    @responses.activate
    def test_a_key_with_characters_no_key_has_is_refused_without_a_call(self, seller):
        identity_ok()
        outcome = credentials_test(seller=seller, site="lotteon", shop_id="x", api_key="키키키키키키키키",
                                   account_number="LO10000001")
        assert (outcome.ok, outcome.code) == (False, "invalid") and "letters, digits and signs only" in outcome.message
        with pytest.raises(ValidationError) as refused:
            account_fields_validate(seller=seller, site="lotteon", shop_id="x", account_number="LO10000001",
                                    api_key="SECRETKEY-é😀")
        assert "letters, digits and signs only" in str(refused.value.message_dict["api_key"])
        # A key stored before this check: the account's test says the key is wrong; nothing crashes.
        account = make_account(seller=seller, api_key="키키키키키키키키")
        outcome = account_test_connection(account=account)
        assert (outcome.ok, outcome.code) == (False, "unauthorized") and "copy the whole key" in outcome.message
        assert len(responses.calls) == 0

    @responses.activate
    def test_key_never_reaches_the_logs(self, seller, caplog):
        responses.add(responses.GET, IDENTITY, status=401, json={"returnCode": "401", "message": "no"})
        caplog.set_level(logging.DEBUG)
        account_test_connection(account=make_account(seller=seller, api_key=KEY))
        assert caplog.records, "the client logs each call"
        assert KEY not in caplog.text
        assert not ApiCallLog.objects.filter(message__contains=KEY).exists()


@pytest.mark.django_db
class TestPagesAndApi:
    def test_another_sellers_account_is_invisible_everywhere(self, client):
        seller_a, user_a = make_seller_user()
        seller_b, user_b = make_seller_user()
        theirs = make_account(seller=seller_b, shop_id="their-shop", api_key="THEIR-SECRET-KEY-1",
                              account_number="LO20000002")
        client.force_login(user_a)
        for url in [
            f"/sales-sites/{theirs.pk}/",
            f"/sales-sites/{theirs.pk}/edit/",
            f"/sales-sites/{theirs.pk}/delete/",
        ]:
            assert client.get(url).status_code == 404
        for url in [
            f"/sales-sites/{theirs.pk}/test/",
            f"/sales-sites/{theirs.pk}/deactivate/",
            f"/sales-sites/{theirs.pk}/delete/",
            f"/sales-sites/{theirs.pk}/edit/",
        ]:
            assert client.post(url, {"shop_id": "hijack", "account_number": "LO10000001"}).status_code == 404
        api = APIClient()
        api.force_authenticate(user_a)
        assert api.get(f"/api/v1/sales-site-accounts/{theirs.pk}/").status_code == 404
        assert (
            api.patch(
                f"/api/v1/sales-site-accounts/{theirs.pk}/", {"shop_id": "x"}, format="json"
            ).status_code
            == 404
        )
        assert api.delete(f"/api/v1/sales-site-accounts/{theirs.pk}/").status_code == 404
        assert api.post(f"/api/v1/sales-site-accounts/{theirs.pk}/test-connection/").status_code == 404
        assert api.get(f"/api/v1/sales-site-accounts/{theirs.pk}/calls/").status_code == 404
        theirs.refresh_from_db()
        assert theirs.shop_id == "their-shop" and theirs.is_active

    def test_form_errors_sit_next_to_fields_and_save_nothing(self, client):
        _, user = make_seller_user()
        client.force_login(user)
        response = client.post(
            "/sales-sites/new/lotteon/", {"shop_id": "", "api_key": KEY, "account_number": "123"}
        )
        assert response.status_code == 200
        html = response.content.decode()
        assert "Enter the Shop ID" in html or "This field is required" in html
        assert "not a LotteON Account Number" in html
        assert KEY not in html  # the key is never rendered back, not even after an error
        assert not SalesSiteAccount.objects.exists()

    @responses.activate
    def test_a_successful_form_test_of_the_same_credentials_is_kept_on_save(self, client):
        seller, user = make_seller_user()
        client.force_login(user)
        identity_ok()
        form = {"shop_id": "myshop", "api_key": KEY, "account_number": "LO10000001"}
        assert "Connection successful" in client.post("/sales-sites/test/lotteon/", form).content.decode()
        response = client.post("/sales-sites/new/lotteon/", form, follow=True)
        assert "registered and connected as 스마트십 데모상점 (LO10000001)" in response.content.decode()
        account = SalesSiteAccount.objects.get(seller=seller)
        assert (account.connection_status, account.supplier_number) == ("ok", "LO10000001")
        assert account.events.filter(kind="connection_ok", details__tested_before_saving=True).count() == 1
        assert len(responses.calls) == 1, "not tested a second time"

        # Tested with one key, saved with another: the result says nothing about the saved key.
        client.post("/sales-sites/test/lotteon/", {**form, "account_id": account.pk})
        client.post(f"/sales-sites/{account.pk}/edit/", {**form, "api_key": "ANOTHER-KEY-1234567890"})
        account.refresh_from_db()
        assert account.connection_status == "untested"

        # Tested with the stored key (empty field), saved a little later: kept; after 15 minutes: not.
        client.post("/sales-sites/test/lotteon/", {**form, "api_key": "", "account_id": account.pk})
        session = client.session
        stale = dict(session["integrations.form_test"])
        client.post(f"/sales-sites/{account.pk}/edit/", {**form, "api_key": ""})
        account.refresh_from_db()
        assert account.connection_status == "ok"
        stale["checked_at"] = (timezone.now() - timedelta(minutes=16)).isoformat()
        session["integrations.form_test"] = stale
        session.save()
        SalesSiteAccount.objects.filter(pk=account.pk).update(connection_status="untested")
        client.post(f"/sales-sites/{account.pk}/edit/", {**form, "api_key": ""})
        account.refresh_from_db()
        assert account.connection_status == "untested"

    @responses.activate
    def test_an_account_saved_after_the_site_refused_its_key_shows_failed_with_the_reason(self, client):
        seller, user = make_seller_user()
        client.force_login(user)
        form = {"shop_id": "myshop", "api_key": KEY, "account_number": "LO10000001"}
        responses.add(responses.GET, IDENTITY, status=401, json={"returnCode": "401", "message": "no"})
        tested = client.post("/sales-sites/test/lotteon/", form).content.decode()
        response = client.post("/sales-sites/new/lotteon/", form, follow=True)
        account = SalesSiteAccount.objects.get(seller=seller)
        assert account.connection_status == "failed" and account.connection_message
        assert account.connection_message in tested, "the reason the form showed"
        text = response.content.decode()
        assert "registered, but its Test Connection failed" in text and "Test the connection to check it" not in text
        event = account.events.get(kind="connection_failed")
        assert event.details["tested_before_saving"] is True and event.details["code"] == "unauthorized"
        assert len(responses.calls) == 1, "not tested a second time"

    @responses.activate
    def test_new_registrations_test_of_an_account_registered_already_says_nothing_about_its_edit(self, client):
        """New registration with the credentials of the seller's own account fails its test ("edit that one
        instead"); the seller does so and saves the edit unchanged: the account is saved, not marked failed."""
        seller, user = make_seller_user()
        client.force_login(user)
        identity_ok()
        account = make_account(seller=seller, shop_id="mine", api_key=KEY, account_number="LO10000001")
        SalesSiteAccount.objects.filter(pk=account.pk).update(connection_status="ok")
        form = {"shop_id": "mine", "api_key": KEY, "account_number": "LO10000001"}
        tested = client.post("/sales-sites/test/lotteon/", form).content.decode()
        assert "You have already registered this Account Number (Shop ID mine)" in tested

        response = client.post(f"/sales-sites/{account.pk}/edit/", {**form, "api_key": ""}, follow=True)
        text = response.content.decode()
        assert "Account mine saved." in text and "Test Connection failed" not in text
        account.refresh_from_db()
        assert account.connection_status == "ok"
        assert not account.events.filter(kind="connection_failed").exists()

        # The account's own form's test is kept, as before.
        client.post("/sales-sites/test/lotteon/", {**form, "api_key": "", "account_id": account.pk})
        assert "saved and connected" in client.post(f"/sales-sites/{account.pk}/edit/", {**form, "api_key": ""},
                                                    follow=True).content.decode()

    @responses.activate
    def test_a_form_test_that_met_a_passing_trouble_says_nothing_about_the_saved_account(self, client):
        seller, user = make_seller_user()
        client.force_login(user)
        form = {"shop_id": "myshop", "api_key": KEY, "account_number": "LO10000001"}
        responses.add(responses.GET, IDENTITY, status=503, body="busy")
        client.post("/sales-sites/test/lotteon/", form)
        response = client.post("/sales-sites/new/lotteon/", form, follow=True)
        assert SalesSiteAccount.objects.get(seller=seller).connection_status == "untested"
        assert "Test the connection to check it" in response.content.decode()

    def test_register_edit_deactivate_delete_through_the_pages(self, client):
        seller, user = make_seller_user()
        client.force_login(user)
        page = client.get("/sales-sites/new/lotteon/").content.decode()
        for label in [
            "Shop ID",
            "API Key",
            "Account Number",
            "Automatic Order Integration",
            "Automatic Order Confirmation",
            "Automatic Fulfillment Shipping Instructions",
            "Automatic Stock Qty Sync",
            "Test Connection",
            "211.115.121.4;20.214.92.38",
        ]:
            assert label in page
        response = client.post(
            "/sales-sites/new/lotteon/",
            {
                "shop_id": "myshop",
                "api_key": KEY,
                "account_number": "LO10000001",
                "auto_order_integration": "on",
            },
        )
        assert response.status_code == 302
        account = SalesSiteAccount.objects.get(seller=seller)
        assert account.auto_order_integration and not account.auto_order_confirmation
        edit = client.get(f"/sales-sites/{account.pk}/edit/").content.decode()
        assert KEY not in edit and account.masked_api_key in edit
        client.post(
            f"/sales-sites/{account.pk}/edit/",
            {"shop_id": "renamed", "api_key": "", "account_number": "LO10000001"},
        )
        account.refresh_from_db()
        assert account.shop_id == "renamed" and account.get_api_key() == KEY
        client.post(f"/sales-sites/{account.pk}/deactivate/")
        account.refresh_from_db()
        assert not account.is_active
        listing = client.get("/sales-sites/").content.decode()
        assert "Inactive" in listing and KEY not in listing
        client.post(f"/sales-sites/{account.pk}/delete/")
        assert not SalesSiteAccount.objects.exists()

    @responses.activate
    def test_rest_api_create_test_and_never_return_the_key(self):
        identity_ok()
        _, user = make_seller_user()
        api = APIClient()
        api.force_authenticate(user)
        bad = api.post(
            "/api/v1/sales-site-accounts/",
            {"site": "lotteon", "shop_id": "s", "api_key": KEY, "account_number": "nope"},
            format="json",
        )
        assert bad.status_code == 400 and "account_number" in bad.json()["extra"]["fields"]
        created = api.post(
            "/api/v1/sales-site-accounts/",
            {"site": "lotteon", "shop_id": "s", "api_key": KEY, "account_number": "LO10000001"},
            format="json",
        )
        assert created.status_code == 201, created.json()
        assert KEY not in created.content.decode()
        pk = created.json()["id"]
        tested = api.post(f"/api/v1/sales-site-accounts/{pk}/test-connection/").json()
        assert tested["ok"] and tested["supplier_number"] == "LO10000001"
        calls = api.get(f"/api/v1/sales-site-accounts/{pk}/calls/").json()
        assert calls["results"][0]["api_no"] == "207"
        patched = api.patch(
            f"/api/v1/sales-site-accounts/{pk}/", {"is_active": False, "auto_stock_sync": True}, format="json"
        ).json()
        assert patched["is_active"] is False and patched["auto_stock_sync"] is True
        sites = api.get("/api/v1/sales-sites/").json()
        assert sites[0]["key"] == "lotteon" and "stock_sync" in sites[0]["capabilities"]
        assert api.delete(f"/api/v1/sales-site-accounts/{pk}/").status_code == 204
