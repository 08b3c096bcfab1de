"""Cancellation requests (02) and their withdrawal (22) on 50 (API.md §5.11, §6.1)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.plugins.sandbox import SandboxError

from .conftest import DAY, claim_window, confirm_row, dttm, kst_now, ship_row

pytestmark = pytest.mark.sandbox


def _search(lotteon, step, **extra):
    return lotteon.ok(50, {**claim_window(), "odTypCd": "20", "odPrgsStepCd": step, **extra})


def _order(sandbox, state="linked", *lines):
    return sandbox.create_order(owhoDttm=f"{DAY}100000", state=state,
                                lines=list(lines) or [{"eitmNo": "TSHIRT-BLK-M", "odQty": 2}])


def _live(lotteon):
    return {row["odSeq"]: row["odPrgsStepCd"] for row in lotteon.progress()}


def test_request_is_listed_under_02_and_changes_nothing_on_the_line(sandbox, lotteon):
    order = _order(sandbox)
    [line] = order["lines"]
    result = sandbox.request_cancel(order["odNo"], clmRsnCd="102", clmRsnCnts="배송 지연")

    [claim] = _search(lotteon, "02")
    assert claim["odNo"] == order["odNo"] and claim["clmNo"] == result["clmNo"]
    [item] = claim["itemList"]
    assert (item["odSeq"], item["procSeq"], item["orglProcSeq"]) == ("1", "2", "1")
    assert (item["odTypCd"], item["odPrgsStepCd"], item["cnclQty"], item["odQty"]) == ("20", "02", 2, 2)
    assert item["clmReqDttm"] and item["clmCmptDttm"] == ""
    assert (item["clmRsnCd"], item["clmRsnCnts"]) == ("102", "배송 지연")
    assert item["spdNo"] == line["spdNo"] and item["sitmNo"] == line["sitmNo"]
    assert _search(lotteon, "21") == [] and _search(lotteon, "22") == []
    assert _search(lotteon, "") == [], "§5.11 names no every-step value"

    # The line stays as it is: linked, in 12, with its whole quantity.
    assert _live(lotteon) == {"1": "12"}
    [row] = lotteon.orders(yn="Y")
    assert row["odQty"] == 2
    [state] = sandbox.state()["orders"]
    assert (state["cnclQty"], state["odQty"], state["odPrgsStepCd"]) == (0, 2, "12")
    assert state["history"][-1]["event"] == "cancel requested"
    # ...and the seller can still ship it.
    assert lotteon.ok(137, {"deliveryProgressStateList": [ship_row(row)]})["rsltCd"] == "0000"


def test_request_on_a_new_line_keeps_it_new_and_confirmable(sandbox, lotteon):
    order = _order(sandbox, "new")
    sandbox.request_cancel(order["odNo"])
    [row] = lotteon.orders()
    assert _live(lotteon) == {"1": "11"}
    assert lotteon.ok(210, {"ifCompleteList": [confirm_row(row)]})["rsltCd"] == "0000"
    assert _live(lotteon) == {"1": "12"}
    assert [c["itemList"][0]["odPrgsStepCd"] for c in _search(lotteon, "02")] == ["02"]


def test_withdrawal_moves_the_request_to_22(sandbox, lotteon):
    order = _order(sandbox)
    requested = sandbox.request_cancel(order["odNo"])
    withdrawn = sandbox.withdraw_cancel(order["odNo"])
    assert withdrawn["clmNo"] == requested["clmNo"]

    assert _search(lotteon, "02") == [] and _search(lotteon, "21") == []
    [claim] = _search(lotteon, "22")
    assert claim["clmNo"] == requested["clmNo"]
    [item] = claim["itemList"]
    assert (item["odPrgsStepCd"], item["procSeq"], item["orglProcSeq"], item["clmCmptDttm"]) == ("22", "2", "1", "")
    assert _live(lotteon) == {"1": "12"}
    [state] = sandbox.state()["orders"]
    assert (state["cnclQty"], state["odQty"]) == (0, 2)
    assert state["history"][-1]["event"] == "cancel request withdrawn"
    with pytest.raises(SandboxError, match="409"):
        sandbox.withdraw_cancel(order["odNo"])

    # A new request after the withdrawal is a new claim with the next procSeq.
    again = sandbox.request_cancel(order["odNo"])
    assert again["clmNo"] != requested["clmNo"]
    [claim] = _search(lotteon, "02")
    assert claim["itemList"][0]["procSeq"] == "3"
    assert [c["clmNo"] for c in _search(lotteon, "22")] == [requested["clmNo"]]


def test_completed_request_is_listed_under_21_with_its_claim(sandbox, lotteon):
    """The existing cancel path completes an open request: the same clmNo and procSeq, now step 21."""
    order = _order(sandbox)
    requested = sandbox.request_cancel(order["odNo"])
    completed = sandbox.cancel(order["odNo"])
    assert completed["clmNo"] == requested["clmNo"]

    assert _search(lotteon, "02") == [] and _search(lotteon, "22") == []
    [claim] = _search(lotteon, "21")
    assert claim["clmNo"] == requested["clmNo"]
    [item] = claim["itemList"]
    assert (item["odPrgsStepCd"], item["procSeq"], item["cnclQty"], item["odQty"]) == ("21", "2", 2, 2)
    assert item["clmCmptDttm"] and item["clmReqDttm"]
    assert _live(lotteon) == {"1": "21"}
    assert lotteon.orders(yn="Y") == [], "row 13: a cancelled line leaves 209"
    assert len(sandbox.state()["claims"]) == 1
    with pytest.raises(SandboxError, match="409"):
        sandbox.withdraw_cancel(order["odNo"])


def test_partial_request_completes_with_its_quantity(sandbox, lotteon):
    order = _order(sandbox, "linked", {"eitmNo": "TSHIRT-BLK-M", "odQty": 3})
    sandbox.request_cancel(order["odNo"], cnclQty=1)
    [claim] = _search(lotteon, "02")
    assert claim["itemList"][0]["cnclQty"] == 1
    with pytest.raises(SandboxError, match="400"):
        sandbox.cancel(order["odNo"], cnclQty=2)
    sandbox.cancel(order["odNo"])
    [claim] = _search(lotteon, "21")
    assert (claim["itemList"][0]["cnclQty"], claim["itemList"][0]["odQty"]) == (1, 3)
    [row] = lotteon.orders(yn="Y")
    assert row["odQty"] == 2 and _live(lotteon) == {"1": "12"}


def test_multi_line_request_withdrawn_in_part_and_completed_in_part(sandbox, lotteon):
    order = _order(sandbox, "linked", {"eitmNo": "TSHIRT-BLK-M"}, {"eitmNo": "TOWEL-GRY"})
    requested = sandbox.request_cancel(order["odNo"])
    assert [i["odSeq"] for i in requested["claim"]["itemList"]] == ["1", "2"]
    sandbox.withdraw_cancel(order["odNo"], odSeq="1")
    sandbox.cancel(order["odNo"], odSeq="2")
    [withdrawn] = _search(lotteon, "22")
    [completed] = _search(lotteon, "21")
    assert withdrawn["clmNo"] == completed["clmNo"] == requested["clmNo"]
    assert [i["odSeq"] for i in withdrawn["itemList"]] == ["1"]
    assert [i["odSeq"] for i in completed["itemList"]] == ["2"]
    assert _search(lotteon, "02") == []
    assert _search(lotteon, "21", odSeq="1") == [] and len(_search(lotteon, "22", odSeq="1")) == 1
    assert _live(lotteon) == {"1": "12", "2": "21"}


def test_cancel_of_a_line_without_request_beside_one_with(sandbox, lotteon):
    """One cancel call over two lines: the requested one completes its claim, the other gets a new claim."""
    order = _order(sandbox, "linked", {"eitmNo": "TSHIRT-BLK-M"}, {"eitmNo": "TOWEL-GRY"})
    requested = sandbox.request_cancel(order["odNo"], odSeq="1")
    sandbox.cancel(order["odNo"])
    claims = {c["clmNo"]: c["itemList"] for c in _search(lotteon, "21")}
    assert len(claims) == 2
    assert [i["odSeq"] for i in claims.pop(requested["clmNo"])] == ["1"]
    [others] = claims.values()
    assert [(i["odSeq"], i["procSeq"]) for i in others] == [("2", "2")]


def test_50_filters_requests_on_their_time(sandbox, lotteon):
    order = _order(sandbox)
    sandbox.request_cancel(order["odNo"])
    earlier = kst_now() - timedelta(hours=5)
    body = {"srchStrtDttm": dttm(earlier - timedelta(hours=1)), "srchEndDttm": dttm(earlier), "odPrgsStepCd": "02"}
    assert lotteon.ok(50, body) == []
    assert len(_search(lotteon, "02", odNo=order["odNo"])) == 1
    assert _search(lotteon, "02", odNo="2025030100000000") == []
    assert _search(lotteon, "02", clmTpCd="RETN") == []


@pytest.mark.parametrize("state", ["shipped", "cancelled"])
def test_request_needs_a_line_in_11_or_12(sandbox, state):
    order = _order(sandbox, state)
    with pytest.raises(SandboxError, match="409"):
        sandbox.request_cancel(order["odNo"])


def test_request_admin_validation(sandbox):
    order = _order(sandbox, "linked", {"eitmNo": "TSHIRT-BLK-M", "odQty": 2})
    with pytest.raises(SandboxError, match="400"):
        sandbox.request_cancel(order["odNo"], cnclQty=3)
    with pytest.raises(SandboxError, match="404"):
        sandbox.request_cancel(order["odNo"], odSeq="7")
    with pytest.raises(SandboxError, match="404"):
        sandbox.request_cancel("2025030199999999")
    with pytest.raises(SandboxError, match="409"):
        sandbox.withdraw_cancel(order["odNo"])
    sandbox.request_cancel(order["odNo"])
    with pytest.raises(SandboxError, match="409"):
        sandbox.request_cancel(order["odNo"], odSeq="1")
