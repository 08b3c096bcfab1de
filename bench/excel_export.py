"""Benchmark of Export to Excel: the Orders export (and the SKU export's writer) against the writer it replaced.

Builds a throwaway database of its own (SQLite: $SMARTSHIP_VAR_DIR/excel_export.sqlite3; with
DATABASE_URL set: smartship_bench_excel_export on that PostgreSQL server) holding one seller with
--orders orders (about 1.5 lines each, as bench/orders_list.py builds them), then, each --repeat times:

- ``read``: the export's rows without any file: the queries (the lines' shipments included) and the
  per-cell values, the floor;
- ``openpyxl``: the same rows written by openpyxl's write-only workbook, as the export did until
  XlsxWriter replaced it (number formats on dates and amounts, like the old code): the baseline;
- ``export``: the export as a seller gets it (``orders_workbook``: queries + XlsxWriter).

Prints medians, seconds per 10,000 lines and the ratio export / baseline.

    .venv/bin/python bench/excel_export.py [--orders 10000] [--repeat 3] [--keep]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

from django.db import connection
from orders_list import build_seller, throwaway_database  # sets Django up: the portal's modules come after

from orders.exports import COLUMNS, order_export_lines, orders_workbook
from orders.models import OrderLine
from orders.selectors import OrderFilters
from sellers.models import Seller


def rows_of(seller: Seller):
    getters = [column.value for column in COLUMNS]
    for order, line in order_export_lines(seller=seller, filters=OrderFilters()):
        yield [get(order, line) for get in getters]


def read(seller: Seller) -> int:
    return sum(1 for _ in rows_of(seller))


def openpyxl_write(seller: Seller) -> None:
    """The export's writer before core.xlsx, kept here as the baseline."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Orders")
    sheet.append([column.title for column in COLUMNS])
    formatted = [(index, column.number_format or "yyyy-mm-dd hh:mm:ss") for index, column in enumerate(COLUMNS)
                 if column.number_format or column.title.endswith("(KST)")]
    for row in rows_of(seller):
        row = [None if value == "" else value for value in row]
        for index, number_format in formatted:
            if row[index] is not None:
                cell = WriteOnlyCell(sheet, value=row[index])
                cell.number_format = number_format
                row[index] = cell
        sheet.append(row)
    with tempfile.TemporaryFile() as output:
        workbook.save(output)


def export(seller: Seller) -> None:
    orders_workbook(seller=seller, filters=OrderFilters()).close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the database and reuse it on the next run")
    args = parser.parse_args()

    old_name = throwaway_database(name="excel_export", keep=args.keep)
    try:
        name = f"bench-export-{args.orders}"
        seller = Seller.objects.filter(name=name).first() or build_seller(name, args.orders, seed=3)
        lines = OrderLine.objects.filter(seller=seller).count()
        times: dict[str, list[float]] = {"read": [], "openpyxl": [], "export": []}
        for _ in range(args.repeat):
            for case, run in (("read", read), ("openpyxl", openpyxl_write), ("export", export)):
                started = time.perf_counter()
                run(seller)
                times[case].append(time.perf_counter() - started)
        print(f"{args.orders:,} orders, {lines:,} lines; medians of {args.repeat}")
        print(f"{'case':<10} {'seconds':>8} {'s / 10k lines':>14}")
        medians = {case: statistics.median(values) for case, values in times.items()}
        for case, seconds in medians.items():
            print(f"{case:<10} {seconds:>8.2f} {seconds * 10_000 / lines:>14.2f}")
        print(f"export / openpyxl: {medians['export'] / medians['openpyxl']:.2f}; "
              f"writing alone (minus read): {medians['export'] - medians['read']:.2f} s against "
              f"{medians['openpyxl'] - medians['read']:.2f} s")
    finally:
        if not args.keep:
            connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
