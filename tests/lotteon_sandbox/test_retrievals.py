"""Retrieval lines: returns and exchange pick-ups (API.md §5.2 odPrgsStepCd 23, §5.3 RTRV → 24, §6.1, §6.2)."""

from __future__ import annotations

import re

import pytest

from tests.plugins.sandbox import SandboxError

from .conftest import DAY, confirm_row, kst_now, ship_row, window

pytestmark = pytest.mark.sandbox

LATER = f"{DAY}150000"


def _shipped(sandbox, *lines, **body):
    return sandbox.create_order(owhoDttm=f"{DAY}100000", state="shipped", invcNo="123456789012",
                                lines=list(lines) or [{"eitmNo": "TSHIRT-BLK-M", "odQty": 2}], **body)


def _by_direction(rows):
    return {row["dvRtrvDvsCd"]: row for row in rows}


def test_return_retrieval_is_a_209_line_in_step_23(sandbox, lotteon):
    """API.md §5.2: 209 with odPrgsStepCd 23 returns retrieval instructions: dvRtrvDvsCd RTRV, odTypCd 40,
    orglProcSeq naming the original line and a clmNo; procSeq is the line's + 1 per claim."""
    order = _shipped(sandbox)
    [dv] = order["lines"]
    created = sandbox.retrieval(order["odNo"], odSeq="1", type="return", owhoDttm=LATER)
    row = created["line"]
    assert re.fullmatch(r"CL\d{14}", created["clmNo"]) and row["clmNo"] == created["clmNo"]
    assert (row["odNo"], row["odSeq"], row["procSeq"], row["orglProcSeq"]) == (order["odNo"], "1", "2", "1")
    assert (row["dvRtrvDvsCd"], row["odPrgsStepCd"], row["odTypCd"]) == ("RTRV", "23", "40")
    assert row["owhoDttm"] == LATER
    for name in ("spdNo", "sitmNo", "epdNo", "eitmNo", "spdNm", "sitmNm", "slPrc", "odQty", "slAmt", "dvpCustNm",
                 "dvpStnmZipAddr", "cmbnDvGrpNo"):
        assert row[name] == dv[name], name
    assert row["clmRsnCd"] and row["clmRsnCnts"]

    # The product's query: an empty step filter, ifCplYN "" (the retrieval is not reported through 210 yet).
    assert lotteon.orders(odPrgsStepCd="") == [row]
    assert lotteon.orders(odPrgsStepCd="23") == [row]
    assert lotteon.orders(odPrgsStepCd="23", odTypCd="40") == [row]
    assert lotteon.orders(odPrgsStepCd="11") == []
    assert lotteon.orders(odTypCd="30") == [] and lotteon.orders(odTypCd="10") == []
    # The shipped delivery line is unchanged: linked, so only with Y, and still reported as 11.
    [linked] = lotteon.orders(yn="Y")
    assert (linked["dvRtrvDvsCd"], linked["procSeq"], linked["odPrgsStepCd"]) == ("DV", "1", "11")
    assert lotteon.orders(yn="Y", odPrgsStepCd="23") == []
    assert lotteon.orders(yn="N") == []
    # odNo alone, without dates (decision row 7), finds it too.
    rows = lotteon.ok(209, {"odNo": order["odNo"], "ifCplYN": ""})["deliveryOrderList"]
    assert rows == [row]


def test_exchange_pick_up_has_odtypcd_30(sandbox, lotteon):
    order = _shipped(sandbox)
    row = sandbox.retrieval(order["odNo"], odSeq="1", type="exchange", owhoDttm=LATER)["line"]
    assert (row["odTypCd"], row["dvRtrvDvsCd"], row["odPrgsStepCd"]) == ("30", "RTRV", "23")
    assert lotteon.orders(odTypCd="30") == [row] and lotteon.orders(odTypCd="40") == []


def test_140_shows_the_retrieval_lines_live_step(sandbox, lotteon):
    order = _shipped(sandbox)
    sandbox.retrieval(order["odNo"], odSeq="1", owhoDttm=LATER)
    rows = lotteon.progress()
    by_dir = _by_direction(rows)
    assert len(rows) == 2
    assert by_dir["DV"]["odPrgsStepCd"] == "13" and by_dir["DV"]["invcNo"] == "123456789012"
    rtrv = by_dir["RTRV"]
    assert (rtrv["procSeq"], rtrv["orglProcSeq"], rtrv["odTypCd"], rtrv["odPrgsStepCd"]) == ("2", "1", "40", "23")
    assert rtrv["clmNo"] and rtrv["invcNo"] == "" and rtrv["odQty"] == 2
    assert [r["dvRtrvDvsCd"] for r in lotteon.progress(odPrgsStepCd="23")] == ["RTRV"]
    assert [r["dvRtrvDvsCd"] for r in lotteon.progress(odPrgsStepCd="13")] == ["DV"]


def test_210_rtrv_moves_the_retrieval_to_24(sandbox, lotteon):
    """API.md §5.3: 210 on an RTRV line moves it to 24 (회수진행); 209 keeps reporting 23, like 11 for DV."""
    order = _shipped(sandbox)
    row = sandbox.retrieval(order["odNo"], odSeq="1", owhoDttm=LATER)["line"]
    entry = {**confirm_row(row), "orglProcSeq": row["orglProcSeq"], "clmNo": row["clmNo"]}
    assert entry["dvRtrvDvsCd"] == "RTRV"

    # DV on a retrieval line does not match the line.
    data = lotteon.ok(210, {"ifCompleteList": [{**entry, "dvRtrvDvsCd": "DV"}]})
    assert data["rsltCd"] == "9999" and "dvRtrvDvsCd" in data["failList"][0]["failMsg"]

    data = lotteon.ok(210, {"ifCompleteList": [entry]})
    assert data == {"rsltCd": "0000", "rsltMsg": data["rsltMsg"], "failList": []}
    assert _by_direction(lotteon.progress())["RTRV"]["odPrgsStepCd"] == "24"
    assert _by_direction(lotteon.progress())["DV"]["odPrgsStepCd"] == "13", "the delivery line is untouched"
    assert lotteon.orders() == []
    linked = _by_direction(lotteon.orders(yn="Y"))
    assert linked["RTRV"]["odPrgsStepCd"] == "23", "209's step is stale after 210"
    assert lotteon.orders(yn="Y", odPrgsStepCd="23") == [linked["RTRV"]]
    [state] = [r for r in sandbox.state()["orders"] if r["dvRtrvDvsCd"] == "RTRV"]
    assert (state["odPrgsStepCd"], state["reportedStepCd"], state["ifCplYN"]) == ("24", "23", "Y")

    # Row 14: a line already linked is not linked twice.
    assert lotteon.ok(210, {"ifCompleteList": [entry]})["rsltCd"] == "9999"


def test_210_n_then_y_on_a_retrieval(sandbox, lotteon):
    order = _shipped(sandbox)
    row = sandbox.retrieval(order["odNo"], odSeq="1", owhoDttm=LATER)["line"]
    assert lotteon.ok(210, {"ifCompleteList": [confirm_row(row, "N", "확인 중")]})["rsltCd"] == "0000"
    assert lotteon.orders() == [] and lotteon.orders(yn="N") == [row]
    assert _by_direction(lotteon.progress())["RTRV"]["odPrgsStepCd"] == "23"
    assert lotteon.ok(210, {"ifCompleteList": [confirm_row(row)]})["rsltCd"] == "0000"
    assert _by_direction(lotteon.progress())["RTRV"]["odPrgsStepCd"] == "24"


def test_137_and_139_refuse_a_retrieval_line(sandbox, lotteon):
    order = _shipped(sandbox)
    row = sandbox.retrieval(order["odNo"], odSeq="1", owhoDttm=LATER)["line"]
    for step in ("12", "13"):
        entry = ship_row(row, step)
        del entry["dvRtrvDvsCd"]
        data = lotteon.ok(137, {"deliveryProgressStateList": [entry]})
        assert data["rsltCd"] == "9999", step
        data = lotteon.ok(137, {"deliveryProgressStateList": [ship_row(row, step)]})
        assert data["rsltCd"] == "9999" and "dvRtrvDvsCd" in data["failList"][0]["failMsg"]
    data = lotteon.ok(139, [{"odNo": row["odNo"], "odSeq": row["odSeq"], "procSeq": row["procSeq"],
                             "orglProcSeq": row["orglProcSeq"], "clmNo": row["clmNo"], "invcNo": "123456789012",
                             "modInvcNo": "999988887777", "modDvCoCd": "0002"}])
    assert data["rsltCd"] == "9999"
    assert _by_direction(lotteon.progress())["RTRV"]["odPrgsStepCd"] == "23"


def test_partial_and_repeated_retrievals(sandbox, lotteon):
    """A retrieval of part of the line; the next one takes the next procSeq; no more than was shipped."""
    order = _shipped(sandbox, {"eitmNo": "TSHIRT-BLK-M", "odQty": 3})
    first = sandbox.retrieval(order["odNo"], odSeq="1", odQty=1, owhoDttm=LATER)["line"]
    assert first["odQty"] == 1 and first["slAmt"] == first["slPrc"] and first["actualAmt"] == first["slPrc"]
    with pytest.raises(SandboxError, match="400"):
        sandbox.retrieval(order["odNo"], odSeq="1", odQty=3, owhoDttm=LATER)
    second = sandbox.retrieval(order["odNo"], odSeq="1", type="exchange", owhoDttm=LATER)["line"]
    assert (second["procSeq"], second["orglProcSeq"], second["odQty"], second["odTypCd"]) == ("3", "1", 2, "30")
    assert first["clmNo"] != second["clmNo"]
    assert [r["procSeq"] for r in lotteon.orders(odPrgsStepCd="23")] == ["2", "3"]
    with pytest.raises(SandboxError, match="409"):
        sandbox.retrieval(order["odNo"], odSeq="1", owhoDttm=LATER)


def test_retrieval_follows_a_partial_cancel_in_procseq(sandbox, lotteon):
    """procSeq counts every claim on the line: a partial cancel took 2, so the return is 3."""
    order = sandbox.create_order(owhoDttm=f"{DAY}100000", lines=[{"eitmNo": "TSHIRT-BLK-M", "odQty": 3}])
    sandbox.cancel(order["odNo"], cnclQty=1)
    sandbox.ship(order["odNo"], dvCoCd="0002", invcNo="123456789012")
    row = sandbox.retrieval(order["odNo"], owhoDttm=LATER)["line"]
    assert (row["procSeq"], row["orglProcSeq"], row["odQty"]) == ("3", "1", 2)


def test_retrieval_defaults_to_now(sandbox, lotteon):
    order = sandbox.create_order(state="shipped", lines=[{"eitmNo": "TSHIRT-BLK-M"}])
    row = sandbox.retrieval(order["odNo"])["line"]
    today = kst_now().strftime("%Y%m%d")
    assert row["owhoDttm"][:8] == today
    assert lotteon.orders(today, odPrgsStepCd="23") == [row]


@pytest.mark.parametrize(
    ("state", "body", "status"),
    [
        ("new", {}, "409"),
        ("linked", {}, "409"),
        ("cancelled", {}, "409"),
        ("shipped", {"type": "refund"}, "400"),
        ("shipped", {"odQty": 0}, "400"),
        ("shipped", {"odSeq": "9"}, "404"),
        ("shipped", {"owhoDttm": "2025-03-01"}, "400"),
        ("shipped", {"owhoDttm": f"{DAY}090000"}, "400"),
    ],
)
def test_retrieval_admin_validation(sandbox, state, body, status):
    order = sandbox.create_order(owhoDttm=f"{DAY}100000", state=state, lines=[{"eitmNo": "TSHIRT-BLK-M"}])
    with pytest.raises(SandboxError, match=status):
        sandbox.retrieval(order["odNo"], **body)


def test_retrieval_admin_needs_odseq_on_a_multi_line_order_and_a_known_order(sandbox):
    order = _shipped(sandbox, {"eitmNo": "TSHIRT-BLK-M"}, {"eitmNo": "TOWEL-GRY"})
    with pytest.raises(SandboxError, match="400"):
        sandbox.retrieval(order["odNo"], owhoDttm=LATER)
    row = sandbox.retrieval(order["odNo"], odSeq="2", owhoDttm=LATER)["line"]
    assert (row["odSeq"], row["procSeq"], row["eitmNo"]) == ("2", "2", "TOWEL-GRY")
    with pytest.raises(SandboxError, match="404"):
        sandbox.retrieval("2025030199999999")


def test_admin_cancel_link_and_ship_keep_to_delivery_lines(sandbox, lotteon):
    """The buyer-cancel, another tool's link and ship work on DV lines; a link of RTRV lines is asked for."""
    order = _shipped(sandbox)
    sandbox.retrieval(order["odNo"], owhoDttm=LATER)
    with pytest.raises(SandboxError, match="409"):
        sandbox.cancel(order["odNo"])
    with pytest.raises(SandboxError, match="409"):
        sandbox.ship(order["odNo"], dvCoCd="0002", invcNo="111122223333")
    assert sandbox.link(order["odNo"])["linked"] == 0
    assert _by_direction(lotteon.progress())["RTRV"]["odPrgsStepCd"] == "23"
    result = sandbox.link(order["odNo"], dvRtrvDvsCd="RTRV")
    assert result["linked"] == 1
    assert _by_direction(lotteon.progress())["RTRV"]["odPrgsStepCd"] == "24"
    assert lotteon.ok(50, {"srchStrtDttm": f"{DAY}000000", "srchEndDttm": f"{DAY}235959",
                           "odPrgsStepCd": "21"}) == [], "a retrieval is not a cancellation"


def test_state_and_html_show_retrieval_lines(sandbox, lotteon):
    order = _shipped(sandbox)
    created = sandbox.retrieval(order["odNo"], owhoDttm=LATER)
    rows = [r for r in sandbox.state(sandbox.DEMO_KEY)["orders"] if r["odNo"] == order["odNo"]]
    assert [(r["dvRtrvDvsCd"], r["procSeq"], r["odPrgsStepCd"]) for r in rows] == [("DV", "1", "13"),
                                                                                  ("RTRV", "2", "23")]
    assert rows[1]["orglProcSeq"] == "1" and rows[1]["clmNo"] == created["clmNo"] and rows[1]["odTypCd"] == "40"
    assert rows[0]["history"][-1]["event"] == "retrieval instructed"
    assert sandbox.state()["claims"] == []
    page = sandbox.session.get(f"{sandbox.url}/__admin__/", timeout=10).text
    assert "23 회수지시" in page


def test_window_of_209_filters_a_retrieval_on_its_own_instruction_time(sandbox, lotteon):
    """Decision row 20: the retrieval's owhoDttm is its own instruction time, so it may show on a later day."""
    order = _shipped(sandbox)
    row = sandbox.retrieval(order["odNo"], owhoDttm="20250302093000")["line"]
    assert lotteon.orders(DAY, odPrgsStepCd="23") == []
    assert lotteon.orders("20250302", odPrgsStepCd="23") == [row]
    assert lotteon.ok(209, {**window("20250302"), "ifCplYN": "Y"})["deliveryOrderList"] == []
