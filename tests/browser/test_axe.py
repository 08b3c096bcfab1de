"""axe-core (WCAG 2.1 A and AA rules) on every page of the portal, as a seller, as the QFC operator and as the
admin, in the states that change what a page shows: lists with rows and empty, forms showing their errors,
a failed Test Connection and scan, and a phone's width. A serious or critical finding fails the test; the
others are written to var/axe-report.txt (docs/accessibility.md)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from integrations.models import SalesSiteAccount
from tests.browser.portal import portal_fill
from tests.factories import PASSWORD, make_account, make_seller_user
from tests.plugins.browser import SCREENSHOTS, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Best-practice rules (landmarks, heading order, ...) are reported too, never fail the test: WCAG does not
# require them.
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": [*WCAG_21_AA, "best-practice"]},
               "resultTypes": ["violations", "incomplete"]}
BLOCKING = {"serious", "critical"}
# axe leaves these undecided when it cannot rule out markup it does not see (an aria-describedby naming an id
# that is not on the page, an aria-label on an element without a role); the portal writes neither on purpose,
# so here they count as findings.
UNDECIDED_ARE_FINDINGS = {"aria-valid-attr-value", "aria-prohibited-attr"}
REPORT = SCREENSHOTS.parent / "axe-report.txt"

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1366, "height": 860}


@dataclass(frozen=True)
class Finding:
    page: str
    rule: str
    impact: str
    target: str
    wcag: bool
    summary: str

    def line(self) -> str:
        return f"{self.page}: {self.rule} ({self.impact}) at {self.target}: {self.summary}"


@dataclass(frozen=True)
class Excluded:
    """A finding left out on purpose: on pages whose path matches `page`, rule `rule` at a selector matching
    `target`. `why` says why it is not the portal's to fix."""

    page: str
    rule: str
    target: str
    why: str

    def covers(self, finding: Finding) -> bool:
        return (re.search(self.page, finding.page) is not None and finding.rule == self.rule
                and re.search(self.target, finding.target) is not None)


EXCLUDED: list[Excluded] = [
    # The API docs page is Swagger UI (drf-spectacular-sidecar) drawing into an empty element of ours: its palette,
    # its copy-to-clipboard control inside the operation's summary button, its headings and landmarks are its
    # own. Our shell (the <html> and its language) is still checked.
    *(Excluded(r"^/api/docs/$", rule, r".", "Swagger UI's own markup and colours")
      for rule in ("color-contrast", "nested-interactive", "aria-prohibited-attr", "heading-order", "region")),
    # Django admin's split date/time widget writes "Date:" and "Time:" as plain text beside its two inputs
    # (admin/widgets/split_datetime.html), not as labels.
    Excluded(r"^/admin/.+/change/$", "label", r"^#id_\w+_[01]$", "Django admin's split date/time widget"),
    # Django admin's breadcrumbs: white links in pale blue text on its blue bar, not underlined (admin's CSS).
    Excluded(r"^/admin/", "link-in-text-block", r"^\.breadcrumbs > a", "Django admin's breadcrumbs"),
]


class Auditor:
    """Runs axe on pages and keeps what it finds, page by page."""

    def __init__(self) -> None:
        self.axe = Axe()
        self.findings: list[Finding] = []
        # What axe could not decide by itself (e.g. text over an image): listed for a person to look at.
        self.undecided: list[Finding] = []
        self.pages: list[str] = []

    def check(self, page, label: str | None = None) -> None:
        page.wait_for_load_state("load")
        label = label or page.url.split("://", 1)[1].split("/", 1)[1]
        label = "/" + label if not label.startswith("/") else label
        self.pages.append(label)
        results = self.axe.run(page, options=AXE_OPTIONS).response
        self.findings += self._findings(label, results["violations"])
        undecided = self._findings(label, results["incomplete"])
        self.findings += [f for f in undecided if f.rule in UNDECIDED_ARE_FINDINGS]
        self.undecided += [f for f in undecided if f.rule not in UNDECIDED_ARE_FINDINGS]

    @staticmethod
    def _findings(label: str, results: list[dict]) -> list[Finding]:
        found = []
        for result in results:
            wcag = any(tag in WCAG_21_AA for tag in result["tags"])
            for node in result["nodes"]:
                summary = " ".join((node.get("failureSummary") or result["help"]).split())
                found.append(Finding(page=label, rule=result["id"],
                                     impact=node.get("impact") or result["impact"] or "minor",
                                     target=" ".join(str(t) for t in node["target"]), wcag=wcag, summary=summary[:300]))
        return found

    def visit(self, page, base: str, path: str, label: str | None = None) -> None:
        page.goto(f"{base}{path}")
        self.check(page, label or path)

    def kept(self) -> list[Finding]:
        return [f for f in self.findings if not any(rule.covers(f) for rule in EXCLUDED)]

    def report(self, path: Path) -> str:
        kept = self.kept()
        lines = [f"axe-core on {len(self.pages)} pages; {len(kept)} findings, "
                 f"{len(self.findings) - len(kept)} excluded", ""]
        by_rule = Counter((f.rule, f.impact) for f in kept)
        lines += [f"{count:4}  {rule} ({impact})" for (rule, impact), count in sorted(by_rule.items())]
        lines += ["", "Left undecided by axe (for a person to check):"]
        undecided = Counter(f.rule for f in self.undecided)
        lines += [f"{count:4}  {rule}" for rule, count in sorted(undecided.items())]
        lines += ["", "Excluded (EXCLUDED in tests/browser/test_axe.py):"]
        for rule in EXCLUDED:
            count = sum(1 for f in self.findings if rule.covers(f))
            lines.append(f"{count:4}  {rule.page} {rule.rule}: {rule.why}" + ("" if count else " (matched nothing)"))
        lines += ["", "By page:"]
        for label in dict.fromkeys(self.pages):
            counts = Counter(f.rule for f in kept if f.page == label)
            lines.append(f"  {label}: " + (", ".join(f"{r} {n}" for r, n in sorted(counts.items())) or "none"))
        lines += ["", "Every finding:"] + [f"  {f.line()}" for f in kept]
        lines += ["", "Every undecided one:"] + [f"  {f.line()}" for f in self.undecided]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return "\n".join(lines[:lines.index("By page:")])

    def blocking(self) -> list[Finding]:
        return [f for f in self.kept() if f.wcag and f.impact in BLOCKING]


def submit_without_browser_checks(page, form_selector: str, button_name: str) -> None:
    """Send a form as it is, past the browser's own `required` checks, so the server's error messages show."""
    page.locator(form_selector).evaluate("(form) => { form.noValidate = true; }")
    with page.expect_navigation():
        page.locator(form_selector).get_by_role("button", name=button_name, exact=True).click()


def test_every_page_passes_axe(browser, live_server, settings):
    # No LotteON answers here: Test Connection shows its "unreachable" error.
    settings.LOTTEON_BASE_URL = "http://127.0.0.1:9"
    # Every export is "large": the page that offers to prepare it in the background is shown.
    settings.SMARTSHIP_EXPORT_INLINE_LINES = 0
    seller, user = make_seller_user(name="접근성 상점", username="axe-seller")
    portal = portal_fill(seller, user, qfc_username="axe-qfc", admin_username="axe-admin", password=PASSWORD)
    make_seller_user(name="빈 상점", username="axe-empty")
    # Part way through Getting started: its first step is ticked.
    starting, _ = make_seller_user(name="새 상점", username="axe-starting")
    make_account(seller=starting, shop_id="starting-shop", account_number="LO10000009",
                 connection_status=SalesSiteAccount.ConnectionStatus.OK)
    base = live_server.url
    auditor = Auditor()

    # Only this test lifts the pages' Content-Security-Policy: axe is injected as a script of its own.
    context = browser.new_context(viewport=DESKTOP, locale="en-US", bypass_csp=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        # Signed out: the sign-in page, with its error, the 404 page and the page Log out lands on.
        auditor.visit(page, base, "/accounts/login/")
        page.fill("input[name=username]", "axe-seller")
        page.fill("input[name=password]", "wrong password")
        with page.expect_navigation():
            page.click("button[type=submit]")
        auditor.check(page, "/accounts/login/ (wrong password)")
        auditor.visit(page, base, "/no-such-page/", "/no-such-page/ (signed out)")
        auditor.visit(page, base, "/accounts/logged-out/")

        login(page, base, portal.seller_username, PASSWORD)
        for path in portal.seller_pages:
            auditor.visit(page, base, path)
        auditor.visit(page, base, "/orders/export/")
        auditor.visit(page, base, "/no-such-page/")
        page.goto(f"{base}/api/docs/")
        expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
        auditor.check(page)

        # Forms showing their errors.
        page.goto(f"{base}/sales-sites/new/lotteon/")
        submit_without_browser_checks(page, "#account-form", "Register")
        expect(page.locator(".field-error").first).to_be_visible()
        auditor.check(page, "/sales-sites/new/lotteon/ (errors)")
        page.goto(f"{base}/inventory/skus/new/")
        submit_without_browser_checks(page, "form.sku-form", "Register SKU")
        expect(page.locator(".field-error, .alert-error").first).to_be_visible()
        auditor.check(page, "/inventory/skus/new/ (errors)")
        page.goto(f"{base}/orders/manual/new/")
        submit_without_browser_checks(page, "#manual-order-form", "Create shipping order")
        expect(page.locator(".field-error, .alert-error").first).to_be_visible()
        auditor.check(page, "/orders/manual/new/ (errors)")

        # A failed Test Connection, shown in place.
        page.goto(f"{base}/sales-sites/{portal.ids['account']}/")
        page.get_by_role("button", name="Test Connection").click()
        expect(page.locator(f"#connection-{portal.ids['account']} .connection-message")).to_be_visible()
        auditor.check(page, "/sales-sites/<account>/ (test failed)")

        # A phone's width, the menu closed and open.
        page.set_viewport_size(PHONE)
        for path in ["/", "/orders/", f"/orders/{portal.ids['order']}/", "/sales-sites/", "/sales-sites/syncs/",
                     "/inventory/skus/", "/waybills/print/?kind=invoice"]:
            auditor.visit(page, base, path, f"{path} (375 px)")
        page.get_by_role("button", name="Menu").click()
        expect(page.locator("#sidebar")).to_be_visible()
        auditor.check(page, "/waybills/print/?kind=invoice (375 px, menu open)")
        page.set_viewport_size(DESKTOP)

        # A seller with nothing yet: every list empty.
        context.clear_cookies()
        login(page, base, "axe-empty", PASSWORD)
        for path in ["/", "/sales-sites/", "/sales-sites/syncs/", "/orders/", "/inventory/skus/",
                     "/inventory/needs-mapping/", "/inventory/fulfilment/send/", "/inventory/stock-sync/",
                     "/inventory/movements/", "/waybills/print/?kind=invoice", "/waybills/push-failures/"]:
            auditor.visit(page, base, path, f"{path} (empty)")

        context.clear_cookies()
        login(page, base, "axe-starting", PASSWORD)
        auditor.visit(page, base, "/", "/ (getting started, one step done)")

        # The QFC operator, and a scan that is refused.
        context.clear_cookies()
        login(page, base, portal.qfc_username, PASSWORD)
        for path in portal.qfc_pages:
            auditor.visit(page, base, path)
        auditor.visit(page, base, "/inventory/fulfilment/", "/inventory/fulfilment/ (default tab)")
        page.goto(f"{base}/waybills/receiving/")
        page.get_by_label("Packing label").fill("PK-NO-SUCH-LABEL")
        page.get_by_label("Carrier's tracking number").fill("678912345678")
        page.locator("#id_courier").select_option(index=1)
        page.get_by_role("button", name="Receive").click()
        expect(page.locator("#scan-feedback.scan-error")).to_be_visible()
        auditor.check(page, "/waybills/receiving/ (refused)")

        # The admin pages the README points to.
        context.clear_cookies()
        auditor.visit(page, base, "/admin/login/")
        login(page, base, portal.admin_username, PASSWORD)
        for path in portal.admin_pages:
            auditor.visit(page, base, path)
    finally:
        context.close()

    print(auditor.report(REPORT))  # the counts, shown by pytest when the test fails
    blocking = auditor.blocking()
    assert not blocking, (f"{len(blocking)} serious or critical WCAG 2.1 A/AA findings (all findings in {REPORT}):\n"
                          + "\n".join(f.line() for f in blocking))
