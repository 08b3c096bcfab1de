"""How often Python's cyclic garbage collector runs in the portal's processes (web, worker, beat).

The portal's bulk jobs (an order sync of 10,000 lines, a 20,000-row SKU import or export, a stock push,
an order export) create hundreds of thousands of objects that live until the job's batch is written.
With Python's default thresholds the collector starts every 700 new objects and, every hundred of those
runs, walks the whole heap of the loaded process, finding next to no garbage: reference counting frees
nearly everything the portal makes. Measured (docs/performance.md, "Garbage collector"): half a second
of a 10,000-line order sync and 13.9 s of the 34 s SKU benchmark were spent there.

``collector_tune`` runs once per process when Django starts (``CoreConfig.ready``) and raises the
youngest generation's threshold to ``SMARTSHIP_GC_YOUNG_THRESHOLD`` (default 100,000): cycles are still
collected, a hundred and forty times less often. The older generations keep their ratios.
"""

from __future__ import annotations

import gc


def collector_tune(*, young: int) -> tuple[int, ...]:
    """Collect the youngest generation every ``young`` new objects (0 or less: leave Python's setting);
    return the thresholds now in force."""
    if young > 0:
        _, *older = gc.get_threshold()
        gc.set_threshold(young, *older)
    return gc.get_threshold()
