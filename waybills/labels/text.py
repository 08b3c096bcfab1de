"""Line breaking and font sizes for label text, shared by the PDF and the ZPL renderers.

Widths come from the NanumGothic metrics (reportlab's ``stringWidth``), in whatever unit ``size`` is given
in: points for the PDF, printer dots for ZPL, whose printer draws the same TrueType font.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reportlab.pdfbase.pdfmetrics import stringWidth

# A courier cannot deliver to a cut address, so address + detail up to this many characters always print
# in full, on the fullest label (reprint band, two phones, a two-line delivery message, many items);
# tests/waybills/test_labels.py holds both renderers to it. LotteON states no length for its address
# fields and the order form allows 300 + 300, but a Korean road address with its building and unit
# detail stays far below 200 characters.
ADDRESS_MAX_CHARS = 200


def wrap(text: str, font: str, size: float, width: float, max_lines: int | None = None) -> list[str]:
    """Greedy line breaking at spaces (and inside words too long for a line); with ``max_lines``, the last
    line ends in "..." when the text does not fit in that many lines.

    Each word is measured once, and a line's width is the sum of its words and spaces in font units (a
    TrueType string's width in reportlab is the sum of its glyphs', scaled as below), which keeps a long
    address cheap to lay out at several sizes."""
    lines: list[str] = []
    current, current_units = "", 0.0
    space = stringWidth(" ", font, 1000)
    for word in text.split():
        units = stringWidth(word, font, 1000)
        if current and 0.001 * size * (current_units + space + units) <= width:
            current, current_units = f"{current} {word}", current_units + space + units
            continue
        if current:
            lines.append(current)
        while 0.001 * size * units > width:
            cut = len(word)
            while cut > 1 and stringWidth(word[:cut], font, size) > width:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
            units = stringWidth(word, font, 1000)
        current, current_units = word, units
    if current:
        lines.append(current)
    if max_lines is not None and len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and stringWidth(last + "...", font, size) > width:
            last = last[:-1]
        lines[-1] = last + "..."
    return lines


def fit(text: str, font: str, size: float, width: float) -> str:
    """``text`` on one line, ending in "..." when it is too long."""
    return wrap(text, font, size, width, 1)[0] if text.strip() else ""


def shrink(text: str, font: str, sizes: Sequence[float], width: float) -> tuple[float, str]:
    """The largest of ``sizes`` (largest first) at which ``text`` fits on one line; at the smallest it is cut
    with "..." if it still does not."""
    for size in sizes:
        if stringWidth(text, font, size) <= width:
            return size, text
    return sizes[-1], fit(text, font, sizes[-1], width)


@dataclass(frozen=True)
class AddressLines:
    size: float
    address: list[str]
    detail: list[str]
    cut: bool = False  # True only when even the smallest size in all the room could not hold it


def address_fit(address: str, detail: str, *, fonts: tuple[str, str], sizes: Sequence[float], width: float,
                height: Callable[[float, int], float], box: float, room: float) -> AddressLines:
    """Font size and lines for the recipient's address and its detail, printed in full.

    ``height(size, lines)`` is how tall that many lines are. The largest of ``sizes`` at which both fit in
    ``box`` (the room the layout always gives them) wins, so an ordinary address keeps the large print and
    the layout below it does not move. When even the smallest size needs more, the block grows at that size
    into ``room`` (what the parts below can give up); only past that is the text cut with "...". Growing at
    the smallest size rather than trying the larger ones again keeps a longer address from ever printing
    larger than a shorter one.
    """
    address_font, detail_font = fonts
    epsilon = 0.01  # float noise must not push a block that exactly fits to the next size
    for size in sizes:
        lines = wrap(address, address_font, size, width), wrap(detail, detail_font, size, width)
        if height(size, len(lines[0]) + len(lines[1])) <= box + epsilon:
            return AddressLines(size, *lines)
    size = sizes[-1]
    capacity = len(lines[0]) + len(lines[1])
    while capacity > 1 and height(size, capacity) > max(room, box) + epsilon:
        capacity -= 1
    if len(lines[0]) + len(lines[1]) <= capacity:
        return AddressLines(size, *lines)
    # An absurd address: both keep a share (the detail at least its first line), each ends in "...".
    detail_lines = min(len(lines[1]), max(capacity - len(lines[0]), 1 if lines[1] else 0))
    return AddressLines(
        size,
        wrap(address, address_font, size, width, max(1, capacity - detail_lines)),
        wrap(detail, detail_font, size, width, detail_lines) if detail_lines else [],
        cut=True,
    )
