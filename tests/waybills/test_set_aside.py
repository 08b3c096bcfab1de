"""Parcel set aside: an order cancelled after its label was printed needs attention ("do not ship") until the
seller says the parcel was stopped — on the order's Waybills & tracking page or through the REST API. Over the
LotteON sandbox, on real SQL: the cancellation comes from a real sync."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core.exceptions import ApplicationError
from orders.models import OrderEvent, OrderStatus
from orders.services.store import orders_refresh
from orders.services.sync import orders_sync
from tests.factories import make_seller_user
from tests.waybills.helpers import print_invoices, pull
from waybills.models import Waybill, WaybillKind
from waybills.services.receiving import packing_label_check

pytestmark = [pytest.mark.sandbox, pytest.mark.django_db]


def api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def cancelled_after_printing(sandbox, account, kind=WaybillKind.INVOICE, **cancel) -> tuple:
    (order,) = pull(sandbox, account, 2)
    batch = print_invoices(account.seller, [order], kind=kind)
    sandbox.cancel(order.order_no, **cancel)
    orders_sync(account_id=account.pk)
    order.refresh_from_db()
    waybill = Waybill.objects.get(pk=batch.waybill_ids[0])
    assert waybill.flagged and order.needs_attention
    return order, waybill


def test_the_seller_sets_the_stopped_parcel_aside_and_the_attention_ends(sandbox, account, client):
    order, waybill = cancelled_after_printing(sandbox, account, kind=WaybillKind.PACKING)
    assert order.status == OrderStatus.CANCELLED and "do not ship" in order.attention_reason
    client.force_login(account.user)
    detail = client.get(f"/orders/{order.pk}/").content.decode()
    assert f"/waybills/orders/{order.pk}/" in detail and "set its label aside" in detail
    page = client.get(f"/waybills/orders/{order.pk}/").content.decode()
    assert f"/waybills/{waybill.pk}/set-aside/" in page and f"Parcel stopped: set {waybill.number} aside" in page

    response = client.post(f"/waybills/{waybill.pk}/set-aside/", follow=True)
    assert response.redirect_chain[-1][0] == f"/waybills/orders/{order.pk}/"
    text = response.content.decode()
    assert f"{waybill.number} set aside" in text and "set-aside/" not in text, "done: no button any more"

    order.refresh_from_db()
    waybill.refresh_from_db()
    assert not order.needs_attention and order.attention_reason == ""
    assert not waybill.flagged and waybill.flag_reason == ""
    event = order.events.get(kind=OrderEvent.Kind.SET_ASIDE)
    assert event.actor == account.user and waybill.number in event.message
    # A later sync or recomputation does not bring the warning back, and QFC still refuses the label.
    orders_sync(account_id=account.pk)
    orders_refresh(order_ids={order.pk})
    order.refresh_from_db()
    assert not order.needs_attention
    with pytest.raises(ApplicationError) as refused:
        packing_label_check(code=waybill.number)
    assert refused.value.code == "order_cancelled"


def test_a_partly_cancelled_order_is_reprinted_not_set_aside(sandbox, account, client):
    order, waybill = cancelled_after_printing(sandbox, account, odSeq="2")
    assert order.status != OrderStatus.CANCELLED and "reprint the label" in order.attention_reason
    client.force_login(account.user)
    page = client.get(f"/waybills/orders/{order.pk}/").content.decode()
    assert "set-aside/" not in page and "Reprint it on" in page

    response = client.post(f"/waybills/{waybill.pk}/set-aside/", follow=True)
    assert "reprint the invoice" in response.content.decode()
    answer = api(account.user).post(f"/api/v1/waybills/{waybill.pk}/set-aside/")
    assert answer.status_code == 409 and answer.json()["code"] == "reprint_needed"
    waybill.refresh_from_db()
    order.refresh_from_db()
    assert waybill.flagged and order.needs_attention, "nothing changed"
    assert not order.events.filter(kind=OrderEvent.Kind.SET_ASIDE).exists()


def test_the_api_sets_aside_once_and_keeps_sellers_apart(sandbox, account, client):
    order, waybill = cancelled_after_printing(sandbox, account)
    _, outsider = make_seller_user(name="other shop")
    assert api(outsider).post(f"/api/v1/waybills/{waybill.pk}/set-aside/").status_code == 404
    client.force_login(outsider)
    assert client.post(f"/waybills/{waybill.pk}/set-aside/").status_code == 404
    assert client.post("/waybills/99999999999999999999/set-aside/").status_code == 404
    waybill.refresh_from_db()
    assert waybill.flagged, "another seller changed nothing"

    answer = api(account.user).post(f"/api/v1/waybills/{waybill.pk}/set-aside/")
    assert answer.status_code == 200, answer.content
    assert answer.json()["flagged"] is False and answer.json()["number"] == waybill.number
    again = api(account.user).post(f"/api/v1/waybills/{waybill.pk}/set-aside/")
    assert again.status_code == 409 and again.json()["code"] == "not_flagged"
    assert order.events.filter(kind=OrderEvent.Kind.SET_ASIDE).count() == 1
