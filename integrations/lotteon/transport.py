"""The HTTP layer under the LotteON client: headers, timeouts, rate limit, retries, error mapping, call log.

``Transport.call`` is the one place where a request is sent and where every transport failure and
every non-success answer becomes a typed error (``integrations.errors``), raised ``from`` the cause.

Reads are retried with exponential backoff and full jitter on 429, 5xx, timeouts, connection errors
and malformed answers, honouring the wait LotteON asks for. Writes are sent exactly once, and a
failed write is classified:

- *safely not applied*: the request provably never reached LotteON (DNS failure, connection
  refused, TLS failure, connect timeout) or LotteON refused it as a whole (401, 403, 404 and other
  4xx, 429, a ``returnCode`` other than 0000). The usual typed error is raised.
- *outcome unknown*: LotteON may have received and applied it (read timeout, connection dropped
  after sending, any 5xx, a body that is not the envelope or lacks ``data.rsltCd``).
  ``OutcomeUnknown`` is raised; the caller reads the state back before sending anything again.
"""

from __future__ import annotations

import codecs
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import orjson
import requests
from urllib3.exceptions import MaxRetryError, NewConnectionError

from integrations import errors
from integrations.lotteon import codes, mappers
from integrations.lotteon.records import CallRecord
from integrations.lotteon.timeutil import KST
from integrations.ratelimit import RateLimiter, default_limiter, key_fingerprint

logger = logging.getLogger("smartship.lotteon")

SITE = "lotteon"


@dataclass(frozen=True)
class Endpoint:
    api_no: int
    method: str
    path: str
    write: bool = False


@dataclass(frozen=True)
class RetryPolicy:
    """Retries of reads. Writes are never retried."""

    max_attempts: int = 4
    base_delay: float = 0.5  # first backoff ceiling; doubles per attempt, full jitter below it
    max_delay: float = 8.0  # ceiling of one backoff
    # Longest wait sat out inline (a Retry-After, or the 60 s 429 default). Anything longer raises
    # (RateLimited with retry_after) so a Celery task can come back later instead of blocking.
    max_wait: float = 10.0
    rate_limited_wait: float = 60.0  # 429 without Retry-After: "retry after 1 minute" (row 5)


class Transport:
    """One API key against one base URL. Holds the key; never logs or shows it."""

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str,
        account: str = "",
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        rate_limiter: RateLimiter | None = None,
        on_call: Callable[[CallRecord], None] | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        if not api_key or not api_key.strip():
            raise ValueError("api_key is required")
        self._api_key = api_key.strip()
        self.base_url = base_url.rstrip("/")
        self.account = account
        self.timeout = (connect_timeout, read_timeout)
        self.retry = retry or RetryPolicy()
        self._limiter = rate_limiter if rate_limiter is not None else default_limiter()
        # The limiter sees a fingerprint: a shared (cache-backed) limiter must not store the key.
        self._limiter_key = f"{SITE}:{key_fingerprint(self._api_key)}"
        self._on_call = on_call
        self.session = session or requests.Session()
        self._sleep = sleep
        self._rand = rand
        self._clock = clock
        self.now = now or (lambda: datetime.now(KST))

    def __repr__(self) -> str:
        return f"Transport(base_url={self.base_url!r}, account={self.account!r})"

    def call(
        self,
        endpoint: Endpoint,
        *,
        body: Any = None,
        params: Mapping[str, str] | None = None,
        payload: tuple[Any, ...] = (),
    ) -> dict[str, Any]:
        if not self._api_key.isascii():
            # An HTTP header cannot carry it (a UnicodeEncodeError deep in http.client), and no LotteON key
            # has such characters: the key is wrong, as LotteON would say with a 401.
            raise errors.Unauthorized("The API Key holds characters no LotteON key has (Hangul, symbols outside "
                                      "ASCII): copy the whole key from the store center again and save it.",
                                      site=SITE, api=str(endpoint.api_no))
        if endpoint.write:
            return self._attempt(endpoint, body, params, attempt=1, payload=payload)
        attempt = 1
        while True:
            try:
                return self._attempt(endpoint, body, params, attempt=attempt)
            except errors.SalesSiteError as e:
                if not e.retryable or attempt >= self.retry.max_attempts:
                    raise
                wait = self._wait_before_retry(e, attempt)
                if wait > self.retry.max_wait:
                    # Longer than we sit out inline: the error carries retry_after for the task.
                    raise
                self._sleep(wait)
                attempt += 1

    def _wait_before_retry(self, error: errors.SalesSiteError, attempt: int) -> float:
        if error.retry_after is not None:
            return error.retry_after
        ceiling = min(self.retry.max_delay, self.retry.base_delay * 2 ** (attempt - 1))
        return self._rand() * ceiling  # full jitter: spreads many workers' retries apart

    def _headers(self, endpoint: Endpoint) -> dict[str, str]:
        headers = {
            "Authorization": f"Bearer {self._api_key}",
            "Accept": "application/json",
            "Accept-Language": "ko",
            "X-Timezone": "GMT+09:00",
        }
        if endpoint.method == "POST":
            headers["Content-Type"] = "application/json"
        return headers

    def _attempt(
        self,
        endpoint: Endpoint,
        body: Any,
        params: Mapping[str, str] | None,
        *,
        attempt: int,
        payload: tuple[Any, ...] = (),
    ) -> dict[str, Any]:
        self._limiter.acquire(self._limiter_key)
        started_at = datetime.now(UTC)
        start = self._clock()
        status: int | None = None
        return_code = ""
        error = ""
        try:
            try:
                response = self.session.request(
                    endpoint.method,
                    self.base_url + endpoint.path,
                    json=body if endpoint.method == "POST" else None,
                    params=params,
                    headers=self._headers(endpoint),
                    timeout=self.timeout,
                    allow_redirects=False,
                )
            except requests.RequestException as e:
                raise self._transport_error(endpoint, e, payload) from e
            status = response.status_code
            envelope = self._check(endpoint, response, payload)
            return_code = mappers.text(envelope.get("returnCode"))
            return envelope
        except errors.SalesSiteError as e:
            error = str(e.code)
            if isinstance(e, errors.BusinessError):
                return_code = e.return_code
            raise
        except Exception as e:
            # A bug on our side still gets its call-log line, marked as such.
            error = f"internal:{type(e).__name__}"
            raise
        finally:
            self._record(
                CallRecord(
                    account=self.account,
                    api_no=endpoint.api_no,
                    method=endpoint.method,
                    path=endpoint.path,
                    http_status=status,
                    return_code=return_code,
                    duration_ms=round((self._clock() - start) * 1000),
                    attempt=attempt,
                    error=error,
                    started_at=started_at,
                    write=endpoint.write,
                )
            )

    def _transport_error(
        self, endpoint: Endpoint, e: requests.RequestException, payload: tuple[Any, ...]
    ) -> errors.SalesSiteError:
        host = urlsplit(self.base_url).netloc
        if isinstance(e, requests.ConnectTimeout) or _before_sending(e):
            # Nothing reached LotteON: safe on writes too, the caller may send again.
            if isinstance(e, requests.ConnectTimeout):
                return errors.Timeout(
                    codes.MSG_TIMEOUT.format(seconds=self.timeout[0]), site=SITE, api=str(endpoint.api_no)
                )
            return errors.HostUnreachable(
                codes.MSG_UNREACHABLE.format(host=host), site=SITE, api=str(endpoint.api_no)
            )
        if endpoint.write:
            return self.unknown(endpoint, type(e).__name__, payload)
        if isinstance(e, requests.Timeout):
            return errors.Timeout(
                codes.MSG_TIMEOUT.format(seconds=self.timeout[1]), site=SITE, api=str(endpoint.api_no)
            )
        if isinstance(e, requests.ConnectionError):
            return errors.HostUnreachable(
                codes.MSG_UNREACHABLE.format(host=host), site=SITE, api=str(endpoint.api_no)
            )
        # Truncated or undecodable body (ChunkedEncodingError, ContentDecodingError, …).
        return self.malformed(endpoint, type(e).__name__)

    def _check(
        self, endpoint: Endpoint, response: requests.Response, payload: tuple[Any, ...]
    ) -> dict[str, Any]:
        """HTTP status, then the envelope, then ``returnCode``."""
        status = response.status_code
        api = str(endpoint.api_no)
        if status == 401:
            raise errors.Unauthorized(codes.MSG_UNAUTHORIZED, site=SITE, api=api, http_status=status)
        if status == 403:
            raise errors.Forbidden(codes.MSG_FORBIDDEN, site=SITE, api=api, http_status=status)
        if status == 429:
            wait = _retry_after(response, self.now)
            raise errors.RateLimited(
                codes.MSG_RATE_LIMITED,
                retry_after=wait if wait is not None else self.retry.rate_limited_wait,
                site=SITE,
                api=api,
                http_status=status,
            )
        if status >= 500:
            if endpoint.write:
                # LotteON may have applied the write before failing (the sandbox's afterApply fault).
                raise self.unknown(endpoint, f"HTTP {status}", payload, http_status=status)
            raise errors.ServerError(
                codes.MSG_SERVER_ERROR.format(status=status),
                site=SITE,
                api=api,
                http_status=status,
                retry_after=_retry_after(response, self.now),
            )
        if status >= 400 or not 200 <= status < 300:
            raise errors.RequestRejected(
                codes.MSG_REJECTED.format(status=status), site=SITE, api=api, http_status=status
            )
        try:
            envelope = _json_of(response)
        except ValueError as e:  # not JSON, or not in its charset
            if endpoint.write:
                raise self.unknown(endpoint, "answer is not JSON", payload, http_status=status) from e
            raise self.malformed(endpoint, "answer is not JSON", http_status=status) from e
        if not isinstance(envelope, dict) or "returnCode" not in envelope:
            if endpoint.write:
                raise self.unknown(
                    endpoint, "answer is not the LotteON envelope", payload, http_status=status
                )
            raise self.malformed(endpoint, "answer is not the LotteON envelope", http_status=status)
        return_code = mappers.text(envelope.get("returnCode"))
        if return_code != codes.SUCCESS:
            site_message = mappers.text(envelope.get("message"))
            message = (
                codes.MSG_WINDOW_TOO_LONG
                if return_code == "2003"
                else codes.MSG_BUSINESS.format(code=return_code, site_message=site_message or "no message")
            )
            raise errors.BusinessError(
                message,
                return_code=return_code,
                site_message=site_message,
                site=SITE,
                api=api,
                http_status=status,
            )
        return envelope

    def malformed(self, endpoint: Endpoint, detail: str, **kwargs: Any) -> errors.MalformedResponse:
        return errors.MalformedResponse(
            codes.MSG_MALFORMED.format(detail=detail), site=SITE, api=str(endpoint.api_no), **kwargs
        )

    def unknown(
        self, endpoint: Endpoint, cause: str, payload: tuple[Any, ...] = (), **kwargs: Any
    ) -> errors.OutcomeUnknown:
        return errors.OutcomeUnknown(
            codes.MSG_OUTCOME_UNKNOWN.format(cause=cause),
            payload=payload,
            site=SITE,
            api=str(endpoint.api_no),
            extra={"cause": cause},
            **kwargs,
        )

    def _record(self, record: CallRecord) -> None:
        level = logging.INFO if not record.error else logging.WARNING
        logger.log(
            level,
            "lotteon call account=%s api=%s method=%s path=%s status=%s returnCode=%s duration_ms=%d attempt=%d error=%s",
            record.account,
            record.api_no,
            record.method,
            record.path,
            record.http_status if record.http_status is not None else "-",
            record.return_code or "-",
            record.duration_ms,
            record.attempt,
            record.error or "-",
            extra={"lotteon_call": record},
        )
        if self._on_call is not None:
            try:
                self._on_call(record)
            except Exception:
                # The call log is bookkeeping; losing one row must not turn a good call into a failure.
                logger.exception("lotteon on_call callback failed")


def _json_of(response: requests.Response) -> Any:
    """The JSON document of an answer. orjson reads UTF-8 bytes as they came (a day of orders is
    megabytes of JSON, and the standard library's parser was a tenth of a large sync's time); an answer
    that declares another charset (EUC-KR is common in Korea) is decoded with it first, as ``requests``
    would, and a UTF-8 byte-order mark is skipped. Without a declared charset JSON is UTF-8 (RFC 8259),
    even under a ``text/*`` type that HTTP/1.1 would read as Latin-1; an unknown charset name is read
    as UTF-8, as ``requests`` does."""
    content = response.content
    declared = "charset" in response.headers.get("Content-Type", "").lower()
    try:
        charset = codecs.lookup(response.encoding if declared and response.encoding else "utf-8").name
    except LookupError:
        charset = "utf-8"
    if charset != "utf-8":
        text = content.decode(charset)
        return _without_nul(orjson.loads(text)) if "\\u0000" in text else orjson.loads(text)
    body = content.removeprefix(codecs.BOM_UTF8)
    return _without_nul(orjson.loads(body)) if b"\\u0000" in body else orjson.loads(body)


def _without_nul(value: Any) -> Any:
    """The document without U+0000 in any text. PostgreSQL's text and jsonb cannot hold it, so one buyer's
    delivery message carrying it (pasted from another program) would fail storing its whole day on every sync;
    the character carries nothing a warehouse needs. Only answers whose bytes hold the escape come here."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_without_nul(key): _without_nul(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    return value


def _before_sending(e: requests.RequestException) -> bool:
    """True when the request cannot have reached the server (DNS, refused, TLS handshake)."""
    if isinstance(e, requests.exceptions.SSLError):
        return True
    if not isinstance(e, requests.ConnectionError):
        return False
    reason: Any = e.args[0] if e.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    # NameResolutionError is a NewConnectionError in urllib3 2.
    return isinstance(reason, NewConnectionError)


def _retry_after(response: requests.Response, now: Callable[[], datetime]) -> float | None:
    """``Retry-After`` in seconds (delta-seconds or an HTTP date), or None when absent/unreadable."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now()).total_seconds())
