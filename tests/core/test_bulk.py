"""objects_insert, rows_insert, instance_maker: what bulk_create and the model constructor would store,
read back through the ORM (SQLite, and PostgreSQL in CI); changes_update: what an UPDATE per row would write."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.bulk import changes_update, instance_maker, objects_insert, rows_insert
from orders.models import LineStatus, Order, OrderEvent, OrderLine
from tests.factories import make_seller_user

pytestmark = pytest.mark.django_db
KST = ZoneInfo("Asia/Seoul")


def test_rows_read_back_as_bulk_create_would_store_them():
    seller, _ = make_seller_user()
    at = datetime(2026, 11, 27, 9, 30, 15, tzinfo=KST)
    orders = [Order(seller=seller, site="lotteon", order_no=f"2026112700000{n}", recipient_name="김민준",
                    address="서울 중구 을지로 30", instructed_at=at, total_amount=Decimal("12900"))
              for n in range(3)]
    objects_insert(orders)
    assert all(order.pk for order in orders) and not orders[0]._state.adding
    lines = [OrderLine(order=order, seller=seller, line_no="1", product_name="텀블러", quantity=2,
                       unit_price=Decimal("6450"), raw={"pdNm": "텀블러", "odQty": 2, "nested": [1, "가"]})
             for order in orders]
    events = [OrderEvent(order=order, seller=seller, kind=OrderEvent.Kind.PULLED, details={"lines": ["1"]})
              for order in orders]
    with CaptureQueriesContext(connection) as captured:
        objects_insert(lines)
        objects_insert(events)
    assert len(captured.captured_queries) == 2

    stored = Order.objects.get(pk=orders[1].pk)
    assert (stored.order_no, stored.recipient_name, stored.instructed_at, stored.total_amount) == (
        "20261127000001", "김민준", at, Decimal("12900"))
    assert stored.created_at is not None and stored.created_at == orders[1].created_at
    line = OrderLine.objects.get(order=stored)
    assert (line.pk, line.status, line.quantity, line.unit_price) == (lines[1].pk, LineStatus.NEW, 2, Decimal("6450"))
    assert line.raw == {"pdNm": "텀블러", "odQty": 2, "nested": [1, "가"]}
    assert OrderEvent.objects.get(order=stored).details == {"lines": ["1"]}
    assert lines[1].order is orders[1], "the related object stays cached: no query to reach it"


def test_batches_beyond_the_parameter_limit_keep_ids_in_order():
    seller, _ = make_seller_user()
    orders = [Order(seller=seller, site="lotteon", order_no=f"N{n:05d}", recipient_name=f"R{n}", address="A")
              for n in range(2500)]
    objects_insert(orders)
    by_id = dict(Order.objects.filter(seller=seller).values_list("id", "order_no"))
    assert len(by_id) == 2500
    assert all(by_id[order.pk] == order.order_no for order in orders)


def test_nothing_to_insert_sends_nothing():
    with CaptureQueriesContext(connection) as captured:
        objects_insert([])
    assert captured.captured_queries == []


def test_rows_insert_fills_defaults_and_stamps_and_returns_ids_in_order():
    seller, user = make_seller_user()
    order = Order.objects.create(seller=seller, site="lotteon", order_no="20261127000009", address="A")
    rows = [(order.pk, seller.pk, OrderEvent.Kind.PULLED, f"Pulled line {n}", {} if n else {"lines": ["가"]})
            for n in range(3)]
    ids = rows_insert(OrderEvent, ("order_id", "seller_id", "kind", "message", "details"), rows, returning=True)
    events = list(OrderEvent.objects.filter(order=order).order_by("id"))
    assert [event.pk for event in events] == ids and len(set(ids)) == 3
    assert [(e.message, e.details, e.line_id, e.actor_id) for e in events] == [
        ("Pulled line 0", {"lines": ["가"]}, None, None), ("Pulled line 1", {}, None, None),
        ("Pulled line 2", {}, None, None)]
    assert all(event.created_at is not None for event in events)
    assert rows_insert(OrderEvent, ("order_id",), []) == []


def test_instance_maker_builds_what_the_keyword_constructor_builds():
    seller, _ = make_seller_user()
    order = Order(seller=seller, site="lotteon", order_no="20261127000010", address="A")
    make = instance_maker(OrderLine)
    fast = make(order=order, seller_id=seller.pk, line_no="1", quantity=3, unit_price=Decimal("100"), raw={"a": 1})
    slow = OrderLine(order=order, seller_id=seller.pk, line_no="1", quantity=3, unit_price=Decimal("100"),
                     raw={"a": 1})
    fields = [f.attname for f in OrderLine._meta.concrete_fields]
    assert [getattr(fast, name) for name in fields] == [getattr(slow, name) for name in fields]
    assert fast._state.adding and fast.order is order
    other = make(order=order, seller_id=seller.pk, line_no="2", quantity=1)
    assert other.raw == {} and other.raw is not fast.raw, "a callable default is called per instance"
    objects_insert([order])
    objects_insert([fast, other])
    assert OrderLine.objects.get(pk=fast.pk).order_id == order.pk
    with pytest.raises(TypeError, match="no field 'colour'"):
        make(colour="red")


def test_json_documents_read_back_alike_whichever_encoder_writes_them():
    """orjson writes the documents; what it cannot write (an integer past 64 bits) goes Django's way."""
    seller, _ = make_seller_user()
    order = Order(seller=seller, site="lotteon", order_no="J1", recipient_name="R", address="A")
    objects_insert([order])
    documents = [
        {"pdNm": "머그컵 \"특가\"", "price": 12.5, "flags": [True, False, None], "emoji": "🎁", "nested": {"a": []}},
        {"huge": 2**70},
        [1, "two", {"three": 3}],
        {},
    ]
    lines = [OrderLine(order=order, seller=seller, line_no=str(n), quantity=1, raw=raw)
             for n, raw in enumerate(documents)]
    objects_insert(lines)
    stored = dict(OrderLine.objects.filter(order=order).values_list("line_no", "raw"))
    assert [stored[str(n)] for n in range(len(documents))] == documents
    assert OrderLine.objects.filter(order=order, raw__pdNm="머그컵 \"특가\"").count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite does not enforce a column's length")
def test_a_text_longer_than_its_column_is_refused_not_cut():
    from django.db import DataError, transaction

    seller, _ = make_seller_user()
    order = Order(seller=seller, site="lotteon", order_no="L1", recipient_name="R", address="A", zip_code="1" * 11)
    with pytest.raises(DataError), transaction.atomic():
        objects_insert([order])
    assert not Order.objects.filter(order_no="L1").exists()


def test_columns_of_nulls_and_mixed_values_in_one_batch():
    seller, _ = make_seller_user()
    at = datetime(2026, 11, 27, 9, 0, tzinfo=KST)
    orders = [Order(seller=seller, site="lotteon", order_no=f"M{n}", recipient_name="R", address="A",
                    instructed_at=at if n == 1 else None, needs_attention=n == 2) for n in range(3)]
    objects_insert(orders)
    stored = {o.order_no: (o.instructed_at, o.needs_attention, o.account_id)
              for o in Order.objects.filter(seller=seller)}
    assert stored == {"M0": (None, False, None), "M1": (at, False, None), "M2": (None, True, None)}


@pytest.mark.parametrize("alike", [True, False])
def test_changes_update_writes_each_rows_change_in_as_few_statements_as_there_are_batches(alike):
    seller, _ = make_seller_user()
    orders = [Order(seller=seller, site="lotteon", order_no=f"2026112800000{n:03d}", recipient_name="김",
                    address="서울", total_amount=Decimal("100")) for n in range(600)]
    objects_insert(orders)
    stamp = datetime(2026, 11, 28, 9, 0, tzinfo=KST)
    changes = {order.pk: ({"needs_attention": True, "attention_reason": "같은 이유"} if alike else
                          {"needs_attention": n % 2 == 0, "attention_reason": f"주문 {n}", **(
                              {"total_amount": Decimal("99")} if n % 3 == 0 else {})})
               for n, order in enumerate(orders[:550])}
    changes[orders[550].pk] = {}  # nothing changed: not written
    with CaptureQueriesContext(connection) as captured:
        changes_update(Order, changes=changes, constants={"updated_at": stamp})
    # Alike: one UPDATE for all; 550 different changes: two batches of rows (ROWS_PER_STATEMENT is 500).
    assert len(captured.captured_queries) == (1 if alike else 2)
    stored = {pk: (needs, reason, amount, at) for pk, needs, reason, amount, at in Order.objects.filter(
        seller=seller).values_list("pk", "needs_attention", "attention_reason", "total_amount", "updated_at")}
    for n, order in enumerate(orders):
        if n < 550:
            expected = {"total_amount": Decimal("100"), **changes[order.pk]}
            assert stored[order.pk] == (expected["needs_attention"], expected["attention_reason"],
                                        expected["total_amount"], stamp), n
        else:
            assert stored[order.pk][:3] == (False, "", Decimal("100")) and stored[order.pk][3] != stamp, n
