"""The Orders list's reads: tabs and counts, filters, search, sort, seller isolation, and constant queries."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orders.models import Order, OrderStatus
from orders.selectors import (
    ATTENTION,
    OrderFilters,
    order_get,
    order_list,
    order_list_page,
    order_status_counts,
)
from tests.factories import make_account, make_seller_user
from tests.orders.factories import make_order

KST = ZoneInfo("Asia/Seoul")
pytestmark = pytest.mark.django_db


@pytest.fixture
def seller():
    return make_seller_user(name="롯데 상점")[0]


@pytest.fixture
def account(seller):
    return make_account(seller=seller, shop_id="lotte-shop")


def numbers(orders) -> list[str]:
    return [order.order_no for order in orders]


def listed(seller, **filters) -> list[str]:
    return numbers(order_list(seller=seller, filters=OrderFilters(**filters)))


class TestTabsAndCounts:
    def test_each_tab_lists_its_orders_and_counts_them(self, seller, account):
        made = {status: make_order(seller=seller, account=account, status=status) for status in OrderStatus}
        flagged = make_order(seller=seller, account=account, status=OrderStatus.NEW, needs_attention=True,
                             attention_reason="Confirmation failed for 1 line(s): 이미 처리된 주문")
        for status, order in made.items():
            expected = {order.order_no} | ({flagged.order_no} if status == OrderStatus.NEW else set())
            assert set(listed(seller, status=status)) == expected
        assert listed(seller, status=ATTENTION) == [flagged.order_no]
        assert len(listed(seller)) == 6

        counts = order_status_counts(seller=seller, filters=OrderFilters())
        assert counts == {"new": 2, "confirmed": 1, "ready": 1, "shipped": 1, "cancelled": 1, "attention": 1, "": 6}

    def test_counts_follow_the_filters_but_not_the_tab(self, seller, account):
        make_order(seller=seller, account=account, status=OrderStatus.NEW, recipient_name="김철수")
        make_order(seller=seller, account=account, status=OrderStatus.SHIPPED, recipient_name="김철수")
        make_order(seller=seller, account=account, status=OrderStatus.SHIPPED, recipient_name="이영희",
                   needs_attention=True)
        counts = order_status_counts(seller=seller, filters=OrderFilters(status="new", q="김철수"))
        assert counts == {"new": 1, "confirmed": 0, "ready": 0, "shipped": 1, "cancelled": 0, "attention": 0, "": 2}
        narrowed = order_status_counts(seller=seller, filters=OrderFilters(q="이영희"))
        assert narrowed["attention"] == 1 and narrowed[""] == 1

    def test_the_page_count_is_the_tab_count(self, seller, account):
        for _ in range(3):
            make_order(seller=seller, account=account, status=OrderStatus.SHIPPED)
        make_order(seller=seller, account=account, status=OrderStatus.NEW)
        result = order_list_page(seller=seller, filters=OrderFilters(status="shipped"), page_number=1, per_page=2)
        assert result.page.paginator.count == 3 and result.page.paginator.num_pages == 2
        assert len(result.page.object_list) == 2


class TestFilters:
    def test_account_and_manual(self, seller, account):
        other_account = make_account(seller=seller, shop_id="second", account_number="LO10000002")
        first = make_order(seller=seller, account=account)
        second = make_order(seller=seller, account=other_account)
        manual = make_order(seller=seller, source=Order.Source.MANUAL, reference_order_no="2026110100000001")
        assert listed(seller, account_id=account.pk) == [first.order_no]
        assert listed(seller, account_id=other_account.pk) == [second.order_no]
        assert listed(seller, manual=True) == [manual.order_no]

    def test_date_range_is_kst_days_on_the_instruction_time(self, seller, account):
        late_evening = make_order(seller=seller, account=account,
                                  instructed_at=datetime(2026, 11, 26, 23, 30, tzinfo=KST))
        next_morning = make_order(seller=seller, account=account,
                                  instructed_at=datetime(2026, 11, 27, 0, 10, tzinfo=KST))
        day_before = make_order(seller=seller, account=account,
                                instructed_at=datetime(2026, 11, 25, 23, 59, tzinfo=KST))
        assert listed(seller, date_from=date(2026, 11, 26), date_to=date(2026, 11, 26)) == [late_evening.order_no]
        assert listed(seller, date_from=date(2026, 11, 26)) == [next_morning.order_no, late_evening.order_no]
        assert listed(seller, date_to=date(2026, 11, 25)) == [day_before.order_no]

    def test_orders_without_an_instruction_time_use_their_creation_time(self, seller):
        # Manual shipping orders take their creation time as instruction time; one without any still shows.
        manual = make_order(seller=seller, source=Order.Source.MANUAL)
        Order.objects.filter(pk=manual.pk).update(created_at=datetime(2026, 11, 26, 9, 0, tzinfo=KST),
                                                  instructed_at=None)
        assert listed(seller, date_from=date(2026, 11, 26), date_to=date(2026, 11, 26)) == [manual.order_no]
        assert listed(seller, date_from=date(2026, 11, 27)) == []


class TestSearch:
    @pytest.fixture
    def orders(self, seller, account):
        return {
            "shirt": make_order(
                seller=seller, account=account, order_no="2026112600000123", recipient_name="김민준",
                recipient_mobile="010-1234-5678",
                lines=[{"product_name": "베이직 라운드 티셔츠", "option_name": "블랙 / M",
                        "seller_product_code": "TSHIRT", "seller_option_code": "TSHIRT-BLK-M"},
                       {"product_name": "베이직 라운드 티셔츠", "option_name": "화이트 / L",
                        "seller_product_code": "TSHIRT", "seller_option_code": "TSHIRT-WHT-L"}]),
            "tangerine": make_order(
                seller=seller, account=account, order_no="2026112600000456", recipient_name="이서연",
                recipient_mobile="01098765432", recipient_phone="02 555 1234",
                lines=[{"product_name": "제주 감귤 5kg", "option_name": "", "seller_product_code": "TANGERINE-5KG"}]),
            "manual": make_order(seller=seller, source=Order.Source.MANUAL, order_no="M-0001", recipient_mobile="010-7777-8888",
                                 reference_order_no="2026110199990001", recipient_name="박도윤",
                                 orderer_name="최하은", orderer_mobile="010-2222-3333",
                                 lines=[{"product_name": "수제 쿠키 세트", "option_name": ""}]),
        }

    @pytest.mark.parametrize(("term", "expected"), [
        ("000123", ["shirt"]),  # part of the order number
        ("2026110199990001", ["manual"]),  # the sales-site order number of a manual order
        ("김민준", ["shirt"]),  # recipient
        ("최하은", ["manual"]),  # orderer
        ("01012345678", ["shirt"]),  # digits find the dashed number
        ("1234-5678", ["shirt"]),
        ("010-9876-5432", ["tangerine"]),  # dashes find the number stored without them
        ("5551234", ["tangerine"]),  # spaces are ignored too
        ("01022223333", ["manual"]),  # the orderer's phone
        ("감귤", ["tangerine"]),  # Korean product name
        ("화이트", ["shirt"]),  # option name
        ("tshirt-blk", ["shirt"]),  # seller defined code, any case
        ("TANGERINE-5KG", ["tangerine"]),  # seller internal product number
        ("티셔츠", ["shirt"]),  # two matching lines: the order is listed once
        ("없는상품", []),
    ])
    def test_search(self, seller, orders, term, expected):
        assert listed(seller, q=term) == [orders[key].order_no for key in expected]

    def test_short_digit_runs_do_not_search_phones_without_dashes(self, seller, orders):
        # Two digits would match almost every phone; they still match order numbers.
        assert listed(seller, q="45") == [orders["tangerine"].order_no]


class TestSorting:
    def test_each_column_both_ways_with_id_breaking_ties(self, seller, account):
        at = datetime(2026, 11, 26, 10, 0, tzinfo=KST)
        a = make_order(seller=seller, account=account, order_no="B-2", recipient_name="나", status="shipped",
                       instructed_at=at, lines=[{"unit_price": 3000}])
        b = make_order(seller=seller, account=account, order_no="A-1", recipient_name="가", status="new",
                       instructed_at=at, lines=[{"unit_price": 1000}])
        c = make_order(seller=seller, account=account, order_no="C-3", recipient_name="다", status="ready",
                       instructed_at=at - timedelta(hours=1), lines=[{"unit_price": 2000}])
        expected = {
            "-instructed_at": [b, a, c], "instructed_at": [c, a, b],
            "order_no": [b, a, c], "-order_no": [c, a, b],
            "recipient_name": [b, a, c], "-recipient_name": [c, a, b],
            "status": [b, c, a], "-status": [a, c, b],  # workflow order: New, …, Ready to ship, Shipped
            "total_amount": [b, c, a], "-total_amount": [a, c, b],
        }
        for ordering, orders in expected.items():
            assert listed(seller, ordering=ordering) == numbers(orders), ordering

    def test_an_unknown_ordering_falls_back_to_newest_first(self, seller, account):
        old = make_order(seller=seller, account=account, instructed_at=datetime(2026, 1, 1, tzinfo=KST))
        new = make_order(seller=seller, account=account, instructed_at=datetime(2026, 2, 1, tzinfo=KST))
        assert listed(seller, ordering="address") == [new.order_no, old.order_no]


class TestSellerIsolation:
    def test_nothing_of_another_seller_is_listed_counted_searched_or_fetched(self, seller, account):
        other, _ = make_seller_user(name="다른 상점")
        other_account = make_account(seller=other, shop_id="other", account_number="LO20000002")
        theirs = make_order(seller=other, account=other_account, recipient_name="김민준",
                            lines=[{"product_name": "비밀 상품"}])
        mine = make_order(seller=seller, account=account, recipient_name="김민준")
        assert listed(seller) == [mine.order_no]
        assert listed(seller, q="비밀") == []
        assert listed(seller, q="김민준") == [mine.order_no]
        assert listed(seller, account_id=other_account.pk) == []
        assert order_status_counts(seller=seller, filters=OrderFilters())[""] == 1
        with pytest.raises(Order.DoesNotExist):
            order_get(seller=seller, order_id=theirs.pk)
        assert order_get(seller=seller, order_id=mine.pk) == mine


class TestQueryCount:
    @staticmethod
    def list_queries(client, url) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return len(queries.captured_queries)

    @pytest.mark.parametrize("url", ["", "?status=new", "?q=티셔츠", "?ordering=-total_amount&page=2"])
    def test_the_list_page_costs_the_same_queries_for_10_and_200_orders(
            self, client, django_assert_max_num_queries, url):
        seller, user = make_seller_user()
        account = make_account(seller=seller)
        client.force_login(user)
        path = reverse("orders:order-list") + url

        def add(n):
            for i in range(n):
                make_order(seller=seller, account=account, status="new" if i % 2 else "shipped",
                           lines=[{"product_name": "베이직 라운드 티셔츠"}, {"product_name": "양말"}])

        add(10)
        few = self.list_queries(client, path)
        add(190)
        # session, user, seller, accounts, tab counts, the page, its lines (no COUNT(*): the counts give it)
        with django_assert_max_num_queries(7):
            many = self.list_queries(client, path)
        assert many == few
