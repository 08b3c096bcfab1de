"""Label benchmark: the portal's label PDF against a bare reportlab page with the same content.

    .venv/bin/python bench/labels.py [--sizes 100 500 1000]

For each batch size, in the same run:

- **bare**: a plain reportlab canvas, one 100×150 mm page per label, the same Hangul TTF embedded, one
  Code 128 barcode and the label's text strings drawn with ``drawString`` (no layout at all): the floor.
- **labels**: ``waybills.labels.pdf.pdf_render`` with the same data (layout, wrapping, item table).
- **download**: the real path of Print Waybill's download on a throwaway database: ``batch_labels`` reads
  the batch from SQL in chunks and ``pdf_render`` draws it (queries counted), after ``waybills_print``
  issued the numbers (timed separately).
- **zpl**: ``zpl_render`` of the same labels.

Printed: seconds (best of three), milliseconds per label, the ratio to bare, the peak Python memory while rendering
(tracemalloc, a second run) beyond the PDF's own bytes ("extra MB"), and the query counts.
"""

from __future__ import annotations

import argparse
import io
import time
import tracemalloc

from _support import django_setup

django_setup("labels")

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from reportlab.graphics.barcode.code128 import Code128  # noqa: E402
from reportlab.lib.units import mm  # noqa: E402
from reportlab.pdfgen.canvas import Canvas  # noqa: E402

from orders.models import LineStatus, Order, OrderLine, OrderStatus  # noqa: E402
from sellers.services import seller_create  # noqa: E402
from waybills.labels.data import INVOICE, LabelData, LabelItem  # noqa: E402
from waybills.labels.fonts import fonts_register  # noqa: E402
from waybills.labels.numbers import qsp_format  # noqa: E402
from waybills.labels.pdf import pdf_render  # noqa: E402
from waybills.labels.zpl import zpl_render  # noqa: E402
from waybills.models import PrintBatch, WaybillKind  # noqa: E402
from waybills.selectors import batch_labels  # noqa: E402
from waybills.services.printing import waybills_print  # noqa: E402

ITEMS = (LabelItem("베이직 라운드 반팔 티셔츠", "블랙 / M", 2, "TSHIRT-BLK-M"),
         LabelItem("무선 이어폰 프로", "단일옵션", 1, "EARBUDS-01"))


def make_labels(n: int) -> list[LabelData]:
    return [LabelData(
        kind=INVOICE, number=qsp_format(i), sequence=i, total=n, recipient_name=f"김민준{i}",
        phones=("010-1234-5678", "02-555-0101"), zip_code="06236", address="서울특별시 강남구 테헤란로 152 강남파이낸스센터",
        address_detail="21층 2101호", delivery_message="부재 시 경비실에 맡겨 주세요.", sender="스마트십 데모상점 (lotte-shop)",
        order_no=f"2026112700{i:06d}", site_name="LotteON", items=ITEMS, courier_name="기타택배", courier_code="9999",
        printed_at="2026-11-27 10:00",
    ) for i in range(1, n + 1)]


def texts(label: LabelData) -> list[str]:
    out = ["송장 INVOICE", f"{label.sequence} / {label.total}", f"택배사 Courier: {label.courier_name} (9999)",
           label.number, "받는 분 Recipient", label.recipient_name, "  ·  ".join(label.phones),
           f"[{label.zip_code}] {label.address}", label.address_detail, "배송메시지 Delivery message",
           label.delivery_message, f"보내는 분 Sender: {label.sender}", f"Order {label.order_no} · LotteON",
           "Item / Option", "Qty", "Seller defined code"]
    for item in label.items:
        out += [item.product, str(item.quantity), item.code, item.option]
    out.append(f"{len(label.items)} lines · printed {label.printed_at}")
    return out


def bare(labels: list[LabelData], out) -> None:
    regular, bold = fonts_register()
    canvas = Canvas(out, pagesize=(100 * mm, 150 * mm), pageCompression=1)
    for label in labels:
        y = 145 * mm
        for i, text in enumerate(texts(label)):
            canvas.setFont(bold if i % 3 == 0 else regular, 9)
            canvas.drawString(4 * mm, y, text)
            y -= 4.5 * mm
            if i == 3:
                Code128(label.number, barWidth=0.4 * mm, barHeight=20 * mm, quiet=False).drawOn(canvas, 10 * mm, y - 20 * mm)
                y -= 24 * mm
        canvas.showPage()
    canvas.save()


def measure(fn, *args) -> tuple[float, int, int]:
    """Seconds (a plain run), peak traced bytes (a second run under tracemalloc, which is slow), output bytes."""
    seconds = float("inf")
    for _ in range(3):  # best of three: the machine is shared
        out = io.BytesIO()
        started = time.perf_counter()
        fn(*args, out)
        seconds = min(seconds, time.perf_counter() - started)
    out = io.BytesIO()
    tracemalloc.start()
    fn(*args, out)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak, len(out.getvalue())


def database_batch(n: int) -> tuple[PrintBatch, float, int]:
    membership = seller_create(name=f"Bench {n}", username=f"bench{n}", password="bench-password-1",
                               check_password=False)
    seller = membership.seller
    orders = Order.objects.bulk_create(Order(
        seller=seller, site="", source=Order.Source.MANUAL, order_no=f"M{n}-{i:06d}", status=OrderStatus.CONFIRMED,
        recipient_name=f"김민준{i}", recipient_mobile="010-1234-5678", zip_code="06236",
        address="서울특별시 강남구 테헤란로 152", address_detail="21층", delivery_message="문 앞") for i in range(n))
    OrderLine.objects.bulk_create(OrderLine(
        order=o, seller=seller, line_no=str(k), product_name=item.product, option_name=item.option,
        quantity=item.quantity, seller_option_code=item.code, status=LineStatus.CONFIRMED)
        for o in orders for k, item in enumerate(ITEMS, start=1))
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        batch = waybills_print(seller_id=seller.pk, order_ids=[o.pk for o in orders], kind=WaybillKind.INVOICE)
        seconds = time.perf_counter() - started
    return batch, seconds, len(queries)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 500, 1000], help="at most 1000 (MAX_BATCH)")
    args = parser.parse_args()
    fonts_register()
    pdf_render(make_labels(2), io.BytesIO())  # warm-up: font parsing, imports
    bare(make_labels(2), io.BytesIO())
    print(f"{'labels':>6} {'variant':>9} {'seconds':>8} {'ms/label':>9} {'x bare':>7} {'PDF KB':>8} "
          f"{'extra MB':>9} {'queries':>8}")
    for n in args.sizes:
        labels = make_labels(n)
        base = measure(bare, labels)
        rows = [("bare", *base, "")]
        rows.append(("labels", *measure(lambda ls, out: pdf_render(ls, out), labels), ""))
        batch, print_seconds, print_queries = database_batch(n)
        with CaptureQueriesContext(connection) as queries:
            result = measure(lambda b, out: pdf_render(batch_labels(batch=b), out), batch)
        rows.append(("download", *result, str(len(queries))))
        started = time.perf_counter()
        zpl_bytes = sum(len(block) for block in zpl_render(labels))
        rows.append(("zpl", time.perf_counter() - started, 0, zpl_bytes, ""))
        for name, seconds, peak, size, query_count in rows:
            extra = f"{max(0, peak - size) / 2**20:.1f}" if peak else "-"
            print(f"{n:>6} {name:>9} {seconds:>8.3f} {seconds / n * 1000:>9.2f} {seconds / base[0]:>7.2f} "
                  f"{size / 1024:>8.0f} {extra:>9} {query_count:>8}")
        print(f"{n:>6} {'print':>9} {print_seconds:>8.3f} {print_seconds / n * 1000:>9.2f} {'':>7} {'':>8} {'':>9} "
              f"{print_queries:>8}  (waybills_print: numbers, waybills, events)")


if __name__ == "__main__":
    main()
