"""Benchmark of the list pages besides Orders: does a seller after a year wait as long as a new one?

Builds a throwaway database of its own (SQLite: $SMARTSHIP_VAR_DIR/pages.sqlite3; with DATABASE_URL set:
smartship_bench_pages on that PostgreSQL server) with one seller of 1,000 orders and one of 100,000, each with
what a year of them leaves behind: waybills and tracking pushes of the shipped orders, fulfilment orders, stock
movements, SKUs (100 and 10,000, three options each, linked), order sync runs and API calls of the 90 days the
history is kept. Both sellers have the same 150 orders to print and 150 fulfilment orders to ship, so the
pages show the same rows and differ only in what lies behind them.

Seller pages and API lists are requested for each seller, interleaved; the table shows medians, the query
count of one request and the ratio big / small. The QFC warehouse's pages list every seller's work: they are
measured once with the small seller alone in the database and again after the big one was added.

    DJANGO_SETTINGS_MODULE=smartship.settings SMARTSHIP_VAR_DIR=$PWD/var/bench .venv/bin/python bench/pages.py

Options: --repeat N (default 9), --small N / --large N (order counts).
"""

from __future__ import annotations

import argparse
import gc
import io
import os
import platform
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartship.settings")
os.environ.setdefault("SMARTSHIP_VAR_DIR", str(ROOT / "var" / "bench"))

import django  # noqa: E402

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from bench.orders_list import throwaway_database  # noqa: E402
from integrations.models import AccountEvent, ApiCallLog, SalesSiteAccount, SyncRun  # noqa: E402
from inventory.models import (  # noqa: E402
    FulfilmentLine,
    FulfilmentOrder,
    LinkCheck,
    LinkStatus,
    OptionSku,
    SiteOptionLink,
    Sku,
    SkuImport,
    StockMovement,
    StockPush,
    StockSyncRun,
)
from orders.models import ConfirmState, LineStatus, Order, OrderEvent, OrderExport, OrderLine, OrderStatus  # noqa: E402
from orders.services.manual import COLUMNS  # noqa: E402
from sellers.models import Seller, User  # noqa: E402
from sellers.services import seller_create  # noqa: E402
from waybills.models import Courier, PrintBatch, TrackingPush, Waybill, WaybillKind  # noqa: E402

BATCH = 2000
OPEN = 150  # orders to print and fulfilment orders to ship, for either seller
HISTORY_DAYS = 90  # SMARTSHIP_HISTORY_KEEP_DAYS: sync runs and API calls older than that are pruned


def _bulk(model, rows) -> list:
    made = []
    for start in range(0, len(rows), BATCH):
        made += model.objects.bulk_create(rows[start:start + BATCH])
    return made


def build_seller(name: str, orders: int, seed: int) -> Seller:
    started = time.perf_counter()
    membership = seller_create(name=name, username=name, password="bench-password-1", check_password=False)
    seller, user = membership.seller, membership.user
    account = SalesSiteAccount(seller=seller, site="lotteon", shop_id=f"{name}-shop", account_number=f"LO{seed:08d}",
                               auto_stock_sync=True, connection_status=SalesSiteAccount.ConnectionStatus.OK)
    account.set_api_key("bench-key")
    account.save()
    now = timezone.now()

    sku_count = max(100, orders // 10)
    skus = _bulk(Sku, [Sku(seller=seller, kind="multi", name=f"상품 {seed}-{i:06d}", code=f"B{seed}-{i}",
                           code_key=f"B{seed}-{i}") for i in range(sku_count)])
    options = _bulk(OptionSku, [
        OptionSku(sku=sku, seller=seller, code=f"B{seed}-{i}-{o}", code_key=f"B{seed}-{i}-{o}",
                  option_values=["블랙", "화이트", "네이비"][o], position=o, on_hand=20, reserved=2)
        for i, sku in enumerate(skus) for o in range(3)])
    links = _bulk(SiteOptionLink, [
        SiteOptionLink(option=option, seller=seller, account=account, site="lotteon", site_product_id=f"LO{seed}{i // 3}",
                       site_option_id=f"LO{seed}{i // 3}_{i % 3}", status=LinkStatus.LINKED, source="catalog",
                       checked_at=now) for i, option in enumerate(options)])
    _bulk(StockPush, [
        StockPush(link=link, seller=seller, account=account, option=options[i], dirty=False,
                  state=StockPush.State.FAILED if i < 20 else StockPush.State.SYNCED, pushed_quantity=18,
                  code="x" if i < 20 else "", message="refused" if i < 20 else "", failed_at=now if i < 20 else None)
        for i, link in enumerate(links)])

    # Orders: the newest OPEN are to ship (half of them printed already), the rest shipped over the year.
    order_rows = []
    for i in range(orders):
        status = OrderStatus.CONFIRMED if i < OPEN else OrderStatus.SHIPPED
        order_rows.append(Order(
            seller=seller, account=account, site="lotteon", order_no=f"{seed:02d}{i:010d}", status=status,
            recipient_name="홍길동", recipient_mobile="010-1234-5678", address="서울특별시 강남구 테헤란로 1",
            instructed_at=now - timedelta(minutes=5 * i), ordered_at=now - timedelta(minutes=5 * i + 30),
            total_quantity=1, total_amount=12900))
    made = _bulk(Order, order_rows)
    lines = _bulk(OrderLine, [
        OrderLine(order=order, seller=seller, line_no="1", product_name="베이직 티셔츠", option_name="블랙",
                  quantity=1, unit_price=12900, amount=12900, paid_amount=12900,
                  status=LineStatus.CONFIRMED if i < OPEN else LineStatus.SHIPPED, confirm_state=ConfirmState.CONFIRMED,
                  sku_option=options[i % len(options)], seller_option_code=options[i % len(options)].code)
        for i, order in enumerate(made)])
    waybills = _bulk(Waybill, [
        Waybill(seller=seller, order=order, kind=WaybillKind.INVOICE if i % 2 else WaybillKind.PACKING,
                number=f"{'I' if i % 2 else 'K'}{seed:02d}{i:09d}",
                status=Waybill.Status.PRINTED if i % 2 or i < OPEN else Waybill.Status.RECEIVED,
                courier_code="9999", courier_name="기타택배", tracking_no="" if i % 2 or i < OPEN else f"T{seed}{i}",
                last_printed_at=order.instructed_at, first_printed_at=order.instructed_at, printed_by=user,
                received_at=None if i % 2 or i < OPEN else order.instructed_at + timedelta(hours=5))
        for i, order in enumerate(made) if i >= OPEN // 2])
    by_order = {w.order_id: w for w in waybills}
    _bulk(TrackingPush, [
        TrackingPush(seller=seller, account=account, order=made[i], line=line, waybill=by_order.get(line.order_id),
                     origin="invoice", courier_code="9999", tracking_no=f"P{seed}{i}", attempts=1,
                     state=TrackingPush.State.FAILED if i < OPEN + 20 else TrackingPush.State.CONFIRMED,
                     last_message="refused" if i < OPEN + 20 else "")
        for i, line in enumerate(lines) if i >= OPEN])
    # Half the shipped orders went through QFC; OPEN fulfilment orders wait there (orders of their own).
    fulfilled = [i for i in range(OPEN, orders) if i % 2 == 0]
    fos = _bulk(FulfilmentOrder, [
        FulfilmentOrder(seller=seller, order=made[i], state=FulfilmentOrder.State.SHIPPED, origin="automatic",
                        courier_code="9999", courier_name="기타택배", tracking_no=f"F{seed}{i}",
                        shipped_at=made[i].instructed_at + timedelta(hours=20), shipped_by=user)
        for i in fulfilled])
    _bulk(FulfilmentLine, [FulfilmentLine(fulfilment=fo, order_line=lines[i], option=options[i % len(options)],
                                          quantity=1, shipped_quantity=1) for fo, i in zip(fos, fulfilled, strict=True)])
    waiting = _bulk(Order, [Order(seller=seller, account=account, site="lotteon", order_no=f"W{seed:02d}{i:09d}",
                                  status=OrderStatus.CONFIRMED, recipient_name="김영희", address="부산",
                                  instructed_at=now - timedelta(minutes=i)) for i in range(OPEN)])
    waiting_lines = _bulk(OrderLine, [
        OrderLine(order=order, seller=seller, line_no="1", product_name="후드티", quantity=1,
                  status=LineStatus.CONFIRMED, confirm_state=ConfirmState.CONFIRMED, sku_option=options[i])
        for i, order in enumerate(waiting)])
    open_fos = _bulk(FulfilmentOrder, [FulfilmentOrder(seller=seller, order=order, origin="automatic")
                                       for order in waiting])
    _bulk(FulfilmentLine, [FulfilmentLine(fulfilment=fo, order_line=line, option=options[i], quantity=1, reserved=1)
                           for i, (fo, line) in enumerate(zip(open_fos, waiting_lines, strict=True))])
    movements = [StockMovement(seller=seller, option=options[i % len(options)], kind=kind, fulfilment=fo,
                               quantity=-1 if kind == "shipment" else 0, reserved_delta=1 if kind == "reservation" else -1)
                 for i, fo in enumerate(fos) for kind in ("reservation", "shipment")]
    movements += [StockMovement(seller=seller, option=option, kind="receipt", quantity=20, actor=user)
                  for option in options]
    _bulk(StockMovement, movements)

    # The 90 days of history that are kept: a sync every 5 minutes is 26,000 runs; a big seller's calls.
    runs = max(300, min(orders // 4, HISTORY_DAYS * 288))
    _bulk(SyncRun, [SyncRun(seller=seller, account=account, trigger="schedule", status="succeeded",
                            started_at=now - timedelta(minutes=5 * i), finished_at=now - timedelta(minutes=5 * i - 1))
                    for i in range(runs)])
    _bulk(StockSyncRun, [StockSyncRun(seller=seller, account=account, started_at=now - timedelta(minutes=30 * i),
                                      status="succeeded") for i in range(max(100, runs // 6))])
    _bulk(ApiCallLog, [ApiCallLog(seller=seller, account=account, site="lotteon", api_no="209", method="GET",
                                  path="/v1/openapi/delivery/v1/SellerDeliveryProgressSearch", http_status=200,
                                  duration_ms=40, started_at=now - timedelta(minutes=i))
                       for i in range(orders * 2)])
    # What the admin and the progress pages read besides: an event per order, the account's timeline, a print
    # batch per 50 labels, an Excel export or SKU upload or link check every day or so (the latest of each shown).
    _bulk(OrderEvent, [OrderEvent(order=order, seller=seller, actor=user, kind="pulled", message="pulled",
                                  line=line) for order, line in zip(made, lines, strict=True)])
    _bulk(AccountEvent, [AccountEvent(seller=seller, account=account, actor=user, kind="updated")
                         for _ in range(max(30, orders // 300))])
    _bulk(PrintBatch, [PrintBatch(seller=seller, kind="invoice", waybill_ids=[w.pk for w in waybills[i:i + 50]],
                                  label_count=len(waybills[i:i + 50]), created_by=user)
                       for i in range(0, len(waybills), 50)])
    jobs = max(10, orders // 300)
    _bulk(OrderExport, [OrderExport(seller=seller, created_by=user, status="ready", lines_total=1000,
                                    lines_done=1000, filename=f"orders-{i}.xlsx", finished_at=now) for i in range(jobs)])
    problems = [{"row": r, "column": "B", "message": "This code is another option's."} for r in range(2, 202)]
    _bulk(SkuImport, [SkuImport(seller=seller, created_by=user, filename=f"skus-{i}.xlsx", status="rejected",
                                phase="done", rows_total=200, rows_done=200, errors=problems, error_rows=200,
                                finished_at=now) for i in range(jobs)])
    _bulk(LinkCheck, [LinkCheck(seller=seller, created_by=user, sku_ids=[s.pk for s in skus[:50]], status="done",
                                ok=True, message="50 SKUs checked.", finished_at=now) for _ in range(jobs)])
    print(f"  built {name}: {orders:,} orders in {time.perf_counter() - started:.1f} s", flush=True)
    return seller


UPLOADS: dict[str, bytes] = {}  # "POST <url>" cases: the file each sends


def fetch(client, url: str):
    if url.startswith("POST "):
        return post_import(client, UPLOADS[url])
    return client.get(url)


def queries_of(client, url: str) -> int:
    fetch(client, url)  # warm caches (templates, the seller lookup, the database's page cache)
    with CaptureQueriesContext(connection) as queries:
        response = fetch(client, url)
    assert response.status_code in (200, 204), (url, response.status_code)
    return len(queries.captured_queries)


def timed(client, url: str) -> float:
    started = time.perf_counter()
    fetch(client, url)
    return (time.perf_counter() - started) * 1000


def median_of(client, url: str, repeat: int) -> float:
    gc.collect()
    return statistics.median(timed(client, url) for _ in range(repeat))


def prune_ms(repeat: int) -> tuple[int, float, float]:
    """The daily prune: its first run (the large seller's calls go back 139 days: it deletes those past 90), and
    the median of the next ones, with nothing old left to delete: what it reads to find that out."""
    from core.services import history_prune

    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        history_prune()
    first = (time.perf_counter() - started) * 1000
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        history_prune()
        times.append((time.perf_counter() - started) * 1000)
    return len(queries.captured_queries), first, statistics.median(times)


def print_plans(large: Seller) -> None:
    """How the database reads what grows with time, at this size (EXPLAIN; PostgreSQL's with costs off)."""
    from datetime import timedelta as days

    from integrations.selectors import account_call_log
    from orders.selectors import COUNT_LIMIT

    cutoff = timezone.now() - days(days=90)
    account = SalesSiteAccount.objects.get(seller=large)
    shipped = FulfilmentOrder.objects.filter(seller=large, state="shipped")
    queries = {
        "prune: calls past 90 days": ApiCallLog.objects.filter(started_at__lt=cutoff).values_list("pk")[:5000],
        "prune: sync runs past 90 days": SyncRun.objects.filter(queued_at__lt=cutoff).exclude(
            status__in=["queued", "running"]).values_list("pk")[:5000],
        "admin: every call, newest first": ApiCallLog.objects.order_by("-started_at", "-id")[:100],
        "admin: every sync run, newest first": SyncRun.objects.order_by("-queued_at", "-id")[:100],
        "account page: its calls, newest first": account_call_log(account=account)[:25],
        "account page: calls counted to 1,001": account_call_log(account=account).order_by()[:COUNT_LIMIT + 1]
        .values("pk"),
        "QFC Shipped of a seller": shipped.order_by("-updated_at", "-id").values("pk")[:50],
        "QFC count: Shipped to 1,001": shipped.order_by().values("pk")[:COUNT_LIMIT + 1],
        "QFC count: the active states": FulfilmentOrder.objects.filter(
            state__in=FulfilmentOrder.ACTIVE_STATES).order_by().values("state"),
        "QFC count: flagged": FulfilmentOrder.objects.filter(flagged__in=[True]).order_by().values("pk"),
    }
    print("\nplans\n")
    for name, queryset in queries.items():
        sql, params = queryset.query.sql_with_params()
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
                plan = " / ".join(str(row[-1]) for row in cursor.fetchall())
            else:
                cursor.execute("EXPLAIN (COSTS OFF) " + sql, params)
                plan = " / ".join(row[0].strip() for row in cursor.fetchall())
        print(f"{name:<40} {plan}", flush=True)


def analyze() -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE" if connection.vendor == "sqlite" else "VACUUM ANALYZE")


def seller_cases(seller: Seller) -> dict[str, str]:
    account = SalesSiteAccount.objects.get(seller=seller)
    export = OrderExport.objects.filter(seller=seller).order_by("-created_at", "-id")[0].pk
    sku_import = SkuImport.objects.filter(seller=seller).order_by("-created_at", "-id")[0].pk
    return {
        "Print Waybill": "/waybills/print/",
        "Print Waybill, not printed": "/waybills/print/?printed=no",
        "Print Waybill, packing": "/waybills/print/?kind=packing",
        "Tracking push failures": "/waybills/push-failures/",
        "SKU Management": "/inventory/skus/",
        "SKU Management, search": "/inventory/skus/?q=상품",
        "Send to fulfilment, Sent": "/inventory/fulfilment/send/?tab=sent",
        "Stock sync": "/inventory/stock-sync/",
        "Stock movements": "/inventory/movements/",
        "Sync history": "/sales-sites/syncs/",
        "Account page (API call log)": f"/sales-sites/{account.pk}/",
        "API waybills": "/api/v1/waybills/",
        "API tracking pushes": "/api/v1/tracking-pushes/",
        "API fulfilment orders": "/api/v1/fulfilment-orders/",
        "API stock movements": "/api/v1/stock-movements/",
        "API sync runs": "/api/v1/sync-runs/",
        "API call log": f"/api/v1/sales-site-accounts/{account.pk}/calls/",
        "API SKUs": "/api/v1/skus/",
        # The progress pages: one job or run each, however many the seller has had.
        "Sync progress": f"/sales-sites/syncs/{SyncRun.objects.filter(seller=seller).latest('queued_at').pk}/progress/",
        "Print Waybill, batch printed": f"/waybills/print/?batch={PrintBatch.objects.filter(seller=seller).last().pk}",
        "Export detail": f"/orders/exports/{export}/",
        "Export progress": f"/orders/exports/{export}/progress/",
        "SKU import detail": f"/inventory/skus/import/{sku_import}/",
        "SKU import progress": f"/inventory/skus/import/{sku_import}/progress/",
        "Link check progress": f"/inventory/skus/check-links/{LinkCheck.objects.filter(seller=seller).last().pk}/",
        "Stock sync wait": f"/inventory/stock-sync/wait/?requested={int(time.time())}&accounts={account.pk}",
        "Manual order form": "/orders/manual/new/",
        "Manual order import": "/orders/manual/import/",
        MANUAL_RESULT: f"POST /orders/manual/import/?seller={seller.pk}",
    }


MANUAL_RESULT = "Manual import, 50 refused"


def manual_file(seller: Seller) -> bytes:
    """50 orders of the file each given the number of an order the seller has: the import refuses them all and
    lists why, and nothing is written (the page can be asked again)."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append([column.header for column in COLUMNS])
    keys = [column.key for column in COLUMNS]
    taken = Order.objects.filter(seller=seller, status=OrderStatus.SHIPPED).values_list("order_no", flat=True)[:50]
    for order_no in taken:
        values = {"reference_order_no": order_no, "recipient_name": "홍길동", "zip_code": "06236", "address": "서울",
                  "seller_code": "X-1", "product_name": "티셔츠", "quantity": 1}
        sheet.append([values.get(key) for key in keys])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def post_import(client, content: bytes):
    response = client.post("/orders/manual/import/", {"file": SimpleUploadedFile("orders.xlsx", content)})
    assert response.status_code == 200 and b"already" in response.content, response.content[:300]
    return response


WAREHOUSE_CASES = {
    "QFC fulfilment list": "/inventory/fulfilment/",
    "QFC fulfilment, Shipped": "/inventory/fulfilment/?tab=shipped",
    "QFC Stock": "/inventory/stock/",
    "QFC stock movements": "/inventory/stock/movements/",
    "QFC receiving": "/waybills/receiving/",
    "QFC dashboard": "/",
    "API QFC fulfilment, shipped": "/api/v1/warehouse/fulfilment-orders/?tab=shipped",
}


# The Django admin lists every seller's rows too: measured like the warehouse's pages.
ADMIN_CASES = {
    "Admin orders": "/admin/orders/order/",
    "Admin orders, search": "/admin/orders/order/?q=홍길동",
    "Admin order lines": "/admin/orders/orderline/",
    "Admin order events": "/admin/orders/orderevent/",
    "Admin Excel exports": "/admin/orders/orderexport/",
    "Admin sync runs": "/admin/integrations/syncrun/",
    "Admin API call log": "/admin/integrations/apicalllog/",
    "Admin account events": "/admin/integrations/accountevent/",
    "Admin accounts": "/admin/integrations/salessiteaccount/",
    "Admin SKUs": "/admin/inventory/sku/",
    "Admin option SKUs": "/admin/inventory/optionsku/",
    "Admin links": "/admin/inventory/siteoptionlink/",
    "Admin SKU uploads": "/admin/inventory/skuimport/",
    "Admin fulfilment orders": "/admin/inventory/fulfilmentorder/",
    "Admin stock movements": "/admin/inventory/stockmovement/",
    "Admin stock pushes": "/admin/inventory/stockpush/",
    "Admin stock sync runs": "/admin/inventory/stocksyncrun/",
    "Admin waybills": "/admin/waybills/waybill/",
    "Admin tracking pushes": "/admin/waybills/trackingpush/",
    "Admin print batches": "/admin/waybills/printbatch/",
    "Admin sellers": "/admin/sellers/seller/",
    "Admin users": "/admin/sellers/user/",
}


def clients_of(user: User) -> tuple[Client, APIClient]:
    web = Client()
    web.force_login(user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return web, api


def client_for(clients: tuple[Client, APIClient], url: str):
    return clients[1] if url.startswith("/api/") else clients[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--database", default="", help="PostgreSQL: the database to create and drop "
                        "(default smartship_bench_pages)")
    parser.add_argument("--only", default="", help="only the cases whose name contains this text")
    args = parser.parse_args()

    old_name = throwaway_database(name="pages", keep=False, database=args.database)
    try:
        Courier.objects.create(site="lotteon", code="9999", name="기타택배", fetched_at=timezone.now())
        operator = User.objects.create_user(username="qfc", password="bench-password-1", is_warehouse_operator=True)
        qfc = clients_of(operator)
        superuser = User.objects.create_superuser(username="ops", password="bench-password-1")
        ops = clients_of(superuser)
        small = build_seller("bench-small", args.small, seed=1)
        first_order = Order.objects.filter(seller=small).order_by("id").first()
        admin_cases = {**ADMIN_CASES, "Admin order page": f"/admin/orders/order/{first_order.pk}/change/"}
        # QFC's filter by seller: the small seller's shipped orders, behind the large one's once it is there.
        small_shipped = {"QFC Shipped, small seller's": f"/inventory/fulfilment/?tab=shipped&seller={small.pk}"}
        warehouse_cases = {**{case: (qfc, url) for case, url in {**WAREHOUSE_CASES, **small_shipped}.items()},
                           **{case: (ops, url) for case, url in admin_cases.items()}}
        warehouse_cases = {case: v for case, v in warehouse_cases.items() if args.only.lower() in case.lower()}
        analyze()
        print(f"\nmachine: {platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPUs, "
              f"{connection.vendor} {connection.Database.sqlite_version if connection.vendor == 'sqlite' else ''}")
        before = {case: (queries_of(client_for(who, url), url), median_of(client_for(who, url), url, args.repeat))
                  for case, (who, url) in warehouse_cases.items()}
        prune_before = prune_ms(args.repeat)
        large = build_seller("bench-large", args.large, seed=2)
        analyze()

        print(f"\nmedian of {args.repeat} requests through the test client, the two sellers interleaved\n")
        print(f"{'case':<30} {'small ms':>9} {'large ms':>9} {'ratio':>6} {'queries small/large':>20}")
        clients = {label: clients_of(seller.memberships.first().user)
                   for label, seller in (("small", small), ("large", large))}
        urls = {"small": seller_cases(small), "large": seller_cases(large)}
        for label, seller in (("small", small), ("large", large)):
            UPLOADS[urls[label][MANUAL_RESULT]] = manual_file(seller)
        for case in urls["small"]:
            if args.only.lower() not in case.lower():
                continue
            counts = {label: queries_of(client_for(clients[label], urls[label][case]), urls[label][case])
                      for label in clients}
            times: dict[str, list[float]] = {label: [] for label in clients}
            gc.collect()
            for _ in range(args.repeat):
                for label in clients:
                    url = urls[label][case]
                    times[label].append(timed(client_for(clients[label], url), url))
            s, big = statistics.median(times["small"]), statistics.median(times["large"])
            print(f"{case:<30} {s:>9.1f} {big:>9.1f} {big / s:>6.2f} {counts['small']:>10}/{counts['large']:<9}",
                  flush=True)

        print("\nQFC warehouse and admin (every seller's): the small seller alone, then with the large one\n")
        print(f"{'case':<30} {'small ms':>9} {'both ms':>9} {'ratio':>6} {'queries small/both':>20}")
        for case, (who, url) in warehouse_cases.items():
            count, alone = before[case]
            after = median_of(client_for(who, url), url, args.repeat)
            print(f"{case:<30} {alone:>9.1f} {after:>9.1f} {after / alone:>6.2f} "
                  f"{count:>10}/{queries_of(client_for(who, url), url):<9}", flush=True)
        count, first_alone, alone = prune_before
        count_after, first_after, after = prune_ms(args.repeat)
        print(f"{'Daily prune, first':<30} {first_alone:>9.1f} {first_after:>9.1f} {first_after / first_alone:>6.2f} "
              f"{count:>10}/{count_after:<9}", flush=True)
        print(f"{'Daily prune, nothing to delete':<30} {alone:>9.1f} {after:>9.1f} {after / alone:>6.2f}", flush=True)
        print_plans(large)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
