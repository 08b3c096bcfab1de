"""Both label paths on one order (an invoice the seller ships and a packing label QFC ships) mean two parcels,
and QFC's scan would replace the QSP number LotteON already holds: Print Waybill asks for an explicit
"print anyway", and QFC's scan refuses a label the seller overrode with an invoice. Real HTTP to the sandbox."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.exceptions import ApplicationError
from sellers.models import User
from tests.waybills.helpers import live_lines, print_invoices, pull, push
from waybills.models import TrackingPush, Waybill, WaybillKind
from waybills.services.printing import waybills_print
from waybills.services.receiving import packing_receive

pytestmark = [pytest.mark.django_db, pytest.mark.sandbox]


@pytest.fixture
def operator():
    return User.objects.create_user("qfc-scan", password="x", is_warehouse_operator=True)


def test_invoice_after_packing_label_needs_confirmation_and_the_scan_then_refuses(sandbox, account, client, operator):
    (order,) = pull(sandbox, account, 1)
    label = Waybill.objects.get(pk=print_invoices(account.seller, [order], kind=WaybillKind.PACKING).waybill_ids[0])

    with pytest.raises(ApplicationError, match=rf"already has a label of the other kind: {order.order_no} "
                       rf"\(packing label {label.number} printed") as refused:
        print_invoices(account.seller, [order])
    assert refused.value.code == "other_label" and refused.value.extra == {"orders": [order.pk]}
    assert not Waybill.objects.filter(order=order, kind=WaybillKind.INVOICE).exists()
    assert not TrackingPush.objects.exists(), "nothing changed"

    batch = waybills_print(seller_id=account.seller_id, order_ids=[order.pk], kind=WaybillKind.INVOICE,
                           other_kind_confirmed=True)
    invoice = Waybill.objects.get(pk=batch.waybill_ids[0])
    push(account)
    [row] = live_lines(sandbox).values()
    assert row["invcNo"] == invoice.number

    # QFC scans the packing label: the seller's later invoice wins, nothing is replaced.
    client.force_login(operator)
    lookup = client.get("/waybills/receiving/lookup/", {"label": label.number})
    assert lookup.status_code == 409 and lookup.json()["code"] == "invoice_printed"
    assert invoice.number in lookup.json()["message"] and "do not ship it" in lookup.json()["message"]
    with pytest.raises(ApplicationError) as refused:
        packing_receive(code=label.number, courier_code="0002", tracking_no="600000009999", actor=operator)
    assert refused.value.code == "invoice_printed"
    response = client.post("/api/v1/receiving/scans/", {"label": label.number, "courier_code": "0002",
                                                        "tracking_no": "600000009999"}, content_type="application/json")
    assert response.status_code == 409 and response.json()["code"] == "invoice_printed"
    label.refresh_from_db()
    assert label.status == Waybill.Status.PRINTED
    assert not TrackingPush.objects.filter(kind=TrackingPush.Kind.CORRECT).exists()
    push(account)
    [row] = live_lines(sandbox).values()
    assert row["invcNo"] == invoice.number, "LotteON keeps the QSP number"


def test_packing_label_after_invoice_needs_confirmation_and_the_scan_warns(sandbox, account, client, operator):
    (order,) = pull(sandbox, account, 1)
    invoice = Waybill.objects.get(pk=print_invoices(account.seller, [order]).waybill_ids[0])

    with pytest.raises(ApplicationError, match=rf"\(invoice {invoice.number} printed .*QSP number was sent") as refused:
        print_invoices(account.seller, [order], kind=WaybillKind.PACKING)
    assert refused.value.code == "other_label"
    assert not Waybill.objects.filter(order=order, kind=WaybillKind.PACKING).exists()

    # The seller chose QFC after all: the scan warns before the QSP number is replaced.
    batch = waybills_print(seller_id=account.seller_id, order_ids=[order.pk], kind=WaybillKind.PACKING,
                           other_kind_confirmed=True)
    label = Waybill.objects.get(pk=batch.waybill_ids[0])
    client.force_login(operator)
    lookup = client.get("/waybills/receiving/lookup/", {"label": label.number}).json()
    assert lookup["ok"] and "replaces that number" in lookup["warning"] and invoice.number in lookup["message"]


def test_print_waybill_page_asks_before_printing_the_other_kind(sandbox, account, client):
    (order,) = pull(sandbox, account, 1)
    label = Waybill.objects.get(pk=print_invoices(account.seller, [order], kind=WaybillKind.PACKING).waybill_ids[0])
    client.force_login(account.user)

    page = client.get(reverse("waybills:print")).content.decode()
    assert f"⚠ Packing label {label.number} already printed: the parcel goes to QFC" in page

    response = client.post(reverse("waybills:print"), {"order_ids": [order.pk], "kind": "invoice", "paper": "label"})
    assert response.status_code == 409
    body = response.content.decode()
    assert "already have a label of the other kind" in body and label.number in body
    assert 'id="print-anyway"' in body and 'name="other_kind_confirmed" value="on"' in body
    assert not Waybill.objects.filter(order=order, kind=WaybillKind.INVOICE).exists()

    response = client.post(reverse("waybills:print"), {"order_ids": [order.pk], "kind": "invoice", "paper": "label",
                                                       "other_kind_confirmed": "on"})
    assert response.status_code == 302
    assert Waybill.objects.filter(order=order, kind=WaybillKind.INVOICE).exists()


def test_api_answers_409_other_label_until_confirmed(sandbox, account, client):
    (order,) = pull(sandbox, account, 1)
    print_invoices(account.seller, [order], kind=WaybillKind.PACKING)
    client.force_login(account.user)
    body = {"order_ids": [order.pk], "kind": "invoice"}
    response = client.post("/api/v1/waybills/print/", body, content_type="application/json")
    assert response.status_code == 409 and response.json()["code"] == "other_label"
    response = client.post("/api/v1/waybills/print/", {**body, "other_kind_confirmed": True},
                           content_type="application/json")
    assert response.status_code == 201


def test_a_reprint_of_the_same_kind_is_not_asked_again(sandbox, account):
    (order,) = pull(sandbox, account, 1)
    print_invoices(account.seller, [order], kind=WaybillKind.PACKING)
    waybills_print(seller_id=account.seller_id, order_ids=[order.pk], kind=WaybillKind.INVOICE,
                   other_kind_confirmed=True)
    batch = print_invoices(account.seller, [order])  # the invoice reprinted: no question
    assert batch.reprint_ids
