"""Seller defined codes: how they are cleaned, compared and checked.

A code is compared after trimming spaces at both ends and ignoring upper/lower case, so
``tshirt-blk-m `` on a LotteON line matches the SKU code ``TSHIRT-BLK-M``. The code keeps the
spelling the seller typed; ``code_key`` is the comparable form stored beside it.
"""

from __future__ import annotations

import re

MAX_CODE_LENGTH = 100
# Tabs, line breaks and other control characters never belong in a code (they come from pasting).
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def code_clean(value: object) -> str:
    return str(value if value is not None else "").strip()


def code_key(value: object) -> str:
    return code_clean(value).upper()


def code_problem(code: str, *, required: bool = True) -> str:
    """What is wrong with an already cleaned code, or ``""``."""
    if not code:
        return "Enter the Seller defined code." if required else ""
    if len(code) > MAX_CODE_LENGTH:
        return f"A Seller defined code is at most {MAX_CODE_LENGTH} characters (this one has {len(code)})."
    if _CONTROL.search(code):
        return "A Seller defined code cannot contain tabs or line breaks."
    return ""
