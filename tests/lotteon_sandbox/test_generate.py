"""Deterministic data generation (no HTTP): same seed and `now`, same world; 10,000 lines are valid."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from lotteon_sandbox.generate import build_world

NOW = datetime(2025, 3, 10, 15, 30, tzinfo=ZoneInfo("Asia/Seoul"))


def _snapshot(world):
    return {
        tr_no: (
            [(p.spdNo, p.epdNo, [(i.sitmNo, i.eitmNo, i.stkQty, i.slStatCd) for i in p.items]) for p in shop.products],
            [(line.row, line.step, line.link, line.invcNo, line.dvCoCd) for line in shop.lines.values()],
            [(c.clmNo, c.items) for c in shop.claims],
        )
        for tr_no, shop in world.shops.items()
    }


def test_10000_lines_over_7_days_are_deterministic():
    first = build_world(seed=42, lines=10_000, days=7, suppliers=None, now=NOW)
    second = build_world(seed=42, lines=10_000, days=7, suppliers=None, now=NOW)
    assert _snapshot(first) == _snapshot(second)
    other_seed = build_world(seed=43, lines=10_000, days=7, suppliers=None, now=NOW)
    assert _snapshot(first) != _snapshot(other_seed)


def test_10000_lines_are_well_formed():
    world = build_world(seed=42, lines=10_000, days=7, suppliers=None, now=NOW)
    shop = world.shops["LO10000001"]
    lines = list(shop.lines.values())
    assert len(lines) == 10_000
    start, end = (NOW - timedelta(days=7)).strftime("%Y%m%d%H%M%S"), NOW.strftime("%Y%m%d%H%M%S")
    keys = set()
    for line in lines:
        row = line.row
        assert re.fullmatch(r"\d{16}", row["odNo"]) and row["odNo"][:8] == row["odCmptDttm"][:8]
        assert row["odCmptDttm"] <= row["owhoDttm"]
        assert start <= row["owhoDttm"] <= end
        assert re.fullmatch(r"LO\d{10}", row["spdNo"]) and row["sitmNo"].startswith(row["spdNo"] + "_")
        assert re.fullmatch(r"\d{5}", row["dvpZipNo"])
        assert row["odQty"] >= 1 and row["actualAmt"] == row["slAmt"] - row["fvrAmtSum"]
        assert line.step in ("11", "12", "13", "21")
        assert (line.step in ("12", "13")) == (line.link == "Y")
        if line.step == "13":
            assert line.invcNo and line.dvCoCd
        for event in line.history:
            assert event["at"] <= end
        keys.add(line.key)
    assert len(keys) == 10_000
    # Every line sits in the index of its KST day, and each day list is sorted.
    indexed = [line for day in shop.by_day.values() for line in day]
    assert len(indexed) == 10_000
    for day, day_lines in shop.by_day.items():
        assert all(line.owhoDttm[:8] == day for line in day_lines)
        assert [line.sort_key for line in day_lines] == sorted(line.sort_key for line in day_lines)
    steps = Counter(line.step for line in lines)
    assert steps["11"] > 10_000 / 3 and steps["12"] and steps["13"] and steps["21"]
    orders = Counter(line.row["odNo"] for line in lines)
    multi = [od for od, n in orders.items() if n > 1]
    assert multi
    for od_no in multi[:50]:
        group = shop.orders[od_no]
        assert [line.row["odSeq"] for line in group] == [str(i) for i in range(1, len(group) + 1)]
        assert len({line.row["cmbnDvGrpNo"] for line in group}) == 1
        assert len({line.owhoDttm for line in group}) == 1
    # odNo grows with the order time.
    by_time = sorted(orders, key=lambda od: (shop.orders[od][0].row["odCmptDttm"], od))
    assert [od[8:] for od in by_time] == sorted(od[8:] for od in by_time)


def test_ids_are_unique_across_suppliers():
    world = build_world(seed=1, lines=500, days=2, suppliers=None, now=NOW)
    spd = [p.spdNo for shop in world.shops.values() for p in shop.products]
    sitm = [i.sitmNo for shop in world.shops.values() for p in shop.products for i in p.items]
    od = [od_no for shop in world.shops.values() for od_no in shop.orders]
    assert len(spd) == len(set(spd)) and len(sitm) == len(set(sitm)) and len(od) == len(set(od))
