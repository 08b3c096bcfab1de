"""CappedPaginator counts up to its limit, or one page past the page asked for, and says when there is more."""

from __future__ import annotations

import pytest
from django.utils import timezone

from core.paginators import CappedPaginator
from integrations.models import ApiCallLog
from tests.factories import make_account, make_seller_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def calls():
    seller, _ = make_seller_user()
    account = make_account(seller=seller)
    ApiCallLog.objects.bulk_create([ApiCallLog(seller=seller, account=account, site="lotteon", api_no="209",
                                               method="GET", path="/", duration_ms=3, started_at=timezone.now())
                                    for _ in range(23)])
    return ApiCallLog.objects.filter(account=account).order_by("-started_at", "-id")


@pytest.fixture
def limit(monkeypatch):
    monkeypatch.setattr(CappedPaginator, "limit", 10)


def test_counts_up_to_the_limit_and_says_there_is_more(calls, limit):
    page = CappedPaginator(calls, 5).get_page(1)
    assert (page.paginator.count, page.paginator.num_pages, page.paginator.limited) == (10, 2, True)
    assert page.has_next()


def test_a_later_page_counts_one_page_further_so_next_leads_on(calls, limit):
    page = CappedPaginator(calls, 5).get_page(2)
    assert (page.number, page.paginator.count, page.paginator.limited, page.has_next()) == (2, 15, True, True)
    last = CappedPaginator(calls, 5).get_page(5)
    assert (last.number, last.paginator.count, last.paginator.limited, last.has_next()) == (5, 23, False, False)
    assert len(last.object_list) == 3


def test_fewer_rows_than_the_limit_are_counted_exactly(calls):
    page = CappedPaginator(calls, 5).get_page("not a number")
    assert (page.number, page.paginator.count, page.paginator.num_pages, page.paginator.limited) == (1, 23, 5, False)


def test_the_account_page_shows_a_capped_count_with_a_plus(client, monkeypatch):
    seller, user = make_seller_user()
    account = make_account(seller=seller)
    ApiCallLog.objects.bulk_create([ApiCallLog(seller=seller, account=account, site="lotteon", api_no="209",
                                               method="GET", path="/", duration_ms=3, started_at=timezone.now())
                                    for _ in range(80)])
    monkeypatch.setattr(CappedPaginator, "limit", 50)
    client.force_login(user)
    body = client.get(f"/sales-sites/{account.pk}/").content.decode()
    assert "Page 1 of 2+" in body  # 80 calls, 25 a page: counted up to 50
    body = client.get(f"/sales-sites/{account.pk}/?page=3").content.decode()
    assert "Page 3 of 4</span>" in body and 'rel="next"' in body  # counted one page further: to the end, exactly
