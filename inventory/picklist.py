"""The pick list PDF: A4, one row per option SKU to take off the shelf, with the orders needing it.

reportlab's platypus lays the table out over as many pages as it needs; the Hangul font is the one the
labels embed (``waybills.labels.fonts``), so Korean names print the same on every printer.
"""

from __future__ import annotations

import io
from datetime import datetime

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from inventory.models import FulfilmentOrder
from inventory.selectors_fulfilment import PickGroup
from waybills.labels.fonts import fonts_register

MARGIN = 12 * mm
GRID = colors.Color(0.75, 0.75, 0.75)
HEAD = colors.Color(0.93, 0.94, 0.96)
HOLD = colors.HexColor("#b42318")


class _Box(Flowable):
    """An empty square to tick when the row is picked."""

    def __init__(self, size: float = 6 * mm) -> None:
        super().__init__()
        self.size = size

    def wrap(self, available_width, available_height):
        return self.size, self.size

    def draw(self):
        self.canv.setLineWidth(1)
        self.canv.rect(0, 0, self.size, self.size)


def _barcode(value: str) -> Flowable | None:
    if not value or not value.isascii():
        return None
    probe = Code128(value, barWidth=1, barHeight=7 * mm, quiet=False, humanReadable=False)
    bar = max(0.18 * mm, min(0.33 * mm, (40 * mm) / probe.width))
    return Code128(value, barWidth=bar, barHeight=7 * mm, quiet=False, humanReadable=False)


def pick_list_pdf(*, fulfilments: list[FulfilmentOrder], groups: list[PickGroup], printed_at: datetime,
                  printed_by: str = "", held: set[int] = frozenset()) -> bytes:
    """``held``: fulfilment orders on hold (a buyer's cancellation request): listed, struck out of the
    quantities to pick, so the picker does not take units Pack would then refuse."""
    regular, bold = fonts_register()
    style = ParagraphStyle("cell", fontName=regular, fontSize=9, leading=11.5)
    small = ParagraphStyle("small", parent=style, fontSize=7.5, leading=9.5, textColor=colors.Color(0.35, 0.35, 0.35))
    strong = ParagraphStyle("strong", parent=style, fontName=bold, fontSize=10, leading=12.5)
    title = ParagraphStyle("title", parent=style, fontName=bold, fontSize=17, leading=21)
    big = ParagraphStyle("qty", parent=style, fontName=bold, fontSize=16, leading=19, alignment=2)
    hold = ParagraphStyle("hold", parent=style, fontName=bold, textColor=HOLD)

    def esc(text: str) -> str:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    units = sum(group.quantity for group in groups)
    story: list = [
        Paragraph("Pick list · 피킹 리스트", title),
        Paragraph(f"{printed_at:%Y-%m-%d %H:%M} · {len(fulfilments)} fulfilment order"
                  f"{'s' if len(fulfilments) != 1 else ''} · {len(groups)} SKU{'s' if len(groups) != 1 else ''} · "
                  f"{units} unit{'s' if units != 1 else ''} to pick" + (f" · {esc(printed_by)}" if printed_by else ""),
                  small),
    ]
    if held:
        story.append(Paragraph(
            f"{len(held)} fulfilment order{'s are' if len(held) != 1 else ' is'} ON HOLD (the buyer asked to cancel): "
            "do not pick; not counted in the quantities. 취소 요청 보류 — 피킹하지 마세요.", hold))
    story.append(Spacer(0, 5 * mm))
    header = [Paragraph("", style), Paragraph("Seller defined code / barcode", small),
              Paragraph("SKU · option", small), Paragraph("Qty", small), Paragraph("Orders (fulfilment order × qty)", small)]
    rows: list[list] = [header]
    seller_rows: list[int] = []
    current_seller = None
    for group in groups:
        if group.seller_name != current_seller:
            current_seller = group.seller_name
            seller_rows.append(len(rows))
            rows.append([Paragraph(f"Seller: {esc(group.seller_name)}", strong), "", "", "", ""])
        option = group.option
        code_cell: list = [Paragraph(esc(option.code), strong)]
        code = _barcode(option.barcode or option.code)
        if code is not None:
            code_cell += [Spacer(0, 1.2 * mm), code]
        if option.barcode:
            code_cell.append(Paragraph(esc(option.barcode), small))
        # The option is what the picker must not get wrong: bold, under the name.
        name = esc(option.sku.name) + (f"<br/><font name='{bold}' size='10'>{esc(option.option_values)}</font>"
                                        if option.option_values else "")
        entries = "<br/>".join(
            (f"<strike>{esc(entry.number)} × {entry.quantity}</strike> <font name='{bold}' color='#b42318'>ON HOLD"
             f"</font>" if entry.held else f"{esc(entry.number)} × {entry.quantity}")
            + f" <font size='7.5' color='#555555'>({esc(entry.order_no)})</font>" for entry in group.entries)
        quantity = [Paragraph(str(group.quantity), big)]
        if group.held_quantity:
            quantity.append(Paragraph(f"+{group.held_quantity} on hold", ParagraphStyle(
                "held-qty", parent=small, alignment=2, textColor=HOLD)))
        rows.append([_Box(), code_cell, Paragraph(name, style), quantity, Paragraph(entries, style)])
    width = A4[0] - 2 * MARGIN
    table = Table(rows, colWidths=[10 * mm, 50 * mm, width - 10 * mm - 50 * mm - 16 * mm - 58 * mm, 16 * mm, 58 * mm],
                  repeatRows=1)
    commands = [
        ("GRID", (0, 0), (-1, -1), 0.5, GRID),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 1), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 1), (-1, -1), 4),
    ]
    for index in seller_rows:
        commands += [("SPAN", (0, index), (-1, index)), ("BACKGROUND", (0, index), (-1, index), colors.Color(0.97, 0.97, 0.98))]
    table.setStyle(TableStyle(commands))
    story.append(table)
    if not groups:
        story.append(Paragraph("Nothing to pick: the selected fulfilment orders are shipped or cancelled.", style))
    story += [Spacer(0, 6 * mm), Paragraph("Fulfilment orders: " + ", ".join(
        f"{fo.number} ({esc(fo.order.order_no)}, {esc(fo.order.recipient_name)}{', ON HOLD' if fo.pk in held else ''})"
        for fo in fulfilments), small)]

    buffer = io.BytesIO()

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(regular, 8)
        canvas.drawRightString(A4[0] - MARGIN, 7 * mm, f"SmartShip · pick list · page {doc.page}")
        canvas.restoreState()

    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                                 bottomMargin=MARGIN + 4 * mm, title="Pick list", author="SmartShip")
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
