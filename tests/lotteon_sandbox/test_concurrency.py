"""Thread safety: many clients at once, each on its own kept-alive connection (one lock guards the state)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from .conftest import DAY, LotteOn, confirm_row, ship_row

pytestmark = pytest.mark.sandbox

WORKERS = 8


def test_parallel_confirms_and_ships_on_distinct_lines(sandbox):
    created = [
        sandbox.create_order(owhoDttm=f"{DAY}{10 + i % 10:02d}0000", lines=[{"eitmNo": "TSHIRT-BLK-M"}])["lines"][0]
        for i in range(40)
    ]

    def work(row):
        client = LotteOn(sandbox.url, sandbox.DEMO_KEY)
        confirmed = client.ok(210, {"ifCompleteList": [confirm_row(row)]})["rsltCd"]
        shipped = client.ok(137, {"deliveryProgressStateList": [ship_row(row, invcNo=row["odNo"][-12:])]})["rsltCd"]
        client.orders(yn="Y")
        return confirmed, shipped

    with ThreadPoolExecutor(WORKERS) as pool:
        results = list(pool.map(work, created))
    assert results == [("0000", "0000")] * 40
    lines = sandbox.state(sandbox.DEMO_KEY)["orders"]
    assert {line["odPrgsStepCd"] for line in lines} == {"13"}
    assert sorted(line["invcNo"] for line in lines) == sorted(row["odNo"][-12:] for row in created)
    assert len([c for c in sandbox.calls() if c["apiNo"] == 210]) == 40


def test_the_same_line_is_linked_exactly_once(sandbox):
    """Decision row 14 under contention: of many parallel 210s for one line, exactly one applies."""
    [row] = sandbox.create_order(owhoDttm=f"{DAY}100000", lines=[{"eitmNo": "TSHIRT-BLK-M"}])["lines"]

    def confirm(_):
        return LotteOn(sandbox.url, sandbox.DEMO_KEY).ok(210, {"ifCompleteList": [confirm_row(row)]})["rsltCd"]

    with ThreadPoolExecutor(WORKERS) as pool:
        outcomes = list(pool.map(confirm, range(16)))
    assert sorted(outcomes) == ["0000"] + ["9999"] * 15
    [line] = sandbox.state(sandbox.DEMO_KEY)["orders"]
    assert [e["event"] for e in line["history"]].count("210 ifCplYN=Y") == 1
