"""Pure functions: LotteON JSON → typed records, typed records → LotteON request rows.

No I/O here. Input values may be strings or numbers (decision row 9); anything that cannot be read
raises ``ValueError``/``TypeError``, which the client turns into ``MalformedResponse``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from integrations.lotteon import codes
from integrations.lotteon.records import (
    Amounts,
    CancellationLine,
    ConfirmLine,
    Courier,
    Delivery,
    DeliveryState,
    GiftCard,
    Identity,
    InvoiceCorrection,
    ItemResult,
    LineKey,
    LineResult,
    OptionAttribute,
    Orderer,
    OrderLine,
    Product,
    ProductDetail,
    ProductOption,
    ProductRef,
    ProgressUpdate,
    Recipient,
    SaleStatusChange,
    StockChange,
    Supplier,
)
from integrations.lotteon.timeutil import format_dttm, parse_dttm

# --- Scalars ---------------------------------------------------------------------------------------
# The read path maps every field of every order line, so the common cases (a str, an int) are
# tested first by exact type; everything else takes the general path unchanged.

_ZERO = Decimal(0)


def text(value: Any) -> str:
    """Any scalar → stripped text; ``None`` → ``""``; ``12.0`` → ``"12"``."""
    if type(value) is str:  # nearly every value: skip the isinstance chain below
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, bool):
        raise TypeError(f"expected text, got {value!r}")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, str):
        return value.strip()
    raise TypeError(f"expected text, got {type(value).__name__}")


def seq(value: Any) -> str:
    """A sequence number (``odSeq``/``procSeq``) in one canonical form: ``"01"``, ``1`` → ``"1"``."""
    t = text(value)
    return str(int(t)) if t.isdigit() else t


def decimal(value: Any, default: Decimal | None = Decimal(0)) -> Decimal | None:
    if type(value) is int:  # exact, same value and exponent as Decimal(str(value))
        return Decimal(value)
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    if isinstance(value, bool):
        raise TypeError(f"expected a number, got {value!r}")
    try:
        return Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation as e:
        raise ValueError(f"expected a number, got {value!r}") from e


def integer(value: Any, default: int | None = 0) -> int | None:
    if type(value) is int:
        return value
    number = decimal(value, None)
    if number is None:
        return default
    if number != number.to_integral_value():
        raise ValueError(f"expected a whole number, got {value!r}")
    return int(number)


def qty(value: Any) -> int:
    result = integer(value, 0)
    return result if result is not None else 0


def money(value: Any) -> Decimal:
    if type(value) is int:
        return Decimal(value)
    result = decimal(value, _ZERO)
    return result if result is not None else _ZERO


def yes(value: Any) -> bool:
    return text(value).upper() == "Y"


def line_key(row: Mapping[str, Any]) -> LineKey:
    od_no = text(row.get("odNo"))
    if not od_no:
        raise ValueError("row without odNo")
    return LineKey(od_no, seq(row.get("odSeq")), seq(row.get("procSeq")))


def _rows(value: Any, name: str) -> list[Mapping[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(r, Mapping) for r in value):
        raise ValueError(f"{name} is not a list of objects")
    return value


def _json_list(value: Any) -> tuple[Mapping[str, Any], ...]:
    """``pdAdtnOptJsn``: documented as a JSON array, possibly sent as a JSON string."""
    if value in (None, ""):
        return ()
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            # Not JSON after all: keep the text so nothing the buyer chose is lost.
            return ({"text": value},)
    if isinstance(value, Mapping):
        return (value,)
    if isinstance(value, list):
        return tuple(v if isinstance(v, Mapping) else {"value": v} for v in value)
    return ({"value": value},)


# --- Reads -----------------------------------------------------------------------------------------


def identity_from_json(data: Mapping[str, Any]) -> Identity:
    return Identity(
        tr_grp_cd=text(data.get("trGrpCd")),
        tr_dvs_cd=text(data.get("trDvsCd")),
        tr_no=text(data.get("trNo")),
        tr_nm=text(data.get("trNm")),
        raw=data,
    )


def _recipient(row: Mapping[str, Any]) -> Recipient:
    return Recipient(
        name=text(row.get("dvpCustNm")),
        email=text(row.get("dvpEmlAddr")),
        phone=text(row.get("dvpTelNo")),
        mobile=text(row.get("dvpMphnNo")),
        safe_number=text(row.get("sftNo")),
        zip_code=text(row.get("dvpZipNo")),
        address=text(row.get("dvpStnmZipAddr")),
        address_detail=text(row.get("dvpStnmDtlAddr")),
    )


def order_line_from_json(row: Mapping[str, Any]) -> OrderLine:
    """A ``data.deliveryOrderList`` row of 209."""
    g = row.get
    return OrderLine(
        key=line_key(row),
        orgl_proc_seq=seq(g("orglProcSeq")),
        clm_no=text(g("clmNo")),
        order_type=text(g("odTypCd")),
        order_type_detail=text(g("odTypDtlCd")),
        direction=text(g("dvRtrvDvsCd")),
        step=text(g("odPrgsStepCd")),
        ordered_at=parse_dttm(g("odCmptDttm")),
        instructed_at=parse_dttm(g("owhoDttm")),
        retrieval_instructed_at=parse_dttm(g("rtrpSiDttm")),
        ch_no=text(g("chNo")),
        ch_dtl_no=text(g("chDtlNo")),
        od_sl_typ_cd=text(g("odSlTypCd")),
        xchg_dvs_cd=text(g("xchgDvsCd")),
        claim_reason_code=text(g("clmRsnCd")),
        claim_reason=text(g("clmRsnCnts")),
        impt_dvs_cd=text(g("imptDvsCd")),
        supplier=Supplier(
            tr_no=text(g("trNo")), tr_nm=text(g("trNm")), lrtr_no=text(g("lrtrNo")), lrtr_nm=text(g("lrtrNm"))
        ),
        orderer=Orderer(
            name=text(g("odrNm")), mobile=text(g("mphnNo")), phone=text(g("telNo")), email=text(g("emlAddr"))
        ),
        product=ProductRef(
            spd_no=text(g("spdNo")),
            epd_no=text(g("epdNo")),
            spd_nm=text(g("spdNm")),
            sitm_no=text(g("sitmNo")),
            eitm_no=text(g("eitmNo")),
            sitm_nm=text(g("sitmNm")),
            ctrt_typ_cd=text(g("ctrtTypCd")),
            dv_pd_typ_cd=text(g("dvPdTypCd")),
            additional_options=_json_list(g("pdAdtnOptJsn")),
        ),
        amounts=Amounts(
            unit_price=money(g("slPrc")),
            quantity=qty(g("odQty")),
            sale_amount=money(g("slAmt")),
            lotte_discount=money(g("prSfcoShrAmtSum")),
            seller_discount=money(g("prEntpShrAmtSum")),
            spt_dc_pgm_cmsn_sum=money(g("sptDcPgmCmsnSum")),
            fvr_amt_sum=money(g("fvrAmtSum")),
            paid_amount=money(g("actualAmt")),
        ),
        delivery=Delivery(
            combinable=yes(g("cmbnDvPsbYn")),
            combined_group=text(g("cmbnDvGrpNo")),
            method=text(g("dvMnsCd")),
            requested_date=text(g("hpDvDttm")),
            domestic_overseas=text(g("dmstOvsDvDvsCd")),
            customs_code=text(g("indvCstmPclrNo")),
            brk_hmap_pkcp_yn=text(g("brkHmapPkcpYn")),
            message=text(g("dvMsg")),
            reservation=text(g("dvRsvDvsCd")),
            fee=money(g("dvCst")),
            fee_type=text(g("odCstTypCd")),
            extra_fee=money(g("adtnDvCst")),
        ),
        recipient=_recipient(row),
        gift_card=GiftCard(
            requested=yes(g("pprCrdMsgYn")),
            message=text(g("pprCrdMsg")),
            sender=text(g("pprCrdSndpNm")),
            receiver=text(g("pprCrdRcvrNm")),
        ),
        raw=row,
    )


def order_lines_from_data(data: Any) -> list[OrderLine]:
    """209 ``data``; an empty result is ``{"deliveryOrderList": []}`` (row 8) but a missing list is too."""
    if data is None:
        return []
    if not isinstance(data, Mapping):
        raise ValueError("209 data is not an object")
    return [order_line_from_json(r) for r in _rows(data.get("deliveryOrderList"), "deliveryOrderList")]


def delivery_state_from_json(row: Mapping[str, Any]) -> DeliveryState:
    """A ``data.deliveryProgressStateList`` row of 140."""
    g = row.get
    invoice_nos = g("invcNoList") or ()
    if not isinstance(invoice_nos, list | tuple):
        invoice_nos = (invoice_nos,)
    return DeliveryState(
        key=line_key(row),
        clm_no=text(g("clmNo")),
        step=text(g("odPrgsStepCd")),
        event_at=parse_dttm(g("dvTrcStatDttm")),
        invoice_count=integer(g("invcNbr"), None),
        invoice_no=text(g("invcNo")),
        courier_code=text(g("dvCoCd")),
        invoice_nos=tuple(text(n.get("invcNo") if isinstance(n, Mapping) else n) for n in invoice_nos),
        instructed_at=parse_dttm(g("owhoDttm")),
        ordered_at=parse_dttm(g("odCmptDttm")),
        orderer_name=text(g("odrNm")),
        quantity=integer(g("odQty"), None),
        unit_price=decimal(g("slPrc"), None),
        sale_amount=decimal(g("slAmt"), None),
        delivery_fee=decimal(g("dvCst"), None),
        recipient=_recipient(row),
        message=text(g("dvMsg")),
        product_name=text(g("pdNm") or g("spdNm")),
        spd_no=text(g("spdNo")),
        sitm_no=text(g("sitmNo")),
        epd_no=text(g("epdNo")),
        raw=row,
    )


def delivery_states_from_data(data: Any) -> list[DeliveryState]:
    if data is None:
        return []
    if not isinstance(data, Mapping):
        raise ValueError("140 data is not an object")
    rows = _rows(data.get("deliveryProgressStateList"), "deliveryProgressStateList")
    return [delivery_state_from_json(r) for r in rows]


def delivery_steps_from_data(data: Any) -> dict[LineKey, str]:
    """140 ``data`` read for the live step only: ``{line key: odPrgsStepCd}``, a later row of a key
    winning. The order sync needs nothing else from 140, and full ``DeliveryState`` records for every
    line of a day cost it more than the rest of its reading of 140. The envelope and each row's key
    are checked as ``delivery_states_from_data`` checks them; the other fields are not read."""
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise ValueError("140 data is not an object")
    rows = _rows(data.get("deliveryProgressStateList"), "deliveryProgressStateList")
    return {line_key(r): text(r.get("odPrgsStepCd")) for r in rows}


def product_from_json(row: Mapping[str, Any]) -> Product:
    """A ``data[]`` row of 93."""
    g = row.get
    sitm_nos = g("sitmNoLst") or []
    if not isinstance(sitm_nos, list):
        raise ValueError("sitmNoLst is not a list")
    return Product(
        spd_no=text(g("spdNo")),
        epd_no=text(g("epdNo")),
        name=text(g("spdNm")),
        category=text(g("scatNo")),
        registered_at=parse_dttm(g("regDttm")),
        sale_status=text(g("slStatCd")),
        sale_status_reason=text(g("slStatRsnCd")),
        category_approval=text(g("catAprvStatCd")),
        category_rejection=text(g("catGvbkRsnCnts")),
        info_approval=text(g("pdInfoAprvStatCd")),
        info_rejection=text(g("pdInfoGvbkRsnCnts")),
        approved=yes(g("fnlAprvYn")),
        # Seen both as plain IDs and as objects carrying sitmNo.
        sitm_nos=tuple(text(s.get("sitmNo") if isinstance(s, Mapping) else s) for s in sitm_nos),
        raw=row,
    )


def products_from_data(data: Any) -> list[Product]:
    return [product_from_json(r) for r in _rows(data, "93 data")]


def _image(value: Any) -> str:
    if isinstance(value, Mapping):
        return text(value.get("origImgFileNm") or value.get("imgUrl") or value.get("url") or "")
    return text(value)


def product_option_from_json(row: Mapping[str, Any]) -> ProductOption:
    """An ``itmLst`` row of 94."""
    g = row.get
    stock = integer(g("stkQty"), None)
    managed = stock is None or stock < codes.STOCK_NOT_MANAGED
    return ProductOption(
        sitm_no=text(g("sitmNo")),
        eitm_no=text(g("eitmNo")),
        name=text(g("sitmNm")),
        sale_status=text(g("slStatCd")),
        sale_status_reason=text(g("slStatRsnCd")),
        displayed=yes(g("dpYn")),
        sort_seq=integer(g("sortSeq"), None),
        price=decimal(g("slPrc"), None),
        stock=stock if managed else None,
        stock_managed=managed,
        images=tuple(_image(i) for i in (g("itmImgLst") or [])),
        attributes=tuple(
            OptionAttribute(
                opt_cd=text(a.get("optCd")),
                opt_nm=text(a.get("optNm")),
                opt_val_cd=text(a.get("optValCd")),
                opt_val=text(a.get("optVal")),
                dtls_val=text(a.get("dtlsVal")),
            )
            for a in _rows(g("itmOptLst"), "itmOptLst")
        ),
        raw=row,
    )


def product_detail_from_json(data: Mapping[str, Any]) -> ProductDetail:
    """94 ``data`` (an object; some clients saw it wrapped in a one-element list)."""
    if isinstance(data, list):
        if len(data) != 1:
            raise ValueError("94 data list does not hold exactly one product")
        data = data[0]
    if not isinstance(data, Mapping):
        raise ValueError("94 data is not an object")
    g = data.get
    return ProductDetail(
        spd_no=text(g("spdNo")),
        epd_no=text(g("epdNo")),
        name=text(g("spdNm")),
        sale_status=text(g("slStatCd")),
        options=tuple(product_option_from_json(r) for r in _rows(g("itmLst"), "itmLst")),
        raw=data,
    )


def courier_from_json(row: Mapping[str, Any]) -> Courier:
    return Courier(
        code=text(row.get("cd")),
        name=text(row.get("cdNm")),
        description=text(row.get("cdEpn")),
        sort_seq=integer(row.get("sortSeq"), None),
        raw=row,
    )


def couriers_from_data(data: Any) -> list[Courier]:
    return [courier_from_json(r) for r in _rows(data, "89 data")]


def cancellation_lines_from_json(claim: Mapping[str, Any]) -> list[CancellationLine]:
    """A ``data[]`` claim of 50, flattened to one record per ``itemList`` row."""
    od_no = text(claim.get("odNo"))
    clm_no = text(claim.get("clmNo"))
    lines = []
    for item in _rows(claim.get("itemList"), "itemList"):
        g = item.get
        lines.append(
            CancellationLine(
                key=LineKey(text(g("odNo")) or od_no, seq(g("odSeq")), seq(g("procSeq"))),
                clm_no=text(g("clmNo")) or clm_no,
                orgl_proc_seq=seq(g("orglProcSeq")),
                order_type=text(g("odTypCd")),
                step=text(g("odPrgsStepCd")),
                spd_no=text(g("spdNo")),
                spd_nm=text(g("spdNm")),
                sitm_no=text(g("sitmNo")),
                sitm_nm=text(g("sitmNm")),
                quantity=qty(g("odQty")),
                unit_price=decimal(g("itmSlPrc"), None),
                cancelled_quantity=qty(g("cnclQty")),
                requested_at=parse_dttm(g("clmReqDttm")),
                completed_at=parse_dttm(g("clmCmptDttm")),
                reason_code=text(g("clmRsnCd")),
                reason=text(g("clmRsnCnts")),
                raw=item,
            )
        )
    return lines


def cancellations_from_data(data: Any) -> list[CancellationLine]:
    return [line for claim in _rows(data, "50 data") for line in cancellation_lines_from_json(claim)]


# --- Write payloads ---------------------------------------------------------------------------------

_INVOICE_RE = re.compile(r"[A-Za-z0-9]+")


def normalize_invoice(value: str) -> str:
    """Decision row 2: strip spaces and dashes; what remains must be 1–15 ASCII letters/digits."""
    cleaned = re.sub(r"[\s\-]", "", value or "")
    if not _INVOICE_RE.fullmatch(cleaned):
        raise ValueError(
            f"invoice number {value!r} must be letters and digits only (spaces and dashes are removed)"
        )
    if len(cleaned) > codes.INVOICE_MAX_LENGTH:
        raise ValueError(f"invoice number {value!r} is longer than {codes.INVOICE_MAX_LENGTH} characters")
    return cleaned


def confirm_line_from_order(line: OrderLine, *, linked: bool = True, fail_reason: str = "") -> ConfirmLine:
    """A 210 row for a 209 line (``linked=False`` reports a link failure with a reason)."""
    return ConfirmLine(
        key=line.key,
        instructed_at=line.instructed_at,
        direction=line.direction or "DV",
        orgl_proc_seq=line.orgl_proc_seq,
        clm_no=line.clm_no,
        linked=linked,
        fail_reason=fail_reason,
    )


def preparing_update_from_order(line: OrderLine, *, at: datetime) -> ProgressUpdate:
    return ProgressUpdate(
        key=line.key,
        step="12",
        event_at=at,
        spd_no=line.product.spd_no,
        sitm_no=line.product.sitm_no,
        quantity=line.amounts.quantity,
        instructed_at=line.instructed_at,
        direction=line.direction or "DV",
        orgl_proc_seq=line.orgl_proc_seq,
        clm_no=line.clm_no,
    )


def shipped_update_from_order(
    line: OrderLine, *, courier_code: str, invoice_no: str, at: datetime, invoice_count: int = 1
) -> ProgressUpdate:
    return ProgressUpdate(
        key=line.key,
        step="13",
        event_at=at,
        spd_no=line.product.spd_no,
        sitm_no=line.product.sitm_no,
        quantity=line.amounts.quantity,
        courier_code=courier_code,
        invoice_no=invoice_no,
        invoice_count=invoice_count,
        instructed_at=line.instructed_at,
        direction=line.direction or "DV",
        orgl_proc_seq=line.orgl_proc_seq,
        clm_no=line.clm_no,
    )


def _key_fields(key: LineKey, orgl_proc_seq: str, clm_no: str) -> dict[str, str]:
    return {
        "odNo": key.od_no,
        "odSeq": key.od_seq,
        "procSeq": key.proc_seq,
        "orglProcSeq": orgl_proc_seq,
        "clmNo": clm_no,
    }


def confirm_row(line: ConfirmLine) -> dict[str, str]:
    """A 210 ``ifCompleteList`` row."""
    if not line.linked and not line.fail_reason.strip():
        raise ValueError("a link failure (ifCplYN N) needs a reason")
    return {
        "dvRtrvDvsCd": line.direction,
        **_key_fields(line.key, line.orgl_proc_seq, line.clm_no),
        "ifCplYN": "Y" if line.linked else "N",
        "ifFlRsnCnts": "" if line.linked else line.fail_reason.strip(),
    }


def progress_row(update: ProgressUpdate) -> dict[str, str]:
    """A 137 ``deliveryProgressStateList`` row. Strings throughout, as the official sample has them."""
    if update.step not in ("12", "13"):
        raise ValueError(f"the portal sends 137 for steps 12 and 13 only, not {update.step!r}")
    if update.quantity < 1:
        raise ValueError(f"slQty must be at least 1, got {update.quantity}")
    row = {
        "dvRtrvDvsCd": update.direction,
        **_key_fields(update.key, update.orgl_proc_seq, update.clm_no),
        "odPrgsStepCd": update.step,
        "dvTrcStatDttm": format_dttm(update.event_at),
        "spdNo": update.spd_no,
        "sitmNo": update.sitm_no,
        "slQty": str(update.quantity),
    }
    if update.step == "13":
        if not update.courier_code.strip():
            raise ValueError("step 13 needs a courier code (dvCoCd)")
        row.update(
            invcNbr=str(update.invoice_count),
            dvCoCd=update.courier_code.strip(),
            invcNo=normalize_invoice(update.invoice_no),
        )
    return row


def invoice_correction_row(correction: InvoiceCorrection) -> dict[str, str]:
    """A 139 root-array row."""
    if not correction.new_courier_code.strip():
        raise ValueError("a correction needs the courier code (modDvCoCd)")
    return {
        **_key_fields(correction.key, correction.orgl_proc_seq, correction.clm_no),
        # The current number is what LotteON already holds; it is sent as LotteON stored it.
        "invcNo": re.sub(r"[\s\-]", "", correction.invoice_no),
        "modInvcNo": normalize_invoice(correction.new_invoice_no),
        "modDvCoCd": correction.new_courier_code.strip(),
    }


def stock_row(change: StockChange, *, tr_no: str) -> dict[str, Any]:
    """An 86 ``itmStkLst`` row."""
    if isinstance(change.quantity, bool) or not isinstance(change.quantity, int) or change.quantity < 0:
        raise ValueError(f"stock must be a whole number of at least 0, got {change.quantity!r}")
    row: dict[str, Any] = {
        "trGrpCd": codes.SUPPLIER_GROUP,
        "trNo": tr_no,
        "spdNo": change.spd_no,
        "sitmNo": change.sitm_no,
        "stkQty": change.quantity,
    }
    if change.lrtr_no:
        row["lrtrNo"] = change.lrtr_no
    return row


def sale_status_row(change: SaleStatusChange, *, tr_no: str) -> dict[str, str]:
    """A 111 ``sitmLst`` row."""
    if change.status not in set(codes.SaleStatus):
        raise ValueError(f"unknown sale status {change.status!r}")
    return {
        "trGrpCd": codes.SUPPLIER_GROUP,
        "trNo": tr_no,
        "spdNo": change.spd_no,
        "sitmNo": change.sitm_no,
        "slStatCd": str(change.status),
    }


# --- Write responses ---------------------------------------------------------------------------------

_CODE_FIELDS = ("failCd", "rsltCd", "resultCode", "errCd", "errorCode")
_MESSAGE_FIELDS = ("failMsg", "rsltMsg", "resultMessage", "errMsg", "errorMessage", "message")


def _first(row: Mapping[str, Any], names: Iterable[str]) -> str:
    for name in names:
        if row.get(name) not in (None, ""):
            return text(row.get(name))
    return ""


def find_fail_list(envelope: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """``failList`` under ``data`` (decision row 10), also at the root and under ``result``."""
    found: list[Mapping[str, Any]] = []
    for holder in (envelope.get("data"), envelope, envelope.get("result")):
        if isinstance(holder, Mapping) and holder.get("failList"):
            found.extend(_rows(holder.get("failList"), "failList"))
    return found


def _fail_matches(fail: Mapping[str, Any], key: LineKey) -> bool:
    # An entry may name the order only, or the order and line; missing parts match everything.
    if text(fail.get("odNo")) != key.od_no:
        return False
    if fail.get("odSeq") not in (None, "") and seq(fail.get("odSeq")) != key.od_seq:
        return False
    return not (fail.get("procSeq") not in (None, "") and seq(fail.get("procSeq")) != key.proc_seq)


def line_results(keys: Sequence[LineKey], envelope: Mapping[str, Any]) -> list[LineResult]:
    """Per-line outcome of 210/137/139 from ``data.rsltCd`` and any ``failList``.

    - ``rsltCd`` 0000, no failList: every line applied.
    - ``rsltCd`` 0000 with failList: the named lines failed, the others applied.
    - ``rsltCd`` other: the whole batch failed; named lines carry their own code and message,
      the others the batch code and message.
    """
    data = envelope.get("data")
    if not isinstance(data, Mapping) or data.get("rsltCd") in (None, ""):
        raise ValueError("write response without data.rsltCd")
    batch_code = text(data.get("rsltCd"))
    batch_msg = text(data.get("rsltMsg"))
    fails = find_fail_list(envelope)
    results = []
    for key in keys:
        fail = next((f for f in fails if _fail_matches(f, key)), None)
        if fail is not None:
            code = _first(fail, _CODE_FIELDS) or (batch_code if batch_code != codes.SUCCESS else "FAIL")
            results.append(LineResult(key, False, code, _first(fail, _MESSAGE_FIELDS) or batch_msg))
        elif batch_code != codes.SUCCESS:
            results.append(LineResult(key, False, batch_code, batch_msg))
        else:
            results.append(LineResult(key, True, codes.SUCCESS, batch_msg))
    return results


def item_results(items: Sequence[tuple[str, str]], envelope: Mapping[str, Any]) -> list[ItemResult]:
    """Per-item outcome of 86/111: each ``data[]`` element's ``resultCode``, plus any ``failList``.

    Elements are matched to the sent ``(spdNo, sitmNo)`` pairs in order. An item LotteON reports
    nothing for was not applied (a misnamed list answers 0000 with ``data: []``, API.md §3).
    """
    data = envelope.get("data")
    if data is not None and not isinstance(data, list):
        raise ValueError("86/111 data is not a list")
    unused = list(_rows(data, "86/111 data"))
    fails = find_fail_list(envelope)
    results = []
    for spd_no, sitm_no in items:
        element = next(
            (e for e in unused if text(e.get("sitmNo")) == sitm_no and text(e.get("spdNo")) in ("", spd_no)),
            None,
        )
        if element is not None:
            unused.remove(element)
        fail = next((f for f in fails if text(f.get("sitmNo")) == sitm_no), None)
        if fail is not None:
            results.append(
                ItemResult(
                    spd_no,
                    sitm_no,
                    False,
                    _first(fail, _CODE_FIELDS) or "FAIL",
                    _first(fail, _MESSAGE_FIELDS),
                )
            )
        elif element is None:
            results.append(ItemResult(spd_no, sitm_no, False, "NO_RESULT", codes.MSG_NO_RESULT))
        else:
            code = text(element.get("resultCode"))
            results.append(
                ItemResult(spd_no, sitm_no, code == codes.SUCCESS, code, text(element.get("resultMessage")))
            )
    return results
