"""Every Django admin list of ours, and the pages that list a record's rows inline, cost the same queries for 3
rows as for 30: an operator opening the admin of a portal a year old must not wait for a query per row."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from integrations.models import ApiCallLog
from tests.page_data import seller_with_rows
from tests.page_queries import FEW, MANY

pytestmark = pytest.mark.django_db

OUR_APPS = {"sellers", "integrations", "orders", "inventory", "waybills", "core"}
# Carriers (the sales site's list) and number counters (one per series) do not grow with sellers or time.
FIXED = {"waybills.courier", "waybills.numbercounter"}
LABELS = sorted(model._meta.label_lower for model in admin.site._registry
                if model._meta.app_label in OUR_APPS and model._meta.label_lower not in FIXED)


def counted(client, url: str) -> tuple[int, bytes]:
    client.get(url)  # fills what a page caches (templates, content types, the filters' choices)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured.captured_queries), response.content


@pytest.mark.parametrize("label", LABELS)
def test_changelist(admin_client, label):
    app_label, model_name = label.split(".")
    url = reverse(f"admin:{app_label}_{model_name}_changelist")
    few, many = FEW, MANY
    seller_with_rows(few)
    few_count, few_body = counted(admin_client, url)
    seller_with_rows(many)
    many_count, many_body = counted(admin_client, url)
    # The lists show every seller's rows: the second page lists more of them (those of the few and the many).
    assert len(many_body) > len(few_body), label
    assert few_count == many_count, f"{label}: {few_count} queries for {few} rows, {many_count} for more"


@pytest.mark.parametrize("case", ["order", "fulfilment", "sku"])
def test_change_page_with_inline_rows(admin_client, case):
    """An order with n lines and events, a fulfilment order with n lines, a SKU with n options."""
    counts, bodies = [], []
    for n in (FEW, MANY):
        data = seller_with_rows(n)
        record = {"order": data.order, "fulfilment": data.fulfilment, "sku": data.sku}[case]
        url = reverse(f"admin:{record._meta.app_label}_{record._meta.model_name}_change", args=[record.pk])
        count, body = counted(admin_client, url)
        counts.append(count)
        bodies.append(body)
    assert len(bodies[1]) > len(bodies[0])
    assert counts[0] == counts[1], f"{case}: {counts[0]} queries for {FEW} rows, {counts[1]} for {MANY}"


@pytest.mark.parametrize(("url", "distinct"), [
    ("/admin/orders/order/", set()),
    ("/admin/integrations/apicalllog/", {"api_no"}),
])
def test_filters_and_dates_do_not_read_every_row(admin_client, url, distinct):
    """The sales site, error and date filters offer what the code knows, not the distinct values of every order or
    call of every seller. The API numbers are still read from the calls (the sites' own lists, kept per site)."""
    seller_with_rows(FEW)
    with CaptureQueriesContext(connection) as captured:
        assert admin_client.get(url).status_code == 200
    read = {query["sql"].split('"')[3] for query in captured.captured_queries if "DISTINCT" in query["sql"]}
    assert read == distinct, [query["sql"] for query in captured.captured_queries if "DISTINCT" in query["sql"]]


def test_the_call_log_filters_still_filter(admin_client):
    data = seller_with_rows(FEW)
    ApiCallLog.objects.filter(pk=ApiCallLog.objects.filter(account=data.account).first().pk).update(error="timeout")
    rows = admin_client.get("/admin/integrations/apicalllog/?error=timeout&site=lotteon").context["cl"].result_count
    assert rows == 1
    none = admin_client.get("/admin/integrations/apicalllog/?error=none").context["cl"].result_count
    assert none == ApiCallLog.objects.filter(error="").count() > 0
    assert admin_client.get("/admin/orders/order/?site=none").status_code == 200
