"""A second marketplace for tests only, "OtherSite": it pulls orders and tests connections, nothing else
(no confirmation step, no cancellation feed, no tracking push, no stock sync, no carrier list). It proves
that orders/, inventory/ and waybills/ ask the registry what a site supports instead of assuming LotteON.

Use the ``other_site`` fixture (tests/conftest.py): it registers the site for one test.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from integrations.base import (
    AdapterConfig,
    Capability,
    ConnectionResult,
    LineRef,
    LineState,
    PulledLine,
    PullWindow,
    SalesSite,
    SetupGuide,
)
from integrations.errors import Unauthorized

KST = ZoneInfo("Asia/Seoul")
GOOD_KEY = "othersite-good-key"

OTHERSITE = SalesSite(
    key="othersite",
    name="OtherSite",
    logo="img/logo.svg",
    adapter_path="tests.othersite.OtherSiteAdapter",
    capabilities=frozenset({Capability.ORDER_INTEGRATION}),
    account_number_pattern=r"OS\d{4,8}",
    account_number_help="Your OtherSite vendor number: OS and digits, e.g. OS12345.",
    api_key_help="Issued in the OtherSite partner console.",
    guide=SetupGuide(steps=("Issue a key in the OtherSite partner console.", "Paste it here.")),
)

# The orders the site holds: PAID is new, ACCEPTED already accepted by the seller at the site.
ORDERS: list[dict] = []


def reset_orders() -> None:
    now = datetime.now(KST)
    ORDERS[:] = [
        {"orderId": "OS-1001", "itemSeq": "1", "status": "PAID", "at": now - timedelta(hours=3),
         "buyer": "김다른", "sku": "OS-TS-BLK-M", "pid": "P100", "oid": "O100-1", "qty": 2, "price": "15000"},
        {"orderId": "OS-1002", "itemSeq": "1", "status": "ACCEPTED", "at": now - timedelta(hours=2),
         "buyer": "이다른", "sku": "OS-MUG", "pid": "P200", "oid": "", "qty": 1, "price": "8000"},
    ]


STATES = {"PAID": LineState.NEW, "ACCEPTED": LineState.PREPARING, "SHIPPED": LineState.SHIPPED,
          "CANCELLED": LineState.CANCELLED}


class OtherSiteAdapter:
    site = OTHERSITE

    def __init__(self, config: AdapterConfig) -> None:
        self.config = config

    def test_connection(self) -> ConnectionResult:
        if self.config.api_key != GOOD_KEY:
            raise Unauthorized("OtherSite rejected the API key.", site="othersite")
        return ConnectionResult(supplier_number=self.config.account_number, supplier_name="Other Vendor Co.")

    def fetch_order_lines(self, *, start: datetime, end: datetime) -> Iterator[PullWindow]:
        yield PullWindow(start=start, end=end, lines=tuple(_line(r) for r in ORDERS if start <= r["at"] < end))

    def close(self) -> None:
        pass


def _line(r: dict) -> PulledLine:
    state = STATES.get(r["status"], LineState.OTHER)
    price = Decimal(r["price"])
    return PulledLine(
        ref=LineRef(r["orderId"], r["itemSeq"], "1"), state=state, site_status_code=r["status"],
        confirmed_at_site=state != LineState.NEW, ordered_at=r["at"], instructed_at=r["at"],
        original_process_seq="", claim_no="", orderer_name=r["buyer"], orderer_phone="010-1111-2222",
        orderer_mobile="010-1111-2222", orderer_email="", recipient_name=r["buyer"], recipient_phone="010-1111-2222",
        recipient_mobile="010-1111-2222", zip_code="06236", address="서울특별시 강남구 테헤란로 1", address_detail="101",
        delivery_message="", combined_group="", product_name="다른 상품", option_name="블랙 / M" if r["oid"] else "",
        seller_product_code="" if r["oid"] else r["sku"], seller_option_code=r["sku"] if r["oid"] else "",
        site_product_id=r["pid"], site_option_id=r["oid"], quantity=r["qty"], unit_price=price,
        amount=price * r["qty"], paid_amount=price * r["qty"], shipping_fee=Decimal(0),
        raw={**r, "at": r["at"].isoformat()},
    )
