"""Typed errors raised by every sales-site client (LotteON first, other marketplaces later).

One base class, ``SalesSiteError``, with a ``code`` from ``ErrorCode`` and a ``message`` written for
the person who has to act on it (the seller or the operator). Marketplace clients pass their own
wording (where to click in *their* seller centre); the defaults below are neutral fallbacks.

Two attributes drive what higher layers do with an error:

- ``retryable``: the same request may simply be sent again later (a Celery task can use
  ``RETRYABLE_ERRORS`` in ``autoretry_for``). ``OutcomeUnknown`` is deliberately *not* retryable:
  the write may have been applied, so the state must be read back first.
- ``retry_after``: seconds the marketplace asked us to wait, when it said so (429 ``Retry-After``).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    RATE_LIMITED = "rate_limited"
    SERVER_ERROR = "server_error"
    TIMEOUT = "timeout"
    HOST_UNREACHABLE = "host_unreachable"
    MALFORMED_RESPONSE = "malformed_response"
    REQUEST_REJECTED = "request_rejected"
    BUSINESS_ERROR = "business_error"
    OUTCOME_UNKNOWN = "outcome_unknown"
    ACCOUNT_MISMATCH = "account_mismatch"


SERVER_IPS_LEAD = " Server IPs to register: "


class SalesSiteError(Exception):
    """Base of every error a sales-site client raises."""

    code: ErrorCode = ErrorCode.SERVER_ERROR
    retryable: bool = False
    default_message: str = "The sales site could not process the request."

    def __init__(
        self,
        message: str | None = None,
        *,
        site: str = "",
        api: str = "",
        http_status: int | None = None,
        retry_after: float | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.site = site
        self.api = api
        self.http_status = http_status
        self.retry_after = retry_after
        self.extra: dict[str, Any] = dict(extra or {})
        super().__init__(self.message)

    def as_dict(self) -> dict[str, Any]:
        """The shape the REST API renders (``{"message", "code", "extra"}``, STYLE.md)."""
        extra = dict(self.extra)
        if self.retry_after is not None:
            extra.setdefault("retry_after", self.retry_after)
        if self.api:
            extra.setdefault("api", self.api)
        return {"message": self.message, "code": str(self.code), "extra": extra}


class Unauthorized(SalesSiteError):
    """HTTP 401: the API key is invalid or has expired. Retrying cannot help."""

    code = ErrorCode.UNAUTHORIZED
    default_message = (
        "The sales site rejected the API key: it is invalid or has expired. Issue a new key and save it."
    )


class Forbidden(SalesSiteError):
    """HTTP 403: the key is fine but the calling server is not allowed (IP allowlist).

    The message ends with the IPs to register (``SMARTSHIP_SERVER_IPS`` when raised, also in ``server_ips``).
    It is stored and shown as it is (Test Connection, the account's connection message, Sync history, the
    stock and tracking pushes), so wherever the refusal is read the list to register is in it.
    """

    code = ErrorCode.FORBIDDEN
    default_message = (
        "The sales site refused this server: its IP address is not registered for the API key. "
        "Register the portal's server IPs with the sales site."
    )

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        from django.conf import settings

        super().__init__(message, **kwargs)
        self.server_ips: list[str] = list(settings.SMARTSHIP_SERVER_IPS)
        # Not twice: an unpickled error is built again from its message.
        if self.server_ips and SERVER_IPS_LEAD not in self.message:
            self.message = f"{self.message}{SERVER_IPS_LEAD}{';'.join(self.server_ips)}."
            self.args = (self.message,)


class RateLimited(SalesSiteError):
    """HTTP 429, or the client's own limit: send again after ``retry_after`` seconds."""

    code = ErrorCode.RATE_LIMITED
    retryable = True
    default_message = "The sales site is limiting the number of calls. The portal will try again shortly."

    def __init__(self, message: str | None = None, *, retry_after: float = 60.0, **kwargs: Any) -> None:
        super().__init__(message, retry_after=retry_after, **kwargs)
        self.retry_after: float = retry_after


class ServerError(SalesSiteError):
    """HTTP 5xx on a read (a write with a 5xx raises ``OutcomeUnknown``)."""

    code = ErrorCode.SERVER_ERROR
    retryable = True
    default_message = "The sales site reported an internal error. The portal will try again later."


class Timeout(SalesSiteError):
    """No answer in time. On a write this is raised only when the request was never sent."""

    code = ErrorCode.TIMEOUT
    retryable = True
    default_message = "The sales site did not answer in time. The portal will try again later."


class HostUnreachable(SalesSiteError):
    """DNS failure or connection refused: the request never reached the sales site."""

    code = ErrorCode.HOST_UNREACHABLE
    retryable = True
    default_message = (
        "The sales site could not be reached (DNS or connection failure). "
        "If this lasts, check the server's network and the configured base URL."
    )


class MalformedResponse(SalesSiteError):
    """The answer was not the expected JSON envelope (HTML error page, truncated body, wrong shape)."""

    code = ErrorCode.MALFORMED_RESPONSE
    retryable = True
    default_message = (
        "The sales site sent an answer the portal could not read. The portal will try again later."
    )


class RequestRejected(SalesSiteError):
    """HTTP 4xx other than 401/403/429 (LotteON: 404 = malformed request or wrong path). Final."""

    code = ErrorCode.REQUEST_REJECTED
    default_message = (
        "The sales site rejected the request as malformed. This needs a fix in the portal; contact support."
    )


class BusinessError(SalesSiteError):
    """HTTP 200 but the envelope carries an error code (LotteON ``returnCode`` other than ``0000``)."""

    code = ErrorCode.BUSINESS_ERROR

    def __init__(
        self, message: str | None = None, *, return_code: str, site_message: str = "", **kwargs: Any
    ) -> None:
        super().__init__(message, **kwargs)
        self.return_code = return_code
        self.site_message = site_message
        self.extra.setdefault("return_code", return_code)
        if site_message:
            self.extra.setdefault("site_message", site_message)


class OutcomeUnknown(SalesSiteError):
    """A write was (or may have been) received but its answer was lost.

    Never resend on this error: read the state back (LotteON: ``LotteOnClient.resolve_*``) and
    resend only what did not take effect. ``payload`` holds the records that were sent.
    """

    code = ErrorCode.OUTCOME_UNKNOWN
    default_message = (
        "The sales site may or may not have applied the change: its answer was lost. "
        "The portal will check the current state at the sales site before sending anything again."
    )

    def __init__(self, message: str | None = None, *, payload: tuple[Any, ...] = (), **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.payload = payload


class AccountMismatch(SalesSiteError):
    """The key works but belongs to another account than the one the seller typed in."""

    code = ErrorCode.ACCOUNT_MISMATCH
    default_message = (
        "The API key belongs to a different account than the Account Number entered. Check both."
    )


# For Celery's ``autoretry_for``: errors where sending the same request again later is safe.
RETRYABLE_ERRORS: tuple[type[SalesSiteError], ...] = (
    RateLimited,
    ServerError,
    Timeout,
    HostUnreachable,
    MalformedResponse,
)
