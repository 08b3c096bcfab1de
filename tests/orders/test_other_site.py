"""Orders of a second marketplace that only pulls orders (tests/othersite: no confirmation step, no cancellation
feed): the sync, the Orders pages and Confirm ask the registry what the site supports instead of assuming LotteON."""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from integrations import registry
from integrations.models import SalesSiteAccount, SyncRun
from orders.models import ConfirmState, LineStatus, Order, OrderEvent, OrderLine, OrderStatus
from orders.services import sync as sync_module
from orders.services.sync import accounts_due, orders_sync
from tests.factories import make_seller_user
from tests.orders.factories import make_order

pytestmark = pytest.mark.django_db
LIST = reverse("orders:order-list")
CONFIRM = reverse("orders:order-confirm")


@pytest.fixture
def seller_user():
    return make_seller_user(name="다른 상점", username="other")


@pytest.fixture
def account(other_site, seller_user):
    # As the registration form stored it before it asked the registry: Automatic Order Confirmation on.
    account = SalesSiteAccount(seller=seller_user[0], site="othersite", shop_id="os-shop", account_number="OS12345",
                               auto_order_integration=True, auto_order_confirmation=True)
    account.set_api_key(other_site.GOOD_KEY)
    account.save()
    return account


@pytest.fixture
def calls(other_site, monkeypatch):
    """Confirm and cancellation search on the adapter, recorded: the sync must call neither, even when present."""
    made: list[str] = []

    def confirm(self, lines):
        made.append("confirm")
        return []

    def fetch_cancellations(self, *, start, end):
        made.append("fetch_cancellations")
        return []

    monkeypatch.setattr(other_site.OtherSiteAdapter, "confirm", confirm, raising=False)
    monkeypatch.setattr(other_site.OtherSiteAdapter, "fetch_cancellations", fetch_cancellations, raising=False)
    return made


@pytest.fixture
def signed_in(client, seller_user):
    client.force_login(seller_user[1])
    return client


def synced(account) -> SyncRun:
    run = orders_sync(account_id=account.pk)
    assert run.status == SyncRun.Status.SUCCEEDED, run.error_message
    return run


def test_the_sync_pulls_both_orders_without_asking_for_steps_the_site_lacks(account):
    run = synced(account)
    assert (run.lines_new, run.lines_confirmed, run.lines_failed, run.lines_confirmed_elsewhere) == (2, 0, 0, 0)
    assert run.error_message == ""
    lines = {line.order.order_no: line for line in OrderLine.objects.select_related("order")}
    assert set(lines) == {"OS-1001", "OS-1002"}
    for line in lines.values():
        # Nothing to wait for: Product preparation at once, ready for fulfilment and waybills.
        assert (line.status, line.confirm_state) == (LineStatus.CONFIRMED, ConfirmState.NOT_NEEDED)
        assert line.order.status == OrderStatus.CONFIRMED and not line.order.needs_attention
    kinds = set(OrderEvent.objects.values_list("kind", flat=True))
    assert OrderEvent.Kind.CONFIRMED_ELSEWHERE not in kinds and OrderEvent.Kind.CONFIRMED not in kinds
    assert not OrderEvent.objects.filter(message__icontains="another tool").exists()
    assert OrderEvent.objects.filter(kind=OrderEvent.Kind.PULLED, message__contains="no order confirmation step").count() == 2

    again = synced(account)  # idempotent
    assert (again.lines_new, again.lines_updated) == (0, 0) and OrderLine.objects.count() == 2


def test_the_sync_never_calls_confirm_or_the_cancellation_search(account, calls):
    synced(account)
    synced(account)
    assert calls == []


def test_the_progress_counts_the_windows_the_site_yields(account, monkeypatch):
    """OtherSite answers the whole range in one window: the progress says one, not one per day."""
    totals = []
    real_store = sync_module.lines_store

    def store(**kwargs):
        totals.append(SyncRun.objects.values_list("windows_total", flat=True).get())
        return real_store(**kwargs)

    monkeypatch.setattr(sync_module, "lines_store", store)
    run = synced(account)
    assert totals == [1]
    assert (run.windows_done, run.windows_total, run.progress_percent) == (1, 1, 100)
    run.refresh_from_db()
    assert (run.windows_done, run.windows_total) == (1, 1)


def test_orders_pages_render_and_offer_no_confirm(signed_in, account):
    synced(account)
    page = signed_in.get(LIST)
    assert page.status_code == 200
    html = page.content.decode()
    assert "OS-1001" in html and "OS-1002" in html
    assert "Confirm selected" not in html and 'name="order_ids"' not in html
    for order in Order.objects.all():
        detail = signed_in.get(reverse("orders:order-detail", args=[order.pk]))
        assert detail.status_code == 200
        assert "Confirm order" not in detail.content.decode()
        assert "Not needed" in detail.content.decode()


def test_confirm_refuses_with_a_message(signed_in, seller_user, account):
    synced(account)
    ids = list(Order.objects.values_list("pk", flat=True))
    response = signed_in.post(CONFIRM, {"order_ids": ids}, follow=True)
    assert response.status_code == 200
    text = response.content.decode()
    assert "OtherSite has no order confirmation step" in text

    api = APIClient()
    api.force_authenticate(seller_user[1])
    response = api.post("/api/v1/orders/confirm/", {"order_ids": ids}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "confirmation_not_supported"
    assert "OtherSite has no order confirmation step" in response.json()["message"]
    assert set(OrderLine.objects.values_list("confirm_state", flat=True)) == {ConfirmState.NOT_NEEDED}


def test_a_new_line_stored_before_is_not_confirmable_and_the_next_sync_clears_it(signed_in, seller_user, account,
                                                                                 calls):
    """A line kept waiting for confirmation (as the sync stored them before it asked the registry)."""
    order = make_order(seller=seller_user[0], account=account, site="othersite", order_no="OS-1001",
                       lines=[{"line_no": "1", "confirm_state": ConfirmState.FAILED, "confirm_error": "boom"}])
    assert order.status == OrderStatus.NEW
    detail = signed_in.get(reverse("orders:order-detail", args=[order.pk]))
    assert detail.status_code == 200 and "Confirm order" not in detail.content.decode()
    list_page = signed_in.get(LIST).content.decode()
    assert "Confirm selected" not in list_page

    api = APIClient()
    api.force_authenticate(seller_user[1])
    response = api.post("/api/v1/orders/confirm/", {"order_ids": [order.pk]}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "confirmation_not_supported"

    synced(account)
    line = order.lines.get()
    order.refresh_from_db()
    assert (line.status, line.confirm_state, line.confirm_error) == (LineStatus.CONFIRMED, ConfirmState.NOT_NEEDED, "")
    assert order.status == OrderStatus.CONFIRMED and not order.needs_attention
    assert order.events.filter(message__contains="needs no confirmation").exists()
    assert not order.events.filter(kind=OrderEvent.Kind.CONFIRMED_ELSEWHERE).exists()
    assert calls == []


def test_a_site_without_order_integration_is_never_synced(account, other_site, calls):
    assert accounts_due() == [account]
    registry._sites.pop("othersite")
    registry.register(replace(other_site.OTHERSITE, capabilities=frozenset()))
    assert accounts_due() == []
    run = orders_sync(account_id=account.pk)
    assert run.status == SyncRun.Status.SKIPPED and "does not offer order integration" in run.error_message
    assert OrderLine.objects.count() == 0 and calls == []
