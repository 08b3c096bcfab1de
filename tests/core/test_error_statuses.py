"""Every code an ApplicationError is raised with has a chosen status: a new code must be put on one side or the
other (core.exceptions.CONFLICT_CODES for 409), not fall into 400 unseen."""

from __future__ import annotations

import ast
from pathlib import Path

from core.exceptions import (
    CONFLICT_CODES,
    PRECONDITION_CODES,
    SALES_SITE_STATUSES,
    ApplicationError,
    application_error_status,
)
from integrations.errors import ErrorCode

ROOT = Path(__file__).resolve().parents[2]
# Requests to fix (400): the input is wrong or incomplete, whatever the state of things.
REQUEST_CODES = {
    "confirmation_not_supported", "invalid", "invalid_credentials", "invalid_choice", "invalid_kind", "invalid_paper", "invalid_quantity", "invalid_tracking_no",
    "mixed_sites", "not_supported", "note_required", "nothing_selected", "order_integration_not_supported",
    "reason_required", "too_large", "too_many", "tracking_incomplete", "unknown_courier", "unknown_label",
    # Scanned at QFC receiving: a code that is not a SmartShip packing label, or a digit misread.
    "check_digit", "not_ours", "empty",
    # ... and a carrier's tracking number that looks like a partial scan, or is the packing label again.
    "tracking_no_short", "tracking_no_is_label",
}


def raised_codes() -> dict[str, str]:
    """Literal ``code=`` of every ``ApplicationError(...)`` in the project's code, with one place it is raised."""
    found = {}
    for path in ROOT.rglob("*.py"):
        if {".venv", "tests", "migrations", "var", "bench", "lotteon_sandbox"} & set(path.relative_to(ROOT).parts):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "ApplicationError":
                for keyword in node.keywords:
                    if keyword.arg == "code" and isinstance(keyword.value, ast.Constant):
                        found.setdefault(keyword.value.value, str(path.relative_to(ROOT)))
    return found


def test_every_raised_code_has_a_chosen_status():
    codes = raised_codes()
    assert len(codes) > 30, "the walk found the raise sites"
    unclassified = {code: where for code, where in codes.items()
                    if code not in CONFLICT_CODES | PRECONDITION_CODES | REQUEST_CODES | {"not_found"}}
    assert unclassified == {}, ("put each new code in CONFLICT_CODES (409), PRECONDITION_CODES (412) or REQUEST_CODES "
                                "here (400)")
    assert CONFLICT_CODES.isdisjoint(REQUEST_CODES)


def test_statuses():
    assert application_error_status(ApplicationError("x", code="not_found")) == 404
    assert application_error_status(ApplicationError("x", code="wrong_state")) == 409
    assert application_error_status(ApplicationError("x", code="invalid")) == 400
    # A sales site's failure passed on under its own code (orders.services.confirm).
    assert set(SALES_SITE_STATUSES) <= {code.value for code in ErrorCode}
    assert application_error_status(ApplicationError("x", code=ErrorCode.RATE_LIMITED.value)) == 429
    assert application_error_status(ApplicationError("x", code=ErrorCode.TIMEOUT.value)) == 504
    assert application_error_status(ApplicationError("x", code=ErrorCode.BUSINESS_ERROR.value)) == 400
