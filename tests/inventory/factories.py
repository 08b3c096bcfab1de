"""SKUs for tests, made through the services (so codes, keys and mapping follow the real rules)."""

from __future__ import annotations

import io
import itertools

from openpyxl import Workbook

from inventory.models import Sku, SkuKind
from inventory.services.skus import OptionInput, sku_create
from sellers.models import Seller

_numbers = itertools.count(1)


def make_single(*, seller: Seller, code: str | None = None, name: str | None = None, barcode: str = "") -> Sku:
    n = next(_numbers)
    return sku_create(seller=seller, kind=SkuKind.SINGLE, name=name or f"단일 상품 {n}", code=code or f"SINGLE-{n}",
                      barcode=barcode).sku


def make_multi(*, seller: Seller, options: list[tuple[str, str]] | None = None, code: str = "",
               name: str | None = None) -> Sku:
    """A multi-option SKU; ``options`` are (Seller defined code, option values) pairs."""
    n = next(_numbers)
    options = options or [(f"MULTI-{n}-BLK", "블랙"), (f"MULTI-{n}-WHT", "화이트")]
    return sku_create(seller=seller, kind=SkuKind.MULTI, name=name or f"옵션 상품 {n}", code=code,
                      options=[OptionInput(code=c, option_values=v) for c, v in options]).sku


def xlsx(rows: list[list], header: list[str] | None = None, sheet: str = "SKUs") -> bytes:
    """An .xlsx with the template's columns (or ``header``) and these rows."""
    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    worksheet.append(header or ["SKU Seller Management Code", "SKU name", "Option values", "Product code", "Barcode",
                                "Active"])
    for row in rows:
        worksheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
