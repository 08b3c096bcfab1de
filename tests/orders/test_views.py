"""The Orders pages: list, empty states, detail, Confirm selected (LotteON 210 answered by `responses`)."""

from __future__ import annotations

import json
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import responses
from django.urls import reverse

from orders.forms import SORT_CHOICES
from orders.models import ConfirmState, LineStatus, Order, OrderEvent, OrderStatus
from orders.selectors import ORDERINGS
from tests.factories import make_account, make_seller_user
from tests.inventory.factories import make_multi
from tests.orders.factories import make_event, make_order

KST = ZoneInfo("Asia/Seoul")
BASE = "https://lotteon.test"
CONFIRM_URL = f"{BASE}/v1/openapi/delivery/v1/SellerIfCompleteInform"
LIST = reverse("orders:order-list")
pytestmark = pytest.mark.django_db


@pytest.fixture
def seller_user():
    return make_seller_user(name="롯데 상점", username="lotte")


@pytest.fixture
def seller(seller_user):
    return seller_user[0]


@pytest.fixture
def signed_in(client, seller_user):
    client.force_login(seller_user[1])
    return client


@pytest.fixture
def account(seller):
    return make_account(seller=seller, shop_id="lotte-shop", auto_order_confirmation=False)


def text(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def rows(html: str) -> list[str]:
    return re.findall(r'<tr class="order-row[^"]*" data-order="(\d+)"', html)


def tab_counts(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-tab="(\w+)">\s*[^<]+<span class="tab-count">(\d+)</span>', html))


# Back to the list as it first opens: no query string at all (the tab and the sort go too).
CLEAR_FILTERS = f'<a class="btn" href="{LIST}">Clear filters</a>'


class TestList:
    def test_a_row_shows_what_the_seller_needs(self, signed_in, seller, account):
        order = make_order(
            seller=seller, account=account, order_no="2026112600000123", recipient_name="김민준",
            recipient_mobile="010-1234-5678", instructed_at=datetime(2026, 11, 26, 9, 5, tzinfo=KST),
            needs_attention=True, attention_reason="Confirmation failed for 1 line(s): 이미 처리된 주문",
            lines=[{"product_name": "베이직 라운드 티셔츠", "option_name": "블랙 / M", "quantity": 2},
                   {"product_name": "양말", "unit_price": 3000}],
        )
        html = text(signed_in.get(LIST))
        assert rows(html) == [str(order.pk)]
        assert f'href="{reverse("orders:order-detail", args=[order.pk])}"' in html
        for fragment in ["2026112600000123", 'alt="LotteON"', "lotte-shop", "김민준", "010-1234-5678",
                         "베이직 라운드 티셔츠", "블랙 / M", "and 1 more", "28,800", "status-new", "New",
                         "Needs attention", "이미 처리된 주문", "2026-11-26 09:05"]:
            assert fragment in html, fragment
        assert ">3<" in html.replace(" ", "")  # total quantity 2 + 1

    def test_tabs_show_counts_and_the_active_one(self, signed_in, seller, account):
        make_order(seller=seller, account=account, status=OrderStatus.NEW)
        make_order(seller=seller, account=account, status=OrderStatus.SHIPPED)
        make_order(seller=seller, account=account, status=OrderStatus.SHIPPED)
        html = text(signed_in.get(LIST, {"status": "shipped"}))
        assert len(rows(html)) == 2
        tabs = dict(re.findall(r'data-tab="(\w+)">\s*[^<]+<span class="tab-count">(\d+)</span>', html))
        assert tabs == {"new": "1", "confirmed": "0", "ready": "0", "shipped": "2", "cancelled": "0",
                        "attention": "0", "all": "3"}
        assert re.search(r'class="status-tab active" aria-current="page" data-tab="shipped"', html)

    def test_search_and_filters_from_the_query_string(self, signed_in, seller, account):
        wanted = make_order(seller=seller, account=account, recipient_mobile="010-5555-1234")
        make_order(seller=seller, account=account, recipient_mobile="010-9999-0000")
        assert rows(text(signed_in.get(LIST, {"q": "01055551234"}))) == [str(wanted.pk)]
        html = text(signed_in.get(LIST, {"account": str(account.pk), "q": "없음", "status": "new"}))
        assert rows(html) == [] and "No orders match" in html and html.count(CLEAR_FILTERS) == 2

    def test_bad_filter_values_are_reported_not_a_500(self, signed_in, seller, account):
        make_order(seller=seller, account=account)
        html = text(signed_in.get(LIST, {"date_from": "2026-11-27", "date_to": "2026-11-01", "account": "999",
                                         "status": "bogus", "ordering": "password", "page": "x"}))
        assert "The end date is before the start date." in html
        assert "Choose a sales site from the list (this one is not among yours)." in html
        assert rows(html) == [] and CLEAR_FILTERS in html  # nothing the filters did not choose

    @pytest.mark.parametrize("params", [
        {"date_from": "2026-11-28", "date_to": "2026-11-20"},
        {"date_from": "2026-11-28", "date_to": "2026-11-20", "status": "new"},
        {"account": "999"},
        {"q": "가" * 101},
    ])
    def test_a_filter_that_cannot_be_applied_lists_nothing_and_offers_clear_filters(
            self, signed_in, seller, account, params):
        make_order(seller=seller, account=account, status=OrderStatus.NEW,
                   instructed_at=datetime(2026, 11, 20, 9, 0, tzinfo=KST))
        make_order(seller=seller, account=account, status=OrderStatus.SHIPPED,
                   instructed_at=datetime(2026, 11, 28, 9, 0, tzinfo=KST))
        html = text(signed_in.get(LIST, params))
        assert rows(html) == [], "not the orders of the other filters, nor all of them"
        assert "Fix the filters to see orders" in html and html.count(CLEAR_FILTERS) == 2
        assert set(tab_counts(html).values()) == {"0"}, "the tabs count what is listed"
        assert "Export to Excel" not in html

    def test_clear_filters_is_offered_whenever_a_filter_or_the_search_is_on(self, signed_in, seller, account):
        make_order(seller=seller, account=account, status=OrderStatus.NEW, recipient_name="김민준",
                   instructed_at=datetime(2026, 11, 20, 9, 0, tzinfo=KST))
        for params in ({"q": "김민준"}, {"account": str(account.pk)}, {"account": "manual"},
                       {"date_from": "2026-11-01"}, {"date_to": "2026-11-30", "status": "new"}):
            html = text(signed_in.get(LIST, params))
            assert CLEAR_FILTERS in html, params
        for params in ({}, {"status": "new"}, {"ordering": "order_no"}):
            html = text(signed_in.get(LIST, params))
            assert "Clear filters" not in html and len(rows(html)) == 1, params
        # A sort order that is not one is reported, but chooses no orders: the list stays.
        html = text(signed_in.get(LIST, {"ordering": "password"}))
        assert "Choose a sort order from the list." in html and len(rows(html)) == 1

    def test_pages_of_50_keep_the_filters(self, signed_in, seller, account):
        for _ in range(51):
            make_order(seller=seller, account=account, status=OrderStatus.NEW, recipient_name="김철수")
        html = text(signed_in.get(LIST, {"status": "new", "q": "김철수"}))
        assert len(rows(html)) == 50
        assert "Page 1 of 2" in html and 'href="?status=new&amp;q=%EA%B9%80%EC%B2%A0%EC%88%98&amp;page=2"' in html
        assert len(rows(text(signed_in.get(LIST, {"status": "new", "q": "김철수", "page": "2"})))) == 1

    def test_sort_links_flip_the_direction(self, signed_in, seller, account):
        make_order(seller=seller, account=account)
        html = text(signed_in.get(LIST, {"ordering": "order_no"}))
        assert 'aria-sort="ascending"><a href="?ordering=-order_no"' in html
        assert 'href="?ordering=-total_amount"' in html  # amounts start with the largest

    def test_a_sort_by_select_offers_every_sort_the_headers_use(self, signed_in, seller, account):
        """Phones show the list as cards without headers: the filter form's "Sort by" sets the same parameter."""
        make_order(seller=seller, account=account)
        assert {value for value, _ in SORT_CHOICES} == set(ORDERINGS)
        html = text(signed_in.get(LIST, {"ordering": "-total_amount", "status": "new"}))
        form = html[html.index('class="card order-filters"'):html.index("</form>", html.index("order-filters"))]
        assert '<label for="id_ordering">Sort by</label>' in form
        assert '<select name="ordering" id="id_ordering">' in form
        assert '<option value="-total_amount" selected>Amount, highest first</option>' in form
        assert 'type="hidden" name="ordering"' not in html
        assert "Choose a sort order from the list." in text(signed_in.get(LIST, {"ordering": "password"}))

    def test_confirm_is_offered_only_for_new_pulled_orders(self, signed_in, seller, account):
        new = make_order(seller=seller, account=account, status=OrderStatus.NEW)
        shipped = make_order(seller=seller, account=account, status=OrderStatus.SHIPPED)
        html = text(signed_in.get(LIST))
        assert f'name="order_ids" value="{new.pk}"' in html
        assert f'name="order_ids" value="{shipped.pk}"' not in html
        assert "Confirm selected" in html
        assert "Confirm selected" not in text(signed_in.get(LIST, {"status": "shipped"}))

    def test_another_sellers_orders_never_show(self, signed_in, seller, account):
        other, _ = make_seller_user()
        theirs = make_order(seller=other, recipient_name="남의고객")
        html = text(signed_in.get(LIST, {"q": "남의고객"}))
        assert str(theirs.order_no) not in html and rows(html) == []


class TestEmptyStates:
    def test_no_account_yet_points_to_sales_site_api(self, signed_in):
        html = text(signed_in.get(LIST))
        assert "No sales-site account yet" in html
        assert f'href="{reverse("integrations:account-list")}"' in html

    def test_no_orders_yet_says_they_arrive_with_the_next_sync(self, signed_in, account):
        html = text(signed_in.get(LIST))
        assert "No orders yet" in html and "arrive with the next sync" in html

    def test_integration_off_says_so(self, signed_in, seller):
        make_account(seller=seller, auto_order_integration=False)
        assert "Automatic Order Integration is off" in text(signed_in.get(LIST))

    def test_an_empty_tab(self, signed_in, seller, account):
        make_order(seller=seller, account=account, status=OrderStatus.SHIPPED)
        html = text(signed_in.get(LIST, {"status": "new"}))
        assert "No New orders" in html and "Every order is confirmed." in html


class TestDetail:
    def test_header_recipient_lines_timeline_and_raw_payload(self, signed_in, seller_user, account):
        seller, user = seller_user
        order = make_order(
            seller=seller, account=account, order_no="2026112600000777", recipient_name="이서연",
            recipient_mobile="010-9876-5432", recipient_phone="02-555-1234", zip_code="06236",
            address="서울특별시 강남구 테헤란로 152", address_detail="12층", delivery_message="문 앞에 놓아주세요",
            orderer_name="박도윤", orderer_email="buyer@example.com", needs_attention=True,
            attention_reason="Confirmation failed for 1 line(s): 이미 처리된 주문",
            lines=[{"product_name": "제주 감귤 5kg", "option_name": "", "seller_product_code": "TANGERINE-5KG",
                    "seller_option_code": "", "site_product_id": "LO2383570917",
                    "site_option_id": "LO2383570917_2383570918", "quantity": 3, "cancelled_quantity": 1,
                    "confirm_state": ConfirmState.FAILED, "confirm_error": "이미 처리된 주문",
                    "raw": {"odNo": "2026112600000777", "pdNm": "제주 감귤 5kg", "dvpCustNm": "이서연"}}],
        )
        first = make_event(order, kind=OrderEvent.Kind.PULLED, message="Pulled line 1 (New Order)")
        second = make_event(order, kind=OrderEvent.Kind.CONFIRM_FAILED, message="Line 1: 이미 처리된 주문", actor=user)
        OrderEvent.objects.filter(pk=first.pk).update(created_at=datetime(2026, 11, 26, 9, 0, tzinfo=KST))
        OrderEvent.objects.filter(pk=second.pk).update(created_at=datetime(2026, 11, 26, 9, 1, tzinfo=KST))

        html = text(signed_in.get(reverse("orders:order-detail", args=[order.pk])))
        for fragment in ["2026112600000777", "lotte-shop", "LO10000001", "Needs attention", "이서연",
                         "010-9876-5432", "02-555-1234", "06236", "테헤란로 152", "12층", "문 앞에 놓아주세요",
                         "박도윤", "buyer@example.com", "제주 감귤 5kg", "Seller internal product number",
                         "TANGERINE-5KG", "Seller internal single product code", "LO2383570917_2383570918",
                         "Confirmation failed", "Raw sales-site payload", "<details"]:
            assert fragment in html, fragment
        timeline = html[html.index("Timeline"):html.index("Raw sales-site payload")]
        assert timeline.index("Pulled") < timeline.index("Confirmation failed")  # oldest first
        assert "lotte" in timeline and "SmartShip" in timeline  # the actor, or the system
        assert "2026-11-26 09:00:00" in timeline
        # Pretty JSON with Korean kept as it is (escaped for HTML only).
        assert '&quot;pdNm&quot;: &quot;제주 감귤 5kg&quot;' in html
        assert json.dumps("제주 감귤 5kg") not in html

    def test_another_sellers_order_is_404(self, signed_in):
        other, _ = make_seller_user()
        theirs = make_order(seller=other)
        assert signed_in.get(reverse("orders:order-detail", args=[theirs.pk])).status_code == 404
        assert signed_in.get(reverse("orders:order-detail", args=[999999])).status_code == 404

    def test_a_lotteon_lines_codes_have_lotteons_names_and_its_sku_its_seller_defined_code(
            self, signed_in, seller, account):
        shirt = make_multi(seller=seller, name="반팔 티셔츠", options=[("TS-BLK-M", "블랙 / M")])
        order = make_order(seller=seller, account=account, lines=[
            {"seller_product_code": "TSHIRT", "seller_option_code": "ts-blk-m", "sku_option": shirt.options.get()},
            {"seller_product_code": "MUG-01", "seller_option_code": ""}])
        html = text(signed_in.get(reverse("orders:order-detail", args=[order.pk])))
        mapped, unmapped = re.findall(r'<td data-label="Codes" class="codes">(.*?)</td>', html, re.S)
        labels = re.findall(r"<dt>(.*?)</dt>", mapped)
        assert labels[:2] == ["Seller internal product number", "Seller internal single product code"]
        assert "Seller defined code" not in labels, "LotteON's codes are not SmartShip's SKU field"
        assert re.search(r"<dd><code>TSHIRT</code></dd>.*<dd><code>ts-blk-m</code></dd>", mapped, re.S)
        # Which SKU the line maps to, by its Seller defined code.
        assert "반팔 티셔츠 · 블랙 / M" in mapped and "Seller defined code <code>TS-BLK-M</code>" in mapped
        assert "Seller defined code" not in unmapped and "Not mapped" in unmapped

    def test_a_manual_lines_code_is_the_seller_defined_code_the_seller_typed(self, signed_in, seller):
        order = make_order(seller=seller, source=Order.Source.MANUAL, lines=[{"seller_option_code": "MUG-01"}])
        html = text(signed_in.get(reverse("orders:order-detail", args=[order.pk])))
        (codes,) = re.findall(r'<td data-label="Codes" class="codes">(.*?)</td>', html, re.S)
        assert re.findall(r"<dt>(.*?)</dt>", codes) == ["Seller defined code", "SKU"]
        assert "<code>MUG-01</code>" in codes and "Seller internal" not in codes

    def test_manual_order_without_account(self, signed_in, seller):
        order = make_order(seller=seller, source=Order.Source.MANUAL, reference_order_no="2026110100000001")
        html = text(signed_in.get(reverse("orders:order-detail", args=[order.pk])))
        assert "Manual shipping order" in html and "2026110100000001" in html
        assert "Confirm order" not in html


def ok_210():
    responses.add(responses.POST, CONFIRM_URL, json={
        "returnCode": "0000", "message": "정상 처리되었습니다.", "subMessages": [], "dataCount": 0,
        "data": {"rsltCd": "0000", "rsltMsg": "정상", "failList": []}})


class TestConfirmSelected:
    @pytest.fixture(autouse=True)
    def lotteon(self, settings):
        settings.LOTTEON_BASE_URL = BASE

    @responses.activate
    def test_confirms_the_new_lines_and_says_how_many(self, signed_in, seller_user, account):
        seller, user = seller_user
        order = make_order(seller=seller, account=account, lines=[{}, {"product_name": "양말"}])
        other = make_order(seller=seller, account=account)
        ok_210()
        response = signed_in.post(reverse("orders:order-confirm"),
                                  {"order_ids": [order.pk], "next": f"{LIST}?status=new"}, follow=True)
        assert response.redirect_chain[-1][0] == f"{LIST}?status=new"
        assert "2 lines confirmed, 0 failed." in response.content.decode()
        body = json.loads(responses.calls[0].request.body)
        assert [row["odNo"] for row in body["ifCompleteList"]] == [order.order_no, order.order_no]
        order.refresh_from_db()
        assert order.status == OrderStatus.CONFIRMED
        assert set(order.lines.values_list("confirm_state", flat=True)) == {ConfirmState.CONFIRMED}
        event = order.events.get(kind=OrderEvent.Kind.CONFIRMED)
        assert event.actor == user and "line 1, 2" in event.message
        other.refresh_from_db()
        assert other.status == OrderStatus.NEW

    @responses.activate
    def test_a_refused_line_is_reported_and_flagged(self, signed_in, seller, account):
        order = make_order(seller=seller, account=account)
        responses.add(responses.POST, CONFIRM_URL, json={
            "returnCode": "0000", "message": "", "subMessages": [], "dataCount": 0,
            "data": {"rsltCd": "9999", "rsltMsg": "실패", "failList": [
                {"odNo": order.order_no, "odSeq": "1", "procSeq": "1", "failCd": "9999",
                 "failMsg": "이미 연동완료된 주문입니다."}]}})
        response = signed_in.post(reverse("orders:order-confirm"), {"order_ids": [order.pk]}, follow=True)
        html = response.content.decode()
        assert "0 lines confirmed, 1 failed." in html and "alert-warning" in html
        order.refresh_from_db()
        assert order.needs_attention and "이미 연동완료된 주문입니다." in order.attention_reason

    @responses.activate
    def test_a_lost_answer_is_said_plainly(self, signed_in, seller, account, settings):
        settings.LOTTEON_RETRY_BASE_DELAY = 0
        order = make_order(seller=seller, account=account)
        responses.add(responses.POST, CONFIRM_URL, status=500)
        responses.add(responses.POST, f"{BASE}/v1/openapi/delivery/v1/SellerDeliveryProgressStateSearch", status=500)
        response = signed_in.post(reverse("orders:order-confirm"), {"order_ids": [order.pk]}, follow=True)
        assert "it is not known yet whether the lines were confirmed" in response.content.decode()
        assert order.lines.get().confirm_state == ConfirmState.UNKNOWN

        # Confirm again: LotteON had applied the first 210. The state is read first and nothing is resent.
        responses.reset()
        line = order.lines.get()
        responses.add(responses.POST, f"{BASE}/v1/openapi/delivery/v1/SellerDeliveryProgressStateSearch",
                      json={"returnCode": "0000", "message": "", "dataCount": 1, "data": {"deliveryProgressStateList": [
                          {"odNo": order.order_no, "odSeq": line.line_no, "procSeq": line.process_seq,
                           "odPrgsStepCd": "12"}]}})
        response = signed_in.post(reverse("orders:order-confirm"), {"order_ids": [order.pk]}, follow=True)
        assert "1 line confirmed, 0 failed." in response.content.decode()
        assert [call.request.url for call in responses.calls] == [
            f"{BASE}/v1/openapi/delivery/v1/SellerDeliveryProgressStateSearch"]
        line.refresh_from_db()
        assert (line.status, line.confirm_state, line.site_status_code) == (
            LineStatus.CONFIRMED, ConfirmState.CONFIRMED, "12")

    def test_nothing_to_confirm_shows_the_services_message(self, signed_in, seller, account):
        shipped = make_order(seller=seller, account=account, status=OrderStatus.SHIPPED)
        response = signed_in.post(reverse("orders:order-confirm"), {"order_ids": [shipped.pk]}, follow=True)
        assert "None of the selected orders has a New line to confirm." in response.content.decode()

    def test_another_sellers_order_cannot_be_confirmed(self, signed_in):
        other, _ = make_seller_user()
        other_account = make_account(seller=other, account_number="LO20000002")
        theirs = make_order(seller=other, account=other_account)
        response = signed_in.post(reverse("orders:order-confirm"), {"order_ids": [theirs.pk]}, follow=True)
        assert f"Nothing was confirmed: order {theirs.pk} was not found." in response.content.decode()
        assert theirs.lines.get().status == LineStatus.NEW

    @pytest.mark.parametrize("data", [{}, {"order_ids": ["abc"]}])
    def test_an_empty_or_bad_selection(self, signed_in, data):
        response = signed_in.post(reverse("orders:order-confirm"), data, follow=True)
        html = response.content.decode()
        assert response.redirect_chain[-1][0] == LIST
        assert "Select at least one New order" in html or "not a list of order numbers" in html

    def test_next_must_stay_on_this_site(self, signed_in, seller, account):
        response = signed_in.post(reverse("orders:order-confirm"), {"next": "https://evil.example/"})
        assert response.status_code == 302 and response["Location"] == LIST

    def test_get_is_not_allowed(self, signed_in):
        assert signed_in.get(reverse("orders:order-confirm")).status_code == 405


def test_operators_see_orders_in_the_admin(client, django_user_model, seller, account):
    order = make_order(seller=seller, account=account, lines=[{}, {"product_name": "양말"}])
    make_event(order, kind=OrderEvent.Kind.PULLED)
    admin = django_user_model.objects.create_superuser(username="root", password="pw-123456789", email="")
    client.force_login(admin)
    assert client.get(reverse("admin:orders_order_changelist"), {"q": order.order_no}).status_code == 200
    page = client.get(reverse("admin:orders_order_change", args=[order.pk]))
    assert page.status_code == 200 and "양말" in page.content.decode()
    assert client.get(reverse("admin:orders_orderline_changelist")).status_code == 200
    assert client.get(reverse("admin:orders_orderevent_changelist")).status_code == 200


def test_the_admin_filters_orders_by_sales_site_by_name(client, django_user_model, seller, account):
    pulled = make_order(seller=seller, account=account)
    manual = make_order(seller=seller, source=Order.Source.MANUAL)
    admin = django_user_model.objects.create_superuser(username="root", password="pw-123456789", email="")
    client.force_login(admin)
    url = reverse("admin:orders_order_changelist")
    html = client.get(url).content.decode()
    # Every choice is a link with words: the blank site of manual orders is not an empty link.
    assert 'href="?site=none"' in html and "None (entered by hand)" in html and ">LotteON</a>" in html
    assert not re.search(r'<a href="\?site=">\s*</a>', html)
    listed = client.get(url, {"site": "none"}).context["cl"].result_list
    assert [o.pk for o in listed] == [manual.pk]
    listed = client.get(url, {"site": "lotteon"}).context["cl"].result_list
    assert [o.pk for o in listed] == [pulled.pk]


def test_new_orders_of_a_deleted_account_say_why_they_cannot_be_confirmed(signed_in, seller, account):
    """A New order whose account was deleted has no Confirm (nothing can reach the sales site): the list and its
    page say so, and how to get it confirmed, instead of a row without a checkbox and no word why."""
    confirmable = make_order(seller=seller, account=account)
    orphan = make_order(seller=seller, account=make_account(seller=seller, shop_id="gone-shop",
                                                            account_number="LO10000002"))
    orphan.account.delete()

    listing = text(signed_in.get(LIST, {"status": "new"}))
    words = re.sub(r"<[^>]+>", "", listing)
    assert f'value="{confirmable.pk}" class="row-select"' in listing
    assert f'value="{orphan.pk}" class="row-select"' not in listing
    assert ("1 New order on this page belongs to a deleted sales-site account: SmartShip cannot confirm it. "
            "Register the account again in Sales Site API (its first sync links back the orders it pulls again)") in words

    detail = text(signed_in.get(reverse("orders:order-detail", args=[orphan.pk])))
    assert "Confirm order" not in detail
    assert "SmartShip cannot confirm it" in detail

    # An order of a live account says nothing of the kind.
    assert "cannot confirm" not in text(signed_in.get(reverse("orders:order-detail", args=[confirmable.pk])))
