"""The admin API contract under /__admin__/ and fault injection."""

from __future__ import annotations

import re
import time

import pytest
import requests

from tests.plugins.sandbox import SandboxError

from .conftest import DAY, PATHS, LotteOn, confirm_row, ship_row, window

pytestmark = pytest.mark.sandbox


def test_health(sandbox):
    assert requests.get(f"{sandbox.url}/__admin__/health", timeout=5).json() == {"ok": True}


def test_reset_summary_and_defaults(sandbox):
    """Reset rebuilds everything; lines 0 = catalog only; the two default suppliers are present."""
    summary = sandbox.reset(lines=0)
    keys = {s["apiKey"]: s for s in summary["suppliers"]}
    assert keys[sandbox.DEMO_KEY]["trNo"] == sandbox.DEMO_TR_NO and keys[sandbox.DEMO_KEY]["trNm"] == "스마트십 데모상점"
    assert keys[sandbox.DEMO_KEY]["allowedIps"] is None and keys[sandbox.DEMO_KEY]["expired"] is False
    assert keys[sandbox.DEMO_KEY]["trGrpCd"] == "SR"
    assert keys[sandbox.OTHER_KEY]["trNo"] == sandbox.OTHER_TR_NO and keys[sandbox.OTHER_KEY]["trNm"] == "다른상점"
    for shop in summary["shops"]:
        assert shop["lines"] == 0 and 18 <= shop["products"] <= 22
    summary = sandbox.reset(seed=5, lines=120, days=3)
    assert all(shop["lines"] == 120 for shop in summary["shops"])
    state = sandbox.state(sandbox.DEMO_KEY)
    assert len(state["orders"]) == 120


def test_reset_with_custom_suppliers_replaces_the_defaults(sandbox):
    summary = sandbox.reset(lines=5, suppliers=[{"apiKey": "k-1", "trNo": "LO55555555", "trNm": "가게",
                                                   "allowedIps": ["127.0.0.1"]}])
    assert [s["apiKey"] for s in summary["suppliers"]] == ["k-1"]
    assert LotteOn(sandbox.url, "k-1").ok(207)["trNo"] == "LO55555555"
    assert LotteOn(sandbox.url, sandbox.DEMO_KEY).raw(207).status_code == 401
    sandbox.reset(lines=0)
    assert LotteOn(sandbox.url, sandbox.DEMO_KEY).raw(207).status_code == 200


def test_reset_clears_faults_rate_limit_and_calls(sandbox, lotteon):
    sandbox.fault(status=500, count=-1)
    sandbox.rate_limit(1)
    lotteon.raw(207)
    sandbox.reset(lines=0)
    assert sandbox.calls() == []
    state = sandbox.state()
    assert state["faults"] == [] and state["rateLimit"]["perMinute"] == 10_000
    assert lotteon.raw(207).status_code == 200


def test_reset_rejects_bad_input(sandbox):
    with pytest.raises(SandboxError, match="400"):
        sandbox.reset(lines=-1)
    with pytest.raises(SandboxError, match="400"):
        sandbox.reset(suppliers=[{"trNo": "LO1"}])


def test_create_order_returns_the_209_rows(sandbox, lotteon):
    created = sandbox.create_order(
        owhoDttm=f"{DAY}101500",
        lines=[{"eitmNo": "HOODIE-GRY-L", "odQty": 2}, {"epdNo": "TANGERINE-5KG"}],
        dvpCustNm="홍길동", dvpStnmZipAddr="서울특별시 강남구 테헤란로 152", dvpZipNo="06236",
        recipient={"dvMsg": "경비실에 맡겨주세요"},
    )
    assert re.fullmatch(rf"{DAY}\d{{8}}", created["odNo"])
    assert created["lines"] == lotteon.orders()
    first, second = created["lines"]
    assert first["dvpCustNm"] == "홍길동" and first["dvpZipNo"] == "06236" and first["dvMsg"] == "경비실에 맡겨주세요"
    assert first["odQty"] == 2 and first["eitmNo"] == "HOODIE-GRY-L"
    assert second["epdNo"] == "TANGERINE-5KG" and second["eitmNo"] == "" and second["sitmNm"] == "단일옵션"


def test_create_order_with_given_odno_and_sitmno(sandbox, lotteon):
    sitm = sandbox.create_product(epdNo="PEN", spdNm="볼펜", options=[])["itmLst"][0]["sitmNo"]
    created = sandbox.create_order(odNo="2025030112345678", owhoDttm=f"{DAY}090000",
                                   lines=[{"sitmNo": sitm, "odQty": 4, "slPrc": 1500}])
    [row] = created["lines"]
    assert row["odNo"] == "2025030112345678" and row["sitmNo"] == sitm
    assert row["slPrc"] == 1500 and row["slAmt"] == 6000
    with pytest.raises(SandboxError, match="409"):
        sandbox.create_order(odNo="2025030112345678", lines=[{"sitmNo": sitm}])


@pytest.mark.parametrize(
    "body",
    [
        {"lines": []},
        {"lines": [{"eitmNo": "NO-SUCH"}]},
        {"lines": [{"epdNo": "TSHIRT"}]},
        {"lines": [{"eitmNo": "TSHIRT-BLK-M", "odQty": 0}]},
        {"lines": [{"eitmNo": "TSHIRT-BLK-M"}], "state": "delivered"},
        {"lines": [{"eitmNo": "TSHIRT-BLK-M"}], "owhoDttm": "2025-03-01"},
        {"lines": [{"eitmNo": "TSHIRT-BLK-M"}], "odNo": "123"},
    ],
)
def test_create_order_rejects_bad_input(sandbox, body):
    with pytest.raises(SandboxError, match="400"):
        sandbox.create_order(**body)


def test_create_order_for_the_other_supplier(sandbox):
    created = sandbox.create_order(apiKey=sandbox.OTHER_KEY, owhoDttm=f"{DAY}100000",
                                   lines=[{"eitmNo": "TSHIRT-BLK-M"}])
    assert created["lines"][0]["trNo"] == sandbox.OTHER_TR_NO
    assert LotteOn(sandbox.url, sandbox.OTHER_KEY).orders() == created["lines"]


@pytest.mark.parametrize(("state", "step", "yn"), [("new", "11", ""), ("linked", "12", "Y"), ("shipped", "13", "Y"),
                                                    ("cancelled", "21", "")])
def test_create_order_states(sandbox, lotteon, state, step, yn):
    sandbox.create_order(owhoDttm=f"{DAY}100000", state=state, lines=[{"eitmNo": "TSHIRT-BLK-M"}])
    [line] = sandbox.state(sandbox.DEMO_KEY)["orders"]
    assert line["odPrgsStepCd"] == step and line["ifCplYN"] == yn
    assert lotteon.progress()[0]["odPrgsStepCd"] == step
    if state == "shipped":
        assert line["dvCoCd"] == "0002" and re.fullmatch(r"\d{12}", line["invcNo"])


def test_link_and_ship_as_another_tool(sandbox, lotteon):
    od_no = sandbox.create_order(owhoDttm=f"{DAY}100000", lines=[{"eitmNo": "TSHIRT-BLK-M"}])["odNo"]
    assert sandbox.link(od_no)["linked"] == 1
    assert sandbox.link(od_no)["linked"] == 0
    shipped = sandbox.ship(od_no, dvCoCd="0006", invcNo="4321-8765-0000")
    assert shipped["invcNo"] == "432187650000"
    [live] = lotteon.progress()
    assert live["odPrgsStepCd"] == "13" and live["dvCoCd"] == "0006" and live["invcNo"] == "432187650000"
    with pytest.raises(SandboxError, match="409"):
        sandbox.ship(od_no, dvCoCd="0002", invcNo="1")
    with pytest.raises(SandboxError, match="404"):
        sandbox.link("2025030100000000")
    other = sandbox.create_order(owhoDttm=f"{DAY}100000", lines=[{"eitmNo": "TSHIRT-BLK-M"}])["odNo"]
    with pytest.raises(SandboxError, match="400"):
        sandbox.ship(other, dvCoCd="0041", invcNo="1")


def test_state_lists_lines_stock_and_history(sandbox, lotteon):
    od_no = sandbox.create_order(owhoDttm=f"{DAY}100000", lines=[{"eitmNo": "TSHIRT-BLK-M", "odQty": 2}])["odNo"]
    [row] = lotteon.orders()
    lotteon.ok(210, {"ifCompleteList": [confirm_row(row)]})
    state = sandbox.state(sandbox.DEMO_KEY)
    [line] = state["orders"]
    for name in ("odNo", "odSeq", "procSeq", "odPrgsStepCd", "ifCplYN", "invcNo", "dvCoCd", "odQty", "cnclQty",
                 "history"):
        assert name in line
    assert line["odNo"] == od_no and line["odPrgsStepCd"] == "12" and line["ifCplYN"] == "Y"
    assert [e["event"] for e in line["history"]] == ["delivery instruction created", "210 ifCplYN=Y"]
    assert line["history"][1]["source"] == "api"
    stock = state["stock"]
    assert {"spdNo", "sitmNo", "epdNo", "eitmNo", "stkQty", "slStatCd", "slStatRsnCd"} <= set(stock[0])
    assert any(s["eitmNo"] == "TSHIRT-BLK-M" for s in stock)
    assert {s["trNo"] for s in stock} == {sandbox.DEMO_TR_NO}
    everything = sandbox.state()
    assert {s["trNo"] for s in everything["stock"]} == {sandbox.DEMO_TR_NO, sandbox.OTHER_TR_NO}
    with pytest.raises(SandboxError, match="404"):
        sandbox.state("no-such-key")


def test_calls_since(sandbox, lotteon):
    lotteon.raw(207)
    [first] = sandbox.calls()
    lotteon.raw(207)
    lotteon.raw(89, params={"grpCd": "DV_CO_CD"})
    later = sandbox.calls(since=first["id"])
    assert [c["apiNo"] for c in later] == [207, 89]
    assert sandbox.calls(since=later[-1]["id"]) == []


def test_suppliers_add_and_update(sandbox):
    added = sandbox.supplier(apiKey="third-key", trNo="LO30000003", trNm="세번째상점")
    assert added["trNo"] == "LO30000003" and added["trGrpCd"] == "SR"
    third = LotteOn(sandbox.url, "third-key")
    assert third.ok(207)["trNm"] == "세번째상점"
    rows = third.ok(93, {"trGrpCd": "SR", "trNo": "LO30000003", "regStrtDttm": "20000101000000",
                         "regEndDttm": "29991231235959", "pageNo": 1, "rowsPerPage": 100})
    assert rows
    # A second key of an existing supplier sees the same data (up to 3 keys per supplier, API.md §2).
    sandbox.supplier(apiKey="demo-second-key", trNo=sandbox.DEMO_TR_NO, trNm="스마트십 데모상점")
    od_no = sandbox.create_order(owhoDttm=f"{DAY}100000", lines=[{"eitmNo": "TSHIRT-BLK-M"}])["odNo"]
    assert [r["odNo"] for r in LotteOn(sandbox.url, "demo-second-key").orders()] == [od_no]
    with pytest.raises(SandboxError, match="400"):
        sandbox.supplier(apiKey="x", allowedIps=["not-an-ip"])


def test_rate_limit_for_one_key(sandbox, lotteon):
    sandbox.rate_limit(1, api_key=sandbox.OTHER_KEY)
    other = LotteOn(sandbox.url, sandbox.OTHER_KEY)
    assert other.raw(207).status_code == 200
    assert other.raw(207).status_code == 429
    for _ in range(5):
        assert lotteon.raw(207).status_code == 200


def test_admin_unknown_endpoint_and_bad_json(sandbox):
    assert requests.get(f"{sandbox.url}/__admin__/nope", timeout=5).status_code == 404
    response = requests.post(f"{sandbox.url}/__admin__/orders", data="{bad", timeout=5)
    assert response.status_code == 400 and "error" in response.json()


def test_html_view(sandbox, lotteon):
    od_no = sandbox.create_order(owhoDttm=f"{DAY}100000", state="shipped", invcNo="777788889999",
                                 lines=[{"eitmNo": "TSHIRT-BLK-M"}])["odNo"]
    lotteon.raw(207)
    response = requests.get(f"{sandbox.url}/__admin__/", timeout=5)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/html")
    page = response.text
    assert "<style>" in page and "<script" not in page and "<link" not in page and "src=" not in page
    for text in (od_no, "777788889999", "13 발송완료", "스마트십 데모상점", "다른상점", "TSHIRT-BLK-M", PATHS[207][1]):
        assert text in page, text
    assert sandbox.DEMO_KEY not in page


# faults


def test_fault_status_consumes_count(sandbox, lotteon):
    created = sandbox.fault(status=500, count=2)
    assert created["id"]
    assert [lotteon.raw(207).status_code for _ in range(3)] == [500, 500, 200]
    body = lotteon.session.get(sandbox.url + PATHS[207][1], headers=lotteon.headers(), timeout=5)
    assert body.status_code == 200
    assert sandbox.calls()[0]["fault"] == created["id"]


def test_fault_error_bodies_are_envelopes(sandbox, lotteon):
    sandbox.fault(status=503)
    response = lotteon.raw(207)
    assert response.status_code == 503
    assert set(response.json()) == {"returnCode", "message", "subMessages", "dataCount", "data"}


def test_fault_until_cleared_and_path_filter(sandbox, lotteon):
    sandbox.fault(status=502, count=-1, path="SellerDeliveryOrdersSearch")
    for _ in range(3):
        assert lotteon.raw(209, window()).status_code == 502
    assert lotteon.raw(207).status_code == 200
    sandbox.clear_faults()
    assert lotteon.raw(209, window()).status_code == 200


def test_faults_stack_in_order(sandbox, lotteon):
    sandbox.fault(status=500)
    sandbox.fault(status=429, retryAfter=7)
    first, second, third = (lotteon.raw(207) for _ in range(3))
    assert first.status_code == 500
    assert second.status_code == 429 and second.headers["Retry-After"] == "7"
    assert "접속량 초과" in second.json()["message"]
    assert third.status_code == 200


def test_fault_429_without_retry_after(sandbox, lotteon):
    sandbox.fault(status=429, noRetryAfter=True)
    response = lotteon.raw(207)
    assert response.status_code == 429 and "Retry-After" not in response.headers
    assert "접속량 초과" in response.json()["message"]


def test_fault_malformed_body(sandbox, lotteon):
    """Decision row 21: HTTP 200 with a body that is not the JSON envelope."""
    sandbox.fault(malformed=True)
    response = lotteon.raw(209, window())
    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()


def test_fault_return_code_has_no_effect(sandbox, lotteon):
    sandbox.create_order(owhoDttm=f"{DAY}100000", lines=[{"eitmNo": "TSHIRT-BLK-M"}])
    [row] = lotteon.orders()
    sandbox.fault(returnCode="9001", path="SellerIfCompleteInform")
    envelope = lotteon.call(210, {"ifCompleteList": [confirm_row(row)]})
    assert envelope["returnCode"] == "9001"
    assert lotteon.progress()[0]["odPrgsStepCd"] == "11"


def test_fault_delay(sandbox, lotteon):
    sandbox.fault(delay=0.3)
    started = time.perf_counter()
    assert lotteon.raw(207).status_code == 200
    assert time.perf_counter() - started >= 0.3


def test_fault_after_apply_simulates_a_lost_response(sandbox, lotteon):
    """afterApply: the write is applied, then the answer fails; reading back shows the change."""
    sandbox.create_order(owhoDttm=f"{DAY}100000", lines=[{"eitmNo": "TSHIRT-BLK-M"}])
    [row] = lotteon.orders()
    sandbox.fault(status=500, afterApply=True, path="SellerIfCompleteInform")
    assert lotteon.raw(210, {"ifCompleteList": [confirm_row(row)]}).status_code == 500
    assert lotteon.progress()[0]["odPrgsStepCd"] == "12"
    sandbox.fault(delay=1.0, afterApply=True, path="SellerDeliveryProgressStateInform")
    with pytest.raises(requests.exceptions.ReadTimeout):
        lotteon.session.post(sandbox.url + PATHS[137][1], json={"deliveryProgressStateList": [ship_row(row)]},
                             headers=lotteon.headers(), timeout=0.3)
    assert lotteon.progress()[0]["odPrgsStepCd"] == "13"


def test_fault_validation(sandbox):
    for body in ({"count": 0}, {"status": 42}, {"delay": -1}, {"delay": "soon"}):
        with pytest.raises(SandboxError, match="400"):
            sandbox.fault(**body)
