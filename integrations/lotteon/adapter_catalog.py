"""LotteON products and stock for the adapter: product list/detail (93/94), stock (86), sale status (111)."""

from __future__ import annotations

from collections.abc import Sequence

from integrations.catalog import SiteOption, SiteProduct
from integrations.lotteon.records import ProductDetail


class CatalogMixin:
    """Mixed into LotteonAdapter; uses ``self.client`` (integrations.lotteon.client.LotteOnClient)."""

    def fetch_products_by_codes(self, codes: Sequence[str]) -> list[SiteProduct]:
        """The products whose seller product code (epdNo) is one of ``codes``, with their options.

        93 filtered by epdNo (100 codes per call, every page) finds the spdNo; 94 per product pairs
        each option's eitmNo with its sitmNo (API.md §7). A code shared by several products returns
        them all: the caller decides what several matches mean.
        """
        wanted = list(dict.fromkeys(code for code in codes if code))
        if not wanted:
            return []
        found: dict[str, str] = {}  # spdNo -> epdNo, in the order 93 lists them
        for product in self.client.iter_products(epd_nos=wanted):
            found.setdefault(product.spd_no, product.epd_no)
        return [_site_product(self.client.product_detail(spd_no), epd_no) for spd_no, epd_no in found.items()]


def _site_product(detail: ProductDetail, listed_code: str) -> SiteProduct:
    return SiteProduct(
        site_product_id=detail.spd_no,
        code=detail.epd_no or listed_code,
        name=detail.name,
        sale_status=detail.sale_status,
        options=tuple(
            SiteOption(site_option_id=option.sitm_no, code=option.eitm_no, name=option.name,
                       sale_status=option.sale_status, stock=option.stock)
            for option in detail.options
        ),
    )
