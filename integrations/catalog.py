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
