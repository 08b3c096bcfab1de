"""The Content-Security-Policy in a real browser: every page of the portal, as a seller and as the QFC operator,
loads and works without Chromium refusing anything, and what the pages' scripts do still happens."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from orders.models import Order
from tests.browser.portal import portal_fill
from tests.factories import PASSWORD, make_seller_user
from tests.plugins.browser import SCREENSHOTS, login

pytestmark = [pytest.mark.browser, pytest.mark.sandbox, pytest.mark.django_db(transaction=True)]

# Runs before any script of each page; the binding is Playwright's, which the page's policy does not govern.
WATCH = """document.addEventListener("securitypolicyviolation", (event) => window.cspRefused(
  `${location.pathname}${location.search}: ${event.effectiveDirective} refused ${event.blockedURI || "inline"}`
  + (event.sourceFile ? ` at ${event.sourceFile}:${event.lineNumber}` : "")), true);"""


def watch(context) -> list[str]:
    """What the browser refuses in this context (violation events and its console messages about the policy),
    and any script error, e.g. a moved script that no longer finds its element."""
    problems: list[str] = []
    context.expose_function("cspRefused", lambda text: problems.append(text))
    context.add_init_script(WATCH)
    context.on("console", lambda message: problems.append(f"console: {message.text}")
               if "Content Security Policy" in message.text else None)
    context.on("weberror", lambda error: problems.append(f"script error: {error.error}"))
    return problems


def visit(page, url: str) -> None:
    response = page.goto(url)
    assert response is not None and response.ok, f"{url}: {response and response.status}"
    assert "script-src 'self'" in response.headers["content-security-policy"], url
    page.wait_for_load_state("load")


def select_every_row(page) -> int:
    """Tick "Select all": every row box that can be ticked is ticked, and the count line (if any) says so."""
    select_all = page.locator("[data-select-all]")
    rows = page.locator(f"{select_all.get_attribute('data-select-all')}:not([disabled])")
    count = rows.count()
    assert count, f"{page.url}: no rows to select"
    select_all.check()
    for n in range(count):
        expect(rows.nth(n)).to_be_checked()
    line = page.locator("[data-selected-count]")
    if line.count():
        expect(line).to_have_text(f"{count} selected")
    rows.first.uncheck()
    if line.count():
        expect(line).to_have_text(f"{count - 1} selected")
    return count


def shot(page, name: str) -> None:
    """A screenshot for a person to check that nothing lost its looks (var/screenshots/)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def refuse_the_dialog(page, action) -> str:
    """Run `action`, answer its confirmation dialog with Cancel; returns the question asked."""
    asked = []

    def dismiss(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    url = page.url
    action()
    page.wait_for_timeout(300)
    assert asked, "a confirmation was asked"
    assert page.url == url, "Cancel keeps the page"
    return asked[0]


def test_every_page_runs_under_the_policy(browser, live_server, sandbox, settings, eager_celery):
    settings.LOTTEON_BASE_URL = sandbox.url
    seller, user = make_seller_user(name="정책 상점", username="csp-seller")
    portal = portal_fill(seller, user, qfc_username="csp-qfc", admin_username="csp-admin", password=PASSWORD)
    ids = portal.ids
    account_pk, upload_pk = ids["account"], ids["upload"]

    context = browser.new_context(viewport={"width": 1366, "height": 860}, locale="en-US")
    context.set_default_timeout(15_000)
    problems = watch(context)
    page = context.new_page()
    base = live_server.url
    try:
        visit(page, f"{base}/accounts/login/")
        login(page, base, "csp-seller", PASSWORD)
        for path in [*portal.seller_pages, "/no-such-page/"]:
            if path == "/no-such-page/":
                page.goto(f"{base}{path}")  # the 404 page is a page too
            else:
                visit(page, f"{base}{path}")

        # htmx: Test Connection on the form and on the account page, Sync now with its progress panel.
        visit(page, f"{base}/sales-sites/new/lotteon/")
        page.get_by_label("Shop ID").fill("csp-shop")
        page.get_by_label("API Key").fill(sandbox.DEMO_KEY)
        page.get_by_label("Account Number").fill(sandbox.DEMO_TR_NO)
        page.get_by_role("button", name="Test Connection").click()
        expect(page.locator(".test-result")).to_contain_text("Connected to LotteON as")  # the account exists already
        visit(page, f"{base}/sales-sites/{account_pk}/")
        page.get_by_role("button", name="Test Connection").click()
        expect(page.locator(f"#connection-{account_pk} .badge-ok")).to_be_visible()
        page.get_by_role("button", name="Sync now").click()
        expect(page.locator(".sync-progress")).to_contain_text("Succeeded")
        shot(page, "csp-account-after-sync-now")

        # An upload still queued: its progress bar is polled in place.
        visit(page, f"{base}/inventory/skus/import/{upload_pk}/")
        with page.expect_response(lambda r: f"/skus/import/{upload_pk}/progress/" in r.url):
            expect(page.locator(".import-progress")).to_be_visible()
        shot(page, "csp-import-progress")

        # The scripts moved out of the pages: select all and the counts, the SKU form's tabs and option rows,
        # confirmation dialogs.
        visit(page, f"{base}/orders/")
        assert select_every_row(page) == 2
        visit(page, f"{base}/inventory/skus/")
        select_every_row(page)
        visit(page, f"{base}/inventory/stock-sync/")
        select_every_row(page)
        visit(page, f"{base}/inventory/fulfilment/send/")
        select_every_row(page)
        visit(page, f"{base}/waybills/print/?kind=invoice")
        select_every_row(page)
        shot(page, "csp-print-selected")
        page.locator("[data-select-all]").check()
        question = refuse_the_dialog(page, lambda: page.locator("#print-selected").click())
        assert "QSP tracking numbers" in question
        visit(page, f"{base}/waybills/push-failures/")
        refuse_the_dialog(page, lambda: page.locator(".wb-retry-all button[type=submit]").click())

        visit(page, f"{base}/inventory/skus/new/")
        page.locator("input[name=kind][value=multi]").check()
        page.get_by_role("tab", name="Option SKU Info").click()
        expect(page.locator("#panel-options")).to_be_visible()
        expect(page.locator("#panel-info")).to_be_hidden()
        rows = page.locator("#option-rows tr")
        before = rows.count()
        page.get_by_role("button", name="+ Add option").click()
        expect(rows).to_have_count(before + 1)
        expect(rows.last.locator(".option-code")).to_be_focused()
        shot(page, "csp-sku-form-options")
        rows.last.get_by_role("button", name=f"Remove option {before + 1}").click()
        expect(rows).to_have_count(before)
        page.get_by_role("tab", name="SKU Info", exact=True).click()
        expect(page.locator("#panel-info")).to_be_visible()

        # The API docs (Swagger UI from the sidecar) draw the operations.
        visit(page, f"{base}/api/docs/")
        expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
        shot(page, "csp-api-docs")

        context.clear_cookies()
        login(page, base, "csp-qfc", PASSWORD)
        for path in portal.qfc_pages:
            visit(page, f"{base}{path}")
        visit(page, f"{base}/inventory/fulfilment/?tab=all")
        page.locator("#print-pick-list").click()
        expect(page.locator("#selected-count")).to_have_text("Select the fulfilment orders to pick first.")
        assert len(context.pages) == 1, "nothing selected: no pick list tab"
        select_every_row(page)

        context.clear_cookies()
        login(page, base, "csp-admin", PASSWORD)
        for path in portal.admin_pages:
            visit(page, f"{base}{path}")
        page.wait_for_timeout(300)  # the last page's scripts have run
    finally:
        context.close()
    assert problems == [], "\n".join(problems)
    assert Order.objects.filter(seller=seller, waybills__isnull=False).count() == 0, "the refused dialogs sent nothing"
