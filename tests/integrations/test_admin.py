"""The Django admin's sales-site account pages: operators look and may (de)activate; registration and every
credential or connection field go through the portal's form and API (integrations.services)."""

import pytest

from integrations.models import AccountEvent, SalesSiteAccount
from tests.factories import make_account, make_seller_user

ADD = "/admin/integrations/salessiteaccount/add/"


def change_url(account: SalesSiteAccount) -> str:
    return f"/admin/integrations/salessiteaccount/{account.pk}/change/"


@pytest.fixture
def account(db):
    seller, _ = make_seller_user()
    return make_account(seller=seller, api_key="KEEP-THIS-KEY-1234", shop_id="shop-a", account_number="LO10000001")


@pytest.mark.django_db
def test_the_admin_offers_no_add_for_accounts(admin_client):
    assert admin_client.get(ADD).status_code == 403
    response = admin_client.post(ADD, {"shop_id": "new-shop", "account_number": "LO10000009", "is_active": "on"})
    assert response.status_code == 403
    assert not SalesSiteAccount.objects.filter(shop_id="new-shop").exists()
    assert ADD not in admin_client.get("/admin/integrations/salessiteaccount/").content.decode()


def test_the_change_page_edits_only_is_active(admin_client, account):
    response = admin_client.get(change_url(account))
    assert response.status_code == 200
    assert list(response.context["adminform"].form.fields) == ["is_active"]


def test_posting_other_fields_changes_nothing(admin_client, account):
    response = admin_client.post(change_url(account), {
        "is_active": "on", "shop_id": "hijacked", "account_number": "LO19999999", "site": "other",
        "connection_status": "ok", "api_key_last4": "0000", "api_key_encrypted": "garbage",
        "auto_fulfillment": "on", "orders_synced_until_0": "2020-01-01", "orders_synced_until_1": "00:00:00",
    })
    assert response.status_code == 302
    stored = SalesSiteAccount.objects.get(pk=account.pk)
    assert (stored.shop_id, stored.account_number, stored.site) == ("shop-a", "LO10000001", "lotteon")
    assert stored.connection_status == SalesSiteAccount.ConnectionStatus.UNTESTED
    assert stored.get_api_key() == "KEEP-THIS-KEY-1234" and stored.api_key_last4 == "1234"
    assert stored.auto_fulfillment is False and stored.orders_synced_until is None


def test_deactivating_goes_through_the_service_and_is_audited(admin_client, admin_user, account):
    response = admin_client.post(change_url(account), {})  # an unticked box is not sent
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.is_active is False
    event = AccountEvent.objects.get(account=account)
    assert (event.kind, event.actor) == (AccountEvent.Kind.DEACTIVATED, admin_user)

    admin_client.post(change_url(account), {"is_active": "on"})
    account.refresh_from_db()
    assert account.is_active is True
    assert AccountEvent.objects.filter(account=account, kind=AccountEvent.Kind.ACTIVATED).count() == 1


def test_the_admin_cannot_delete_an_account(admin_client, account):
    assert admin_client.get(f"/admin/integrations/salessiteaccount/{account.pk}/delete/").status_code == 403
    assert SalesSiteAccount.objects.filter(pk=account.pk).exists()
