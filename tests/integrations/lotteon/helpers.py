"""Small builders shared by the LotteON unit tests."""

from __future__ import annotations

from typing import Any

from integrations.lotteon.client import LotteOnClient, RetryPolicy
from integrations.ratelimit import NoRateLimit

BASE = "https://openapi.lotteon.com"
KEY = "secret-test-key-9f8e7d"  # asserted absent from every log line


def envelope(
    data: Any = None, return_code: str = "0000", message: str = "정상 처리되었습니다.", **extra: Any
) -> dict:
    body: dict[str, Any] = {"returnCode": return_code, "message": message, "subMessages": None, "data": data}
    if isinstance(data, list):
        body["dataCount"] = len(data)
    body.update(extra)
    return body


class Sleeps(list):
    """An injectable ``sleep`` that records instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def make_client(**kwargs: Any) -> tuple[LotteOnClient, Sleeps]:
    sleeps = Sleeps()
    options: dict[str, Any] = {
        "base_url": BASE,
        "tr_no": "LO10000001",
        "account": "shop-1",
        "rate_limiter": NoRateLimit(),
        "sleep": sleeps,
        "rand": lambda: 0.5,
        "retry": RetryPolicy(max_attempts=4, base_delay=1.0, max_delay=8.0, max_wait=10.0),
    }
    options.update(kwargs)
    return LotteOnClient(KEY, **options), sleeps
