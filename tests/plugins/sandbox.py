"""Pytest fixtures that run the LotteON sandbox (`python -m lotteon_sandbox`) as a real process.

`sandbox_server` (session) starts one process on a free port; `sandbox` (function) resets it to an
empty order book before each test. Both yield a `SandboxHandle` that wraps the admin API.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

REPO_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 15.0
ADMIN_TIMEOUT = 30.0
LISTENING = "LotteON sandbox listening on "


class SandboxError(RuntimeError):
    """An admin call answered with a status other than 2xx."""


class SandboxHandle:
    DEMO_KEY = "demo-lotteon-api-key"
    DEMO_TR_NO = "LO10000001"
    OTHER_KEY = "other-lotteon-api-key"
    OTHER_TR_NO = "LO20000002"

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self.session = requests.Session()

    def _admin(self, method: str, path: str, body: dict[str, Any] | None = None, **params: Any) -> Any:
        response = self.session.request(
            method, f"{self.url}/__admin__/{path}", json=body, params=params or None, timeout=ADMIN_TIMEOUT
        )
        if not 200 <= response.status_code < 300:
            raise SandboxError(f"{method} /__admin__/{path} -> {response.status_code}: {response.text[:500]}")
        return response.json()

    def reset(self, **body: Any) -> dict[str, Any]:
        return self._admin("POST", "reset", body)

    def create_order(self, **body: Any) -> dict[str, Any]:
        return self._admin("POST", "orders", body)

    def cancel(self, od_no: str, **body: Any) -> dict[str, Any]:
        return self._admin("POST", f"orders/{od_no}/cancel", body)

    def request_cancel(self, od_no: str, **body: Any) -> dict[str, Any]:
        """A buyer's cancellation request (50 step 02); the lines stay as they are."""
        return self._admin("POST", f"orders/{od_no}/cancel-request", body)

    def withdraw_cancel(self, od_no: str, **body: Any) -> dict[str, Any]:
        """The buyer withdraws the open cancellation requests (50 step 22)."""
        return self._admin("POST", f"orders/{od_no}/cancel-withdrawal", body)

    def retrieval(self, od_no: str, **body: Any) -> dict[str, Any]:
        """A retrieval instruction (209 step 23, RTRV) for a shipped line: ``type`` "return" or "exchange"."""
        return self._admin("POST", f"orders/{od_no}/retrieval", body)

    def link(self, od_no: str, **body: Any) -> dict[str, Any]:
        return self._admin("POST", f"orders/{od_no}/link", body)

    def ship(self, od_no: str, **body: Any) -> dict[str, Any]:
        return self._admin("POST", f"orders/{od_no}/ship", body)

    def create_product(self, **body: Any) -> dict[str, Any]:
        return self._admin("POST", "products", body)

    def fault(self, **body: Any) -> dict[str, Any]:
        return self._admin("POST", "faults", body)

    def clear_faults(self) -> None:
        self._admin("DELETE", "faults")

    def rate_limit(self, per_minute: int, api_key: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"perMinute": per_minute}
        if api_key is not None:
            body["apiKey"] = api_key
        return self._admin("POST", "rate-limit", body)

    def supplier(self, **body: Any) -> dict[str, Any]:
        return self._admin("POST", "suppliers", body)

    def state(self, api_key: str | None = None) -> dict[str, Any]:
        return self._admin("GET", "state", **({"apiKey": api_key} if api_key else {}))

    def calls(self, since: int | None = None) -> list[dict[str, Any]]:
        return self._admin("GET", "calls", **({"since": since} if since is not None else {}))["calls"]


def _read_lines(stream: Any, lines: queue.Queue[str]) -> None:
    for line in iter(stream.readline, ""):
        lines.put(line)


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[SandboxHandle]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "lotteon_sandbox", "--host", "127.0.0.1", "--port", "0", "--lines", "0"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    lines: queue.Queue[str] = queue.Queue()
    # A reader thread keeps the pipe drained so the sandbox never blocks on a full buffer.
    threading.Thread(target=_read_lines, args=(process.stdout, lines), daemon=True).start()
    seen = []
    url = None
    try:
        while url is None:
            try:
                line = lines.get(timeout=START_TIMEOUT)
            except queue.Empty:
                raise RuntimeError(f"LotteON sandbox did not start within {START_TIMEOUT}s: {''.join(seen)}") from None
            seen.append(line)
            if line.startswith(LISTENING):
                url = line[len(LISTENING) :].strip()
            elif process.poll() is not None:
                raise RuntimeError(f"LotteON sandbox exited: {''.join(seen)}")
        yield SandboxHandle(url)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def sandbox(sandbox_server: SandboxHandle) -> SandboxHandle:
    sandbox_server.reset(lines=0)
    return sandbox_server
