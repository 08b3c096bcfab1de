"""LotteON products and stock for the adapter: product list/detail (93/94), stock (86), sale status (111)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from integrations.catalog import (
    SiteOption,
    SiteProduct,
    SiteStockState,
    StockItemRef,
    StockPushOutcome,
    StockPushRequest,
)
from integrations.errors import BusinessError, OutcomeUnknown, RequestRejected
from integrations.lotteon import codes
from integrations.lotteon.records import ItemResult, ProductDetail, SaleStatusChange, StockChange, WriteResult

# Rows per 86 / 111 call. API.md documents no maximum ("one call can carry several options of several
# products"); 100 is what the 210/137 writes use. The stock sync sends at most its own batch-size setting
# per call, and never more than this.
STOCK_BATCH = 100
SOLD_OUT_BY_STOCK = "SOUT_STK"  # slStatRsnCd LotteON sets when 86 brings a SALE option to 0 (§5.7, §6.2)


class CatalogMixin:
    """Mixed into LotteonAdapter; uses ``self.client`` (integrations.lotteon.client.LotteOnClient)."""

    stock_batch_size = STOCK_BATCH

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

    # --- Stock ---------------------------------------------------------------------------------------

    def stock_states(self, items: Sequence[StockItemRef]) -> list[SiteStockState]:
        """94 once per product: each option's stock, whether LotteON manages it, and its sale status.

        A product LotteON does not know (a business error on 94) makes its options ``found=False`` with
        LotteON's message; transport errors (auth, rate limit, unreachable) are raised.
        """
        by_product: dict[str, list[StockItemRef]] = {}
        for item in items:
            by_product.setdefault(item.site_product_id, []).append(item)
        states: list[SiteStockState] = []
        for spd_no, refs in by_product.items():
            try:
                detail = self.client.product_detail(spd_no)
            except (BusinessError, RequestRejected) as refused:
                states.extend(SiteStockState(r.site_product_id, r.site_option_id, found=False,
                                             message=f"LotteON does not know product {spd_no}: {refused.message}")
                              for r in refs)
                continue
            options = {option.sitm_no: option for option in detail.options}
            for ref in refs:
                option = options.get(ref.site_option_id)
                if option is None:
                    states.append(SiteStockState(ref.site_product_id, ref.site_option_id, found=False,
                                                 message=f"LotteON product {spd_no} has no option {ref.site_option_id}."))
                    continue
                states.append(SiteStockState(
                    ref.site_product_id, ref.site_option_id, found=True, stock_managed=option.stock_managed,
                    stock=option.stock, sale_status=option.sale_status, sale_status_reason=option.sale_status_reason,
                    on_sale=option.sale_status == codes.SaleStatus.SALE,
                    sold_out_by_stock=(option.sale_status == codes.SaleStatus.SOLD_OUT
                                       and option.sale_status_reason == SOLD_OUT_BY_STOCK),
                ))
        return states

    def push_stock(self, requests: Sequence[StockPushRequest]) -> list[StockPushOutcome]:
        """86 with absolute quantities, ``stock_batch_size`` rows per call; one outcome per request, in order.

        Stock 0 makes LotteON set the option sold out (SOUT/SOUT_STK); a restock does not undo that
        (``resume_sale``). Errors that applied nothing to any row (auth, rate limit, unreachable) are raised.
        """
        return self._item_writes(
            [StockChange(spd_no=r.site_product_id, sitm_no=r.site_option_id, quantity=r.quantity) for r in requests],
            self.client.change_stock)

    def resume_sale(self, items: Sequence[StockItemRef]) -> list[StockPushOutcome]:
        """111 ``SALE`` for options LotteON set sold out because their stock reached 0, after a restock (86
        with a quantity above 0 first: 111 SALE on a stock-0 option fails)."""
        return self._item_writes(
            [SaleStatusChange(spd_no=i.site_product_id, sitm_no=i.site_option_id, status=codes.SaleStatus.SALE)
             for i in items],
            self.client.change_sale_status)

    def _item_writes(self, rows: list[Any], send: Callable[[Any], WriteResult[ItemResult]]) -> list[StockPushOutcome]:
        outcomes: list[StockPushOutcome] = []
        for i in range(0, len(rows), STOCK_BATCH):
            batch = rows[i : i + STOCK_BATCH]
            try:
                result = send(batch)
            except OutcomeUnknown as unknown:
                outcomes.extend(StockPushOutcome(r.spd_no, r.sitm_no, ok=False, unknown=True, code="unknown",
                                                 message=unknown.message) for r in batch)
                continue
            except (BusinessError, RequestRejected) as refused:
                code = getattr(refused, "return_code", "") or str(refused.code)
                outcomes.extend(StockPushOutcome(r.spd_no, r.sitm_no, ok=False, code=code, message=refused.message)
                                for r in batch)
                continue
            outcomes.extend(StockPushOutcome(r.spd_no, r.sitm_no, ok=r.ok, code=r.code, message=r.message)
                            for r in result.results)
        return outcomes


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
