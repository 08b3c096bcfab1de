"""LotteON time handling: KST ``yyyyMMddHHmmss`` strings and one-day search windows.

LotteON sends and expects local Korean time without an offset (API.md §4). The portal works in
aware datetimes only; these helpers are the single place where the conversion happens. Korea has
no daylight saving time, so a KST calendar day is always exactly 24 hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

KST = ZoneInfo("Asia/Seoul")
DTTM_FORMAT = "%Y%m%d%H%M%S"
ONE_SECOND = timedelta(seconds=1)


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, got naive {value!r}")


def to_kst(value: datetime) -> datetime:
    _require_aware(value, "value")
    return value.astimezone(KST)


def format_dttm(value: datetime) -> str:
    """Aware datetime → LotteON ``yyyyMMddHHmmss`` in KST (sub-second part dropped)."""
    return to_kst(value).strftime(DTTM_FORMAT)


def parse_dttm(value: object) -> datetime | None:
    """LotteON date-time → aware datetime in KST; ``None`` for empty values.

    Accepts the documented 14 digits, a bare 8-digit date (midnight) and the 12-digit form without
    seconds, as a number or a string; anything else raises ``ValueError``.
    """
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    digits = text.replace("-", "").replace(":", "").replace(" ", "").replace("T", "").replace(".", "")
    if not digits.isdigit() or len(digits) not in (8, 12, 14):
        raise ValueError(f"not a LotteON date-time: {value!r}")
    if digits.isascii():
        # Slicing the fixed-width fields costs a fraction of strptime, and the sync parses three of
        # these per order line.
        try:
            return datetime(
                int(digits[0:4]),
                int(digits[4:6]),
                int(digits[6:8]),
                int(digits[8:10] or 0),
                int(digits[10:12] or 0),
                int(digits[12:14] or 0),
                tzinfo=KST,
            )
        except ValueError:
            pass  # month 13, 31 June…: strptime below raises the error callers have always seen
    return datetime.strptime(digits.ljust(14, "0"), DTTM_FORMAT).replace(tzinfo=KST)


@dataclass(frozen=True)
class Window:
    """An inclusive search window at second resolution, both ends within one KST calendar day."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        _require_aware(self.start, "start")
        _require_aware(self.end, "end")
        start, end = to_kst(self.start), to_kst(self.end)
        if start.microsecond or end.microsecond:
            raise ValueError("window ends must be whole seconds")
        if end < start:
            raise ValueError(f"window ends before it starts: {start} > {end}")
        if start.date() != end.date():
            # LotteON refuses windows longer than a day (returnCode 2003); one calendar day is the
            # strictest reading, so a window that would cross midnight is a bug on our side.
            raise ValueError(f"window crosses a KST day boundary: {start} .. {end}")
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)

    @property
    def start_text(self) -> str:
        return format_dttm(self.start)

    @property
    def end_text(self) -> str:
        return format_dttm(self.end)

    def contains(self, moment: datetime) -> bool:
        return self.start <= to_kst(moment).replace(microsecond=0) <= self.end


def day_window(moment: datetime) -> Window:
    """The whole KST calendar day that contains ``moment`` (``000000`` to ``235959``)."""
    day = to_kst(moment).date()
    return Window(
        datetime.combine(day, time(0, 0, 0), tzinfo=KST),
        datetime.combine(day, time(23, 59, 59), tzinfo=KST),
    )


def split_days(start: datetime, end: datetime) -> list[Window]:
    """Split ``[start, end)`` into one window per KST calendar day, clipped to the range.

    ``end`` is exclusive, so a range from one midnight to another gives exactly one window per
    day, and a 7-day range starting mid-day gives 8. The last window ends at the last whole second
    before ``end``; a fractional ``end`` keeps the second it falls in.
    """
    _require_aware(start, "start")
    _require_aware(end, "end")
    first = to_kst(start).replace(microsecond=0)
    last = (to_kst(end) - timedelta(microseconds=1)).replace(microsecond=0)
    windows: list[Window] = []
    if last < first:
        return windows
    day = first.date()
    while True:
        day_start = datetime.combine(day, time(0, 0, 0), tzinfo=KST)
        day_end = datetime.combine(day, time(23, 59, 59), tzinfo=KST)
        windows.append(Window(max(first, day_start), min(last, day_end)))
        if last <= day_end:
            return windows
        day += timedelta(days=1)
