"""86/111 stock and sale status, 93/94 products, 89 couriers (API.md §5.7-§5.10; decision rows 6, 17, 18)."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.sandbox

LIST_BASE = {"trGrpCd": "SR", "regStrtDttm": "20000101000000", "regEndDttm": "29991231235959"}


def _list(lotteon, sandbox, **body):
    return lotteon.call(93, {**LIST_BASE, "trNo": sandbox.DEMO_TR_NO, "pageNo": 1, "rowsPerPage": 100, **body})


def _product(sandbox, **body):
    body.setdefault("epdNo", "CAP")
    body.setdefault("spdNm", "볼캡 모자")
    body.setdefault("options", [{"eitmNo": "CAP-BLK", "sitmNm": "블랙", "stkQty": 5},
                                {"eitmNo": "CAP-WHT", "sitmNm": "화이트", "stkQty": 7}])
    return sandbox.create_product(**body)


def _stock(sandbox, sitm_no):
    return next(s for s in sandbox.state(sandbox.DEMO_KEY)["stock"] if s["sitmNo"] == sitm_no)


def _stk(sandbox, product, item, qty):
    return {"trGrpCd": "SR", "trNo": sandbox.DEMO_TR_NO, "spdNo": product["spdNo"], "sitmNo": item["sitmNo"],
            "stkQty": qty}


def _sale(sandbox, product, item, state):
    return {"trGrpCd": "SR", "trNo": sandbox.DEMO_TR_NO, "spdNo": product["spdNo"], "sitmNo": item["sitmNo"],
            "slStatCd": state}


# 93


def test_93_requires_paging_fields(lotteon, sandbox):
    """Decision row 18 / API.md §3: missing pageNo or rowsPerPage → returnCode 9000."""
    base = {**LIST_BASE, "trNo": sandbox.DEMO_TR_NO}
    assert lotteon.call(93, base)["returnCode"] == "9000"
    assert lotteon.call(93, {**base, "pageNo": 1})["returnCode"] == "9000"
    assert lotteon.call(93, {**base, "rowsPerPage": 10})["returnCode"] == "9000"
    assert lotteon.call(93, {**base, "pageNo": 1, "rowsPerPage": 101})["returnCode"] == "9000"
    assert lotteon.call(93, {**base, "pageNo": 0, "rowsPerPage": 10})["returnCode"] == "9000"
    assert lotteon.call(93, {**base, "pageNo": "1", "rowsPerPage": "100"})["returnCode"] == "0000"


@pytest.mark.parametrize("missing", ["trGrpCd", "trNo", "regStrtDttm", "regEndDttm"])
def test_93_requires_supplier_and_registration_window(lotteon, sandbox, missing):
    """Decision row 18: trGrpCd, trNo, regStrtDttm, regEndDttm required."""
    body = {**LIST_BASE, "trNo": sandbox.DEMO_TR_NO, "pageNo": 1, "rowsPerPage": 10}
    del body[missing]
    assert lotteon.call(93, body)["returnCode"] != "0000"


def test_93_foreign_trno_is_a_business_error(lotteon, sandbox):
    """Decision row 18: trNo other than the key's supplier → business error."""
    assert _list(lotteon, sandbox, trNo=sandbox.OTHER_TR_NO)["returnCode"] != "0000"


def test_93_paging_and_total_count(lotteon, sandbox):
    """API.md §4: pageNo 1-based, rowsPerPage <= 100; dataCount is the total row count (README)."""
    full = _list(lotteon, sandbox)
    total = full["dataCount"]
    assert total == len(full["data"]) >= 18
    seen = []
    page = 1
    while True:
        envelope = _list(lotteon, sandbox, pageNo=page, rowsPerPage=7)
        assert envelope["dataCount"] == total
        if not envelope["data"]:
            break
        assert len(envelope["data"]) <= 7
        seen.extend(row["spdNo"] for row in envelope["data"])
        page += 1
    assert seen == [row["spdNo"] for row in full["data"]]
    assert len(set(seen)) == total


def test_93_rows_carry_ids_and_approval_fields(lotteon, sandbox):
    """API.md §5.8: spdNo, epdNo, spdNm, scatNo, regDttm, sale and approval fields, sitmNoLst."""
    rows = _list(lotteon, sandbox)["data"]
    for row in rows:
        for name in ("spdNo", "epdNo", "spdNm", "scatNo", "regDttm", "slStatCd", "slStatRsnCd", "catAprvStatCd",
                     "catGvbkRsnCnts", "pdInfoAprvStatCd", "pdInfoGvbkRsnCnts", "fnlAprvYn", "sitmNoLst"):
            assert name in row, name
        assert re.fullmatch(r"LO\d{10}", row["spdNo"])
        assert row["sitmNoLst"] and all(s.startswith(row["spdNo"] + "_") for s in row["sitmNoLst"])
    assert {r["fnlAprvYn"] for r in rows} == {"Y", "N"}
    assert any(r["pdInfoAprvStatCd"] == "GVBK" and r["pdInfoGvbkRsnCnts"] for r in rows)
    tshirt = next(r for r in rows if r["epdNo"] == "TSHIRT")
    assert len(tshirt["sitmNoLst"]) == 12


def test_93_epdno_filter_is_an_array(lotteon, sandbox):
    """API.md §5.8 / decision row 18: epdNo is an array of at most 100 seller codes."""
    rows = _list(lotteon, sandbox, epdNo=["TSHIRT", "EARBUDS-01", "NOPE"])["data"]
    assert sorted(r["epdNo"] for r in rows) == ["EARBUDS-01", "TSHIRT"]
    assert _list(lotteon, sandbox, epdNo="TSHIRT")["returnCode"] != "0000"
    assert _list(lotteon, sandbox, epdNo=[f"X{i}" for i in range(101)])["returnCode"] != "0000"
    assert _list(lotteon, sandbox, epdNo=[f"X{i}" for i in range(100)])["returnCode"] == "0000"


def test_93_registration_window_and_other_supplier(lotteon, sandbox):
    """API.md §5.8: regStrtDttm/regEndDttm filter on regDttm; a supplier sees only its own products."""
    product = _product(sandbox, regDttm="20250301120000")
    rows = _list(lotteon, sandbox, regStrtDttm="20250301000000", regEndDttm="20250301235959")["data"]
    assert [r["spdNo"] for r in rows] == [product["spdNo"]]
    assert lotteon.call(93, {**LIST_BASE, "trNo": sandbox.OTHER_TR_NO, "pageNo": 1, "rowsPerPage": 100,
                             "epdNo": ["CAP"]}, key=sandbox.OTHER_KEY)["data"] == []


# 94


def test_94_detail_header_and_items(lotteon, sandbox):
    """API.md §5.9: header plus itmLst[] with eitmNo/sitmNo/stkQty/slStatCd/itmOptLst."""
    spd_no = next(r["spdNo"] for r in _list(lotteon, sandbox, epdNo=["TSHIRT"])["data"])
    data = lotteon.ok(94, {"trGrpCd": "SR", "trNo": sandbox.DEMO_TR_NO, "spdNo": spd_no})
    assert data["spdNo"] == spd_no and data["epdNo"] == "TSHIRT" and data["spdNm"] and data["slStatCd"]
    items = {i["eitmNo"]: i for i in data["itmLst"]}
    assert len(items) == 12
    item = items["TSHIRT-NVY-XL"]
    for name in ("sitmNo", "eitmNo", "sitmNm", "slStatCd", "slStatRsnCd", "dpYn", "sortSeq", "slPrc", "stkQty",
                 "itmImgLst", "itmOptLst"):
        assert name in item, name
    assert item["sitmNm"] == "네이비 / XL"
    assert [(o["optNm"], o["optVal"]) for o in item["itmOptLst"]] == [("색상", "네이비"), ("사이즈", "XL")]
    for opt in item["itmOptLst"]:
        assert set(opt) == {"optCd", "optNm", "optValCd", "optVal", "dtlsVal"}


def test_94_single_product_has_one_item_without_eitmno(lotteon, sandbox):
    """Single products: seller code in epdNo, eitmNo empty, one item."""
    spd_no = _list(lotteon, sandbox, epdNo=["EARBUDS-01"])["data"][0]["spdNo"]
    data = lotteon.ok(94, {"trGrpCd": "SR", "trNo": sandbox.DEMO_TR_NO, "spdNo": spd_no})
    [item] = data["itmLst"]
    assert item["eitmNo"] == "" and item["itmOptLst"] == [] and item["sitmNo"].startswith(spd_no + "_")


def test_94_unknown_product_is_a_business_error(lotteon, sandbox):
    """API.md §3/§5.9: an unknown spdNo is a business error (HTTP 200, returnCode other than 0000)."""
    envelope = lotteon.call(94, {"trGrpCd": "SR", "trNo": sandbox.DEMO_TR_NO, "spdNo": "LO0000000000"})
    assert envelope["returnCode"] != "0000"


# 86 / 111


def test_86_sets_stock_per_item(lotteon, sandbox):
    """API.md §5.7 / row 17: itmStkLst with per-item results in data[]; each needs resultCode 0000."""
    product = _product(sandbox)
    black, white = product["itmLst"]
    envelope = lotteon.call(86, {"itmStkLst": [_stk(sandbox, product, black, 12), _stk(sandbox, product, white, "3")]})
    assert envelope["returnCode"] == "0000" and envelope["dataCount"] == 2
    assert [(r["sitmNo"], r["resultCode"]) for r in envelope["data"]] == [(black["sitmNo"], "0000"),
                                                                          (white["sitmNo"], "0000")]
    assert all(set(r) >= {"spdNo", "sitmNo", "resultCode", "resultMessage"} for r in envelope["data"])
    assert _stock(sandbox, black["sitmNo"])["stkQty"] == 12
    detail = lotteon.ok(94, {"trGrpCd": "SR", "trNo": sandbox.DEMO_TR_NO, "spdNo": product["spdNo"]})
    assert [i["stkQty"] for i in detail["itmLst"]] == [12, 3]


@pytest.mark.parametrize("qty", [-1, 1.5, "abc", None, True])
def test_86_bad_quantity_fails_that_item(lotteon, sandbox, qty):
    """Decision row 17: a stkQty that is not an integer >= 0 fails that item with 9999."""
    product = _product(sandbox)
    black, white = product["itmLst"]
    data = lotteon.ok(86, {"itmStkLst": [_stk(sandbox, product, black, qty), _stk(sandbox, product, white, 9)]})
    assert [r["resultCode"] for r in data] == ["9999", "0000"]
    assert _stock(sandbox, black["sitmNo"])["stkQty"] == 5


def test_86_unknown_item_fails_that_item(lotteon, sandbox):
    """Decision row 17: unknown sitmNo (or one of another product or supplier) → 9999 for that item."""
    product = _product(sandbox)
    black = product["itmLst"][0]
    other = _product(sandbox, apiKey=sandbox.OTHER_KEY, epdNo="OTHER")
    data = lotteon.ok(86, {"itmStkLst": [
        {**_stk(sandbox, product, black, 1), "sitmNo": "LO0000000000_0000000001"},
        {**_stk(sandbox, product, black, 1), "spdNo": other["spdNo"]},
        {**_stk(sandbox, product, black, 1), "spdNo": other["spdNo"], "sitmNo": other["itmLst"][0]["sitmNo"]},
        {**_stk(sandbox, product, black, 1), "trGrpCd": "XX"},  # §5.7: trGrpCd is SR
    ]})
    assert [r["resultCode"] for r in data] == ["9999"] * 4
    assert _stock(sandbox, black["sitmNo"])["stkQty"] == 5


def test_86_misnamed_list_applies_nothing(lotteon, sandbox):
    """Decision row 17 / API.md §3: a list not named itmStkLst → 0000 with data []."""
    product = _product(sandbox)
    black = product["itmLst"][0]
    envelope = lotteon.call(86, {"itemStockList": [_stk(sandbox, product, black, 0)]})
    assert envelope["returnCode"] == "0000" and envelope["data"] == [] and envelope["dataCount"] == 0
    assert _stock(sandbox, black["sitmNo"])["stkQty"] == 5


def test_86_zero_sets_sout_and_restock_keeps_it_until_111(lotteon, sandbox):
    """API.md §5.7 / row 17: 0 → SOUT (SOUT_STK); restock keeps SOUT until 111 sets SALE."""
    product = _product(sandbox)
    black = product["itmLst"][0]
    lotteon.ok(86, {"itmStkLst": [_stk(sandbox, product, black, 0)]})
    assert (_stock(sandbox, black["sitmNo"])["slStatCd"], _stock(sandbox, black["sitmNo"])["slStatRsnCd"]) == (
        "SOUT", "SOUT_STK")
    lotteon.ok(86, {"itmStkLst": [_stk(sandbox, product, black, 20)]})
    stock = _stock(sandbox, black["sitmNo"])
    assert stock["stkQty"] == 20 and stock["slStatCd"] == "SOUT"
    data = lotteon.ok(111, {"sitmLst": [_sale(sandbox, product, black, "SALE")]})
    assert data[0]["resultCode"] == "0000"
    stock = _stock(sandbox, black["sitmNo"])
    assert stock["slStatCd"] == "SALE" and stock["slStatRsnCd"] == ""


def test_86_ignores_slstatcd(lotteon, sandbox):
    """API.md §5.7: 86 applies stkQty only and ignores slStatCd."""
    product = _product(sandbox)
    black = product["itmLst"][0]
    lotteon.ok(86, {"itmStkLst": [_stk(sandbox, product, black, 0)]})
    lotteon.ok(86, {"itmStkLst": [{**_stk(sandbox, product, black, 4), "slStatCd": "SALE"}]})
    assert _stock(sandbox, black["sitmNo"])["slStatCd"] == "SOUT"


def test_stock_not_managed_reports_999999999(lotteon, sandbox):
    """API.md §5.7: stkMgtYn=N products report 999999999; 86 cannot set their stock."""
    product = _product(sandbox, epdNo="ENGRAVE", options=[], stkMgtYn="N")
    [item] = product["itmLst"]
    assert item["stkQty"] == 999999999
    data = lotteon.ok(86, {"itmStkLst": [_stk(sandbox, product, item, 5)]})
    assert data[0]["resultCode"] == "9999"
    generated = _list(lotteon, sandbox, epdNo=["MUG-ENGRAVE"])["data"][0]
    detail = lotteon.ok(94, {"trGrpCd": "SR", "trNo": sandbox.DEMO_TR_NO, "spdNo": generated["spdNo"]})
    assert detail["stkMgtYn"] == "N" and detail["itmLst"][0]["stkQty"] == 999999999


def test_111_changes_sale_status_per_item(lotteon, sandbox):
    """API.md §5.7: 111 sitmLst[] with SALE/SOUT/STP/END; per-item results as for 86."""
    product = _product(sandbox)
    black, white = product["itmLst"]
    envelope = lotteon.call(111, {"sitmLst": [_sale(sandbox, product, black, "STP"),
                                              _sale(sandbox, product, white, "BAD")]})
    assert envelope["returnCode"] == "0000" and envelope["dataCount"] == 2
    assert [r["resultCode"] for r in envelope["data"]] == ["0000", "9999"]
    assert _stock(sandbox, black["sitmNo"])["slStatCd"] == "STP"
    assert _stock(sandbox, white["sitmNo"])["slStatCd"] == "SALE"
    assert lotteon.call(111, {"itmLst": [_sale(sandbox, product, black, "SALE")]})["data"] == []


def test_111_sale_needs_stock(lotteon, sandbox):
    """API.md §5.7: SALE after a stock-0 SOUT needs stock first (86, then 111)."""
    product = _product(sandbox)
    black = product["itmLst"][0]
    lotteon.ok(86, {"itmStkLst": [_stk(sandbox, product, black, 0)]})
    assert lotteon.ok(111, {"sitmLst": [_sale(sandbox, product, black, "SALE")]})[0]["resultCode"] == "9999"


def test_admin_product_ids_map_through_93_and_94(lotteon, sandbox):
    """API.md §7: epdNo → spdNo with 93, then eitmNo → sitmNo with 94."""
    product = _product(sandbox)
    [row] = _list(lotteon, sandbox, epdNo=["CAP"])["data"]
    assert row["spdNo"] == product["spdNo"]
    assert row["sitmNoLst"] == [i["sitmNo"] for i in product["itmLst"]]
    detail = lotteon.ok(94, {"trGrpCd": "SR", "trNo": sandbox.DEMO_TR_NO, "spdNo": row["spdNo"]})
    assert {i["eitmNo"]: i["sitmNo"] for i in detail["itmLst"]} == {
        i["eitmNo"]: i["sitmNo"] for i in product["itmLst"]}


# 89


def test_89_courier_list(lotteon):
    """Decision row 6: §6.3's table, 0042 for 일양, no Qxpress code, 9999 as the fallback."""
    envelope = lotteon.call(89, params={"grpCd": "DV_CO_CD", "langCd": "ko"})
    assert envelope["returnCode"] == "0000"
    rows = envelope["data"]
    assert envelope["dataCount"] == len(rows)
    for row in rows:
        assert set(row) == {"grpCd", "langCd", "cd", "cdNm", "cdEpn", "sortSeq", "refcChrValEpn1", "refcChrValEpn2",
                            "refcChrValEpn3", "refcChrValEpn4"}
        assert row["grpCd"] == "DV_CO_CD" and row["langCd"] == "ko"
    codes = {r["cd"]: r["cdNm"] for r in rows}
    assert codes["0001"] == "롯데택배" and codes["0002"] == "CJ대한통운" and codes["0004"] == "우체국택배"
    assert codes["0005"] == "로젠택배" and codes["0006"] == "한진택배" and codes["9999"] == "기타택배"
    assert "일양" in codes["0042"]
    for wrong in ("0041", "0019", "0011", "0007", "0009", "0159"):
        assert wrong not in codes
    assert not any("큐익스프레스" in name or "Qxpress" in name for name in codes.values())
    assert [r["sortSeq"] for r in rows] == sorted(r["sortSeq"] for r in rows)


def test_89_other_groups_and_missing_group(lotteon):
    """API.md §5.10: grpCd selects the code group; it is required."""
    assert lotteon.ok(89, params={"grpCd": "OTHER_GRP", "langCd": "ko"}) == []
    assert lotteon.call(89, params={"langCd": "ko"})["returnCode"] != "0000"
