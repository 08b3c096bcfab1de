"""Labels read back: the PDF's text (Korean recipient, tracking number), the embedded Hangul font, the
Code 128 barcode decoded from the rendered page, A4 layout, and the ZPL structure."""

from __future__ import annotations

import io
import os
import re
import subprocess
import tempfile
from itertools import pairwise
from pathlib import Path

import pytest
from pypdf import PdfReader

from waybills.labels.data import INVOICE, PACKING, LabelData, LabelItem
from waybills.labels.fonts import fonts_register
from waybills.labels.numbers import (
    ScanError,
    luhn_digit,
    luhn_valid,
    packing_check,
    packing_format,
    qsp_check,
    qsp_format,
)
from waybills.labels.pdf import barcode, pdf_render
from waybills.labels.text import ADDRESS_MAX_CHARS, wrap
from waybills.labels.zpl import INNER, escape, zpl_render


def label(n: int = 1, kind: str = INVOICE, **fields) -> LabelData:
    values = dict(
        kind=kind, number=qsp_format(n) if kind == INVOICE else packing_format(n), sequence=n, total=3,
        recipient_name="김민준", phones=("010-1234-5678",), zip_code="06236",
        address="서울특별시 강남구 테헤란로 152", address_detail="21층", delivery_message="부재 시 경비실에 맡겨 주세요",
        sender="스마트십 데모상점", order_no="2026112700000123", site_name="LotteON",
        items=(LabelItem("기본 티셔츠", "블랙 / M", 2, "TSHIRT-BLK-M"),), courier_name="기타택배", courier_code="9999",
        printed_at="2026-11-27 10:00",
    )
    values.update(fields)
    return LabelData(**values)


# --- Numbers ------------------------------------------------------------------------------------

def test_qsp_numbers_fit_lotteon_and_carry_a_luhn_check_digit():
    number = qsp_format(1)
    assert number == "QSP000000000018" and len(number) == 15 and number.isalnum()
    assert qsp_format(10**11 - 1).startswith("QSP99999999999")
    assert luhn_valid(number[3:]) and luhn_digit("7992739871") == "3"
    with pytest.raises(ValueError):
        qsp_format(10**11)


def test_the_check_digit_catches_mistyped_numbers():
    number = qsp_format(4_217_003)
    digits = number[3:]
    for i in range(len(digits)):
        for d in "0123456789":
            if d != digits[i]:
                wrong = "QSP" + digits[:i] + d + digits[i + 1:]
                with pytest.raises(ScanError) as caught:
                    qsp_check(wrong)
                assert caught.value.code == "check_digit"
    for i in range(len(digits) - 1):
        a, b = digits[i], digits[i + 1]
        if a != b and {a, b} != {"0", "9"}:
            with pytest.raises(ScanError):
                qsp_check("QSP" + digits[:i] + b + a + digits[i + 2:])
    assert qsp_check(" qsp-" + digits.lower() + " ") == number


def test_packing_codes_and_scan_errors():
    code = packing_format(42)
    assert code == "PK" + "0000000042" + luhn_digit("0000000042") and packing_check(code.lower()) == code
    for bad, reason in (("", "empty"), ("QSP000000000018", "not_ours"), ("PK123", "not_ours"),
                        (code[:-1] + str((int(code[-1]) + 1) % 10), "check_digit")):
        with pytest.raises(ScanError) as caught:
            packing_check(bad)
        assert caught.value.code == reason


# --- PDF ------------------------------------------------------------------------------------------

def render(labels, paper="label") -> bytes:
    out = io.BytesIO()
    assert pdf_render(labels, out, paper=paper) == len(labels)
    return out.getvalue()


def test_pdf_text_has_the_korean_recipient_and_the_tracking_number_and_embeds_the_font():
    pdf = render([label(1), label(2, PACKING, recipient_name="이서연"), label(3, reprint=True, print_count=2)])
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 3
    texts = [page.extract_text() for page in reader.pages]
    assert "김민준" in texts[0] and qsp_format(1) in texts[0] and "기타택배" in texts[0] and "9999" in texts[0]
    assert "서울특별시 강남구 테헤란로 152" in texts[0] and "TSHIRT-BLK-M" in texts[0] and "1 / 3" in texts[0]
    assert "이서연" in texts[1] and packing_format(2) in texts[1] and "PACKING LABEL" in texts[1]
    assert "REPRINT" in texts[2] and "REPRINT" not in texts[0]
    fonts = reader.pages[0]["/Resources"]["/Font"]
    descriptors = [f.get_object()["/FontDescriptor"] for f in (v.get_object() for v in fonts.values())
                   if "/FontDescriptor" in f.get_object()]
    for font in fonts.values():
        font = font.get_object()
        if font.get("/Subtype") == "/Type0":
            descriptors.append(font["/DescendantFonts"][0].get_object()["/FontDescriptor"])
    assert any("/FontFile2" in d.get_object() for d in descriptors), "the TrueType font is embedded"


def test_barcode_object_encodes_the_number():
    symbol = barcode(qsp_format(7))
    assert symbol.width > 0  # computing the size encodes the value
    assert decode_symbols(symbol.encoded) == qsp_format(7)


def test_a4_holds_four_labels_a_page():
    reader = PdfReader(io.BytesIO(render([label(i) for i in range(1, 7)], paper="a4")))
    assert len(reader.pages) == 2
    assert round(float(reader.pages[0].mediabox.width)) == 595
    first = reader.pages[0].extract_text()
    assert all(qsp_format(i) in first for i in range(1, 5)) and qsp_format(5) not in first


def test_long_item_lists_are_cut_with_a_count_and_nothing_overflows():
    items = tuple(LabelItem(f"상품 {i}", "옵션", 1, f"CODE-{i}") for i in range(15))
    text = PdfReader(io.BytesIO(render([label(1, items=items)]))).pages[0].extract_text()
    assert "more lines" in text and "15 lines, 15 pcs" in text


# --- The recipient's address is never cut ----------------------------------------------------------

# 120 characters: a road address with its building (4 lines at 11 pt: more than the 3 it had), and a unit.
LONG_ADDRESS = ("경상남도 창원시 의창구 원이대로 362 창원컨벤션센터 제2전시장 (두대동, 창원컨벤션센터 제2전시장 및 부속동, "
                "경남국제전시컨벤션센터 북문 옆 화물하역장)")
LONG_DETAIL = "B동 3층 312호 스마트십 경남물류센터 입고검수팀 담당자 앞"
# ADDRESS_MAX_CHARS (200), the length docs/waybills.md promises to print in full.
MAX_ADDRESS = "경기도 화성시 동탄면 동탄산단8길 15-23 동탄물류단지 제3물류센터 에이동 (영천리, 동탄물류단지 제3물류센터 에이동 및 비동 연결통로 포함)"
MAX_DETAIL = ("에이동 지하2층 B-207호 스마트십 수도권 통합물류센터 반품검수팀 담당자 앞 (정문 경비실에서 출입증 수령 후 화물 전용 "
              "엘리베이터 3호기 이용, 평일 오전 9시부터 오후 6시까지 수령 가능, 토요일·공휴일 휴무)")
ITEMS_15 = tuple(LabelItem(f"상품{i:02d}", "옵션", i % 3 + 1, f"CODE-{i}") for i in range(15))


def fullest(**fields) -> LabelData:
    """The label with the least room for the address: reprint band, two phones, a two-line message, 15 items."""
    values = dict(reprint=True, print_count=2, phones=("010-1234-5678", "0504-1234-5678"), items=ITEMS_15,
                  delivery_message="공동현관 비밀번호 1234# 누르고 들어오셔서 엘리베이터 옆 택배함에 넣어 주시고 문자 주세요")
    values.update(fields)
    return label(1, **values)


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def text_runs(pdf: bytes) -> list[tuple[float, float, float, str]]:
    """(x, baseline y, font size, text) of every string drawn on the first page, in drawing order."""
    runs = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            runs.append((tm[4], tm[5], size, text.strip()))

    PdfReader(io.BytesIO(pdf)).pages[0].extract_text(visitor_text=visit)
    return runs


def assert_no_text_overlaps(runs) -> None:
    """Neighbouring baselines are far enough apart for the glyphs (0.8 of the size above the baseline, 0.2
    below, NanumGothic's box) of the line above and the line below not to touch."""
    baselines: dict[float, float] = {}
    for _, y, size, _ in runs:
        baselines[round(y, 2)] = max(size, baselines.get(round(y, 2), 0))
    ordered = sorted(baselines.items(), reverse=True)
    for (upper, upper_size), (lower, lower_size) in pairwise(ordered):
        assert upper - lower >= 0.2 * upper_size + 0.8 * lower_size - 0.01, (upper, lower, runs)


@pytest.mark.parametrize("data", [
    label(1, address=LONG_ADDRESS, address_detail=LONG_DETAIL),
    fullest(address=LONG_ADDRESS, address_detail=LONG_DETAIL),
    fullest(address=MAX_ADDRESS, address_detail=MAX_DETAIL),
    fullest(kind=PACKING, number=packing_format(1), address=MAX_ADDRESS, address_detail=MAX_DETAIL),
], ids=["120-plain", "120-fullest", "200-fullest", "200-fullest-packing"])
def test_a_long_address_prints_in_full_and_nothing_overlaps(data):
    assert len(LONG_ADDRESS + LONG_DETAIL) == 120 and len(MAX_ADDRESS + MAX_DETAIL) == ADDRESS_MAX_CHARS
    pdf = render([data])
    text = squeeze(PdfReader(io.BytesIO(pdf)).pages[0].extract_text())
    assert squeeze(f"[{data.zip_code}] {data.address}") in text
    assert squeeze(data.address_detail) in text
    assert "..." not in text
    assert_no_text_overlaps(text_runs(pdf))


def test_an_ordinary_address_keeps_11_pt_and_the_layout_below_it():
    runs = text_runs(render([label(1)]))
    sizes = {text: size for _, _, size, text in runs}
    baseline = {text: y for _, y, _, text in runs}
    assert sizes["[06236] 서울특별시 강남구 테헤란로 152"] == 11 and sizes["21층"] == 11
    assert sizes["김민준"] == 18 and sizes["010-1234-5678"] == 11
    # Where the layout before the address could grow put them (in points from the bottom of the page).
    assert round(baseline["21층"], 1) == 212.6 and round(baseline["Item / Option"], 1) == 132.4
    assert sizes["부재 시 경비실에 맡겨 주세요"] == 9.5


def test_items_are_still_shown_and_counted_when_the_address_takes_their_room():
    pdf = render([fullest(address=MAX_ADDRESS, address_detail=MAX_DETAIL)])
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert squeeze(MAX_DETAIL) in squeeze(text)
    shown = [item for item in ITEMS_15 if item.product in text]
    assert shown == list(ITEMS_15[: len(shown)])
    hidden = ITEMS_15[len(shown):]
    pcs = sum(item.quantity for item in hidden)
    assert f"+ {len(hidden)} more lines ({pcs} pcs): see the order" in text
    assert f"15 lines, {sum(item.quantity for item in ITEMS_15)} pcs" in text
    # The message keeps at least its first line.
    assert "공동현관 비밀번호 1234#" in text


def test_an_absurd_address_is_cut_with_dots_and_still_leaves_the_rest_of_the_label():
    pdf = render([fullest(address="가나다라마바사아자차카 " * 40, address_detail="상세주소 " * 30)])
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "..." in text and "more lines" in text and "Order 2026112700000123" in text
    assert_no_text_overlaps(text_runs(pdf))


def test_a_long_name_and_two_phones_print_whole_on_their_line():
    name, phones = "주식회사 스마트십 경남물류센터 입고검수팀 홍길동 과장", ("0504-1234-5678", "055-123-4567")
    data = label(1, recipient_name=name, phones=phones)
    texts = [text for _, _, _, text in text_runs(render([data]))]
    assert name in texts and "0504-1234-5678  ·  055-123-4567" in texts
    block = "".join(zpl_render([data]))
    assert name in [text for *_, text in zpl_fields(block)]
    assert_zpl_fits(block)


ZPL_FIELD = re.compile(r"\^FO(\d+),(\d+)\^A@N,(\d+),\d+,[^^]*(?:\^FB(\d+),(\d+),(\d+),[LCRJ],\d+)?\^FH\\\^FD(.*?)\^FS")


def zpl_fields(block: str) -> list[tuple[int, int, int, int, int, str]]:
    """(x, y, size, lines, line gap, text) of each text field, hex escapes decoded."""
    fields = []
    for x, y, size, _width, lines, gap, text in ZPL_FIELD.findall(block):
        text = re.sub(r"\\([0-9A-F]{2})", lambda m: chr(int(m.group(1), 16)), text)
        fields.append((int(x), int(y), int(size), int(lines or 1), int(gap or 0), text))
    return fields


def assert_zpl_fits(block: str) -> None:
    """Each text field of the left column needs no more lines than its block has, measured on the whole
    width the printer wraps it in, and ends above the next field."""
    font = fonts_register()[0]
    left = [f for f in zpl_fields(block) if f[0] == 32]  # top to bottom
    for (_, y, size, lines, gap, text), (_, next_y, *_) in pairwise(left):
        assert len(wrap(text, font, size, INNER)) <= lines, text
        assert y + lines * size + (lines - 1) * gap <= next_y, (text, y, next_y)


@pytest.mark.parametrize("data", [
    label(1, address=LONG_ADDRESS, address_detail=LONG_DETAIL),
    fullest(address=MAX_ADDRESS, address_detail=MAX_DETAIL),
], ids=["120-plain", "200-fullest"])
def test_zpl_blocks_hold_the_whole_address_without_overlapping(data):
    block = "".join(zpl_render([data]))
    texts = [text for *_, text in zpl_fields(block)]
    address = f"[{data.zip_code}] {data.address}"
    assert address in texts and data.address_detail in texts
    assert_zpl_fits(block)
    if len(data.items) == 15:
        assert "more line(s): see the order" in block and "15 line(s)" in block


# Skipped on a laptop without poppler-utils; CI installs it, so there a missing pdftoppm fails the test.
@pytest.mark.skipif(subprocess.run(["which", "pdftoppm"], capture_output=True).returncode != 0
                    and not os.environ.get("CI"), reason="poppler-utils (pdftoppm) not installed")
def test_barcode_decodes_from_the_rendered_page():
    from PIL import Image

    number = qsp_format(123_456)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "label.pdf"
        path.write_bytes(render([label(1, number=number)]))
        subprocess.run(["pdftoppm", "-png", "-r", "300", "-f", "1", "-l", "1", str(path), str(Path(tmp) / "p")],
                       check=True)
        image = Image.open(next(Path(tmp).glob("p*.png"))).convert("L")
    assert decode_image(image) == number


# --- ZPL ----------------------------------------------------------------------------------------------

def test_zpl_structure():
    labels = [label(1), label(2, PACKING, recipient_name="A^B~C\\D"), label(3, reprint=True, print_count=2)]
    zpl = "".join(zpl_render(labels))
    blocks = re.findall(r"\^XA.*?\^XZ", zpl, flags=re.S)
    assert len(blocks) == 3 and zpl.count("^XA") == zpl.count("^XZ") == 3
    for block, data in zip(blocks, labels, strict=True):
        assert "^CI28" in block and "^PW800" in block and "^LL1200" in block
        assert f"^BCN,160,Y,N,N,A^FD{data.number}^FS" in block
        for field in re.findall(r"\^FD(.*?)\^FS", block, flags=re.S):
            assert "^" not in field and "~" not in field
    assert "김민준" in blocks[0] and "A\\5EB\\7EC\\5CD" in blocks[1] and "REPRINT" in blocks[2]
    assert escape("^~\\") == "\\5E\\7E\\5C"


# --- A small Code 128 reader for the tests ------------------------------------------------------------

PATTERNS = [
    "212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212", "221213",
    "221312", "231212", "112232", "122132", "122231", "113222", "123122", "123221", "223211", "221132",
    "221231", "213212", "223112", "312131", "311222", "321122", "321221", "312212", "322112", "322211",
    "212123", "212321", "232121", "111323", "131123", "131321", "112313", "132113", "132311", "211313",
    "231113", "231311", "112133", "112331", "132131", "113123", "113321", "133121", "313121", "211331",
    "231131", "213113", "213311", "213131", "311123", "311321", "331121", "312113", "312311", "332111",
    "314111", "221411", "431111", "111224", "111422", "121124", "121421", "141122", "141221", "112214",
    "112412", "122114", "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111",
    "111242", "121142", "121241", "114212", "124112", "124211", "411212", "421112", "421211", "212141",
    "214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311", "113141",
    "114131", "311141", "411131", "211412", "211214", "211232", "2331112",
]


def decode_symbols(symbols: list[int]) -> str:
    """Code 128 symbol values (start, data, checksum, stop) → text, checking the checksum."""
    start, *data, check, stop = symbols
    assert stop == 106 and start in (103, 104, 105)
    assert (start + sum(i * v for i, v in enumerate(data, start=1))) % 103 == check, "checksum"
    code, text = {103: "A", 104: "B", 105: "C"}[start], ""
    for value in data:
        if value == 99:
            code = "C"
        elif value == 100:
            code = "B"
        elif value == 101:
            code = "A"
        elif code == "C":
            text += f"{value:02d}"
        elif code == "B":
            text += chr(value + 32)
        else:
            text += chr(value + 32) if value < 64 else chr(value - 64)
    return text


def decode_image(image) -> str:
    """Find the barcode rows of a rendered label and read one scan line into symbols."""
    width, height = image.size
    pixels = image.load()
    for y in range(height // 20, height // 3):
        row = [pixels[x, y] < 128 for x in range(width)]
        runs, x = [], 0
        while x < width and not row[x]:
            x += 1
        start_x = x
        while x < width:
            colour, length = row[x], 0
            while x < width and row[x] == colour:
                x += 1
                length += 1
            runs.append(length)
        if len(runs) < 60:
            continue
        runs = runs[:-1] if not row[width - 1] else runs  # drop the quiet zone on the right
        bars = runs
        module = sum(bars[:6]) / 11  # the start symbol is 11 modules wide
        widths = "".join(str(max(1, min(4, round(b / module)))) for b in bars)
        symbols, i = [], 0
        while i + 6 <= len(widths):
            chunk = widths[i : i + 7] if widths[i : i + 7] == PATTERNS[106] else widths[i : i + 6]
            if chunk not in PATTERNS:
                break
            symbols.append(PATTERNS.index(chunk))
            i += len(chunk)
            if symbols[-1] == 106:
                break
        if symbols and symbols[-1] == 106 and start_x >= 0:
            return decode_symbols(symbols)
    raise AssertionError("no readable Code 128 row found")
