"""fewer_collections: the collector's thresholds are raised inside and put back by the last one out."""

from __future__ import annotations

import gc
import threading

from core.collector import YOUNG_THRESHOLD, fewer_collections


def test_thresholds_are_raised_inside_and_restored_after():
    before = gc.get_threshold()
    with fewer_collections():
        assert gc.get_threshold()[0] == max(before[0], YOUNG_THRESHOLD)
        assert gc.get_threshold()[1:] == before[1:]
    assert gc.get_threshold() == before


def test_restored_after_an_error():
    before = gc.get_threshold()
    try:
        with fewer_collections():
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert gc.get_threshold() == before


def test_overlapping_blocks_on_two_threads_restore_once_the_last_leaves():
    before = gc.get_threshold()
    inside, leave = threading.Event(), threading.Event()

    def other() -> None:
        with fewer_collections():
            inside.set()
            leave.wait(5)

    thread = threading.Thread(target=other)
    with fewer_collections():
        thread.start()
        assert inside.wait(5)
    # The first block has left; the other thread's is still open.
    assert gc.get_threshold()[0] == max(before[0], YOUNG_THRESHOLD)
    leave.set()
    thread.join(5)
    assert gc.get_threshold() == before
