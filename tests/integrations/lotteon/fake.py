"""A small stateful LotteON behind `responses`, written from API.md and docs/lotteon.md.

It is the `responses` half of the contract suite: the same tests run against it and against the
sandbox over real HTTP. It is written independently of the sandbox on purpose, so that the two
halves check the client against two readings of the same specification. Only what the contract
tests need is modelled: one demo supplier, a catalog of 20 products, order lines with their live
step, claims, faults and a per-key call budget.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import requests
import responses

from integrations.lotteon import client as lc
from integrations.lotteon.timeutil import KST, format_dttm, parse_dttm

BASE = "https://fake-openapi.lotteon.test"
DEMO_KEY = "demo-lotteon-api-key"
DEMO_TR_NO = "LO10000001"
EXPIRED_KEY = "expired-lotteon-api-key"
FOREIGN_IP_KEY = "ip-not-registered-key"
COURIERS = [
    ("0001", "롯데택배"), ("0002", "CJ대한통운"), ("0004", "우체국택배"), ("0005", "로젠택배"),
    ("0006", "한진택배"), ("0016", "KGB택배"), ("0023", "건영택배"), ("0024", "경동택배"),
    ("0028", "대신택배"), ("0042", "일양로지스"), ("0043", "천일택배"), ("0049", "합동택배"),
    ("9999", "기타택배"),
]  # fmt: skip
COURIER_CODES = {code for code, _ in COURIERS}
INVOICE = re.compile(r"[A-Za-z0-9]{1,15}")
COLOURS = [("BK", "블랙"), ("WH", "화이트")]
SIZES = ["M", "L"]


def now_kst() -> datetime:
    return datetime.now(KST).replace(microsecond=0)


def envelope(
    data: Any = None, code: str = "0000", message: str = "정상 처리되었습니다.", count: int = 0
) -> dict:
    return {"returnCode": code, "message": message, "subMessages": [], "dataCount": count, "data": data}


class Refused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Item:
    sitm_no: str
    eitm_no: str
    name: str
    stock: int
    status: str = "SALE"
    reason: str = ""


@dataclass
class Product:
    spd_no: str
    epd_no: str
    name: str
    reg: str
    items: list[Item]


@dataclass
class Line:
    row: dict[str, Any]
    step: str = "11"
    link: str = ""
    dv_co_cd: str = ""
    invc_no: str = ""
    trc: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        return self.row["odNo"], self.row["odSeq"], self.row["procSeq"]


@dataclass
class Fault:
    count: int = 1
    status: int | None = None
    path: str | None = None
    delay: float = 0.0
    malformed: bool = False
    returnCode: str | None = None
    retryAfter: int | None = None
    noRetryAfter: bool = False  # the fake sends Retry-After only when retryAfter is given
    afterApply: bool = False


@dataclass
class FakeLotteOn:
    products: list[Product] = field(default_factory=list)
    lines: dict[tuple[str, str, str], Line] = field(default_factory=dict)
    claims: list[dict[str, Any]] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    calls: list[tuple[str, str]] = field(default_factory=list)  # (method, path)
    per_minute: int = 10_000
    used: dict[str, int] = field(default_factory=dict)
    order_seq: int = 0

    def __post_init__(self) -> None:
        reg = format_dttm(now_kst() - timedelta(days=30))
        for n in range(1, 21):
            spd = f"LO{2000000000 + n * 100:010d}"
            if n % 2:  # single product: the seller's code is epdNo, eitmNo empty
                items = [Item(f"{spd}_{1:010d}", "", "단품", 10)]
            else:
                items = [
                    Item(f"{spd}_{i:010d}", f"P{n:03d}-{c}-{s}", f"{colour} / {s}", 10)
                    for i, ((c, colour), s) in enumerate(((c, s) for c in COLOURS for s in SIZES), start=1)
                ]
            self.products.append(Product(spd, f"P{n:03d}", f"테스트 상품 {n}", reg, items))

    # --- admin side (what the tests set up) -------------------------------------------------------------

    def item(self, sitm_no: str) -> tuple[Product, Item]:
        for product in self.products:
            for item in product.items:
                if item.sitm_no == sitm_no:
                    return product, item
        raise KeyError(sitm_no)

    def create_order(
        self, owho: datetime, lines: list[tuple[str, int]], state: str = "new"
    ) -> dict[str, Any]:
        self.order_seq += 1
        od_no = f"{format_dttm(owho)[:8]}{self.order_seq:08d}"
        rows = []
        for seq, (sitm_no, qty) in enumerate(lines, start=1):
            product, item = self.item(sitm_no)
            row = {
                "odNo": od_no, "odSeq": str(seq), "procSeq": "1", "orglProcSeq": "", "clmNo": "",
                "odTypCd": "10", "odTypDtlCd": "", "dvRtrvDvsCd": "DV", "odPrgsStepCd": "11",
                "odCmptDttm": format_dttm(owho - timedelta(minutes=5)), "owhoDttm": format_dttm(owho),
                "rtrpSiDttm": "", "chNo": "100001", "chDtlNo": "", "odSlTypCd": "", "xchgDvsCd": "",
                "clmRsnCd": "", "clmRsnCnts": "", "imptDvsCd": "", "trNo": DEMO_TR_NO, "trNm": "스마트십 데모상점",
                "lrtrNo": "", "lrtrNm": "", "odrNm": "홍길동", "mphnNo": "010-1234-5678", "telNo": "",
                "emlAddr": "hong@example.com", "ctrtTypCd": "", "dvPdTypCd": "", "spdNo": product.spd_no,
                "epdNo": product.epd_no, "spdNm": product.name, "sitmNo": item.sitm_no, "eitmNo": item.eitm_no,
                "sitmNm": item.name, "pdAdtnOptJsn": "", "slPrc": 15900, "odQty": qty, "slAmt": 15900 * qty,
                "prSfcoShrAmtSum": 0, "prEntpShrAmtSum": 0, "sptDcPgmCmsnSum": 0, "fvrAmtSum": 0,
                "actualAmt": 15900 * qty, "cmbnDvPsbYn": "Y", "cmbnDvGrpNo": f"G{od_no}", "dvMnsCd": "DPCL",
                "hpDvDttm": "", "dmstOvsDvDvsCd": "DMST", "indvCstmPclrNo": "", "brkHmapPkcpYn": "N",
                "dvMsg": "문 앞에 놓아주세요", "dvRsvDvsCd": "", "dvCst": 3000 if seq == 1 else 0,
                "odCstTypCd": "", "adtnDvCst": 0, "dvpCustNm": "김철수", "dvpEmlAddr": "", "dvpTelNo": "",
                "dvpMphnNo": "010-9876-5432", "sftNo": "", "dvpZipNo": "06236",
                "dvpStnmZipAddr": "서울특별시 강남구 테헤란로 123", "dvpStnmDtlAddr": "4층 401호",
                "pprCrdMsgYn": "N", "pprCrdMsg": "", "pprCrdSndpNm": "", "pprCrdRcvrNm": "",
            }  # fmt: skip
            line = Line(row)
            if state in ("linked", "shipped"):
                line.link, line.step = "Y", "12"
            if state == "shipped":
                line.step, line.dv_co_cd, line.invc_no = "13", "0002", f"5{self.order_seq:011d}"
            self.lines[line.key] = line
            rows.append(dict(row))
        if state == "cancelled":
            self.cancel(od_no)
        return {"odNo": od_no, "lines": rows}

    def cancel(self, od_no: str, od_seq: str | None = None, qty: int | None = None) -> None:
        at = format_dttm(now_kst())
        items = []
        for line in self.lines.values():
            if line.row["odNo"] != od_no or (od_seq and line.row["odSeq"] != od_seq) or line.step != "11":
                continue
            cancelled = qty or line.row["odQty"]
            items.append(
                {
                    "odSeq": line.row["odSeq"],
                    "procSeq": "2",
                    "orglProcSeq": line.row["procSeq"],
                    "odTypCd": "20",
                    "odPrgsStepCd": "21",
                    "spdNo": line.row["spdNo"],
                    "spdNm": line.row["spdNm"],
                    "sitmNo": line.row["sitmNo"],
                    "sitmNm": line.row["sitmNm"],
                    "odQty": line.row["odQty"],
                    "itmSlPrc": line.row["slPrc"],
                    "cnclQty": cancelled,
                    "clmReqDttm": at,
                    "clmCmptDttm": at,
                    "clmRsnCd": "101",
                    "clmRsnCnts": "단순 변심",
                }  # fmt: skip
            )
            if cancelled >= line.row["odQty"]:
                line.step = "21"
            else:
                line.row["odQty"] -= cancelled
                line.row["slAmt"] = line.row["slPrc"] * line.row["odQty"]
        self.claims.append(
            {"odNo": od_no, "clmNo": f"CL{at[:8]}{len(self.claims) + 1:06d}", "at": at, "itemList": items}
        )

    def link_elsewhere(self, od_no: str) -> None:
        for line in self.lines.values():
            if line.row["odNo"] == od_no and line.step == "11":
                line.link, line.step = "Y", "12"

    # --- the API ------------------------------------------------------------------------------------

    def install(self, mock: responses.RequestsMock) -> None:
        handlers: dict[lc.Endpoint, Callable[[Any, dict[str, str]], dict]] = {
            lc.IDENTITY: lambda body, q: envelope(
                {"trGrpCd": "SR", "trDvsCd": "01", "trNo": DEMO_TR_NO, "trNm": "스마트십 데모상점"}, count=1
            ),
            lc.ORDER_SEARCH: self._orders,
            lc.DELIVERY_STATE_SEARCH: self._states,
            lc.LINK_COMPLETE: self._link,
            lc.DELIVERY_STATE_NOTICE: self._notice,
            lc.INVOICE_CORRECTION: self._correct,
            lc.STOCK_CHANGE: self._stock,
            lc.ITEM_STATUS_CHANGE: self._status,
            lc.PRODUCT_LIST: self._product_list,
            lc.PRODUCT_DETAIL: self._product_detail,
            lc.COMMON_CODES: self._codes,
            lc.CANCELLATION_SEARCH: self._cancellations,
        }
        for endpoint, handler in handlers.items():
            mock.add_callback(
                endpoint.method,
                re.compile(re.escape(BASE + endpoint.path) + r"(\?.*)?$"),
                callback=self._wrap(endpoint, handler),
            )

    def _wrap(
        self, endpoint: lc.Endpoint, handler: Callable[[Any, dict[str, str]], dict]
    ) -> Callable[[requests.PreparedRequest], tuple[int, dict[str, str], str]]:
        def callback(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
            self.calls.append((endpoint.method, endpoint.path))
            fault = self._take_fault(endpoint.path)
            read_timeout = request.req_kwargs["timeout"][1]  # type: ignore[attr-defined]
            if fault and not fault.afterApply:
                if fault.delay > read_timeout:
                    raise requests.ReadTimeout("fake: no answer in time")
                if fault.status or fault.malformed or fault.returnCode:
                    return self._fault_reply(fault)
            reply = self._serve(request, handler)
            if fault and fault.afterApply:
                if fault.delay > read_timeout:
                    raise requests.ReadTimeout("fake: applied, answer lost")
                if fault.status or fault.malformed or fault.returnCode:
                    return self._fault_reply(fault)
            return reply

        return callback

    def _serve(
        self, request: requests.PreparedRequest, handler: Callable[[Any, dict[str, str]], dict]
    ) -> tuple[int, dict[str, str], str]:
        key = (request.headers.get("Authorization") or "").removeprefix("Bearer ").strip()
        if key == FOREIGN_IP_KEY:
            return 403, {}, json.dumps(envelope(None, "403", "허용되지 않은 IP입니다."))
        if key != DEMO_KEY:
            return 401, {}, json.dumps(envelope(None, "401", "인증에 실패하였습니다."))
        self.used[key] = self.used.get(key, 0) + 1
        if self.used[key] > self.per_minute:
            return 429, {"Retry-After": "60"}, json.dumps(envelope(None, "429", "접속량 초과"))
        body = json.loads(request.body) if request.body else None
        query = dict(re.findall(r"[?&]([^=&]+)=([^&]*)", request.url or ""))
        try:
            answer = handler(body, query)
        except Refused as e:
            answer = envelope(None, e.code, str(e))
        return 200, {}, json.dumps(answer, ensure_ascii=False)

    def _take_fault(self, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.path and fault.path not in path:
                continue
            if fault.count > 0:
                fault.count -= 1
                if fault.count == 0:
                    self.faults.remove(fault)
            return fault
        return None

    @staticmethod
    def _fault_reply(fault: Fault) -> tuple[int, dict[str, str], str]:
        if fault.malformed:
            return 200, {"Content-Type": "text/html"}, "<html><body>502 Bad Gateway</body></html>"
        if fault.returnCode:
            return 200, {}, json.dumps(envelope(None, fault.returnCode, "주입된 오류"))
        headers = {"Retry-After": str(fault.retryAfter)} if fault.retryAfter is not None else {}
        return fault.status or 500, headers, json.dumps(envelope(None, str(fault.status), "시스템 오류"))

    # reads

    @staticmethod
    def _window(body: dict, start_name: str, end_name: str, limit: timedelta) -> tuple[str, str] | None:
        start, end = body.get(start_name) or "", body.get(end_name) or ""
        if not start and not end and body.get("odNo"):
            return None
        try:
            s, e = parse_dttm(start), parse_dttm(end)
        except ValueError as exc:
            raise Refused("9000", "조회일시 형식 오류") from exc
        if s is None or e is None or len(start) != 14 or len(end) != 14 or e < s:
            raise Refused("9000", "조회일시 형식 오류")
        if e - s >= limit:
            raise Refused("2003", "조회기간은 1일을 초과할 수 없습니다.")
        return start, end

    def _search(self, body: dict) -> list[Line]:
        window = self._window(body, "srchStrtDt", "srchEndDt", timedelta(days=1))
        od_no = body.get("odNo") or ""
        return [
            line
            for line in self.lines.values()
            if (not od_no or line.row["odNo"] == od_no)
            and (window is None or window[0] <= line.row["owhoDttm"] <= window[1])
        ]

    def _orders(self, body: Any, query: dict) -> dict:
        flag = body.get("ifCplYN") or ""
        step = body.get("odPrgsStepCd") or ""
        rows = [
            line.row  # 209 keeps the stale step 11 (decision row 11)
            for line in self._search(body)
            if line.step != "21" and line.link == flag and (not step or line.row["odPrgsStepCd"] == step)
        ]
        return envelope({"deliveryOrderList": rows}, count=len(rows))

    def _states(self, body: Any, query: dict) -> dict:
        rows = [
            {
                **{
                    k: line.row[k]
                    for k in (
                        "odNo",
                        "odSeq",
                        "procSeq",
                        "clmNo",
                        "owhoDttm",
                        "odrNm",
                        "odQty",
                        "slPrc",
                        "slAmt",
                        "dvCst",
                        "dvpCustNm",
                        "dvMsg",
                        "epdNo",
                        "spdNo",
                        "sitmNo",
                    )
                },
                "pdNm": line.row["spdNm"],
                "odPrgsStepCd": line.step,
                "dvTrcStatDttm": line.trc,
                "invcNbr": 1 if line.invc_no else 0,
                "invcNo": line.invc_no,
                "dvCoCd": line.dv_co_cd,
            }  # fmt: skip
            for line in self._search(body)
            if not body.get("odPrgsStepCd") or line.step == body["odPrgsStepCd"]
        ]
        return envelope({"deliveryProgressStateList": rows}, count=len(rows))

    def _product_list(self, body: Any, query: dict) -> dict:
        page, rows = body.get("pageNo"), body.get("rowsPerPage")
        if not isinstance(page, int) or not isinstance(rows, int) or not 1 <= rows <= 100 or page < 1:
            raise Refused("9000", "pageNo, rowsPerPage 오류")
        if body.get("trGrpCd") != "SR" or body.get("trNo") != DEMO_TR_NO:
            raise Refused("9000", "거래처 정보 오류")
        if not body.get("regStrtDttm") or not body.get("regEndDttm"):
            raise Refused("9000", "등록일시는 필수입니다.")
        codes = set(body.get("epdNo") or [])
        found = [
            p
            for p in self.products
            if body["regStrtDttm"] <= p.reg <= body["regEndDttm"] and (not codes or p.epd_no in codes)
        ]
        page_rows = [
            {"spdNo": p.spd_no, "epdNo": p.epd_no, "spdNm": p.name, "scatNo": "LC1", "regDttm": p.reg,
             "slStatCd": "SALE", "slStatRsnCd": "", "catAprvStatCd": "APRV_CMPT", "pdInfoAprvStatCd": "APRV_CMPT",
             "fnlAprvYn": "Y", "sitmNoLst": [i.sitm_no for i in p.items]}
            for p in found[(page - 1) * rows : page * rows]
        ]  # fmt: skip
        return envelope(page_rows, count=len(found))

    def _product_detail(self, body: Any, query: dict) -> dict:
        product = next((p for p in self.products if p.spd_no == body.get("spdNo")), None)
        if product is None or body.get("trNo") != DEMO_TR_NO:
            raise Refused("9000", "상품정보가 존재하지 않습니다.")
        items = [
            {"sitmNo": i.sitm_no, "eitmNo": i.eitm_no, "sitmNm": i.name, "slStatCd": i.status,
             "slStatRsnCd": i.reason, "dpYn": "Y", "sortSeq": n, "slPrc": 15900, "stkQty": i.stock, "itmImgLst": [],
             "itmOptLst": [{"optCd": "1", "optNm": "옵션", "optValCd": v, "optVal": v, "dtlsVal": ""}
                           for v in i.name.split(" / ")]}
            for n, i in enumerate(product.items, start=1)
        ]  # fmt: skip
        data = {"spdNo": product.spd_no, "epdNo": product.epd_no, "spdNm": product.name, "slStatCd": "SALE"}
        return envelope({**data, "itmLst": items}, count=1)

    def _codes(self, body: Any, query: dict) -> dict:
        if query.get("grpCd") != "DV_CO_CD":
            return envelope([], count=0)
        rows = [
            {"grpCd": "DV_CO_CD", "langCd": "ko", "cd": code, "cdNm": name, "cdEpn": "", "sortSeq": n}
            for n, (code, name) in enumerate(COURIERS, start=1)
        ]
        return envelope(rows, count=len(rows))

    def _cancellations(self, body: Any, query: dict) -> dict:
        start, end = self._window(body, "srchStrtDttm", "srchEndDttm", timedelta(days=32)) or ("", "")
        data = [
            {"odNo": c["odNo"], "clmNo": c["clmNo"], "itemList": c["itemList"]}
            for c in self.claims
            if start <= c["at"] <= end and (not body.get("odNo") or c["odNo"] == body["odNo"])
            and body.get("odPrgsStepCd") == "21"  # every claim here is completed; no "every step" value
        ]
        return envelope(data, count=len(data))

    # writes (decision row 10: failList under data; all failed → rsltCd 9999)

    @staticmethod
    def _result(total: int, fails: list[dict]) -> dict:
        if fails and len(fails) == total:
            return envelope({"rsltCd": "9999", "rsltMsg": "처리 실패", "failList": fails}, count=1)
        return envelope({"rsltCd": "0000", "rsltMsg": "정상", "failList": fails}, count=1)

    def _each_line(self, rows: list, apply: Callable[[Line, dict], str | None]) -> dict:
        fails = []
        for row in rows:
            key = (str(row.get("odNo")), str(row.get("odSeq")), str(row.get("procSeq")))
            line = self.lines.get(key)
            problem = "주문정보가 존재하지 않습니다." if line is None else apply(line, row)
            if problem:
                fails.append(
                    {"odNo": key[0], "odSeq": key[1], "procSeq": key[2], "failCd": "9999", "failMsg": problem}
                )
        return self._result(len(rows), fails)

    def _link(self, body: Any, query: dict) -> dict:
        def apply(line: Line, row: dict) -> str | None:
            if line.step == "21":
                return "취소된 주문입니다."
            if line.link == "Y":
                return "이미 연동완료된 주문입니다."
            line.link = row["ifCplYN"]
            if row["ifCplYN"] == "Y" and line.step == "11":
                line.step = "12"
            return None

        return self._each_line(body.get("ifCompleteList") or [], apply)

    def _notice(self, body: Any, query: dict) -> dict:
        def apply(line: Line, row: dict) -> str | None:
            if row.get("spdNo") != line.row["spdNo"] or row.get("sitmNo") != line.row["sitmNo"]:
                return "상품번호가 일치하지 않습니다."
            if line.step == "21":
                return "취소된 주문입니다."
            if row["odPrgsStepCd"] == "12":
                if line.step == "11":
                    line.step, line.link = "12", "Y"
                return None
            if line.step == "13":
                return "이미 송장이 등록된 주문입니다. 송장 수정은 139 API를 이용하세요."
            if row.get("dvCoCd") not in COURIER_CODES:
                return f"택배사코드가 올바르지 않습니다: {row.get('dvCoCd')}"
            invoice = str(row.get("invcNo", "")).replace(" ", "").replace("-", "")
            if not INVOICE.fullmatch(invoice):
                return "송장번호가 올바르지 않습니다."
            line.step, line.link, line.dv_co_cd, line.invc_no = "13", "Y", row["dvCoCd"], invoice
            line.trc = row["dvTrcStatDttm"]
            return None

        return self._each_line(body.get("deliveryProgressStateList") or [], apply)

    def _correct(self, body: Any, query: dict) -> dict:
        def apply(line: Line, row: dict) -> str | None:
            if line.step != "13":
                return "발송완료 상태의 주문만 송장을 수정할 수 있습니다."
            if row.get("invcNo") != line.invc_no:
                return "기존 송장번호가 일치하지 않습니다."
            if row.get("modDvCoCd") not in COURIER_CODES or not INVOICE.fullmatch(str(row.get("modInvcNo"))):
                return "변경 송장 정보가 올바르지 않습니다."
            line.dv_co_cd, line.invc_no = row["modDvCoCd"], row["modInvcNo"]
            return None

        return self._each_line(body if isinstance(body, list) else [], apply)

    def _each_item(self, rows: list | None, apply: Callable[[Item, dict], str | None]) -> dict:
        results = []
        for row in rows or []:
            try:
                product, item = self.item(str(row.get("sitmNo")))
                problem = "상품번호 불일치" if product.spd_no != row.get("spdNo") else apply(item, row)
            except KeyError:
                problem = "단품정보가 존재하지 않습니다."
            results.append(
                {"spdNo": row.get("spdNo"), "sitmNo": row.get("sitmNo"), "resultCode": "9999" if problem else "0000",
                 "resultMessage": problem or "정상"}
            )  # fmt: skip
        return envelope(results, count=len(results))

    def _stock(self, body: Any, query: dict) -> dict:
        def apply(item: Item, row: dict) -> str | None:
            qty = row.get("stkQty")
            if not isinstance(qty, int) or qty < 0:
                return "재고수량 오류"
            item.stock = qty
            if qty == 0 and item.status == "SALE":
                item.status, item.reason = "SOUT", "SOUT_STK"
            return None

        return self._each_item(body.get("itmStkLst"), apply)

    def _status(self, body: Any, query: dict) -> dict:
        def apply(item: Item, row: dict) -> str | None:
            if row.get("slStatCd") not in ("SALE", "SOUT", "STP", "END"):
                return "판매상태코드 오류"
            item.status, item.reason = row["slStatCd"], ""
            return None

        return self._each_item(body.get("sitmLst"), apply)
