"""One application error type, rendered the same way by the REST API and shown by templates."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
    ValidationError,
)
from django.http import Http404
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler


class ApplicationError(Exception):
    """A failure the user can act on: ``message`` says what to do, ``code`` is stable for programs."""

    def __init__(self, message: str, *, code: str = "error", extra: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.extra = extra or {}


# A refusal that asks the user to look at the current state before trying again says it in a page's words; a
# program has no page. Services write one of these phrases (sentence case at the start of a sentence) and
# api_exception_handler puts the API's words in its place: each message is written once, pages keep theirs.
RELOAD_PAGE = "reload the page"
RELOAD_LIST = "reload the list"
LOOK_AGAIN = "look at the page again"
API_WORDING = {RELOAD_PAGE: "read it again (GET)", RELOAD_LIST: "read the list again (GET)",
               LOOK_AGAIN: "read it again (GET)"}


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


def api_wording(text: str) -> str:
    """``text`` with the page's phrases (API_WORDING) in the API's words."""
    for page, api in API_WORDING.items():
        text = text.replace(page, api).replace(_sentence_case(page), _sentence_case(api))
    return text


def _api_wording_in(data):
    """``api_wording`` through DRF's error data (dicts and lists of ErrorDetail), keeping each detail's code."""
    if isinstance(data, dict):
        return {key: _api_wording_in(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_api_wording_in(value) for value in data]
    if isinstance(data, drf_exceptions.ErrorDetail):
        return drf_exceptions.ErrorDetail(api_wording(str(data)), code=data.code)
    return api_wording(data) if isinstance(data, str) else data


# Codes of requests that were well formed but clash with the current state of what they act on (another click
# got there first, the order was cancelled meanwhile, the line is on hold, nothing is left to do): 409, so that
# a program can tell "fix the request" (400) from "look at the thing again" (409). ``not_found`` is a 404.
CONFLICT_CODES = frozenset({
    "account_busy", "account_inactive", "already_received", "busy", "manual_in_progress", "cancel_requested", "cancelled", "duplicate", "flagged",
    "hold_changed",
    "invoice_printed", "not_a_conflict", "stock_changed", "not_dismissable", "not_flagged", "not_printable", "not_ready",
    "nothing_to_confirm", "no_alert_emails", "other_label",
    "reprint_needed",
    "nothing_to_pick",
    "nothing_to_retry", "nothing_to_ship", "order_cancelled", "reserved_negative", "selection_changed",
    "shipped_elsewhere",
    "stock_negative", "stock_sync_off", "sync_running", "too_many_exports", "tracking_no_used", "wrong_state",
})
# What the request was drawn from changed since (an edit form opened before someone else saved, an API
# ``If-Match`` naming an older version): 412, HTTP's answer to a precondition that no longer holds.
PRECONDITION_CODES = frozenset({"changed_meanwhile"})
# A sales site's own failure passed on (integrations.errors.ErrorCode): the request may be fine, the site was not.
SALES_SITE_STATUSES = {
    "rate_limited": 429, "timeout": 504, "outcome_unknown": 504, "server_error": 502, "host_unreachable": 502,
    "malformed_response": 502, "unauthorized": 502, "forbidden": 502, "account_mismatch": 502,
}


def application_error_status(error: ApplicationError) -> int:
    if error.code == "not_found":
        return 404
    if error.code in CONFLICT_CODES:
        return 409
    if error.code in PRECONDITION_CODES:
        return 412
    return SALES_SITE_STATUSES.get(error.code, 400)


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    """Render every error as ``{"message", "code", "extra"}`` with a 4xx status."""
    if isinstance(exc, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent):
        # Django's own limits, met when DRF reads the body; unhandled, they were Django's HTML 400 page.
        exc = ApplicationError(f"The request is larger than the API accepts: at most "
                               f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024:,} KB of body (an uploaded file is not "
                               f"counted), {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS:,} form fields and "
                               f"{settings.DATA_UPLOAD_MAX_NUMBER_FILES:,} files. Send less at a time; nothing was "
                               "changed.", code="too_large")
    if isinstance(exc, ApplicationError):
        return Response({"message": api_wording(exc.message), "code": exc.code, "extra": exc.extra},
                        status=application_error_status(exc))
    if isinstance(exc, ValidationError):
        exc = drf_exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    elif isinstance(exc, Http404):
        exc = drf_exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = drf_exceptions.PermissionDenied()

    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, drf_exceptions.ValidationError):
        response.data = {"message": "Some fields are not valid.", "code": "invalid",
                         "extra": {"fields": _api_wording_in(response.data)}}
    elif isinstance(exc, drf_exceptions.APIException):
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else response.data
        if isinstance(exc, drf_exceptions.UnsupportedMediaType) and context.get("view") is not None:
            # DRF names the type refused, not the ones taken: say what to send instead.
            taken = " or ".join(parser.media_type for parser in context["view"].get_parsers())
            detail = f"{detail} Send the body as {taken} (Content-Type header); nothing was changed."
        response.data = {"message": str(detail), "code": exc.get_codes() if isinstance(exc.get_codes(), str) else "error", "extra": {}}
    return response
