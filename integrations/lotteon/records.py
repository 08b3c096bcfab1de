"""Typed records the LotteON client hands out and takes in (frozen dataclasses).

Names are English where LotteON's meaning is documented; the LotteON field each one comes from is
in the comment. LotteON's own IDs keep their LotteON names (``spd_no``/``sitm_no`` are LotteON's
product/option IDs, ``epd_no``/``eitm_no`` the seller's own codes; API.md §7). Every record read
from LotteON keeps the row it came from in ``raw`` (excluded from equality and hashing).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

from integrations.lotteon.codes import SHIPPED_STEPS

Raw = Mapping[str, Any]


def _raw() -> Any:
    return field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, order=True)
class LineKey:
    """LotteON's identity of an order line: ``odNo + odSeq + procSeq`` (§5.0)."""

    od_no: str
    od_seq: str
    proc_seq: str

    def __str__(self) -> str:
        return f"{self.od_no}|{self.od_seq}|{self.proc_seq}"


@dataclass(frozen=True)
class Identity:
    """207: the supplier the API key belongs to."""

    tr_grp_cd: str  # trGrpCd, "SR"
    tr_dvs_cd: str  # trDvsCd
    tr_no: str  # trNo: the Account Number (거래처번호), LO…/LD…
    tr_nm: str  # trNm
    raw: Raw = _raw()


# --- 209 order line, by the field groups of API.md §5.2 ------------------------------------------


@dataclass(frozen=True)
class Orderer:
    name: str  # odrNm
    mobile: str  # mphnNo
    phone: str  # telNo
    email: str  # emlAddr


@dataclass(frozen=True)
class Recipient:
    name: str  # dvpCustNm
    email: str  # dvpEmlAddr
    phone: str  # dvpTelNo
    mobile: str  # dvpMphnNo
    safe_number: str  # sftNo (virtual number that hides the real one)
    zip_code: str  # dvpZipNo
    address: str  # dvpStnmZipAddr (road-name address)
    address_detail: str  # dvpStnmDtlAddr


@dataclass(frozen=True)
class Supplier:
    tr_no: str
    tr_nm: str
    lrtr_no: str  # sub-supplier
    lrtr_nm: str


@dataclass(frozen=True)
class ProductRef:
    """The product of an order line: LotteON IDs and the seller's own codes side by side."""

    spd_no: str  # LotteON product ID
    epd_no: str  # seller's product code (Seller defined code for single products)
    spd_nm: str  # product name
    sitm_no: str  # LotteON option ID
    eitm_no: str  # seller's option code (Seller defined code for option products)
    sitm_nm: str  # option name, e.g. "블랙 / M"
    ctrt_typ_cd: str
    dv_pd_typ_cd: str
    # pdAdtnOptJsn. Compared but not hashed: the rows are dicts, and the key fields already
    # make the hash distinctive.
    additional_options: tuple[Raw, ...] = field(default=(), hash=False)

    @property
    def seller_code(self) -> str:
        """The code to match against a SKU's Seller defined code: option code first, else product."""
        return self.eitm_no or self.epd_no


@dataclass(frozen=True)
class Amounts:
    unit_price: Decimal  # slPrc
    quantity: int  # odQty
    sale_amount: Decimal  # slAmt
    lotte_discount: Decimal  # prSfcoShrAmtSum (borne by Lotte)
    seller_discount: Decimal  # prEntpShrAmtSum (borne by the seller)
    spt_dc_pgm_cmsn_sum: Decimal  # sptDcPgmCmsnSum
    fvr_amt_sum: Decimal  # fvrAmtSum
    paid_amount: Decimal  # actualAmt (what the customer paid)


@dataclass(frozen=True)
class Delivery:
    combinable: bool  # cmbnDvPsbYn
    combined_group: str  # cmbnDvGrpNo: lines with the same group ship in one box
    method: str  # dvMnsCd
    requested_date: str  # hpDvDttm, kept as sent (its format is not documented)
    domestic_overseas: str  # dmstOvsDvDvsCd
    customs_code: str  # indvCstmPclrNo (personal customs clearance code)
    brk_hmap_pkcp_yn: str
    message: str  # dvMsg
    reservation: str  # dvRsvDvsCd
    fee: Decimal  # dvCst
    fee_type: str  # odCstTypCd
    extra_fee: Decimal  # adtnDvCst


@dataclass(frozen=True)
class GiftCard:
    requested: bool  # pprCrdMsgYn
    message: str  # pprCrdMsg
    sender: str  # pprCrdSndpNm
    receiver: str  # pprCrdRcvrNm


@dataclass(frozen=True)
class OrderLine:
    """One SKU line of 209. Note: 209 keeps reporting step 11 after linking; 140 is the live state."""

    key: LineKey
    orgl_proc_seq: str
    clm_no: str
    order_type: str  # odTypCd
    order_type_detail: str  # odTypDtlCd
    direction: str  # dvRtrvDvsCd: DV / RTRV
    step: str  # odPrgsStepCd as 209 reports it (stale after 210)
    ordered_at: datetime | None  # odCmptDttm
    instructed_at: datetime | None  # owhoDttm: what the 209/140 windows filter on
    retrieval_instructed_at: datetime | None  # rtrpSiDttm
    ch_no: str
    ch_dtl_no: str
    od_sl_typ_cd: str
    xchg_dvs_cd: str
    claim_reason_code: str  # clmRsnCd
    claim_reason: str  # clmRsnCnts
    impt_dvs_cd: str
    supplier: Supplier
    orderer: Orderer
    product: ProductRef
    amounts: Amounts
    delivery: Delivery
    recipient: Recipient
    gift_card: GiftCard
    raw: Raw = _raw()


# --- 140 live delivery state ----------------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryState:
    key: LineKey
    clm_no: str
    step: str  # odPrgsStepCd: the live step (12 after 210, 13 after 137-13, 21 cancelled)
    event_at: datetime | None  # dvTrcStatDttm
    invoice_count: int | None  # invcNbr
    invoice_no: str  # invcNo
    courier_code: str  # dvCoCd (not documented for 140; read when present)
    invoice_nos: tuple[str, ...]  # invcNoList (V2 contexts)
    instructed_at: datetime | None  # owhoDttm (when present)
    ordered_at: datetime | None  # odCmptDttm
    orderer_name: str  # odrNm
    quantity: int | None  # odQty
    unit_price: Decimal | None  # slPrc
    sale_amount: Decimal | None  # slAmt
    delivery_fee: Decimal | None  # dvCst
    recipient: Recipient
    message: str  # dvMsg
    product_name: str  # pdNm
    spd_no: str
    sitm_no: str
    epd_no: str
    raw: Raw = _raw()


# --- 93 / 94 products, 89 couriers, 50 cancellations --------------------------------------------


@dataclass(frozen=True)
class Product:
    """A row of 93 (product list)."""

    spd_no: str
    epd_no: str
    name: str  # spdNm
    category: str  # scatNo
    registered_at: datetime | None  # regDttm
    sale_status: str  # slStatCd
    sale_status_reason: str  # slStatRsnCd
    category_approval: str  # catAprvStatCd
    category_rejection: str  # catGvbkRsnCnts
    info_approval: str  # pdInfoAprvStatCd
    info_rejection: str  # pdInfoGvbkRsnCnts
    approved: bool  # fnlAprvYn: visible to buyers only when Y
    sitm_nos: tuple[str, ...]  # sitmNoLst
    raw: Raw = _raw()


@dataclass(frozen=True)
class ProductPage:
    products: tuple[Product, ...]
    page_no: int
    data_count: int  # the envelope's dataCount


@dataclass(frozen=True)
class OptionAttribute:
    opt_cd: str
    opt_nm: str  # e.g. 색상
    opt_val_cd: str
    opt_val: str  # e.g. 블랙
    dtls_val: str


@dataclass(frozen=True)
class ProductOption:
    """A row of 94 ``itmLst``: pairs the seller's ``eitm_no`` with LotteON's ``sitm_no``."""

    sitm_no: str
    eitm_no: str
    name: str  # sitmNm
    sale_status: str
    sale_status_reason: str
    displayed: bool  # dpYn
    sort_seq: int | None
    price: Decimal | None  # slPrc
    stock: int | None  # stkQty; None when the product does not manage stock (999999999)
    stock_managed: bool
    images: tuple[str, ...]  # itmImgLst (URLs when given as objects or strings)
    attributes: tuple[OptionAttribute, ...]
    raw: Raw = _raw()


@dataclass(frozen=True)
class ProductDetail:
    spd_no: str
    epd_no: str
    name: str
    sale_status: str
    options: tuple[ProductOption, ...]
    raw: Raw = _raw()


@dataclass(frozen=True)
class Courier:
    code: str  # cd, the dvCoCd value
    name: str  # cdNm
    description: str  # cdEpn
    sort_seq: int | None
    raw: Raw = _raw()


@dataclass(frozen=True)
class CancellationLine:
    """One cancelled line of 50 (a claim's ``itemList`` row with its claim's odNo/clmNo)."""

    key: LineKey
    clm_no: str
    orgl_proc_seq: str
    order_type: str  # odTypCd
    step: str  # odPrgsStepCd: 02 requested, 21 completed, 22 withdrawn
    spd_no: str
    spd_nm: str
    sitm_no: str
    sitm_nm: str
    quantity: int  # odQty
    unit_price: Decimal | None  # itmSlPrc
    cancelled_quantity: int  # cnclQty: reduce or drop the portal line by this much
    requested_at: datetime | None  # clmReqDttm
    completed_at: datetime | None  # clmCmptDttm
    reason_code: str  # clmRsnCd
    reason: str  # clmRsnCnts
    raw: Raw = _raw()


# --- Write inputs ----------------------------------------------------------------------------------
# ``instructed_at`` (owhoDttm) is never sent; it lets ``resolve_*`` read the line back with 140.


@dataclass(frozen=True)
class ConfirmLine:
    """A row of 210 ``ifCompleteList``."""

    key: LineKey
    instructed_at: datetime | None = None
    direction: str = "DV"
    orgl_proc_seq: str = ""
    clm_no: str = ""
    linked: bool = True  # ifCplYN Y; False sends N with ``fail_reason``
    fail_reason: str = ""


@dataclass(frozen=True)
class ProgressUpdate:
    """A row of 137: step 12 (preparing) or 13 (shipped, with courier and invoice)."""

    key: LineKey
    step: str  # "12" or "13"
    event_at: datetime  # dvTrcStatDttm
    spd_no: str
    sitm_no: str
    quantity: int  # slQty
    courier_code: str = ""  # dvCoCd, step 13
    invoice_no: str = ""  # invcNo, step 13 (normalised when the row is built)
    invoice_count: int = 1  # invcNbr: number of invoices, not the tracking number
    instructed_at: datetime | None = None
    direction: str = "DV"
    orgl_proc_seq: str = ""
    clm_no: str = ""


@dataclass(frozen=True)
class InvoiceCorrection:
    """A row of 139 (root-level array)."""

    key: LineKey
    invoice_no: str  # the number LotteON has now
    new_invoice_no: str  # modInvcNo
    new_courier_code: str  # modDvCoCd
    instructed_at: datetime | None = None
    orgl_proc_seq: str = ""
    clm_no: str = ""


@dataclass(frozen=True)
class StockChange:
    """A row of 86 ``itmStkLst``."""

    spd_no: str
    sitm_no: str
    quantity: int  # stkQty, integer >= 0; 0 makes LotteON set SOUT
    lrtr_no: str = ""


@dataclass(frozen=True)
class SaleStatusChange:
    """A row of 111 ``sitmLst``."""

    spd_no: str
    sitm_no: str
    status: str  # SALE / SOUT / STP / END


# --- Write results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineResult:
    """What LotteON said about one order line of a 210/137/139 call."""

    key: LineKey
    ok: bool
    code: str
    message: str


@dataclass(frozen=True)
class ItemResult:
    """What LotteON said about one option of an 86/111 call."""

    spd_no: str
    sitm_no: str
    ok: bool
    code: str
    message: str


R = TypeVar("R", LineResult, ItemResult)


@dataclass(frozen=True)
class WriteResult(Generic[R]):
    """Per-line (or per-item) outcome of one write call, in the order the rows were given.

    ``code``/``message`` are the batch-level ``data.rsltCd``/``rsltMsg`` when LotteON sent them.
    Rows the client refused to send (an invoice that cannot be valid, a negative stock) appear as
    failures with a code of the client's own (``INVALID_…``).
    """

    api_no: int
    results: tuple[R, ...]
    code: str = ""
    message: str = ""

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    @property
    def failed(self) -> tuple[R, ...]:
        return tuple(r for r in self.results if not r.ok)

    @property
    def succeeded(self) -> tuple[R, ...]:
        return tuple(r for r in self.results if r.ok)


@dataclass(frozen=True)
class Resolution:
    """Whether a write whose answer was lost took effect, per line (from 140)."""

    key: LineKey
    found: bool  # 140 returned the line
    applied: bool
    step: str  # live step ("" when not found)
    invoice_no: str  # live invoice number ("" when none)

    @property
    def cancelled(self) -> bool:
        return self.step == "21"

    @property
    def shipped(self) -> bool:
        return self.step in SHIPPED_STEPS


@dataclass(frozen=True)
class CallRecord:
    """One HTTP attempt, as logged and as handed to the ``on_call`` callback. Never holds the key."""

    account: str
    api_no: int
    method: str
    path: str
    http_status: int | None
    return_code: str
    duration_ms: int
    attempt: int
    error: str  # ErrorCode value, "" on success
    started_at: datetime
    write: bool
