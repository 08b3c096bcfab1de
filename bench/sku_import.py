"""SKU import benchmark: a 20,000-row Excel upload read, checked and applied by the worker's service, and what
mapping costs next to it.

    .venv/bin/python bench/sku_import.py [--rows 20000] [--lines 10000] [--repeat 3]

Each round starts from an empty seller with ``--lines`` open order lines waiting for codes (half of them match
a row of the file). Measured, median of the rounds:

- reading the .xlsx (openpyxl, read-only) and the whole job (read + check + apply + re-map), as the worker runs
  it, with its database queries;
- the same file uploaded again (every row unchanged);
- the Excel export of the 20,000 option SKUs;
- ``lines_map`` on ``--lines`` freshly stored lines that all match an option SKU, and on lines that match
  none (what the sync's ``on_lines_stored`` hook costs in both cases).
"""

from __future__ import annotations

import argparse
import io
import statistics

from _support import django_setup, timed


def workbook(rows: int) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("SKUs")
    sheet.append(["SKU Seller Management Code", "SKU name", "Option values", "Product code", "Barcode", "Active"])
    singles = rows // 2
    for i in range(singles):
        sheet.append([f"SINGLE-{i:06d}", f"단일 상품 {i}", None, None, f"880{i:010d}", "Y"])
    for i in range((rows - singles) // 2):
        for colour in ("블랙", "화이트"):
            sheet.append([f"P{i:06d}-{colour}", f"옵션 상품 {i}", f"{colour} / FREE", f"P{i:06d}", None, None])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def waiting_lines(seller, count: int, *, matching_every: int = 2, prefix: str = "A") -> list[int]:
    from orders.models import LineStatus, Order, OrderLine

    orders = Order.objects.bulk_create(
        [Order(seller=seller, site="lotteon", order_no=f"{prefix}{i:015d}", recipient_name="김", address="서울",
               status="confirmed") for i in range(count)], batch_size=2000)
    lines = OrderLine.objects.bulk_create(
        [OrderLine(order=order, seller=seller, line_no="1", product_name="p", quantity=1, status=LineStatus.CONFIRMED,
                   seller_product_code=f"SINGLE-{i:06d}" if i % matching_every == 0 else f"NOPE-{i}")
         for i, order in enumerate(orders)], batch_size=2000)
    return [line.pk for line in lines]


def one_round(content: bytes, lines: int, attempt: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from inventory import excel
    from inventory.models import OptionSku, SkuImport
    from inventory.selectors import SkuFilters, sku_export_rows
    from inventory.services.imports import sku_import_run
    from inventory.services.mapping import lines_map
    from sellers.services import seller_create

    seller = seller_create(name="Bench", username=f"bench-{attempt}", password="x", check_password=False).seller
    waiting_lines(seller, lines)

    read_s, _ = timed(lambda: excel.read_rows(content))
    job = SkuImport.objects.create(seller=seller, filename="bench.xlsx", size=len(content), content=content)
    with CaptureQueriesContext(connection) as captured:
        job_s, job = timed(lambda: sku_import_run(import_id=job.pk))
    assert job.status == "succeeded", (job.message, job.errors[:3])
    again = SkuImport.objects.create(seller=seller, filename="bench.xlsx", size=len(content), content=content)
    again_s, again = timed(lambda: sku_import_run(import_id=again.pk))
    assert again.options_unchanged == OptionSku.objects.filter(seller=seller).count()
    export_s, _ = timed(lambda: excel.skus_workbook(sku_export_rows(seller=seller, filters=SkuFilters())).close())

    fresh = waiting_lines(seller, lines, matching_every=1, prefix="B")
    with CaptureQueriesContext(connection) as mapped:
        map_s, result = timed(lambda: lines_map(seller_id=seller.pk, line_ids=fresh))
    unknown = waiting_lines(seller, lines, matching_every=lines + 1, prefix="C")[1:]  # no code matches
    none_s, _ = timed(lambda: lines_map(seller_id=seller.pk, line_ids=unknown))
    return {"rows": job.rows_total, "read s": read_s, "import s": job_s, "import queries": len(captured),
            "lines mapped": job.lines_mapped, "re-import s": again_s, "export s": export_s,
            "map lines": len(fresh), "map s": map_s, "map queries": len(mapped), "mapped": len(result.mapped),
            "map s, no match": none_s}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    django_setup("sku_import")
    from django.conf import settings

    content = workbook(args.rows)
    print(f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}; file: {len(content) / 1e6:.2f} MB")
    rounds = [one_round(content, args.lines, attempt) for attempt in range(args.repeat)]
    print(" | ".join(rounds[0]))
    print(" | ".join(
        f"{statistics.median(r[c] for r in rounds):.2f}" if isinstance(rounds[0][c], float) else str(rounds[-1][c])
        for c in rounds[0]))


if __name__ == "__main__":
    main()
