"""The one place that knows which sales sites exist.

Filled at start-up from ``settings.SMARTSHIP_SALES_SITES`` (dotted paths of ``SalesSite`` objects),
explicitly, in that order: adding a marketplace is one package plus one line of settings.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from integrations.base import AdapterConfig, Capability, SalesSite, SalesSiteAdapter


class UnknownSalesSite(LookupError):
    pass


_sites: dict[str, SalesSite] = {}


def register(site: SalesSite) -> None:
    if site.key in _sites and _sites[site.key] is not site:
        raise ValueError(f"Sales site {site.key!r} is registered twice")
    _sites[site.key] = site


def load_from_settings() -> None:
    for path in settings.SMARTSHIP_SALES_SITES:
        register(import_string(path))


def get(key: str) -> SalesSite:
    try:
        return _sites[key]
    except KeyError:
        raise UnknownSalesSite(f"No sales site {key!r} is registered") from None


def supports(site_key: str, capability: Capability) -> bool:
    """Whether a registered site declares ``capability``; an empty or unregistered site supports nothing
    (orders outlive their site's registration, and nothing may be sent to a site that is gone)."""
    site = _sites.get(site_key) if site_key else None
    return site is not None and site.supports(capability)


def name_of(site_key: str, default: str | None = None) -> str:
    """The site's name; ``default`` (else the key itself) for an unregistered one."""
    site = _sites.get(site_key)
    if site is not None:
        return site.name
    return site_key if default is None else default


def all_sites() -> list[SalesSite]:
    return list(_sites.values())


def as_choices() -> list[tuple[str, str]]:
    return [(site.key, site.name) for site in _sites.values()]


def adapter_for(site_key: str, config: AdapterConfig) -> SalesSiteAdapter:
    adapter_class = import_string(get(site_key).adapter_path)
    return adapter_class(config)
