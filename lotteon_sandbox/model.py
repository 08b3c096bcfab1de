"""The in-memory LotteON world: suppliers, catalogs, order lines and claims.

Nothing here locks; `state.Sandbox` owns the lock and calls these methods while holding it.
The JSON shapes each API returns are built here so the API handlers, the admin endpoints and
the generator agree on one representation.
"""

from __future__ import annotations

import bisect
import ipaddress
import json
from dataclasses import dataclass, field
from typing import Any

from .codes import (
    COURIER_NAMES,
    OD_TYP_CANCEL,
    RTRV,
    STEP_CANCEL_WITHDRAWN,
    STEP_CANCELLED,
    STEP_CLAIM_REQUESTED,
    STEP_NEW,
    STEP_PREPARING,
    STEP_RETRIEVAL,
    STEP_RETRIEVING,
    STEP_SHIPPED,
    TR_GRP_CD,
    UNMANAGED_STOCK,
)

LineKey = tuple[str, str, str]


@dataclass(slots=True)
class Supplier:
    apiKey: str
    trNo: str
    trNm: str
    trGrpCd: str = TR_GRP_CD
    trDvsCd: str = "01"
    allowedIps: list[str] | None = None
    expired: bool = False
    networks: list[Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "apiKey": self.apiKey,
            "trNo": self.trNo,
            "trNm": self.trNm,
            "trGrpCd": self.trGrpCd,
            "trDvsCd": self.trDvsCd,
            "allowedIps": self.allowedIps,
            "expired": self.expired,
        }

    def ip_allowed(self, ip: str) -> bool:
        if self.networks is None:
            return True
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            return False
        if address.version == 6 and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        return any(address in network for network in self.networks)


def parse_allowed_ips(value: Any) -> tuple[list[str] | None, list[Any] | None]:
    """API.md §2: several IPs separated by `;`, CIDR accepted. Raises ValueError on a bad entry."""
    if value is None:
        return None, None
    if isinstance(value, str):
        value = value.split(";")
    if not isinstance(value, list):
        raise ValueError("allowedIps must be null, a list or a ';'-separated string")
    entries = [str(entry).strip() for entry in value if str(entry).strip()]
    networks = [ipaddress.ip_network(entry, strict=False) for entry in entries]
    return entries, networks


@dataclass(slots=True, eq=False)
class Item:
    sitmNo: str
    eitmNo: str
    sitmNm: str
    options: list[tuple[str, str, str]]  # (optNm, optValCd, optVal)
    slPrc: int
    stkQty: int
    sortSeq: int
    slStatCd: str = "SALE"
    slStatRsnCd: str = ""


@dataclass(slots=True, eq=False)
class Product:
    spdNo: str
    epdNo: str
    spdNm: str
    trNo: str
    scatNo: str
    regDttm: str
    slStrtDttm: str
    slEndDttm: str
    stkMgtYn: str = "Y"
    catAprvStatCd: str = "APRV_CMPT"
    catGvbkRsnCnts: str = ""
    pdInfoAprvStatCd: str = "APRV_CMPT"
    pdInfoGvbkRsnCnts: str = ""
    fnlAprvYn: str = "Y"
    items: list[Item] = field(default_factory=list)

    @property
    def has_options(self) -> bool:
        return any(item.eitmNo for item in self.items)

    def reported_stock(self, item: Item) -> int:
        # API.md §5.7: products registered with stkMgtYn=N report 999999999.
        return item.stkQty if self.stkMgtYn == "Y" else UNMANAGED_STOCK

    def sale_state(self) -> tuple[str, str]:
        states = {item.slStatCd for item in self.items}
        if "SALE" in states:
            return "SALE", ""
        if len(states) == 1:
            only = self.items[0]
            return only.slStatCd, only.slStatRsnCd
        return "SOUT", "SOUT_ITM"

    def list_row(self) -> dict[str, Any]:
        """One row of 93's `data[]` (API.md §5.8)."""
        sl_stat, sl_rsn = self.sale_state()
        return {
            "trGrpCd": TR_GRP_CD,
            "trNo": self.trNo,
            "spdNo": self.spdNo,
            "epdNo": self.epdNo,
            "spdNm": self.spdNm,
            "scatNo": self.scatNo,
            "regDttm": self.regDttm,
            "slStrtDttm": self.slStrtDttm,
            "slEndDttm": self.slEndDttm,
            "slStatCd": sl_stat,
            "slStatRsnCd": sl_rsn,
            "catAprvStatCd": self.catAprvStatCd,
            "catGvbkRsnCnts": self.catGvbkRsnCnts,
            "pdInfoAprvStatCd": self.pdInfoAprvStatCd,
            "pdInfoGvbkRsnCnts": self.pdInfoGvbkRsnCnts,
            "fnlAprvYn": self.fnlAprvYn,
            "stkMgtYn": self.stkMgtYn,
            "sitmNoLst": [item.sitmNo for item in self.items],
        }

    def detail(self) -> dict[str, Any]:
        """94's `data` (API.md §5.9): the header plus `itmLst[]`."""
        header = self.list_row()
        del header["sitmNoLst"]
        header["itmLst"] = [
            {
                "sitmNo": item.sitmNo,
                "eitmNo": item.eitmNo,
                "sitmNm": item.sitmNm,
                "slStatCd": item.slStatCd,
                "slStatRsnCd": item.slStatRsnCd,
                "dpYn": "Y",
                "sortSeq": item.sortSeq,
                "slPrc": item.slPrc,
                "stkQty": self.reported_stock(item),
                "itmImgLst": [],
                "itmOptLst": [
                    {"optCd": f"OPT{i}", "optNm": opt_nm, "optValCd": val_cd, "optVal": val, "dtlsVal": ""}
                    for i, (opt_nm, val_cd, val) in enumerate(item.options, start=1)
                ],
            }
            for item in self.items
        ]
        return header

    def stock_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "spdNo": self.spdNo,
                "sitmNo": item.sitmNo,
                "epdNo": self.epdNo,
                "eitmNo": item.eitmNo,
                "spdNm": self.spdNm,
                "sitmNm": item.sitmNm,
                "stkMgtYn": self.stkMgtYn,
                "stkQty": self.reported_stock(item),
                "slStatCd": item.slStatCd,
                "slStatRsnCd": item.slStatRsnCd,
            }
            for item in self.items
        ]


@dataclass(slots=True, eq=False)
class Line:
    """One order line (one SKU of one order). `row` is the 209 row; the rest is the live state."""

    row: dict[str, Any]
    product: Product
    item: Item
    step: str = STEP_NEW
    link: str = ""  # "" = no 210 yet, "N" or "Y" = what 210 reported (decision row 12)
    ifFlRsnCnts: str = ""
    dvCoCd: str = ""
    invcNo: str = ""
    invcNbr: int = 0
    dvTrcStatDttm: str = ""
    ordered_qty: int = 0
    cancelled_qty: int = 0
    # Claims made on this line so far (cancellations, cancel requests, retrievals): a claim's procSeq
    # is the line's procSeq plus this count (API.md §5.2: "procSeq 1, then +1 per claim").
    claim_count: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)
    _json: str | None = None
    _progress_json: str | None = None

    @property
    def key(self) -> LineKey:
        row = self.row
        return row["odNo"], row["odSeq"], row["procSeq"]

    @property
    def owhoDttm(self) -> str:
        return self.row["owhoDttm"]

    @property
    def is_retrieval(self) -> bool:
        return self.row["dvRtrvDvsCd"] == RTRV

    @property
    def sort_key(self) -> tuple[str, str, int, int]:
        row = self.row
        return row["owhoDttm"], row["odNo"], int(row["odSeq"]), int(row["procSeq"])

    def next_claim_seq(self) -> str:
        """The procSeq of a new claim on this line, counting it."""
        self.claim_count += 1
        return str(int(self.row["procSeq"]) + self.claim_count)

    def row_json(self) -> str:
        # A busy day's 209 answer repeats the same rows on every pull; serialising each row once
        # keeps that query in the low milliseconds.
        if self._json is None:
            self._json = json.dumps(self.row, ensure_ascii=False, separators=(",", ":"))
        return self._json

    def progress_json(self) -> str:
        if self._progress_json is None:
            self._progress_json = json.dumps(self.progress_row(), ensure_ascii=False, separators=(",", ":"))
        return self._progress_json

    def event(self, at: str, event: str, source: str, **detail: Any) -> None:
        # Every state change goes through here, so this is where the cached 140 row goes stale.
        self._progress_json = None
        self.history.append({"at": at, "event": event, "source": source, **detail})

    def progress_row(self) -> dict[str, Any]:
        """One row of 140's `deliveryProgressStateList` (API.md §5.6)."""
        row = self.row
        return {
            "odNo": row["odNo"],
            "odSeq": row["odSeq"],
            "procSeq": row["procSeq"],
            "orglProcSeq": row["orglProcSeq"],
            "clmNo": row["clmNo"],
            "odTypCd": row["odTypCd"],
            "dvRtrvDvsCd": row["dvRtrvDvsCd"],
            "odPrgsStepCd": self.step,
            "dvTrcStatDttm": self.dvTrcStatDttm,
            "invcNbr": self.invcNbr if self.invcNo else 0,
            "dvCoCd": self.dvCoCd,
            "invcNo": self.invcNo,
            "dvCst": row["dvCst"],
            "odCmptDttm": row["odCmptDttm"],
            "owhoDttm": row["owhoDttm"],
            "odrNm": row["odrNm"],
            "odQty": row["odQty"],
            "slPrc": row["slPrc"],
            "slAmt": row["slAmt"],
            "dvpCustNm": row["dvpCustNm"],
            "dvpEmlAddr": row["dvpEmlAddr"],
            "dvpTelNo": row["dvpTelNo"],
            "dvpMphnNo": row["dvpMphnNo"],
            "dvpZipNo": row["dvpZipNo"],
            "dvpStnmZipAddr": row["dvpStnmZipAddr"],
            "dvpStnmDtlAddr": row["dvpStnmDtlAddr"],
            "dvMsg": row["dvMsg"],
            "pdNm": row["spdNm"],
            "epdNo": row["epdNo"],
            "spdNo": row["spdNo"],
            "sitmNo": row["sitmNo"],
            "eitmNo": row["eitmNo"],
        }

    def admin_row(self, tr_no: str) -> dict[str, Any]:
        row = self.row
        return {
            "trNo": tr_no,
            "odNo": row["odNo"],
            "odSeq": row["odSeq"],
            "procSeq": row["procSeq"],
            "orglProcSeq": row["orglProcSeq"],
            "clmNo": row["clmNo"],
            "odTypCd": row["odTypCd"],
            "dvRtrvDvsCd": row["dvRtrvDvsCd"],
            "owhoDttm": row["owhoDttm"],
            "odCmptDttm": row["odCmptDttm"],
            "spdNo": row["spdNo"],
            "sitmNo": row["sitmNo"],
            "epdNo": row["epdNo"],
            "eitmNo": row["eitmNo"],
            "spdNm": row["spdNm"],
            "sitmNm": row["sitmNm"],
            "dvpCustNm": row["dvpCustNm"],
            "odPrgsStepCd": self.step,
            "reportedStepCd": row["odPrgsStepCd"],
            "ifCplYN": self.link,
            "ifFlRsnCnts": self.ifFlRsnCnts,
            "dvCoCd": self.dvCoCd,
            "dvCoNm": COURIER_NAMES.get(self.dvCoCd, ""),
            "invcNo": self.invcNo,
            "invcNbr": self.invcNbr,
            "dvTrcStatDttm": self.dvTrcStatDttm,
            "orderedQty": self.ordered_qty,
            "odQty": row["odQty"],
            "cnclQty": self.cancelled_qty,
            "history": list(self.history),
        }


@dataclass(slots=True, eq=False)
class Claim:
    """A cancellation claim (50). Each item has its own step: 02 requested, 21 completed, 22 withdrawn."""

    clmNo: str
    odNo: str
    clmDttm: str
    items: list[dict[str, Any]]
    # When each item reached its current step; 50 filters on it (the request, completion or withdrawal time).
    item_dttm: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.item_dttm:
            self.item_dttm = [self.clmDttm] * len(self.items)

    def as_row(self) -> dict[str, Any]:
        return {"odNo": self.odNo, "clmNo": self.clmNo, "itemList": self.items}

    def set_step(self, index: int, step: str, at: str) -> None:
        self.items[index]["odPrgsStepCd"] = step
        self.item_dttm[index] = at


class Ids:
    """Identifier sequences of one world. Seeded, so the same seed gives the same ids."""

    def __init__(self, rng: Any) -> None:
        self._spd = rng.randrange(2_000_000_000, 2_400_000_000)
        self._od = rng.randrange(10_000_000, 20_000_000)
        self._claim = rng.randrange(100_000, 300_000)
        self._group = rng.randrange(100_000_000, 200_000_000)

    def product(self, n_items: int) -> tuple[str, list[str]]:
        """`spdNo` is LO + 10 digits; each `sitmNo` is `spdNo_` + the next numbers (format seen on real lines)."""
        base = self._spd
        self._spd += n_items + 1 + (base % 97) * 13 + 1000
        spd_no = f"LO{base:010d}"
        return spd_no, [f"{spd_no}_{base + i:010d}" for i in range(1, n_items + 1)]

    def order(self, day: str) -> str:
        self._od += 1 + self._od % 7
        return f"{day}{self._od % 100_000_000:08d}"

    def claim(self, day: str) -> str:
        self._claim += 1
        return f"CL{day}{self._claim % 1_000_000:06d}"

    def group(self) -> str:
        self._group += 1
        return f"{self._group:012d}"


class Shop:
    """Everything LotteON holds for one supplier number (`trNo`): catalog, lines, claims."""

    def __init__(self, tr_no: str, tr_nm: str) -> None:
        self.trNo = tr_no
        self.trNm = tr_nm
        self.products: list[Product] = []
        self.products_by_spd: dict[str, Product] = {}
        self.items: dict[str, tuple[Product, Item]] = {}
        self.lines: dict[LineKey, Line] = {}
        self.orders: dict[str, list[Line]] = {}
        # Lines by KST day of owhoDttm, each list sorted, so a one-day window touches at most two lists.
        self.by_day: dict[str, list[Line]] = {}
        self.claims: list[Claim] = []
        # Cancellation requests (02) not yet completed or withdrawn, by the line they name.
        self.open_requests: dict[LineKey, tuple[Claim, int]] = {}

    # catalog

    def add_product(self, product: Product) -> None:
        self.products.append(product)
        self.products_by_spd[product.spdNo] = product
        for item in product.items:
            self.items[item.sitmNo] = (product, item)

    def find_items(self, *, eitm_no: str = "", epd_no: str = "", sitm_no: str = "") -> list[tuple[Product, Item]]:
        if sitm_no:
            found = self.items.get(sitm_no)
            return [found] if found else []
        if eitm_no:
            return [(p, i) for p in self.products for i in p.items if i.eitmNo == eitm_no]
        if epd_no:
            return [(p, p.items[0]) for p in self.products if p.epdNo == epd_no and not p.has_options]
        return []

    # lines

    def add_line(self, line: Line, *, sort: bool = True) -> None:
        self.lines[line.key] = line
        self.orders.setdefault(line.row["odNo"], []).append(line)
        day = self.by_day.setdefault(line.owhoDttm[:8], [])
        if sort:
            bisect.insort(day, line, key=lambda x: x.sort_key)
        else:
            day.append(line)

    def sort_days(self) -> None:
        for lines in self.by_day.values():
            lines.sort(key=lambda x: x.sort_key)

    def lines_between(self, start: str, end: str) -> list[Line]:
        """Lines whose owhoDttm lies in [start, end] (14-digit strings compare chronologically)."""
        found: list[Line] = []
        for day in sorted(d for d in self.by_day if start[:8] <= d <= end[:8]):
            lines = self.by_day[day]
            if start[:8] < day < end[:8]:
                found.extend(lines)
            else:
                found.extend(line for line in lines if start <= line.owhoDttm <= end)
        return found

    # events; each returns None on success or a failure message

    def link(self, line: Line, yn: str, reason: str, at: str, source: str) -> str | None:
        if line.step == STEP_CANCELLED:
            return "취소된 주문입니다. (The line is cancelled.)"
        if line.link == "Y":
            return "이미 연동완료된 주문입니다. (The line was already linked through 210.)"
        line.link = yn
        if yn == "Y":
            line.ifFlRsnCnts = ""
            # API.md §5.3: DV lines move to 12, RTRV lines to 24.
            if line.step == STEP_NEW:
                line.step = STEP_PREPARING
            elif line.step == STEP_RETRIEVAL:
                line.step = STEP_RETRIEVING
        else:
            line.ifFlRsnCnts = reason
        line.event(at, f"210 ifCplYN={yn}", source, **({"ifFlRsnCnts": reason} if yn == "N" else {}))
        return None

    def prepare(self, line: Line, at: str, source: str) -> str | None:
        if line.step == STEP_CANCELLED:
            return "취소된 주문입니다. (The line is cancelled.)"
        if line.step not in (STEP_NEW, STEP_PREPARING):
            return f"상품준비로 변경할 수 없는 상태입니다: {line.step}. (Step 12 is not possible from {line.step}.)"
        if line.step == STEP_NEW:
            line.step = STEP_PREPARING
            # API.md §5.0: after 137-12 the line leaves the empty 209 search and shows with Y.
            if line.link != "Y":
                line.link = "Y"
            line.event(at, "137 step 12", source)
        return None

    def ship(
        self, line: Line, dv_co_cd: str, invc_no: str, invc_nbr: int, trc_dttm: str, at: str, source: str
    ) -> str | None:
        if line.step == STEP_CANCELLED:
            return "취소된 주문은 발송처리할 수 없습니다. (A cancelled line cannot be shipped.)"
        if line.step == STEP_SHIPPED:
            return (
                "이미 송장이 등록된 주문입니다. 송장 수정은 송장번호수정(139) API를 이용하세요. "
                "(The line is already shipped; correct the invoice through 139.)"
            )
        if line.step not in (STEP_NEW, STEP_PREPARING):
            return f"발송처리할 수 없는 상태입니다: {line.step}. (Step 13 is not possible from {line.step}.)"
        line.step = STEP_SHIPPED
        if line.link != "Y":
            line.link = "Y"
        line.dvCoCd = dv_co_cd
        line.invcNo = invc_no
        line.invcNbr = invc_nbr
        line.dvTrcStatDttm = trc_dttm
        line.event(at, "137 step 13", source, dvCoCd=dv_co_cd, invcNo=invc_no, invcNbr=invc_nbr)
        return None

    def modify_invoice(self, line: Line, dv_co_cd: str, invc_no: str, at: str, source: str) -> None:
        old_dv_co_cd, old_invc_no = line.dvCoCd, line.invcNo
        line.dvCoCd = dv_co_cd
        line.invcNo = invc_no
        line.dvTrcStatDttm = at
        line.event(
            at, "139 invoice modified", source,
            oldDvCoCd=old_dv_co_cd, oldInvcNo=old_invc_no, dvCoCd=dv_co_cd, invcNo=invc_no,
        )

    def _claim_item(self, line: Line, qty: int, step: str, at: str, rsn_cd: str, rsn_cnts: str) -> dict[str, Any]:
        row = line.row
        return {
            "odSeq": row["odSeq"],
            "procSeq": line.next_claim_seq(),
            "orglProcSeq": row["procSeq"],
            "odTypCd": OD_TYP_CANCEL,
            "odPrgsStepCd": step,
            "spdNo": row["spdNo"],
            "spdNm": row["spdNm"],
            "sitmNo": row["sitmNo"],
            "sitmNm": row["sitmNm"],
            "epdNo": row["epdNo"],
            "eitmNo": row["eitmNo"],
            "odQty": row["odQty"],
            "itmSlPrc": row["slPrc"],
            "cnclQty": qty,
            "clmReqDttm": at,
            "clmCmptDttm": at if step == STEP_CANCELLED else "",
            "clmRsnCd": rsn_cd,
            "clmRsnCnts": rsn_cnts,
        }

    def cancel(
        self, targets: list[tuple[Line, int]], clm_no: str, at: str, rsn_cd: str, rsn_cnts: str, source: str
    ) -> Claim:
        """Decision row 13: a whole-line cancel moves the line to 21; a partial one lowers odQty.

        A line with an open cancellation request (02) completes that request: its claim item moves to
        21 and keeps its clmNo and procSeq. The other lines get one new claim (`clm_no`). Returns the
        new claim, or the first completed request's claim when every line had one.
        """
        items = []
        completed: list[Claim] = []
        for line, qty in targets:
            request = self.open_requests.pop(line.key, None)
            if request is not None:
                claim, index = request
                item = claim.items[index]
                item["cnclQty"] = qty
                item["clmCmptDttm"] = at
                claim.set_step(index, STEP_CANCELLED, at)
                completed.append(claim)
                number = claim.clmNo
            else:
                items.append(self._claim_item(line, qty, STEP_CANCELLED, at, rsn_cd, rsn_cnts))
                number = clm_no
            self._take(line, qty)
            line.event(at, "cancel", source, clmNo=number, cnclQty=qty, whole=line.step == STEP_CANCELLED)
        if not items:
            return completed[0]
        claim = Claim(clmNo=clm_no, odNo=targets[0][0].row["odNo"], clmDttm=at, items=items)
        self.claims.append(claim)
        return claim

    @staticmethod
    def _take(line: Line, qty: int) -> None:
        row = line.row
        before = row["odQty"]
        line.cancelled_qty += qty
        if qty >= before:
            line.step = STEP_CANCELLED
            return
        remaining = before - qty
        share = remaining / before
        row["odQty"] = remaining
        row["slAmt"] = row["slPrc"] * remaining
        for name in ("prSfcoShrAmtSum", "prEntpShrAmtSum", "fvrAmtSum"):
            row[name] = int(row[name] * share)
        row["actualAmt"] = row["slAmt"] - row["fvrAmtSum"]
        line._json = None

    def request_cancel(
        self, targets: list[tuple[Line, int]], clm_no: str, at: str, rsn_cd: str, rsn_cnts: str, source: str
    ) -> Claim:
        """A buyer's cancellation request (50 step 02). The lines stay as they are until the request is
        completed (`cancel`, 21) or withdrawn (`withdraw_cancel`, 22)."""
        claim = Claim(clmNo=clm_no, odNo=targets[0][0].row["odNo"], clmDttm=at, items=[])
        for line, qty in targets:
            claim.items.append(self._claim_item(line, qty, STEP_CLAIM_REQUESTED, at, rsn_cd, rsn_cnts))
            claim.item_dttm.append(at)
            self.open_requests[line.key] = (claim, len(claim.items) - 1)
            line.event(at, "cancel requested", source, clmNo=clm_no, cnclQty=qty)
        self.claims.append(claim)
        return claim

    def withdraw_cancel(self, lines: list[Line], at: str, source: str) -> list[Claim]:
        """The buyer withdraws open cancellation requests: their items move to 22; the lines are unchanged."""
        claims: list[Claim] = []
        for line in lines:
            claim, index = self.open_requests.pop(line.key)
            claim.set_step(index, STEP_CANCEL_WITHDRAWN, at)
            if claim not in claims:
                claims.append(claim)
            line.event(at, "cancel request withdrawn", source, clmNo=claim.clmNo)
        return claims

    def retrieval(
        self, origin: Line, od_typ_cd: str, qty: int, clm_no: str, owho: str, at: str, rsn_cd: str, rsn_cnts: str,
        source: str,
    ) -> Line:
        """A retrieval instruction (API.md §5.2, §6.1 step 23) for a shipped DV line: a new RTRV line with
        the next procSeq, `orglProcSeq` naming the original line and a `clmNo`."""
        row = dict(origin.row)
        before = row["odQty"]
        share = qty / before if before else 1
        row.update(
            procSeq=origin.next_claim_seq(), orglProcSeq=origin.row["procSeq"], clmNo=clm_no,
            odTypCd=od_typ_cd, odTypDtlCd="", dvRtrvDvsCd=RTRV, odPrgsStepCd=STEP_RETRIEVAL,
            owhoDttm=owho, clmRsnCd=rsn_cd, clmRsnCnts=rsn_cnts,
            odQty=qty, slAmt=row["slPrc"] * qty, dvCst=0, adtnDvCst=0,
        )
        for name in ("prSfcoShrAmtSum", "prEntpShrAmtSum", "sptDcPgmCmsnSum", "fvrAmtSum"):
            row[name] = int(row[name] * share)
        row["actualAmt"] = row["slAmt"] - row["fvrAmtSum"]
        line = Line(row=row, product=origin.product, item=origin.item, step=STEP_RETRIEVAL, ordered_qty=qty)
        line.event(at, "retrieval instruction created", source, clmNo=clm_no, odTypCd=od_typ_cd)
        origin.event(at, "retrieval instructed", source, clmNo=clm_no, procSeq=row["procSeq"], odQty=qty)
        self.add_line(line)
        return line

    def retrieved_qty(self, origin: Line) -> int:
        """What open and past retrievals already take back from a DV line."""
        od_no, od_seq, proc_seq = origin.key
        return sum(
            line.row["odQty"]
            for line in self.orders.get(od_no, ())
            if line.is_retrieval and line.row["odSeq"] == od_seq and line.row["orglProcSeq"] == proc_seq
        )


class World:
    def __init__(self, rng: Any) -> None:
        self.rng = rng
        self.ids = Ids(rng)
        self.suppliers: dict[str, Supplier] = {}
        self.shops: dict[str, Shop] = {}
        self.order_shop: dict[str, Shop] = {}

    def shop_for(self, supplier: Supplier) -> Shop:
        return self.shops[supplier.trNo]
