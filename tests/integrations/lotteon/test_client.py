"""Unit tests of the HTTP client with `responses`: headers, errors, retries, writes, logs."""

from __future__ import annotations

import http.client
import json
import logging
from dataclasses import replace
from datetime import datetime

import pytest
import requests
import responses
from urllib3.exceptions import MaxRetryError, NameResolutionError, NewConnectionError, ProtocolError

from integrations import errors
from integrations.lotteon import client as lc
from integrations.lotteon.records import (
    CallRecord,
    ConfirmLine,
    InvoiceCorrection,
    LineKey,
    ProgressUpdate,
    SaleStatusChange,
    StockChange,
)
from integrations.lotteon.timeutil import KST, day_window
from tests.integrations.lotteon.helpers import BASE, KEY, envelope, make_client

IDENTITY_URL = BASE + lc.IDENTITY.path
ORDERS_URL = BASE + lc.ORDER_SEARCH.path
LINK_URL = BASE + lc.LINK_COMPLETE.path
STATE_URL = BASE + lc.DELIVERY_STATE_SEARCH.path
NOTICE_URL = BASE + lc.DELIVERY_STATE_NOTICE.path
STOCK_URL = BASE + lc.STOCK_CHANGE.path
IDENTITY_OK = envelope({"trGrpCd": "SR", "trDvsCd": "01", "trNo": "LO10000001", "trNm": "스마트샵"})
ORDERS_EMPTY = envelope({"deliveryOrderList": []}, dataCount=0)
LINK_OK = envelope({"rsltCd": "0000", "rsltMsg": "정상"})

OWHO = datetime(2025, 1, 1, 9, 30, tzinfo=KST)
K1 = LineKey("2025010100000001", "1", "1")
K2 = LineKey("2025010100000001", "2", "1")


def connect_refused() -> requests.ConnectionError:
    reason = NewConnectionError(None, "Failed to establish a new connection: [Errno 111] Connection refused")
    return requests.ConnectionError(MaxRetryError(None, "/", reason))


def dropped() -> requests.ConnectionError:
    # What requests raises when the server closes the socket after reading the request.
    cause = ProtocolError(
        "Connection aborted.", http.client.RemoteDisconnected("Remote end closed connection")
    )
    return requests.ConnectionError(cause)


# --- Headers, URL, timeouts --------------------------------------------------------------------------


@responses.activate
def test_headers_on_get_and_post() -> None:
    responses.get(IDENTITY_URL, json=IDENTITY_OK)
    responses.post(ORDERS_URL, json=ORDERS_EMPTY)
    client, _ = make_client()
    client.identity()
    client.search_orders(day_window(OWHO))
    get, post = (c.request for c in responses.calls)
    for request in (get, post):
        assert request.headers["Authorization"] == f"Bearer {KEY}"
        assert request.headers["Accept"] == "application/json"
        assert request.headers["Accept-Language"] == "ko"
        assert request.headers["X-Timezone"] == "GMT+09:00"
    assert "Content-Type" not in get.headers
    assert post.headers["Content-Type"] == "application/json"


@responses.activate
def test_default_timeout_and_base_url() -> None:
    responses.get(IDENTITY_URL, json=IDENTITY_OK)
    client, _ = make_client(base_url=lc.DEFAULT_BASE_URL)
    assert lc.DEFAULT_BASE_URL == "https://openapi.lotteon.com"
    client.identity()
    assert responses.calls[0].request.req_kwargs["timeout"] == (5.0, 30.0)


@responses.activate
def test_timeouts_are_configurable() -> None:
    responses.get(IDENTITY_URL, json=IDENTITY_OK)
    client, _ = make_client(connect_timeout=2, read_timeout=7)
    client.identity()
    assert responses.calls[0].request.req_kwargs["timeout"] == (2, 7)


@responses.activate
def test_common_codes_query() -> None:
    responses.get(
        BASE + lc.COMMON_CODES.path,
        match=[responses.matchers.query_param_matcher({"grpCd": "DV_CO_CD", "langCd": "ko"})],
        json=envelope([{"cd": "0002", "cdNm": "CJ대한통운"}, {"cd": "9999", "cdNm": "기타택배"}]),
    )
    client, _ = make_client()
    assert [c.code for c in client.couriers()] == ["0002", "9999"]


def test_repr_hides_the_key() -> None:
    client, _ = make_client()
    assert KEY not in repr(client)
    assert KEY not in repr(client._transport), "a traceback showing the transport's locals must not show it"
    assert KEY not in str(vars(client).get("base_url"))


# --- Error mapping (HTTP status → typed error) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "error", "words"),
    [
        (401, errors.Unauthorized, "Open API Management"),
        (403, errors.Forbidden, "direct input"),
        (404, errors.RequestRejected, "report it to support"),
        (400, errors.RequestRejected, "HTTP 400"),
    ],
)
@responses.activate
def test_final_http_errors_are_not_retried(status: int, error: type, words: str) -> None:
    responses.get(IDENTITY_URL, status=status, body="<html>denied</html>")
    client, sleeps = make_client()
    with pytest.raises(error) as info:
        client.identity()
    assert words in info.value.message
    assert info.value.http_status == status
    assert len(responses.calls) == 1
    assert sleeps == []


@responses.activate
def test_unauthorized_message_tells_what_to_do() -> None:
    responses.get(IDENTITY_URL, status=401)
    client, _ = make_client()
    with pytest.raises(errors.Unauthorized) as info:
        client.identity()
    assert info.value.message == (
        "LotteON rejected the API Key: it is invalid or has expired. Issue a new key in the LotteON store "
        "center (Seller Information ▸ Open API Management) and save it in Sales Site API."
    )


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("<html>gateway</html>", "not JSON"),
        ("[]", "envelope"),
        ('{"data": {}}', "envelope"),
        ('{"returnCode": "0000", "data": {"trNo": ""}}', "trNo"),
    ],
)
@responses.activate
def test_malformed_read_is_retried_then_raised(body: str, words: str) -> None:
    responses.get(IDENTITY_URL, body=body, content_type="application/json")
    client, sleeps = make_client()
    with pytest.raises(errors.MalformedResponse) as info:
        client.identity()
    assert words in info.value.message
    expected_calls = 1 if words == "trNo" else 4  # a readable envelope with bad content is not retried
    assert len(responses.calls) == expected_calls


@responses.activate
def test_a_malformed_answer_is_explained_to_the_seller() -> None:
    responses.get(IDENTITY_URL, body="<html>gateway</html>", content_type="text/html")
    client, _ = make_client()
    with pytest.raises(errors.MalformedResponse) as info:
        client.identity()
    assert info.value.message == (
        "LotteON sent an answer the portal cannot read (answer is not JSON). The portal will try again; if it "
        "keeps happening, report it to support.")


def test_no_message_shown_to_the_seller_sends_them_to_an_operator() -> None:
    from integrations.lotteon import codes

    messages = {name: value for name, value in vars(codes).items() if name.startswith("MSG_")}
    assert "MSG_MALFORMED" in messages and "MSG_UNREACHABLE" in messages
    for name, message in messages.items():
        assert "operator" not in message.lower(), name


@pytest.mark.parametrize(
    ("code", "words"),
    [("2003", "longer than one day"), ("9000", "code 9000: 처리 오류"), ("2001", "code 2001")],
)
@responses.activate
def test_business_errors(code: str, words: str) -> None:
    responses.post(ORDERS_URL, json=envelope(None, return_code=code, message="처리 오류"))
    client, sleeps = make_client()
    with pytest.raises(errors.BusinessError) as info:
        client.search_orders(day_window(OWHO))
    assert info.value.return_code == code
    assert info.value.site_message == "처리 오류"
    assert words in info.value.message
    assert len(responses.calls) == 1


@responses.activate
def test_numeric_return_code_zero_is_not_success_text() -> None:
    # returnCode must be the text "0000"; a bare 0 is an error code we do not know.
    responses.get(IDENTITY_URL, json={"returnCode": 0, "data": {"trNo": "LO1"}})
    client, _ = make_client()
    with pytest.raises(errors.BusinessError):
        client.identity()


# --- Retries of reads --------------------------------------------------------------------------------


@responses.activate
def test_read_retried_on_5xx_with_full_jitter() -> None:
    for _ in range(3):
        responses.get(IDENTITY_URL, status=500)
    responses.get(IDENTITY_URL, json=IDENTITY_OK)
    client, sleeps = make_client(rand=lambda: 0.5)
    assert client.identity().tr_no == "LO10000001"
    assert sleeps == [0.5, 1.0, 2.0]  # rand × min(max_delay, base × 2^(n-1))


@responses.activate
def test_read_gives_up_after_max_attempts() -> None:
    responses.get(IDENTITY_URL, status=503)
    client, sleeps = make_client(retry=lc.RetryPolicy(max_attempts=3, base_delay=1, max_delay=1.5))
    with pytest.raises(errors.ServerError) as info:
        client.identity()
    assert info.value.http_status == 503
    assert len(responses.calls) == 3
    assert sleeps == [0.5, 0.75]  # capped by max_delay


@responses.activate
def test_jitter_uses_the_random_source() -> None:
    responses.get(IDENTITY_URL, status=500)
    responses.get(IDENTITY_URL, json=IDENTITY_OK)
    client, sleeps = make_client(rand=lambda: 0.0)
    client.identity()
    assert sleeps == [0.0]


@responses.activate
def test_429_honours_retry_after() -> None:
    responses.get(IDENTITY_URL, status=429, headers={"Retry-After": "3"})
    responses.get(IDENTITY_URL, json=IDENTITY_OK)
    client, sleeps = make_client()
    client.identity()
    assert sleeps == [3.0]


@responses.activate
def test_429_retry_after_http_date() -> None:
    responses.get(IDENTITY_URL, status=429, headers={"Retry-After": "Wed, 01 Jan 2025 00:00:05 GMT"})
    responses.get(IDENTITY_URL, json=IDENTITY_OK)
    client, sleeps = make_client(now=lambda: datetime(2025, 1, 1, 9, 0, 0, tzinfo=KST))
    client.identity()
    assert sleeps == [5.0]


@responses.activate
def test_429_without_header_waits_60s_when_allowed() -> None:
    responses.get(IDENTITY_URL, status=429)
    responses.get(IDENTITY_URL, json=IDENTITY_OK)
    client, sleeps = make_client(retry=lc.RetryPolicy(max_wait=120))
    client.identity()
    assert sleeps == [60.0]


@responses.activate
def test_429_beyond_max_wait_raises_for_the_task_to_retry() -> None:
    responses.get(IDENTITY_URL, status=429)
    client, sleeps = make_client()  # max_wait 10 s < 60 s default
    with pytest.raises(errors.RateLimited) as info:
        client.identity()
    assert info.value.retry_after == 60.0
    assert sleeps == []
    assert len(responses.calls) == 1


@responses.activate
def test_429_long_retry_after_raises_with_that_wait() -> None:
    responses.get(IDENTITY_URL, status=429, headers={"Retry-After": "45"})
    client, sleeps = make_client()
    with pytest.raises(errors.RateLimited) as info:
        client.identity()
    assert info.value.retry_after == 45.0


@responses.activate
def test_429_every_time_ends_as_rate_limited() -> None:
    responses.get(IDENTITY_URL, status=429, headers={"Retry-After": "2"})
    client, sleeps = make_client()
    with pytest.raises(errors.RateLimited) as info:
        client.identity()
    assert sleeps == [2.0, 2.0, 2.0]
    assert info.value.retry_after == 2.0
    assert len(responses.calls) == 4


@pytest.mark.parametrize(
    ("exc", "error"),
    [
        (requests.ReadTimeout("read timed out"), errors.Timeout),
        (requests.ConnectTimeout("connect timed out"), errors.Timeout),
        (connect_refused(), errors.HostUnreachable),
        (dropped(), errors.HostUnreachable),
        (requests.exceptions.ChunkedEncodingError("truncated"), errors.MalformedResponse),
    ],
)
@responses.activate
def test_read_transport_errors_are_retried(exc: Exception, error: type) -> None:
    responses.get(IDENTITY_URL, body=exc)
    client, sleeps = make_client()
    with pytest.raises(error) as info:
        client.identity()
    assert isinstance(info.value.__cause__, requests.RequestException)  # raise … from e
    assert len(responses.calls) == 4
    assert len(sleeps) == 3


@responses.activate
def test_dns_failure_is_host_unreachable() -> None:
    reason = NameResolutionError("dev-openapi.lotteon.com", None, OSError("Name or service not known"))
    responses.get(IDENTITY_URL, body=requests.ConnectionError(MaxRetryError(None, "/", reason)))
    client, _ = make_client()
    with pytest.raises(errors.HostUnreachable) as info:
        client.identity()
    assert "openapi.lotteon.com" in info.value.message


@responses.activate
def test_timeout_then_success() -> None:
    responses.get(IDENTITY_URL, body=requests.ReadTimeout("slow"))
    responses.get(IDENTITY_URL, json=IDENTITY_OK)
    client, sleeps = make_client()
    assert client.identity().tr_no == "LO10000001"
    assert len(sleeps) == 1


# --- Writes: sent once; unknown vs not applied ----------------------------------------------------------

LINES = [ConfirmLine(K1, instructed_at=OWHO), ConfirmLine(K2, instructed_at=OWHO)]


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        ({"status": 500}, errors.OutcomeUnknown),
        ({"status": 502}, errors.OutcomeUnknown),
        ({"status": 504}, errors.OutcomeUnknown),
        ({"body": requests.ReadTimeout("read timed out")}, errors.OutcomeUnknown),
        ({"body": dropped()}, errors.OutcomeUnknown),
        ({"body": requests.exceptions.ChunkedEncodingError("truncated")}, errors.OutcomeUnknown),
        ({"body": "<html>oops</html>"}, errors.OutcomeUnknown),
        ({"json": {"returnCode": "0000", "data": {"rsltMsg": "no code"}}}, errors.OutcomeUnknown),
        ({"body": connect_refused()}, errors.HostUnreachable),
        ({"body": requests.ConnectTimeout("connect timed out")}, errors.Timeout),
        ({"status": 429, "headers": {"Retry-After": "1"}}, errors.RateLimited),
        ({"status": 401}, errors.Unauthorized),
        ({"status": 403}, errors.Forbidden),
        ({"status": 404}, errors.RequestRejected),
        ({"json": envelope(None, return_code="9000", message="처리 오류")}, errors.BusinessError),
    ],
)
@responses.activate
def test_writes_are_sent_exactly_once(reply: dict, error: type) -> None:
    responses.post(LINK_URL, **reply)
    client, sleeps = make_client()
    with pytest.raises(error) as info:
        client.confirm_lines(LINES)
    assert len(responses.calls) == 1
    assert sleeps == []
    if error is errors.OutcomeUnknown:
        assert info.value.payload == tuple(LINES)
        assert "read the order's state back" in info.value.message


@responses.activate
def test_confirm_request_body() -> None:
    responses.post(LINK_URL, json=LINK_OK)
    client, _ = make_client()
    result = client.confirm_lines(LINES)
    assert result.ok and result.code == "0000"
    body = json.loads(responses.calls[0].request.body)
    assert body == {
        "ifCompleteList": [
            {"dvRtrvDvsCd": "DV", "odNo": K1.od_no, "odSeq": "1", "procSeq": "1", "orglProcSeq": "", "clmNo": "",
             "ifCplYN": "Y", "ifFlRsnCnts": ""},
            {"dvRtrvDvsCd": "DV", "odNo": K2.od_no, "odSeq": "2", "procSeq": "1", "orglProcSeq": "", "clmNo": "",
             "ifCplYN": "Y", "ifFlRsnCnts": ""},
        ]
    }  # fmt: skip


@responses.activate
def test_confirm_partial_failure_is_data() -> None:
    fail = {
        "odNo": K2.od_no,
        "odSeq": "2",
        "procSeq": "1",
        "failCd": "9999",
        "failMsg": "이미 연동완료된 주문입니다.",
    }
    responses.post(LINK_URL, json=envelope({"rsltCd": "0000", "rsltMsg": "", "failList": [fail]}))
    client, _ = make_client()
    result = client.confirm_lines(LINES)
    assert [(r.key, r.ok) for r in result.results] == [(K1, True), (K2, False)]
    assert result.failed[0].message == "이미 연동완료된 주문입니다."
    assert not result.ok


@responses.activate
def test_confirm_whole_batch_failure_is_per_line() -> None:
    responses.post(LINK_URL, json=envelope({"rsltCd": "9999", "rsltMsg": "연동 실패"}))
    client, _ = make_client()
    result = client.confirm_lines(LINES)
    assert [(r.ok, r.code, r.message) for r in result.results] == [(False, "9999", "연동 실패")] * 2


def test_empty_write_makes_no_call() -> None:
    client, _ = make_client()
    assert client.confirm_lines([]).results == ()
    assert client.change_stock([]).results == ()


def _ship(key: LineKey, invoice: str, courier: str = "0002") -> ProgressUpdate:
    return ProgressUpdate(
        key=key, step="13", event_at=datetime(2025, 1, 2, 15, tzinfo=KST), spd_no="LO1", sitm_no="LO1_1",
        quantity=1, courier_code=courier, invoice_no=invoice, instructed_at=OWHO,
    )  # fmt: skip


@responses.activate
def test_ship_invalid_invoice_is_refused_locally_and_others_sent() -> None:
    responses.post(NOTICE_URL, json=LINK_OK)
    client, _ = make_client()
    result = client.notify_delivery_progress([_ship(K1, "1234-5678-9012"), _ship(K2, "0123456789012345")])
    assert [(r.ok, r.code) for r in result.results] == [(True, "0000"), (False, "INVALID_ROW")]
    sent = json.loads(responses.calls[0].request.body)["deliveryProgressStateList"]
    assert [row["invcNo"] for row in sent] == ["123456789012"]


def test_ship_all_invalid_makes_no_call() -> None:
    client, _ = make_client()
    result = client.notify_delivery_progress([_ship(K1, "송장")])
    assert not result.ok


@responses.activate
def test_invoice_correction_is_a_root_array() -> None:
    responses.post(BASE + lc.INVOICE_CORRECTION.path, json=LINK_OK)
    client, _ = make_client()
    client.correct_invoices([InvoiceCorrection(K1, "123456789012", "987654321098", "0006")])
    body = json.loads(responses.calls[0].request.body)
    assert isinstance(body, list) and body[0]["modInvcNo"] == "987654321098"


@responses.activate
def test_stock_per_item_results() -> None:
    responses.post(
        STOCK_URL,
        json=envelope(
            [
                {"spdNo": "LO1", "sitmNo": "LO1_1", "resultCode": "0000", "resultMessage": "성공"},
                {
                    "spdNo": "LO1",
                    "sitmNo": "NOPE",
                    "resultCode": "9999",
                    "resultMessage": "단품 정보가 없습니다.",
                },
            ]
        ),
    )
    client, _ = make_client()
    result = client.change_stock(
        [StockChange("LO1", "LO1_1", 5), StockChange("LO1", "NOPE", 1), StockChange("LO1", "X", -1)]
    )
    assert [(r.sitm_no, r.ok, r.code) for r in result.results] == [
        ("LO1_1", True, "0000"), ("NOPE", False, "9999"), ("X", False, "INVALID_ROW"),
    ]  # fmt: skip
    body = json.loads(responses.calls[0].request.body)
    assert body == {"itmStkLst": [
        {"trGrpCd": "SR", "trNo": "LO10000001", "spdNo": "LO1", "sitmNo": "LO1_1", "stkQty": 5},
        {"trGrpCd": "SR", "trNo": "LO10000001", "spdNo": "LO1", "sitmNo": "NOPE", "stkQty": 1},
    ]}  # fmt: skip


@responses.activate
def test_sale_status_body() -> None:
    responses.post(
        BASE + lc.ITEM_STATUS_CHANGE.path,
        json=envelope([{"spdNo": "LO1", "sitmNo": "LO1_1", "resultCode": "0000", "resultMessage": "성공"}]),
    )
    client, _ = make_client()
    assert client.change_sale_status([SaleStatusChange("LO1", "LO1_1", "SALE")]).ok
    assert json.loads(responses.calls[0].request.body) == {
        "sitmLst": [
            {"trGrpCd": "SR", "trNo": "LO10000001", "spdNo": "LO1", "sitmNo": "LO1_1", "slStatCd": "SALE"}
        ]
    }


def test_supplier_calls_need_tr_no() -> None:
    client, _ = make_client(tr_no="")
    with pytest.raises(ValueError, match="tr_no"):
        client.change_stock([StockChange("LO1", "LO1_1", 1)])
    with pytest.raises(ValueError, match="tr_no"):
        client.product_detail("LO1")


# --- Range searches, paging, resolvers ---------------------------------------------------------------


def _row(od_no: str, od_seq: str) -> dict:
    return {"odNo": od_no, "odSeq": od_seq, "procSeq": "1", "owhoDttm": "20250101093000", "odQty": 1}


@responses.activate
def test_order_range_one_call_per_day_and_link_flag_deduplicated() -> None:
    def reply(request: requests.PreparedRequest) -> tuple[int, dict, str]:
        body = json.loads(request.body)
        rows = {"": [_row("A", "1")], "N": [_row("C", "1")], "Y": [_row("A", "1"), _row("B", "1")]}[body["ifCplYN"]]
        return 200, {}, json.dumps(envelope({"deliveryOrderList": rows}))

    responses.add_callback(responses.POST, ORDERS_URL, callback=reply)
    client, _ = make_client()
    lines = client.search_orders_range(
        datetime(2025, 1, 1, 22, tzinfo=KST), datetime(2025, 1, 3, 1, tzinfo=KST)
    )
    bodies = [json.loads(c.request.body) for c in responses.calls]
    assert [(b["srchStrtDt"], b["srchEndDt"], b["ifCplYN"]) for b in bodies] == [
        (start, end, flag)
        for start, end in [("20250101220000", "20250101235959"), ("20250102000000", "20250102235959"),
                           ("20250103000000", "20250103005959")]
        for flag in ("", "N", "Y")
    ]  # fmt: skip
    assert [str(line.key) for line in lines] == ["A|1|1", "C|1|1", "B|1|1"]


@responses.activate
def test_state_and_cancellation_ranges_use_day_windows() -> None:
    responses.post(STATE_URL, json=envelope({"deliveryProgressStateList": []}))
    responses.post(BASE + lc.CANCELLATION_SEARCH.path, json=envelope([]))
    client, _ = make_client()
    client.search_delivery_states_range(datetime(2025, 1, 1, tzinfo=KST), datetime(2025, 1, 3, tzinfo=KST))
    client.search_cancellations_range(
        datetime(2025, 1, 1, 12, tzinfo=KST), datetime(2025, 1, 2, 12, tzinfo=KST)
    )
    bodies = [json.loads(c.request.body) for c in responses.calls]
    assert [(b.get("srchStrtDt") or b["srchStrtDttm"]) for b in bodies] == [
        "20250101000000", "20250102000000", "20250101120000", "20250102000000",
    ]  # fmt: skip
    assert bodies[2]["odTypCd"] == "20" and bodies[2]["srchEndDttm"] == "20250101235959"
    # Completed cancellations: API.md §5.11 lists no value for "every step".
    assert [b["odPrgsStepCd"] for b in bodies[2:]] == ["21", "21"]


@responses.activate
def test_iter_products_pages_until_a_short_page() -> None:
    pages = {1: 3, 2: 3, 3: 1}

    def reply(request: requests.PreparedRequest) -> tuple[int, dict, str]:
        body = json.loads(request.body)
        n = pages[body["pageNo"]]
        rows = [{"spdNo": f"LO{body['pageNo']}{i}", "epdNo": f"E{i}", "sitmNoLst": []} for i in range(n)]
        return 200, {}, json.dumps(envelope(rows))

    responses.add_callback(responses.POST, BASE + lc.PRODUCT_LIST.path, callback=reply)
    client, _ = make_client(now=lambda: datetime(2025, 6, 1, tzinfo=KST))
    products = list(client.iter_products(rows_per_page=3))
    assert len(products) == 7
    bodies = [json.loads(c.request.body) for c in responses.calls]
    assert [b["pageNo"] for b in bodies] == [1, 2, 3]
    assert all(b["rowsPerPage"] == 3 and b["trNo"] == "LO10000001" and b["trGrpCd"] == "SR" for b in bodies)
    assert bodies[0]["regStrtDttm"] == "20200101000000" and bodies[0]["regEndDttm"] == "20250601000000"


@responses.activate
def test_iter_products_chunks_seller_codes_by_100() -> None:
    responses.post(BASE + lc.PRODUCT_LIST.path, json=envelope([]))
    client, _ = make_client()
    list(client.iter_products(epd_nos=[f"E{i}" for i in range(250)]))
    assert [len(json.loads(c.request.body)["epdNo"]) for c in responses.calls] == [100, 100, 50]


def test_list_products_validates_paging() -> None:
    client, _ = make_client()
    with pytest.raises(ValueError):
        client.list_products(rows_per_page=101)


def _state(key: LineKey, step: str, invoice: str = "") -> dict:
    return {
        "odNo": key.od_no,
        "odSeq": key.od_seq,
        "procSeq": key.proc_seq,
        "odPrgsStepCd": step,
        "invcNo": invoice,
    }


@responses.activate
def test_delivery_steps_sends_the_140_body_and_maps_key_to_step() -> None:
    responses.post(STATE_URL, json=envelope({"deliveryProgressStateList": [_state(K1, "12"), _state(K2, "21")]}))
    client, _ = make_client()
    window = day_window(OWHO)
    assert client.delivery_steps(window, od_no=K1.od_no) == {K1: "12", K2: "21"}
    assert client.delivery_steps(window) == {s.key: s.step for s in client.search_delivery_states(window)}
    bodies = [json.loads(c.request.body) for c in responses.calls]
    assert bodies[0] == {
        "srchStrtDt": "20250101000000", "srchEndDt": "20250101235959", "odNo": K1.od_no, "odPrgsStepCd": "",
    }  # fmt: skip
    assert bodies[1] == bodies[2]


@pytest.mark.parametrize(
    "data",
    [[], {"deliveryProgressStateList": {"odNo": "1"}}, {"deliveryProgressStateList": [{"odSeq": "1", "procSeq": "1"}]}],
)
@responses.activate
def test_delivery_steps_of_a_bad_answer_is_malformed_like_search_delivery_states(data: object) -> None:
    responses.post(STATE_URL, json=envelope(data))
    client, _ = make_client()
    window = day_window(OWHO)
    with pytest.raises(errors.MalformedResponse) as full:
        client.search_delivery_states(window)
    with pytest.raises(errors.MalformedResponse) as steps:
        client.delivery_steps(window)
    assert steps.value.message == full.value.message
    assert len(responses.calls) == 2  # a readable envelope with bad content is not retried


@responses.activate
def test_resolve_confirmations_reads_140_per_day_and_order() -> None:
    other = LineKey("2025010200000009", "1", "1")
    responses.post(
        STATE_URL,
        json=envelope(
            {"deliveryProgressStateList": [_state(K1, "12"), _state(K2, "21"), _state(other, "11")]}
        ),
    )
    client, _ = make_client()
    lines = [*LINES, ConfirmLine(other, instructed_at=datetime(2025, 1, 2, 0, 10, tzinfo=KST))]
    resolutions = client.resolve_confirmations(lines)
    assert [(r.applied, r.step) for r in resolutions] == [(True, "12"), (False, "21"), (False, "11")]
    assert resolutions[1].cancelled
    bodies = [json.loads(c.request.body) for c in responses.calls]
    assert [(b["srchStrtDt"], b["srchEndDt"], b["odNo"]) for b in bodies] == [
        ("20250101000000", "20250101235959", K1.od_no),
        ("20250102000000", "20250102235959", other.od_no),
    ]


@responses.activate
def test_resolvers_read_a_day_of_many_orders_whole_in_one_call() -> None:
    many = [LineKey(f"20250101{n:08d}", "1", "1") for n in range(lc.READ_BACK_ORDERS_PER_DAY + 1)]
    next_day = LineKey("2025010200000009", "1", "1")
    responses.post(
        STATE_URL,
        json=envelope({"deliveryProgressStateList": [
            *(_state(key, "13", f"INV{n}") for n, key in enumerate(many)), _state(K1, "12"), _state(next_day, "13", "X"),
        ]}),
    )  # fmt: skip
    client, _ = make_client()
    updates = [*(_ship(key, f"INV{n}") for n, key in enumerate(many)),
               replace(_ship(next_day, "X"), instructed_at=datetime(2025, 1, 2, 0, 10, tzinfo=KST))]
    resolutions = client.resolve_shipments(updates)
    assert [r.applied for r in resolutions] == [True] * len(updates)
    bodies = [json.loads(c.request.body) for c in responses.calls]
    # Six orders of 1 January: the day, once, with no order number; the one order of 2 January by its number.
    assert [(b["srchStrtDt"], b["odNo"]) for b in bodies] == [("20250101000000", ""), ("20250102000000", next_day.od_no)]


@responses.activate
def test_resolve_shipments_needs_the_same_invoice() -> None:
    k3 = LineKey(K1.od_no, "3", "1")
    k4 = LineKey(K1.od_no, "4", "1")
    responses.post(
        STATE_URL,
        json=envelope({"deliveryProgressStateList": [
            _state(K1, "13", "123456789012"), _state(K2, "13", "999"), _state(k3, "12")
        ]}),
    )  # fmt: skip
    client, _ = make_client()
    updates = [_ship(K1, "1234-5678-9012"), _ship(K2, "123"), _ship(k3, "123"), _ship(k4, "123")]
    resolutions = client.resolve_shipments(updates)
    assert [(r.found, r.applied) for r in resolutions] == [
        (True, True),
        (True, False),
        (True, False),
        (False, False),
    ]


def test_resolver_needs_instructed_at() -> None:
    client, _ = make_client()
    with pytest.raises(ValueError, match="owhoDttm"):
        client.resolve_confirmations([ConfirmLine(K1)])


@responses.activate
def test_test_connection_compares_account_number() -> None:
    responses.get(IDENTITY_URL, json=IDENTITY_OK)
    client, _ = make_client()
    assert client.test_connection("LO10000001").tr_nm == "스마트샵"
    assert client.test_connection("").tr_no == "LO10000001"
    with pytest.raises(errors.AccountMismatch) as info:
        client.test_connection("LO99999999")
    assert "LO10000001" in info.value.message and "LO99999999" in info.value.message


# --- Logging, call records, rate limiter --------------------------------------------------------------


@responses.activate
def test_one_log_line_per_attempt_without_the_key(caplog: pytest.LogCaptureFixture) -> None:
    responses.get(IDENTITY_URL, status=500)
    responses.get(IDENTITY_URL, json=IDENTITY_OK)
    responses.post(LINK_URL, status=401)
    client, _ = make_client()
    with caplog.at_level(logging.INFO, logger="smartship.lotteon"):
        client.identity()
        with pytest.raises(errors.Unauthorized) as info:
            client.confirm_lines(LINES)
    assert KEY not in str(info.value) and KEY not in repr(info.value.as_dict())
    records = [r for r in caplog.records if r.name == "smartship.lotteon"]
    assert len(records) == 3
    messages = [r.getMessage() for r in records]
    assert "api=207 method=GET path=/v1/openapi/common/v1/identity status=500" in messages[0]
    assert "attempt=1" in messages[0] and "error=server_error" in messages[0]
    assert "status=200 returnCode=0000" in messages[1] and "attempt=2" in messages[1]
    assert "account=shop-1" in messages[1] and "duration_ms=" in messages[1]
    assert "api=210" in messages[2] and "status=401" in messages[2]
    assert records[0].levelno == logging.WARNING and records[1].levelno == logging.INFO
    everything = caplog.text + "".join(repr(vars(r)) for r in records)
    assert KEY not in everything


@responses.activate
def test_on_call_gets_a_call_record_per_attempt() -> None:
    responses.post(ORDERS_URL, json=envelope(None, return_code="2003", message="기간 초과"))
    seen: list[CallRecord] = []
    client, _ = make_client(on_call=seen.append)
    with pytest.raises(errors.BusinessError):
        client.search_orders(day_window(OWHO))
    (record,) = seen
    assert (record.api_no, record.method, record.http_status, record.return_code, record.attempt) == (
        209, "POST", 200, "2003", 1,
    )  # fmt: skip
    assert record.error == "business_error" and record.account == "shop-1" and not record.write
    assert record.started_at.tzinfo is not None
    assert KEY not in repr(record)


@responses.activate
def test_failing_on_call_does_not_break_the_call() -> None:
    responses.get(IDENTITY_URL, json=IDENTITY_OK)

    def broken(record: CallRecord) -> None:
        raise RuntimeError("db down")

    client, _ = make_client(on_call=broken)
    assert client.identity().tr_no == "LO10000001"


@responses.activate
def test_rate_limiter_sees_a_fingerprint_per_attempt() -> None:
    responses.get(IDENTITY_URL, status=500)
    responses.get(IDENTITY_URL, json=IDENTITY_OK)
    keys: list[str] = []

    class Spy:
        def acquire(self, key: str) -> None:
            keys.append(key)

    client, _ = make_client(rate_limiter=Spy())
    client.identity()
    assert len(keys) == 2 and keys[0] == keys[1]
    assert KEY not in keys[0] and keys[0].startswith("lotteon:")


@responses.activate
def test_client_side_rate_limit_refusal_is_rate_limited() -> None:
    from integrations.ratelimit import TokenBucketLimiter

    limiter = TokenBucketLimiter(1, burst=1, max_wait=0, sleep=lambda s: None)
    responses.get(IDENTITY_URL, json=IDENTITY_OK)
    client, _ = make_client(rate_limiter=limiter, retry=lc.RetryPolicy(max_attempts=1))
    client.identity()
    with pytest.raises(errors.RateLimited):
        client.identity()
    assert len(responses.calls) == 1


# --- Reading answers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ('{"returnCode": "0000", "data": {"trNo": "LO1", "trNm": "스마트샵"}}'.encode(), "application/json"),
        ('{"returnCode": "0000", "data": {"trNo": "LO1", "trNm": "스마트샵"}}'.encode(), "application/json;charset=UTF-8"),
        (b"\xef\xbb\xbf" + '{"returnCode": "0000", "data": {"trNo": "LO1", "trNm": "스마트샵"}}'.encode(),
         "application/json"),
        ('{"returnCode": "0000", "data": {"trNo": "LO1", "trNm": "스마트샵"}}'.encode("euc-kr"),
         "application/json; charset=EUC-KR"),
        ('{"returnCode": "0000", "data": {"trNo": "LO1", "trNm": "스마트샵"}}'.encode(),
         "application/json; charset=no-such-charset"),
        ('{"returnCode": "0000", "data": {"trNo": "LO1", "trNm": "스마트샵"}}'.encode(), "text/plain"),
    ],
    ids=["utf-8", "utf-8 declared", "utf-8 with BOM", "euc-kr declared", "unknown charset read as utf-8",
         "text type without charset read as utf-8"],
)
@responses.activate
def test_answers_are_read_in_their_charset(body: bytes, content_type: str) -> None:
    responses.get(IDENTITY_URL, body=body, content_type=content_type)
    client, _ = make_client()
    identity = client.identity()
    assert (identity.tr_no, identity.tr_nm) == ("LO1", "스마트샵")


@responses.activate
def test_an_answer_not_in_its_charset_is_malformed() -> None:
    body = '{"returnCode": "0000", "data": {"trNm": "스마트샵"}}'.encode("euc-kr")
    responses.get(IDENTITY_URL, body=body, content_type="application/json")
    client, _ = make_client()
    with pytest.raises(errors.MalformedResponse) as info:
        client.identity()
    assert "not JSON" in info.value.message
