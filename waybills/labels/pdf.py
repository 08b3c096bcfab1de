"""Label PDFs with reportlab: 100×150 mm pages for thermal printers, or A4 with four labels per page.

One pass over the labels, drawn straight on the canvas (no platypus layout): the cost per label stays
close to a bare page with one Code 128 barcode and the same text (bench/labels.py). The Hangul font is
embedded (labels/fonts.py). Layout (docs/waybills.md "Label layout"), top to bottom: title bar with the
batch sequence number and REPRINT mark, courier, Code 128 barcode with its value as text, recipient,
delivery message, sender and order, item lines, footer.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import BinaryIO

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from waybills.labels.data import INVOICE, KIND_TITLES, LabelData
from waybills.labels.fonts import fonts_register
from waybills.labels.text import address_fit, fit, shrink, wrap

LABEL_W, LABEL_H = 100 * mm, 150 * mm
MARGIN = 4 * mm
INNER_W = LABEL_W - 2 * MARGIN
A4_COLUMNS, A4_ROWS = 2, 2  # 4 labels per A4 page: each cell is 105 × 148.5 mm
GREY = (0.35, 0.35, 0.35)

# Recipient: the name and the phones shrink to stay on one line; the address and its detail shrink and take
# more lines so that they always print in full (text.address_fit): 11 pt in 5 lines is the block an
# ordinary address has, below it the delivery message and the item rows give up room, down to one line
# of message and one item row (or the "+ N more lines" count).
NAME_SIZES = (18, 16, 14, 12, 10, 9)
PHONE_SIZES = (11, 10, 9, 8)
ADDRESS_SIZES = (11, 10, 9, 8)
ADDRESS_BOX = 5 * 5 * mm
MESSAGE_SIZE = 9.5
MESSAGE_HEAD = 5.5 * mm  # last recipient line → the message caption
MESSAGE_LINE = 4.3 * mm
RULE_GAP = 3 * mm  # last line above the rule → the rule
SENDER_BLOCK = 4.5 * mm + 4.5 * mm + 2.5 * mm  # sender, order, rule
ITEM_HEAD = 4 * mm
ROW_H = 7.6 * mm  # an item: product line and option line
FOOTER_TOP = MARGIN + 8 * mm


def address_height(size: float, lines: int) -> float:
    """Height of ``lines`` address lines below the line above them. The first step keeps the top of the
    text where 11 pt puts it (the glyphs rise about 0.8 of the size), so small print does not crowd the
    phones; lines follow each other at the same proportion 11 pt has to 5 mm."""
    if not lines:
        return 0.0
    return 5 * mm - 0.8 * (11 - size) + (lines - 1) * size / 11 * 5 * mm


def below_recipient(message_lines: int, item_rows: int) -> float:
    """Height the label needs under the last recipient line: message, sender and order, items, footer."""
    message = MESSAGE_HEAD + message_lines * MESSAGE_LINE if message_lines else 0.0
    return message + RULE_GAP + SENDER_BLOCK + ITEM_HEAD + item_rows * ROW_H + FOOTER_TOP


def barcode(value: str, *, width: float = INNER_W, height: float = 20 * mm) -> Code128:
    """The Code 128 symbol of ``value``, its bars as wide as fits in ``width`` (0.25–0.5 mm per module)."""
    probe = Code128(value, barWidth=1, barHeight=height, quiet=False, humanReadable=False)
    modules = probe.width  # with barWidth 1 the width is the number of modules
    bar = max(0.25 * mm, min(0.5 * mm, width / modules))
    return Code128(value, barWidth=bar, barHeight=height, quiet=False, humanReadable=False)


class _Painter:
    def __init__(self, canvas: Canvas) -> None:
        self.c = canvas
        self.regular, self.bold = fonts_register()

    def text(self, x: float, y: float, value: str, *, size: float, bold: bool = False, grey: bool = False,
             right: bool = False, centre: bool = False) -> None:
        c = self.c
        c.setFont(self.bold if bold else self.regular, size)
        if grey:
            c.setFillColorRGB(*GREY)
        if right:
            c.drawRightString(x, y, value)
        elif centre:
            c.drawCentredString(x, y, value)
        else:
            c.drawString(x, y, value)
        if grey:
            c.setFillColorRGB(0, 0, 0)

    def label(self, data: LabelData) -> None:
        """Draw one label with its lower-left corner at the current origin."""
        c = self.c
        left, right = MARGIN, LABEL_W - MARGIN
        y = LABEL_H - MARGIN

        # Title bar: kind, sequence in the batch, reprint mark.
        korean, english = KIND_TITLES[data.kind]
        y -= 6 * mm
        self.text(left, y, f"{korean} {english}", size=12, bold=True)
        self.text(right, y, f"{data.sequence} / {data.total}", size=14, bold=True, right=True)
        y -= 2.5 * mm
        c.setLineWidth(0.8)
        c.line(left, y, right, y)
        if data.reprint:
            # A full-width band: impossible to miss, and never in the way of a long title.
            y -= 5.5 * mm
            c.rect(left, y, INNER_W, 5 * mm, stroke=0, fill=1)
            c.setFillColorRGB(1, 1, 1)
            self.text(LABEL_W / 2, y + 1.4 * mm, f"REPRINT 재출력 #{data.print_count} · same number as before",
                      size=9, bold=True, centre=True)
            c.setFillColorRGB(0, 0, 0)

        # Courier.
        y -= 5 * mm
        if data.kind == INVOICE:
            courier = f"택배사 Courier: {data.courier_name or 'Other courier'}"
            if data.courier_code:
                courier += f" ({data.courier_code})"
        else:
            courier = "Carrier and tracking number are assigned at QFC receiving"
        self.text(left, y, fit(courier, self.regular, 9, INNER_W), size=9)

        # Barcode and its value.
        y -= 2 * mm + 20 * mm
        symbol = barcode(data.number)
        symbol.drawOn(c, left + (INNER_W - symbol.width) / 2, y)
        y -= 6 * mm
        caption = "Tracking No." if data.kind == INVOICE else "Label code"
        self.text(LABEL_W / 2, y, data.number, size=15, bold=True, centre=True)
        self.text(left, y, caption, size=7, grey=True)
        y -= 3 * mm
        c.setLineWidth(0.5)
        c.line(left, y, right, y)

        # Recipient.
        y -= 4 * mm
        self.text(left, y, "받는 분 Recipient", size=7, grey=True)
        y -= 7 * mm
        size, name = shrink(data.recipient_name, self.bold, NAME_SIZES, INNER_W)
        self.text(left, y, name, size=size, bold=True)
        phones = "  ·  ".join(p for p in data.phones if p)
        if phones:
            y -= 5.5 * mm
            size, phones = shrink(phones, self.regular, PHONE_SIZES, INNER_W)
            self.text(left, y, phones, size=size)
        message = wrap(data.delivery_message, self.regular, MESSAGE_SIZE, INNER_W)
        address = f"[{data.zip_code}] {data.address}" if data.zip_code else data.address
        box = max(ADDRESS_BOX, y - below_recipient(min(len(message), 2), len(data.items)))
        fitted = address_fit(address, data.address_detail, fonts=(self.bold, self.regular), sizes=ADDRESS_SIZES,
                             width=INNER_W, height=address_height, box=box,
                             room=y - below_recipient(min(len(message), 1), 1))
        top = y
        for i, line in enumerate(fitted.address + fitted.detail):
            y = top - address_height(fitted.size, i + 1)
            self.text(left, y, line, size=fitted.size, bold=i < len(fitted.address))

        # Delivery message: two lines unless the address needed the second one's room.
        if message:
            keep = 2 if len(message) > 1 and y - below_recipient(2, 1) >= -0.01 else 1
            if len(message) > keep:
                message = wrap(data.delivery_message, self.regular, MESSAGE_SIZE, INNER_W, keep)
            y -= MESSAGE_HEAD
            self.text(left, y, "배송메시지 Delivery message", size=7, grey=True)
            for line in message:
                y -= MESSAGE_LINE
                self.text(left, y, line, size=MESSAGE_SIZE)
        y -= RULE_GAP
        c.line(left, y, right, y)

        # Sender and order.
        y -= 4.5 * mm
        self.text(left, y, fit(f"보내는 분 Sender: {data.sender}", self.regular, 8.5, INNER_W), size=8.5)
        y -= 4.5 * mm
        order = f"Order {data.order_no}" + (f" · {data.site_name}" if data.site_name else "")
        self.text(left, y, fit(order, self.bold, 9, INNER_W), size=9, bold=True)
        y -= 2.5 * mm
        c.line(left, y, right, y)

        # Items: as many lines as fit above the footer; the rest counted.
        y -= ITEM_HEAD
        self.text(left, y, "Item / Option", size=7, grey=True)
        self.text(right - 31 * mm, y, "Qty", size=7, grey=True, right=True)
        self.text(right, y, "Seller defined code", size=7, grey=True, right=True)
        # + 0.01: the row the address left for the items is exactly ROW_H, and float noise must not lose it.
        fitting = max(0, int((y - FOOTER_TOP + 0.01) // ROW_H))
        shown = data.items if len(data.items) <= fitting else data.items[: max(0, fitting - 1)]
        code_w = 29 * mm
        name_w = INNER_W - code_w - 10 * mm
        for item in shown:
            y -= 3.8 * mm
            self.text(left, y, fit(item.product, self.bold, 8.5, name_w), size=8.5, bold=True)
            self.text(right - 31 * mm, y, str(item.quantity), size=10, bold=True, right=True)
            self.text(right, y, fit(item.code or "-", self.regular, 8, code_w), size=8, right=True)
            y -= 3.8 * mm
            if item.option:
                self.text(left + 2 * mm, y, fit(item.option, self.regular, 8, name_w - 2 * mm), size=8, grey=True)
        hidden = len(data.items) - len(shown)
        if hidden:
            y -= 4 * mm
            units = sum(i.quantity for i in data.items[len(shown):])
            self.text(left, y, f"+ {hidden} more line{'s' if hidden > 1 else ''} ({units} pcs): see the order",
                      size=8, bold=True)

        # Footer.
        c.line(left, MARGIN + 6 * mm, right, MARGIN + 6 * mm)
        total_units = sum(i.quantity for i in data.items)
        footer = f"{len(data.items)} line{'s' if len(data.items) != 1 else ''}, {total_units} pcs"
        if data.printed_at:
            footer += f" · printed {data.printed_at}"
        self.text(left, MARGIN + 2 * mm, fit(footer, self.regular, 7, INNER_W * 0.62), size=7, grey=True)
        if data.note:
            self.text(right, MARGIN + 2 * mm, fit(data.note, self.bold, 7, INNER_W * 0.38), size=7, bold=True,
                      right=True)
        else:
            self.text(right, MARGIN + 2 * mm, "SmartShip", size=7, bold=True, right=True)


def pdf_render(labels: Iterable[LabelData], out: BinaryIO, *, paper: str = "label", title: str = "Labels") -> int:
    """Write the labels to ``out`` as one PDF; return how many were drawn. ``paper`` is "label" or "a4"."""
    if paper == "a4":
        canvas = Canvas(out, pagesize=A4, pageCompression=1)
    else:
        canvas = Canvas(out, pagesize=(LABEL_W, LABEL_H), pageCompression=1)
    canvas.setTitle(title)
    canvas.setAuthor("SmartShip")
    canvas.setCreator("SmartShip")
    painter = _Painter(canvas)
    count = 0
    per_page = A4_COLUMNS * A4_ROWS
    cell_w, cell_h = A4[0] / A4_COLUMNS, A4[1] / A4_ROWS
    scale = min(cell_w / LABEL_W, cell_h / LABEL_H)
    for data in labels:
        if paper == "a4":
            slot = count % per_page
            if slot == 0 and count:
                canvas.showPage()
            if slot == 0:
                _cut_lines(canvas, cell_w, cell_h)
            col, row = slot % A4_COLUMNS, slot // A4_COLUMNS
            canvas.saveState()
            x = col * cell_w + (cell_w - LABEL_W * scale) / 2
            y = A4[1] - (row + 1) * cell_h + (cell_h - LABEL_H * scale) / 2
            canvas.translate(x, y)
            canvas.scale(scale, scale)
            painter.label(data)
            canvas.restoreState()
        else:
            if count:
                canvas.showPage()
            painter.label(data)
        count += 1
    if count == 0:
        painter.text(MARGIN, LABEL_H / 2, "No labels", size=12)
    canvas.showPage()
    canvas.save()
    return count


def _cut_lines(canvas: Canvas, cell_w: float, cell_h: float) -> None:
    canvas.saveState()
    canvas.setStrokeColorRGB(0.6, 0.6, 0.6)
    canvas.setLineWidth(0.4)
    canvas.setDash(3, 3)
    for col in range(1, A4_COLUMNS):
        canvas.line(col * cell_w, 0, col * cell_w, A4[1])
    for row in range(1, A4_ROWS):
        canvas.line(0, row * cell_h, A4[0], row * cell_h)
    canvas.restoreState()
