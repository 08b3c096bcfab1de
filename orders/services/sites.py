"""What the order pipeline asks the sales-site registry: which steps a site has (integrations/registry.py).

Orders outlive their sales site's registration (a marketplace package removed from the settings): an
unknown site supports nothing, so nothing is ever sent to it.
"""

from __future__ import annotations

from integrations import registry
from integrations.base import Capability


def site_supports(site_key: str, capability: Capability) -> bool:
    return registry.supports(site_key, capability)


def site_name(site_key: str) -> str:
    return registry.name_of(site_key, default=site_key or "the sales site")


def site_confirms(site_key: str) -> bool:
    """The site has an order confirmation step (LotteON 210); without one, pulled lines need no confirmation."""
    return site_supports(site_key, Capability.ORDER_CONFIRMATION)
