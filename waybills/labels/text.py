"""Line breaking for label text.

Widths come from the NanumGothic metrics (reportlab's ``stringWidth``), in the unit ``size`` is given in.
"""

from __future__ import annotations

from reportlab.pdfbase.pdfmetrics import stringWidth


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
