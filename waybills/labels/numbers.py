"""The portal's own numbers, as pure functions (docs/waybills.md "Numbers").

- **QSP tracking number** (invoices): ``QSP`` + the serial as 11 digits + 1 Luhn check digit over those
  11 digits = 15 characters, letters and digits only: within LotteON's invoice limit (docs/lotteon.md
  row 2) and unambiguous when read aloud. Example: ``QSP000000000018``.
- **Packing label code** (packing labels, scanned at QFC receiving): ``PK`` + the serial as 10 digits +
  1 Luhn check digit = 13 characters.

The Luhn check (mod 10) catches every single wrong digit and every swap of two neighbouring digits
except 0↔9, the usual mistakes of a person typing a number from a label; the scanner checks it before it
looks anything up, so a mistyped number is refused as mistyped rather than "unknown".
"""

from __future__ import annotations

import re

QSP_PREFIX = "QSP"
QSP_DIGITS = 11
PACKING_PREFIX = "PK"
PACKING_DIGITS = 10
QSP_RE = re.compile(rf"{QSP_PREFIX}(\d{{{QSP_DIGITS}}})(\d)")
PACKING_RE = re.compile(rf"{PACKING_PREFIX}(\d{{{PACKING_DIGITS}}})(\d)")


def luhn_digit(digits: str) -> str:
    """The Luhn check digit to append to ``digits``."""
    total = 0
    # From the right, the digit next to the check digit is doubled, then every second one.
    for i, char in enumerate(reversed(digits)):
        d = int(char)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def luhn_valid(digits_with_check: str) -> bool:
    return (
        len(digits_with_check) >= 2
        and digits_with_check.isdigit()
        and luhn_digit(digits_with_check[:-1]) == digits_with_check[-1]
    )


def qsp_format(serial: int) -> str:
    if not 0 < serial < 10**QSP_DIGITS:
        raise ValueError(f"QSP serial out of range: {serial}")
    body = f"{serial:0{QSP_DIGITS}d}"
    return f"{QSP_PREFIX}{body}{luhn_digit(body)}"


def packing_format(serial: int) -> str:
    if not 0 < serial < 10**PACKING_DIGITS:
        raise ValueError(f"packing label serial out of range: {serial}")
    body = f"{serial:0{PACKING_DIGITS}d}"
    return f"{PACKING_PREFIX}{body}{luhn_digit(body)}"


def scan_clean(value: str) -> str:
    """What a scanner or a person typed, without spaces, dashes and case differences."""
    return re.sub(r"[\s\-]", "", value or "").upper()


class ScanError(ValueError):
    """Why a scanned value is not a number of ours; ``code`` is stable for programs."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def _check(value: str, pattern: re.Pattern[str], prefix: str, digits: int, what: str) -> str:
    cleaned = scan_clean(value)
    if not cleaned:
        raise ScanError("Nothing was scanned.", code="empty")
    match = pattern.fullmatch(cleaned)
    if match is None:
        raise ScanError(
            f"{cleaned} is not a SmartShip {what}: those are {prefix} followed by {digits + 1} digits.",
            code="not_ours",
        )
    if luhn_digit(match.group(1)) != match.group(2):
        raise ScanError(
            f"{cleaned} fails its check digit: it was misread or mistyped. Scan the label again.",
            code="check_digit",
        )
    return cleaned


def qsp_check(value: str) -> str:
    """The QSP number in canonical form, or ``ScanError`` (not a QSP number, or a wrong check digit)."""
    return _check(value, QSP_RE, QSP_PREFIX, QSP_DIGITS, "tracking number")


def packing_check(value: str) -> str:
    """The packing label code in canonical form, or ``ScanError``."""
    return _check(value, PACKING_RE, PACKING_PREFIX, PACKING_DIGITS, "packing label")
