"""Marketplace-neutral records for products, options and stock pushes (used by inventory/).

A sales site's product as the inventory app needs it to link option SKUs: the site's own ids next to
the seller's codes (LotteON: ``spdNo``/``sitmNo`` are the site's ids, ``epdNo``/``eitmNo`` the seller's
codes; API.md §7).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SiteOption:
    site_option_id: str  # LotteON sitmNo
    code: str  # the seller's option code (LotteON eitmNo); "" when the seller entered none
    name: str  # the option as the site shows it, e.g. "블랙 / M"
    sale_status: str = ""
    stock: int | None = None  # None when the site does not manage stock for it


@dataclass(frozen=True)
class SiteProduct:
    site_product_id: str  # LotteON spdNo
    code: str  # the seller's product code (LotteON epdNo)
    name: str
    options: tuple[SiteOption, ...]
    sale_status: str = ""


# --- Stock (86/111 at LotteON) ---------------------------------------------------------------------


@dataclass(frozen=True)
class StockItemRef:
    """One option at the sales site, by the site's own ids (LotteON spdNo + sitmNo)."""

    site_product_id: str
    site_option_id: str


@dataclass(frozen=True)
class StockPushRequest:
    """Set an option's stock to an absolute quantity (never negative)."""

    site_product_id: str
    site_option_id: str
    quantity: int

    @property
    def ref(self) -> StockItemRef:
        return StockItemRef(self.site_product_id, self.site_option_id)


@dataclass(frozen=True)
class StockPushOutcome:
    """What the site said about one option of a stock or sale-status write.

    ``unknown``: the answer was lost; both writes set absolute values, so the next pass recomputes and
    sends the current value again (nothing is re-sent blindly by the adapter).
    """

    site_product_id: str
    site_option_id: str
    ok: bool
    code: str = ""
    message: str = ""
    unknown: bool = False

    @property
    def ref(self) -> StockItemRef:
        return StockItemRef(self.site_product_id, self.site_option_id)


@dataclass(frozen=True)
class SiteStockState:
    """An option's stock and sale status as the site holds them (LotteON 94).

    ``found``: the site knows the option under this product. ``stock_managed``: False when the product was
    registered without stock management (LotteON stkMgtYn=N, stock 999999999): stock is never pushed to it.
    ``sold_out_by_stock``: the site took it off sale because its stock reached 0 (LotteON SOUT/SOUT_STK),
    which a restock does not undo; only such options are put back on sale. An option the seller stopped
    (LotteON SOUT_ITM, STP, END) is never touched.
    """

    site_product_id: str
    site_option_id: str
    found: bool
    stock_managed: bool = True
    stock: int | None = None
    sale_status: str = ""  # the site's code, shown as is (LotteON SALE, SOUT, STP, END)
    sale_status_reason: str = ""  # LotteON slStatRsnCd (SOUT_STK, SOUT_ITM, ...)
    on_sale: bool = False
    sold_out_by_stock: bool = False
    message: str = ""

    @property
    def ref(self) -> StockItemRef:
        return StockItemRef(self.site_product_id, self.site_option_id)
