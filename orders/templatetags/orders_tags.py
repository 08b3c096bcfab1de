"""Presentation helpers for the order pages: sales-site names and logos, readable JSON."""

from __future__ import annotations

import json

from django import template

from integrations import registry

register = template.Library()


def _site(key: str):
    try:
        return registry.get(key) if key else None
    except registry.UnknownSalesSite:
        return None


@register.filter
def site_name(key: str) -> str:
    site = _site(key)
    return site.name if site else (key or "")


@register.filter
def site_logo(key: str) -> str:
    """The static path of the site's logo, or "" when the site is unknown (manual orders)."""
    site = _site(key)
    return site.logo if site else ""


@register.filter
def product_code_label(key: str) -> str:
    """What the line's site calls its seller product code (LotteON: Seller internal product number, epdNo)."""
    site = _site(key)
    return site.product_code_label if site else "Seller product code"


@register.filter
def option_code_label(key: str) -> str:
    """What the line's site calls its seller option code (LotteON: Seller internal single product code, eitmNo)."""
    site = _site(key)
    return site.option_code_label if site else "Seller option code"


@register.filter
def pretty_json(value) -> str:
    """Indented JSON with Korean left as it is, for the raw payload shown to support."""
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)
