"""HTTP front of the sandbox: routing, auth, IP allowlist, rate limit, faults and the call log."""

from __future__ import annotations

import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from . import admin
from .codes import now_kst
from .openapi import KNOWN_PATHS, ROUTES, Ctx, Reply, call, envelope
from .state import Fault, Sandbox

ADMIN_PREFIX = "/__admin__"
DEFAULT_RETRY_AFTER = 60
MAX_LOGGED_TEXT = 2000

MESSAGES = {
    401: "인증에 실패하였습니다. API Key가 유효하지 않거나 만료되었습니다. (Unauthorized: the API key is invalid or expired.)",
    403: "허용되지 않은 IP입니다. OpenAPI관리에서 서버 IP를 등록하세요. (Forbidden: the caller IP is not registered for this key.)",
    404: "요청하신 API를 찾을 수 없습니다. (Not Found: wrong path.)",
    429: "접속량 초과: 잠시 후 다시 시도하세요. (Too Many Requests: retry later.)",
    500: "시스템 오류가 발생하였습니다. (Internal Server Error.)",
    502: "게이트웨이 오류가 발생하였습니다. (Bad Gateway.)",
    503: "서비스를 일시적으로 사용할 수 없습니다. (Service Unavailable.)",
    504: "게이트웨이 시간 초과. (Gateway Timeout.)",
}
CLIENT_HEADERS = ("Accept", "Accept-Language", "X-Timezone", "Content-Type")
MALFORMED_REQUEST = "요청 형식이 올바르지 않습니다. (Not Found: malformed request, the body is not valid JSON.)"
MALFORMED_BODY = b"<html><head><title>502 Bad Gateway</title></head><body>upstream error</body></html>"


def http_error(status: int, message: str | None = None, *, retry_after: int | None = None,
               with_retry_after: bool = True) -> Reply:
    # HTTP-level failures carry the envelope too, with the HTTP status as returnCode.
    reply = envelope(str(status), message or MESSAGES.get(status, f"HTTP {status}"), status=status)
    if status == 429 and with_retry_after:
        reply.headers["Retry-After"] = str(retry_after if retry_after is not None else DEFAULT_RETRY_AFTER)
    return reply


def bearer_key(header: str | None) -> str:
    if not header:
        return ""
    scheme, _, key = header.strip().partition(" ")
    return key.strip() if scheme.lower() == "bearer" else ""


def mask_key(key: str) -> str:
    return f"****{key[-4:]}" if key else ""


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    # The default backlog of 5 drops connections when a benchmark opens many at once.
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], sandbox: Sandbox) -> None:
        super().__init__(address, Handler)
        self.sandbox = sandbox

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-answer (a timeout in a test, a closed pipe) is not a server error.
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "LotteON-Sandbox/1.0"
    sys_version = ""
    # Headers and body go out in separate writes; without this Nagle + delayed ACK add ~40 ms per call.
    disable_nagle_algorithm = True
    timeout = 300
    server: SandboxServer

    def log_message(self, format: str, *args: Any) -> None:
        # The call log (GET /__admin__/calls) replaces per-request console noise.
        return

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    # plumbing

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _dispatch(self, method: str) -> None:
        try:
            raw = self._read_body()
        except (ValueError, OSError):
            self.close_connection = True
            self._send(400, b'{"error": "unreadable body"}', "application/json")
            return
        parts = urlsplit(self.path)
        query = {name: values[0] for name, values in parse_qs(parts.query, keep_blank_values=True).items()}
        if parts.path == ADMIN_PREFIX or parts.path.startswith(ADMIN_PREFIX + "/"):
            status, content_type, body = admin.handle(self.server.sandbox, method, parts.path, query, raw)
            self._send(status, body, content_type)
            return
        self._api(method, parts.path, query, raw)

    def _api(self, method: str, path: str, query: dict[str, str], raw: bytes) -> None:
        sandbox = self.server.sandbox
        started = time.perf_counter()
        key = bearer_key(self.headers.get("Authorization"))
        remote_ip = self.client_address[0]
        record: dict[str, Any] = {
            "id": None,
            "time": now_kst().isoformat(timespec="milliseconds"),
            "method": method,
            "path": path,
            "apiNo": KNOWN_PATHS.get(path),
            "remoteIp": remote_ip,
            "apiKey": mask_key(key),
            "trNo": "",
            "status": 0,
            "returnCode": None,
            "dataCount": None,
            "durationMs": 0.0,
            "fault": None,
            "request": {
                # What API.md §2 asks of every request, so that tests can check the client sends it.
                "headers": {"Authorization": f"Bearer {mask_key(key)}" if key else "",
                            **{name: self.headers[name] for name in CLIENT_HEADERS if name in self.headers}},
                "query": query,
                "body": None,
            },
        }
        body: Any = None
        body_ok = True
        # Only the POST APIs read a body (API.md §2); a GET is judged by its query string alone.
        if method == "POST":
            try:
                body = json.loads(raw.decode("utf-8"))
                record["request"]["body"] = body
            except (UnicodeDecodeError, ValueError):
                body_ok = False
                record["request"]["body"] = raw[:MAX_LOGGED_TEXT].decode("utf-8", "replace")

        reply, fault = self._api_reply(sandbox, method, path, query, key, remote_ip, body, body_ok, record)
        if reply is None:  # a malformed-body fault
            payload, content_type, headers = MALFORMED_BODY, "text/html; charset=UTF-8", {}
            record["returnCode"] = None
        else:
            payload, content_type, headers = reply.body(), "application/json;charset=UTF-8", reply.headers
            record["returnCode"] = reply.return_code
            record["dataCount"] = reply.data_count
        status = 200 if reply is None else reply.status
        record["status"] = status
        record["fault"] = fault.id if fault else None
        record["durationMs"] = round((time.perf_counter() - started) * 1000, 3)
        sandbox.record(record)
        self._send(status, payload, content_type, headers)

    def _api_reply(
        self,
        sandbox: Sandbox,
        method: str,
        path: str,
        query: dict[str, str],
        key: str,
        remote_ip: str,
        body: Any,
        body_ok: bool,
        record: dict[str, Any],
    ) -> tuple[Reply | None, Fault | None]:
        route = ROUTES.get((method, path))
        if route is None:
            return http_error(404), None
        api_no, handler = route
        fault = sandbox.take_fault(path)
        if fault and not fault.afterApply:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.replaces_response:
                return fault_reply(fault), fault
        with sandbox.lock:
            supplier = sandbox.world.suppliers.get(key) if key else None
            if supplier is not None:
                record["trNo"] = supplier.trNo
            if supplier is None or supplier.expired:
                reply = http_error(401)
            elif not supplier.ip_allowed(remote_ip):
                reply = http_error(403, f"{MESSAGES[403]} IP: {remote_ip}")
            elif (wait := sandbox.limiter.hit(key, time.monotonic())) is not None:
                reply = http_error(429, f"{MESSAGES[429]} Retry-After: {wait}s", retry_after=wait)
            elif not body_ok:
                reply = http_error(404, MALFORMED_REQUEST)
            else:
                ctx = Ctx(supplier=supplier, shop=sandbox.world.shop_for(supplier), query=query)
                reply = call(handler, ctx, body)
        if fault and fault.afterApply:
            # The change above is kept; the caller only loses (or waits for) the answer.
            if fault.delay:
                time.sleep(fault.delay)
            if fault.replaces_response:
                return fault_reply(fault), fault
        return reply, fault


def fault_reply(fault: Fault) -> Reply | None:
    if fault.malformed:
        return None
    if fault.returnCode is not None:
        return envelope(
            str(fault.returnCode), f"샌드박스 장애 주입: returnCode {fault.returnCode}. (Injected business error.)"
        )
    status = fault.status or 500
    return http_error(status, retry_after=fault.retryAfter, with_retry_after=not fault.noRetryAfter)


def make_server(host: str, port: int, sandbox: Sandbox) -> SandboxServer:
    return SandboxServer((host, port), sandbox)


__all__ = ["SandboxServer", "make_server"]
