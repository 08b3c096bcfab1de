"""scripts/keep-running, which the demo's Procfile puts around its processes: a process that dies is started
again, and stopping the wrapper (honcho's SIGTERM, Ctrl-C's SIGINT) stops the process and ends for good."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "keep-running"


def _wait_for(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _start(tmp_path: Path, program: str, min_uptime: int = 0) -> tuple[subprocess.Popen, Path]:
    starts = tmp_path / "starts"
    code = f"import os, sys, time\nopen({str(starts)!r}, 'a').write(f'{{os.getpid()}}\\n')\n{program}"
    wrapper = subprocess.Popen([str(SCRIPT), sys.executable, "-c", code], stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "KEEP_RUNNING_DELAY": "0.2",
                                    "KEEP_RUNNING_MIN_UPTIME": str(min_uptime)})
    return wrapper, starts


def _pids(starts: Path) -> list[int]:
    return [int(line) for line in starts.read_text().split()] if starts.exists() else []


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_process_that_dies_is_started_again(tmp_path):
    wrapper, starts = _start(tmp_path, "time.sleep(60)")
    try:
        _wait_for(lambda: len(_pids(starts)) == 1)
        os.kill(_pids(starts)[0], signal.SIGKILL)  # as the kernel's out-of-memory killer would
        _wait_for(lambda: len(_pids(starts)) == 2)
        assert wrapper.poll() is None
    finally:
        wrapper.terminate()
        _, stderr = wrapper.communicate(timeout=10)
    assert "ended with status 137; starting it again" in stderr


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_stopping_the_wrapper_stops_the_process_and_ends(tmp_path, stop):
    wrapper, starts = _start(tmp_path, "time.sleep(60)")
    _wait_for(lambda: len(_pids(starts)) == 1)
    wrapper.send_signal(stop)
    assert wrapper.wait(timeout=10) == 0
    (pid,) = _pids(starts)
    _wait_for(lambda: not _alive(pid))
    time.sleep(0.5)  # longer than the restart delay: nothing was started again
    assert len(_pids(starts)) == 1


def test_a_process_that_ends_right_after_starting_is_not_started_again(tmp_path):
    # A port in use: the error stays the last line and honcho stops the demo, as without the wrapper.
    wrapper, starts = _start(tmp_path, "sys.exit('Error: That port is already in use.')", min_uptime=5)
    assert wrapper.wait(timeout=10) == 1
    assert len(_pids(starts)) == 1
    assert "right after starting; not starting it again" in wrapper.stderr.read()


def test_what_a_dead_process_started_is_stopped_before_it_is_started_again(tmp_path):
    # Celery's embedded beat is a child of the worker: a killed worker must not leave a second beat running.
    beats = tmp_path / "beats"
    program = (f"import subprocess\nbeat = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
               f"open({str(beats)!r}, 'a').write(f'{{beat.pid}}\\n')\ntime.sleep(60)")
    wrapper, starts = _start(tmp_path, program)
    try:
        _wait_for(lambda: len(_pids(beats)) == 1)
        os.kill(_pids(starts)[0], signal.SIGKILL)
        _wait_for(lambda: len(_pids(beats)) == 2)
        _wait_for(lambda: not _alive(_pids(beats)[0]))
        assert _alive(_pids(beats)[1])
    finally:
        wrapper.terminate()
        wrapper.communicate(timeout=10)
    _wait_for(lambda: not _alive(_pids(beats)[1]))
