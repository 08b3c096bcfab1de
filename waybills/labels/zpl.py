"""ZPL II for Zebra-compatible thermal printers: one ``^XA … ^XZ`` block per label, 100×150 mm at 203 dpi.

- ``^CI28``: field data is UTF-8, so Hangul goes through as is.
- Text uses the scalable font ``E:NANUMGOTH.TTF`` via ``^A@``. The printer must hold that font (download
  ``waybills/fonts/NanumGothic.ttf`` to drive E: under that name once, e.g. with Zebra Setup Utilities or
  ``~DY``); without it the printer falls back to its default font, which has no Hangul.
- ``^BC`` prints the Code 128 barcode (automatic subset switching, ``A`` mode), its value as the
  interpretation line below.
- Every text field goes through ``^FH\\`` with ``^``, ``~`` and ``\\`` written as hex escapes, so a name
  or address can never inject a ZPL command.
- The printer wraps ``^FB`` blocks itself and prints text past the block's last line over that line, so
  the lines a block needs are counted here with the same font's metrics (labels/text.py) on a narrower
  width than the printer has (``WRAP_WIDTH``): the printer's own wrap then never needs more lines than
  the block has. As on the PDF label, the address and its detail always print in full: they shrink and
  take more lines, and the message and the item rows below give up room.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from waybills.labels.data import INVOICE, KIND_TITLES, LabelData
from waybills.labels.fonts import fonts_register
from waybills.labels.text import address_fit, shrink, wrap

DPI_DOTS_PER_MM = 8  # 203 dpi
WIDTH, HEIGHT = 100 * DPI_DOTS_PER_MM, 150 * DPI_DOTS_PER_MM
LEFT = 4 * DPI_DOTS_PER_MM
INNER = WIDTH - 2 * LEFT
FONT = "E:NANUMGOTH.TTF"
MAX_ITEMS = 6
# Glyph advances are rounded to whole dots on the printer: lines are measured on 90% of the block's width
# so that the printer's wrap, on the whole width, never needs more lines than counted here.
WRAP_WIDTH = INNER * 0.9
NAME_SIZES = (52, 44, 36, 30, 26)
PHONE_SIZES = (30, 27, 24, 22)
ADDRESS_SIZES = (30, 27, 24, 22)
LINE_GAP = 4  # dots between the lines of a block
ADDRESS_BOX = 5 * (30 + LINE_GAP)  # 5 lines at the largest size: what an ordinary address has
MESSAGE_SIZE = 24
MESSAGE_PITCH = MESSAGE_SIZE + LINE_GAP
SENDER_BLOCK = 6 + 10 + 30 + 36 + 10  # gap, rule, sender, order, rule
ROW = 32
FOOTER_Y = HEIGHT - 50
FOOTER_TOP = FOOTER_Y - 6  # the last item row ends above it


def escape(value: str) -> str:
    """Field data safe inside ``^FH\\^FD…^FS``: the three characters ZPL gives meaning to become hex."""
    return (value or "").replace("\\", "\\5C").replace("^", "\\5E").replace("~", "\\7E").replace("\n", " ")


def _text(x: int, y: int, value: str, *, size: int, width: int = INNER, lines: int = 1) -> str:
    block = f"^FB{width},{lines},{LINE_GAP},L,0" if lines > 1 else ""
    return f"^FO{x},{y}^A@N,{size},{size},{FONT}{block}^FH\\^FD{escape(value)}^FS"


def address_height(size: float, lines: int) -> float:
    return lines * (size + LINE_GAP)


def below_recipient(message_lines: int, item_rows: int) -> int:
    """Dots the label needs under the recipient block: message, sender and order, item rows."""
    return message_lines * MESSAGE_PITCH + SENDER_BLOCK + item_rows * ROW


def zpl_label(data: LabelData) -> str:
    korean, english = KIND_TITLES[data.kind]
    parts = ["^XA", "^CI28", f"^PW{WIDTH}", f"^LL{HEIGHT}", "^LH0,0"]
    parts.append(_text(LEFT, 24, f"{korean} {english}", size=34, width=INNER - 200))
    parts.append(f"^FO{WIDTH - LEFT - 200},20^A@N,40,40,{FONT}^FB200,1,0,R,0^FH\\^FD"
                 f"{data.sequence} / {data.total}^FS")
    if data.reprint:
        parts.append(f"^FO{LEFT},66^GB{INNER},36,36^FS")
        parts.append(f"^FO{LEFT},72^A@N,26,26,{FONT}^FR^FB{INNER},1,0,C,0^FH\\^FD"
                     f"{escape(f'REPRINT 재출력 #{data.print_count}')}^FS")
    parts.append(f"^FO{LEFT},110^GB{INNER},3,3^FS")
    if data.kind == INVOICE:
        courier = f"택배사 Courier: {data.courier_name or 'Other courier'}"
        if data.courier_code:
            courier += f" ({data.courier_code})"
    else:
        courier = "Carrier and tracking number are assigned at QFC receiving"
    parts.append(_text(LEFT, 124, courier, size=24))
    parts.append(f"^FO{LEFT + 40},162^BY3,3,160^BCN,160,Y,N,N,A^FD{data.number}^FS")
    parts.append(f"^FO{LEFT},380^GB{INNER},2,2^FS")
    parts.append(_text(LEFT, 392, "받는 분 Recipient", size=20))
    font = fonts_register()[0]  # the printer's E:NANUMGOTH.TTF is the regular face
    size, name = shrink(data.recipient_name, font, NAME_SIZES, WRAP_WIDTH)
    parts.append(_text(LEFT, 418, name, size=int(size)))
    y = 478
    phones = "  /  ".join(p for p in data.phones if p)
    if phones:
        size, phones = shrink(phones, font, PHONE_SIZES, WRAP_WIDTH)
        parts.append(_text(LEFT, y, phones, size=int(size)))
        y += 38
    message = f"배송메시지: {data.delivery_message}" if data.delivery_message.strip() else ""
    message_lines = min(2, len(wrap(message, font, MESSAGE_SIZE, WRAP_WIDTH)))
    address = f"[{data.zip_code}] {data.address}" if data.zip_code else data.address
    items = min(len(data.items), MAX_ITEMS)
    fitted = address_fit(address, data.address_detail, fonts=(font, font), sizes=ADDRESS_SIZES, width=WRAP_WIDTH,
                         height=address_height, box=max(ADDRESS_BOX, FOOTER_TOP - y - below_recipient(message_lines, items)),
                         room=FOOTER_TOP - y - below_recipient(min(message_lines, 1), 1))
    size = int(fitted.size)
    for text, lines in ((address, fitted.address), (data.address_detail, fitted.detail)):
        if lines:
            # Whole, for the printer to wrap in as many lines; only a cut address is sent as cut here.
            parts.append(_text(LEFT, y, " ".join(lines) if fitted.cut else text, size=size, lines=len(lines)))
            y += address_height(size, len(lines))
    if message:
        keep = 2 if message_lines > 1 and FOOTER_TOP - y - below_recipient(2, 1) >= 0 else 1
        lines = wrap(message, font, MESSAGE_SIZE, WRAP_WIDTH, keep)
        parts.append(_text(LEFT, y, " ".join(lines), size=MESSAGE_SIZE, lines=len(lines)))
        y += len(lines) * MESSAGE_PITCH
    y += 6
    parts.append(f"^FO{LEFT},{y}^GB{INNER},2,2^FS")
    y += 10
    parts.append(_text(LEFT, y, f"보내는 분 Sender: {data.sender}", size=24))
    y += 30
    parts.append(_text(LEFT, y, f"Order {data.order_no}" + (f" / {data.site_name}" if data.site_name else ""), size=26))
    y += 36
    parts.append(f"^FO{LEFT},{y}^GB{INNER},2,2^FS")
    y += 10
    fitting = min(MAX_ITEMS, max(1, (FOOTER_TOP - y) // ROW))
    shown = data.items if len(data.items) <= fitting else data.items[: fitting - 1]
    for item in shown:
        name = item.product + (f" / {item.option}" if item.option else "")
        parts.append(_text(LEFT, y, f"{item.quantity} x {name}", size=24, width=INNER - 240))
        parts.append(f"^FO{WIDTH - LEFT - 230},{y}^A@N,22,22,{FONT}^FB230,1,0,R,0^FH\\^FD{escape(item.code or '-')}^FS")
        y += ROW
    hidden = len(data.items) - len(shown)
    if hidden:
        parts.append(_text(LEFT, y, f"+ {hidden} more line(s): see the order", size=24))
    footer = f"{len(data.items)} line(s), {sum(i.quantity for i in data.items)} pcs"
    if data.printed_at:
        footer += f" / printed {data.printed_at}"
    if data.note:
        footer += f" / {data.note}"
    parts.append(_text(LEFT, FOOTER_Y, footer, size=20))
    parts.append("^PQ1")
    parts.append("^XZ")
    return "\n".join(parts) + "\n"


def zpl_render(labels: Iterable[LabelData]) -> Iterator[str]:
    """One ZPL block per label, produced lazily (the download streams them)."""
    for data in labels:
        yield zpl_label(data)
