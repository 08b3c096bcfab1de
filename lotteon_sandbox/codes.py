"""Code tables, messages and KST time helpers shared by the sandbox modules."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

try:
    from zoneinfo import ZoneInfo

    KST = ZoneInfo("Asia/Seoul")
except Exception:  # pragma: no cover - a system without tz data
    # Korea has had no daylight saving time since 1988, so a fixed offset is exact.
    KST = timezone(timedelta(hours=9), "KST")

DTTM_FORMAT = "%Y%m%d%H%M%S"
_DTTM_RE = re.compile(r"\d{14}")

TR_GRP_CD = "SR"
UNMANAGED_STOCK = 999999999

# Return codes (API.md §3).
OK = "0000"
PERIOD_TOO_LONG = "2003"
PROCESSING_ERROR = "9000"
ITEM_ERROR = "9999"

MSG_OK = "정상 처리되었습니다."

# odPrgsStepCd (API.md §6.1) that the sandbox's lines move through.
STEP_NEW = "11"
STEP_PREPARING = "12"
STEP_SHIPPED = "13"
STEP_CANCELLED = "21"
STEP_CANCEL_WITHDRAWN = "22"
STEP_RETRIEVAL = "23"  # 회수지시, retrieval instruction (return or exchange pick-up)
STEP_RETRIEVING = "24"  # 회수진행, after 210 on an RTRV line (API.md §5.3)
STEP_CLAIM_REQUESTED = "02"  # a claim requested (50: a buyer's cancellation request)
# The 50 steps (API.md §5.11): requested, cancel completed, request withdrawn.
CLAIM_STEPS = (STEP_CLAIM_REQUESTED, STEP_CANCELLED, STEP_CANCEL_WITHDRAWN)

# dvRtrvDvsCd and odTypCd (API.md §6.2).
DV = "DV"
RTRV = "RTRV"
OD_TYP_ORDER = "10"
OD_TYP_CANCEL = "20"
OD_TYP_EXCHANGE = "30"
OD_TYP_RETURN = "40"
RETRIEVAL_TYPES = {"return": OD_TYP_RETURN, "exchange": OD_TYP_EXCHANGE}

SALE_STATES = ("SALE", "SOUT", "STP", "END")

# API 89 serves API.md §6.3's table (decision row 6): 0042 for 일양, no Qxpress code, and none of
# the codes the sources call wrong (0019, 0011, 0007, 0041) or that one client alone lists.
COURIERS: list[tuple[str, str, str]] = [
    ("0001", "롯데택배", "Lotte Global Logistics"),
    ("0002", "CJ대한통운", "CJ Logistics"),
    ("0003", "현대택배", "Hyundai Logistics (legacy)"),
    ("0004", "우체국택배", "Korea Post"),
    ("0005", "로젠택배", "Logen"),
    ("0006", "한진택배", "Hanjin"),
    ("0014", "GTX로지스", "GTX Logis"),
    ("0016", "KGB택배", "KGB"),
    ("0023", "건영택배", "Kunyoung"),
    ("0024", "경동택배", "Kyungdong"),
    ("0025", "고려택배", "Koryo"),
    ("0027", "대신정기화물택배", "Daesin Freight"),
    ("0028", "대신택배", "Daesin"),
    ("0031", "드림택배", "Dream"),
    ("0037", "엘로우캡택배", "Yellow Cap"),
    ("0040", "이노지스택배", "Innogis"),
    ("0042", "일양로지스", "Ilyang Logis"),
    ("0043", "천일택배", "Chunil"),
    ("0044", "편의점택배", "Convenience store parcel"),
    ("0046", "하나로택배", "Hanaro"),
    ("0048", "한의사랑택배", "Haneesarang"),
    ("0049", "합동택배", "Hapdong"),
    ("0050", "호남택배", "Honam"),
    ("9999", "기타택배", "Other courier"),
]
COURIER_CODES = frozenset(code for code, _, _ in COURIERS)
COURIER_NAMES = {code: name for code, name, _ in COURIERS}

_INVOICE_RE = re.compile(r"[A-Za-z0-9]{1,15}")


def now_kst() -> datetime:
    return datetime.now(KST)


def fmt_dttm(value: datetime) -> str:
    return value.astimezone(KST).strftime(DTTM_FORMAT)


def parse_dttm(value: object) -> datetime | None:
    """A 14-digit KST date-time, or None when the value is not one."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not _DTTM_RE.fullmatch(value):
        return None
    try:
        return datetime.strptime(value, DTTM_FORMAT).replace(tzinfo=KST)
    except ValueError:
        return None


def normalize_invoice(value: object) -> str | None:
    """Decision row 2: strip spaces and dashes; the rest must be 1-15 letters or digits."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    cleaned = value.replace(" ", "").replace("-", "")
    return cleaned if _INVOICE_RE.fullmatch(cleaned) else None


def as_key_part(value: object) -> str:
    """odSeq/procSeq arrive as strings or numbers (decision row 9); the line key uses strings."""
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def as_int(value: object) -> int | None:
    """An integer given as a number or a string of digits; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value.strip())
    return None
