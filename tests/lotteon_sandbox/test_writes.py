"""210 confirm, 137 steps 12/13, 139 invoice correction (API.md §3, §5.3-§5.5; decision rows 1, 2, 6, 10, 14-16)."""

from __future__ import annotations

import pytest

from .conftest import DAY, confirm_row, ship_row

pytestmark = pytest.mark.sandbox


def _rows(sandbox, lotteon, n=1, **body):
    body.setdefault("lines", [{"eitmNo": "TSHIRT-BLK-M"}] * n)
    od_no = sandbox.create_order(owhoDttm=f"{DAY}100000", **body)["odNo"]
    yn = "Y" if body.get("state") in ("linked", "shipped") else ""
    return lotteon.ok(209, {"odNo": od_no, "ifCplYN": yn})["deliveryOrderList"]


def _live(lotteon):
    return {(r["odNo"], r["odSeq"]): r for r in lotteon.progress()}


# 210


def test_210_success_shape(sandbox, lotteon):
    """Decision row 10: all applied → data.rsltCd 0000, rsltMsg and an empty failList."""
    rows = _rows(sandbox, lotteon, 2)
    envelope = lotteon.call(210, {"ifCompleteList": [confirm_row(r) for r in rows]})
    assert envelope["returnCode"] == "0000"
    data = envelope["data"]
    assert data["rsltCd"] == "0000" and data["rsltMsg"] and data["failList"] == []
    assert {r["odPrgsStepCd"] for r in lotteon.progress()} == {"12"}


def test_210_partial_failure_names_failed_lines(sandbox, lotteon):
    """Decision row 10: some failed → rsltCd 0000 plus failList [{odNo, odSeq, procSeq, failCd, failMsg}]."""
    [row] = _rows(sandbox, lotteon)
    unknown = {**confirm_row(row), "odNo": "2025030199999999"}
    data = lotteon.ok(210, {"ifCompleteList": [confirm_row(row), unknown]})
    assert data["rsltCd"] == "0000"
    [failed] = data["failList"]
    assert set(failed) == {"odNo", "odSeq", "procSeq", "failCd", "failMsg"}
    assert failed["odNo"] == "2025030199999999" and failed["failCd"] != "0000" and failed["failMsg"]
    assert lotteon.progress()[0]["odPrgsStepCd"] == "12"


def test_210_all_failed(sandbox, lotteon):
    """Decision row 10: all failed → rsltCd 9999, rsltMsg and failList; returnCode stays 0000."""
    [row] = _rows(sandbox, lotteon)
    envelope = lotteon.call(210, {"ifCompleteList": [{**confirm_row(row), "odSeq": "9"}]})
    assert envelope["returnCode"] == "0000"
    data = envelope["data"]
    assert data["rsltCd"] == "9999" and data["rsltMsg"] and len(data["failList"]) == 1
    assert lotteon.progress()[0]["odPrgsStepCd"] == "11"


def test_210_twice_fails_the_second_time(sandbox, lotteon):
    """Decision row 14: LotteON does not link a line twice."""
    [row] = _rows(sandbox, lotteon)
    assert lotteon.ok(210, {"ifCompleteList": [confirm_row(row)]})["rsltCd"] == "0000"
    data = lotteon.ok(210, {"ifCompleteList": [confirm_row(row)]})
    assert data["rsltCd"] == "9999"
    assert "210" in data["failList"][0]["failMsg"]


def test_210_on_a_line_linked_by_another_tool_fails(sandbox, lotteon):
    """Decision row 14, with the link sent by another tool."""
    [row] = _rows(sandbox, lotteon)
    sandbox.link(row["odNo"])
    assert lotteon.ok(210, {"ifCompleteList": [confirm_row(row)]})["rsltCd"] == "9999"


def test_210_on_a_cancelled_line_fails(sandbox, lotteon):
    """Decision row 14: a cancelled line cannot be linked."""
    [row] = _rows(sandbox, lotteon)
    sandbox.cancel(row["odNo"])
    data = lotteon.ok(210, {"ifCompleteList": [confirm_row(row)]})
    assert data["rsltCd"] == "9999" and "cancel" in data["failList"][0]["failMsg"]


def test_210_accepts_numeric_line_keys(sandbox, lotteon):
    """Decision row 9: both sides accept strings or numbers on input."""
    [row] = _rows(sandbox, lotteon)
    entry = {**confirm_row(row), "odSeq": 1, "procSeq": 1}
    assert lotteon.ok(210, {"ifCompleteList": [entry]})["rsltCd"] == "0000"


@pytest.mark.parametrize(
    "change",
    [{"dvRtrvDvsCd": ""}, {"dvRtrvDvsCd": "RTRV"}, {"ifCplYN": "X"}, {"ifCplYN": "N", "ifFlRsnCnts": ""}],
)
def test_210_required_fields(sandbox, lotteon, change):
    """API.md §5.3: dvRtrvDvsCd and ifCplYN required, ifFlRsnCnts when N."""
    [row] = _rows(sandbox, lotteon)
    data = lotteon.ok(210, {"ifCompleteList": [{**confirm_row(row), **change}]})
    assert data["rsltCd"] == "9999"


def test_210_without_a_list_applies_nothing(sandbox, lotteon):
    """Decision row 10: a body without ifCompleteList reports rsltCd 9999 and applies nothing."""
    [row] = _rows(sandbox, lotteon)
    data = lotteon.ok(210, {"odList": [confirm_row(row)]})
    assert data["rsltCd"] == "9999" and data["failList"] == []
    assert lotteon.progress()[0]["odPrgsStepCd"] == "11"


def test_210_for_another_suppliers_line_fails(sandbox, lotteon):
    """API.md §2: the key implies the supplier; another supplier's line is unknown (row 10 failList)."""
    [row] = _rows(sandbox, lotteon)
    data = lotteon.ok(210, {"ifCompleteList": [confirm_row(row)]}, key=sandbox.OTHER_KEY)
    assert data["rsltCd"] == "9999"


# 137 step 12


def test_137_step_12_from_11_and_noop_on_12(sandbox, lotteon):
    """Decision row 1: 137-12 is accepted on a line in 11 or 12 (a no-op on 12)."""
    first, second = _rows(sandbox, lotteon, 2)
    assert lotteon.ok(210, {"ifCompleteList": [confirm_row(second)]})["rsltCd"] == "0000"
    data = lotteon.ok(137, {"deliveryProgressStateList": [ship_row(first, "12"), ship_row(second, "12")]})
    assert data["rsltCd"] == "0000" and data["failList"] == []
    assert {r["odPrgsStepCd"] for r in lotteon.progress()} == {"12"}
    # API.md §5.0: after 137-12 the line shows with Y, not in the empty search.
    assert lotteon.orders(yn="") == []
    assert len(lotteon.orders(yn="Y")) == 2


def test_137_step_12_on_a_shipped_line_fails(sandbox, lotteon):
    """Decision row 1: step 12 is accepted on 11 or 12 only."""
    [row] = _rows(sandbox, lotteon, state="shipped")
    assert lotteon.ok(137, {"deliveryProgressStateList": [ship_row(row, "12")]})["rsltCd"] == "9999"


# 137 step 13


def test_137_step_13_ships_and_140_shows_the_invoice(sandbox, lotteon):
    """API.md §5.4/§5.6: 137-13 stores courier, invoice and time; 140 then shows 13 with invcNo."""
    [row] = _rows(sandbox, lotteon)
    lotteon.ok(210, {"ifCompleteList": [confirm_row(row)]})
    entry = ship_row(row, dvTrcStatDttm="20250301150000", invcNo="6543-2109-8765", dvCoCd="0001")
    data = lotteon.ok(137, {"deliveryProgressStateList": [entry]})
    assert data["rsltCd"] == "0000"
    [live] = lotteon.progress()
    assert live["odPrgsStepCd"] == "13"
    assert live["invcNo"] == "654321098765" and live["dvCoCd"] == "0001"
    assert live["dvTrcStatDttm"] == "20250301150000" and live["invcNbr"] == 1
    [line] = sandbox.state(sandbox.DEMO_KEY)["orders"]
    assert line["invcNo"] == "654321098765" and line["history"][-1]["event"] == "137 step 13"


def test_137_step_13_straight_from_11(sandbox, lotteon):
    """Decision row 15: 137-13 is accepted from 11 or 12."""
    [row] = _rows(sandbox, lotteon)
    assert lotteon.ok(137, {"deliveryProgressStateList": [ship_row(row)]})["rsltCd"] == "0000"
    assert lotteon.progress()[0]["odPrgsStepCd"] == "13"


@pytest.mark.parametrize("invc_nbr", ["1", 1, 2])
def test_137_invcnbr_as_string_or_number(sandbox, lotteon, invc_nbr):
    """API.md §5.4: invcNbr is sent as a number by one client and a string by another; both work."""
    [row] = _rows(sandbox, lotteon)
    assert lotteon.ok(137, {"deliveryProgressStateList": [ship_row(row, invcNbr=invc_nbr)]})["rsltCd"] == "0000"


@pytest.mark.parametrize(
    ("invc_no", "accepted"),
    [
        ("123456789012345", True),
        ("1234-5678-9012-345", True),
        (" 1234 5678 ", True),
        ("CJ1234567890", True),
        (123456789012, True),
        ("1234567890123456", False),
        ("1234/5678", False),
        ("송장123", False),
        ("", False),
        ("- -", False),
    ],
)
def test_137_invoice_rule(sandbox, lotteon, invc_no, accepted):
    """Decision row 2: letters and digits, at most 15 after stripping spaces and dashes; otherwise fails per line."""
    [row] = _rows(sandbox, lotteon)
    data = lotteon.ok(137, {"deliveryProgressStateList": [ship_row(row, invcNo=invc_no)]})
    assert (data["rsltCd"] == "0000") is accepted, data
    if not accepted:
        assert "invcNo" in data["failList"][0]["failMsg"]
        assert lotteon.progress()[0]["odPrgsStepCd"] == "11"


@pytest.mark.parametrize(("dv_co_cd", "accepted"), [("0002", True), ("0042", True), ("9999", True), ("0041", False),
                                                    ("0019", False), ("CJ", False), ("", False)])
def test_137_courier_must_be_in_89(sandbox, lotteon, dv_co_cd, accepted):
    """Decision row 6: a dvCoCd outside 89's list fails for that line."""
    [row] = _rows(sandbox, lotteon)
    data = lotteon.ok(137, {"deliveryProgressStateList": [ship_row(row, dvCoCd=dv_co_cd)]})
    assert (data["rsltCd"] == "0000") is accepted


def test_137_step_13_twice_points_to_139(sandbox, lotteon):
    """Decision row 15: a line already in 13 fails with a message pointing to 139."""
    [row] = _rows(sandbox, lotteon)
    lotteon.ok(137, {"deliveryProgressStateList": [ship_row(row)]})
    data = lotteon.ok(137, {"deliveryProgressStateList": [ship_row(row, invcNo="999999999999")]})
    assert data["rsltCd"] == "9999"
    assert "139" in data["failList"][0]["failMsg"]
    assert lotteon.progress()[0]["invcNo"] == "123456789012"


def test_137_on_a_cancelled_line_fails(sandbox, lotteon):
    """Decision row 15 / API.md §5.4: shipping a cancelled order fails."""
    [row] = _rows(sandbox, lotteon)
    sandbox.cancel(row["odNo"])
    data = lotteon.ok(137, {"deliveryProgressStateList": [ship_row(row)]})
    assert data["rsltCd"] == "9999" and "cancel" in data["failList"][0]["failMsg"]


@pytest.mark.parametrize(
    "change",
    [
        {"spdNo": "LO0000000001"},
        {"sitmNo": "LO0000000001_0000000002"},
        {"invcNbr": "0"},
        {"invcNbr": None},
        {"dvTrcStatDttm": "2025-03-01"},
        {"slQty": "0"},
        {"slQty": "5"},
        {"odPrgsStepCd": "14"},
        {"dvRtrvDvsCd": "RTRV"},
    ],
)
def test_137_line_checks(sandbox, lotteon, change):
    """API.md §5.4: spdNo/sitmNo must match the line, invcNbr >= 1, dvTrcStatDttm 14 digits, steps 12/13 only."""
    [row] = _rows(sandbox, lotteon)
    data = lotteon.ok(137, {"deliveryProgressStateList": [ship_row(row, **change)]})
    assert data["rsltCd"] == "9999", change


def test_137_mixed_batch_reports_each_line(sandbox, lotteon):
    """Decision row 10: lines that pass are applied, lines that fail are named in failList."""
    good, bad = _rows(sandbox, lotteon, 2)
    data = lotteon.ok(
        137, {"deliveryProgressStateList": [ship_row(good), ship_row(bad, invcNo="1234567890123456789")]}
    )
    assert data["rsltCd"] == "0000"
    assert [(f["odNo"], f["odSeq"]) for f in data["failList"]] == [(bad["odNo"], bad["odSeq"])]
    live = _live(lotteon)
    assert live[(good["odNo"], "1")]["odPrgsStepCd"] == "13"
    assert live[(bad["odNo"], "2")]["odPrgsStepCd"] == "11"


def test_137_without_spdno_fails(sandbox, lotteon):
    """API.md §5.4: spdNo and sitmNo are required on v1 (only 298 V2 leaves them out)."""
    [row] = _rows(sandbox, lotteon)
    entry = ship_row(row)
    del entry["spdNo"], entry["sitmNo"]
    assert lotteon.ok(137, {"deliveryProgressStateList": [entry]})["rsltCd"] == "9999"


# 139


def _modify(row, old, new, dv_co_cd="0002"):
    return {
        "odNo": row["odNo"], "odSeq": row["odSeq"], "procSeq": row["procSeq"], "orglProcSeq": "", "clmNo": "",
        "invcNo": old, "modInvcNo": new, "modDvCoCd": dv_co_cd,
    }


def test_139_replaces_the_invoice_and_keeps_history(sandbox, lotteon):
    """API.md §5.5: a root-level array; the new number and courier replace the old, history is kept."""
    [row] = _rows(sandbox, lotteon)
    lotteon.ok(137, {"deliveryProgressStateList": [ship_row(row)]})
    data = lotteon.ok(139, [_modify(row, "123456789012", "CJ-0000-1111", "0001")])
    assert data["rsltCd"] == "0000" and data["failList"] == []
    [live] = lotteon.progress()
    assert live["odPrgsStepCd"] == "13" and live["invcNo"] == "CJ00001111" and live["dvCoCd"] == "0001"
    [line] = sandbox.state(sandbox.DEMO_KEY)["orders"]
    event = line["history"][-1]
    assert event["event"] == "139 invoice modified"
    assert event["oldInvcNo"] == "123456789012" and event["invcNo"] == "CJ00001111"


def test_139_on_a_line_not_in_13_fails(sandbox, lotteon):
    """Decision row 16."""
    [row] = _rows(sandbox, lotteon)
    data = lotteon.ok(139, [_modify(row, "123456789012", "222222222222")])
    assert data["rsltCd"] == "9999" and len(data["failList"]) == 1


@pytest.mark.parametrize(
    ("old", "new", "dv_co_cd"),
    [("000000000000", "222222222222", "0002"), ("123456789012", "1234567890123456", "0002"),
     ("123456789012", "222222222222", "0041")],
)
def test_139_checks(sandbox, lotteon, old, new, dv_co_cd):
    """139: the old number must be the current one; the new one follows row 2 and the courier row 6."""
    [row] = _rows(sandbox, lotteon)
    lotteon.ok(137, {"deliveryProgressStateList": [ship_row(row)]})
    assert lotteon.ok(139, [_modify(row, old, new, dv_co_cd)])["rsltCd"] == "9999"
    assert lotteon.progress()[0]["invcNo"] == "123456789012"


def test_139_wants_a_root_array(sandbox, lotteon):
    """API.md §5.5: the body is a root-level array; a wrapped list applies nothing."""
    [row] = _rows(sandbox, lotteon)
    lotteon.ok(137, {"deliveryProgressStateList": [ship_row(row)]})
    data = lotteon.ok(139, {"list": [_modify(row, "123456789012", "222222222222")]})
    assert data["rsltCd"] == "9999"
    assert lotteon.progress()[0]["invcNo"] == "123456789012"
