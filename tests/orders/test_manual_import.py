"""Manual shipping orders from Excel: the template, grouping, the row-by-row report, files that are not order sheets."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from orders.models import ConfirmState, LineStatus, Order, OrderEvent, OrderLine, OrderStatus
from orders.services.manual import COLUMNS, MAX_IMPORT_ROWS, manual_orders_import
from tests.factories import make_account, make_seller_user

HEADERS = [column.header for column in COLUMNS]
KEYS = [column.key for column in COLUMNS]


def row(**values) -> list:
    """A data row in template order; keys are COLUMNS keys."""
    return [values.get(key) for key in KEYS]


def good_rows() -> list[list]:
    return [
        row(group="A", reference_order_no="2026112700000101", recipient_name="홍길동", recipient_mobile="010-1234-5678",
            zip_code="06236", address="서울특별시 강남구 테헤란로 152", address_detail="12층",
            delivery_message="문 앞에 놓아주세요", seller_code="SKU-TEE-BLK-M", product_name="반팔 티셔츠",
            option_name="블랙 / M", quantity=2),
        row(group="A", seller_code="SKU-TEE-WHT-L", product_name="반팔 티셔츠", option_name="화이트 / L", quantity=1),
        row(group="A", recipient_name="홍길동", seller_code="MUG-01", product_name="머그컵", quantity="3"),
        # Excel turned these into numbers: 06035 → 6035, 010… → 10….
        row(recipient_name="김영희", recipient_phone=212345678, zip_code=6035, address="서울특별시 강남구 가로수길 5",
            seller_code=880123, product_name="텀블러", quantity=1.0),
        row(group="B", recipient_name="이순신", recipient_mobile="010 9876 5432", zip_code="48058",
            address="부산광역시 해운대구 센텀중앙로 79", seller_code="SOCK-3P", product_name="양말 3팩", quantity=5),
    ]


def xlsx(rows: list[list], headers: list | None = None, *, title: str = "Orders") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    if headers is not False:
        sheet.append(HEADERS if headers is None else headers)
    for values in rows:
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(content: bytes, name: str = "orders.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@pytest.fixture
def seller_user():
    return make_seller_user(name="엑셀 상점")


@pytest.fixture
def seller(seller_user):
    return seller_user[0]


@pytest.fixture
def user(seller_user):
    return seller_user[1]


def run(seller, user, content: bytes, name: str = "orders.xlsx"):
    return manual_orders_import(seller=seller, actor=user, file=upload(content, name))


def problems(report) -> list[tuple[int, str]]:
    return [(error.row, error.column) for error in report.errors]


@pytest.mark.django_db
class TestGoodFile:
    def test_groups_become_orders_with_several_items(self, seller, user):
        report = run(seller, user, xlsx(good_rows()))
        assert report.ok and report.errors == []
        assert (report.rows, report.orders_created, report.lines_created) == (5, 3, 5)
        orders = list(Order.objects.filter(seller=seller).order_by("order_no"))
        assert [o.order_no for o in orders] == report.order_nos and len(set(report.order_nos)) == 3
        assert report.order_nos[0].endswith("-0001") and report.order_nos[2].endswith("-0003")

        first, second, third = orders
        assert first.recipient_name == "홍길동" and first.reference_order_no == "2026112700000101"
        assert first.delivery_message == "문 앞에 놓아주세요" and first.total_quantity == 6
        assert [(line.seller_code, line.option_name, line.quantity) for line in first.lines.order_by("line_no")] == [
            ("SKU-TEE-BLK-M", "블랙 / M", 2), ("SKU-TEE-WHT-L", "화이트 / L", 1), ("MUG-01", "", 3)]
        # Phone numbers as pulled orders have them, however they were typed.
        assert (second.zip_code, second.recipient_phone, second.recipient_mobile) == ("06035", "02-1234-5678", "")
        assert second.lines.get().seller_code == "880123"
        assert third.recipient_mobile == "010-9876-5432" and third.total_quantity == 5

        for order in orders:
            assert order.source == Order.Source.MANUAL and order.status == OrderStatus.CONFIRMED
            assert order.instructed_at is not None
        assert set(OrderLine.objects.values_list("status", "confirm_state").distinct()) == {
            (LineStatus.CONFIRMED, ConfirmState.NOT_NEEDED)}
        event = OrderEvent.objects.get(order=first)
        assert event.kind == OrderEvent.Kind.CREATED and event.actor == user
        assert event.details["via"] == "excel" and event.details["rows"] == [2, 3, 4]
        assert event.details["file"] == "orders.xlsx"

    def test_blank_rows_extra_columns_korean_headers_and_shop_id(self, seller, user):
        account = make_account(seller=seller, shop_id="Lotte-Shop")
        headers = ["메모", "주문묶음", "Shop ID", "수취인", "휴대폰", "우편번호", "주소", "판매자 상품코드", "상품명", "수량"]
        rows = [
            ["내 메모", "", "lotte-shop", "홍길동", "010-1111-2222", "06236", "서울", "A-1", "상품 A", 1],
            [None] * 10,
            ["", "", account.account_number, "김철수", "010-3333-4444", "06236", "서울", "B-1", "상품 B", 2],
            ["", "", "", "박민수", "010-5555-6666", "06236", "서울", "C-1", "상품 C", 3],
        ]
        report = run(seller, user, xlsx(rows, headers))
        assert report.ok, report.errors
        assert report.orders_created == 3 and report.rows == 3
        orders = list(Order.objects.order_by("order_no"))
        assert [o.account_id for o in orders] == [account.pk, account.pk, None]
        assert [o.site for o in orders] == ["lotteon", "lotteon", ""]

    def test_a_file_of_many_orders_costs_a_fixed_number_of_queries(self, seller, user, django_assert_max_num_queries):
        rows = [row(recipient_name=f"수취인{n}", recipient_mobile="010-1234-5678", zip_code="06236", address="서울",
                    reference_order_no=f"REF-{n}", seller_code=f"CODE-{n}", product_name="상품", quantity=1)
                for n in range(300)]
        with django_assert_max_num_queries(25):
            report = run(seller, user, xlsx(rows))
        assert report.orders_created == 300 and Order.objects.count() == 300


@pytest.mark.django_db
class TestBadRows:
    def test_every_bad_row_is_reported_and_nothing_is_applied(self, seller, user):
        rows = good_rows()
        rows[0][KEYS.index("zip_code")] = "1234"               # row 2
        rows[1][KEYS.index("quantity")] = 0                     # row 3
        rows[2][KEYS.index("recipient_name")] = "다른사람"       # row 4: differs from row 2 of group A
        rows[3][KEYS.index("recipient_phone")] = None           # row 5: no phone at all
        rows[3][KEYS.index("seller_code")] = None               # row 5
        rows[4][KEYS.index("account")] = "no-such-shop"         # row 6
        report = run(seller, user, xlsx(rows))
        assert not report.ok and report.orders_created == 0
        assert problems(report) == [
            (2, "Zip code"), (3, "Quantity"), (4, "Recipient name"), (5, "Mobile"), (5, "Seller defined code"),
            (6, "Shop ID"),
        ]
        by_row = {(e.row, e.column): e for e in report.errors}
        assert by_row[(2, "Zip code")].letter == "G" and "exactly 5 digits" in by_row[(2, "Zip code")].message
        assert "from 1 to 9999" in by_row[(3, "Quantity")].message
        assert "Differs from row 2, the first row of group “A”" in by_row[(4, "Recipient name")].message
        assert "mobile or phone" in by_row[(5, "Mobile")].message
        assert "no-such-shop" in by_row[(6, "Shop ID")].message
        assert report.error_rows == 5
        assert not Order.objects.exists() and not OrderLine.objects.exists() and not OrderEvent.objects.exists()

    def test_duplicates_in_smartship_and_in_the_file(self, seller, user):
        existing = Order.objects.create(seller=seller, site="lotteon", source=Order.Source.PULLED,
                                        order_no="2026112700000101", recipient_name="기존", address="서울")
        rows = good_rows()
        rows[4][KEYS.index("reference_order_no")] = "REF-SAME"
        rows.append(row(recipient_name="또", recipient_mobile="010-1234-5678", zip_code="06236", address="서울",
                        reference_order_no="REF-SAME", seller_code="X", product_name="상품", quantity=1))
        report = run(seller, user, xlsx(rows))
        assert problems(report) == [(2, "Sales site order number"), (7, "Sales site order number")]
        assert f"already in SmartShip as order {existing.order_no}; open it instead" in report.errors[0].message
        assert "also on row 6" in report.errors[1].message and "same Group" in report.errors[1].message
        assert Order.objects.count() == 1

    def test_a_group_split_apart_is_reported(self, seller, user):
        rows = good_rows()  # group A is rows 2-4
        late = list(rows[0])
        late[KEYS.index("reference_order_no")] = None
        rows.append(late)  # row 7: group A again, after other orders
        report = run(seller, user, xlsx(rows))
        assert problems(report) == [(7, "Group")]
        assert report.errors[0].letter == "A"
        assert report.errors[0].message == "Group “A” already ended at row 4; keep the rows of one order next to each other."

    def test_the_report_is_shown_on_the_page(self, client, seller, user):
        rows = good_rows()
        rows[1][KEYS.index("quantity")] = "많이"
        client.force_login(user)
        response = client.post("/orders/manual/import/", {"file": upload(xlsx(rows), "주문목록.xlsx")})
        assert response.status_code == 200
        body = response.content.decode()
        assert "Nothing was imported." in body and "주문목록.xlsx" in body
        assert '<td class="report-row" data-label="Row">3</td>' in body and "Quantity" in body
        assert "from 1 to 9999" in body
        assert not Order.objects.exists()


@pytest.mark.django_db
class TestFilesThatAreNotOrderSheets:
    def file_error(self, seller, user, content: bytes, name: str = "orders.xlsx") -> str:
        with pytest.raises(ValidationError) as caught:
            run(seller, user, content, name)
        assert not Order.objects.exists()
        return caught.value.message_dict["file"][0]

    @pytest.mark.parametrize("content", [
        b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF",
        "주문번호,수취인\n1,홍길동\n".encode(),
        b"PK\x03\x04 not really a zip",
    ])
    def test_not_excel(self, seller, user, content):
        assert "not an Excel workbook (.xlsx)" in self.file_error(seller, user, content)

    def test_a_zip_that_is_not_a_workbook(self, seller, user):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("hello.txt", "안녕")
        assert "not an Excel workbook" in self.file_error(seller, user, buffer.getvalue())

    def test_old_xls(self, seller, user):
        content = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512
        assert "Excel 97–2003 (.xls)" in self.file_error(seller, user, content, "orders.xls")

    def test_empty_file_and_empty_sheet(self, seller, user):
        assert "The file is empty" in self.file_error(seller, user, b"")
        assert "The sheet is empty" in self.file_error(seller, user, xlsx([], headers=False))
        assert "no order rows" in self.file_error(seller, user, xlsx([]))
        assert "no order rows" in self.file_error(seller, user, xlsx([[None, " ", None]]))

    def test_missing_columns(self, seller, user):
        headers = [h for h in HEADERS if not h.startswith(("Quantity", "Mobile", "Phone", "Zip"))]
        message = self.file_error(seller, user, xlsx([["x"] * len(headers)], headers))
        assert message.startswith("The first row must hold the column names; missing: Zip code, Quantity, Mobile or Phone.")

    def test_a_column_twice(self, seller, user):
        message = self.file_error(seller, user, xlsx([], [*HEADERS, "수량"]))
        assert "“Quantity” appears twice (columns N and O)" in message

    def test_more_than_5000_rows(self, seller, user):
        data = [row(recipient_name="홍길동", recipient_mobile="010-1234-5678", zip_code="06236", address="서울",
                    seller_code="A", product_name="상품", quantity=1)] * (MAX_IMPORT_ROWS + 1)
        message = self.file_error(seller, user, xlsx(data))
        assert "more than 5,000 rows" in message

    def test_too_large(self, seller, user, client):
        big = upload(b"PK" + b"\0" * (5 * 1024 * 1024), "big.xlsx")
        with pytest.raises(ValidationError) as caught:
            manual_orders_import(seller=seller, actor=user, file=big)
        assert "larger than 5 MB" in caught.value.message_dict["file"][0]
        client.force_login(user)
        big.seek(0)
        body = client.post("/orders/manual/import/", {"file": big}).content.decode()
        assert "larger than 5 MB" in body and not Order.objects.exists()

    def test_file_errors_are_shown_on_the_page(self, client, user):
        client.force_login(user)
        body = client.post("/orders/manual/import/", {"file": upload(b"%PDF-1.4 fake", "scan.xlsx")}).content.decode()
        assert "not an Excel workbook (.xlsx)" in body and "Nothing was saved" in body
        body = client.post("/orders/manual/import/", {}).content.decode()
        assert "Choose the Excel file to upload." in body


@pytest.mark.django_db
class TestTemplate:
    def test_template_downloads_and_round_trips(self, client, seller, user):
        client.force_login(user)
        response = client.get("/orders/manual/template.xlsx")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        assert "attachment" in response["Content-Disposition"] and ".xlsx" in response["Content-Disposition"]

        workbook = load_workbook(io.BytesIO(response.content))
        assert workbook.sheetnames == ["Orders", "Guide"]
        sheet = workbook["Orders"]
        header = [cell.value for cell in sheet[1]]
        assert header[:4] == ["Group (주문묶음)", "Shop ID (쇼핑몰 ID)", "Sales site order number (주문번호)",
                              "Recipient name (수취인) *"]
        assert "Seller defined code (판매자 상품코드) *" in header and "Quantity (수량) *" in header
        assert sheet.max_row == 1, "no example rows that would be imported by mistake"

        # The unchanged template is not an order file.
        empty = client.post("/orders/manual/import/", {"file": upload(response.content, "template.xlsx")})
        assert "no order rows" in empty.content.decode()

        for values in good_rows():
            sheet.append(values)
        buffer = io.BytesIO()
        workbook.save(buffer)
        done = client.post("/orders/manual/import/", {"file": upload(buffer.getvalue(), "filled.xlsx")})
        assert done.status_code == 302 and done["Location"] == "/orders/"
        assert Order.objects.filter(seller=seller, source=Order.Source.MANUAL).count() == 3
        page = client.get(done["Location"]).content.decode()
        assert "Imported filled.xlsx: 3 shipping order(s) with 5 line(s) created" in page

    def test_import_page_renders(self, client, user):
        client.force_login(user)
        body = client.get("/orders/manual/import/").content.decode()
        assert "Download template (.xlsx)" in body and "Upload and create orders" in body
        assert "Seller defined code" in body and "판매자 상품코드" in body

    def test_login_required(self, client):
        assert client.get("/orders/manual/template.xlsx").status_code == 302
        assert client.get("/orders/manual/import/").status_code == 302
