"""ZPL II for Zebra-compatible thermal printers: one ``^XA … ^XZ`` block per label, 100×150 mm at 203 dpi.

- ``^CI28``: field data is UTF-8, so Hangul goes through as is.
- Text uses the scalable font ``E:NANUMGOTH.TTF`` via ``^A@``. The printer must hold that font (download
  ``waybills/fonts/NanumGothic.ttf`` to drive E: under that name once, e.g. with Zebra Setup Utilities or
  ``~DY``); without it the printer falls back to its default font, which has no Hangul.
- ``^BC`` prints the Code 128 barcode (automatic subset switching, ``A`` mode), its value as the
  interpretation line below.
- Every text field goes through ``^FH\\`` with ``^``, ``~`` and ``\\`` written as hex escapes, so a name
  or address can never inject a ZPL command.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from waybills.labels.data import INVOICE, KIND_TITLES, LabelData

DPI_DOTS_PER_MM = 8  # 203 dpi
WIDTH, HEIGHT = 100 * DPI_DOTS_PER_MM, 150 * DPI_DOTS_PER_MM
LEFT = 4 * DPI_DOTS_PER_MM
INNER = WIDTH - 2 * LEFT
FONT = "E:NANUMGOTH.TTF"
MAX_ITEMS = 6


def escape(value: str) -> str:
    """Field data safe inside ``^FH\\^FD…^FS``: the three characters ZPL gives meaning to become hex."""
    return (value or "").replace("\\", "\\5C").replace("^", "\\5E").replace("~", "\\7E").replace("\n", " ")


def _text(x: int, y: int, value: str, *, size: int, width: int = INNER, lines: int = 1) -> str:
    block = f"^FB{width},{lines},0,L,0" if lines > 1 else ""
    return f"^FO{x},{y}^A@N,{size},{size},{FONT}{block}^FH\\^FD{escape(value)}^FS"


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
    parts.append(_text(LEFT, 418, data.recipient_name, size=52))
    y = 478
    phones = "  /  ".join(p for p in data.phones if p)
    if phones:
        parts.append(_text(LEFT, y, phones, size=30))
        y += 38
    address = f"[{data.zip_code}] {data.address}" if data.zip_code else data.address
    parts.append(_text(LEFT, y, address, size=30, lines=3))
    y += 3 * 34
    if data.address_detail:
        parts.append(_text(LEFT, y, data.address_detail, size=30, lines=2))
        y += 2 * 34
    if data.delivery_message.strip():
        parts.append(_text(LEFT, y, f"배송메시지: {data.delivery_message}", size=24, lines=2))
        y += 2 * 28
    parts.append(f"^FO{LEFT},{y}^GB{INNER},2,2^FS")
    y += 10
    parts.append(_text(LEFT, y, f"보내는 분 Sender: {data.sender}", size=24))
    y += 30
    parts.append(_text(LEFT, y, f"Order {data.order_no}" + (f" / {data.site_name}" if data.site_name else ""), size=26))
    y += 36
    parts.append(f"^FO{LEFT},{y}^GB{INNER},2,2^FS")
    y += 10
    shown = data.items[:MAX_ITEMS] if len(data.items) <= MAX_ITEMS else data.items[: MAX_ITEMS - 1]
    for item in shown:
        name = item.product + (f" / {item.option}" if item.option else "")
        parts.append(_text(LEFT, y, f"{item.quantity} x {name}", size=24, width=INNER - 240))
        parts.append(f"^FO{WIDTH - LEFT - 230},{y}^A@N,22,22,{FONT}^FB230,1,0,R,0^FH\\^FD{escape(item.code or '-')}^FS")
        y += 32
    hidden = len(data.items) - len(shown)
    if hidden:
        parts.append(_text(LEFT, y, f"+ {hidden} more line(s): see the order", size=24))
    footer = f"{len(data.items)} line(s), {sum(i.quantity for i in data.items)} pcs"
    if data.printed_at:
        footer += f" / printed {data.printed_at}"
    if data.note:
        footer += f" / {data.note}"
    parts.append(_text(LEFT, HEIGHT - 50, footer, size=20))
    parts.append("^PQ1")
    parts.append("^XZ")
    return "\n".join(parts) + "\n"


def zpl_render(labels: Iterable[LabelData]) -> Iterator[str]:
    """One ZPL block per label, produced lazily (the download streams them)."""
    for data in labels:
        yield zpl_label(data)
