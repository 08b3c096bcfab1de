"""A stored API key that the configured SMARTSHIP_ENCRYPTION_KEYS cannot decrypt (the key it was saved under was
rotated away or lost): every run ends failed and says so, Test Connection says so, nothing is stuck or a 500;
``manage.py rotate_encryption_keys`` re-encrypts stored keys under the newest key."""

from __future__ import annotations

import logging
from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from core import crypto
from integrations.models import AccountEvent, SalesSiteAccount, SyncRun
from inventory.models import LinkStatus, SiteOptionLink, StockPush, StockSyncRun
from inventory.services.stock import stock_receive
from inventory.services.stock_sync import stock_sync
from inventory.tasks import sync_stock_account
from orders.services.sync import orders_sync, sync_request
from tests.factories import make_account, make_seller_user
from tests.inventory.factories import make_multi
from waybills.services.push import tracking_push

pytestmark = pytest.mark.django_db
KEY = "LOTTEON-KEY-abcdef123456"
FORM = {"shop_id": "shop", "api_key": "", "account_number": "LO10000001"}
KEY_UNREADABLE = "key_unreadable"


def says_why(text: str) -> bool:
    """The message names the problem, the setting and both ways out."""
    return all(part in text for part in ("stored API Key cannot be decrypted", "SMARTSHIP_ENCRYPTION_KEYS",
                                         "re-enter the API Key in Sales Site API", "old encryption key"))


def new_key() -> str:
    return Fernet.generate_key().decode()


def use_keys(settings, *keys: str) -> None:
    # crypto caches one MultiFernet per key list; a new list builds a new one, clearing keeps tests apart anyway.
    settings.SMARTSHIP_ENCRYPTION_KEYS = list(keys)
    crypto._fernet.cache_clear()


def raw_column(account_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT api_key_encrypted FROM {SalesSiteAccount._meta.db_table} WHERE id = %s", [account_id]
        )
        return cursor.fetchone()[0]


@pytest.fixture
def seller_user():
    return make_seller_user()


@pytest.fixture
def lost_key(settings, seller_user):
    """An account whose key was stored under a key that is no longer configured (another valid key is)."""
    settings.LOTTEON_BASE_URL = "https://lotteon.invalid"  # never asked: nothing is sent without a key
    use_keys(settings, new_key())
    account = make_account(seller=seller_user[0], api_key=KEY, auto_stock_sync=True, auto_fulfillment=True)
    use_keys(settings, new_key())
    yield account
    crypto._fernet.cache_clear()


def assert_account_says_why(account: SalesSiteAccount) -> None:
    account.refresh_from_db()
    assert account.connection_status == SalesSiteAccount.ConnectionStatus.FAILED
    assert says_why(account.connection_message), account.connection_message
    assert account.connection_checked_at is not None


class TestBackgroundWork:
    def test_order_sync_ends_failed_and_the_next_one_is_not_stuck_behind_it(self, lost_key, caplog):
        caplog.set_level(logging.DEBUG)
        queued = SyncRun.objects.create(seller_id=lost_key.seller_id, account=lost_key)
        run = orders_sync(account_id=lost_key.pk, run_id=queued.pk)
        run.refresh_from_db()
        assert run.status == SyncRun.Status.FAILED
        assert run.finished_at is not None
        assert run.error_code == KEY_UNREADABLE
        assert says_why(run.error_message)
        assert_account_says_why(lost_key)
        # The schedule queues a new sync instead of returning the old one until it goes stale.
        again = sync_request(account=lost_key, trigger=SyncRun.Trigger.SCHEDULE)
        assert again.pk != run.pk and again.status == SyncRun.Status.QUEUED
        assert KEY not in caplog.text and lost_key.api_key_encrypted not in caplog.text
        assert "cannot be decrypted" in caplog.text

    def test_order_sync_from_the_command_ends_failed(self, lost_key):
        run = orders_sync(account_id=lost_key.pk)
        assert (run.status, run.error_code) == (SyncRun.Status.FAILED, KEY_UNREADABLE)
        assert SyncRun.objects.get(pk=run.pk).finished_at is not None

    def test_stock_push_ends_failed_keeps_the_changes_waiting_and_is_not_retried(self, lost_key, seller_user, caplog):
        caplog.set_level(logging.DEBUG)
        seller, user = seller_user
        option = make_multi(seller=seller, options=[("OPT-1", "red")]).options.get()
        SiteOptionLink.objects.create(option=option, seller=seller, account=lost_key, site="lotteon",
                                      site_product_id="LO1", site_option_id="LO1_1", status=LinkStatus.LINKED,
                                      source=SiteOptionLink.Source.CATALOG, checked_at=timezone.now())
        stock_receive(seller=seller, option=option, quantity=5)

        run = stock_sync(account_id=lost_key.pk, full=True)
        run.refresh_from_db()
        assert run.status == StockSyncRun.Status.FAILED
        assert run.finished_at is not None
        assert run.error_code == KEY_UNREADABLE
        assert says_why(run.error_message)
        assert_account_says_why(lost_key)
        # Nothing was claimed and lost: the quantity waits for the push after the key is fixed.
        assert StockPush.objects.filter(account=lost_key, dirty=True, claimed_by__isnull=True).count() == 1
        # The task does not retry a key that cannot be read (only transient site errors are retried).
        sync_stock_account(lost_key.pk)
        assert StockSyncRun.objects.filter(account=lost_key, status=StockSyncRun.Status.RUNNING).count() == 0
        assert KEY not in caplog.text and lost_key.api_key_encrypted not in caplog.text

    def test_tracking_push_stops_says_why_and_does_not_try_again(self, lost_key, monkeypatch):
        stats = tracking_push(account_id=lost_key.pk)
        assert stats.blocked and stats.sent == 0
        assert says_why(stats.error)
        assert_account_says_why(lost_key)

        def decrypting(*args, **kwargs):
            raise AssertionError("the key is not read again until the seller fixes the account")

        monkeypatch.setattr(crypto, "decrypt", decrypting)
        again = tracking_push(account_id=lost_key.pk)
        assert again.blocked and again.sent == 0


class TestTestConnection:
    def test_from_the_list_shows_the_message_and_keeps_it_as_the_status(self, lost_key, seller_user, client):
        client.force_login(seller_user[1])
        response = client.post(f"/sales-sites/{lost_key.pk}/test/")
        assert response.status_code == 200
        assert says_why(response.content.decode())
        assert_account_says_why(lost_key)
        event = lost_key.events.get(kind=AccountEvent.Kind.CONNECTION_FAILED)
        assert event.details == {"message": lost_key.connection_message, "code": KEY_UNREADABLE}

    def test_from_the_form_with_the_stored_key_shows_the_message(self, lost_key, seller_user, client):
        client.force_login(seller_user[1])
        response = client.post("/sales-sites/test/lotteon/", {**FORM, "account_id": lost_key.pk})
        assert response.status_code == 200
        assert says_why(response.content.decode())
        assert "integrations.form_test" not in client.session

    def test_through_the_rest_api(self, lost_key, seller_user):
        api = APIClient()
        api.force_authenticate(seller_user[1])
        response = api.post(f"/api/v1/sales-site-accounts/{lost_key.pk}/test-connection/")
        assert response.status_code == 200
        body = response.json()
        assert body["ok"] is False
        assert body["code"] == KEY_UNREADABLE and says_why(body["message"])
        assert_account_says_why(lost_key)

    def test_a_new_key_typed_in_the_form_is_tested_and_saving_it_fixes_the_account(self, lost_key, seller_user,
                                                                                   client):
        client.force_login(seller_user[1])
        client.post(f"/sales-sites/{lost_key.pk}/test/")
        client.post(f"/sales-sites/{lost_key.pk}/edit/", {**FORM, "api_key": "NEW-LOTTEON-KEY-987654"})
        lost_key.refresh_from_db()
        assert lost_key.get_api_key() == "NEW-LOTTEON-KEY-987654"
        assert lost_key.connection_status == SalesSiteAccount.ConnectionStatus.UNTESTED


class TestRotateCommand:
    def run(self, *args: str) -> str:
        out = StringIO()
        call_command("rotate_encryption_keys", *args, stdout=out)
        return out.getvalue()

    def test_rotates_to_the_newest_key_so_the_old_one_can_be_dropped(self, settings, seller_user):
        old, new = new_key(), new_key()
        use_keys(settings, old)
        first = make_account(seller=seller_user[0], api_key=KEY)
        second = make_account(seller=seller_user[0], api_key="SECOND-KEY-0000001111", account_number="LO10000002",
                              shop_id="other")
        before = {first.pk: raw_column(first.pk), second.pk: raw_column(second.pk)}

        use_keys(settings, new, old)
        output = self.run()
        assert "Rotated 2" in output
        for account in (first, second):
            stored = raw_column(account.pk)
            assert stored != before[account.pk]
            Fernet(new.encode()).decrypt(stored.encode())  # readable with the new key alone
        assert KEY not in output

        # Idempotent: a second run finds every key under the newest one already and changes nothing.
        rotated = {first.pk: raw_column(first.pk), second.pk: raw_column(second.pk)}
        output = self.run()
        assert "Rotated 0" in output and "2 already" in output
        assert {first.pk: raw_column(first.pk), second.pk: raw_column(second.pk)} == rotated

        # The old key is dropped: everything still reads.
        use_keys(settings, new)
        first.refresh_from_db()
        second.refresh_from_db()
        assert first.get_api_key() == KEY and second.get_api_key() == "SECOND-KEY-0000001111"

    def test_dry_run_changes_nothing(self, settings, seller_user):
        old, new = new_key(), new_key()
        use_keys(settings, old)
        account = make_account(seller=seller_user[0], api_key=KEY)
        before = raw_column(account.pk)
        use_keys(settings, new, old)
        output = self.run("--dry-run")
        assert "Would rotate 1" in output
        assert raw_column(account.pk) == before

    def test_an_undecryptable_key_is_reported_and_left_alone(self, settings, seller_user):
        old, new, lost = new_key(), new_key(), new_key()
        use_keys(settings, lost)
        broken = make_account(seller=seller_user[0], api_key=KEY, shop_id="broken-shop")
        use_keys(settings, old)
        fine = make_account(seller=seller_user[0], api_key="FINE-KEY-0000001111", account_number="LO10000002",
                            shop_id="fine-shop")
        broken_before = raw_column(broken.pk)

        use_keys(settings, new, old)
        out, err = StringIO(), StringIO()
        with pytest.raises(CommandError, match="1 stored API key"):
            call_command("rotate_encryption_keys", stdout=out, stderr=err)
        output = out.getvalue() + err.getvalue()
        assert "Rotated 1" in output
        assert f"account {broken.pk}" in output and "broken-shop" in output
        assert KEY not in output and broken_before not in output
        assert raw_column(broken.pk) == broken_before
        Fernet(new.encode()).decrypt(raw_column(fine.pk).encode())
        use_keys(settings, lost)
        broken.refresh_from_db()
        assert broken.get_api_key() == KEY, "untouched: restoring the lost key still reads it"

    def test_restoring_the_lost_key_and_rotating_clears_the_unreadable_status(self, settings, seller_user):
        lost, new = new_key(), new_key()
        use_keys(settings, lost)
        account = make_account(seller=seller_user[0], api_key=KEY, auto_fulfillment=True)
        use_keys(settings, new)
        assert tracking_push(account_id=account.pk).blocked
        assert_account_says_why(account)

        use_keys(settings, new, lost)  # the operator puts the lost key back, after the new one
        output = self.run()
        assert "Rotated 1" in output and f"({account.pk})" in output and "Not tested" in output
        account.refresh_from_db()
        assert account.connection_status == SalesSiteAccount.ConnectionStatus.UNTESTED
        assert account.connection_message == ""
        use_keys(settings, new)
        account.refresh_from_db()
        assert account.get_api_key() == KEY


class TestOtherCallers:
    def test_check_link_reports_the_account_instead_of_a_500(self, lost_key, seller_user):
        from inventory.services.links import sku_links_check
        from tests.inventory.factories import make_single

        sku = make_single(seller=seller_user[0], code="TS-1")
        outcome = sku_links_check(seller=seller_user[0], sku_ids=[sku.pk])
        assert not outcome.ok and any("cannot be decrypted" in problem for problem in outcome.problems)

    def test_the_courier_list_falls_back_instead_of_a_500(self, lost_key):
        from waybills.services.couriers import couriers_refresh

        assert couriers_refresh(site="lotteon", account=lost_key, force=True) is False
