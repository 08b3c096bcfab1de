"""The Hangul TrueType fonts embedded in every label PDF.

NanumGothic (SIL Open Font License 1.1, see ``waybills/fonts/OFL.txt``) ships in the repository, so a
fresh checkout prints Korean correctly with no system package. Debian's ``fonts-nanum`` is the fallback
when the files were stripped from a deployment. reportlab embeds a subset (only the glyphs used), so a
label PDF stays small; a CID font (not embedded) would depend on the viewer and the printer.
"""

from __future__ import annotations

from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

REGULAR = "SmartShipGothic"
BOLD = "SmartShipGothicBold"
SHIPPED_DIR = Path(__file__).resolve().parent.parent / "fonts"
SYSTEM_DIR = Path("/usr/share/fonts/truetype/nanum")
FILES = {REGULAR: "NanumGothic.ttf", BOLD: "NanumGothicBold.ttf"}


class FontMissing(RuntimeError):
    pass


def font_path(name: str) -> Path:
    for folder in (SHIPPED_DIR, SYSTEM_DIR):
        path = folder / FILES[name]
        if path.is_file():
            return path
    raise FontMissing(
        f"The Hangul font {FILES[name]} is missing from {SHIPPED_DIR} and {SYSTEM_DIR}: restore "
        "waybills/fonts/ from the repository (or apt-get install fonts-nanum)."
    )


def fonts_register() -> tuple[str, str]:
    """Register both fonts once per process (parsing a 4.7 MB TTF takes a moment); return their names."""
    registered = pdfmetrics.getRegisteredFontNames()
    for name in (REGULAR, BOLD):
        if name not in registered:
            pdfmetrics.registerFont(TTFont(name, str(font_path(name))))
    return REGULAR, BOLD
