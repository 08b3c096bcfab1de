"""What the Django admin lets an operator do with each model: records, trails and outboxes are view-only (the
services write them), an order's contact details stay editable (docs/orders.md), API tokens are masked."""

import pytest
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.authtoken.models import Token, TokenProxy

from integrations.models import AccountEvent, SyncRun
from sellers.models import ApiToken
from tests.factories import make_account, make_seller_user
from tests.orders.factories import make_event, make_order
from waybills.models import TrackingPush

OUR_APPS = {"sellers", "integrations", "orders", "inventory", "waybills", "core"}
VIEW_ONLY = {
    "integrations.syncrun", "integrations.apicalllog", "integrations.accountevent", "integrations.accountalert",
    "orders.orderline", "orders.orderevent", "orders.orderexport",
    "inventory.sku", "inventory.optionsku", "inventory.siteoptionlink", "inventory.skuimport",
    "inventory.fulfilmentorder", "inventory.stockmovement", "inventory.stockpush", "inventory.stocksyncrun",
    "waybills.waybill", "waybills.trackingpush", "waybills.printbatch", "waybills.courier", "waybills.numbercounter",
}
# Where an operator still edits, and what: users and sellers (the operator's own tool), an order's contact
# details, an account's is_active (tests/integrations/test_admin.py); tokens may be revoked (deleted).
EDITABLE = {"sellers.apitoken", "sellers.user", "sellers.seller", "orders.order", "integrations.salessiteaccount"}


def registered() -> dict[str, admin.ModelAdmin]:
    return {model._meta.label_lower: model_admin for model, model_admin in admin.site._registry.items()
            if model._meta.app_label in OUR_APPS}


def test_every_model_of_ours_is_decided():
    assert set(registered()) == VIEW_ONLY | EDITABLE


@pytest.mark.django_db
@pytest.mark.parametrize("label", sorted(VIEW_ONLY))
def test_records_are_view_only(admin_user, admin_client, label):
    model_admin = registered()[label]
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert model_admin.has_view_permission(request)
    app_label, model_name = label.split(".")
    assert admin_client.get(reverse(f"admin:{app_label}_{model_name}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"admin:{app_label}_{model_name}_add")).status_code == 403


@pytest.fixture
def account(db):
    seller, _ = make_seller_user()
    return make_account(seller=seller)


def test_a_hand_made_running_sync_run_cannot_be_added(admin_client, account):
    response = admin_client.post(reverse("admin:integrations_syncrun_add"), {
        "seller": account.seller_id, "account": account.pk, "trigger": "manual", "status": "running",
    })
    assert response.status_code == 403
    assert not SyncRun.objects.exists()


def test_the_audit_trail_cannot_be_changed_or_deleted(admin_client, account):
    order = make_order(seller=account.seller, account=account)
    event = make_event(order)
    account_event = AccountEvent.objects.create(account=account, seller=account.seller, kind=AccountEvent.Kind.CREATED)
    page = admin_client.get(reverse("admin:orders_orderevent_change", args=[event.pk]))
    assert page.status_code == 200 and 'type="submit"' not in page.content.decode().split('id="content"')[1]
    assert admin_client.post(reverse("admin:orders_orderevent_change", args=[event.pk]),
                             {"kind": "confirmed", "message": "x"}).status_code == 403
    assert admin_client.post(reverse("admin:orders_orderevent_delete", args=[event.pk]),
                             {"post": "yes"}).status_code == 403
    assert admin_client.post(reverse("admin:integrations_accountevent_delete", args=[account_event.pk]),
                             {"post": "yes"}).status_code == 403
    listing = admin_client.get(reverse("admin:orders_orderevent_changelist")).content.decode()
    assert "delete_selected" not in listing
    order.refresh_from_db()
    assert order.events.count() == 1 and AccountEvent.objects.filter(pk=account_event.pk).exists()


def test_a_push_state_cannot_be_set_back(admin_client, account):
    order = make_order(seller=account.seller, account=account)
    line = order.lines.get()
    push = TrackingPush.objects.create(seller=account.seller, order=order, line=line, courier_code="0001",
                                       tracking_no="123456789012", state="sent")
    response = admin_client.post(reverse("admin:waybills_trackingpush_change", args=[push.pk]), {"state": "pending"})
    assert response.status_code == 403
    push.refresh_from_db()
    assert push.state == "sent"
    assert admin_client.get(reverse("admin:waybills_trackingpush_change", args=[push.pk])).status_code == 200


def test_an_order_edits_only_its_contact_details(admin_client, account):
    order = make_order(seller=account.seller, account=account)
    url = reverse("admin:orders_order_change", args=[order.pk])
    form = admin_client.get(url).context["adminform"].form
    assert "recipient_name" in form.fields and "address" in form.fields
    assert not {"status", "seller", "account", "order_no", "needs_attention", "total_amount"} & set(form.fields)
    data = {name: getattr(order, name) for name in form.fields}
    data.update(recipient_name="김수정", status="shipped",
                **{f"{prefix}-{key}": value for prefix in ("lines", "events")
                   for key, value in {"TOTAL_FORMS": 0, "INITIAL_FORMS": 0}.items()})
    assert admin_client.post(url, data).status_code == 302
    order.refresh_from_db()
    assert order.recipient_name == "김수정" and order.status == "new"
    assert admin_client.get(reverse("admin:orders_order_add")).status_code == 403
    assert admin_client.get(reverse("admin:orders_order_delete", args=[order.pk])).status_code == 403


def test_plural_names_read_as_english(admin_client):
    index = admin_client.get("/admin/").content.decode()
    for plural in ["Print batches", "Tracking pushes", "Stock pushes"]:
        assert plural in index
    assert "pushs" not in index and "batchs" not in index


def test_api_tokens_are_masked_and_can_only_be_revoked(admin_client, account):
    _, user = make_seller_user()
    token = Token.objects.create(user=user)
    listing = admin_client.get(reverse("admin:sellers_apitoken_changelist")).content.decode()
    assert token.key not in listing and token.key[-4:] in listing and user.username in listing
    page = admin_client.get(reverse("admin:sellers_apitoken_change", args=[user.pk]))
    assert page.status_code == 200 and token.key not in page.content.decode()
    confirm = admin_client.get(reverse("admin:sellers_apitoken_delete", args=[user.pk]))
    assert confirm.status_code == 200 and token.key not in confirm.content.decode()
    assert admin_client.get(reverse("admin:sellers_apitoken_add")).status_code == 403
    assert admin_client.post(reverse("admin:sellers_apitoken_delete", args=[user.pk]),
                             {"post": "yes"}).status_code == 302
    assert not Token.objects.filter(user=user).exists()
    assert token.key not in LogEntry.objects.get().object_repr
    assert ApiToken in admin.site._registry and TokenProxy not in admin.site._registry
