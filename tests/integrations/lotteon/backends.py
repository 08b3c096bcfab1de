"""The two backends of the LotteON contract suite: `responses` (fake.py) and the sandbox over HTTP.

Both expose the same small set-up and inspection vocabulary; the contract tests use only that, so
every test runs unchanged against both.
"""

from __future__ import annotations

import re
import socket
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import requests
import responses
from urllib3.exceptions import MaxRetryError, NewConnectionError

from integrations.lotteon.client import LotteOnClient, RetryPolicy
from integrations.lotteon.timeutil import format_dttm
from integrations.ratelimit import NoRateLimit
from tests.integrations.lotteon import fake
from tests.integrations.lotteon.helpers import Sleeps


@dataclass(frozen=True)
class CatalogItem:
    spd_no: str
    sitm_no: str
    epd_no: str
    eitm_no: str
    stock: int
    status: str


@dataclass(frozen=True)
class LiveLine:
    step: str
    link: str
    dv_co_cd: str
    invc_no: str
    od_qty: int


class Backend(ABC):
    name: str
    base_url: str
    api_key: str = fake.DEMO_KEY
    tr_no: str = fake.DEMO_TR_NO

    def client(
        self, *, api_key: str | None = None, base_url: str | None = None, **kwargs: Any
    ) -> LotteOnClient:
        """A client with instant sleeps (recorded on ``client.sleeps``) and short timeouts."""
        sleeps = Sleeps()
        options: dict[str, Any] = {
            "base_url": base_url or self.base_url,
            "tr_no": self.tr_no,
            "account": f"contract-{self.name}",
            "rate_limiter": NoRateLimit(),
            "sleep": sleeps,
            "rand": lambda: 0.5,
            "retry": RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.05, max_wait=5.0),
            "read_timeout": 5.0,
        }
        options.update(kwargs)
        client = LotteOnClient(api_key or self.api_key, **options)
        client.sleeps = sleeps  # type: ignore[attr-defined]
        return client

    def unreachable_url(self) -> str:
        # A port that was just free: nothing listens, the connection is refused.
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        return f"http://127.0.0.1:{port}"

    @abstractmethod
    def catalog(self) -> list[CatalogItem]: ...

    @abstractmethod
    def create_order(
        self, owho: datetime, items: list[tuple[str, int]], state: str = "new"
    ) -> dict[str, Any]:
        """An order with one line per ``(sitmNo, odQty)``; returns ``{"odNo", "lines": [209 rows]}``."""

    @abstractmethod
    def cancel(self, od_no: str, od_seq: str | None = None, qty: int | None = None) -> None: ...

    @abstractmethod
    def link_elsewhere(self, od_no: str) -> None:
        """Another tool sends 210 for the order."""

    @abstractmethod
    def live(self, od_no: str, od_seq: str) -> LiveLine: ...

    @abstractmethod
    def stock(self, sitm_no: str) -> CatalogItem: ...

    @abstractmethod
    def fault(self, **spec: Any) -> None:
        """Same spec as the sandbox's ``fault`` (status, count, path, delay, malformed, returnCode,
        retryAfter, afterApply)."""

    @abstractmethod
    def rate_limit(self, per_minute: int) -> None: ...

    @abstractmethod
    def expired_key(self) -> str: ...

    @abstractmethod
    def unregistered_ip_key(self) -> str: ...

    @abstractmethod
    def calls_to(self, path: str) -> int:
        """How many requests reached ``path`` so far."""


class ResponsesBackend(Backend):
    name = "responses"
    base_url = fake.BASE

    def __init__(self, world: fake.FakeLotteOn, mock: responses.RequestsMock) -> None:
        self.world = world
        self.mock = mock

    def unreachable_url(self) -> str:
        url = super().unreachable_url()
        # What requests raises for a refused connection (responses' own "no match" error has no cause).
        refused = requests.ConnectionError(
            MaxRetryError(None, url, NewConnectionError(None, "[Errno 111] Connection refused"))
        )
        self.mock.add(responses.GET, re.compile(re.escape(url) + ".*"), body=refused)
        self.mock.add(responses.POST, re.compile(re.escape(url) + ".*"), body=refused)
        return url

    def catalog(self) -> list[CatalogItem]:
        return [
            CatalogItem(p.spd_no, i.sitm_no, p.epd_no, i.eitm_no, i.stock, i.status)
            for p in self.world.products
            for i in p.items
        ]

    def create_order(
        self, owho: datetime, items: list[tuple[str, int]], state: str = "new"
    ) -> dict[str, Any]:
        return self.world.create_order(owho, items, state)

    def cancel(self, od_no: str, od_seq: str | None = None, qty: int | None = None) -> None:
        self.world.cancel(od_no, od_seq, qty)

    def link_elsewhere(self, od_no: str) -> None:
        self.world.link_elsewhere(od_no)

    def live(self, od_no: str, od_seq: str) -> LiveLine:
        line = self.world.lines[(od_no, od_seq, "1")]
        return LiveLine(line.step, line.link, line.dv_co_cd, line.invc_no, line.row["odQty"])

    def stock(self, sitm_no: str) -> CatalogItem:
        return next(c for c in self.catalog() if c.sitm_no == sitm_no)

    def fault(self, **spec: Any) -> None:
        self.world.faults.append(fake.Fault(**spec))

    def rate_limit(self, per_minute: int) -> None:
        self.world.per_minute = per_minute
        self.world.used.clear()

    def expired_key(self) -> str:
        return fake.EXPIRED_KEY

    def unregistered_ip_key(self) -> str:
        return fake.FOREIGN_IP_KEY

    def calls_to(self, path: str) -> int:
        return sum(1 for _, p in self.world.calls if p == path)


class SandboxBackend(Backend):
    name = "sandbox"

    def __init__(self, sandbox: Any) -> None:
        self.sandbox = sandbox
        self.base_url = sandbox.url
        self.api_key = sandbox.DEMO_KEY
        self.tr_no = sandbox.DEMO_TR_NO

    def catalog(self) -> list[CatalogItem]:
        return [
            CatalogItem(r["spdNo"], r["sitmNo"], r["epdNo"], r["eitmNo"], r["stkQty"], r["slStatCd"])
            for r in self.sandbox.state(api_key=self.api_key)["stock"]
            # Items of products that do not manage stock report 999999999 and refuse 86.
            if r.get("stkMgtYn", "Y") == "Y"
        ]

    def create_order(
        self, owho: datetime, items: list[tuple[str, int]], state: str = "new"
    ) -> dict[str, Any]:
        return self.sandbox.create_order(
            apiKey=self.api_key,
            owhoDttm=format_dttm(owho),
            state=state,
            lines=[{"sitmNo": sitm_no, "odQty": qty} for sitm_no, qty in items],
        )

    def cancel(self, od_no: str, od_seq: str | None = None, qty: int | None = None) -> None:
        self.sandbox.cancel(od_no, odSeq=od_seq, cnclQty=qty)

    def link_elsewhere(self, od_no: str) -> None:
        self.sandbox.link(od_no)

    def live(self, od_no: str, od_seq: str) -> LiveLine:
        orders = self.sandbox.state(api_key=self.api_key)["orders"]
        row = next(o for o in orders if o["odNo"] == od_no and o["odSeq"] == od_seq)
        return LiveLine(row["odPrgsStepCd"], row["ifCplYN"], row["dvCoCd"], row["invcNo"], row["odQty"])

    def stock(self, sitm_no: str) -> CatalogItem:
        return next(c for c in self.catalog() if c.sitm_no == sitm_no)

    def fault(self, **spec: Any) -> None:
        self.sandbox.fault(**spec)

    def rate_limit(self, per_minute: int) -> None:
        self.sandbox.rate_limit(per_minute)

    def expired_key(self) -> str:
        key = "expired-contract-key"
        self.sandbox.supplier(apiKey=key, trNo="LO30000003", trNm="만료상점", expired=True)
        return key

    def unregistered_ip_key(self) -> str:
        key = "foreign-ip-contract-key"
        # TEST-NET-3: never the address the tests call from.
        self.sandbox.supplier(apiKey=key, trNo="LO40000004", trNm="IP상점", allowedIps=["203.0.113.7"])
        return key

    def calls_to(self, path: str) -> int:
        return sum(1 for call in self.sandbox.calls() if call["path"] == path)


@contextmanager
def responses_backend() -> Iterator[ResponsesBackend]:
    world = fake.FakeLotteOn()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        world.install(mock)
        yield ResponsesBackend(world, mock)
