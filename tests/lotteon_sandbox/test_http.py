"""HTTP-level rules: auth headers, IP allowlist, status codes, envelope, rate limit (API.md §2-§4)."""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit

import pytest
import requests

from .conftest import PATHS, LotteOn

pytestmark = pytest.mark.sandbox


def test_207_identity_returns_the_supplier_of_the_key(lotteon, sandbox):
    """API.md §5.1: 207 data carries trGrpCd, trDvsCd, trNo, trNm."""
    data = lotteon.ok(207)
    assert data["trNo"] == sandbox.DEMO_TR_NO
    assert data["trNm"] == "스마트십 데모상점"
    assert data["trGrpCd"] == "SR"
    assert data["trDvsCd"]
    assert lotteon.ok(207, key=sandbox.OTHER_KEY)["trNo"] == sandbox.OTHER_TR_NO


def test_envelope_on_every_success(lotteon):
    """API.md §3: {returnCode, message, subMessages, dataCount, data} on every response."""
    envelope = lotteon.call(207)
    assert envelope["returnCode"] == "0000"
    assert envelope["dataCount"] == 1
    assert isinstance(envelope["message"], str) and envelope["message"]


@pytest.mark.parametrize("authorization", [None, "Bearer wrong-key", "demo-lotteon-api-key", "Basic abc"])
def test_401_for_a_missing_or_unknown_key(sandbox, authorization):
    """API.md §2/§3: a bad key gets HTTP 401, with the envelope and a Korean/English message."""
    headers = {"Authorization": authorization} if authorization else {}
    response = requests.get(sandbox.url + PATHS[207][1], headers=headers, timeout=10)
    assert response.status_code == 401
    body = response.json()
    assert set(body) == {"returnCode", "message", "subMessages", "dataCount", "data"}
    assert body["returnCode"] != "0000"
    assert "API Key" in body["message"] and "Unauthorized" in body["message"]


def test_401_for_an_expired_key(sandbox, lotteon):
    """API.md §2: an expired key gets 401."""
    sandbox.supplier(apiKey=sandbox.DEMO_KEY, expired=True)
    assert lotteon.raw(207).status_code == 401
    sandbox.supplier(apiKey=sandbox.DEMO_KEY, expired=False)
    assert lotteon.raw(207).status_code == 200


def test_403_from_an_ip_outside_the_allowlist(sandbox, lotteon):
    """API.md §2: an unregistered caller IP gets 403; `;`-separated lists and CIDR are accepted."""
    sandbox.supplier(apiKey=sandbox.DEMO_KEY, allowedIps=["10.9.9.9"])
    response = lotteon.raw(209, {"srchStrtDt": "20250301000000", "srchEndDt": "20250301235959"})
    assert response.status_code == 403
    assert "IP" in response.json()["message"]
    # Other keys are not affected.
    assert lotteon.raw(207, key=sandbox.OTHER_KEY).status_code == 200
    sandbox.supplier(apiKey=sandbox.DEMO_KEY, allowedIps="10.9.9.9;127.0.0.0/8")
    assert lotteon.raw(207).status_code == 200
    sandbox.supplier(apiKey=sandbox.DEMO_KEY, allowedIps=None)
    assert lotteon.raw(207).status_code == 200


def test_404_for_an_unknown_path(lotteon, sandbox):
    """API.md §3: a wrong path is 404."""
    response = lotteon.session.post(
        sandbox.url + "/v1/openapi/delivery/v1/NoSuchApi", json={}, headers=lotteon.headers(), timeout=10
    )
    assert response.status_code == 404
    assert response.json()["returnCode"] != "0000"
    # The V2 path (298) is not served: decision row 3.
    response = lotteon.session.post(
        sandbox.url + "/v1/openapi/delivery/v2/SellerDeliveryProgressStateInform", json={}, headers=lotteon.headers()
    )
    assert response.status_code == 404


def test_404_for_a_body_that_is_not_json(lotteon, sandbox):
    """API.md §3: a malformed request is 404."""
    for payload in (b"{not json", b""):
        response = lotteon.session.post(
            sandbox.url + PATHS[209][1],
            data=payload,
            headers={**lotteon.headers(), "Content-Type": "application/json"},
            timeout=10,
        )
        assert response.status_code == 404
        assert "malformed" in response.json()["message"]


def test_http11_keep_alive_with_content_length(sandbox):
    """Clients reuse connections: HTTP/1.1, Content-Length on every answer, errors included."""
    parts = urlsplit(sandbox.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    headers = {"Authorization": f"Bearer {sandbox.DEMO_KEY}", "Content-Type": "application/json"}
    try:
        for path, body, expected in [
            (PATHS[207][1], None, 200),
            ("/v1/openapi/nope", None, 404),
            (PATHS[209][1], json.dumps({"srchStrtDt": "20250301000000", "srchEndDt": "20250301235959"}), 200),
            (PATHS[209][1], "{oops", 404),
        ]:
            connection.request("POST" if body else "GET", path, body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            assert response.status == expected
            assert response.version == 11
            assert int(response.getheader("Content-Length")) == len(payload)
            assert response.getheader("Content-Type").startswith("application/json")
            assert not response.will_close
    finally:
        connection.close()


def test_429_rate_limit_per_key_with_retry_after(sandbox, lotteon):
    """Decision row 5: per-key limit, 429 with Retry-After in seconds and a 접속량 초과 message."""
    sandbox.rate_limit(3)
    for _ in range(3):
        assert lotteon.raw(207).status_code == 200
    response = lotteon.raw(207)
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    body = response.json()
    assert "접속량 초과" in body["message"]
    assert body["returnCode"] != "0000"
    # Another key has its own budget.
    assert lotteon.raw(207, key=sandbox.OTHER_KEY).status_code == 200
    sandbox.rate_limit(1000)
    assert lotteon.raw(207).status_code == 200


def test_rate_limit_defaults_to_10000_per_minute(sandbox):
    """Decision row 5: default 10,000 calls/min per key; reset restores it."""
    sandbox.rate_limit(5)
    sandbox.reset(lines=0)
    assert sandbox.state()["rateLimit"]["perMinute"] == 10_000


def test_call_log_records_calls_with_the_key_masked(sandbox, lotteon):
    """Every request is recorded; the Authorization key shows only its last 4 characters."""
    first = sandbox.calls()
    lotteon.ok(209, {"srchStrtDt": "20250301000000", "srchEndDt": "20250301235959", "ifCplYN": ""})
    lotteon.raw(207, key="some-secret-key-9876")
    calls = sandbox.calls(since=first[-1]["id"] if first else 0)
    assert [c["apiNo"] for c in calls] == [209, 207]
    ok_call, bad_call = calls
    assert ok_call["method"] == "POST" and ok_call["path"] == PATHS[209][1]
    assert ok_call["status"] == 200 and ok_call["returnCode"] == "0000"
    assert ok_call["remoteIp"] == "127.0.0.1"
    assert ok_call["trNo"] == sandbox.DEMO_TR_NO
    assert ok_call["request"]["body"]["srchStrtDt"] == "20250301000000"
    assert ok_call["request"]["headers"]["Authorization"] == "Bearer ****-key"
    assert bad_call["status"] == 401
    assert "9876" in bad_call["request"]["headers"]["Authorization"]
    assert "some-secret" not in json.dumps(bad_call)
    assert ok_call["time"][-6:] == "+09:00"
    assert ok_call["id"] < bad_call["id"]


def test_other_supplier_is_isolated(sandbox):
    """The key implies the supplier (API.md §2): one supplier never sees another's orders."""
    demo = LotteOn(sandbox.url, sandbox.DEMO_KEY)
    other = LotteOn(sandbox.url, sandbox.OTHER_KEY)
    od_no = sandbox.create_order(owhoDttm="20250301100000", lines=[{"eitmNo": "TSHIRT-BLK-M"}])["odNo"]
    assert [r["odNo"] for r in demo.orders()] == [od_no]
    assert other.orders() == []
    assert other.ok(209, {"odNo": od_no})["deliveryOrderList"] == []
