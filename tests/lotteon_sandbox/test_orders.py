"""209 order search and 140 live state (API.md §4, §5.0, §5.2, §5.6; decision rows 7-9, 11-13, 20)."""

from __future__ import annotations

import re

import pytest

from .conftest import DAY, confirm_row, window

pytestmark = pytest.mark.sandbox

# API.md §5.2, every field group.
FIELD_GROUPS = {
    "line key": ["odNo", "odSeq", "procSeq", "orglProcSeq", "clmNo"],
    "type/state": ["odTypCd", "odTypDtlCd", "dvRtrvDvsCd", "odPrgsStepCd"],
    "dates/channel": [
        "odCmptDttm", "owhoDttm", "rtrpSiDttm", "chNo", "chDtlNo", "odSlTypCd", "xchgDvsCd", "clmRsnCd",
        "clmRsnCnts", "imptDvsCd",
    ],
    "supplier": ["trNo", "trNm", "lrtrNo", "lrtrNm"],
    "orderer": ["odrNm", "mphnNo", "telNo", "emlAddr"],
    "product": ["ctrtTypCd", "dvPdTypCd", "spdNo", "epdNo", "spdNm", "sitmNo", "eitmNo", "sitmNm", "pdAdtnOptJsn"],
    "amounts": [
        "slPrc", "odQty", "slAmt", "prSfcoShrAmtSum", "prEntpShrAmtSum", "sptDcPgmCmsnSum", "fvrAmtSum", "actualAmt",
    ],
    "delivery": [
        "cmbnDvPsbYn", "cmbnDvGrpNo", "dvMnsCd", "hpDvDttm", "dmstOvsDvDvsCd", "indvCstmPclrNo", "brkHmapPkcpYn",
        "dvMsg", "dvRsvDvsCd", "dvCst", "odCstTypCd", "adtnDvCst",
    ],
    "recipient": [
        "dvpCustNm", "dvpEmlAddr", "dvpTelNo", "dvpMphnNo", "sftNo", "dvpZipNo", "dvpStnmZipAddr", "dvpStnmDtlAddr",
    ],
    "gift card": ["pprCrdMsgYn", "pprCrdMsg", "pprCrdSndpNm", "pprCrdRcvrNm"],
}


def _order(sandbox, owho=f"{DAY}100000", **body):
    body.setdefault("lines", [{"eitmNo": "TSHIRT-BLK-M"}])
    return sandbox.create_order(owhoDttm=owho, **body)


def test_209_row_carries_every_field_group(sandbox, lotteon):
    """API.md §5.2: one row per SKU line with all field groups."""
    _order(sandbox, lines=[{"eitmNo": "TSHIRT-BLK-M", "odQty": 2}])
    [row] = lotteon.orders()
    for group, names in FIELD_GROUPS.items():
        missing = [n for n in names if n not in row]
        assert not missing, f"{group}: {missing}"
    assert re.fullmatch(r"\d{16}", row["odNo"]) and row["odNo"][:8] == DAY
    assert row["odSeq"] == "1" and row["procSeq"] == "1"
    assert row["odTypCd"] == "10" and row["dvRtrvDvsCd"] == "DV" and row["odPrgsStepCd"] == "11"
    assert row["owhoDttm"] == f"{DAY}100000"
    assert row["trNo"] == sandbox.DEMO_TR_NO
    assert re.fullmatch(r"LO\d{10}", row["spdNo"])
    assert row["sitmNo"].startswith(row["spdNo"] + "_")
    assert row["epdNo"] == "TSHIRT" and row["eitmNo"] == "TSHIRT-BLK-M" and row["sitmNm"] == "블랙 / M"
    assert row["spdNm"] == "베이직 라운드 반팔 티셔츠"
    assert row["odQty"] == 2 and row["slAmt"] == 2 * row["slPrc"]
    assert re.fullmatch(r"\d{5}", row["dvpZipNo"])
    assert row["dvpStnmZipAddr"] and row["dvpStnmDtlAddr"] and row["dvpCustNm"]
    assert re.fullmatch(r"010-\d{4}-\d{4}", row["dvpMphnNo"])
    assert row["cmbnDvGrpNo"]


def test_209_numbers_and_strings(sandbox, lotteon):
    """Decision row 9: odSeq/procSeq/orglProcSeq strings, quantities and amounts numbers."""
    _order(sandbox)
    [row] = lotteon.orders()
    for name in ("odSeq", "procSeq", "orglProcSeq"):
        assert isinstance(row[name], str)
    for name in ("odQty", "slPrc", "slAmt", "dvCst", "actualAmt"):
        assert isinstance(row[name], int)


def test_multi_line_order_shares_odno_and_combined_group(sandbox, lotteon):
    """API.md §5.2: one row per SKU; lines of one order share odNo, odSeq counts 1..n."""
    created = _order(sandbox, lines=[{"eitmNo": "TSHIRT-BLK-M"}, {"epdNo": "EARBUDS-01"}, {"eitmNo": "TOWEL-GRY"}])
    rows = lotteon.orders()
    assert [r["odSeq"] for r in rows] == ["1", "2", "3"]
    assert {r["odNo"] for r in rows} == {created["odNo"]}
    assert len({r["cmbnDvGrpNo"] for r in rows}) == 1
    single = rows[1]
    assert single["epdNo"] == "EARBUDS-01" and single["eitmNo"] == ""
    assert created["lines"] == rows


def test_empty_result_shape(lotteon):
    """Decision row 8: data.deliveryOrderList = [] and dataCount 0 (140 likewise)."""
    envelope = lotteon.call(209, {**window(), "ifCplYN": ""})
    assert envelope["returnCode"] == "0000"
    assert envelope["dataCount"] == 0 and envelope["data"] == {"deliveryOrderList": []}
    envelope = lotteon.call(140, window())
    assert envelope["dataCount"] == 0 and envelope["data"] == {"deliveryProgressStateList": []}


@pytest.mark.parametrize("api_no", [209, 140])
def test_one_day_window(sandbox, lotteon, api_no):
    """API.md §4: at most one day; 000000-235959 and exactly 24 hours pass, a second more → HTTP 200 with
    returnCode 2003."""
    assert lotteon.call(api_no, window())["returnCode"] == "0000"
    assert lotteon.call(api_no, {"srchStrtDt": "20250301120000", "srchEndDt": "20250302115959"})["returnCode"] == "0000"
    assert lotteon.call(api_no, {"srchStrtDt": "20250301000000", "srchEndDt": "20250302000000"})["returnCode"] == "0000"
    for end in ("20250302000001", "20250302235959", "20250303000000"):
        envelope = lotteon.call(api_no, {"srchStrtDt": "20250301000000", "srchEndDt": end})
        assert envelope["returnCode"] == "2003", end
        assert envelope["data"] is None


@pytest.mark.parametrize("api_no", [209, 140])
@pytest.mark.parametrize(
    "dates",
    [
        {"srchStrtDt": "2025-03-01", "srchEndDt": "2025-03-01"},
        {"srchStrtDt": "202503010000", "srchEndDt": "202503012359"},
        {"srchStrtDt": "20250231000000", "srchEndDt": "20250231235959"},
        {"srchStrtDt": "20250301000000"},
        {},
        {"srchStrtDt": "20250301120000", "srchEndDt": "20250301110000"},
    ],
)
def test_bad_dates_return_9000(lotteon, api_no, dates):
    """API.md §3/§4: a bad date format (or missing dates without odNo, row 7) → returnCode 9000."""
    envelope = lotteon.call(api_no, dates)
    assert envelope["returnCode"] == "9000"


def test_window_filters_on_owhodttm_not_order_date(sandbox, lotteon):
    """Decision row 20 / API.md §4: the window filters on owhoDttm, so a late instruction shows on its own day."""
    created = _order(sandbox, owho="20250302003000", odCmptDttm="20250301231500")
    assert created["odNo"].startswith("20250301")
    assert lotteon.orders("20250301") == []
    assert [r["odNo"] for r in lotteon.orders("20250302")] == [created["odNo"]]
    assert lotteon.orders("20250302")[0]["odCmptDttm"] == "20250301231500"
    # The bounds are inclusive to the second.
    assert len(lotteon.ok(209, {"srchStrtDt": "20250302003000", "srchEndDt": "20250302003000"})["deliveryOrderList"]) == 1
    assert lotteon.ok(209, {"srchStrtDt": "20250302003001", "srchEndDt": "20250302120000"})["deliveryOrderList"] == []


def test_no_paging_on_209(sandbox, lotteon):
    """API.md §4: no paging on 209/140; everything of the day comes back in one answer."""
    sandbox.reset(lines=400, days=1, seed=7)
    state = sandbox.state(sandbox.DEMO_KEY)
    days = {line["owhoDttm"][:8] for line in state["orders"]}
    total = 0
    for day in days:
        for yn in ("", "Y", "N"):
            envelope = lotteon.call(209, {**window(day), "ifCplYN": yn, "pageNo": 1, "rowsPerPage": 10})
            assert envelope["dataCount"] == len(envelope["data"]["deliveryOrderList"])
            total += envelope["dataCount"]
        assert lotteon.call(140, {**window(day)})["dataCount"] == sum(1 for o in state["orders"] if o["owhoDttm"][:8] == day)
    assert total == sum(1 for o in state["orders"] if o["odPrgsStepCd"] != "21")


def test_ifcplyn_semantics_and_the_210_quirk(sandbox, lotteon):
    """API.md §5.0 and §5.2 quirks, decision rows 11/12: after 210 Y the line leaves the empty search,
    shows only with Y, still reporting step 11, while 140 reports 12."""
    od_no = _order(sandbox)["odNo"]
    [row] = lotteon.orders(yn="")
    assert lotteon.orders(yn="Y") == [] and lotteon.orders(yn="N") == []
    assert lotteon.progress()[0]["odPrgsStepCd"] == "11"

    data = lotteon.ok(210, {"ifCompleteList": [confirm_row(row)]})
    assert data["rsltCd"] == "0000"

    assert lotteon.orders(yn="") == []
    [linked] = lotteon.orders(yn="Y")
    assert linked["odNo"] == od_no and linked["odPrgsStepCd"] == "11"
    assert lotteon.progress()[0]["odPrgsStepCd"] == "12"


def test_ifcplyn_absent_means_empty(sandbox, lotteon):
    """API.md §5.2: ifCplYN is optional; absent behaves like empty (newly created lines)."""
    _order(sandbox)
    assert len(lotteon.ok(209, window())["deliveryOrderList"]) == 1
    envelope = lotteon.call(209, {**window(), "ifCplYN": "X"})
    assert envelope["returnCode"] == "9000"


def test_ifcplyn_n_lists_lines_reported_with_n(sandbox, lotteon):
    """Decision row 12: "N" lists lines reported through 210 with N; they can still be linked with Y."""
    _order(sandbox)
    [row] = lotteon.orders()
    assert lotteon.ok(210, {"ifCompleteList": [confirm_row(row, "N", "재고 확인 중")]})["rsltCd"] == "0000"
    assert lotteon.orders(yn="") == [] and lotteon.orders(yn="Y") == []
    assert len(lotteon.orders(yn="N")) == 1
    assert lotteon.progress()[0]["odPrgsStepCd"] == "11"
    assert lotteon.ok(210, {"ifCompleteList": [confirm_row(row)]})["rsltCd"] == "0000"
    assert lotteon.orders(yn="N") == [] and len(lotteon.orders(yn="Y")) == 1


def test_209_stays_stale_at_step_11_after_shipping(sandbox, lotteon):
    """Decision row 11: 209 keeps reporting 11 for DV lines whatever happened later; 140 is live."""
    od_no = _order(sandbox, state="shipped", dvCoCd="0001", invcNo="5555-6666-7777")["odNo"]
    [row] = lotteon.orders(yn="Y")
    assert row["odNo"] == od_no and row["odPrgsStepCd"] == "11"
    [live] = lotteon.progress()
    assert live["odPrgsStepCd"] == "13" and live["invcNo"] == "555566667777" and live["dvCoCd"] == "0001"


def test_link_by_another_tool_moves_line_out_of_the_empty_search(sandbox, lotteon):
    """API.md §5.2 quirk: after 210 sent by anyone, including another tool, only Y shows the line."""
    od_no = _order(sandbox)["odNo"]
    sandbox.link(od_no)
    assert lotteon.orders(yn="") == []
    assert [r["odNo"] for r in lotteon.orders(yn="Y")] == [od_no]


def test_odprgsstepcd_and_odtypcd_filters(sandbox, lotteon):
    """API.md §5.2: odPrgsStepCd 11 = delivery instructions, 23 = retrievals; odTypCd 10 = orders."""
    _order(sandbox)
    assert len(lotteon.orders(odPrgsStepCd="11")) == 1
    assert lotteon.orders(odPrgsStepCd="23") == []
    assert len(lotteon.orders(odTypCd="10")) == 1
    assert lotteon.orders(odTypCd="40") == []
    assert len(lotteon.orders(odTypCd="")) == 1


def test_odno_lookup_without_dates(sandbox, lotteon):
    """Decision row 7: dates are required unless odNo is given; odNo with a window narrows both."""
    od_no = _order(sandbox, lines=[{"eitmNo": "TSHIRT-BLK-M"}, {"eitmNo": "TSHIRT-WHT-L"}])["odNo"]
    _order(sandbox)
    rows = lotteon.ok(209, {"odNo": od_no, "ifCplYN": ""})["deliveryOrderList"]
    assert [r["odSeq"] for r in rows] == ["1", "2"]
    assert len(lotteon.ok(140, {"odNo": od_no})["deliveryProgressStateList"]) == 2
    assert len(lotteon.orders(odNo=od_no)) == 2
    assert lotteon.orders("20250302", odNo=od_no) == []


def test_cancelled_line_leaves_209_and_shows_21_on_140(sandbox, lotteon):
    """Decision row 13: a whole-line cancel of a line in 11 leaves 209 (every ifCplYN); 140 shows 21."""
    od_no = _order(sandbox, lines=[{"eitmNo": "TSHIRT-BLK-M"}, {"eitmNo": "TSHIRT-WHT-L", "odQty": 3}])["odNo"]
    sandbox.cancel(od_no, odSeq="1")
    rows = lotteon.orders()
    assert [r["odSeq"] for r in rows] == ["2"]
    for yn in ("Y", "N"):
        assert lotteon.orders(yn=yn) == []
    assert {r["odSeq"]: r["odPrgsStepCd"] for r in lotteon.progress()} == {"1": "21", "2": "11"}
    assert lotteon.orders(odPrgsStepCd="21") == []


def test_partial_cancel_lowers_odqty(sandbox, lotteon):
    """Decision row 13: cnclQty < odQty keeps the line, its odQty drops by cnclQty."""
    od_no = _order(sandbox, lines=[{"eitmNo": "TSHIRT-BLK-M", "odQty": 3}])["odNo"]
    sandbox.cancel(od_no, cnclQty=1)
    [row] = lotteon.orders()
    assert row["odQty"] == 2 and row["slAmt"] == 2 * row["slPrc"]
    [live] = lotteon.progress()
    assert live["odPrgsStepCd"] == "11" and live["odQty"] == 2


def test_140_row_fields(sandbox, lotteon):
    """API.md §5.6: line key, live step, invoice fields, amounts, recipient and product ids."""
    _order(sandbox, dvMsg="문 앞에 놓아주세요")
    [row] = lotteon.progress()
    for name in (
        "odNo", "odSeq", "procSeq", "clmNo", "odPrgsStepCd", "dvTrcStatDttm", "invcNbr", "invcNo", "dvCst",
        "odCmptDttm", "odrNm", "odQty", "slAmt", "slPrc", "dvpCustNm", "dvpEmlAddr", "dvpTelNo", "dvpMphnNo", "dvpZipNo", "dvpStnmZipAddr",
        "dvpStnmDtlAddr", "dvMsg", "pdNm", "epdNo", "spdNo", "sitmNo",
    ):
        assert name in row, name
    assert row["dvMsg"] == "문 앞에 놓아주세요"
    assert row["pdNm"] == "베이직 라운드 반팔 티셔츠"
    assert row["invcNo"] == ""


def test_140_odprgsstepcd_filters_the_live_step(sandbox, lotteon):
    """API.md §5.6: odPrgsStepCd filters on the live step."""
    new = _order(sandbox)["odNo"]
    linked = _order(sandbox, state="linked")["odNo"]
    shipped = _order(sandbox, state="shipped")["odNo"]
    cancelled = _order(sandbox, state="cancelled")["odNo"]
    for step, od_no in (("11", new), ("12", linked), ("13", shipped), ("21", cancelled)):
        assert [r["odNo"] for r in lotteon.progress(odPrgsStepCd=step)] == [od_no]


def test_rows_are_sorted_by_instruction_time(sandbox, lotteon):
    """API.md §5.2: rows come in owhoDttm order."""
    later = _order(sandbox, owho=f"{DAY}180000")["odNo"]
    earlier = _order(sandbox, owho=f"{DAY}080000")["odNo"]
    assert [r["odNo"] for r in lotteon.orders()] == [earlier, later]


def test_trno_of_another_supplier_is_a_business_error(sandbox, lotteon):
    """API.md §2: the key implies the supplier; a foreign trNo is refused (as on 93, decision row 18)."""
    envelope = lotteon.call(209, {**window(), "trGrpCd": "SR", "trNo": sandbox.OTHER_TR_NO})
    assert envelope["returnCode"] != "0000"
    assert lotteon.call(209, {**window(), "trGrpCd": "SR", "trNo": sandbox.DEMO_TR_NO})["returnCode"] == "0000"


def test_generated_orders_cover_the_live_state_mix(sandbox, lotteon):
    """Generated data: mostly new lines, some linked (Y → 12), some shipped (13), some cancelled (21)."""
    sandbox.reset(lines=300, days=7, seed=42)
    orders = sandbox.state(sandbox.DEMO_KEY)["orders"]
    steps = {o["odPrgsStepCd"] for o in orders}
    assert steps == {"11", "12", "13", "21"}
    new = [o for o in orders if o["odPrgsStepCd"] == "11"]
    assert len(new) > len(orders) / 3
    assert all(o["ifCplYN"] == "" for o in new)
    assert all(o["ifCplYN"] == "Y" for o in orders if o["odPrgsStepCd"] in ("12", "13"))
    assert all(o["invcNo"] and o["dvCoCd"] for o in orders if o["odPrgsStepCd"] == "13")
    shipped = next(o for o in orders if o["odPrgsStepCd"] == "13")
    day = shipped["owhoDttm"][:8]
    live = {(r["odNo"], r["odSeq"]): r for r in lotteon.progress(day)}
    assert live[(shipped["odNo"], shipped["odSeq"])]["invcNo"] == shipped["invcNo"]
    multi = {o["odNo"] for o in orders if o["odSeq"] == "2"}
    assert multi
