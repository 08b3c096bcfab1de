"""Pure mappers, tested with plain tables built from the field lists of API.md §5."""

from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest

from integrations.lotteon import mappers
from integrations.lotteon.records import (
    ConfirmLine,
    InvoiceCorrection,
    LineKey,
    ProgressUpdate,
    SaleStatusChange,
    StockChange,
)
from integrations.lotteon.timeutil import KST

ORDER_ROW: dict[str, Any] = {
    # line key
    "odNo": "2025010100000001", "odSeq": "1", "procSeq": "1", "orglProcSeq": "", "clmNo": "",
    # type/state
    "odTypCd": "10", "odTypDtlCd": "1010", "dvRtrvDvsCd": "DV", "odPrgsStepCd": "11",
    # dates/channel
    "odCmptDttm": "20250101091510", "owhoDttm": "20250101093000", "rtrpSiDttm": "",
    "chNo": "100001", "chDtlNo": "1000011", "odSlTypCd": "10", "xchgDvsCd": "", "clmRsnCd": "",
    "clmRsnCnts": "", "imptDvsCd": "N",
    # supplier
    "trNo": "LO10000001", "trNm": "스마트샵", "lrtrNo": "", "lrtrNm": "",
    # orderer
    "odrNm": "홍길동", "mphnNo": "010-1234-5678", "telNo": "02-555-1234", "emlAddr": "hong@example.com",
    # product
    "ctrtTypCd": "A", "dvPdTypCd": "GNRL", "spdNo": "LO1234567890", "epdNo": "TSHIRT-01",
    "spdNm": "무지 티셔츠", "sitmNo": "LO1234567890_1234567891", "eitmNo": "TSHIRT-01-BK-M",
    "sitmNm": "블랙 / M", "pdAdtnOptJsn": '[{"optNm": "각인", "optVal": "사랑해"}]',
    # amounts
    "slPrc": 15900, "odQty": "2", "slAmt": "31800", "prSfcoShrAmtSum": 1000, "prEntpShrAmtSum": "500",
    "sptDcPgmCmsnSum": 0, "fvrAmtSum": "1500", "actualAmt": 30300,
    # delivery
    "cmbnDvPsbYn": "Y", "cmbnDvGrpNo": "000100000001", "dvMnsCd": "DPCL", "hpDvDttm": "",
    "dmstOvsDvDvsCd": "DMST", "indvCstmPclrNo": "P123456789012", "brkHmapPkcpYn": "N",
    "dvMsg": "문 앞에 놓아주세요", "dvRsvDvsCd": "", "dvCst": 3000, "odCstTypCd": "PRPY", "adtnDvCst": "0",
    # recipient
    "dvpCustNm": "김철수", "dvpEmlAddr": "", "dvpTelNo": "", "dvpMphnNo": "010-9876-5432",
    "sftNo": "0504-1234-5678", "dvpZipNo": "06236", "dvpStnmZipAddr": "서울특별시 강남구 테헤란로 123",
    "dvpStnmDtlAddr": "4층 401호",
    # gift card
    "pprCrdMsgYn": "Y", "pprCrdMsg": "생일 축하해", "pprCrdSndpNm": "홍길동", "pprCrdRcvrNm": "김철수",
}  # fmt: skip

ORDER = mappers.order_line_from_json(ORDER_ROW)


@pytest.mark.parametrize(
    ("attribute", "expected"),
    [
        ("key", LineKey("2025010100000001", "1", "1")),
        ("orgl_proc_seq", ""),
        ("order_type", "10"),
        ("order_type_detail", "1010"),
        ("direction", "DV"),
        ("step", "11"),
        ("ordered_at", datetime(2025, 1, 1, 9, 15, 10, tzinfo=KST)),
        ("instructed_at", datetime(2025, 1, 1, 9, 30, tzinfo=KST)),
        ("retrieval_instructed_at", None),
        ("ch_no", "100001"),
        ("impt_dvs_cd", "N"),
        ("supplier.tr_no", "LO10000001"),
        ("supplier.tr_nm", "스마트샵"),
        ("orderer.name", "홍길동"),
        ("orderer.mobile", "010-1234-5678"),
        ("orderer.phone", "02-555-1234"),
        ("orderer.email", "hong@example.com"),
        ("product.spd_no", "LO1234567890"),
        ("product.epd_no", "TSHIRT-01"),
        ("product.spd_nm", "무지 티셔츠"),
        ("product.sitm_no", "LO1234567890_1234567891"),
        ("product.eitm_no", "TSHIRT-01-BK-M"),
        ("product.sitm_nm", "블랙 / M"),
        ("product.seller_code", "TSHIRT-01-BK-M"),
        ("product.additional_options", ({"optNm": "각인", "optVal": "사랑해"},)),
        ("amounts.unit_price", Decimal("15900")),
        ("amounts.quantity", 2),
        ("amounts.sale_amount", Decimal("31800")),
        ("amounts.lotte_discount", Decimal("1000")),
        ("amounts.seller_discount", Decimal("500")),
        ("amounts.fvr_amt_sum", Decimal("1500")),
        ("amounts.paid_amount", Decimal("30300")),
        ("delivery.combinable", True),
        ("delivery.combined_group", "000100000001"),
        ("delivery.message", "문 앞에 놓아주세요"),
        ("delivery.customs_code", "P123456789012"),
        ("delivery.fee", Decimal("3000")),
        ("delivery.extra_fee", Decimal("0")),
        ("recipient.name", "김철수"),
        ("recipient.mobile", "010-9876-5432"),
        ("recipient.safe_number", "0504-1234-5678"),
        ("recipient.zip_code", "06236"),
        ("recipient.address", "서울특별시 강남구 테헤란로 123"),
        ("recipient.address_detail", "4층 401호"),
        ("gift_card.requested", True),
        ("gift_card.message", "생일 축하해"),
        ("gift_card.receiver", "김철수"),
    ],
)
def test_order_line_fields(attribute: str, expected: Any) -> None:
    value: Any = ORDER
    for part in attribute.split("."):
        value = getattr(value, part)
    assert value == expected


def test_order_line_keeps_raw_and_is_hashable() -> None:
    assert ORDER.raw["dvpCustNm"] == "김철수"
    assert hash(ORDER) == hash(mappers.order_line_from_json(dict(ORDER_ROW)))


@pytest.mark.parametrize(
    ("changes", "attribute", "expected"),
    [
        ({"odSeq": 1, "procSeq": 1}, "key", LineKey("2025010100000001", "1", "1")),  # numbers (row 9)
        ({"odSeq": "01"}, "key", LineKey("2025010100000001", "1", "1")),
        ({"odQty": 3}, "amounts.quantity", 3),
        ({"odQty": "3.0"}, "amounts.quantity", 3),
        ({"slPrc": "15,900"}, "amounts.unit_price", Decimal("15900")),
        ({"slPrc": 15900.5}, "amounts.unit_price", Decimal("15900.5")),
        ({"eitmNo": ""}, "product.seller_code", "TSHIRT-01"),  # single product: epdNo
        ({"pdAdtnOptJsn": None}, "product.additional_options", ()),
        ({"pdAdtnOptJsn": [{"optNm": "색상"}]}, "product.additional_options", ({"optNm": "색상"},)),
        ({"owhoDttm": 20250101093000}, "instructed_at", datetime(2025, 1, 1, 9, 30, tzinfo=KST)),
        ({"cmbnDvPsbYn": "N"}, "delivery.combinable", False),
    ],
)
def test_order_line_accepts_strings_or_numbers(changes: dict, attribute: str, expected: Any) -> None:
    value: Any = mappers.order_line_from_json({**ORDER_ROW, **changes})
    for part in attribute.split("."):
        value = getattr(value, part)
    assert value == expected


@pytest.mark.parametrize(
    "changes", [{"odNo": ""}, {"odQty": "two"}, {"odQty": "1.5"}, {"owhoDttm": "yesterday"}, {"slPrc": True}]
)
def test_order_line_rejects_garbage(changes: dict) -> None:
    with pytest.raises((ValueError, TypeError)):
        mappers.order_line_from_json({**ORDER_ROW, **changes})


@pytest.mark.parametrize(
    ("data", "count"),
    [({"deliveryOrderList": []}, 0), (None, 0), ({}, 0), ({"deliveryOrderList": [ORDER_ROW, ORDER_ROW]}, 2)],
)
def test_order_lines_from_data(data: Any, count: int) -> None:
    assert len(mappers.order_lines_from_data(data)) == count


STATE_ROW = {
    "odNo": "2025010100000001", "odSeq": 1, "procSeq": "1", "clmNo": "", "odPrgsStepCd": "13",
    "dvTrcStatDttm": "20250102150000", "invcNbr": "1", "invcNo": "123456789012", "dvCoCd": "0002",
    "dvCst": 3000, "odCmptDttm": "20250101091510", "owhoDttm": "20250101093000", "odrNm": "홍길동",
    "odQty": 2, "slAmt": 31800, "slPrc": "15900", "dvpCustNm": "김철수", "dvpMphnNo": "010-9876-5432",
    "dvpZipNo": "06236", "dvpStnmZipAddr": "서울특별시 강남구 테헤란로 123", "dvpStnmDtlAddr": "4층 401호",
    "dvMsg": "문 앞에 놓아주세요", "pdNm": "무지 티셔츠", "epdNo": "TSHIRT-01", "spdNo": "LO1234567890",
    "sitmNo": "LO1234567890_1234567891",
}  # fmt: skip


@pytest.mark.parametrize(
    ("attribute", "expected"),
    [
        ("key", LineKey("2025010100000001", "1", "1")),
        ("step", "13"),
        ("event_at", datetime(2025, 1, 2, 15, tzinfo=KST)),
        ("invoice_count", 1),
        ("invoice_no", "123456789012"),
        ("courier_code", "0002"),
        ("instructed_at", datetime(2025, 1, 1, 9, 30, tzinfo=KST)),
        ("orderer_name", "홍길동"),
        ("quantity", 2),
        ("unit_price", Decimal(15900)),
        ("recipient.address", "서울특별시 강남구 테헤란로 123"),
        ("message", "문 앞에 놓아주세요"),
        ("product_name", "무지 티셔츠"),
        ("sitm_no", "LO1234567890_1234567891"),
    ],
)
def test_delivery_state_fields(attribute: str, expected: Any) -> None:
    value: Any = mappers.delivery_states_from_data({"deliveryProgressStateList": [STATE_ROW]})[0]
    for part in attribute.split("."):
        value = getattr(value, part)
    assert value == expected


def test_delivery_steps_reads_key_and_step_like_the_full_mapper() -> None:
    k2 = {**STATE_ROW, "odSeq": "02", "odPrgsStepCd": " 21 "}
    data = {"deliveryProgressStateList": [STATE_ROW, k2, {**STATE_ROW, "odPrgsStepCd": "14"}]}
    steps = mappers.delivery_steps_from_data(data)
    assert steps == {LineKey("2025010100000001", "1", "1"): "14", LineKey("2025010100000001", "2", "1"): "21"}
    assert steps == {s.key: s.step for s in mappers.delivery_states_from_data(data)}


@pytest.mark.parametrize("data", [None, {}, {"deliveryProgressStateList": None}])
def test_delivery_steps_of_an_empty_answer(data: Any) -> None:
    assert mappers.delivery_steps_from_data(data) == {}


@pytest.mark.parametrize(
    "data",
    [
        [],
        "x",
        {"deliveryProgressStateList": {"odNo": "1"}},
        {"deliveryProgressStateList": ["x"]},
        {"deliveryProgressStateList": [{**STATE_ROW, "odNo": ""}]},
        {"deliveryProgressStateList": [{**STATE_ROW, "odPrgsStepCd": True}]},
    ],
)
def test_delivery_steps_rejects_what_the_full_mapper_rejects(data: Any) -> None:
    with pytest.raises((ValueError, TypeError)):
        mappers.delivery_states_from_data(data)
    with pytest.raises((ValueError, TypeError)):
        mappers.delivery_steps_from_data(data)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("  a b ", "a b"), ("", ""), (None, ""), (12, "12"), (12.0, "12"), (12.5, "12.5"), (Decimal("1.50"), "1.50")],
)
def test_text(value: Any, expected: str) -> None:
    assert mappers.text(value) == expected


class _Str(str):
    pass


def test_text_of_a_str_subclass_is_plain_stripped_text() -> None:
    assert mappers.text(_Str(" a ")) == "a"


@pytest.mark.parametrize("value", [True, b"12", [], {}])
def test_text_rejects(value: Any) -> None:
    with pytest.raises(TypeError):
        mappers.text(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(15900, "15900"), (0, "0"), (-5, "-5"), ("15,900", "15900"), (" 12.50 ", "12.50"), (12.5, "12.5"), ("", "0")],
)
def test_money_keeps_value_and_exponent(value: Any, expected: str) -> None:
    result = mappers.money(value)
    assert (result, result.as_tuple()) == (Decimal(expected), Decimal(expected).as_tuple())
    assert mappers.decimal(value, None) == (None if value == "" else Decimal(expected))


@pytest.mark.parametrize(("value", "expected"), [(3, 3), ("3", 3), ("3.0", 3), (3.0, 3), ("1,000", 1000), (None, 0)])
def test_qty(value: Any, expected: int) -> None:
    assert mappers.qty(value) == expected
    assert type(mappers.qty(value)) is int


@pytest.mark.parametrize("value", [True, False])
def test_numbers_refuse_booleans(value: bool) -> None:
    for fn in (mappers.money, mappers.qty, mappers.decimal, mappers.integer):
        with pytest.raises(TypeError):
            fn(value)


PRODUCT_ROW = {
    "spdNo": "LO1234567890", "epdNo": "TSHIRT-01", "spdNm": "무지 티셔츠", "scatNo": "LC1000",
    "regDttm": "20240105120000", "slStatCd": "SALE", "slStatRsnCd": "", "catAprvStatCd": "APRV_CMPT",
    "catGvbkRsnCnts": "", "pdInfoAprvStatCd": "APRV_CMPT", "pdInfoGvbkRsnCnts": "", "fnlAprvYn": "Y",
    "sitmNoLst": ["LO1234567890_1234567891", "LO1234567890_1234567892"],
}  # fmt: skip


@pytest.mark.parametrize(
    ("attribute", "expected"),
    [
        ("spd_no", "LO1234567890"),
        ("epd_no", "TSHIRT-01"),
        ("name", "무지 티셔츠"),
        ("category", "LC1000"),
        ("registered_at", datetime(2024, 1, 5, 12, tzinfo=KST)),
        ("sale_status", "SALE"),
        ("approved", True),
        ("sitm_nos", ("LO1234567890_1234567891", "LO1234567890_1234567892")),
    ],
)
def test_product_fields(attribute: str, expected: Any) -> None:
    assert getattr(mappers.products_from_data([PRODUCT_ROW])[0], attribute) == expected


def test_product_sitm_list_of_objects() -> None:
    product = mappers.product_from_json({**PRODUCT_ROW, "sitmNoLst": [{"sitmNo": "S1"}, {"sitmNo": "S2"}]})
    assert product.sitm_nos == ("S1", "S2")


DETAIL = {
    "spdNo": "LO1234567890", "epdNo": "TSHIRT-01", "spdNm": "무지 티셔츠", "slStatCd": "SALE",
    "itmLst": [
        {"sitmNo": "LO1234567890_1234567891", "eitmNo": "TSHIRT-01-BK-M", "sitmNm": "블랙 / M",
         "slStatCd": "SALE", "slStatRsnCd": "", "dpYn": "Y", "sortSeq": "1", "slPrc": 15900, "stkQty": "12",
         "itmImgLst": [{"origImgFileNm": "https://img.example/1.jpg"}],
         "itmOptLst": [{"optCd": "C", "optNm": "색상", "optValCd": "BK", "optVal": "블랙", "dtlsVal": ""},
                       {"optCd": "S", "optNm": "사이즈", "optValCd": "M", "optVal": "M", "dtlsVal": ""}]},
        {"sitmNo": "LO1234567890_1234567892", "eitmNo": "TSHIRT-01-WH-L", "sitmNm": "화이트 / L",
         "slStatCd": "SOUT", "slStatRsnCd": "SOUT_STK", "dpYn": "N", "sortSeq": 2, "slPrc": "15900",
         "stkQty": 999999999, "itmImgLst": [], "itmOptLst": []},
    ],
}  # fmt: skip


@pytest.mark.parametrize(
    ("index", "attribute", "expected"),
    [
        (0, "sitm_no", "LO1234567890_1234567891"),
        (0, "eitm_no", "TSHIRT-01-BK-M"),
        (0, "name", "블랙 / M"),
        (0, "displayed", True),
        (0, "sort_seq", 1),
        (0, "price", Decimal(15900)),
        (0, "stock", 12),
        (0, "stock_managed", True),
        (0, "images", ("https://img.example/1.jpg",)),
        (0, "attributes.0.opt_val", "블랙"),
        (0, "attributes.1.opt_nm", "사이즈"),
        (1, "sale_status", "SOUT"),
        (1, "sale_status_reason", "SOUT_STK"),
        (1, "stock", None),  # 999999999: stock not managed
        (1, "stock_managed", False),
    ],
)
def test_product_detail_options(index: int, attribute: str, expected: Any) -> None:
    value: Any = mappers.product_detail_from_json(DETAIL).options[index]
    for part in attribute.split("."):
        value = value[int(part)] if part.isdigit() else getattr(value, part)
    assert value == expected


def test_product_detail_header_and_list_wrapper() -> None:
    detail = mappers.product_detail_from_json([DETAIL])
    assert (detail.spd_no, detail.epd_no, detail.name) == ("LO1234567890", "TSHIRT-01", "무지 티셔츠")


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            {"grpCd": "DV_CO_CD", "cd": "0002", "cdNm": "CJ대한통운", "cdEpn": "", "sortSeq": 2},
            ("0002", "CJ대한통운", 2),
        ),
        ({"cd": 9999, "cdNm": "기타택배", "sortSeq": "99"}, ("9999", "기타택배", 99)),
    ],
)
def test_courier(row: dict, expected: tuple) -> None:
    courier = mappers.couriers_from_data([row])[0]
    assert (courier.code, courier.name, courier.sort_seq) == expected


CLAIM = {
    "odNo": "2025010100000001", "clmNo": "CL20250101000001",
    "itemList": [
        {"odSeq": "1", "procSeq": "2", "orglProcSeq": "1", "odTypCd": "20", "odPrgsStepCd": "21",
         "spdNo": "LO1234567890", "spdNm": "무지 티셔츠", "sitmNo": "LO1234567890_1234567891", "sitmNm": "블랙 / M",
         "odQty": 2, "itmSlPrc": "15900", "cnclQty": "1", "clmReqDttm": "20250101100000",
         "clmCmptDttm": "20250101100500", "clmRsnCd": "101", "clmRsnCnts": "단순 변심"},
    ],
}  # fmt: skip


@pytest.mark.parametrize(
    ("attribute", "expected"),
    [
        ("key", LineKey("2025010100000001", "1", "2")),
        ("clm_no", "CL20250101000001"),
        ("orgl_proc_seq", "1"),
        ("step", "21"),
        ("sitm_nm", "블랙 / M"),
        ("quantity", 2),
        ("cancelled_quantity", 1),
        ("unit_price", Decimal(15900)),
        ("requested_at", datetime(2025, 1, 1, 10, tzinfo=KST)),
        ("completed_at", datetime(2025, 1, 1, 10, 5, tzinfo=KST)),
        ("reason", "단순 변심"),
    ],
)
def test_cancellation_fields(attribute: str, expected: Any) -> None:
    assert getattr(mappers.cancellations_from_data([CLAIM])[0], attribute) == expected


# --- Write payloads -------------------------------------------------------------------------------

KEY = LineKey("2025010100000001", "1", "1")
AT = datetime(2025, 1, 2, 15, 0, tzinfo=KST)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            ConfirmLine(KEY),
            {"dvRtrvDvsCd": "DV", "odNo": "2025010100000001", "odSeq": "1", "procSeq": "1", "orglProcSeq": "",
             "clmNo": "", "ifCplYN": "Y", "ifFlRsnCnts": ""},
        ),
        (
            ConfirmLine(KEY, linked=False, fail_reason="품절로 인한 연동 실패"),
            {"dvRtrvDvsCd": "DV", "odNo": "2025010100000001", "odSeq": "1", "procSeq": "1", "orglProcSeq": "",
             "clmNo": "", "ifCplYN": "N", "ifFlRsnCnts": "품절로 인한 연동 실패"},
        ),
        (
            ConfirmLine(KEY, direction="RTRV", orgl_proc_seq="1", clm_no="CL1"),
            {"dvRtrvDvsCd": "RTRV", "odNo": "2025010100000001", "odSeq": "1", "procSeq": "1", "orglProcSeq": "1",
             "clmNo": "CL1", "ifCplYN": "Y", "ifFlRsnCnts": ""},
        ),
    ],
)  # fmt: skip
def test_confirm_row(line: ConfirmLine, expected: dict) -> None:
    assert mappers.confirm_row(line) == expected


def test_confirm_row_n_needs_reason() -> None:
    with pytest.raises(ValueError):
        mappers.confirm_row(ConfirmLine(KEY, linked=False))


def test_confirm_line_from_order() -> None:
    line = mappers.confirm_line_from_order(ORDER)
    assert line == ConfirmLine(KEY, instructed_at=ORDER.instructed_at)


COMMON_137 = {"dvRtrvDvsCd": "DV", "odNo": "2025010100000001", "odSeq": "1", "procSeq": "1", "orglProcSeq": "",
              "clmNo": "", "dvTrcStatDttm": "20250102150000", "spdNo": "LO1234567890",
              "sitmNo": "LO1234567890_1234567891", "slQty": "2"}  # fmt: skip


@pytest.mark.parametrize(
    ("invoice", "expected"),
    [
        ("123456789012", "123456789012"),
        ("1234-5678-9012", "123456789012"),
        (" 1234 5678 9012 ", "123456789012"),
        ("QSP000000012345", "QSP000000012345"),  # 15: the maximum (row 2)
    ],
)
def test_progress_row_step_13(invoice: str, expected: str) -> None:
    update = mappers.shipped_update_from_order(ORDER, courier_code="0002", invoice_no=invoice, at=AT)
    assert mappers.progress_row(update) == {
        **COMMON_137, "odPrgsStepCd": "13", "invcNbr": "1", "dvCoCd": "0002", "invcNo": expected,
    }  # fmt: skip


def test_progress_row_step_12() -> None:
    assert mappers.progress_row(mappers.preparing_update_from_order(ORDER, at=AT)) == {
        **COMMON_137,
        "odPrgsStepCd": "12",
    }


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"invoice_no": "QSP0000000123456"}, "longer than 15"),
        ({"invoice_no": "송장123"}, "letters and digits"),
        ({"invoice_no": "12/34"}, "letters and digits"),
        ({"invoice_no": ""}, "letters and digits"),
        ({"courier_code": ""}, "courier"),
        ({"step": "14"}, "12 and 13"),
        ({"quantity": 0}, "slQty"),
    ],
)
def test_progress_row_refuses(changes: dict, message: str) -> None:
    base = {"key": KEY, "step": "13", "event_at": AT, "spd_no": "P", "sitm_no": "S", "quantity": 1,
            "courier_code": "0002", "invoice_no": "123"}  # fmt: skip
    with pytest.raises(ValueError, match=message):
        mappers.progress_row(ProgressUpdate(**{**base, **changes}))


def test_invoice_correction_row() -> None:
    row = mappers.invoice_correction_row(InvoiceCorrection(KEY, "123456789012", "9876-5432-1098", "0006"))
    assert row == {"odNo": "2025010100000001", "odSeq": "1", "procSeq": "1", "orglProcSeq": "", "clmNo": "",
                   "invcNo": "123456789012", "modInvcNo": "987654321098", "modDvCoCd": "0006"}  # fmt: skip


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (StockChange("LO1", "LO1_1", 5), {"trGrpCd": "SR", "trNo": "LO10000001", "spdNo": "LO1", "sitmNo": "LO1_1", "stkQty": 5}),
        (StockChange("LO1", "LO1_1", 0, lrtr_no="LR1"),
         {"trGrpCd": "SR", "trNo": "LO10000001", "lrtrNo": "LR1", "spdNo": "LO1", "sitmNo": "LO1_1", "stkQty": 0}),
    ],
)  # fmt: skip
def test_stock_row(change: StockChange, expected: dict) -> None:
    assert mappers.stock_row(change, tr_no="LO10000001") == expected


@pytest.mark.parametrize("quantity", [-1, 1.5, "3", True])
def test_stock_row_refuses(quantity: Any) -> None:
    with pytest.raises(ValueError):
        mappers.stock_row(StockChange("LO1", "LO1_1", quantity), tr_no="LO10000001")


def test_sale_status_row() -> None:
    assert mappers.sale_status_row(SaleStatusChange("LO1", "LO1_1", "SALE"), tr_no="LO10000001") == {
        "trGrpCd": "SR", "trNo": "LO10000001", "spdNo": "LO1", "sitmNo": "LO1_1", "slStatCd": "SALE",
    }  # fmt: skip
    with pytest.raises(ValueError):
        mappers.sale_status_row(SaleStatusChange("LO1", "LO1_1", "ON"), tr_no="LO10000001")


# --- Write responses ------------------------------------------------------------------------------

K1, K2, K3 = LineKey("A", "1", "1"), LineKey("A", "2", "1"), LineKey("B", "1", "1")


def _env(data: Any, **root: Any) -> dict:
    return {"returnCode": "0000", "message": "", "data": data, **root}


FAIL_A2 = [
    {"odNo": "A", "odSeq": "2", "procSeq": "1", "failCd": "9999", "failMsg": "이미 연동완료된 주문입니다."}
]


@pytest.mark.parametrize(
    ("envelope", "expected"),
    [
        (_env({"rsltCd": "0000", "rsltMsg": "성공"}), [(True, "0000"), (True, "0000"), (True, "0000")]),
        (_env({"rsltCd": "0000", "rsltMsg": "", "failList": FAIL_A2}), [(True, "0000"), (False, "9999"), (True, "0000")]),
        (_env({"rsltCd": "0000", "rsltMsg": ""}, failList=FAIL_A2), [(True, "0000"), (False, "9999"), (True, "0000")]),
        (_env({"rsltCd": "0000", "rsltMsg": ""}, result={"failList": FAIL_A2}), [(True, "0000"), (False, "9999"), (True, "0000")]),
        (_env({"rsltCd": "9999", "rsltMsg": "실패"}), [(False, "9999"), (False, "9999"), (False, "9999")]),
        (
            _env({"rsltCd": "9999", "rsltMsg": "실패", "failList": [{"odNo": "B", "odSeq": 1, "procSeq": 1, "failCd": "1234", "failMsg": "x"}]}),
            [(False, "9999"), (False, "9999"), (False, "1234")],
        ),
        (_env({"rsltCd": "0000", "failList": [{"odNo": "A", "failMsg": "주문 전체 실패"}]}), [(False, "FAIL"), (False, "FAIL"), (True, "0000")]),
    ],
)  # fmt: skip
def test_line_results(envelope: dict, expected: list) -> None:
    results = mappers.line_results([K1, K2, K3], envelope)
    assert [(r.ok, r.code) for r in results] == expected
    assert [r.key for r in results] == [K1, K2, K3]


def test_line_results_message_of_failed_line() -> None:
    results = mappers.line_results([K1, K2], _env({"rsltCd": "0000", "failList": FAIL_A2}))
    assert results[1].message == "이미 연동완료된 주문입니다."


@pytest.mark.parametrize("data", [None, {}, {"rsltMsg": "no code"}, []])
def test_line_results_without_rslt_cd(data: Any) -> None:
    with pytest.raises(ValueError):
        mappers.line_results([K1], _env(data))


ITEMS = [("LO1", "LO1_1"), ("LO1", "LO1_2"), ("LO2", "LO2_1")]


@pytest.mark.parametrize(
    ("envelope", "expected"),
    [
        (
            _env([{"spdNo": "LO1", "sitmNo": "LO1_1", "resultCode": "0000", "resultMessage": "성공"},
                  {"spdNo": "LO1", "sitmNo": "LO1_2", "resultCode": "9999", "resultMessage": "단품 없음"},
                  {"spdNo": "LO2", "sitmNo": "LO2_1", "resultCode": "0000", "resultMessage": "성공"}]),
            [(True, "0000"), (False, "9999"), (True, "0000")],
        ),
        (_env([]), [(False, "NO_RESULT")] * 3),  # misnamed list: 0000 with nothing applied
        (
            _env([{"spdNo": "LO2", "sitmNo": "LO2_1", "resultCode": 0}, {"sitmNo": "LO1_1", "resultCode": "0000"}]),
            [(True, "0000"), (False, "NO_RESULT"), (False, "0")],
        ),
        (
            _env([{"spdNo": "LO1", "sitmNo": "LO1_1", "resultCode": "0000"}, {"spdNo": "LO1", "sitmNo": "LO1_2", "resultCode": "0000"},
                  {"spdNo": "LO2", "sitmNo": "LO2_1", "resultCode": "0000"}],
                 failList=[{"sitmNo": "LO1_2", "failCd": "8000", "failMsg": "x"}]),
            [(True, "0000"), (False, "8000"), (True, "0000")],
        ),
    ],
)  # fmt: skip
def test_item_results(envelope: dict, expected: list) -> None:
    results = mappers.item_results(ITEMS, envelope)
    assert [(r.ok, r.code) for r in results] == expected
    assert [(r.spd_no, r.sitm_no) for r in results] == ITEMS
