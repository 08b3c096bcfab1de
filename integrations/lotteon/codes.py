"""LotteON code tables (API.md §3, §6) and the seller-facing wording of LotteON errors."""

from __future__ import annotations

from enum import StrEnum

SUCCESS = "0000"
SUPPLIER_GROUP = "SR"  # trGrpCd of a general seller
STOCK_NOT_MANAGED = 999_999_999  # stkQty of products registered with stkMgtYn=N (§5.7)


class Step(StrEnum):
    """``odPrgsStepCd`` (§6.1)."""

    CLAIM_REQUESTED = "02"
    CLAIM_ACCEPTED = "03"
    NEW = "11"  # 출고지시, delivery instruction: new order to ship
    PREPARING = "12"  # 상품준비, after 210 or 137-12
    SHIPPED = "13"  # 발송완료, set by 137-13
    DELIVERED = "14"
    RECEIVED = "15"
    CANCELLED = "21"
    CANCEL_WITHDRAWN = "22"
    RETRIEVAL_INSTRUCTED = "23"
    RETRIEVAL_IN_PROGRESS = "24"
    RETRIEVED = "25"
    RETRIEVAL_CONFIRMED = "26"
    RETURN_COMPLETED = "27"


STEP_LABELS: dict[str, str] = {
    "02": "요청",
    "03": "접수",
    "11": "출고지시",
    "12": "상품준비",
    "13": "발송완료",
    "14": "배송완료",
    "15": "수취완료",
    "21": "취소완료",
    "22": "취소요청철회",
    "23": "회수지시",
    "24": "회수진행",
    "25": "회수완료",
    "26": "회수확정",
    "27": "반품완료",
}

# Steps that prove a line was linked (210 Y or 137-12 took effect): the forward delivery steps and
# the retrieval steps after 24. Cancellation steps (21, 22) are *not* proof: a cancelled line was
# never linked, since linking stops instant cancellation (§5.3).
LINKED_STEPS = frozenset({"12", "13", "14", "15", "24", "25", "26", "27"})
# Steps at which an invoice has been registered for a DV line (137-13 took effect).
SHIPPED_STEPS = frozenset({"13", "14", "15"})
COLLECTABLE_STEPS = frozenset({"11", "12"})  # New Order and Product preparation (DESIGN.md §3)


class OrderType(StrEnum):
    """``odTypCd`` (§6.2)."""

    ORDER = "10"
    CANCEL = "20"
    EXCHANGE = "30"
    EXCHANGE_CANCEL = "31"
    RETURN = "40"
    RETURN_CANCEL = "41"
    AS = "50"


class Direction(StrEnum):
    """``dvRtrvDvsCd``: delivery or retrieval."""

    DELIVERY = "DV"
    RETRIEVAL = "RTRV"


class SaleStatus(StrEnum):
    """``slStatCd`` (§6.2)."""

    SALE = "SALE"
    SOLD_OUT = "SOUT"
    STOPPED = "STP"
    ENDED = "END"


# Courier codes (§6.3, decision row 6: 0042 for 일양택배, no Qxpress code). The live list is API 89;
# this table is a fallback for display and for validating input before a call.
COURIERS: dict[str, str] = {
    "0001": "롯데택배",
    "0002": "CJ대한통운",
    "0004": "우체국택배",
    "0005": "로젠택배",
    "0006": "한진택배",
    "0016": "KGB택배",
    "0023": "건영택배",
    "0024": "경동택배",
    "0028": "대신택배",
    "0042": "일양택배",
    "0043": "천일택배",
    "0049": "합동택배",
    "9999": "기타택배",
}
OTHER_COURIER = "9999"  # 기타택배: the portal's own QSP… numbers and Qxpress ship under it

# Longest invoice number LotteON takes (decision row 2: the stricter of 15 and 30).
INVOICE_MAX_LENGTH = 15

RETURN_CODE_MEANINGS: dict[str, str] = {
    "0000": "success",
    "2003": "search period longer than one day",
    "3006": "the order status does not allow this (already cancelled)",
    "9000": "processing error (for 93: pageNo/rowsPerPage missing or invalid)",
    "9999": "payload error",
}

# --- What the seller should do, per error (shown in the UI) ----------------------------------------
# Written for the seller, who does not know SmartShip's operators: what they can do themselves, or "report it
# to support".

MSG_UNAUTHORIZED = (
    "LotteON rejected the API Key: it is invalid or has expired. Issue a new key in the LotteON store "
    "center (Seller Information ▸ Open API Management) and save it in Sales Site API."
)
MSG_FORBIDDEN = (
    "LotteON refused this server: its IP address is not registered for the API Key. In the LotteON store "
    'center (Seller Information ▸ Open API Management) choose "direct input" and register the portal\'s '
    "server IPs, then save."
)
MSG_RATE_LIMITED = (
    "LotteON is limiting the number of calls (too many calls per minute). The portal will try again "
    "automatically; nothing needs to be done unless this keeps happening."
)
MSG_SERVER_ERROR = (
    "LotteON reported a system error (HTTP {status}). The portal will try again automatically; if it "
    "lasts for hours, check LotteON's notices."
)
MSG_TIMEOUT = "LotteON did not answer within {seconds:g} seconds. The portal will try again automatically."
MSG_UNREACHABLE = (
    "LotteON could not be reached (DNS or connection failure at {host}). The portal will try again; if it "
    "keeps happening, report it to support."
)
MSG_MALFORMED = (
    "LotteON sent an answer the portal cannot read ({detail}). The portal will try again; if it keeps "
    "happening, report it to support."
)
MSG_REJECTED = (
    "LotteON rejected the request (HTTP {status}). This is a fault in the portal, not in your settings: "
    "please report it to support."
)
MSG_BUSINESS = (
    "LotteON refused the request (code {code}: {site_message}). Check the order or product at LotteON; "
    "if the message is unclear, report it to support with the code."
)
MSG_WINDOW_TOO_LONG = (
    "LotteON refused the search period as longer than one day (code 2003). This is a fault in the "
    "portal: please report it to support."
)
MSG_OUTCOME_UNKNOWN = (
    "LotteON may or may not have applied the change ({cause}). The portal will read the order's state back "
    "from LotteON before it sends anything again, so retrying is safe."
)
MSG_LOST_NOT_APPLIED = (
    "LotteON did not answer the confirmation ({cause}) and, read back, still shows the line as a New Order: it "
    "was not confirmed. Confirming it again is safe."
)
MSG_ACCOUNT_MISMATCH = (
    "The API Key belongs to LotteON account {actual}, but the Account Number entered is {expected}. "
    "Enter the 거래처번호 shown in the store center (Seller Information ▸ 기본정보관리), or use that "
    "account's key."
)
MSG_NO_RESULT = "LotteON reported no result for this item, so it was not applied."
