"""The command line: one listening line on stdout, then a clean exit on SIGTERM and Ctrl-C."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest
import requests

from tests.plugins.sandbox import REPO_ROOT


def _start(*args):
    process = subprocess.Popen(
        [sys.executable, "-m", "lotteon_sandbox", "--port", "0", *args],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    line = process.stdout.readline()
    return process, line


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_listening_line_and_clean_exit(sig):
    process, line = _start("--lines", "30", "--days", "2", "--seed", "9")
    try:
        assert line.startswith("LotteON sandbox listening on http://127.0.0.1:")
        url = line.split(" on ", 1)[1].strip()
        assert requests.get(url + "/__admin__/health", timeout=5).json() == {"ok": True}
        state = requests.get(url + "/__admin__/state", params={"apiKey": "demo-lotteon-api-key"}, timeout=5).json()
        assert len(state["orders"]) == 30
        process.send_signal(sig)
        out, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0
    assert out == ""
    assert "Traceback" not in err
