"""A print batch downloads as it was printed: its labels list the quantities and print count of that print, not
what the order holds when the file is fetched again (a later cancellation or reprint)."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from orders.services.sync import orders_sync
from tests.waybills.helpers import print_invoices, pull
from waybills.models import PrintBatch, WaybillKind
from waybills.selectors import batch_labels

pytestmark = [pytest.mark.sandbox, pytest.mark.django_db]


def items(batch: PrintBatch) -> list[tuple[str, int]]:
    (label,) = batch_labels(batch=batch)
    return [(item.option or item.product, item.quantity) for item in label.items]


def test_a_batch_downloaded_again_lists_what_it_printed(sandbox, account, client):
    (order,) = pull(sandbox, account, 3)
    first = print_invoices(account.seller, [order], kind=WaybillKind.PACKING)
    printed = items(first)
    assert [quantity for _, quantity in printed] == [1, 2, 3]

    # After printing, the buyer cancels line 2 and one piece of line 3; the parcel in hand still holds all.
    sandbox.cancel(order.order_no, odSeq="2")
    sandbox.cancel(order.order_no, odSeq="3", cnclQty=1)
    orders_sync(account_id=account.pk)
    assert items(first) == printed
    (label,) = batch_labels(batch=first)
    assert (label.print_count, label.reprint) == (1, False)

    # The reprint lists what is left to ship; the first batch still downloads as it was printed.
    second = print_invoices(account.seller, [order], kind=WaybillKind.PACKING)
    assert [quantity for _, quantity in items(second)] == [1, 2]
    (label,) = batch_labels(batch=second)
    assert (label.print_count, label.reprint) == (2, True)
    assert items(first) == printed
    (label,) = batch_labels(batch=first)
    assert (label.print_count, label.reprint) == (1, False)

    client.force_login(account.user)
    response = client.get(f"/waybills/batches/{first.pk}/download/")
    assert response.status_code == 200
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(b"".join(response.streaming_content
                                                                                 if response.streaming else
                                                                                 [response.content]))).pages)
    assert "REPRINT" not in text
    for name, _ in printed:
        assert name in text


def test_a_batch_from_before_quantities_were_kept_lists_the_open_quantities(sandbox, account):
    (order,) = pull(sandbox, account, 2)
    batch = print_invoices(account.seller, [order], kind=WaybillKind.PACKING)
    PrintBatch.objects.filter(pk=batch.pk).update(printed={})
    batch.refresh_from_db()
    sandbox.cancel(order.order_no, odSeq="2")
    orders_sync(account_id=account.pk)
    assert [quantity for _, quantity in items(batch)] == [1]
