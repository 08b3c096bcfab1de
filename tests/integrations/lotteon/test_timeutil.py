from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from integrations.lotteon.timeutil import KST, Window, day_window, format_dttm, parse_dttm, split_days

NEW_YORK = ZoneInfo("America/New_York")  # has DST, unlike KST


def kst(*args: int) -> datetime:
    return datetime(*args, tzinfo=KST)


def texts(windows: list[Window]) -> list[tuple[str, str]]:
    return [(w.start_text, w.end_text) for w in windows]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (kst(2025, 1, 1, 9, 30, 0), "20250101093000"),
        (datetime(2025, 1, 1, 0, 30, tzinfo=UTC), "20250101093000"),
        (datetime(2024, 12, 31, 15, 0, tzinfo=UTC), "20250101000000"),  # UTC evening = next KST day
        (kst(2025, 1, 1, 9, 30, 0, 999_999), "20250101093000"),
    ],
)
def test_format_dttm(value: datetime, expected: str) -> None:
    assert format_dttm(value) == expected


def test_format_dttm_refuses_naive() -> None:
    with pytest.raises(ValueError, match="aware"):
        format_dttm(datetime(2025, 1, 1))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("20250101093000", kst(2025, 1, 1, 9, 30)),
        (20250101093000, kst(2025, 1, 1, 9, 30)),
        ("20250101", kst(2025, 1, 1)),
        ("202501010930", kst(2025, 1, 1, 9, 30)),
        ("2025-01-01 09:30:00", kst(2025, 1, 1, 9, 30)),
        ("", None),
        (None, None),
    ],
)
def test_parse_dttm(value: object, expected: datetime | None) -> None:
    parsed = parse_dttm(value)
    assert parsed == expected
    if parsed is not None:
        assert parsed.utcoffset() == timedelta(hours=9)


@pytest.mark.parametrize(
    "value",
    [
        "2025", "yesterday", "20251301000000", "20250631000000", "20250229000000", "20250101240000",
        "20250101006000", "20250101000060", "00000101000000", "202513010000", "20250000", "٢٠٢٥٠١٠١",
    ],
)  # fmt: skip
def test_parse_dttm_rejects(value: str) -> None:
    with pytest.raises(ValueError):
        parse_dttm(value)


@pytest.mark.parametrize(
    "digits",
    ["20251301000000", "20250631000000", "20250229120000", "20250101240000", "20250101000061", "00000101000000"],
)
def test_parse_dttm_reports_invalid_fields_as_strptime_does(digits: str) -> None:
    # The digit-slicing fast path must fail with the message callers saw from strptime.
    with pytest.raises(ValueError) as expected:
        datetime.strptime(digits, "%Y%m%d%H%M%S")  # noqa: DTZ007
    with pytest.raises(ValueError) as info:
        parse_dttm(digits)
    assert str(info.value) == str(expected.value)


@pytest.mark.parametrize(
    "digits", ["20250101000000", "20241231235959", "20240229000000", "19991231235959", "00010101000000"]
)
def test_parse_dttm_reads_the_fields_strptime_reads(digits: str) -> None:
    expected = datetime.strptime(digits, "%Y%m%d%H%M%S").replace(tzinfo=KST)
    assert parse_dttm(digits) == expected
    assert parse_dttm(digits[:12]) == expected.replace(second=0)
    assert parse_dttm(digits[:8]) == expected.replace(hour=0, minute=0, second=0)


def test_split_one_whole_day() -> None:
    assert texts(split_days(kst(2025, 1, 1), kst(2025, 1, 2))) == [("20250101000000", "20250101235959")]


def test_split_clipped_range_crossing_midnight() -> None:
    windows = split_days(kst(2025, 1, 1, 22, 15, 30), kst(2025, 1, 2, 3, 0, 0))
    assert texts(windows) == [("20250101221530", "20250101235959"), ("20250102000000", "20250102025959")]


@pytest.mark.parametrize(
    ("start", "count"),
    [(kst(2025, 3, 1), 7), (kst(2025, 3, 1, 9, 30), 8), (kst(2025, 3, 1, 0, 0, 1), 8)],
)
def test_seven_days_give_seven_or_eight_windows(start: datetime, count: int) -> None:
    windows = split_days(start, start + timedelta(days=7))
    assert len(windows) == count
    assert windows[0].start == start
    for earlier, later in zip(windows, windows[1:], strict=False):
        assert later.start - earlier.end == timedelta(seconds=1)  # no gap, no overlap


def test_windows_never_exceed_one_kst_day() -> None:
    start = datetime(2025, 3, 8, 12, 0, tzinfo=NEW_YORK)  # DST starts in New York on 2025-03-09
    windows = split_days(start, start + timedelta(days=5))
    for w in windows:
        assert w.start.date() == w.end.date()
        assert w.end - w.start <= timedelta(hours=23, minutes=59, seconds=59)
        assert w.start.tzinfo == KST


def test_split_input_in_utc_uses_kst_days() -> None:
    # 14:00–16:00 UTC straddles KST midnight (23:00–01:00 KST).
    windows = split_days(datetime(2025, 1, 1, 14, tzinfo=UTC), datetime(2025, 1, 1, 16, tzinfo=UTC))
    assert texts(windows) == [("20250101230000", "20250101235959"), ("20250102000000", "20250102005959")]


def test_split_fractional_end_keeps_its_second() -> None:
    windows = split_days(kst(2025, 1, 1, 10), kst(2025, 1, 1, 10, 5, 0, 500_000))
    assert texts(windows) == [("20250101100000", "20250101100500")]


@pytest.mark.parametrize("end", [kst(2025, 1, 1, 10), kst(2025, 1, 1, 9)])
def test_split_empty_range(end: datetime) -> None:
    assert split_days(kst(2025, 1, 1, 10), end) == []


def test_split_refuses_naive() -> None:
    with pytest.raises(ValueError):
        split_days(datetime(2025, 1, 1), kst(2025, 1, 2))


def test_window_refuses_crossing_midnight() -> None:
    with pytest.raises(ValueError, match="day boundary"):
        Window(kst(2025, 1, 1, 23), kst(2025, 1, 2, 0))


def test_day_window_of_utc_moment() -> None:
    w = day_window(datetime(2025, 1, 1, 15, 30, tzinfo=UTC))  # 00:30 KST on the 2nd
    assert (w.start_text, w.end_text) == ("20250102000000", "20250102235959")
    assert w.contains(kst(2025, 1, 2, 0, 30))
