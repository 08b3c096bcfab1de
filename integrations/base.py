"""The small interface every sales-site package implements, and the values it exchanges.

A marketplace package (``integrations/lotteon/`` first) declares a ``SalesSite`` (key, name, logo,
capabilities, how its Account Number looks) and an adapter class built from ``AdapterConfig``.
The adapter does I/O through the marketplace's client only; services in the apps persist results.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from integrations.catalog import (
        SiteProduct,
        SiteStockState,
        StockItemRef,
        StockPushOutcome,
        StockPushRequest,
    )
    from integrations.shipping import Courier, TrackingCorrection, TrackingOutcome, TrackingRequest


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
    # What the seller's Shop ID is at this site, under the field on the registration form.
    shop_id_help: str = ""
    # Calendar days one window of ``fetch_order_lines`` covers (LotteON: 1, its search spans one day);
    # 0: the site answers a sync's whole range in one window. Only the sync's progress reads it.
    pull_window_days: int = 0
    # What the site's own seller screens call the codes the seller enters there for a product and for each of its
    # options (an order line's ``seller_product_code`` and ``seller_option_code``). SmartShip's own word for the
    # code, on a SKU, is "Seller defined code".
    product_code_label: str = "Seller product code"
    option_code_label: str = "Seller option code"
    # Days an API key works after the site issues it (LotteON: a year, API.md §2); 0: keys do not expire. When set,
    # accounts ask for the key's expiry date and remind the seller before it (integrations.services.account_key_expiry).
    api_key_lifetime_days: int = 0

    def supports(self, capability: Capability) -> bool:
        return capability in self.capabilities

    @property
    def capabilities_in_order(self) -> list[Capability]:
        """The capabilities in ``Capability`` declaration order: a frozenset has none to show."""
        return [capability for capability in Capability if capability in self.capabilities]

    def account_number_is_valid(self, value: str) -> bool:
        return re.fullmatch(self.account_number_pattern, value) is not None


@dataclass(frozen=True)
class AdapterConfig:
    """Everything an adapter needs; built by the services from a stored account or a form."""

    api_key: str = field(repr=False)  # never in a log line or an error report
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

    def fetch_order_lines(self, *, start: datetime, end: datetime) -> Iterator[PullWindow]:
        """Collectable lines (and the state of lines already known), window by window, oldest first."""
        ...

    def fetch_cancellations(self, *, start: datetime, end: datetime) -> list[PulledCancellation]: ...

    def fetch_products_by_codes(self, codes: Sequence[str]) -> list[SiteProduct]:
        """Products whose seller product code is one of ``codes``, with their options (site ids paired
        with the seller's option codes); used to link option SKUs for stock sync."""
        ...

    # --- Stock (integrations/catalog.py records; used by inventory/ stock sync) -----------------------
    # Rows per stock write call; the stock sync never sends more than this (nor its own batch setting).
    stock_batch_size: int

    def stock_states(self, items: Sequence[StockItemRef]) -> list[SiteStockState]:
        """Each option's stock, whether the site manages it and its sale status (read only)."""
        ...

    def push_stock(self, requests: Sequence[StockPushRequest]) -> list[StockPushOutcome]:
        """Set options' stock to absolute quantities, one outcome per request in order. Errors that applied
        nothing (auth, rate limit, unreachable) are raised; a lost answer is an ``unknown`` outcome."""
        ...

    def resume_sale(self, items: Sequence[StockItemRef]) -> list[StockPushOutcome]:
        """Put options the site took off sale at stock 0 back on sale (after a restock was accepted)."""
        ...

    def confirm(self, lines: Sequence[ConfirmRequest]) -> list[LineOutcome]:
        """Confirm lines at the site; an unknown outcome is resolved by reading state back first."""
        ...

    # --- Shipping (integrations/shipping.py records; used by waybills/) ---------------------------
    # The courier code for tracking numbers the portal issues itself (LotteON: 9999 "other courier").
    own_number_courier: str
    # Rows per write call; the waybills outbox sends at most this many per call.
    tracking_batch_size: int
    # Carriers to offer when the site's list cannot be read.
    fallback_couriers: tuple[Courier, ...]

    @staticmethod
    def tracking_no_normalize(value: str) -> str:
        """The site's form of a tracking number; ``ValueError`` with the reason when it cannot be valid."""
        ...

    def couriers(self) -> list[Courier]:
        """The site's carrier list (the authority for courier codes)."""
        ...

    def push_tracking(self, requests: Sequence[TrackingRequest]) -> list[TrackingOutcome]:
        """Ship lines with a carrier and tracking number, one outcome per request. A lost answer is read
        back before this returns; errors that applied nothing (auth, rate limit, unreachable) are raised."""
        ...

    def resolve_tracking(self, requests: Sequence[TrackingRequest]) -> list[TrackingOutcome]:
        """Read back whether earlier pushes of these lines took effect (nothing is written)."""
        ...

    def correct_tracking(self, corrections: Sequence[TrackingCorrection]) -> list[TrackingOutcome]:
        """Replace the tracking number of lines the site already holds as shipped."""
        ...

    def close(self) -> None: ...


# --- Orders: what an adapter hands to the order pipeline ------------------------------------------


class LineState(StrEnum):
    """Where a line stands at the sales site, in the portal's words."""

    NEW = "new"  # New Order: not yet confirmed (LotteON: step 11, not linked)
    PREPARING = "preparing"  # Product preparation: confirmed by anyone (LotteON: linked / step 12)
    SHIPPED = "shipped"  # shipped or later (LotteON: 13-15)
    CANCELLED = "cancelled"
    OTHER = "other"  # claims and states the portal does not collect

    @property
    def collectable(self) -> bool:
        return self in (LineState.NEW, LineState.PREPARING)


@dataclass(frozen=True, order=True)
class LineRef:
    """A line's identity at the sales site (LotteON: odNo, odSeq, procSeq)."""

    order_no: str
    line_no: str
    process_seq: str


@dataclass(frozen=True)
class PulledLine:
    ref: LineRef
    state: LineState
    site_status_code: str
    confirmed_at_site: bool  # linked by anyone (this portal or another tool)
    ordered_at: datetime | None
    instructed_at: datetime | None
    original_process_seq: str
    claim_no: str
    orderer_name: str
    orderer_phone: str
    orderer_mobile: str
    orderer_email: str
    recipient_name: str
    recipient_phone: str
    recipient_mobile: str
    zip_code: str
    address: str
    address_detail: str
    delivery_message: str
    combined_group: str
    product_name: str
    option_name: str
    seller_product_code: str
    seller_option_code: str
    site_product_id: str
    site_option_id: str
    quantity: int
    unit_price: Decimal
    amount: Decimal
    paid_amount: Decimal
    shipping_fee: Decimal
    raw: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class PullWindow:
    """The lines of one search window; the pipeline stores them and then records the window as done."""

    start: datetime
    end: datetime
    lines: tuple[PulledLine, ...]


@dataclass(frozen=True)
class PulledCancellation:
    ref: LineRef
    claim_no: str
    cancelled_quantity: int
    completed: bool  # the cancellation is final (LotteON step 21); requests and withdrawals are not
    reason: str
    at: datetime | None
    # The line's quantity before this claim. A line first pulled after a partial cancellation arrives
    # with its quantity already lowered; this tells how much was ordered.
    ordered_quantity: int = 0
    # Neither completed nor withdrawn: the buyer asked and the seller has not answered yet (LotteON 02). The
    # line stays to ship until the seller approves (it then completes) or rejects the request at the site.
    withdrawn: bool = False

    @property
    def requested(self) -> bool:
        return not self.completed and not self.withdrawn


@dataclass(frozen=True)
class ConfirmRequest:
    ref: LineRef
    instructed_at: datetime | None
    original_process_seq: str = ""
    claim_no: str = ""
    # An earlier confirmation of this line went unanswered: the adapter reads the line's state at the
    # site and sends only if it is still unconfirmed (writes are never blindly re-sent).
    read_back_first: bool = False


@dataclass(frozen=True)
class LineOutcome:
    """What the site said about one line of a write; ``unknown`` when even reading back could not tell."""

    ref: LineRef
    ok: bool
    code: str = ""
    message: str = ""
    unknown: bool = False
    site_status_code: str = ""  # the line's state code at the site after the write, when known
