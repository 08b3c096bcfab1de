"""Korean phone numbers in the one form the portal shows them: the hyphenated form LotteON sends
(``dvpMphnNo`` "010-1234-5678", ``dvpTelNo`` "02-123-4567")."""

from __future__ import annotations

import re

# Area or service prefix, exchange (3 or 4 digits), line (4 digits). Seoul 02; mobile 010/011/016–019; the
# regional codes 031–064; 070 internet phones, 080 free calls, 060; 050X personal (safe) numbers.
_KOREAN = re.compile(r"(02|01[016-9]|0[3-6][1-5]|0[678]0|050[2-8])([0-9]{3,4})([0-9]{4})")
_TYPED = re.compile(r"[0-9 \-]+")


def phone_format(value: str) -> str:
    """``value`` hyphenated as a Korean number ("01012345678" → "010-1234-5678", "02 123 4567" →
    "02-123-4567"); anything that is not recognisably one (other digits, letters, "+82 …") as it was."""
    if not _TYPED.fullmatch(value):
        return value
    match = _KOREAN.fullmatch(value.replace("-", "").replace(" ", ""))
    return "-".join(match.groups()) if match else value
