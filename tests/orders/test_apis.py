"""The orders REST API: list with the list page's filters, detail with lines and events, confirm."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import responses
from rest_framework.test import APIClient

from orders.models import ConfirmState, Order, OrderEvent, OrderLine, OrderStatus
from tests.factories import make_account, make_seller_user
from tests.orders.factories import make_event, make_order

KST = ZoneInfo("Asia/Seoul")
BASE = "https://lotteon.test"
CONFIRM_URL = f"{BASE}/v1/openapi/delivery/v1/SellerIfCompleteInform"
pytestmark = pytest.mark.django_db


@pytest.fixture
def seller_user():
    return make_seller_user(name="롯데 상점", username="lotte")


@pytest.fixture
def seller(seller_user):
    return seller_user[0]


@pytest.fixture
def api(seller_user):
    client = APIClient()
    client.force_authenticate(seller_user[1])
    return client


@pytest.fixture
def account(seller):
    return make_account(seller=seller, shop_id="lotte-shop")


class TestList:
    def test_paginated_orders_with_their_lines(self, api, seller, account):
        order = make_order(seller=seller, account=account, recipient_name="김민준",
                           lines=[{"product_name": "티셔츠"}, {"product_name": "양말"}])
        body = api.get("/api/v1/orders/").json()
        assert body["count"] == 1 and body["next"] is None
        row = body["results"][0]
        assert row["id"] == order.pk and row["order_no"] == order.order_no and row["shop_id"] == "lotte-shop"
        assert row["status"] == "new" and row["recipient_name"] == "김민준"
        assert [line["product_name"] for line in row["lines"]] == ["티셔츠", "양말"]
        assert "raw" not in row["lines"][0]

    def test_the_same_filters_as_the_list_page(self, api, seller, account):
        other_account = make_account(seller=seller, shop_id="second", account_number="LO10000002")
        a = make_order(seller=seller, account=account, status=OrderStatus.NEW, recipient_mobile="010-5555-1234",
                       instructed_at=datetime(2026, 11, 26, 9, 0, tzinfo=KST), total_amount=1)
        b = make_order(seller=seller, account=other_account, status=OrderStatus.SHIPPED,
                       instructed_at=datetime(2026, 11, 20, 9, 0, tzinfo=KST), needs_attention=True)

        def ids(**params):
            response = api.get("/api/v1/orders/", params)
            assert response.status_code == 200, response.json()
            return [row["id"] for row in response.json()["results"]]

        assert ids(status="new") == [a.pk]
        assert ids(status="attention") == [b.pk]
        assert ids(account=other_account.pk) == [b.pk]
        assert ids(account="manual") == []
        assert ids(date_from="2026-11-26", date_to="2026-11-26") == [a.pk]
        assert ids(q="01055551234") == [a.pk]
        assert ids(ordering="instructed_at") == [b.pk, a.pk]
        assert ids() == [a.pk, b.pk]

    def test_pages_of_50(self, api, seller, account):
        for _ in range(51):
            make_order(seller=seller, account=account)
        first = api.get("/api/v1/orders/").json()
        assert first["count"] == 51 and len(first["results"]) == 50 and "page=2" in first["next"]
        assert len(api.get(first["next"]).json()["results"]) == 1

    @pytest.mark.parametrize(("params", "field"), [
        ({"status": "lost"}, "status"),
        ({"ordering": "password"}, "ordering"),
        ({"date_from": "yesterday"}, "date_from"),
        ({"date_from": "2026-11-27", "date_to": "2026-11-01"}, "date_to"),
        ({"account": "abc"}, "account"),
    ])
    def test_bad_parameters_are_a_400_with_the_field(self, api, params, field):
        response = api.get("/api/v1/orders/", params)
        assert response.status_code == 400
        body = response.json()
        assert body["code"] == "invalid" and field in body["extra"]["fields"]

    def test_another_sellers_account_and_orders(self, api, seller, account):
        other, _ = make_seller_user()
        other_account = make_account(seller=other, account_number="LO20000002")
        make_order(seller=other, account=other_account, recipient_name="남의고객")
        assert api.get("/api/v1/orders/", {"account": other_account.pk}).status_code == 400
        assert api.get("/api/v1/orders/", {"q": "남의고객"}).json()["count"] == 0

    def test_a_search_is_counted_up_to_the_limit_and_lists_that_many(self, api, seller, account, monkeypatch):
        """As on the Orders page (COUNT_LIMIT is 3 here, instead of 1,000; pages of 2)."""
        from orders import apis, selectors

        monkeypatch.setattr(selectors, "COUNT_LIMIT", 3)
        monkeypatch.setattr(apis, "COUNT_LIMIT", 3)
        monkeypatch.setattr(apis.OrderListPagination, "page_size", 2)
        for _ in range(5):
            make_order(seller=seller, account=account, lines=[{"product_name": "텀블러"}])
        make_order(seller=seller, account=account, lines=[{"product_name": "양말"}])

        broad = api.get("/api/v1/orders/", {"q": "텀블러"}).json()
        assert (broad["count"], broad["count_limited"], len(broad["results"])) == (3, True, 2)
        assert list(broad) == ["count", "count_limited", "next", "previous", "results"]
        assert len(api.get(broad["next"]).json()["results"]) == 1  # the third and last listed
        beyond = api.get("/api/v1/orders/", {"q": "텀블러", "page": 3})
        assert beyond.status_code == 404 and "first 3 matching orders" in beyond.json()["message"]

        narrow = api.get("/api/v1/orders/", {"q": "양말"}).json()
        assert (narrow["count"], narrow["count_limited"], len(narrow["results"])) == (1, False, 1)
        everything = api.get("/api/v1/orders/").json()
        assert (everything["count"], everything["count_limited"]) == (6, False)
        assert api.get("/api/v1/orders/", {"q": "없는상품"}).json()["count"] == 0

    def test_needs_a_seller_user(self):
        response = APIClient().get("/api/v1/orders/")
        assert response.status_code in (401, 403) and "message" in response.json()


class TestDetail:
    def test_lines_with_raw_payload_and_events_oldest_first(self, api, seller_user, account):
        seller, user = seller_user
        order = make_order(seller=seller, account=account, lines=[{"raw": {"odNo": "1", "pdNm": "감귤"},
                                                                   "seller_product_code": "TANGERINE-5KG"}])
        make_event(order, kind=OrderEvent.Kind.PULLED, message="Pulled line 1 (New Order)")
        make_event(order, kind=OrderEvent.Kind.CONFIRMED, message="Confirmed", actor=user,
                   line=order.lines.get())
        body = api.get(f"/api/v1/orders/{order.pk}/").json()
        assert body["order_no"] == order.order_no and body["shop_id"] == "lotte-shop"
        assert body["lines"][0]["raw"] == {"odNo": "1", "pdNm": "감귤"}
        assert body["lines"][0]["seller_product_code"] == "TANGERINE-5KG"
        assert [(e["kind"], e["actor"], e["line_no"]) for e in body["events"]] == [
            ("pulled", None, None), ("confirmed", "lotte", "1")]

    def test_another_sellers_order_is_404(self, api):
        other, _ = make_seller_user()
        theirs = make_order(seller=other)
        response = api.get(f"/api/v1/orders/{theirs.pk}/")
        assert response.status_code == 404
        assert set(response.json()) == {"message", "code", "extra"}


class TestUpdatedSince:
    """Polling for changes: an order is listed when it or one of its lines changed at or after the moment."""

    T1, T2, T3 = (datetime(2026, 11, 27, hour, 0, tzinfo=KST) for hour in (9, 10, 11))

    def stamp(self, order, *, at, line_at=None):
        Order.objects.filter(pk=order.pk).update(updated_at=at)
        OrderLine.objects.filter(order=order).update(updated_at=line_at or at)

    def ids(self, api, **params):
        response = api.get("/api/v1/orders/", params)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    def test_the_order_or_one_of_its_lines_changed(self, api, seller, account):
        old = make_order(seller=seller, account=account)
        changed = make_order(seller=seller, account=account)
        line_changed = make_order(seller=seller, account=account, lines=[{"line_no": "1"}, {"line_no": "2"}])
        self.stamp(old, at=self.T1)
        self.stamp(changed, at=self.T2)
        self.stamp(line_changed, at=self.T1)
        line_changed.lines.filter(line_no="2").update(updated_at=self.T2)
        theirs = make_order(seller=make_seller_user()[0], account=None)
        self.stamp(theirs, at=self.T2)

        since = self.T2.isoformat()
        assert sorted(self.ids(api, updated_since=since)) == sorted([changed.pk, line_changed.pk])
        assert self.ids(api, updated_since=self.T3.isoformat()) == []
        assert len(self.ids(api, updated_since=self.T1.isoformat())) == 3
        # Without an offset the time is KST; with one, any zone.
        assert sorted(self.ids(api, updated_since="2026-11-27T10:00:00")) == sorted([changed.pk, line_changed.pk])
        assert sorted(self.ids(api, updated_since="2026-11-27T01:00:00Z")) == sorted([changed.pk, line_changed.pk])
        # With the other filters and the tabs' counts.
        assert self.ids(api, updated_since=since, status="new", q=changed.order_no) == [changed.pk]

    def test_sorted_by_the_last_change(self, api, seller, account):
        first, second = make_order(seller=seller, account=account), make_order(seller=seller, account=account)
        self.stamp(first, at=self.T2)
        self.stamp(second, at=self.T1)
        assert self.ids(api, ordering="updated_at") == [second.pk, first.pk]
        assert self.ids(api, ordering="-updated_at") == [first.pk, second.pk]

    @responses.activate
    def test_an_order_confirmed_after_the_last_poll_is_listed(self, api, seller, account, settings):
        settings.LOTTEON_BASE_URL = BASE
        confirmed, untouched = make_order(seller=seller, account=account), make_order(seller=seller, account=account)
        self.stamp(confirmed, at=self.T1)
        self.stamp(untouched, at=self.T1)
        polled = datetime.now(KST)
        assert self.ids(api, updated_since=polled.isoformat()) == []
        responses.add(responses.POST, CONFIRM_URL, json={
            "returnCode": "0000", "message": "", "subMessages": [], "dataCount": 0,
            "data": {"rsltCd": "0000", "rsltMsg": "정상", "failList": []}})
        assert api.post("/api/v1/orders/confirm/", {"order_ids": [confirmed.pk]}, format="json").status_code == 200
        assert self.ids(api, updated_since=polled.isoformat()) == [confirmed.pk]

    @pytest.mark.parametrize("value", ["yesterday", "2026-13-01T00:00:00", "1"])
    def test_a_time_that_is_not_one_is_a_400(self, api, value):
        response = api.get("/api/v1/orders/", {"updated_since": value})
        assert response.status_code == 400 and "updated_since" in response.json()["extra"]["fields"]


class TestConfirm:
    @pytest.fixture(autouse=True)
    def lotteon(self, settings):
        settings.LOTTEON_BASE_URL = BASE

    @responses.activate
    def test_confirms_and_counts(self, api, seller, account):
        order = make_order(seller=seller, account=account)
        responses.add(responses.POST, CONFIRM_URL, json={
            "returnCode": "0000", "message": "", "subMessages": [], "dataCount": 0,
            "data": {"rsltCd": "0000", "rsltMsg": "정상", "failList": []}})
        response = api.post("/api/v1/orders/confirm/", {"order_ids": [order.pk]}, format="json")
        assert response.status_code == 200
        assert response.json() == {"confirmed": 1, "failed": 0, "message": "1 line confirmed, 0 failed.",
                                   "failures": []}
        assert json.loads(responses.calls[0].request.body)["ifCompleteList"][0]["odNo"] == order.order_no
        assert order.lines.get().confirm_state == ConfirmState.CONFIRMED

    @responses.activate
    def test_the_lines_refused_are_listed_with_their_reason(self, api, seller, account):
        order = make_order(seller=seller, account=account, lines=[{"line_no": "1"}, {"line_no": "2"}])
        responses.add(responses.POST, CONFIRM_URL, json={
            "returnCode": "0000", "message": "", "subMessages": [], "dataCount": 0,
            "data": {"rsltCd": "0000", "rsltMsg": "정상", "failList": [
                {"odNo": order.order_no, "odSeq": "2", "procSeq": "1", "resultCode": "9999",
                 "resultMessage": "출고지시 상태가 아닙니다."}]}})
        body = api.post("/api/v1/orders/confirm/", {"order_ids": [order.pk]}, format="json").json()
        refused = order.lines.get(line_no="2")
        assert (body["confirmed"], body["failed"]) == (1, 1)
        assert body["failures"] == [{
            "order_id": order.pk, "order_no": order.order_no, "line_id": refused.pk, "line_no": "2",
            "confirm_state": "failed", "confirm_error": refused.confirm_error}]
        assert "출고지시 상태가 아닙니다" in refused.confirm_error

    def test_nothing_to_confirm_is_a_409_with_the_message(self, api, seller, account):
        shipped = make_order(seller=seller, account=account, status=OrderStatus.SHIPPED)
        response = api.post("/api/v1/orders/confirm/", {"order_ids": [shipped.pk]}, format="json")
        assert response.status_code == 409
        assert response.json() == {"message": "None of the selected orders has a New line to confirm.",
                                   "code": "nothing_to_confirm", "extra": {}}

    def test_another_sellers_order_is_not_confirmed(self, api):
        other, _ = make_seller_user()
        theirs = make_order(seller=other, account=make_account(seller=other, account_number="LO20000002"))
        response = api.post("/api/v1/orders/confirm/", {"order_ids": [theirs.pk]}, format="json")
        assert response.status_code == 404 and response.json()["code"] == "not_found"
        assert response.json()["extra"] == {"orders": [theirs.pk]}
        assert not theirs.lines.exclude(status="new").exists()

    @pytest.mark.parametrize("body", [{}, {"order_ids": []}, {"order_ids": ["x"]}, {"order_ids": [0]}])
    def test_bad_bodies(self, api, body):
        response = api.post("/api/v1/orders/confirm/", body, format="json")
        assert response.status_code == 400 and response.json()["code"] == "invalid"


def test_the_schema_documents_the_orders_api(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    assert {"/api/v1/orders/", "/api/v1/orders/{id}/", "/api/v1/orders/confirm/"} <= set(paths)
    parameters = {p["name"] for p in paths["/api/v1/orders/"]["get"]["parameters"]}
    assert {"status", "account", "date_from", "date_to", "q", "ordering", "page", "updated_since"} <= parameters
    assert "OrderConfirmInput" in json.dumps(paths["/api/v1/orders/confirm/"]["post"]["requestBody"])
    assert "order_ids" in schema["components"]["schemas"]["OrderConfirmInput"]["properties"]
    page = paths["/api/v1/orders/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert "count_limited" in schema["components"]["schemas"][page.rsplit("/", 1)[-1]]["properties"]
    detail = schema["components"]["schemas"]["OrderDetailOutput"]["properties"]
    assert {"lines", "events"} <= set(detail)


def test_the_list_costs_the_same_queries_for_5_and_60_orders(api, seller, account):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api.get("/api/v1/orders/", {"q": "티셔츠"}).status_code == 200
        return len(captured.captured_queries)

    for _ in range(5):
        make_order(seller=seller, account=account, lines=[{"product_name": "티셔츠"}, {"product_name": "양말"}])
    few = queries()
    for _ in range(55):
        make_order(seller=seller, account=account, lines=[{"product_name": "티셔츠"}, {"product_name": "양말"}])
    assert queries() == few


def test_duplicate_choice_answers_the_order_as_reading_it_does(api, seller):
    """POST /orders/{id}/duplicate/ answers the order in the shape of GET /orders/{id}/, events included."""
    account = make_account(seller=seller)
    manual = make_order(seller=seller, source=Order.Source.MANUAL)
    pulled = make_order(seller=seller, account=account, manual_duplicate=manual)
    response = api.post(f"/api/v1/orders/{pulled.pk}/duplicate/", {"choice": "ship_both"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["manual_duplicate"] is None
    assert response.json() == api.get(f"/api/v1/orders/{pulled.pk}/").json()
