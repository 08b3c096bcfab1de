"""50 cancellation search (API.md §5.11; decision rows 13 and 19)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from .conftest import DAY, claim_window, dttm, kst_now

pytestmark = pytest.mark.sandbox

ITEM_FIELDS = {
    "odSeq", "procSeq", "orglProcSeq", "odTypCd", "odPrgsStepCd", "spdNo", "spdNm", "sitmNo", "sitmNm", "odQty",
    "itmSlPrc", "cnclQty", "clmReqDttm", "clmCmptDttm", "clmRsnCd", "clmRsnCnts",
}


def _order(sandbox, *lines):
    return sandbox.create_order(owhoDttm=f"{DAY}100000", lines=list(lines) or [{"eitmNo": "TSHIRT-BLK-M"}])


def test_50_requires_both_dates(lotteon):
    """Decision row 19 / API.md §4: srchStrtDttm and srchEndDttm are required (note the Dttm suffix)."""
    window = claim_window()
    assert lotteon.call(50, {})["returnCode"] != "0000"
    assert lotteon.call(50, {"srchStrtDttm": window["srchStrtDttm"]})["returnCode"] != "0000"
    assert lotteon.call(50, {"srchStrtDt": "20250301000000", "srchEndDt": "20250301235959"})["returnCode"] != "0000"
    assert lotteon.call(50, {**window, "srchStrtDttm": "2025-03-01"})["returnCode"] == "9000"
    assert lotteon.call(50, window)["returnCode"] == "0000"


def test_50_window_up_to_31_days(lotteon):
    """Decision row 19: the sandbox accepts windows up to 31 days."""
    assert lotteon.call(50, {"srchStrtDttm": "20250101000000", "srchEndDttm": "20250201000000"})["returnCode"] == "0000"
    envelope = lotteon.call(50, {"srchStrtDttm": "20250101000000", "srchEndDttm": "20250201000001"})
    assert envelope["returnCode"] != "0000"


def test_50_whole_line_cancel(sandbox, lotteon):
    """Decision row 13: a whole-line cancel lists the line with step 21 and cnclQty = its quantity."""
    created = _order(sandbox, {"eitmNo": "TSHIRT-BLK-M", "odQty": 2}, {"eitmNo": "TOWEL-GRY"})
    od_no = created["odNo"]
    result = sandbox.cancel(od_no)
    envelope = lotteon.call(50, {**claim_window(), "odTypCd": "20", "odPrgsStepCd": "21"})
    assert envelope["returnCode"] == "0000" and envelope["dataCount"] == 1
    [claim] = envelope["data"]
    assert claim["odNo"] == od_no and claim["clmNo"] == result["clmNo"]
    items = claim["itemList"]
    assert [i["odSeq"] for i in items] == ["1", "2"]
    for item, line in zip(items, created["lines"], strict=True):
        assert set(item) >= ITEM_FIELDS
        assert item["odTypCd"] == "20" and item["odPrgsStepCd"] == "21"
        assert item["spdNo"] == line["spdNo"] and item["sitmNo"] == line["sitmNo"] and item["spdNm"] == line["spdNm"]
        assert item["cnclQty"] == item["odQty"] == line["odQty"]
        assert item["itmSlPrc"] == line["slPrc"]
        # API.md §5.2: procSeq counts +1 per claim; orglProcSeq names the line's own procSeq.
        assert item["orglProcSeq"] == line["procSeq"] == "1" and item["procSeq"] == "2"
        assert item["clmReqDttm"] and item["clmCmptDttm"] and item["clmRsnCd"] and item["clmRsnCnts"]


def test_50_partial_cancel(sandbox, lotteon):
    """Decision row 13: cnclQty < odQty lists the cancelled quantity; the line stays with the rest."""
    od_no = _order(sandbox, {"eitmNo": "TSHIRT-BLK-M", "odQty": 3})["odNo"]
    sandbox.cancel(od_no, odSeq="1", cnclQty=1)
    [claim] = lotteon.ok(50, claim_window())
    [item] = claim["itemList"]
    assert item["cnclQty"] == 1 and item["odQty"] == 3
    sandbox.cancel(od_no, cnclQty=2)
    claims = lotteon.ok(50, claim_window())
    assert [c["itemList"][0]["cnclQty"] for c in claims] == [1, 2]
    assert [c["itemList"][0]["procSeq"] for c in claims] == ["2", "3"]
    assert len({c["clmNo"] for c in claims}) == 2
    [line] = sandbox.state(sandbox.DEMO_KEY)["orders"]
    assert line["odPrgsStepCd"] == "21" and line["cnclQty"] == 3 and line["orderedQty"] == 3


def test_50_filters_on_claim_time(sandbox, lotteon):
    """Filter on the claim time, not the order or instruction time."""
    od_no = _order(sandbox)["odNo"]
    sandbox.cancel(od_no)
    assert len(lotteon.ok(50, claim_window())) == 1
    past = kst_now() - timedelta(days=3)
    assert lotteon.ok(50, {"srchStrtDttm": dttm(past - timedelta(days=1)), "srchEndDttm": dttm(past)}) == []
    # The instruction day of the order (DAY) holds no claim.
    assert lotteon.ok(50, {"srchStrtDttm": f"{DAY}000000", "srchEndDttm": f"{DAY}235959"}) == []


def test_50_optional_filters(sandbox, lotteon):
    """API.md §5.11: odNo, odSeq, clmNo filters; other claim types and steps find nothing here."""
    first = _order(sandbox, {"eitmNo": "TSHIRT-BLK-M"}, {"eitmNo": "TOWEL-GRY"})["odNo"]
    second = _order(sandbox)["odNo"]
    claim = sandbox.cancel(first)["clmNo"]
    sandbox.cancel(second)
    window = claim_window()
    assert len(lotteon.ok(50, window)) == 2
    assert [c["odNo"] for c in lotteon.ok(50, {**window, "odNo": first})] == [first]
    assert [c["clmNo"] for c in lotteon.ok(50, {**window, "clmNo": claim})] == [claim]
    [only] = lotteon.ok(50, {**window, "odNo": first, "odSeq": "2"})
    assert [i["odSeq"] for i in only["itemList"]] == ["2"]
    # An empty step is not "every step": §5.11 names only 02, 21 and 22.
    for empty in ({"odTypCd": "40"}, {"odPrgsStepCd": "02"}, {"odPrgsStepCd": ""}, {"clmTpCd": "RETN"},
                  {"odNo": "", "odTypCd": ""}):
        expected = 2 if empty == {"odNo": "", "odTypCd": ""} else 0
        assert len(lotteon.ok(50, {**window, **empty})) == expected, empty
    assert len(lotteon.ok(50, {**window, "clmTpCd": "CCNL"})) == 2


def test_50_is_per_supplier(sandbox, lotteon):
    """API.md §2: the key implies the supplier; 50 lists only its claims."""
    sandbox.cancel(_order(sandbox)["odNo"])
    assert lotteon.ok(50, claim_window(), key=sandbox.OTHER_KEY) == []


def test_cancel_after_link_and_not_after_ship(sandbox, lotteon):
    """Buyer cancels: lines in 11 or 12 can be cancelled; a shipped line cannot."""
    linked = sandbox.create_order(owhoDttm=f"{DAY}100000", state="linked", lines=[{"eitmNo": "TSHIRT-BLK-M"}])
    sandbox.cancel(linked["odNo"])
    assert lotteon.orders(yn="Y") == []
    assert lotteon.progress()[0]["odPrgsStepCd"] == "21"
    shipped = sandbox.create_order(owhoDttm=f"{DAY}100000", state="shipped", lines=[{"eitmNo": "TSHIRT-BLK-M"}])
    with pytest.raises(Exception, match="409"):
        sandbox.cancel(shipped["odNo"])


def test_generated_cancellations_show_in_50(sandbox, lotteon):
    """Decision row 13: generated cancellations are listed by 50 on their claim time."""
    sandbox.reset(lines=300, days=7, seed=3)
    state = sandbox.state(sandbox.DEMO_KEY)
    claims = state["claims"]
    assert claims
    now = kst_now()
    found = []
    for days_back in range(0, 10, 5):
        end = now - timedelta(days=days_back)
        found += lotteon.ok(50, {"srchStrtDttm": dttm(end - timedelta(days=5)), "srchEndDttm": dttm(end),
                                 "odPrgsStepCd": "21"})
    completed = {c["clmNo"] for c in claims if c["itemList"][0]["odPrgsStepCd"] == "21"}
    assert {c["clmNo"] for c in found} == completed
    # The generated open requests (02) are listed under 02 only, on their request time.
    requested = {c["clmNo"] for c in claims if c["itemList"][0]["odPrgsStepCd"] == "02"}
    assert requested and requested | completed == {c["clmNo"] for c in claims}
    listed = lotteon.ok(50, {"srchStrtDttm": dttm(now - timedelta(days=1)), "srchEndDttm": dttm(now),
                             "odPrgsStepCd": "02"})
    assert {c["clmNo"] for c in listed} == requested
