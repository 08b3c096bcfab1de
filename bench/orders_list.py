"""Benchmark of the Orders list: does a seller with 100,000 orders wait as long as one with 1,000?

Builds a throwaway database of its own (SQLite: $SMARTSHIP_VAR_DIR/orders_list.sqlite3; with
DATABASE_URL set: smartship_bench_orders_list on that PostgreSQL server), fills it with bulk_create — one seller with 1,000 orders and one with 100,000,
about 1.5 lines per order — and renders the list through the Django test client: the first page, a
status tab, searches, and the same through the REST API. Prints the median time and the query count per case, and the ratio 100k / 1k.

    DJANGO_SETTINGS_MODULE=smartship.settings SMARTSHIP_VAR_DIR=$PWD/var/bench .venv/bin/python bench/orders_list.py

Options: --repeat N (default 9), --keep (keep the database and reuse it next time: building 100k
orders takes a while), --small N / --large N (order counts).
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import random
import statistics
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartship.settings")
os.environ.setdefault("SMARTSHIP_VAR_DIR", str(ROOT / "var" / "bench"))

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from integrations.models import SalesSiteAccount  # noqa: E402
from orders.models import ConfirmState, LineStatus, Order, OrderLine, OrderStatus  # noqa: E402
from orders.services.search import search_text_of  # noqa: E402
from sellers.models import Seller  # noqa: E402
from sellers.services import seller_create  # noqa: E402

SURNAMES = "김이박최정강조윤장임한오서신권황안송류홍"
GIVEN = ["민준", "서연", "도윤", "하은", "시우", "지유", "예준", "수아", "주원", "지아", "하준", "서윤", "지호", "채원"]
PRODUCTS = [
    ("베이직 라운드 티셔츠", ["블랙 / M", "화이트 / L", "네이비 / XL"], "TSHIRT"),
    ("오버핏 후드티", ["그레이 / L", "블랙 / XL"], "HOODIE"),
    ("무선 이어폰", [""], "EARBUDS-01"),
    ("제주 감귤 5kg", [""], "TANGERINE-5KG"),
    ("스테인리스 텀블러 500ml", ["실버", "블랙"], "TUMBLER"),
    ("닭가슴살 10팩", ["오리지널", "매운맛"], "CHICKEN"),
    ("러닝화", ["250", "260", "270"], "RUNNER"),
    ("유기농 현미 4kg", [""], "BROWN-RICE"),
    ("극세사 담요", ["베이지", "그레이"], "BLANKET"),
    ("아동 양말 5족", ["S", "M"], "KIDS-SOCKS"),
]
STATUSES = ([OrderStatus.NEW] * 10 + [OrderStatus.CONFIRMED] * 20 + [OrderStatus.READY] * 5
            + [OrderStatus.SHIPPED] * 57 + [OrderStatus.CANCELLED] * 8)
LINE_STATUS = {OrderStatus.NEW: LineStatus.NEW, OrderStatus.CONFIRMED: LineStatus.CONFIRMED,
               OrderStatus.READY: LineStatus.CONFIRMED, OrderStatus.SHIPPED: LineStatus.SHIPPED,
               OrderStatus.CANCELLED: LineStatus.CANCELLED}
BATCH = 2000
RECENT_CHANGES = 40  # orders and as many lines changed within the last hour, per seller


def phone(rng: random.Random) -> str:
    return f"010-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}"


def build_seller(name: str, orders: int, seed: int) -> Seller:
    rng = random.Random(seed)
    membership = seller_create(name=name, username=name, password="bench-password-1", check_password=False)
    seller = membership.seller
    account = SalesSiteAccount(seller=seller, site="lotteon", shop_id=f"{name}-shop", account_number=f"LO{seed:08d}")
    account.set_api_key("bench-key")
    account.save()
    now = timezone.now()
    started = time.perf_counter()
    for start in range(0, orders, BATCH):
        batch, specs = [], []
        for i in range(start, min(start + BATCH, orders)):
            status = rng.choice(STATUSES)
            instructed = now - timedelta(minutes=i * 3 + rng.randint(0, 2))
            recipient = rng.choice(SURNAMES) + rng.choice(GIVEN)
            count = 2 if rng.random() < 0.5 else 1
            lines = []
            for _ in range(count):
                product, options, code = rng.choice(PRODUCTS)
                option = rng.choice(options)
                lines.append((product, option, code, rng.randint(1, 3), rng.randrange(9900, 59900, 100)))
            attention = status == OrderStatus.NEW and rng.random() < 0.1
            order = Order(
                seller=seller, account=account, site="lotteon", order_no=f"{instructed:%Y%m%d}{seed:02d}{i:06d}",
                status=status, needs_attention=attention,
                attention_reason="Confirmation failed for 1 line(s): 이미 처리된 주문입니다." if attention else "",
                orderer_name=recipient, orderer_mobile=phone(rng), recipient_name=recipient,
                recipient_mobile=phone(rng), zip_code=f"{rng.randint(10000, 63999)}",
                address="서울특별시 강남구 테헤란로 " + str(rng.randint(1, 500)), address_detail=f"{rng.randint(1, 20)}층",
                delivery_message=rng.choice(["", "문 앞에 놓아주세요", "부재 시 경비실에 맡겨주세요"]),
                ordered_at=instructed - timedelta(minutes=30), instructed_at=instructed,
                total_quantity=sum(q for *_, q, _ in lines), total_amount=sum(q * p for *_, q, p in lines),
            )
            # The same function the sync and manual orders use, on the same values as the lines below.
            order.search_text = search_text_of(order, [
                {"product_name": product, "option_name": option, "seller_product_code": code,
                 "seller_option_code": f"{code}-{option}" if option else ""}
                for product, option, code, *_ in lines])
            batch.append(order)
            specs.append((status, lines))
        Order.objects.bulk_create(batch)
        line_rows = []
        for order, (status, lines) in zip(batch, specs, strict=True):
            for seq, (product, option, code, quantity, price) in enumerate(lines, start=1):
                line_rows.append(OrderLine(
                    order=order, seller=seller, line_no=str(seq), status=LINE_STATUS[status],
                    confirm_state=ConfirmState.PENDING if status == OrderStatus.NEW else ConfirmState.CONFIRMED,
                    product_name=product, option_name=option, seller_product_code=code,
                    seller_option_code=f"{code}-{option}" if option else "", site_product_id=f"LO{seed:04d}{seq:06d}",
                    site_option_id=f"LO{seed:04d}{seq:06d}_{seq}", quantity=quantity, unit_price=Decimal(price),
                    amount=Decimal(price * quantity), paid_amount=Decimal(price * quantity),
                    raw={"odNo": order.order_no, "odSeq": str(seq), "procSeq": "1", "pdNm": product, "sitmNm": option,
                         "odQty": quantity, "slPrc": price, "dvpCustNm": recipient, "dvpMphnNo": order.recipient_mobile,
                         "dvpStnmZipAddr": order.address, "dvMsg": order.delivery_message, "odPrgsStepCd": "11"},
                ))
        OrderLine.objects.bulk_create(line_rows)
    # The same number of recent changes for either seller (the API's updated_since): the rest changed two days ago.
    Order.objects.filter(seller=seller).update(updated_at=now - timedelta(days=2))
    OrderLine.objects.filter(seller=seller).update(updated_at=now - timedelta(days=2))
    order_ids = list(Order.objects.filter(seller=seller).values_list("id", flat=True))
    for pk in rng.sample(order_ids, RECENT_CHANGES):
        Order.objects.filter(pk=pk).update(updated_at=now - timedelta(minutes=rng.randint(1, 50)))
    line_ids = list(OrderLine.objects.filter(seller=seller).values_list("id", flat=True))
    for pk in rng.sample(line_ids, RECENT_CHANGES):
        OrderLine.objects.filter(pk=pk).update(updated_at=now - timedelta(minutes=rng.randint(1, 50)))
    print(f"  built {name}: {orders:,} orders in {time.perf_counter() - started:.1f} s", flush=True)
    return seller


def queries_of(client: Client, url: str) -> tuple[int, int]:
    """Queries of one request, and the order rows it shows."""
    client.get(url)  # warm caches (templates, the seller lookup, the database's page cache)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    if url.startswith("/api/"):
        return len(queries.captured_queries), len(response.json()["results"])
    return len(queries.captured_queries), response.content.count(b'<tr class="order-row')


def timed(client: Client, url: str) -> float:
    started = time.perf_counter()
    client.get(url)
    return (time.perf_counter() - started) * 1000


def throwaway_database(*, name: str, keep: bool, database: str = "") -> str:
    """Switch to a database of the benchmark's own (``var/bench/<name>.sqlite3``, or
    ``smartship_bench_<name>`` on PostgreSQL), so it never touches the portal's data or another
    benchmark's; return the name to give ``destroy_test_db`` afterwards. ``database``: another PostgreSQL
    database name, for a server shared with others who keep to names of their own."""
    setup_test_environment(debug=False)
    test_settings = connection.settings_dict.setdefault("TEST", {})
    if connection.vendor == "sqlite":
        test_settings["NAME"] = str(Path(os.environ["SMARTSHIP_VAR_DIR"]) / f"{name}.sqlite3")
    else:
        test_settings["NAME"] = database or f"smartship_bench_{name}"
    old_name = connection.settings_dict["NAME"]
    print(f"database: {connection.vendor}; building the throwaway database ...", flush=True)
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=keep, serialize=False)
    return old_name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--keep", action="store_true", help="keep the database and reuse it on the next run")
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=100_000)
    args = parser.parse_args()

    old_name = throwaway_database(name="orders_list", keep=args.keep)
    try:
        sizes = {"1k": args.small, "100k": args.large}
        sellers = {}
        for label, count in sizes.items():
            name = f"bench-{label}-{count}"
            seller = Seller.objects.filter(name=name).first()
            if seller is None:
                seller = build_seller(name, count, seed=len(sellers) + 1)
            sellers[label] = seller
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        elif connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")

        clients, samples = {}, {}
        for label, seller in sellers.items():
            clients[label] = Client()
            clients[label].force_login(seller.memberships.first().user)
            samples[label] = Order.objects.filter(seller=seller).order_by("id")[sizes[label] // 2]

        def cases(label: str) -> dict[str, str]:
            sample = samples[label]
            return {
                "first page": "/orders/",
                "status tab (New)": "/orders/?status=new",
                "Needs attention tab": "/orders/?status=attention",
                "page 5 of Shipped": "/orders/?status=shipped&page=5",
                "sort by amount": "/orders/?ordering=-total_amount",
                "search name": f"/orders/?q={sample.recipient_name}",
                "search phone (digits)": f"/orders/?q={sample.recipient_mobile.replace('-', '')}",
                "search product": "/orders/?q=텀블러",
                "search product, Ready tab": "/orders/?q=텀블러&status=ready",
                "search 2 characters": f"/orders/?q={sample.recipient_name[1:]}",
                "search, no match": "/orders/?q=없는상품",
                # The REST API: the same filters, each order with its lines.
                "API first page": "/api/v1/orders/",
                "API status (New)": "/api/v1/orders/?status=new",
                "API search name": f"/api/v1/orders/?q={sample.recipient_name}",
                "API search product": "/api/v1/orders/?q=텀블러",
                "API changed in the last hour": "/api/v1/orders/?" + urlencode(
                    {"updated_since": (timezone.now() - timedelta(hours=1)).isoformat(), "ordering": "updated_at"}),
            }

        print(f"\nmachine: {platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPUs, "
              f"{connection.vendor} {connection.Database.sqlite_version if connection.vendor == 'sqlite' else ''}")
        print(f"median of {args.repeat} requests through the test client, the two sellers interleaved\n")
        print(f"{'case':<26} {'1k ms':>8} {'100k ms':>8} {'ratio':>6} {'queries 1k/100k':>16} {'rows 1k/100k':>13}")
        for case in cases("1k"):
            urls = {label: cases(label)[case] for label in sellers}
            queries = {label: queries_of(clients[label], urls[label]) for label in sellers}
            times: dict[str, list[float]] = {label: [] for label in sellers}
            gc.collect()
            for _ in range(args.repeat):
                for label in sellers:
                    times[label].append(timed(clients[label], urls[label]))
            small, large = statistics.median(times["1k"]), statistics.median(times["100k"])
            print(f"{case:<26} {small:>8.1f} {large:>8.1f} {large / small:>6.2f} "
                  f"{queries['1k'][0]:>8}/{queries['100k'][0]:<7} {queries['1k'][1]:>6}/{queries['100k'][1]:<6}",
                  flush=True)

        lines = OrderLine.objects.filter(seller=sellers["100k"], order__status=OrderStatus.NEW).count()
        started = time.perf_counter()
        # Written within the request as it used to be, though a selection this large is now prepared by
        # the worker (SMARTSHIP_EXPORT_INLINE_LINES): the same code writes the file either way.
        with override_settings(SMARTSHIP_EXPORT_INLINE_LINES=lines):
            response = clients["100k"].get("/orders/export/?status=new")
        body = b"".join(response.streaming_content)
        seconds = time.perf_counter() - started
        print(f"\nExport to Excel of the New tab of the 100k seller: {lines:,} lines, {len(body) / 1e6:.1f} MB "
              f"in {seconds:.2f} s ({seconds * 10_000 / lines:.2f} s per 10,000 lines)")
    finally:
        if not args.keep:
            connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
