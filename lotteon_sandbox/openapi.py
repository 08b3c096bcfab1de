"""The LotteON Open API endpoints (API.md §5) over the in-memory world.

Every handler runs while the caller holds the sandbox lock and returns a `Reply`. Business errors
are HTTP 200 with a `returnCode` other than 0000 (API.md §3); per-line and per-item outcomes of
writes follow decision rows 10 and 17 of docs/lotteon.md.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from .codes import (
    CLAIM_STEPS,
    COURIER_CODES,
    COURIERS,
    ITEM_ERROR,
    MSG_OK,
    OK,
    PERIOD_TOO_LONG,
    PROCESSING_ERROR,
    SALE_STATES,
    STEP_PREPARING,
    STEP_SHIPPED,
    TR_GRP_CD,
    as_int,
    as_key_part,
    fmt_dttm,
    normalize_invoice,
    now_kst,
    parse_dttm,
)
from .model import Line, Shop, Supplier

PREFIX = "/v1/openapi"
MAX_EPD_FILTER = 100
MAX_ROWS_PER_PAGE = 100
CLAIM_WINDOW = timedelta(days=31)
ONE_DAY = timedelta(days=1)


@dataclass(slots=True)
class Reply:
    status: int = 200
    envelope: dict[str, Any] | None = None
    text: str | None = None  # a pre-serialised envelope, for the large reads
    return_code: str | None = None
    data_count: int | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def body(self) -> bytes:
        if self.text is not None:
            return self.text.encode()
        return json.dumps(self.envelope, ensure_ascii=False, separators=(",", ":")).encode()


def envelope(code: str, message: str, data: Any = None, count: int = 0, *, status: int = 200) -> Reply:
    return Reply(
        status=status,
        envelope={"returnCode": code, "message": message, "subMessages": [], "dataCount": count, "data": data},
        return_code=code,
        data_count=count,
    )


def ok(data: Any, count: int) -> Reply:
    return envelope(OK, MSG_OK, data, count)


def fail(code: str, message: str) -> Reply:
    return envelope(code, message)


@dataclass(slots=True)
class Ctx:
    supplier: Supplier
    shop: Shop
    query: dict[str, str]

    @property
    def now(self) -> str:
        return fmt_dttm(now_kst())


class BadRequest(Exception):
    """A business error answered as HTTP 200 with returnCode 9000 (or the code given)."""

    def __init__(self, message: str, code: str = PROCESSING_ERROR) -> None:
        super().__init__(message)
        self.code = code


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if value is None:
        return ""
    return as_key_part(value)


def _object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise BadRequest("요청 본문은 JSON 객체여야 합니다. (The request body must be a JSON object.)")
    return body


def _check_supplier(ctx: Ctx, body: dict[str, Any], *, required: bool = False) -> None:
    tr_grp = _text(body, "trGrpCd")
    tr_no = _text(body, "trNo")
    if required and (not tr_grp or not tr_no):
        raise BadRequest("trGrpCd, trNo는 필수입니다. (trGrpCd and trNo are required.)")
    if tr_grp and tr_grp != TR_GRP_CD:
        raise BadRequest(f"거래처그룹코드가 올바르지 않습니다: {tr_grp}. (trGrpCd must be SR.)")
    if tr_no and tr_no != ctx.supplier.trNo:
        raise BadRequest(
            f"거래처번호가 API 키의 거래처와 일치하지 않습니다: {tr_no}. (trNo does not belong to this API key.)"
        )


def _window(
    body: dict[str, Any], start_name: str, end_name: str, *, limit: timedelta, inclusive: bool, optional: bool
) -> tuple[str, str] | None:
    """Validate a 14-digit KST search window (API.md §4). None when absent and allowed to be."""
    raw_start, raw_end = body.get(start_name), body.get(end_name)
    if optional and raw_start in (None, "") and raw_end in (None, ""):
        return None
    start, end = parse_dttm(raw_start), parse_dttm(raw_end)
    if raw_start in (None, "") or raw_end in (None, ""):
        raise BadRequest(f"{start_name}, {end_name}는 필수입니다. ({start_name} and {end_name} are required.)")
    if start is None or end is None:
        raise BadRequest(
            f"조회일시 형식이 올바르지 않습니다(yyyyMMddHHmmss): {raw_start} ~ {raw_end}. "
            "(Dates must be 14-digit yyyyMMddHHmmss in KST.)"
        )
    if end < start:
        raise BadRequest("조회종료일시가 조회시작일시보다 빠릅니다. (The end is before the start.)")
    too_long = end - start > limit if inclusive else end - start >= limit
    if too_long:
        days = limit.days
        raise BadRequest(
            f"조회기간은 {days}일을 초과할 수 없습니다. (The search period cannot be longer than {days} day(s).)",
            PERIOD_TOO_LONG,
        )
    return fmt_dttm(start), fmt_dttm(end)


def _search_lines(ctx: Ctx, body: dict[str, Any]) -> list[Line]:
    """Lines of 209/140: a one-day window on owhoDttm (decision row 20), or odNo (row 7), or both."""
    od_no = _text(body, "odNo")
    # API.md §4: "at most 1 day", so exactly 24 hours passes and a second more does not.
    window = _window(body, "srchStrtDt", "srchEndDt", limit=ONE_DAY, inclusive=True, optional=bool(od_no))
    if od_no:
        lines = list(ctx.shop.orders.get(od_no, ()))
        if window:
            lines = [line for line in lines if window[0] <= line.owhoDttm <= window[1]]
        return lines
    assert window is not None
    return ctx.shop.lines_between(*window)


# 207


def identity(ctx: Ctx, body: Any) -> Reply:
    s = ctx.supplier
    return ok({"trGrpCd": s.trGrpCd, "trDvsCd": s.trDvsCd, "trNo": s.trNo, "trNm": s.trNm}, 1)


# 209


def orders_search(ctx: Ctx, body: Any) -> Reply:
    body = _object(body)
    _check_supplier(ctx, body)
    yn = _text(body, "ifCplYN").upper()
    if yn not in ("", "Y", "N"):
        raise BadRequest(f"ifCplYN은 '', 'N', 'Y' 중 하나입니다: {yn}. (ifCplYN must be '', 'N' or 'Y'.)")
    step = _text(body, "odPrgsStepCd")
    od_typ = _text(body, "odTypCd")
    lrtr = _text(body, "lrtrNo")
    found = [
        line
        for line in _search_lines(ctx, body)
        # Decision row 13: a fully cancelled line leaves 209 whatever ifCplYN asks for.
        if line.step != "21"
        and line.link == yn
        and (not step or line.row["odPrgsStepCd"] == step)
        and (not od_typ or line.row["odTypCd"] == od_typ)
        and (not lrtr or line.row["lrtrNo"] == lrtr)
    ]
    return _list_reply("deliveryOrderList", [line.row_json() for line in found])


def _list_reply(name: str, rows: list[str]) -> Reply:
    """A success envelope around rows already serialised (209/140 repeat the same rows on every pull)."""
    text = (
        '{"returnCode":"0000","message":' + json.dumps(MSG_OK, ensure_ascii=False)
        + ',"subMessages":[],"dataCount":' + str(len(rows))
        + ',"data":{"' + name + '":[' + ",".join(rows) + "]}}"
    )
    return Reply(text=text, return_code=OK, data_count=len(rows))


# 140


def progress_search(ctx: Ctx, body: Any) -> Reply:
    body = _object(body)
    _check_supplier(ctx, body)
    step = _text(body, "odPrgsStepCd")
    lrtr = _text(body, "lrtrNo")
    found = [
        line
        for line in _search_lines(ctx, body)
        if (not step or line.step == step) and (not lrtr or line.row["lrtrNo"] == lrtr)
    ]
    return _list_reply("deliveryProgressStateList", [line.progress_json() for line in found])


# 210 / 137 / 139: per-line outcomes (decision row 10)


def _write_result(total: int, fails: list[dict[str, Any]]) -> Reply:
    if total == 0:
        data = {
            "rsltCd": ITEM_ERROR,
            "rsltMsg": "처리할 데이터가 없습니다. (The request carries no lines.)",
            "failList": [],
        }
    elif not fails:
        data = {"rsltCd": OK, "rsltMsg": MSG_OK, "failList": []}
    elif len(fails) == total:
        data = {
            "rsltCd": ITEM_ERROR,
            "rsltMsg": f"처리에 실패하였습니다. 실패 {len(fails)}건. (All {total} line(s) failed.)",
            "failList": fails,
        }
    else:
        data = {
            "rsltCd": OK,
            "rsltMsg": f"일부 처리되었습니다. 성공 {total - len(fails)}건, 실패 {len(fails)}건. "
            f"({total - len(fails)} applied, {len(fails)} failed.)",
            "failList": fails,
        }
    return ok(data, 1)


def _fail_row(entry: Any, message: str) -> dict[str, Any]:
    entry = entry if isinstance(entry, dict) else {}
    return {
        "odNo": _text(entry, "odNo"),
        "odSeq": _text(entry, "odSeq"),
        "procSeq": _text(entry, "procSeq"),
        "failCd": ITEM_ERROR,
        "failMsg": message,
    }


def _find_line(ctx: Ctx, entry: dict[str, Any]) -> Line | str:
    key = (_text(entry, "odNo"), _text(entry, "odSeq"), _text(entry, "procSeq"))
    if not all(key):
        return "odNo, odSeq, procSeq는 필수입니다. (odNo, odSeq and procSeq are required.)"
    line = ctx.shop.lines.get(key)
    if line is None:
        return f"주문정보가 존재하지 않습니다: {'/'.join(key)}. (No such order line for this supplier.)"
    return line


def _list_of(body: Any, name: str) -> list[Any] | None:
    if isinstance(body, dict) and isinstance(body.get(name), list):
        return body[name]
    return None


def if_complete(ctx: Ctx, body: Any) -> Reply:
    """210: link lines (`ifCplYN=Y` moves DV lines to 12; decision rows 12 and 14)."""
    entries = _list_of(_object(body), "ifCompleteList") or []
    fails = []
    at = ctx.now
    for entry in entries:
        outcome = _if_complete_one(ctx, entry, at)
        if outcome:
            fails.append(_fail_row(entry, outcome))
    return _write_result(len(entries), fails)


def _if_complete_one(ctx: Ctx, entry: Any, at: str) -> str | None:
    if not isinstance(entry, dict):
        return "잘못된 요청 항목입니다. (Each entry must be an object.)"
    found = _find_line(ctx, entry)
    if isinstance(found, str):
        return found
    dv = _text(entry, "dvRtrvDvsCd")
    if not dv:
        return "dvRtrvDvsCd는 필수입니다. (dvRtrvDvsCd is required.)"
    if dv != found.row["dvRtrvDvsCd"]:
        return f"배송회수구분코드가 주문과 다릅니다: {dv}. (dvRtrvDvsCd does not match the line.)"
    yn = _text(entry, "ifCplYN").upper()
    if yn not in ("Y", "N"):
        return "ifCplYN은 Y 또는 N입니다. (ifCplYN must be Y or N.)"
    reason = _text(entry, "ifFlRsnCnts")
    if yn == "N" and not reason:
        return "연동실패 사유(ifFlRsnCnts)를 입력하세요. (ifFlRsnCnts is required with N.)"
    return ctx.shop.link(found, yn, reason, at, "api")


def progress_inform(ctx: Ctx, body: Any) -> Reply:
    """137 v1: step 12 (rows 1) and step 13 (rows 2, 6, 15)."""
    entries = _list_of(_object(body), "deliveryProgressStateList") or []
    fails = []
    at = ctx.now
    for entry in entries:
        outcome = _progress_one(ctx, entry, at)
        if outcome:
            fails.append(_fail_row(entry, outcome))
    return _write_result(len(entries), fails)


def _progress_one(ctx: Ctx, entry: Any, at: str) -> str | None:
    if not isinstance(entry, dict):
        return "잘못된 요청 항목입니다. (Each entry must be an object.)"
    found = _find_line(ctx, entry)
    if isinstance(found, str):
        return found
    line = found
    step = _text(entry, "odPrgsStepCd")
    if step not in (STEP_PREPARING, STEP_SHIPPED):
        return f"처리할 수 없는 진행단계입니다: {step}. (odPrgsStepCd must be 12 or 13.)"
    dv = _text(entry, "dvRtrvDvsCd")
    if dv and dv != line.row["dvRtrvDvsCd"]:
        return f"배송회수구분코드가 주문과 다릅니다: {dv}. (dvRtrvDvsCd does not match the line.)"
    trc = _text(entry, "dvTrcStatDttm")
    if parse_dttm(trc) is None:
        return f"dvTrcStatDttm 형식이 올바르지 않습니다: {trc}. (dvTrcStatDttm must be yyyyMMddHHmmss.)"
    spd, sitm = _text(entry, "spdNo"), _text(entry, "sitmNo")
    if spd != line.row["spdNo"] or sitm != line.row["sitmNo"]:
        return (
            f"상품번호/단품번호가 주문과 일치하지 않습니다: {spd}/{sitm}. "
            "(spdNo/sitmNo must be copied from the 209 line.)"
        )
    qty = as_int(entry.get("slQty"))
    if qty is None or qty < 1 or qty > line.row["odQty"]:
        return f"수량이 올바르지 않습니다: {entry.get('slQty')}. (slQty must be 1..{line.row['odQty']}.)"
    if step == STEP_PREPARING:
        return ctx.shop.prepare(line, at, "api")
    nbr = as_int(entry.get("invcNbr"))
    if nbr is None or nbr < 1:
        return f"송장수량(invcNbr)이 올바르지 않습니다: {entry.get('invcNbr')}. (invcNbr must be a number >= 1.)"
    dv_co = _text(entry, "dvCoCd")
    if dv_co not in COURIER_CODES:
        return f"택배사코드가 올바르지 않습니다: {dv_co}. (dvCoCd is not in the DV_CO_CD list of API 89.)"
    invc = normalize_invoice(entry.get("invcNo"))
    if invc is None:
        return (
            f"송장번호가 올바르지 않습니다: {entry.get('invcNo')}. "
            "(invcNo must be 1-15 letters or digits after removing spaces and dashes.)"
        )
    return ctx.shop.ship(line, dv_co, invc, nbr, trc, at, "api")


def invoice_modify(ctx: Ctx, body: Any) -> Reply:
    """139: a root-level array (API.md §5.5); only lines in 13 (decision row 16)."""
    if not isinstance(body, list):
        return _write_result(0, [])
    fails = []
    at = ctx.now
    for entry in body:
        outcome = _invoice_one(ctx, entry, at)
        if outcome:
            fails.append(_fail_row(entry, outcome))
    return _write_result(len(body), fails)


def _invoice_one(ctx: Ctx, entry: Any, at: str) -> str | None:
    if not isinstance(entry, dict):
        return "잘못된 요청 항목입니다. (Each entry must be an object.)"
    found = _find_line(ctx, entry)
    if isinstance(found, str):
        return found
    line = found
    if line.step != STEP_SHIPPED:
        return f"발송완료(13) 상태의 주문만 송장을 수정할 수 있습니다: {line.step}. (Only lines in step 13.)"
    old = normalize_invoice(entry.get("invcNo"))
    if old != line.invcNo:
        return f"기존 송장번호가 일치하지 않습니다: {entry.get('invcNo')}. (invcNo must be the current number.)"
    new = normalize_invoice(entry.get("modInvcNo"))
    if new is None:
        return (
            f"변경 송장번호가 올바르지 않습니다: {entry.get('modInvcNo')}. "
            "(modInvcNo must be 1-15 letters or digits after removing spaces and dashes.)"
        )
    dv_co = _text(entry, "modDvCoCd")
    if dv_co not in COURIER_CODES:
        return f"택배사코드가 올바르지 않습니다: {dv_co}. (modDvCoCd is not in the DV_CO_CD list of API 89.)"
    ctx.shop.modify_invoice(line, dv_co, new, at, "api")
    return None


# 86 / 111: per-item results (decision row 17)


def _item_result(entry: Any, code: str, message: str) -> dict[str, Any]:
    entry = entry if isinstance(entry, dict) else {}
    return {
        "spdNo": _text(entry, "spdNo"),
        "sitmNo": _text(entry, "sitmNo"),
        "resultCode": code,
        "resultMessage": message,
    }


def _find_item(ctx: Ctx, entry: dict[str, Any]) -> tuple[Any, Any] | str:
    group = _text(entry, "trGrpCd")
    if group and group != ctx.supplier.trGrpCd:  # §5.7: trGrpCd is SR
        return f"거래처그룹코드가 올바르지 않습니다: {group}. (trGrpCd must be {ctx.supplier.trGrpCd}.)"
    tr_no = _text(entry, "trNo")
    if tr_no and tr_no != ctx.supplier.trNo:
        return f"거래처번호가 API 키의 거래처와 일치하지 않습니다: {tr_no}. (trNo does not belong to this API key.)"
    spd, sitm = _text(entry, "spdNo"), _text(entry, "sitmNo")
    found = ctx.shop.items.get(sitm)
    if found is None or found[0].spdNo != spd:
        return f"단품정보가 존재하지 않습니다: {spd}/{sitm}. (Unknown spdNo/sitmNo for this supplier.)"
    return found


def stock_change(ctx: Ctx, body: Any) -> Reply:
    """86: only `itmStkLst` is read; any other list name applies nothing and still answers 0000."""
    entries = _list_of(_object(body), "itmStkLst")
    if entries is None:
        return ok([], 0)
    results = [_stock_one(ctx, entry) for entry in entries]
    return ok(results, len(results))


def _stock_one(ctx: Ctx, entry: Any) -> dict[str, Any]:
    if not isinstance(entry, dict):
        return _item_result(entry, ITEM_ERROR, "잘못된 요청 항목입니다. (Each entry must be an object.)")
    found = _find_item(ctx, entry)
    if isinstance(found, str):
        return _item_result(entry, ITEM_ERROR, found)
    product, item = found
    qty = as_int(entry.get("stkQty"))
    if qty is None or qty < 0:
        return _item_result(
            entry, ITEM_ERROR, f"재고수량이 올바르지 않습니다: {entry.get('stkQty')}. (stkQty must be an integer >= 0.)"
        )
    if product.stkMgtYn != "Y":
        return _item_result(
            entry, ITEM_ERROR, "재고관리를 하지 않는 상품입니다. (The product is registered with stkMgtYn=N.)"
        )
    item.stkQty = qty
    # API.md §5.7: stock 0 sets SOUT automatically; a restock leaves it there until 111 sets SALE.
    if qty == 0 and item.slStatCd == "SALE":
        item.slStatCd, item.slStatRsnCd = "SOUT", "SOUT_STK"
    return _item_result(entry, OK, MSG_OK)


def status_change(ctx: Ctx, body: Any) -> Reply:
    """111: `sitmLst[]` with slStatCd; per-item results as for 86."""
    entries = _list_of(_object(body), "sitmLst")
    if entries is None:
        return ok([], 0)
    results = [_status_one(ctx, entry) for entry in entries]
    return ok(results, len(results))


def _status_one(ctx: Ctx, entry: Any) -> dict[str, Any]:
    if not isinstance(entry, dict):
        return _item_result(entry, ITEM_ERROR, "잘못된 요청 항목입니다. (Each entry must be an object.)")
    found = _find_item(ctx, entry)
    if isinstance(found, str):
        return _item_result(entry, ITEM_ERROR, found)
    product, item = found
    state = _text(entry, "slStatCd").upper()
    if state not in SALE_STATES:
        return _item_result(
            entry, ITEM_ERROR, f"판매상태코드가 올바르지 않습니다: {state}. (slStatCd must be SALE, SOUT, STP or END.)"
        )
    if state == "SALE" and product.stkMgtYn == "Y" and item.stkQty <= 0:
        return _item_result(
            entry, ITEM_ERROR, "재고가 없어 판매중으로 변경할 수 없습니다. (Stock is 0; send 86 first.)"
        )
    item.slStatCd = state
    item.slStatRsnCd = "SOUT_ITM" if state == "SOUT" else ""
    return _item_result(entry, OK, MSG_OK)


# 93 / 94


def product_list(ctx: Ctx, body: Any) -> Reply:
    """93: decision row 18. `dataCount` is the total number of matching rows, not the page size."""
    body = _object(body)
    page_no, rows = as_int(body.get("pageNo")), as_int(body.get("rowsPerPage"))
    if page_no is None or rows is None:
        raise BadRequest("pageNo, rowsPerPage는 필수입니다. (pageNo and rowsPerPage are required.)")
    if page_no < 1 or rows < 1 or rows > MAX_ROWS_PER_PAGE:
        raise BadRequest(
            f"페이지 정보가 올바르지 않습니다: pageNo={page_no}, rowsPerPage={rows}. "
            f"(pageNo >= 1 and 1 <= rowsPerPage <= {MAX_ROWS_PER_PAGE}.)"
        )
    _check_supplier(ctx, body, required=True)
    start, end = _window(body, "regStrtDttm", "regEndDttm", limit=timedelta.max, inclusive=True, optional=False)
    epd = body.get("epdNo")
    if epd in (None, ""):
        epd_filter = None
    elif isinstance(epd, list) and len(epd) <= MAX_EPD_FILTER:
        epd_filter = {as_key_part(v) for v in epd} or None
    else:
        raise BadRequest(
            f"epdNo는 최대 {MAX_EPD_FILTER}건의 배열입니다. (epdNo must be an array of at most {MAX_EPD_FILTER}.)"
        )
    sl_stat = _text(body, "slStatCd").upper()
    sl_from, sl_to = _text(body, "slStrtDttm"), _text(body, "slEndDttm")
    products = [
        p
        for p in ctx.shop.products
        if start <= p.regDttm <= end
        and (epd_filter is None or p.epdNo in epd_filter)
        and (not sl_stat or p.sale_state()[0] == sl_stat)
        and (not sl_from or p.slEndDttm >= sl_from)
        and (not sl_to or p.slStrtDttm <= sl_to)
    ]
    products.sort(key=lambda p: (p.regDttm, p.spdNo))
    page = products[(page_no - 1) * rows : page_no * rows]
    return ok([p.list_row() for p in page], len(products))


def product_detail(ctx: Ctx, body: Any) -> Reply:
    body = _object(body)
    _check_supplier(ctx, body, required=True)
    spd = _text(body, "spdNo")
    product = ctx.shop.products_by_spd.get(spd)
    if product is None:
        raise BadRequest(f"상품정보가 존재하지 않습니다: {spd}. (No such spdNo for this supplier.)")
    return ok(product.detail(), 1)


# 89


def detail_codes(ctx: Ctx, body: Any) -> Reply:
    grp = ctx.query.get("grpCd", "")
    lang = ctx.query.get("langCd", "") or "ko"
    if not grp:
        raise BadRequest("grpCd는 필수입니다. (grpCd is required.)")
    if grp != "DV_CO_CD":
        return ok([], 0)
    rows = [
        {
            "grpCd": grp,
            "langCd": lang,
            "cd": code,
            "cdNm": name,
            "cdEpn": english,
            "sortSeq": index,
            "refcChrValEpn1": "",
            "refcChrValEpn2": "",
            "refcChrValEpn3": "",
            "refcChrValEpn4": "",
        }
        for index, (code, name, english) in enumerate(COURIERS, start=1)
    ]
    return ok(rows, len(rows))


# 50


def cancellations(ctx: Ctx, body: Any) -> Reply:
    """50: claim lines in one step (02 requested, 21 completed, 22 withdrawn), filtered on the time each
    line reached that step; the window may span up to 31 days (decision row 19)."""
    body = _object(body)
    start, end = _window(body, "srchStrtDttm", "srchEndDttm", limit=CLAIM_WINDOW, inclusive=True, optional=False)
    typ = _text(body, "odTypCd")
    step = _text(body, "odPrgsStepCd")
    clm_tp = _text(body, "clmTpCd").upper()
    # API.md §5.11 gives odPrgsStepCd three values and no "every step": an empty one matches nothing.
    if (typ and typ != "20") or step not in CLAIM_STEPS or (clm_tp and clm_tp != "CCNL") or _text(body, "lrtrNo"):
        return ok([], 0)
    od_no, od_seq, proc_seq, clm_no = (_text(body, n) for n in ("odNo", "odSeq", "procSeq", "clmNo"))
    data = []
    for claim in ctx.shop.claims:
        if (od_no and claim.odNo != od_no) or (clm_no and claim.clmNo != clm_no):
            continue
        items = [
            item
            for item, at in zip(claim.items, claim.item_dttm, strict=True)
            if item["odPrgsStepCd"] == step
            and start <= at <= end
            and (not od_seq or item["odSeq"] == od_seq)
            and (not proc_seq or proc_seq in (item["procSeq"], item["orglProcSeq"]))
        ]
        if items:
            data.append({"odNo": claim.odNo, "clmNo": claim.clmNo, "itemList": items})
    data.sort(key=lambda row: (row["itemList"][0]["clmReqDttm"], row["clmNo"]))
    return ok(data, len(data))


Handler = Callable[[Ctx, Any], Reply]

# (method, path) -> (apiNo, handler). Paths from API.md §1.1.
ROUTES: dict[tuple[str, str], tuple[int, Handler]] = {
    ("GET", f"{PREFIX}/common/v1/identity"): (207, identity),
    ("POST", f"{PREFIX}/delivery/v1/SellerDeliveryOrdersSearch"): (209, orders_search),
    ("POST", f"{PREFIX}/delivery/v1/SellerIfCompleteInform"): (210, if_complete),
    ("POST", f"{PREFIX}/delivery/v1/SellerDeliveryProgressStateSearch"): (140, progress_search),
    ("POST", f"{PREFIX}/delivery/v1/SellerDeliveryProgressStateInform"): (137, progress_inform),
    ("POST", f"{PREFIX}/delivery/v1/SellerInvoiceNoModifyInform"): (139, invoice_modify),
    ("POST", f"{PREFIX}/product/v1/item/stock/change"): (86, stock_change),
    ("POST", f"{PREFIX}/product/v1/item/status/change"): (111, status_change),
    ("POST", f"{PREFIX}/product/v1/product/list"): (93, product_list),
    ("POST", f"{PREFIX}/product/v1/product/detail"): (94, product_detail),
    ("GET", f"{PREFIX}/bocommon/v1/code/getDetailCodeList"): (89, detail_codes),
    ("POST", f"{PREFIX}/claim/v1/cancellationOpenApi/getCancellationRequestAndComplateList"): (50, cancellations),
}
KNOWN_PATHS = {path: api_no for (_, path), (api_no, _) in ROUTES.items()}


def call(handler: Handler, ctx: Ctx, body: Any) -> Reply:
    try:
        return handler(ctx, body)
    except BadRequest as exc:
        return fail(exc.code, str(exc))


__all__ = ["ROUTES", "KNOWN_PATHS", "Ctx", "Reply", "call", "envelope"]
