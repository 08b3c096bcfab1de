"""A seller with ``n`` of everything a list page shows (orders, lines, events, waybills, tracking pushes, print
batches, SKU uploads, Excel exports, fulfilment orders, SKUs with options and links, stock movements and pushes, accounts with their call log,
sync runs and events, an API token), written in bulk: the query-count tests render each page for two sizes and compare.

Rows are written past the services on purpose: only what the pages read matters here, and the tests of the
services build their own data through them.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from integrations.models import AccountAlert, AccountEvent, ApiCallLog, SalesSiteAccount, SyncRun
from inventory.models import (
    FulfilmentLine,
    FulfilmentOrder,
    LinkStatus,
    OptionSku,
    SiteOptionLink,
    Sku,
    SkuImport,
    StockMovement,
    StockPush,
    StockSyncRun,
)
from orders.models import LineStatus, Order, OrderEvent, OrderExport, OrderLine, OrderStatus
from sellers.models import ApiToken, Seller, User
from tests.factories import make_account, make_seller_user
from waybills.models import Courier, PrintBatch, TrackingPush, Waybill, WaybillKind

_seq = itertools.count(1)


@dataclass(frozen=True)
class PageData:
    seller: Seller
    user: User  # the seller's owner, also a QFC warehouse operator
    account: SalesSiteAccount
    order: Order  # n more lines, each with an event, a tracking push and a fulfilment line
    sku: Sku  # n more options
    fulfilment: FulfilmentOrder
    option: OptionSku
    label: str  # a packing label printed and not received yet
    key: int  # in every number of this seller's rows: order numbers P<key>…, tracking numbers B<key>-…


def seller_with_rows(n: int) -> PageData:
    """One seller with n orders (three lines each) and n of every row the list pages show."""
    s = next(_seq)
    seller, user = make_seller_user()
    user.is_warehouse_operator = True
    user.save()
    now = timezone.now()
    Courier.objects.get_or_create(site="lotteon", code="9999", defaults={"name": "기타택배", "fetched_at": now})
    accounts = [make_account(seller=seller, account_number=f"LO{s:03d}{i:05d}", shop_id=f"shop{i}",
                             connection_status="failed" if i % 2 else "ok", is_active=bool(i % 3))
                for i in range(max(2, n // 3))]
    account = accounts[0]
    skus = Sku.objects.bulk_create([Sku(seller=seller, kind="multi", name=f"상품{i}", code=f"S{s}-{i}",
                                        code_key=f"S{s}-{i}", changed_by=user) for i in range(n)])
    options = OptionSku.objects.bulk_create([
        OptionSku(sku=sku, seller=seller, code=f"S{s}-{i}-{o}", code_key=f"S{s}-{i}-{o}", option_values=str(o),
                  position=o, on_hand=5, reserved=1)
        for i, sku in enumerate(skus) for o in range(3)])
    links = SiteOptionLink.objects.bulk_create([
        SiteOptionLink(option=o, seller=seller, account=a, site="lotteon", site_product_id="LO1",
                       site_option_id=f"LO1_{o.pk}_{a.pk}", status=LinkStatus.LINKED if k % 2 else "not_found",
                       source="catalog", checked_at=now)
        for k, o in enumerate(options) for a in accounts[:2]])
    StockPush.objects.bulk_create([
        StockPush(link=link, seller=seller, account=link.account, option=link.option, state="failed", code="x",
                  message="refused", failed_at=now) for link in links])
    orders = Order.objects.bulk_create([
        Order(seller=seller, account=accounts[i % len(accounts)], site="lotteon", order_no=f"P{s}{i:010d}",
              recipient_name="김", address="서울", status=OrderStatus.CONFIRMED, instructed_at=now - timedelta(hours=i))
        for i in range(n)])
    lines = OrderLine.objects.bulk_create([
        OrderLine(order=order, seller=seller, line_no=str(k), product_name="p", quantity=2,
                  status=LineStatus.CONFIRMED, confirm_state="confirmed", sku_option=options[(i + k) % len(options)],
                  seller_option_code=f"X{i}" if k == 2 else "", seller_product_code=f"XP{i}")
        for i, order in enumerate(orders) for k in (1, 2, 3)])
    # Every third line waits for a SKU (Needs mapping).
    OrderLine.objects.filter(pk__in=[line.pk for line in lines if line.line_no == "3"]).update(sku_option=None)
    OrderEvent.objects.bulk_create([OrderEvent(order=o, seller=seller, actor=user, kind="pulled", message="m",
                                               line=lines[3 * i]) for i, o in enumerate(orders) for _ in range(2)])
    waybills = Waybill.objects.bulk_create(
        [Waybill(seller=seller, order=o, kind=WaybillKind.INVOICE, number=f"I{s}-{i}", courier_code="9999",
                 courier_name="기타", last_printed_at=now, printed_by=user) for i, o in enumerate(orders)]
        + [Waybill(seller=seller, order=o, kind=WaybillKind.PACKING, number=f"K{s}-{i}", status="received",
                   courier_code="9999", courier_name="기타", tracking_no=f"T{s}{i}", received_at=now,
                   received_by=user, last_printed_at=now, printed_by=user) for i, o in enumerate(orders)])
    TrackingPush.objects.bulk_create([
        TrackingPush(seller=seller, account=line.order.account, order=line.order, line=line, waybill=waybills[i // 3],
                     origin="invoice", state=["failed", "conflict", "unknown"][i % 3], courier_code="9999",
                     tracking_no=f"I{s}-{i // 3}", attempts=1, last_message="no", created_by=user)
        for i, line in enumerate(lines) if i // 3 % 2]
        + [TrackingPush(seller=seller, account=line.order.account, order=line.order, line=line,
                        waybill=waybills[i // 3], origin="invoice", state="cancelled", last_code="cancelled",
                        courier_code="9999", tracking_no=f"C{s}-{i}", created_by=user)
           for i, line in enumerate(lines) if i // 3 % 2])
    SkuImport.objects.bulk_create([SkuImport(seller=seller, created_by=user, filename=f"skus{i}.xlsx", status="succeeded",
                                             rows_total=3) for i in range(n)])
    OrderExport.objects.bulk_create([OrderExport(seller=seller, created_by=user, status="ready", lines_total=3,
                                                 filename=f"orders{i}.xlsx") for i in range(n)])
    ApiToken.objects.get_or_create(user=user)
    PrintBatch.objects.bulk_create([PrintBatch(seller=seller, kind="invoice", waybill_ids=[waybills[i].pk],
                                               label_count=1, created_by=user) for i in range(n)])
    fos = FulfilmentOrder.objects.bulk_create([
        FulfilmentOrder(seller=seller, order=o, state=["open", "shipped", "packed", "picking"][i // 2 % 4],
                        origin="manual", created_by=user, shipped_by=user, flagged=i % 5 == 0)
        for i, o in enumerate(orders) if i % 2 == 0])
    FulfilmentLine.objects.bulk_create([
        FulfilmentLine(fulfilment=fos[i // 6], order_line=line, option=line.sku_option or options[0], quantity=2)
        for i, line in enumerate(lines) if i // 3 % 2 == 0])
    StockMovement.objects.bulk_create([
        StockMovement(seller=seller, option=line.sku_option or options[0], kind="reservation", reserved_delta=2,
                      fulfilment=fos[i // 6], order_line=line, actor=user) for i, line in enumerate(lines)
        if i // 3 % 2 == 0])
    # Some lines on hold: a buyer's cancellation request.
    OrderLine.objects.filter(pk__in=[line.pk for i, line in enumerate(lines) if i % 7 == 0]).update(
        cancel_request_no="C1", cancel_request_quantity=1, cancel_requested_at=now)
    for a in accounts:
        ApiCallLog.objects.bulk_create([ApiCallLog(seller=seller, account=a, site="lotteon", api_no="209",
                                                   method="GET", path=f"/calls/{s}/", http_status=200, duration_ms=3,
                                                   started_at=now) for _ in range(n)])
        SyncRun.objects.bulk_create([SyncRun(seller=seller, account=a, status="succeeded") for _ in range(n)])
        StockSyncRun.objects.bulk_create([StockSyncRun(seller=seller, account=a, started_at=now) for _ in range(n)])
        AccountEvent.objects.bulk_create([AccountEvent(seller=seller, account=a, actor=user, kind="updated")
                                          for _ in range(n)])
        AccountAlert.objects.bulk_create([AccountAlert(seller=seller, account=a, kind="connection_failed",
                                                       key=f"day-{k}", subject="s", recipients="r@shop.example")
                                          for k in range(n)])
    big = orders[0]
    extra = OrderLine.objects.bulk_create([
        OrderLine(order=big, seller=seller, line_no=str(10 + k), product_name="p", quantity=1,
                  status=LineStatus.CONFIRMED, confirm_state="confirmed", sku_option=options[k % len(options)])
        for k in range(n)])
    OrderEvent.objects.bulk_create([OrderEvent(order=big, seller=seller, actor=user, kind="pulled", line=line)
                                    for line in extra])
    TrackingPush.objects.bulk_create([
        TrackingPush(seller=seller, account=account, order=big, line=line, waybill=waybills[0], origin="invoice",
                     state="failed", courier_code="9999", tracking_no=f"B{s}-{k}", attempts=1, created_by=user)
        for k, line in enumerate(extra)])
    FulfilmentLine.objects.bulk_create([FulfilmentLine(fulfilment=fos[0], order_line=line,
                                                       option=line.sku_option, quantity=1) for line in extra])
    OptionSku.objects.bulk_create([OptionSku(sku=skus[0], seller=seller, code=f"S{s}-0-x{k}", code_key=f"S{s}-0-X{k}",
                                             option_values=f"x{k}", position=10 + k) for k in range(n)])
    # Ready to send to fulfilment (mapped, confirmed, none yet), each with a packing label not received yet.
    ready = Order.objects.bulk_create([
        Order(seller=seller, account=account, site="lotteon", order_no=f"R{s}{i:010d}", recipient_name="이",
              address="서울", status=OrderStatus.CONFIRMED, instructed_at=now) for i in range(n)])
    OrderLine.objects.bulk_create([
        OrderLine(order=o, seller=seller, line_no=str(k), product_name="p", quantity=1, status=LineStatus.CONFIRMED,
                  confirm_state="confirmed", sku_option=options[k]) for o in ready for k in (1, 2)])
    Waybill.objects.bulk_create([Waybill(seller=seller, order=o, kind=WaybillKind.PACKING, number=f"R{s}-{i}",
                                         last_printed_at=now, printed_by=user) for i, o in enumerate(ready)])
    return PageData(seller=seller, user=user, account=account, order=big, sku=skus[0], fulfilment=fos[0],
                    option=options[0], label=f"R{s}-0", key=s)
