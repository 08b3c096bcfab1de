"""Order sync benchmark: the full sync (pull + store + confirm) against the bare HTTP calls it needs.

    .venv/bin/python bench/sync_orders.py [--lines 1000 10000] [--days 7]

For each size the sandbox is reset to the same seeded data twice. First the portal's sync runs (real
HTTP, real SQL) while its database queries are counted. Then the exact requests it sent, read back from
the sandbox's call log, are replayed with plain `requests` on one session and no database: that is the
floor no sync can beat. Printed: calls, seconds, the ratio, and the query count.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics

import requests
from _support import admin, django_setup, sandbox, timed

DEMO_KEY = "demo-lotteon-api-key"
HEADERS = {"Authorization": f"Bearer {DEMO_KEY}", "Accept": "application/json", "Accept-Language": "ko",
           "X-Timezone": "GMT+09:00", "Content-Type": "application/json"}


def replay(url: str, calls: list[dict]) -> float:
    session = requests.Session()

    def run():
        for call in calls:
            body = call["request"].get("body")
            query = call["request"].get("query") or {}
            response = session.request(call["method"], url + call["path"], headers=HEADERS, params=query or None,
                                       data=json.dumps(body, ensure_ascii=False).encode() if body is not None else None,
                                       timeout=60)
            response.json()

    seconds, _ = timed(run)
    return seconds


def add_latency(url: str, seconds: float) -> None:
    """Every API call waits this long before it is answered, like a call across the internet would."""
    if seconds:
        admin(url, "POST", "faults", delay=seconds, count=-1)


def one_size(url: str, lines: int, days: int, repeat: int, latency: float) -> dict:
    from django.db import connection

    from integrations.models import SalesSiteAccount
    from orders.models import Order, OrderLine
    from orders.services.sync import orders_sync
    from sellers.services import seller_create

    sync_times, bare_times, queries, calls = [], [], [], []
    for attempt in range(repeat):
        admin(url, "POST", "reset", seed=7, lines=lines, days=days)
        add_latency(url, latency)
        OrderLine.objects.all().delete()
        Order.objects.all().delete()
        SalesSiteAccount.objects.all().delete()
        membership = seller_create(name="Bench", username=f"bench-{lines}-{attempt}-{latency}", password="x", check_password=False)
        account = SalesSiteAccount(seller=membership.seller, site="lotteon", shop_id="bench", account_number="LO10000001")
        account.set_api_key(DEMO_KEY)
        account.save()
        counted = []

        def count(execute, sql, params, many, context, counted=counted):
            counted.append(1)
            return execute(sql, params, many, context)

        # A counter, not CaptureQueriesContext: that one formats every statement's SQL with its
        # parameters (DEBUG's cursor), which costs more than some of the statements themselves.
        with connection.execute_wrapper(count):
            seconds, run = timed(lambda account=account: orders_sync(account_id=account.pk))
        assert run.status == "succeeded", run.error_message
        sync_times.append(seconds)
        queries.append(len(counted))
        calls = admin(url, "GET", "calls")["calls"]
        stored = OrderLine.objects.count()

        admin(url, "POST", "reset", seed=7, lines=lines, days=days)
        add_latency(url, latency)
        bare_times.append(replay(url, calls))
    sync, bare = statistics.median(sync_times), statistics.median(bare_times)
    return {"latency ms": round(latency * 1000), "lines generated": lines, "lines stored": stored, "HTTP calls": len(calls), "sync s": sync,
            "bare HTTP s": bare, "ratio": sync / bare, "queries": statistics.median(queries),
            "confirmed": run.lines_confirmed}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--latency", type=float, nargs="+", default=[0.0],
                        help="seconds the sandbox waits before each answer (0 = loopback speed)")
    args = parser.parse_args()
    # As deployed: DEBUG off, so no statement is formatted for the debug log.
    os.environ.setdefault("DJANGO_DEBUG", "false")
    django_setup("sync_orders")
    from django.conf import settings

    print(f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}")
    with sandbox() as url:
        settings.LOTTEON_BASE_URL = url
        settings.SMARTSHIP_ORDER_LOOKBACK_DAYS = args.days
        settings.LOTTEON_CALLS_PER_MINUTE = 100_000
        rows = [one_size(url, lines, args.days, args.repeat, latency)
                for latency in args.latency for lines in args.lines]
    columns = list(rows[0])
    print(" | ".join(columns))
    for row in rows:
        print(" | ".join(f"{row[c]:.3f}" if isinstance(row[c], float) else str(row[c]) for c in columns))


if __name__ == "__main__":
    main()
