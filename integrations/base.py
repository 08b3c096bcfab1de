"""The small interface every sales-site package implements, and the values it exchanges.

A marketplace package (``integrations/lotteon/`` first) declares a ``SalesSite`` (key, name, logo,
capabilities, how its Account Number looks) and an adapter class built from ``AdapterConfig``.
The adapter does I/O through the marketplace's client only; services in the apps persist results.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol


class Capability(StrEnum):
    ORDER_INTEGRATION = "order_integration", "Automatic Order Integration"
    ORDER_CONFIRMATION = "order_confirmation", "Automatic Order Confirmation"
    FULFILLMENT = "fulfillment", "Automatic Fulfillment Shipping Instructions"
    STOCK_SYNC = "stock_sync", "Automatic Stock Qty Sync"
    TRACKING_PUSH = "tracking_push", "Tracking push when waybills print"
    CANCELLATIONS = "cancellations", "Cancellation and partial-cancellation removal"

    def __new__(cls, value: str, label: str):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member


@dataclass(frozen=True)
class SetupGuide:
    """What the seller does in the marketplace's own seller centre before registering here."""

    steps: tuple[str, ...]
    ip_instructions: str = ""


@dataclass(frozen=True)
class SalesSite:
    key: str
    name: str
    logo: str  # static path
    adapter_path: str  # dotted path of the adapter class
    capabilities: frozenset[Capability]
    account_number_pattern: str
    account_number_help: str
    guide: SetupGuide
    api_key_help: str = ""

    def supports(self, capability: Capability) -> bool:
        return capability in self.capabilities

    def account_number_is_valid(self, value: str) -> bool:
        return re.fullmatch(self.account_number_pattern, value) is not None


@dataclass(frozen=True)
class AdapterConfig:
    """Everything an adapter needs; built by the services from a stored account or a form."""

    api_key: str
    account_number: str
    shop_id: str = ""
    label: str = ""  # for logs: never the key
    base_url: str = ""
    on_call: Callable[[Any], None] | None = None
    # A person is waiting (Test Connection): one attempt with a short timeout, no backoff.
    interactive: bool = False
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ConnectionResult:
    supplier_number: str
    supplier_name: str


class SalesSiteAdapter(Protocol):
    site: SalesSite

    def __init__(self, config: AdapterConfig) -> None: ...

    def test_connection(self) -> ConnectionResult:
        """Check the credentials; raise an ``integrations.errors.SalesSiteError`` that says what to fix."""
        ...

    def close(self) -> None: ...
