"""Export to Excel, shipment columns: each line's courier, tracking number, shipping time and the push of its
number to the sales site, as ``waybills.selectors.line_shipments`` decides them; read back with openpyxl."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from integrations.lotteon.codes import COURIERS
from inventory.services.fulfilment import fulfilment_orders_send, fulfilment_ship
from inventory.services.stock import stock_receive
from orders.exports import orders_workbook
from orders.models import LineStatus, Order, OrderLine, OrderStatus
from orders.selectors import OrderFilters
from orders.services import hooks
from orders.services.lifecycle import lines_mark_shipped
from orders.services.store import orders_refresh
from tests.factories import make_account, make_seller_user
from tests.inventory.factories import make_multi
from tests.orders.factories import make_order
from waybills.models import Courier, TrackingPush, Waybill, WaybillKind
from waybills.services.printing import waybills_print
from waybills.services.receiving import packing_receive

KST = ZoneInfo("Asia/Seoul")
EXPORT = reverse("orders:order-export")
SHIPMENT_COLUMNS = ("Courier", "Courier code", "Tracking number", "Shipped at (KST)", "Tracking push")
pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    seller, user = make_seller_user(name="배송 상점")
    account = make_account(seller=seller, shop_id="lotte-shop")
    # LotteON's carrier list (API 89) as read a moment ago: recording a carrier's number asks LotteON nothing.
    Courier.objects.bulk_create([Courier(site="lotteon", code=code, name=name, sort=i, fetched_at=timezone.now())
                                 for i, (code, name) in enumerate(COURIERS.items())])
    return seller, user, account


def sheet_rows(content: bytes) -> tuple[list[str], list[dict], object]:
    sheet = load_workbook(io.BytesIO(content))["Orders"]
    values = list(sheet.iter_rows(values_only=True))
    header = list(values[0])
    return header, [dict(zip(header, row, strict=True)) for row in values[1:]], sheet


def export(client, user) -> tuple[list[str], dict[str, dict], object]:
    """The export as the seller downloads it, its rows by order number (one line per order here)."""
    client.force_login(user)
    response = client.get(EXPORT)
    assert response.status_code == 200
    header, rows, sheet = sheet_rows(b"".join(response.streaming_content))
    return header, {row["Order number"]: row for row in rows}, sheet


def close_to(cell: datetime | None, moment: datetime) -> bool:
    """An Excel time (KST wall clock, to the millisecond) is this aware moment."""
    return cell is not None and abs(cell - timezone.localtime(moment, KST).replace(tzinfo=None)) < timedelta(seconds=1)


def invoice(seller, user, *orders: Order) -> dict[int, Waybill]:
    waybills_print(seller_id=seller.pk, order_ids=[o.pk for o in orders], kind=WaybillKind.INVOICE, actor=user)
    return {w.order_id: w for w in Waybill.objects.filter(order__in=orders, kind=WaybillKind.INVOICE)}


def push_answered(order: Order, *, state: str, message: str = "", at: datetime | None = None) -> None:
    """What a push run stores when the sales site answers for the order's lines (its own tests are in
    tests/waybills): confirmed lines become Shipped."""
    fields = {"state": state, "last_message": message, "attempts": 1, "sent_at": at or timezone.now()}
    if state == TrackingPush.State.CONFIRMED:
        fields["confirmed_at"] = at
    TrackingPush.objects.filter(order=order).update(**fields)
    if state == TrackingPush.State.CONFIRMED:
        lines_mark_shipped(seller_id=order.seller_id, line_ids=order.lines.values_list("pk", flat=True),
                           message="Tracking number accepted by LotteON")


def shipped_by_qfc(seller, user, account, *, courier_code: str, tracking_no: str, code: str = "TS-BLK-M") -> Order:
    """A confirmed LotteON order sent to the QFC warehouse and shipped there with the carrier's number."""
    sku = make_multi(seller=seller, options=[(code, "블랙 / M")])
    option = sku.options.get()
    stock_receive(seller=seller, option=option, quantity=5)
    order = make_order(seller=seller, account=account, status=OrderStatus.CONFIRMED,
                       lines=[{"seller_option_code": code, "sku_option": option}])
    (fo,) = fulfilment_orders_send(seller=seller, order_ids=[order.pk], actor=user)
    fulfilment_ship(fulfilment_id=fo.pk, actor=user, courier_code=courier_code, tracking_no=tracking_no)
    return order


def test_each_way_a_line_ships_fills_the_shipment_columns(client, shop):
    seller, user, account = shop
    pushed, failed, not_shipped, cancelled = (
        make_order(seller=seller, account=account, status=OrderStatus.CONFIRMED) for _ in range(4))
    numbers = invoice(seller, user, pushed, failed, cancelled)
    accepted = datetime(2026, 11, 27, 14, 5, tzinfo=KST)
    push_answered(pushed, state=TrackingPush.State.CONFIRMED, at=accepted)
    push_answered(failed, state=TrackingPush.State.FAILED,
                  message="[3006] the order status does not allow this (already cancelled)")
    # The buyer cancels after the invoice was printed: the sync cancels the line and tells the other apps.
    line = cancelled.lines.get()
    OrderLine.objects.filter(pk=line.pk).update(status=LineStatus.CANCELLED, cancelled_quantity=line.quantity)
    hooks.lines_cancelled(seller_id=seller.pk, line_ids=[line.pk])
    orders_refresh(order_ids={cancelled.pk})
    by_qfc = shipped_by_qfc(seller, user, account, courier_code="0002", tracking_no="012345678901")
    qfc_shipped_at = by_qfc.fulfilment.shipped_at

    header, rows, sheet = export(client, user)
    assert header[header.index("Confirmation") + 1:header.index("Confirmation") + 6] == list(SHIPMENT_COLUMNS)

    row = rows[pushed.order_no]
    assert (row["Courier"], row["Courier code"], row["Tracking number"]) == (
        "기타택배", "9999", numbers[pushed.pk].number)
    assert row["Tracking number"].startswith("QSP")
    assert row["Shipped at (KST)"] == datetime(2026, 11, 27, 14, 5)  # when LotteON took it, Korean wall clock
    assert row["Tracking push"] == "Confirmed by the sales site"
    assert row["Line status"] == "Shipped"

    row = rows[failed.order_no]
    assert (row["Courier code"], row["Tracking number"]) == ("9999", numbers[failed.pk].number)
    assert row["Shipped at (KST)"] is None  # LotteON has not taken it
    assert row["Tracking push"] == "Failed: [3006] the order status does not allow this (already cancelled)"

    row = rows[by_qfc.order_no]
    assert (row["Courier"], row["Courier code"], row["Tracking number"]) == ("CJ대한통운", "0002", "012345678901")
    assert close_to(row["Shipped at (KST)"], qfc_shipped_at)  # QFC's Ship
    assert row["Tracking push"] == "Waiting to be sent"

    # Printed, then cancelled: what was printed stays, the line status says cancelled, and nothing was pushed.
    row = rows[cancelled.order_no]
    assert row["Line status"] == "Cancelled" and row["Tracking number"] == numbers[cancelled.pk].number
    assert row["Shipped at (KST)"] is None
    assert row["Tracking push"] == "Not pushed: Cancelled by the buyer: the tracking number is not pushed."

    row = rows[not_shipped.order_no]
    assert all(row[title] is None for title in SHIPMENT_COLUMNS)

    # Carriers' numbers and codes are text: the leading 0 stays, Excel does not turn them into numbers.
    titles = [cell.value for cell in sheet[1]]
    cells = {sheet.cell(row=r, column=titles.index("Order number") + 1).value: r for r in range(2, sheet.max_row + 1)}
    for title in ("Tracking number", "Courier code"):
        cell = sheet.cell(row=cells[by_qfc.order_no], column=titles.index(title) + 1)
        assert cell.data_type == "s", title


def test_a_label_received_at_qfc_and_a_manual_order_invoice(client, shop):
    seller, user, account = shop
    labelled = make_order(seller=seller, account=account, status=OrderStatus.CONFIRMED)
    waybills_print(seller_id=seller.pk, order_ids=[labelled.pk], kind=WaybillKind.PACKING, actor=user)
    label = Waybill.objects.get(order=labelled, kind=WaybillKind.PACKING)
    packing_receive(code=label.number, courier_code="0001", tracking_no="00987654321")
    manual = make_order(seller=seller, source=Order.Source.MANUAL, status=OrderStatus.CONFIRMED)
    (manual_invoice,) = invoice(seller, user, manual).values()

    _, rows, _ = export(client, user)
    row = rows[labelled.order_no]
    label.refresh_from_db()
    assert (row["Courier"], row["Courier code"], row["Tracking number"]) == ("롯데택배", "0001", "00987654321")
    assert close_to(row["Shipped at (KST)"], label.received_at)  # the receiving scan
    assert row["Tracking push"] == "Waiting to be sent"
    row = rows[manual.order_no]
    assert row["Tracking number"] == manual_invoice.number and row["Line status"] == "Shipped"
    assert row["Tracking push"] == "Manual order: not pushed"
    assert row["Shipped at (KST)"] is not None  # shipped when its invoice was printed


def test_another_sellers_waybills_never_appear(client, shop):
    seller, user, account = shop
    mine = make_order(seller=seller, account=account, status=OrderStatus.CONFIRMED)
    (my_invoice,) = invoice(seller, user, mine).values()
    other, other_user = make_seller_user(name="남의 상점")
    other_account = make_account(seller=other, shop_id="other-shop", account_number="LO20000002")
    theirs = [make_order(seller=other, account=other_account, status=OrderStatus.CONFIRMED) for _ in range(2)]
    their_numbers = {w.number for w in invoice(other, other_user, *theirs).values()}
    push_answered(theirs[0], state=TrackingPush.State.CONFIRMED, at=timezone.now())
    shipped_by_qfc(other, other_user, other_account, courier_code="0002", tracking_no="555566667777",
                   code="OTHER-1")

    _, rows, _ = export(client, user)
    assert list(rows) == [mine.order_no]
    assert rows[mine.order_no]["Tracking number"] == my_invoice.number
    # Even asked for another seller's lines by id, the rule answers nothing for them.
    from waybills.selectors import line_shipments
    their_lines = OrderLine.objects.filter(seller=other).values_list("pk", flat=True)
    assert line_shipments(seller_id=seller.pk, line_ids=their_lines) == {}
    assert their_numbers and {s.tracking_no for s in line_shipments(seller_id=other.pk, line_ids=their_lines)
                              .values()} == their_numbers | {"555566667777"}


def test_the_shipment_columns_cost_the_same_queries_for_5_and_45_orders(shop, django_assert_max_num_queries):
    seller, user, account = shop

    def add(count: int) -> list[Order]:
        made = [make_order(seller=seller, account=account, status=OrderStatus.CONFIRMED,
                           lines=[{"product_name": "티셔츠"}, {"product_name": "양말"}]) for _ in range(count)]
        invoice(seller, user, *made[1:])
        push_answered(made[1], state=TrackingPush.State.CONFIRMED, at=timezone.now())
        push_answered(made[2], state=TrackingPush.State.FAILED, message="refused")
        return made

    def written() -> tuple[int, list[dict]]:
        with CaptureQueriesContext(connection) as queries, orders_workbook(
                seller=seller, filters=OrderFilters()) as output:
            content = output.read()
        return len(queries.captured_queries), sheet_rows(content)[1]

    add(4)
    shipped_by_qfc(seller, user, account, courier_code="0002", tracking_no="012345678901")
    few, rows = written()
    assert sum(1 for row in rows if row["Tracking number"]) == 2 * 3 + 1
    add(40)
    # Orders, their lines; the lines' shipments: lines, outbox, fulfilment, waybills, one carrier list.
    with django_assert_max_num_queries(few):
        many, rows = written()
    assert sum(1 for row in rows if row["Tracking number"]) == 2 * (3 + 39) + 1
    assert many == few <= 7, (few, many)
    assert {row["Tracking push"] for row in rows if row["Tracking number"]} == {
        "Confirmed by the sales site", "Failed: refused", "Waiting to be sent"}


def test_a_chunk_of_lines_reads_its_shipments_together(shop, monkeypatch):
    """Shipments are read per chunk of lines: more chunks, a few more queries each; never one per line."""
    import orders.exports

    seller, user, account = shop
    made = [make_order(seller=seller, account=account, status=OrderStatus.CONFIRMED) for _ in range(30)]
    invoice(seller, user, *made)

    def count(chunk: int) -> int:
        monkeypatch.setattr(orders.exports, "SHIPMENT_CHUNK", chunk)
        with CaptureQueriesContext(connection) as queries, orders_workbook(seller=seller, filters=OrderFilters()) as out:
            assert sum(1 for row in sheet_rows(out.read())[1] if row["Tracking number"]) == 30
        return len(queries.captured_queries)

    one_chunk, three_chunks = count(1000), count(10)
    assert three_chunks - one_chunk <= 2 * 3, (one_chunk, three_chunks)  # lines, outbox, fulfilment per extra chunk
    assert three_chunks < 30

