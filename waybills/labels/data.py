"""What one label shows, with no database in sight: the renderers (pdf, zpl) and the benchmark take these."""

from __future__ import annotations

from dataclasses import dataclass, field

INVOICE = "invoice"
PACKING = "packing"
KIND_TITLES = {INVOICE: ("송장", "INVOICE"), PACKING: ("포장라벨", "PACKING LABEL")}


@dataclass(frozen=True)
class LabelItem:
    product: str
    option: str
    quantity: int
    code: str  # the Seller defined code (option code, else product code)


@dataclass(frozen=True)
class LabelData:
    kind: str  # INVOICE or PACKING
    number: str  # the barcode value: QSP tracking number or packing label code
    sequence: int  # position in the batch, from 1
    total: int  # labels in the batch
    recipient_name: str
    phones: tuple[str, ...]
    zip_code: str
    address: str
    address_detail: str
    delivery_message: str
    sender: str
    order_no: str
    site_name: str
    items: tuple[LabelItem, ...] = field(default_factory=tuple)
    courier_name: str = ""
    courier_code: str = ""
    printed_at: str = ""  # already formatted (KST)
    reprint: bool = False
    print_count: int = 1
    note: str = ""  # e.g. "Manual shipping order: tracking number not pushed"
