"""Manual shipping orders entered one at a time: the service, the form page and the REST API (real SQL)."""

from __future__ import annotations

import re
import threading
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from orders.manual_views import order_url
from orders.models import ConfirmState, LineStatus, Order, OrderEvent, OrderLine, OrderStatus
from orders.services.manual import ManualItem, manual_order_create, order_numbers_next
from tests.factories import make_account, make_seller_user

KST = ZoneInfo("Asia/Seoul")


def today() -> str:
    return f"{timezone.localtime(timezone.now(), KST):%Y%m%d}"


def order_kwargs(**overrides) -> dict:
    kwargs = {
        "recipient_name": "홍길동", "recipient_mobile": "010-1234-5678", "recipient_phone": "",
        "zip_code": "06236", "address": "서울특별시 강남구 테헤란로 152", "address_detail": "강남파이낸스센터 12층",
        "delivery_message": "문 앞에 놓아주세요", "reference_order_no": "", "account_id": None,
        "items": [ManualItem(seller_code="SKU-TEE-BLK-M", product_name="반팔 티셔츠", option_name="블랙 / M", quantity=2)],
    }
    kwargs.update(overrides)
    return kwargs


@pytest.fixture
def seller_user():
    return make_seller_user(name="수동주문 상점")


@pytest.fixture
def seller(seller_user):
    return seller_user[0]


@pytest.fixture
def user(seller_user):
    return seller_user[1]


def pulled_order(*, seller, order_no: str, site: str = "lotteon", account=None) -> Order:
    return Order.objects.create(seller=seller, account=account, site=site, source=Order.Source.PULLED,
                                order_no=order_no, recipient_name="김철수", address="부산광역시 해운대구")


@pytest.mark.django_db
class TestCreate:
    def test_a_valid_order_is_confirmed_numbered_and_audited(self, seller, user):
        account = make_account(seller=seller, shop_id="lotte-shop")
        items = [
            ManualItem(seller_code="  SKU-TEE-BLK-M ", product_name=" 반팔 티셔츠 ", option_name="블랙 / M", quantity=2),
            ManualItem(seller_code="MUG-01", product_name="머그컵", quantity="3"),
        ]
        order = manual_order_create(
            seller=seller, actor=user, **order_kwargs(
                account_id=account.pk, reference_order_no=" 2026112799990001 ", recipient_name="  홍길동  ",
                recipient_phone=" 02 123 4567 ", items=items,
            ),
        )
        assert order.order_no == f"M{today()}-0001"
        assert order.source == Order.Source.MANUAL and order.account == account and order.site == "lotteon"
        assert order.reference_order_no == "2026112799990001"
        assert order.recipient_name == "홍길동" and order.recipient_phone == "02-123-4567", "as a pulled order has it"
        assert order.address_detail == "강남파이낸스센터 12층" and order.delivery_message == "문 앞에 놓아주세요"
        assert order.status == OrderStatus.CONFIRMED
        assert order.total_quantity == 5 and order.total_amount == 0 and not order.needs_attention
        assert order.instructed_at is not None and abs((timezone.now() - order.instructed_at).total_seconds()) < 60

        lines = list(order.lines.order_by("line_no"))
        assert [line.line_no for line in lines] == ["1", "2"]
        assert {line.status for line in lines} == {LineStatus.CONFIRMED}
        assert {line.confirm_state for line in lines} == {ConfirmState.NOT_NEEDED}
        # The one code the seller types is the line's Seller defined code, with or without an option.
        assert [(line.seller_option_code, line.seller_product_code) for line in lines] == [
            ("SKU-TEE-BLK-M", ""), ("MUG-01", "")]
        assert [line.seller_code for line in lines] == ["SKU-TEE-BLK-M", "MUG-01"]
        assert lines[0].product_name == "반팔 티셔츠" and lines[1].quantity == 3

        event = OrderEvent.objects.get(order=order)
        assert event.kind == OrderEvent.Kind.CREATED and event.actor == user and event.seller_id == seller.pk
        assert event.details["via"] == "form" and event.details["reference_order_no"] == "2026112799990001"

    def test_without_account_and_with_phone_only(self, seller, user):
        order = manual_order_create(seller=seller, actor=None, **order_kwargs(
            recipient_mobile="", recipient_phone="031-123-4567"))
        assert order.account is None and order.site == "" and order.reference_order_no == ""
        assert order.recipient_phone == "031-123-4567" and order.status == OrderStatus.CONFIRMED

    @pytest.mark.parametrize(("overrides", "key", "text"), [
        ({"recipient_name": ""}, "recipient_name", "Enter the recipient's name."),
        ({"recipient_name": "   "}, "recipient_name", "Enter the recipient's name."),
        ({"recipient_name": "가" * 101}, "recipient_name", "at most 100 characters"),
        ({"address": " "}, "address", "Enter the delivery address."),
        ({"zip_code": ""}, "zip_code", "Enter the 5-digit zip code"),
        ({"zip_code": "1234"}, "zip_code", "exactly 5 digits"),
        ({"zip_code": "123456"}, "zip_code", "exactly 5 digits"),
        ({"zip_code": "06-236"}, "zip_code", "exactly 5 digits"),
        ({"recipient_mobile": "", "recipient_phone": " "}, "recipient_mobile", "Enter a mobile or phone number"),
        ({"recipient_mobile": "010-1234"}, "recipient_mobile", "9 to 11 digits"),
        ({"recipient_mobile": "010-1234-56789"}, "recipient_mobile", "9 to 11 digits"),
        ({"recipient_mobile": "010.1234.5678"}, "recipient_mobile", "only digits, dashes and spaces"),
        ({"recipient_mobile": "+82-10-1234-5678"}, "recipient_mobile", "only digits, dashes and spaces"),
        ({"recipient_phone": "02-12-34"}, "recipient_phone", "9 to 11 digits"),
        ({"reference_order_no": "1" * 41}, "reference_order_no", "at most 40 characters"),
        ({"items": []}, "items", "Add at least one item."),
        ({"items": [ManualItem(seller_code=" ", product_name="티셔츠", quantity=1)]}, "items.0.seller_code",
         "Enter the Seller defined code."),
        ({"items": [ManualItem(seller_code="A", product_name="", quantity=1)]}, "items.0.product_name",
         "Enter the product name."),
        ({"items": [ManualItem(seller_code="A" * 101, product_name="티셔츠", quantity=1)]}, "items.0.seller_code",
         "at most 100 characters"),
        ({"items": [ManualItem(seller_code="A", product_name="티셔츠", quantity=0)]}, "items.0.quantity",
         "from 1 to 9999"),
        ({"items": [ManualItem(seller_code="A", product_name="티셔츠", quantity=10000)]}, "items.0.quantity",
         "from 1 to 9999"),
        ({"items": [ManualItem(seller_code="A", product_name="티셔츠", quantity=-1)]}, "items.0.quantity",
         "from 1 to 9999"),
        ({"items": [ManualItem(seller_code="A", product_name="티셔츠", quantity="1.5")]}, "items.0.quantity",
         "from 1 to 9999"),
        ({"items": [ManualItem(seller_code="A", product_name="티셔츠", quantity="두 개")]}, "items.0.quantity",
         "from 1 to 9999"),
        ({"items": [ManualItem(seller_code="A", product_name="티셔츠", quantity=True)]}, "items.0.quantity",
         "from 1 to 9999"),
        ({"items": [ManualItem(seller_code="A", product_name="티셔츠", quantity=1),
                    ManualItem(seller_code="B", product_name="바지", quantity="")]}, "items.1.quantity",
         "from 1 to 9999"),
        ({"account_id": 999999}, "account_id", "Choose one of your sales-site accounts."),
    ])
    def test_each_rule_has_a_clear_message_and_saves_nothing(self, seller, user, overrides, key, text):
        with pytest.raises(ValidationError) as caught:
            manual_order_create(seller=seller, actor=user, **order_kwargs(**overrides))
        errors = caught.value.message_dict
        assert key in errors, errors
        assert any(text in message for message in errors[key]), errors[key]
        assert not Order.objects.exists() and not OrderLine.objects.exists() and not OrderEvent.objects.exists()

    def test_all_errors_are_reported_at_once(self, seller, user):
        with pytest.raises(ValidationError) as caught:
            manual_order_create(seller=seller, actor=user, **order_kwargs(
                recipient_name="", zip_code="abc", recipient_mobile="",
                items=[ManualItem(seller_code="", product_name="", quantity=0)]))
        assert set(caught.value.message_dict) == {
            "recipient_name", "zip_code", "recipient_mobile", "items.0.seller_code", "items.0.product_name",
            "items.0.quantity",
        }

    def test_another_sellers_account_is_rejected(self, seller, user):
        other, _ = make_seller_user()
        foreign = make_account(seller=other, account_number="LO20000002", shop_id="theirs")
        with pytest.raises(ValidationError) as caught:
            manual_order_create(seller=seller, actor=user, **order_kwargs(account_id=foreign.pk))
        assert caught.value.message_dict == {"account_id": ["Choose one of your sales-site accounts."]}
        assert not Order.objects.exists()


@pytest.mark.django_db
class TestDuplicateReference:
    def test_a_pulled_order_of_the_same_site_is_refused(self, seller, user):
        account = make_account(seller=seller)
        pulled_order(seller=seller, order_no="2026112700000001", account=account)
        with pytest.raises(ValidationError) as caught:
            manual_order_create(seller=seller, actor=user, **order_kwargs(
                account_id=account.pk, reference_order_no=" 2026112700000001"))
        assert caught.value.message_dict == {"reference_order_no": [
            "Sales site order number 2026112700000001 is already in SmartShip as order 2026112700000001; "
            "open it instead."]}
        assert Order.objects.count() == 1

    def test_a_manual_order_with_the_same_reference_is_refused(self, seller, user):
        first = manual_order_create(seller=seller, actor=user, **order_kwargs(reference_order_no="REF-1"))
        with pytest.raises(ValidationError) as caught:
            manual_order_create(seller=seller, actor=user, **order_kwargs(reference_order_no="REF-1"))
        assert first.order_no in caught.value.message_dict["reference_order_no"][0]
        assert Order.objects.count() == 1

    def test_without_an_account_the_number_clashes_with_any_site(self, seller, user):
        pulled_order(seller=seller, order_no="2026112700000002", site="lotteon")
        with pytest.raises(ValidationError):
            manual_order_create(seller=seller, actor=user, **order_kwargs(reference_order_no="2026112700000002"))
        # ... and a site-less manual order clashes with a later one that names the site.
        manual_order_create(seller=seller, actor=user, **order_kwargs(reference_order_no="OTHER-7"))
        account = make_account(seller=seller)
        with pytest.raises(ValidationError):
            manual_order_create(seller=seller, actor=user, **order_kwargs(
                account_id=account.pk, reference_order_no="OTHER-7"))

    def test_other_sites_and_other_sellers_do_not_clash(self, seller, user):
        account = make_account(seller=seller)
        pulled_order(seller=seller, order_no="55501", site="elsewhere")
        other, other_user = make_seller_user()
        pulled_order(seller=other, order_no="55502", site="lotteon")
        manual_order_create(seller=other, actor=other_user, **order_kwargs(reference_order_no="55503"))
        for reference in ("55501", "55502", "55503"):
            order = manual_order_create(seller=seller, actor=user, **order_kwargs(
                account_id=account.pk, reference_order_no=reference))
            assert order.reference_order_no == reference
        # A pulled order's own number is what clashes, not the manual order number it may resemble.
        assert Order.objects.filter(seller=seller, source=Order.Source.MANUAL).count() == 3


@pytest.mark.django_db
class TestNumbering:
    def test_two_creates_in_a_row(self, seller, user):
        first = manual_order_create(seller=seller, actor=user, **order_kwargs())
        second = manual_order_create(seller=seller, actor=user, **order_kwargs())
        assert (first.order_no, second.order_no) == (f"M{today()}-0001", f"M{today()}-0002")

    def test_a_number_already_taken_is_skipped(self, seller, user):
        Order.objects.create(seller=seller, source=Order.Source.MANUAL, order_no=f"M{today()}-0001",
                             recipient_name="기존", address="서울")
        Order.objects.create(seller=seller, source=Order.Source.MANUAL, order_no=f"M{today()}-0007",
                             recipient_name="기존", address="서울")
        order = manual_order_create(seller=seller, actor=user, **order_kwargs())
        assert order.order_no == f"M{today()}-0008"

    def test_sequences_are_per_seller_and_per_day(self, seller, user):
        other, other_user = make_seller_user()
        manual_order_create(seller=seller, actor=user, **order_kwargs())
        assert manual_order_create(seller=other, actor=other_user, **order_kwargs()).order_no == f"M{today()}-0001"
        assert order_numbers_next(seller=seller, day=date(2030, 1, 2), count=2) == ["M20300102-0001", "M20300102-0002"]

    def test_the_date_is_korean(self, seller, user, monkeypatch):
        # 23:30 UTC on the 27th is 08:30 on the 28th in Seoul.
        monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 11, 27, 23, 30, tzinfo=UTC))
        order = manual_order_create(seller=seller, actor=user, **order_kwargs())
        assert order.order_no == "M20261128-0001"

    def test_sequence_grows_past_four_digits(self, seller):
        Order.objects.create(seller=seller, source=Order.Source.MANUAL, order_no="M20300102-9999",
                             recipient_name="기존", address="서울")
        assert order_numbers_next(seller=seller, day=date(2030, 1, 2)) == ["M20300102-10000"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_get_different_numbers():
    """Two requests of one seller at the same moment, each on its own database connection."""
    seller, user = make_seller_user()
    barrier = threading.Barrier(4)
    numbers: list[str] = []
    failures: list[BaseException] = []

    def create():
        try:
            barrier.wait()
            numbers.append(manual_order_create(seller=seller, actor=user, **order_kwargs()).order_no)
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not failures, failures
    assert sorted(numbers) == [f"M{today()}-000{n}" for n in range(1, 5)]


# --- The form page -------------------------------------------------------------------------------------

def form_data(**overrides) -> dict:
    data = {
        "recipient_name": "홍길동", "recipient_mobile": "010-1234-5678", "recipient_phone": "", "zip_code": "06236",
        "address": "서울특별시 강남구 테헤란로 152", "address_detail": "12층", "delivery_message": "",
        "account_id": "", "reference_order_no": "",
        "items-TOTAL_FORMS": "3", "items-INITIAL_FORMS": "0", "items-MIN_NUM_FORMS": "0", "items-MAX_NUM_FORMS": "500",
        "items-0-seller_code": "SKU-TEE-BLK-M", "items-0-product_name": "반팔 티셔츠", "items-0-option_name": "블랙 / M",
        "items-0-quantity": "2",
        "items-1-seller_code": "MUG-01", "items-1-product_name": "머그컵", "items-1-option_name": "",
        "items-1-quantity": "1",
        # An untouched row (quantity keeps its initial 1) is ignored.
        "items-2-seller_code": "", "items-2-product_name": "", "items-2-option_name": "", "items-2-quantity": "1",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
class TestFormPage:
    url = "/orders/manual/new/"

    def test_url_names(self):
        assert reverse("orders:manual-create") == self.url
        assert reverse("orders:manual-import") == "/orders/manual/import/"
        assert reverse("orders:manual-template").startswith("/orders/manual/")

    def test_login_required(self, client):
        response = client.get(self.url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")

    def test_page_lists_only_the_sellers_accounts(self, client, seller, user):
        make_account(seller=seller, shop_id="my-lotte-shop")
        other, _ = make_seller_user()
        make_account(seller=other, shop_id="not-mine", account_number="LO20000002")
        client.force_login(user)
        body = client.get(self.url).content.decode()
        assert "my-lotte-shop" in body and "not-mine" not in body
        assert "Create shipping order" in body and "Seller defined code" in body and "수취인" in body

    def test_create_redirects_to_the_order_with_a_message(self, client, seller, user):
        account = make_account(seller=seller)
        client.force_login(user)
        response = client.post(self.url, form_data(account_id=str(account.pk), reference_order_no="2026112711112222"))
        order = Order.objects.get(seller=seller)
        assert response.status_code == 302 and response["Location"] == order_url(order)
        assert order.lines.count() == 2 and order.total_quantity == 3 and order.account == account
        assert OrderEvent.objects.get(order=order).actor == user
        page = client.get(response["Location"]).content.decode()
        assert f"Shipping order {order.order_no} created for 홍길동" in page

    def test_the_order_page_has_no_sales_site_payload_section(self, client, seller, user):
        client.force_login(user)
        response = client.post(self.url, form_data())
        page = client.get(response["Location"]).content.decode()
        assert "Shipping order" in page and "Line 1" not in page
        assert "Raw sales-site payload" not in page and "raw-payload" not in page, "a manual order has none"

    def test_numbers_typed_without_dashes_are_stored_and_shown_as_pulled_orders_show_them(self, client, seller, user):
        client.force_login(user)
        response = client.post(self.url, form_data(recipient_mobile="01012345678", recipient_phone="0212345678"))
        order = Order.objects.get(seller=seller)
        assert (order.recipient_mobile, order.recipient_phone) == ("010-1234-5678", "02-1234-5678")
        page = client.get(response["Location"]).content.decode()
        assert "010-1234-5678" in page and "01012345678" not in page

    def test_errors_are_shown_next_to_fields_and_rows_and_nothing_is_saved(self, client, seller, user):
        client.force_login(user)
        response = client.post(self.url, form_data(
            recipient_name=" ", zip_code="1234", recipient_mobile="", **{"items-1-quantity": "0",
                                                                        "items-0-seller_code": ""}))
        assert response.status_code == 200
        assert not Order.objects.exists()
        body = response.content.decode()
        assert "Nothing was saved" in body
        assert "Enter the recipient&#x27;s name." in body
        assert "A Korean zip code has exactly 5 digits" in body
        assert "Enter a mobile or phone number" in body
        assert 'id="id_items-0-seller_code_error"' in body and "Enter the Seller defined code." in body
        assert 'id="id_items-1-quantity_error"' in body
        assert "반팔 티셔츠" in body, "what was typed stays in the form"
        # Screen readers: every input points at text that is there, and says which item it belongs to.
        described = {ref for refs in re.findall(r'aria-describedby="([^"]+)"', body) for ref in refs.split()}
        assert {"id_items-0-seller_code_error", "id_recipient_name_error"} <= described
        assert all(f'id="{ref}"' in body for ref in described), described
        assert 'aria-label="Seller defined code of item 1"' in body and 'aria-label="Quantity of item 2"' in body
        assert 'aria-label="Remove item 2"' in body

    def test_an_empty_form_says_what_is_missing_field_by_field(self, client, user):
        client.force_login(user)
        data = form_data(recipient_name="", recipient_mobile="", recipient_phone="", zip_code="", address="",
                         **{"items-0-seller_code": "", "items-0-product_name": "", "items-0-quantity": ""})
        body = client.post(self.url, data).content.decode()
        assert "This field is required." not in body
        for message in ("Enter the recipient&#x27;s name.", "Enter the 5-digit zip code (우편번호).",
                        "Enter the delivery address.", "Enter a mobile or phone number for the courier.",
                        "Enter the Seller defined code.", "Enter the product name."):
            assert message in body, message
        assert not Order.objects.exists()

    def test_no_items_at_all(self, client, user):
        client.force_login(user)
        data = form_data(**{f"items-{i}-{name}": "" for i in range(3)
                            for name in ("seller_code", "product_name", "option_name")},
                         **{f"items-{i}-quantity": "1" for i in range(3)})
        body = client.post(self.url, data).content.decode()
        assert "Add at least one item." in body and not Order.objects.exists()

    def test_duplicate_reference_is_shown_on_the_field(self, client, seller, user):
        existing = pulled_order(seller=seller, order_no="2026112733334444")
        client.force_login(user)
        body = client.post(self.url, form_data(reference_order_no="2026112733334444")).content.decode()
        assert f"already in SmartShip as order {existing.order_no}; open it instead." in body
        assert Order.objects.count() == 1

    def test_another_sellers_account_id_is_refused(self, client, seller, user):
        other, _ = make_seller_user()
        foreign = make_account(seller=other, account_number="LO20000002")
        client.force_login(user)
        body = client.post(self.url, form_data(account_id=str(foreign.pk))).content.decode()
        assert "Choose one of your sales-site accounts." in body and not Order.objects.exists()

    def test_tampered_management_form_is_a_clear_error(self, client, user):
        client.force_login(user)
        data = form_data()
        del data["items-TOTAL_FORMS"]
        response = client.post(self.url, data)
        assert response.status_code == 200 and not Order.objects.exists()
        assert "Nothing was saved" in response.content.decode()


# --- The REST API --------------------------------------------------------------------------------------

def api_payload(**overrides) -> dict:
    payload = {
        "recipient_name": "홍길동", "recipient_mobile": "010-1234-5678", "zip_code": "06236",
        "address": "서울특별시 강남구 테헤란로 152", "reference_order_no": "2026112755556666",
        "items": [{"seller_code": "SKU-TEE-BLK-M", "product_name": "반팔 티셔츠", "option_name": "블랙 / M", "quantity": 2},
                  {"seller_code": "MUG-01", "product_name": "머그컵", "quantity": 1}],
    }
    payload.update(overrides)
    return payload


@pytest.fixture
def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.django_db
class TestApi:
    url = "/api/v1/manual-orders/"

    def test_create(self, api, seller, user):
        account = make_account(seller=seller)
        response = api.post(self.url, api_payload(account_id=account.pk), format="json")
        assert response.status_code == 201, response.json()
        body = response.json()
        order = Order.objects.get(pk=body["id"])
        assert body["order_no"] == order.order_no == f"M{today()}-0001"
        assert body["status"] == "confirmed" and body["source"] == "manual" and body["account"] == account.pk
        assert body["total_quantity"] == 3
        assert [line["seller_option_code"] for line in body["lines"]] == ["SKU-TEE-BLK-M", "MUG-01"]
        assert OrderEvent.objects.get(order=order).details["via"] == "api"

    def test_answers_the_order_as_reading_it_does(self, api, seller):
        """What a program gets back from the create is what GET /api/v1/orders/{id}/ answers for that order."""
        response = api.post(self.url, api_payload(account_id=make_account(seller=seller).pk), format="json")
        assert response.status_code == 201, response.json()
        assert response.json() == api.get(f"/api/v1/orders/{response.json()['id']}/").json()

    def test_field_errors_are_a_400_with_message_code_extra(self, api):
        response = api.post(self.url, api_payload(
            zip_code="6236", recipient_mobile="",
            items=[{"seller_code": "A", "product_name": "티셔츠", "quantity": 1},
                   {"seller_code": "", "product_name": "바지", "quantity": 0}]), format="json")
        assert response.status_code == 400
        body = response.json()
        assert set(body) == {"message", "code", "extra"} and body["code"] == "invalid"
        fields = body["extra"]["fields"]
        assert fields["zip_code"] == ["A Korean zip code has exactly 5 digits, e.g. 06236."]
        assert fields["recipient_mobile"] == ["Enter a mobile or phone number for the courier."]
        assert fields["items"] == {"1": {"seller_code": ["Enter the Seller defined code."],
                                           "quantity": ["Enter a whole number from 1 to 9999."]}}
        assert not Order.objects.exists()

    def test_shape_errors_use_the_same_envelope(self, api):
        response = api.post(self.url, {"recipient_name": "홍길동", "items": [{"quantity": "many"}]}, format="json")
        assert response.status_code == 400
        fields = response.json()["extra"]["fields"]
        assert "address" in fields and "zip_code" in fields and "quantity" in fields["items"]["0"]
        response = api.post(self.url, api_payload(items=[]), format="json")
        assert response.json()["extra"]["fields"] == {"items": ["Add at least one item."]}

    def test_duplicate_reference(self, api, seller):
        pulled_order(seller=seller, order_no="2026112755556666")
        response = api.post(self.url, api_payload(), format="json")
        assert response.status_code == 400
        assert "already in SmartShip as order 2026112755556666" in response.json()["extra"]["fields"]["reference_order_no"][0]

    def test_isolation(self, api, seller):
        other, other_user = make_seller_user()
        foreign = make_account(seller=other, account_number="LO20000002")
        response = api.post(self.url, api_payload(account_id=foreign.pk), format="json")
        assert response.status_code == 400
        assert response.json()["extra"]["fields"] == {"account_id": ["Choose one of your sales-site accounts."]}
        # The other seller's orders neither block this seller's reference nor receive its orders.
        pulled_order(seller=other, order_no="2026112755556666")
        assert api.post(self.url, api_payload(), format="json").status_code == 201
        assert Order.objects.filter(seller=other, source=Order.Source.MANUAL).count() == 0
        assert Order.objects.get(source=Order.Source.MANUAL).seller == seller

    def test_requires_credentials(self):
        response = APIClient().post(self.url, api_payload(), format="json")
        assert response.status_code in (401, 403) and set(response.json()) == {"message", "code", "extra"}

    def test_documented_in_the_openapi_schema(self, client, user):
        client.force_login(user)
        schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
        operation = schema["paths"]["/api/v1/manual-orders/"]["post"]
        assert operation["summary"] == "Create a manual shipping order"
        assert "201" in operation["responses"] and "400" in operation["responses"]
        assert "ManualOrderInput" in schema["components"]["schemas"]


@pytest.mark.django_db
@pytest.mark.parametrize(("account_options", "says"), [
    (None, "It has no sales-site account: send it to the warehouse from Inventory ▸ Send to fulfilment."),
    ({"auto_fulfillment": False}, "shop has Automatic Fulfillment Shipping Instructions off: send it to the "
                                  "warehouse from Inventory ▸ Send to fulfilment."),
    ({"auto_fulfillment": True}, "shop has Automatic Fulfillment Shipping Instructions on: it goes to the warehouse "
                                 "by itself once it is ready; its timeline below says when, or what it waits for."),
])
def test_the_created_message_says_how_this_order_reaches_the_warehouse(client, seller, user, account_options, says):
    """Not the rule for every order ("when its account has … on; otherwise …"), which left the seller to work out
    which case an order without an account is, but what applies to the order just created."""
    account = make_account(seller=seller, **account_options) if account_options is not None else None
    client.force_login(user)
    response = client.post("/orders/manual/new/", form_data(account_id=str(account.pk) if account else ""),
                           follow=True)
    text = " ".join(str(message) for message in response.context["messages"])
    assert says in text
    assert "when its sales-site account has" not in text
