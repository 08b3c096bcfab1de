"""The Orders list search: the normalised search text, every writer keeping it up to date, the backfill,
and the index behind it (pg_trgm on PostgreSQL, an FTS5 trigram table with triggers on SQLite)."""

from __future__ import annotations

import importlib
import io
import re
import unicodedata
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from integrations.base import LineRef, LineState, PulledLine
from orders import selectors, views
from orders.models import Order, OrderLine
from orders.selectors import OrderFilters, order_list, order_list_page, order_status_counts
from orders.services import search
from orders.services.manual import COLUMNS, ManualItem, manual_order_create, manual_orders_import
from orders.services.search import (
    FIELD_SEP,
    PHONES,
    search_query_normalise,
    search_text_backfill,
    search_text_of,
    sqlite_search_index_ensure,
)
from orders.services.store import lines_store
from tests.factories import make_account, make_seller_user
from tests.orders.factories import make_line, make_order

pytestmark = pytest.mark.django_db
sqlite_only = pytest.mark.skipif("connection.vendor != 'sqlite'")
postgres_only = pytest.mark.skipif("connection.vendor != 'postgresql'")


@pytest.fixture
def seller():
    return make_seller_user(name="검색 상점")[0]


@pytest.fixture
def account(seller):
    return make_account(seller=seller, shop_id="search-shop")


def listed(seller, q: str, **filters) -> list[str]:
    return [order.order_no for order in order_list(seller=seller, filters=OrderFilters(q=q, **filters))]


class TestNormalising:
    def test_fields_are_folded_collapsed_deduplicated_and_phones_are_digits_after_their_marker(self):
        text = search_text_of(
            {"order_no": "2026112700000001", "recipient_name": "  김민준 ", "orderer_name": "김민준",
             "orderer_email": "Min.Jun@Example.COM", "recipient_mobile": "010-1234-5678",
             "orderer_phone": "02 555 1234"},
            [{"product_name": "ＢＡＳＩＣ  Tee\n라운드", "option_name": "블랙 / M", "seller_option_code": "TEE-BLK-M"},
             {"product_name": "BASIC Tee 라운드", "seller_product_code": "TEE"}],
        )
        assert text == FIELD_SEP.join(["2026112700000001", "김민준", "min.jun@example.com", "basic tee 라운드",
                                       "블랙 / m", "tee-blk-m", "tee"]) + PHONES + "01012345678\x1f025551234"

    def test_values_cannot_smuggle_a_separator_in(self):
        text = search_text_of({"recipient_name": f"김{FIELD_SEP}민준{PHONES}"}, [])
        assert text == "김 민준" + PHONES

    @pytest.mark.parametrize(("q", "expected"), [
        ("  Basic   TEE ", ("basic tee",)),
        ("010-5555-0000", ("010-5555-0000", "01055550000")),
        ("02 555 1234", ("02 555 1234", "025551234")),
        ("01055550000", ("01055550000",)),
        ("1-2", ("1-2",)),  # two digits alone are not looked up as a phone
        ("ＴＳＨＩＲＴ", ("tshirt",)),
        (f"a{FIELD_SEP}b", ("a b",)),  # a query cannot contain the separator
        ("   ", ()),
    ])
    def test_query(self, q, expected):
        assert search_query_normalise(q) == expected


class TestMatching:
    @pytest.fixture
    def orders(self, seller, account):
        return {
            "tee": make_order(
                seller=seller, account=account, order_no="2026112700000123", recipient_name="김민준",
                recipient_mobile="010-5555-0000", orderer_name="Jane Doe", orderer_email="jane@example.com",
                lines=[{"product_name": "베이직 라운드 티셔츠", "option_name": "블랙 / M",
                        "seller_product_code": "TSHIRT", "seller_option_code": "TSHIRT-BLK-M"}]),
            "mug": make_order(
                seller=seller, account=account, order_no="2026112700000456", recipient_name="이서연",
                recipient_mobile="01098761234", recipient_phone="02 555 1234",
                lines=[{"product_name": "Ceramic MUG 350ml", "option_name": "화이트", "seller_product_code": "MUG-01",
                        "seller_option_code": "MUG-01-WHT"}]),
        }

    @pytest.mark.parametrize(("q", "expected"), [
        ("김민준", ["tee"]),  # recipient name
        ("민준", ["tee"]),  # two characters: no trigram, the column is scanned
        ("jane doe", ["tee"]),  # orderer name, any case
        ("JANE@EXAMPLE", ["tee"]),  # orderer e-mail
        ("010-5555-0000", ["tee"]),  # dashes find the number stored as digits
        ("01055550000", ["tee"]),
        ("5555 0000", ["tee"]),
        ("010-9876-1234", ["mug"]),  # dashes find a number entered without them
        ("025551234", ["mug"]),  # the second phone, entered with spaces
        ("000123", ["tee"]),  # part of the order number
        ("라운드 티셔츠", ["tee"]),  # product name, Korean with a space
        ("ceramic mug", ["mug"]),  # Latin product name in another case
        ("화이트", ["mug"]),  # option name
        ("tshirt-blk", ["tee"]),  # seller option code
        ("Mug-01", ["mug"]),  # seller product code
        ("ＭＵＧ", ["mug"]),  # full-width Latin as some keyboards type it
        (unicodedata.normalize("NFD", "티셔츠"), ["tee"]),  # decomposed Hangul (a Mac-made file)
        ("없는상품", []),
    ])
    def test_each_kind_of_field(self, seller, orders, q, expected):
        assert listed(seller, q) == [orders[key].order_no for key in expected]

    @pytest.mark.parametrize("q", [
        "김민준 jane",  # recipient + orderer
        "m 블랙",  # product's end + option
        "tshirt tshirt-blk",  # two codes
        "0123 01055550000",  # order number + phone
        "00000123김민준",
    ])
    def test_no_match_across_two_fields(self, seller, orders, q):
        assert listed(seller, q) == []

    def test_like_wildcards_in_a_query_are_plain_characters(self, seller, account):
        percent = make_order(seller=seller, account=account, lines=[{"product_name": "할인 50% 쿠폰"}])
        make_order(seller=seller, account=account, lines=[{"product_name": "할인 50원 쿠폰"}])
        assert listed(seller, "50%") == [percent.order_no]
        assert listed(seller, "50% 쿠") == [percent.order_no]
        assert listed(seller, "%") == [percent.order_no]
        assert listed(seller, "50_") == [] and listed(seller, "_") == []

    def test_two_digits_match_order_numbers_but_not_phones(self, seller, orders):
        assert listed(seller, "45") == [orders["mug"].order_no]
        assert listed(seller, "55") == []  # in both phone numbers only

    def test_counts_under_a_search(self, seller, account):
        for status in ("new", "new", "shipped"):
            make_order(seller=seller, account=account, status=status, lines=[{"product_name": "제주 감귤 5kg"}])
        make_order(seller=seller, account=account, status="new", lines=[{"product_name": "사과"}])
        counts = order_status_counts(seller=seller, filters=OrderFilters(q="감귤 5"))
        assert counts["new"] == 2 and counts["shipped"] == 1 and counts[""] == 3

    def test_seller_isolation(self, seller, account, orders):
        other, _ = make_seller_user(name="다른 상점")
        theirs = make_order(seller=other, recipient_name="김민준", recipient_mobile="010-5555-0000",
                            lines=[{"product_name": "베이직 라운드 티셔츠", "seller_option_code": "SECRET-CODE"}])
        for q in ("김민준", "민준", "01055550000", "라운드 티셔츠", "secret-code", "secret"):
            assert theirs.order_no not in listed(seller, q), q
        assert listed(seller, "secret") == []
        assert listed(other, "secret-code") == [theirs.order_no]
        assert order_status_counts(seller=seller, filters=OrderFilters(q="secret"))[""] == 0

    def test_scans_the_column_where_sqlite_has_no_trigram_fts(self, seller, orders, monkeypatch):
        monkeypatch.setattr(search, "sqlite_has_trigram_fts", lambda: False)
        assert listed(seller, "라운드 티셔츠") == [orders["tee"].order_no]
        assert listed(seller, "010-9876-1234") == [orders["mug"].order_no]
        assert listed(seller, "45") == [orders["mug"].order_no]

    @pytest.mark.parametrize("q", ["민준", "김민준", "010-5555-0000", "라운드 티셔츠"])
    def test_the_list_page_stays_at_seven_queries(self, client, seller, orders, q):
        user = seller.memberships.first().user
        client.force_login(user)
        client.get(reverse("orders:order-list"))  # the session and caches warm
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("orders:order-list"), {"q": q})
        assert response.status_code == 200 and orders["tee"].order_no in response.content.decode()
        assert len(queries.captured_queries) == 7


class TestCountLimit:
    """A search counts up to COUNT_LIMIT per tab (3 here, instead of 1,000)."""

    @pytest.fixture(autouse=True)
    def small_limit(self, monkeypatch):
        monkeypatch.setattr(selectors, "COUNT_LIMIT", 3)
        monkeypatch.setattr(views, "COUNT_LIMIT", 3)

    @pytest.fixture
    def mugs(self, seller, account):
        statuses = ["new", "new", "shipped", "shipped", "shipped", "ready"]
        return [make_order(seller=seller, account=account, status=status, lines=[{"product_name": "머그컵 세트"}])
                for status in statuses]

    def test_at_most_the_limit_every_tab_is_exact(self, seller, account, mugs):
        Order.objects.filter(pk__in=[order.pk for order in mugs[2:5]]).delete()
        for tab in ("", "new", "ready"):
            counts = order_status_counts(seller=seller, filters=OrderFilters(q="머그컵", status=tab))
            assert counts == {"new": 2, "confirmed": 0, "ready": 1, "shipped": 0, "cancelled": 0, "attention": 0,
                              "": 3}, tab

    def test_beyond_it_all_says_more_and_only_the_open_tab_is_counted(self, seller, mugs):
        counts = order_status_counts(seller=seller, filters=OrderFilters(q="머그컵"))
        assert counts == {"new": None, "confirmed": None, "ready": None, "shipped": None, "cancelled": None,
                          "attention": None, "": 4}
        counts = order_status_counts(seller=seller, filters=OrderFilters(q="머그컵", status="new"))
        assert counts["new"] == 2 and counts[""] == 4 and counts["shipped"] is None
        counts = order_status_counts(seller=seller, filters=OrderFilters(q="머그컵", status="shipped"))
        assert counts["shipped"] == 3
        other, _ = make_seller_user(name="다른 상점")
        make_order(seller=other, status="ready", lines=[{"product_name": "머그컵 세트"}])
        counts = order_status_counts(seller=seller, filters=OrderFilters(q="머그컵", status="ready"))
        assert counts["ready"] == 1  # the other seller's order is not counted

    def test_a_tab_beyond_it_lists_its_first_orders_in_order(self, seller, account, mugs):
        result = order_list_page(seller=seller, filters=OrderFilters(q="머그컵"), page_number=1, per_page=2)
        assert result.page.paginator.count == 3 and result.page.paginator.num_pages == 2
        newest_first = sorted(mugs, key=lambda order: (order.instructed_at, order.pk), reverse=True)
        assert [order.pk for order in result.page.object_list] == [order.pk for order in newest_first[:2]]
        # The walk in list order that a common search takes lists what the index lookup lists.
        for ordering in ("-instructed_at", "total_amount", "status"):
            filters = OrderFilters(q="머그컵", ordering=ordering)
            assert list(order_list(seller=seller, filters=filters, common=True)) == list(
                order_list(seller=seller, filters=filters))

    def test_the_page_says_so_in_seven_queries(self, client, seller, mugs):
        client.force_login(seller.memberships.first().user)
        client.get(reverse("orders:order-list"))
        for params, tab_counts, footer in (
            ({"q": "머그컵"}, {"all": "3+"}, "1–3 of 3+ orders: the first 3 are listed;"),
            ({"q": "머그컵", "status": "shipped"}, {"all": "3+", "shipped": "3"}, "1–3 of 3 orders"),
            ({"q": "머그컵", "status": "new"}, {"all": "3+", "new": "2"}, "1–2 of 2 orders"),
        ):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(reverse("orders:order-list"), params)
            html = response.content.decode()
            shown = dict(re.findall(r'data-tab="(\w+)">\s*[^<]+?<span class="tab-count">([^<]+)</span>', html))
            assert shown == tab_counts, params
            assert footer in " ".join(html.split()), params
            assert len(queries.captured_queries) == 7, params


def pulled(order_no: str, line_no: str = "1", **overrides) -> PulledLine:
    at = timezone.now() - timedelta(hours=1)
    values = dict(
        ref=LineRef(order_no, line_no, "1"), state=LineState.NEW, site_status_code="11", confirmed_at_site=False,
        ordered_at=at, instructed_at=at, original_process_seq="", claim_no="", orderer_name="주문자",
        orderer_phone="", orderer_mobile="010-1111-2222", orderer_email="", recipient_name="김철수",
        recipient_phone="", recipient_mobile="010-3333-4444", zip_code="06236", address="서울특별시 강남구",
        address_detail="1층", delivery_message="", combined_group="", product_name="무선 이어폰",
        option_name="화이트", seller_product_code="EARBUDS", seller_option_code="EARBUDS-WHT",
        site_product_id="LO1", site_option_id="LO1_1", quantity=1, unit_price=Decimal(30000),
        amount=Decimal(30000), paid_amount=Decimal(30000), shipping_fee=Decimal(0),
    )
    values.update(overrides)
    return PulledLine(**values)


def stored_text(order_no: str) -> str:
    return Order.objects.get(order_no=order_no).search_text


def backfilled_text(order_no: str) -> str:
    order = Order.objects.get(order_no=order_no)
    return search_text_of(order, OrderLine.objects.filter(order=order).order_by("line_no", "process_seq", "id"))


class TestWriters:
    def test_a_pulled_order_is_searchable_with_its_lines(self, seller, account):
        lines_store(account=account, lines=(pulled("2026112700000001"),
                                            pulled("2026112700000001", "2", product_name="충전 케이블")))
        assert stored_text("2026112700000001") == backfilled_text("2026112700000001")
        for q in ("김철수", "01033334444", "010-1111-2222", "이어폰", "충전 케이블", "earbuds-wht"):
            assert listed(seller, q) == ["2026112700000001"], q

    def test_a_sync_that_changes_the_recipient_updates_the_search(self, seller, account):
        lines_store(account=account, lines=(pulled("2026112700000002"),))
        lines_store(account=account, lines=(pulled("2026112700000002", recipient_name="박영희",
                                                   recipient_mobile="010-7777-8888"),))
        assert listed(seller, "박영희") == ["2026112700000002"]
        assert listed(seller, "01077778888") == ["2026112700000002"]
        assert listed(seller, "김철수") == [] and listed(seller, "01033334444") == []
        assert stored_text("2026112700000002") == backfilled_text("2026112700000002")

    def test_a_line_added_to_a_stored_order_or_renamed_at_the_site_is_searchable(self, seller, account):
        first = pulled("2026112700000003")
        lines_store(account=account, lines=(first,))
        lines_store(account=account, lines=(first, pulled("2026112700000003", "2", product_name="보조 배터리",
                                                          seller_option_code="BATTERY-10K")))
        assert listed(seller, "보조 배터리") == ["2026112700000003"]
        assert listed(seller, "battery-10k") == ["2026112700000003"]
        lines_store(account=account, lines=(replace(first, product_name="노이즈캔슬링 이어폰"),))
        assert listed(seller, "노이즈캔슬링") == ["2026112700000003"]
        assert listed(seller, "보조 배터리") == ["2026112700000003"]  # the other line is still in it
        assert stored_text("2026112700000003") == backfilled_text("2026112700000003")

    def test_a_resync_of_unchanged_lines_writes_no_order(self, seller, account):
        line = pulled("2026112700000004")
        lines_store(account=account, lines=(line,))
        before = Order.objects.get(order_no="2026112700000004").updated_at
        with CaptureQueriesContext(connection) as queries:
            lines_store(account=account, lines=(line,))
        assert not [q for q in queries.captured_queries if q["sql"].startswith('UPDATE "orders_order"')]
        assert Order.objects.get(order_no="2026112700000004").updated_at == before

    def test_a_manual_order_is_searchable(self, seller):
        user = seller.memberships.first().user
        order = manual_order_create(
            seller=seller, actor=user, recipient_name="홍길동", recipient_mobile="010-2468-1357",
            recipient_phone="02 123 4567", zip_code="06236", address="서울특별시 강남구 테헤란로 152",
            reference_order_no="2026112799990001",
            items=[ManualItem(seller_code="SKU-TEE-BLK-M", product_name="반팔 티셔츠", option_name="블랙 / M"),
                   ManualItem(seller_code="MUG-01", product_name="머그컵")])
        assert order.search_text == backfilled_text(order.order_no)
        for q in ("홍길동", "010-2468-1357", "021234567", "2026112799990001", order.order_no, "반팔",
                  "블랙 / m", "sku-tee", "mug-01", "머그컵"):
            assert listed(seller, q) == [order.order_no], q

    def test_an_excel_import_is_searchable(self, seller):
        user = seller.memberships.first().user
        workbook = Workbook()
        sheet = workbook.active
        sheet.append([column.header for column in COLUMNS])
        keys = [column.key for column in COLUMNS]
        for values in (
            {"group": "A", "recipient_name": "이순신", "recipient_mobile": "010 9876 5432", "zip_code": "48058",
             "address": "부산광역시 해운대구", "seller_code": "SOCK-3P", "product_name": "양말 3팩", "quantity": 5},
            {"group": "A", "seller_code": "CAP-01", "product_name": "야구 모자", "option_name": "네이비", "quantity": 1},
            {"recipient_name": "김영희", "recipient_phone": 212345678, "zip_code": 6035, "address": "서울특별시",
             "seller_code": 880123, "product_name": "텀블러", "quantity": 1},
        ):
            sheet.append([values.get(key) for key in keys])
        buffer = io.BytesIO()
        workbook.save(buffer)
        report = manual_orders_import(seller=seller, actor=user, file=SimpleUploadedFile("orders.xlsx", buffer.getvalue()))
        assert not report.errors and report.orders_created == 2
        sock, tumbler = report.order_nos
        for q, expected in (("이순신", sock), ("01098765432", sock), ("야구 모자", sock), ("네이비", sock),
                            ("cap-01", sock), ("김영희", tumbler), ("880123", tumbler), ("텀블러", tumbler)):
            assert listed(seller, q) == [expected], q
        for order_no in report.order_nos:
            assert stored_text(order_no) == backfilled_text(order_no)


class TestBackfill:
    def test_the_migration_fills_existing_orders_in_batches(self, seller, account):
        made = [make_order(seller=seller, account=account, recipient_name=f"고객{i}",
                           lines=[{"product_name": f"상품{i}", "seller_option_code": f"CODE-{i}"}]) for i in range(5)]
        bare = make_order(seller=seller, account=account, recipient_name="줄없음", lines=[])
        Order.objects.update(search_text="")
        assert listed(seller, "고객3") == []

        migration = importlib.import_module("orders.migrations.0005_order_search_text")
        with CaptureQueriesContext(connection) as queries:
            migration.backfill(apps, None)
        assert len(queries.captured_queries) <= 3  # one batch: orders, lines, the update

        for order in [*made, bare]:
            assert stored_text(order.order_no) == backfilled_text(order.order_no) != ""
        assert listed(seller, "고객3") == [made[3].order_no]
        assert listed(seller, "code-4") == [made[4].order_no]
        assert listed(seller, "줄없음") == [bare.order_no]

    def test_batches_cover_every_order_and_only_stale_rows_are_written(self, seller, account):
        made = [make_order(seller=seller, account=account) for _ in range(7)]
        Order.objects.filter(pk__in=[order.pk for order in made[::2]]).update(search_text="")
        assert search_text_backfill(Order, OrderLine, batch_size=2) == 4
        assert search_text_backfill(Order, OrderLine, batch_size=2) == 0
        assert all(stored_text(order.order_no) == backfilled_text(order.order_no) for order in made)


@postgres_only
class TestPostgresIndex:
    def test_the_trigram_index_exists(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'order_search_trgm'")
            (definition,) = cursor.fetchone()
            cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
            assert cursor.fetchone() == (1,)
        assert "gin" in definition and "gin_trgm_ops" in definition and "search_text" in definition

    @pytest.mark.parametrize("q", ["김민준", "010-5555-0000", "라운드 티셔츠"])
    def test_the_search_can_use_it(self, seller, account, q):
        # A handful of rows is read faster without an index; with scans priced out, what remains shows
        # whether the condition is one the trigram index answers (no UPPER(), no expression).
        make_order(seller=seller, account=account, recipient_name="김민준")
        # The search condition on its own: with the seller's filter the planner may rightly prefer the
        # seller's indexes on a table this small.
        sql, params = Order.objects.filter(search.search_q(q, seller_id=seller.pk)).values("id").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_indexscan = off")
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row for (row,) in cursor.fetchall())
        assert "order_search_trgm" in plan, plan


@sqlite_only
class TestSqliteIndex:
    def fts_ids(self, q: str) -> set[tuple[int, int]]:
        """(seller id, order id) of every indexed row holding the phrase, whoever's."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT rowid FROM orders_order_search WHERE orders_order_search MATCH %s", ['"' + q + '"'])
            return {divmod(rowid, search.SELLER_SHIFT) for (rowid,) in cursor.fetchall()}

    def integrity_check(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO orders_order_search(orders_order_search) VALUES ('integrity-check')")

    def test_the_fts_table_and_triggers_exist(self):
        if not search.sqlite_has_trigram_fts():
            pytest.skip("this SQLite has no FTS5 trigram tokenizer")
        with connection.cursor() as cursor:
            cursor.execute("SELECT type, name FROM sqlite_master WHERE name LIKE 'orders_order_search%'")
            names = {name for kind, name in cursor.fetchall() if kind in ("table", "trigger")}
        assert {"orders_order_search", *search.SQLITE_TRIGGERS} <= names

    def test_the_index_follows_insert_update_and_delete(self, seller, account):
        if not search.sqlite_has_trigram_fts():
            pytest.skip("this SQLite has no FTS5 trigram tokenizer")
        order = make_order(seller=seller, account=account, recipient_name="가나다라")
        other = make_order(seller=seller, account=account, recipient_name="마바사아")
        assert self.fts_ids("가나다") == {(seller.pk, order.pk)}
        Order.objects.filter(pk=order.pk).update(search_text="전혀 다른 글")
        assert self.fts_ids("가나다") == set() and self.fts_ids("다른 글") == {(seller.pk, order.pk)}
        order.refresh_from_db()
        order.save()  # a save that leaves the text as it is
        assert self.fts_ids("다른 글") == {(seller.pk, order.pk)}
        make_line(other, product_name="새 상품 이름")
        assert self.fts_ids("상품 이름") == {(seller.pk, other.pk)}
        Order.objects.filter(pk=order.pk).delete()
        assert self.fts_ids("다른 글") == set() and self.fts_ids("마바사") == {(seller.pk, other.pk)}
        self.integrity_check()

    def test_each_seller_is_a_rowid_range_of_its_own(self, seller, account):
        if not search.sqlite_has_trigram_fts():
            pytest.skip("this SQLite has no FTS5 trigram tokenizer")
        other, _ = make_seller_user(name="다른 상점")
        mine = make_order(seller=seller, account=account, recipient_name="같은 이름")
        theirs = make_order(seller=other, recipient_name="같은 이름")
        assert self.fts_ids("같은 이름") == {(seller.pk, mine.pk), (other.pk, theirs.pk)}
        assert listed(seller, "같은 이름") == [mine.order_no] and listed(other, "같은 이름") == [theirs.order_no]
        Order.objects.filter(pk=theirs.pk).update(seller=seller)  # not something the portal does; the index follows
        assert self.fts_ids("같은 이름") == {(seller.pk, mine.pk), (seller.pk, theirs.pk)}

    def test_missing_triggers_are_put_back_and_the_index_rebuilt_after_migrate(self, seller, account):
        if not search.sqlite_has_trigram_fts():
            pytest.skip("this SQLite has no FTS5 trigram tokenizer")
        order = make_order(seller=seller, account=account, recipient_name="가나다라")
        assert sqlite_search_index_ensure(connection) is False  # all there: nothing to do
        with connection.cursor() as cursor:
            # What a table rebuild by a later migration does to the triggers.
            for name in search.SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER {name}")
        Order.objects.filter(pk=order.pk).update(search_text="고친 이름")
        assert self.fts_ids("고친 이름") == set()
        assert sqlite_search_index_ensure(connection) is True
        assert self.fts_ids("고친 이름") == {(seller.pk, order.pk)} and self.fts_ids("가나다") == set()
        self.integrity_check()
        Order.objects.filter(pk=order.pk).update(search_text="다시 바꿈")
        assert self.fts_ids("다시 바꿈") == {(seller.pk, order.pk)}
