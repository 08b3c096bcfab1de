"""An Open API caller for the sandbox tests, and small date helpers."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from tests.plugins.sandbox import SandboxHandle

KST = ZoneInfo("Asia/Seoul")

PATHS = {
    207: ("GET", "/v1/openapi/common/v1/identity"),
    209: ("POST", "/v1/openapi/delivery/v1/SellerDeliveryOrdersSearch"),
    210: ("POST", "/v1/openapi/delivery/v1/SellerIfCompleteInform"),
    140: ("POST", "/v1/openapi/delivery/v1/SellerDeliveryProgressStateSearch"),
    137: ("POST", "/v1/openapi/delivery/v1/SellerDeliveryProgressStateInform"),
    139: ("POST", "/v1/openapi/delivery/v1/SellerInvoiceNoModifyInform"),
    86: ("POST", "/v1/openapi/product/v1/item/stock/change"),
    111: ("POST", "/v1/openapi/product/v1/item/status/change"),
    93: ("POST", "/v1/openapi/product/v1/product/list"),
    94: ("POST", "/v1/openapi/product/v1/product/detail"),
    89: ("GET", "/v1/openapi/bocommon/v1/code/getDetailCodeList"),
    50: ("POST", "/v1/openapi/claim/v1/cancellationOpenApi/getCancellationRequestAndComplateList"),
}

# A fixed day far from "now", so tests never straddle midnight.
DAY = "20250301"


def window(day: str = DAY) -> dict[str, str]:
    """One KST calendar day, as API.md §4 recommends."""
    return {"srchStrtDt": f"{day}000000", "srchEndDt": f"{day}235959"}


def kst_now() -> datetime:
    return datetime.now(KST)


def dttm(value: datetime) -> str:
    return value.astimezone(KST).strftime("%Y%m%d%H%M%S")


def claim_window(hours: int = 2) -> dict[str, str]:
    """A 50 search for completed cancellations around now."""
    now = kst_now()
    return {"srchStrtDttm": dttm(now - timedelta(hours=hours)), "srchEndDttm": dttm(now + timedelta(hours=hours)),
            "odPrgsStepCd": "21"}


class LotteOn:
    """Calls the sandbox's Open API the way a client would (API.md §2 headers)."""

    def __init__(self, url: str, key: str) -> None:
        self.url = url
        self.key = key
        self.session = requests.Session()

    def headers(self, key: str | None = None) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {key or self.key}",
            "Accept": "application/json",
            "Accept-Language": "ko",
            "X-Timezone": "GMT+09:00",
        }

    def raw(self, api_no: int, body: Any = None, *, key: str | None = None, params: Any = None) -> requests.Response:
        method, path = PATHS[api_no]
        if method == "GET":
            return self.session.get(self.url + path, params=params, headers=self.headers(key), timeout=10)
        return self.session.post(self.url + path, json=body, headers=self.headers(key), timeout=10)

    def call(self, api_no: int, body: Any = None, *, key: str | None = None, params: Any = None) -> dict[str, Any]:
        """The envelope of a call that must answer HTTP 200."""
        response = self.raw(api_no, body, key=key, params=params)
        assert response.status_code == 200, response.text
        envelope = response.json()
        assert set(envelope) == {"returnCode", "message", "subMessages", "dataCount", "data"}
        return envelope

    def ok(self, api_no: int, body: Any = None, *, key: str | None = None, params: Any = None) -> Any:
        """`data` of a call that must succeed (HTTP 200 and returnCode 0000)."""
        envelope = self.call(api_no, body, key=key, params=params)
        assert envelope["returnCode"] == "0000", envelope
        return envelope["data"]

    def orders(self, day: str = DAY, yn: str = "", **extra: Any) -> list[dict[str, Any]]:
        return self.ok(209, {**window(day), "ifCplYN": yn, **extra})["deliveryOrderList"]

    def progress(self, day: str = DAY, **extra: Any) -> list[dict[str, Any]]:
        return self.ok(140, {**window(day), **extra})["deliveryProgressStateList"]


@pytest.fixture
def lotteon(sandbox: SandboxHandle) -> LotteOn:
    return LotteOn(sandbox.url, sandbox.DEMO_KEY)


def confirm_row(row: dict[str, Any], yn: str = "Y", reason: str = "") -> dict[str, Any]:
    """A 210 `ifCompleteList` entry for a 209 row (API.md §5.3)."""
    return {
        "dvRtrvDvsCd": row["dvRtrvDvsCd"],
        "odNo": row["odNo"],
        "odSeq": row["odSeq"],
        "procSeq": row["procSeq"],
        "orglProcSeq": "",
        "clmNo": "",
        "ifCplYN": yn,
        "ifFlRsnCnts": reason,
    }


def ship_row(row: dict[str, Any], step: str = "13", **extra: Any) -> dict[str, Any]:
    """A 137 `deliveryProgressStateList` entry for a 209 row (API.md §5.4)."""
    entry = {
        "dvRtrvDvsCd": "DV",
        "odNo": row["odNo"],
        "odSeq": row["odSeq"],
        "procSeq": row["procSeq"],
        "orglProcSeq": "",
        "clmNo": "",
        "odPrgsStepCd": step,
        "dvTrcStatDttm": dttm(kst_now()),
        "spdNo": row["spdNo"],
        "sitmNo": row["sitmNo"],
        "slQty": str(row["odQty"]),
    }
    if step == "13":
        entry.update(invcNbr="1", dvCoCd="0002", invcNo="123456789012")
    entry.update(extra)
    return entry
