"""Stock sync benchmark: Automatic Stock Qty Sync of 5,000 linked option SKUs against the LotteON sandbox.

    .venv/bin/python bench/stock_sync.py [--options 5000] [--per-product 10] [--batch 100] [--latency 0]

The sandbox gets ``--options`` options in products of ``--per-product`` (admin API), the portal one seller
with the same option SKUs, each linked to its LotteON option (spdNo/sitmNo). Then, each step timed with its
database queries and the LotteON calls it made (read from the sandbox's call log):

1. stock arrives for every option (one receipt each, one ``movements_book`` call) and the first sync runs;
2. a full sync with nothing changed;
3. every option's stock changes, then the change-triggered (incremental) sync;
4. ten options change;
5. a hundred options go to 0 (LotteON sets them sold out), then come back (read, 86, 111 SALE).

Only changed quantities are pushed: step 3 must cost ceil(options / batch) calls of 86 and nothing else.
"""

from __future__ import annotations

import argparse
import math
from collections import Counter

import requests
from _support import admin, django_setup, sandbox, timed

DEMO_KEY = "demo-lotteon-api-key"
PATHS = {"/v1/openapi/product/v1/item/stock/change": "86", "/v1/openapi/product/v1/item/status/change": "111",
         "/v1/openapi/product/v1/product/detail": "94"}


def catalog(url: str, options: int, per_product: int) -> list[tuple[str, str, str]]:
    """Create the products at the sandbox; return (eitmNo, spdNo, sitmNo) per option."""
    items = []
    for p in range(math.ceil(options / per_product)):
        count = min(per_product, options - p * per_product)
        product = admin(url, "POST", "products", apiKey=DEMO_KEY, epdNo=f"BENCH-{p:05d}", spdNm=f"벤치 상품 {p}",
                        options=[{"eitmNo": f"BENCH-{p:05d}-{o:02d}", "sitmNm": f"옵션 {o}", "stkQty": 50}
                                 for o in range(count)])
        items += [(row["eitmNo"], product["spdNo"], row["sitmNo"]) for row in product["itmLst"]]
    return items


def calls_since(url: str, since: int) -> tuple[Counter, int]:
    calls = requests.get(f"{url}/__admin__/calls", params={"since": since}, timeout=60).json()["calls"]
    counted = Counter(PATHS.get(c["path"], c["path"]) for c in calls)
    return counted, (calls[-1]["id"] if calls else since)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--options", type=int, default=5000)
    parser.add_argument("--per-product", type=int, default=10)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds the sandbox waits before each answer")
    args = parser.parse_args()
    django_setup("stock_sync")
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from integrations.models import SalesSiteAccount
    from inventory.codes import code_key
    from inventory.models import LinkStatus, OptionSku, SiteOptionLink, Sku, SkuKind, StockPush
    from inventory.services.stock import Move, movements_book
    from inventory.services.stock_sync import stock_sync
    from sellers.services import seller_create

    print(f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}, options {args.options}, "
          f"{args.per_product} per product, batch {args.batch}, latency {args.latency * 1000:.0f} ms")
    with sandbox() as url:
        settings.LOTTEON_BASE_URL = url
        settings.LOTTEON_CALLS_PER_MINUTE = 1_000_000
        settings.SMARTSHIP_STOCK_PUSH_BATCH = args.batch
        admin(url, "POST", "reset", lines=0)
        build_s, items = timed(lambda: catalog(url, args.options, args.per_product))
        seller = seller_create(name="Bench", username="bench-stock", password="x", check_password=False).seller
        account = SalesSiteAccount(seller=seller, site="lotteon", shop_id="bench", account_number="LO10000001",
                                   auto_stock_sync=True)
        account.set_api_key(DEMO_KEY)
        account.save()
        skus = Sku.objects.bulk_create([Sku(seller=seller, kind=SkuKind.MULTI, name=f"벤치 상품 {p}")
                                        for p in range(math.ceil(args.options / args.per_product))])
        options = OptionSku.objects.bulk_create([
            OptionSku(sku=skus[i // args.per_product], seller=seller, code=code, code_key=code_key(code),
                      option_values=f"옵션 {i % args.per_product}", position=i % args.per_product)
            for i, (code, _, _) in enumerate(items)], batch_size=1000)
        now = timezone.now()
        SiteOptionLink.objects.bulk_create([
            SiteOptionLink(option=option, seller=seller, account=account, site="lotteon", site_product_id=spd,
                           site_option_id=sitm, status=LinkStatus.LINKED, source=SiteOptionLink.Source.CATALOG,
                           checked_at=now)
            for option, (_, spd, sitm) in zip(options, items, strict=True)], batch_size=1000)
        if args.latency:
            admin(url, "POST", "faults", delay=args.latency, count=-1)
        print(f"set-up: {len(items)} options in {len(skus)} products at the sandbox in {build_s:.1f} s")
        last = admin(url, "GET", "calls")["calls"]
        since = last[-1]["id"] if last else 0

        def book(option_list, quantity_of, kind: str = "receipt") -> tuple[float, int]:
            moves = [Move(option_id=o.pk, kind=kind, quantity=quantity_of(i), reason="count" if kind != "receipt" else "")
                     for i, o in enumerate(option_list)]
            with CaptureQueriesContext(connection) as captured:
                seconds, _ = timed(lambda: movements_book(seller_id=seller.pk, moves=moves))
            return seconds, len(captured.captured_queries)

        rows = []

        def sync(step: str, *, full: bool, booked: tuple[float, int] | None = None) -> None:
            nonlocal since
            with CaptureQueriesContext(connection) as captured:
                seconds, run = timed(lambda: stock_sync(account_id=account.pk, full=full))
            assert run.status == "succeeded", (run.status, run.error_message)
            counted, since = calls_since(url, since)
            rows.append({"step": step, "book s": f"{booked[0]:.2f}" if booked else "–",
                         "book queries": booked[1] if booked else "–", "sync s": f"{seconds:.2f}",
                         "sync queries": len(captured.captured_queries), "looked at": run.checked,
                         "pushed": run.pushed, "86": counted["86"], "94": counted["94"], "111": counted["111"],
                         "back on sale": run.resumed})

        booked = book(options, lambda i: 10 + i % 7)
        sync("1. first sync (stock arrives)", full=False, booked=booked)
        sync("2. full sync, nothing changed", full=True)
        booked = book(options, lambda i: 1)
        sync(f"3. all {len(options)} change", full=False, booked=booked)
        booked = book(options[:10], lambda i: 1)
        sync("4. ten change", full=False, booked=booked)
        hundred = list(OptionSku.objects.filter(pk__in=[o.pk for o in options[:100]]))
        booked = book(hundred, lambda i: -hundred[i].on_hand, kind="adjustment")
        sync("5a. a hundred go to 0", full=False, booked=booked)
        booked = book(hundred, lambda i: 3)
        sync("5b. ...and come back", full=False, booked=booked)

        stock = {row["sitmNo"]: row for row in admin(url, "GET", "state", apiKey=DEMO_KEY)["stock"]}
        wrong = [o.code for o, (_, _, sitm) in zip(OptionSku.objects.filter(pk__in=[o.pk for o in options])
                                                   .order_by("pk"), items, strict=True)
                 if stock[sitm]["stkQty"] != o.available]
        sold_out = sum(1 for _, _, sitm in items[:100] if stock[sitm]["slStatCd"] != "SALE")
        assert not wrong and not sold_out, (wrong[:5], sold_out)
        assert StockPush.objects.filter(state="synced").count() == len(options)

    columns = list(rows[0])
    print("| " + " | ".join(columns) + " |")
    print("|" + "|".join("---" if c == "step" else "---:" for c in columns) + "|")
    for row in rows:
        print("| " + " | ".join(str(row[c]) for c in columns) + " |")
    from integrations.lotteon.adapter_catalog import STOCK_BATCH

    effective = min(args.batch, STOCK_BATCH)
    print(f"LotteON holds every option's available quantity; rows per call {effective} (the setting, at most the "
          f"adapter's {STOCK_BATCH}): ceil({len(options)} / {effective}) = {math.ceil(len(options) / effective)}")


if __name__ == "__main__":
    main()
