"""Check LotteON link over real HTTP against the sandbox: 93 filtered by the SKUs' product codes (epdNo, 100 per
call), then 94 per product to pair each option's eitmNo with its sitmNo; every reason a link is missing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from inventory.models import LinkCheck, LinkStatus, SiteOptionLink
from inventory.services.links import link_check_run, sku_links_check, sku_links_check_request
from inventory.services.skus import OptionInput, sku_create
from tests.factories import make_account, make_seller_user
from tests.inventory.factories import make_multi, make_single

pytestmark = [pytest.mark.sandbox, pytest.mark.django_db]
PRODUCT_LIST = "/v1/openapi/product/v1/product/list"
PRODUCT_DETAIL = "/v1/openapi/product/v1/product/detail"


@pytest.fixture
def account(sandbox, settings):
    settings.LOTTEON_BASE_URL = sandbox.url
    settings.LOTTEON_RETRY_BASE_DELAY = 0.01
    settings.LOTTEON_RETRY_ATTEMPTS = 1
    settings.LOTTEON_READ_TIMEOUT = 2.0
    seller, _ = make_seller_user()
    return make_account(seller=seller, api_key=sandbox.DEMO_KEY, account_number=sandbox.DEMO_TR_NO)


def stock(sandbox) -> tuple[dict[str, list[dict]], list[dict]]:
    options: dict[str, list[dict]] = {}
    singles = []
    for row in sandbox.state(api_key=sandbox.DEMO_KEY)["stock"]:
        (options.setdefault(row["epdNo"], []) if row["eitmNo"] else singles).append(row)
    return options, singles


def link(option) -> SiteOptionLink:
    return SiteOptionLink.objects.get(option=option)


def test_check_links_options_by_product_code_and_says_why_not(sandbox, account):
    options, singles = stock(sandbox)
    (product, rows), (other_product, other_rows) = list(options.items())[:2]
    seller = account.seller
    multi = make_multi(seller=seller, code=product, options=[(rows[0]["eitmNo"], "a"), (rows[1]["eitmNo"].lower(), "b"),
                                                             (f"{product}-NOPE", "c")])
    single = make_single(seller=seller, code=singles[0]["epdNo"])
    unknown = make_multi(seller=seller, code="NOT-AT-LOTTEON", options=[("NAL-1", "x")])
    no_code = make_multi(seller=seller, options=[("NO-PRODUCT-1", "x")])
    # A single option type SKU whose code is a product with options at LotteON.
    wrong_kind = make_single(seller=seller, code=other_product)
    since = sandbox.calls()[-1]["id"] if sandbox.calls() else 0

    outcome = sku_links_check(seller=seller, sku_ids=[s.pk for s in (multi, single, unknown, no_code, wrong_kind)])

    assert outcome.ok and "3 of 7 option SKUs linked" in outcome.message
    a, b, missing = multi.options.order_by("position")
    assert (link(a).status, link(a).site_product_id, link(a).site_option_id) == (
        LinkStatus.LINKED, rows[0]["spdNo"], rows[0]["sitmNo"])
    assert link(b).site_option_id == rows[1]["sitmNo"], "codes compare ignoring case"
    assert link(missing).status == LinkStatus.OPTION_NOT_FOUND and f"{product}-NOPE" in link(missing).message
    one = single.options.get()
    assert (link(one).status, link(one).site_option_id) == (LinkStatus.LINKED, singles[0]["sitmNo"])
    assert link(unknown.options.get()).status == LinkStatus.PRODUCT_NOT_FOUND
    assert "NOT-AT-LOTTEON was not found at LotteON" in link(unknown.options.get()).message
    assert link(no_code.options.get()).status == LinkStatus.NO_PRODUCT_CODE
    assert link(wrong_kind.options.get()).status == LinkStatus.OPTION_NOT_FOUND
    assert all(row.account_id == account.pk and row.source == "catalog" for row in SiteOptionLink.objects.all())

    calls = sandbox.calls(since=since)
    lists = [c for c in calls if c["path"] == PRODUCT_LIST]
    details = [c for c in calls if c["path"] == PRODUCT_DETAIL]
    assert len(lists) == 1 and sorted(lists[0]["request"]["body"]["epdNo"]) == sorted(
        [product, singles[0]["epdNo"], "NOT-AT-LOTTEON", other_product])
    assert len(details) == 3, "94 once per product found"


def test_a_product_code_used_by_two_lotteon_products_is_several_matches(sandbox, account):
    for name in ("하나", "둘"):
        sandbox.create_product(apiKey=sandbox.DEMO_KEY, epdNo="DUP-1", spdNm=name, options=[])
    sku = make_single(seller=account.seller, code="DUP-1")
    sku_links_check(seller=account.seller, sku_ids=[sku.pk])
    row = link(sku.options.get())
    assert row.status == LinkStatus.AMBIGUOUS and "2 LotteON products have product code DUP-1" in row.message


def test_an_option_code_twice_in_one_product_is_several_matches(sandbox, account):
    sandbox.create_product(apiKey=sandbox.DEMO_KEY, epdNo="TWIN", spdNm="쌍둥이",
                           options=[{"eitmNo": "TWIN-1", "sitmNm": "A"}, {"eitmNo": "TWIN-1", "sitmNm": "B"}])
    sku = make_multi(seller=account.seller, code="TWIN", options=[("TWIN-1", "A")])
    sku_links_check(seller=account.seller, sku_ids=[sku.pk])
    assert link(sku.options.get()).status == LinkStatus.AMBIGUOUS


def test_more_than_100_product_codes_go_in_chunks_of_100(sandbox, account):
    _, singles = stock(sandbox)
    skus = [make_single(seller=account.seller, code=f"BULK-{i:03d}") for i in range(150)]
    skus.append(make_single(seller=account.seller, code=singles[0]["epdNo"]))
    since = sandbox.calls()[-1]["id"] if sandbox.calls() else 0
    outcome = sku_links_check(seller=account.seller, sku_ids=[s.pk for s in skus])
    lists = [c for c in sandbox.calls(since=since) if c["path"] == PRODUCT_LIST]
    assert [len(c["request"]["body"]["epdNo"]) for c in lists] == [100, 51]
    assert "1 of 151 option SKUs linked" in outcome.message


def test_no_account_changes_nothing_and_says_so(sandbox, settings):
    settings.LOTTEON_BASE_URL = sandbox.url
    seller, _ = make_seller_user()
    sku = make_single(seller=seller, code="ANY-1")
    outcome = sku_links_check(seller=seller, sku_ids=[sku.pk])
    assert not outcome.ok and "No active sales-site account" in outcome.message
    assert not SiteOptionLink.objects.exists()


def test_lotteon_failing_changes_nothing_and_a_link_learned_from_an_order_survives_a_miss(sandbox, account):
    options, _ = stock(sandbox)
    product, rows = next(iter(options.items()))
    sku = sku_create(seller=account.seller, kind="multi", name="티셔츠", code="TYPO-" + product,
                     options=[OptionInput(code=rows[0]["eitmNo"], option_values="a")]).sku
    option = sku.options.get()
    SiteOptionLink.objects.create(option=option, seller=account.seller, account=account, site="lotteon",
                                  site_product_id=rows[0]["spdNo"], site_option_id=rows[0]["sitmNo"],
                                  status=LinkStatus.LINKED, source=SiteOptionLink.Source.ORDER,
                                  checked_at="2026-11-01T00:00:00Z")

    sandbox.fault(status=500, count=-1, path="product/list")
    outcome = sku_links_check(seller=account.seller, sku_ids=[sku.pk])
    assert not outcome.ok and "Nothing was changed" in outcome.message
    sandbox.clear_faults()

    outcome = sku_links_check(seller=account.seller, sku_ids=[sku.pk])
    row = link(option)
    assert (row.status, row.site_option_id) == (LinkStatus.LINKED, rows[0]["sitmNo"]), "the order proved the link"
    assert "was not found at LotteON" in row.message


def test_check_link_button_and_api(sandbox, account, client):
    _, singles = stock(sandbox)
    sku = make_single(seller=account.seller, code=singles[0]["epdNo"])
    user = account.seller.memberships.get().user
    client.force_login(user)
    page = client.post(reverse("inventory:sku-link-check", args=[sku.pk]), follow=True).content.decode()
    assert "1 of 1 option SKU linked" in page and "LotteON product / option linked" in page
    assert singles[0]["sitmNo"] in page
    data = client.post(f"/api/v1/skus/{sku.pk}/check-link/").json()
    assert data["ok"] and data["sku"]["link"]["state"] == "linked"
    assert data["sku"]["options"][0]["links"][0]["site_option_id"] == singles[0]["sitmNo"]


def test_check_links_on_a_selection_runs_in_the_worker_and_the_list_shows_how_it_went(
        sandbox, account, client, eager_celery, django_capture_on_commit_callbacks):
    _, singles = stock(sandbox)
    skus = [make_single(seller=account.seller, code=row["epdNo"]) for row in singles[:2]]
    client.force_login(account.seller.memberships.get().user)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        client.post(reverse("inventory:sku-bulk-link-check"), {"sku_ids": [s.pk for s in skus]})
    job = LinkCheck.objects.get()
    assert (job.status, sorted(job.sku_ids)) == (LinkCheck.Status.QUEUED, sorted(s.pk for s in skus))

    # While it waits, the list says so and asks for its progress; nothing is linked yet.
    page = client.get(reverse("inventory:sku-list")).content.decode()
    progress = reverse("inventory:link-check-progress", args=[job.pk])
    assert "Check LotteON link of 2 SKUs: waiting for the background worker" in page
    assert f'hx-get="{progress}?running=1"' in page and not SiteOptionLink.objects.exists()
    assert client.get(progress, {"running": 1}).status_code == 200

    for callback in queued:  # the worker's turn
        callback()
    job.refresh_from_db()
    assert (job.status, job.ok) == (LinkCheck.Status.DONE, True) and "2 of 2 option SKUs linked" in job.message
    assert SiteOptionLink.objects.filter(status=LinkStatus.LINKED).count() == 2

    # The poll of a page that showed it running reloads the page; the list then shows the outcome.
    ended = client.get(progress, {"running": 1})
    assert ended.status_code == 204 and ended["HX-Refresh"] == "true"
    page = client.get(reverse("inventory:sku-list")).content.decode()
    assert "2 of 2 option SKUs linked" in page and "hx-get" not in page.split('id="link-check"')[1].split(">")[0]

    # Another seller's check is not there for them.
    other, stranger = make_seller_user()
    client.force_login(stranger)
    assert client.get(progress).status_code == 404
    assert "Check LotteON link" not in client.get(reverse("inventory:sku-list")).content.decode()


def test_a_check_the_sales_site_refuses_or_that_crashes_says_so(sandbox, account, monkeypatch):
    _, singles = stock(sandbox)
    sku = make_single(seller=account.seller, code=singles[0]["epdNo"])
    sandbox.fault(path=PRODUCT_LIST, status=401, count=-1)
    job = sku_links_check_request(seller=account.seller, sku_ids=[sku.pk])
    job = link_check_run(job_id=job.pk)
    assert (job.status, job.ok) == (LinkCheck.Status.DONE, False) and "API Key" in job.message
    sandbox.clear_faults()
    again = link_check_run(job_id=job.pk)
    assert (again.ok, again.message) == (False, job.message), "a job runs once: a second delivery changes nothing"

    def crash(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("inventory.services.links.sku_links_check", crash)
    job = link_check_run(job_id=sku_links_check_request(seller=account.seller, sku_ids=[sku.pk]).pk)
    assert job.status == LinkCheck.Status.FAILED and "unexpected error" in job.message and job.finished_at
    assert sku_links_check_request(seller=account.seller, sku_ids=[999_999]) is None


def test_a_check_no_worker_takes_or_finishes_says_the_worker_may_not_run(account, client):
    client.force_login(account.seller.memberships.get().user)
    job = LinkCheck.objects.create(seller=account.seller, sku_ids=[1])
    page = client.get(reverse("inventory:sku-list")).content.decode()
    assert "waiting for the background worker" in page and "has not started after two minutes" not in page
    LinkCheck.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(minutes=3))
    assert "has not started after two minutes" in client.get(reverse("inventory:sku-list")).content.decode()
    LinkCheck.objects.filter(pk=job.pk).update(status=LinkCheck.Status.RUNNING,
                                               started_at=timezone.now() - timedelta(minutes=11))
    assert "the worker may have stopped" in client.get(reverse("inventory:sku-list")).content.decode()


def test_a_check_costs_the_same_queries_for_few_and_many_skus(sandbox, account):
    """5 SKUs against 50 (3 options each, half linked before, half new): the calls are one 93 per 100 product codes
    and one 94 per product found, each logged (a row of the account's call log); nothing else grows with the SKUs."""
    results = []
    for n in (2, 5, 50):  # the first check of the account is a warm-up
        skus = []
        for i in range(n):
            code = f"QC{n}-{i}"
            sandbox.create_product(apiKey=sandbox.DEMO_KEY, epdNo=code, spdNm=f"상품 {i}",
                                   options=[{"eitmNo": f"{code}-{o}", "sitmNm": str(o)} for o in range(3)])
            skus.append(make_multi(seller=account.seller, code=code, options=[(f"{code}-{o}", str(o)) for o in range(3)]))
        sku_links_check(seller=account.seller, sku_ids=[sku.pk for sku in skus[::2]])  # the links to update
        before = len(sandbox.calls())
        with CaptureQueriesContext(connection) as captured:
            outcome = sku_links_check(seller=account.seller, sku_ids=[sku.pk for sku in skus])
        calls = [call["path"] for call in sandbox.calls()[before:]]
        assert outcome.ok and outcome.linked == 3 * n, outcome.message
        assert (calls.count(PRODUCT_LIST), calls.count(PRODUCT_DETAIL)) == (1, n)
        logged = [q for q in captured.captured_queries if q["sql"].startswith('INSERT INTO "integrations_apicalllog"')]
        assert len(logged) == len(calls)
        results.append(len(captured.captured_queries) - len(logged))
    _, few, many = results
    assert few == many, results
