from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from core.exceptions import ApplicationError
from core.http import safe_next
from core.ids import id_or_none
from core.paginators import CappedPaginator
from integrations import registry
from integrations.forms import AccountForm, AlertEmailsForm
from integrations.models import SalesSiteAccount, SyncRun
from integrations.selectors import (
    account_call_log,
    account_events,
    account_get,
    account_list,
    sync_run_get,
    sync_run_list,
)
from integrations.services import (
    OPTION_CAPABILITIES,
    account_connection_keep_form_test,
    account_create,
    account_delete,
    account_set_active,
    account_test_connection,
    account_update,
    account_version,
    credentials_digest,
    credentials_test,
    form_test_worth_keeping,
    options_supported,
)
from sellers.mixins import SellerRequiredMixin
from sellers.services import seller_alert_emails_set

FORM_TEST = "integrations.form_test"  # session key: the form's last Test Connection that said something


def progress_context(run: SyncRun) -> dict:
    """What the live progress of a sync says it reads: days for a site that pulls day by day (LotteON)."""
    try:
        by_day = registry.get(run.account.site).pull_window_days == 1
    except registry.UnknownSalesSite:
        by_day = False
    return {"run": run, "window_word": "day" if by_day else "part"}


def account_options(account: SalesSiteAccount, site) -> list[dict]:
    """The account's options its site supports, with whether each is on (an unsupported one is not listed)."""
    return [{"name": name, "label": OPTION_CAPABILITIES[name].label, "on": getattr(account, name)}
            for name in options_supported(site)]


class AccountMixin(SellerRequiredMixin):
    def get_account(self) -> SalesSiteAccount:
        try:
            return account_get(seller=self.seller, account_id=self.kwargs["pk"])
        except SalesSiteAccount.DoesNotExist:
            raise Http404("No such sales-site account.") from None


def site_or_404(key: str):
    try:
        return registry.get(key)
    except registry.UnknownSalesSite:
        raise Http404("No such sales site.") from None


class AccountListView(SellerRequiredMixin, TemplateView):
    template_name = "integrations/account_list.html"

    def get_context_data(self, **kwargs):
        accounts = list(account_list(seller=self.seller))
        for account in accounts:
            account.sales_site = registry.get(account.site)
            account.options = account_options(account, account.sales_site)
        kwargs.setdefault("alert_form", AlertEmailsForm(initial={"alert_emails": self.seller.alert_emails}))
        return super().get_context_data(accounts=accounts, **kwargs)

    def post(self, request):
        """Save the Alert e-mails; a wrong address shows the list again with what was typed and changes nothing."""
        form = AlertEmailsForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(alert_form=form))
        seller = seller_alert_emails_set(seller=self.seller, addresses=form.cleaned_data["alert_emails"])
        count = len(seller.alert_emails.splitlines())
        messages.success(request, f"Alerts go to {count} address{'es' * (count != 1)}." if count
                         else "Alert e-mails are off.")
        return redirect(f"{reverse('integrations:account-list')}#alerts")


class AlertTestView(SellerRequiredMixin, View):
    """Send a test e-mail to the saved Alert e-mails; the list page says to whom, or what went wrong."""

    def post(self, request):
        from integrations.alerts import MailNotSent, alert_test_send

        try:
            recipients = alert_test_send(seller=self.seller)
        except (ApplicationError, MailNotSent) as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Test e-mail sent to {', '.join(recipients)}.")
        return redirect(f"{reverse('integrations:account-list')}#alerts")


class SitePickView(SellerRequiredMixin, TemplateView):
    template_name = "integrations/site_pick.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(sites=registry.all_sites(), **kwargs)


class AccountFormMixin(SellerRequiredMixin):
    template_name = "integrations/account_form.html"

    def render_form(self, request, form, site, account=None, status=200, changed_meanwhile=False):
        return render(request, self.template_name, {
            "form": form, "site": site, "account": account, "changed_meanwhile": changed_meanwhile,
            "server_ips": ";".join(settings.SMARTSHIP_SERVER_IPS),
        }, status=status)


class AccountCreateView(AccountFormMixin, View):
    def get(self, request, site):
        sales_site = site_or_404(site)
        return self.render_form(request, AccountForm(seller=self.seller, site=sales_site), sales_site)

    def post(self, request, site):
        sales_site = site_or_404(site)
        form = AccountForm(request.POST, seller=self.seller, site=sales_site)
        if not form.is_valid():
            return self.render_form(request, form, sales_site)
        account = account_create(
            seller=self.seller, site=sales_site.key, shop_id=form.cleaned_data["shop_id"],
            api_key=form.cleaned_data["api_key"], account_number=form.cleaned_data["account_number"],
            actor=request.user, **form.key_expiry(), **form.options(),
        )
        status = account_connection_keep_form_test(account=account, tested=request.session.pop(FORM_TEST, None),
                                                   created=True, actor=request.user)
        if status == SalesSiteAccount.ConnectionStatus.OK:
            messages.success(request, f"{sales_site.name} account {account.shop_id} registered and connected as "
                                      f"{account.supplier_name} ({account.supplier_number}).")
        elif status == SalesSiteAccount.ConnectionStatus.FAILED:
            messages.warning(request, f"{sales_site.name} account {account.shop_id} registered, but its Test "
                                      f"Connection failed: {account.connection_message} Correct it in Edit, then "
                                      "test again.")
        else:
            messages.success(request, f"{sales_site.name} account {account.shop_id} registered. Test the connection "
                                      "to check it.")
        return redirect("integrations:account-list")


class AccountUpdateView(AccountFormMixin, AccountMixin, View):
    def get(self, request, pk):
        account = self.get_account()
        site = registry.get(account.site)
        initial = {name: getattr(account, name) for name in AccountForm.base_fields if name not in ("api_key", "version")}
        initial["version"] = account_version(account=account)
        return self.render_form(request, AccountForm(seller=self.seller, site=site, account=account, initial=initial), site, account)

    def post(self, request, pk):
        account = self.get_account()
        site = registry.get(account.site)
        form = AccountForm(request.POST, seller=self.seller, site=site, account=account)
        if not form.is_valid():
            return self.render_form(request, form, site, account)
        try:
            account_update(
                account=account, shop_id=form.cleaned_data["shop_id"], account_number=form.cleaned_data["account_number"],
                api_key=form.cleaned_data.get("api_key", ""), actor=request.user,
                version=form.cleaned_data["version"] or None, **form.key_expiry(), **form.options(),
            )
        except ApplicationError as exc:
            if exc.code != "changed_meanwhile":
                raise
            # What they typed stays on the page to copy from (the API Key never: the field is not drawn back); the
            # form keeps the version it was drawn from, so pressing Save again is refused again: only a reloaded
            # page saves.
            form.add_error(None, exc.message)
            return self.render_form(request, form, site, account, status=409, changed_meanwhile=True)
        status = account_connection_keep_form_test(account=account, tested=request.session.pop(FORM_TEST, None),
                                                   created=False, actor=request.user)
        if status == SalesSiteAccount.ConnectionStatus.FAILED:
            messages.warning(request, f"Account {account.shop_id} saved, but its Test Connection failed: "
                                      f"{account.connection_message}")
        else:
            messages.success(request, f"Account {account.shop_id} saved"
                                      f"{' and connected' if status == SalesSiteAccount.ConnectionStatus.OK else ''}.")
        return redirect("integrations:account-list")


class CredentialsTestView(SellerRequiredMixin, View):
    """Test Connection from the form, with the values typed so far (nothing is saved)."""

    def post(self, request, site):
        sales_site = site_or_404(site)
        account = None
        if request.POST.get("account_id"):
            try:
                account = account_get(seller=self.seller, account_id=id_or_none(request.POST["account_id"]) or 0)
            except SalesSiteAccount.DoesNotExist:
                raise Http404("No such sales-site account.") from None
        outcome = credentials_test(
            seller=self.seller, site=sales_site.key, shop_id=request.POST.get("shop_id", ""),
            api_key=request.POST.get("api_key", ""), account_number=request.POST.get("account_number", ""),
            account=account,
        )
        request.session.pop(FORM_TEST, None)
        if form_test_worth_keeping(outcome):
            # Saving these same credentials next keeps this result (account_connection_keep_form_test).
            key = request.POST.get("api_key", "") or (account.get_api_key() if account else "")
            digest = credentials_digest(seller_id=self.seller.pk, site=sales_site.key, api_key=key,
                                        account_number=request.POST.get("account_number", ""))
            request.session[FORM_TEST] = {**outcome.as_dict(), "digest": digest,
                                          "account_id": account.pk if account else None}
        return render(request, "integrations/partials/_test_result.html", {"outcome": outcome})


class AccountTestView(AccountMixin, View):
    """Test Connection from the list: stores the result as the account's connection status."""

    def post(self, request, pk):
        account = self.get_account()
        outcome = account_test_connection(account=account, actor=request.user)
        return render(request, "integrations/partials/_connection_status.html",
                      {"account": account, "outcome": outcome, "tested": True})


class AccountActiveView(AccountMixin, View):
    active = True

    def post(self, request, pk):
        account = account_set_active(account=self.get_account(), active=self.active, actor=request.user)
        if self.active:
            messages.success(request, f"Account {account.shop_id} is active again: scheduled syncs resume; tracking "
                             "numbers waiting for it go out within minutes, stock with the next change or full sync.")
        else:
            messages.warning(request, f"Account {account.shop_id} is deactivated: no syncs, and no stock or tracking "
                             "numbers are sent to the sales site, until you activate it.")
        return redirect(safe_next(request, request.POST.get("next"), reverse("integrations:account-list")))


class AccountDeleteView(AccountMixin, View):
    def get(self, request, pk):
        return render(request, "integrations/account_confirm_delete.html", {"account": self.get_account()})

    def post(self, request, pk):
        account = self.get_account()
        shop_id = account.shop_id
        try:
            account_delete(account=account)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("integrations:account-detail", pk=account.pk)
        messages.success(request, f"Account {shop_id} deleted. Its orders stay in the portal.")
        return redirect("integrations:account-list")


class AccountDetailView(AccountMixin, TemplateView):
    template_name = "integrations/account_detail.html"

    def get_context_data(self, **kwargs):
        account = self.get_account()
        site = registry.get(account.site)
        # 90 days of calls can be 200,000: counted up to the first 1,000 ("Page 1 of 40+").
        page = CappedPaginator(account_call_log(account=account), 25).get_page(self.request.GET.get("page"))
        return super().get_context_data(
            account=account, site=site, options=account_options(account, site), page_obj=page, calls=page.object_list,
            events=account_events(account=account)[:20],
            runs=sync_run_list(seller=self.seller, account_id=account.pk)[:5], **kwargs,
        )


class SyncNowView(AccountMixin, View):
    """Queue a sync of one account and answer with its live progress panel."""

    def post(self, request, pk):
        from orders.services.sync import sync_request

        account = self.get_account()
        if not account.is_active:
            return render(request, "integrations/partials/_sync_blocked.html", {
                "account": account, "reason": "This account is deactivated: activate it to sync again."})
        run = sync_request(account=account, trigger=SyncRun.Trigger.MANUAL)
        run.refresh_from_db()  # a fast worker may have finished already
        return _progress_response(request, run)


def _progress_response(request, run: SyncRun):
    """The progress panel; once the run has finished it also tells the page (``sync-finished``), and the
    account page reloads its API call log with the calls the run made."""
    context = progress_context(run)
    # Only the account's own page shows "Last successful sync" to update out of band; elsewhere htmx would
    # find no target for it and report an error in the browser's console.
    shown_on = urlsplit(request.headers.get("HX-Current-URL", "")).path
    context["update_last_sync"] = shown_on == reverse("integrations:account-detail", args=[run.account_id])
    response = render(request, "integrations/partials/_sync_progress.html", context)
    if run.finished:
        response["HX-Trigger"] = "sync-finished"
    return response


class SyncProgressView(SellerRequiredMixin, View):
    def get(self, request, run_id):
        try:
            run = sync_run_get(seller=self.seller, run_id=run_id)
        except SyncRun.DoesNotExist:
            raise Http404("No such sync.") from None
        return _progress_response(request, run)


class SyncHistoryView(SellerRequiredMixin, TemplateView):
    template_name = "integrations/sync_history.html"

    def get_context_data(self, **kwargs):
        account_id = id_or_none(self.request.GET.get("account"))
        page = Paginator(sync_run_list(seller=self.seller, account_id=account_id), 30).get_page(
            self.request.GET.get("page"))
        return super().get_context_data(
            accounts=account_list(seller=self.seller), page_obj=page, runs=page.object_list,
            account_id=account_id, query_string=f"account={account_id}" if account_id else "", **kwargs)
