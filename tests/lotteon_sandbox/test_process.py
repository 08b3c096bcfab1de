"""The command line: one listening line on stdout, then a clean exit on SIGTERM and Ctrl-C."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

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


def _url(line: str) -> str:
    assert line.startswith("LotteON sandbox listening on http://127.0.0.1:"), line
    return line.split(" on ", 1)[1].strip()


def _stop(process) -> str:
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=10)
    assert process.returncode == 0, err
    return err


KEY = "demo-lotteon-api-key"


def test_with_a_state_file_a_restart_goes_on_from_what_happened(tmp_path):
    """The demo restarts its sandbox with the portal: orders created, confirmed and shipped stay so, and new
    orders get new numbers, as at LotteON (a fresh world would hand out the same numbers again)."""
    state_file = tmp_path / "sandbox.state"
    process, line = _start("--lines", "10", "--state-file", str(state_file))
    try:
        url = _url(line)
        stock = requests.get(url + "/__admin__/state", params={"apiKey": KEY}, timeout=5).json()["stock"]
        item = next(row["eitmNo"] for row in stock if row["eitmNo"] and row["slStatCd"] == "SALE")
        created = requests.post(url + "/__admin__/orders", json={"apiKey": KEY, "lines": [{"eitmNo": item, "odQty": 2}]},
                                timeout=5)
        assert created.status_code == 201, created.text
        od_no = created.json()["odNo"]
        assert requests.post(url + f"/__admin__/orders/{od_no}/link", json={}, timeout=5).json()["linked"] == 1
        before = requests.get(url + "/__admin__/state", params={"apiKey": KEY}, timeout=5).json()
    finally:
        if process.poll() is None:
            _stop(process)
    assert state_file.exists()

    process, line = _start("--lines", "10", "--state-file", str(state_file))
    try:
        url = _url(line)
        after = requests.get(url + "/__admin__/state", params={"apiKey": KEY}, timeout=5).json()
        assert after["orders"] == before["orders"] and after["stock"] == before["stock"]
        again = requests.post(url + "/__admin__/orders", json={"apiKey": KEY, "lines": [{"eitmNo": item}]}, timeout=5)
        assert again.json()["odNo"] not in {row["odNo"] for row in before["orders"]}
        assert [row["ifCplYN"] for row in after["orders"] if row["odNo"] == od_no] == ["Y"]
    finally:
        _stop(process)


def test_a_state_file_it_cannot_read_is_set_aside_and_a_new_world_starts(tmp_path):
    state_file = tmp_path / "sandbox.state"
    state_file.write_bytes(b"not a sandbox state")
    process, line = _start("--lines", "10", "--state-file", str(state_file))
    try:
        url = _url(line)
        assert len(requests.get(url + "/__admin__/state", params={"apiKey": KEY}, timeout=5).json()["orders"]) == 10
    finally:
        err = _stop(process)
    assert "sandbox.state.unreadable" in err and "Traceback" not in err
    assert (tmp_path / "sandbox.state.unreadable").read_bytes() == b"not a sandbox state"
    assert state_file.exists() and state_file.read_bytes() != b"not a sandbox state"


def test_a_state_file_it_cannot_write_is_said_and_the_sandbox_serves_on(tmp_path):
    # The file's folder is a file: neither reading nor any save can work.
    (tmp_path / "taken").write_text("")
    state_file = tmp_path / "taken" / "sandbox.state"
    process, line = _start("--lines", "5", "--state-file", str(state_file))
    try:
        url = _url(line)
        time.sleep(2.5)  # at least one periodic save has been tried
        assert requests.get(url + "/__admin__/health", timeout=5).json() == {"ok": True}
    finally:
        err = _stop(process)
    assert f"cannot read {state_file}" in err and f"cannot write {state_file}" in err and "Traceback" not in err
