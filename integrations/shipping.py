"""Marketplace-neutral records for couriers, tracking pushes and their outcomes (used by waybills/).

The waybills app hands an adapter ``TrackingRequest`` / ``TrackingCorrection`` rows and gets one
``TrackingOutcome`` per line back, whatever the marketplace calls its APIs. An adapter never answers
"sent, no idea what happened": a lost answer is read back first, and only what reading back could not
settle comes back as ``TrackingStatus.UNKNOWN``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from integrations.base import LineRef


@dataclass(frozen=True)
class Courier:
    """A carrier as the sales site codes it (LotteON: a row of the 89 ``DV_CO_CD`` list)."""

    code: str
    name: str
    sort: int = 0


@dataclass(frozen=True)
class TrackingRequest:
    """Ship one line with a carrier and its tracking number (LotteON: 137 step 13)."""

    ref: LineRef
    courier_code: str
    tracking_no: str
    quantity: int  # open quantity of the line
    shipped_at: datetime
    instructed_at: datetime | None  # lets the adapter read the line back (LotteON: 140's window)
    site_product_id: str = ""
    site_option_id: str = ""
    original_process_seq: str = ""
    claim_no: str = ""


@dataclass(frozen=True)
class TrackingCorrection:
    """Replace the tracking number of a line the site already holds as shipped (LotteON: 139)."""

    ref: LineRef
    old_tracking_no: str
    courier_code: str
    tracking_no: str
    instructed_at: datetime | None
    quantity: int = 1
    site_product_id: str = ""
    site_option_id: str = ""
    original_process_seq: str = ""
    claim_no: str = ""


class TrackingStatus(StrEnum):
    APPLIED = "applied"  # the site holds this line as shipped with this number
    REJECTED = "rejected"  # the site refused the line; ``message`` says why; nothing changed
    NOT_APPLIED = "not_applied"  # read back: the line is still waiting to ship, safe to send again
    CONFLICT = "conflict"  # the site holds the line as shipped with another number (``site_tracking_no``)
    CANCELLED = "cancelled"  # the line is cancelled at the site: never send it
    UNKNOWN = "unknown"  # the answer was lost and reading back could not tell: read again later


@dataclass(frozen=True)
class TrackingOutcome:
    ref: LineRef
    status: TrackingStatus
    code: str = ""
    message: str = ""
    site_status_code: str = ""  # the line's live state code, when read
    site_tracking_no: str = ""  # the number the site holds, when read
    site_courier_code: str = ""

    @property
    def applied(self) -> bool:
        return self.status == TrackingStatus.APPLIED
