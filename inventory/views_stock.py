"""Stock pages: the warehouse's Stock (receipts and adjustments) and movements; the seller's movements and
Automatic Stock Qty Sync (results, refusals with Retry, Sync stock now)."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from core.exceptions import ApplicationError, application_error_status
from core.ids import id_or_none
from core.submissions import once_per_submission
from integrations.models import SalesSiteAccount
from inventory.forms_warehouse import (
    AdjustmentForm,
    MovementFilterForm,
    ReceiptForm,
    StockLookupForm,
    selected_ids,
)
from inventory.models import OptionSku, StockSyncRun
from inventory.selectors import SkuFilters, sku_list
from inventory.selectors_fulfilment import (
    MovementFilters,
    movements_page,
    movements_recent,
    option_sku_for_stock,
    option_skus_find,
    site_name,
    stock_push_failures,
    stock_push_states,
    stock_sync_runs,
)
from inventory.services.stock import stock_adjust, stock_receive
from inventory.services.stock_sync import stock_accounts, stock_pushes_retry, stock_sync_request
from sellers.mixins import SellerRequiredMixin, WarehouseOperatorRequiredMixin
from sellers.models import Seller


def _sellers() -> list[Seller]:
    return list(Seller.objects.filter(is_active=True).order_by("name"))


class StockView(WarehouseOperatorRequiredMixin, TemplateView):
    """QFC ▸ Stock: find an option SKU by code or barcode (any seller), then book a receipt or an adjustment."""

    template_name = "inventory/stock.html"

    def _option(self, value) -> OptionSku | None:
        try:
            return option_sku_for_stock(option_id=int(value))
        except (TypeError, ValueError, OptionSku.DoesNotExist):
            return None

    def get_context_data(self, **kwargs):
        lookup = StockLookupForm(self.request.GET or None, sellers=_sellers())
        q = (lookup.cleaned_data.get("q") or "").strip() if lookup.is_valid() else ""
        option = kwargs.pop("option", None) or self._option(self.request.GET.get("option"))
        matches = option_skus_find(value=q, seller_id=lookup.seller_id()) if q and option is None else []
        if len(matches) == 1 and option is None:
            option = matches[0]
        context = {"lookup": lookup, "q": q, "matches": matches, "option": option}
        if option is not None:
            context.update(
                receipt_form=kwargs.pop("receipt_form", None) or ReceiptForm(initial={"option": option.pk}),
                adjustment_form=kwargs.pop("adjustment_form", None) or AdjustmentForm(
                    initial={"option": option.pk, "on_hand_seen": option.on_hand}),
                movements=movements_recent(filters=MovementFilters(option_id=option.pk), limit=10),
            )
        else:
            context["recent"] = movements_recent(filters=MovementFilters(), limit=15)
        return super().get_context_data(**context, **kwargs)

    @once_per_submission
    def post(self, request):
        kind = request.POST.get("action")
        form_class = {"receipt": ReceiptForm, "adjustment": AdjustmentForm}.get(kind)
        if form_class is None:
            raise Http404("Unknown action.")
        form = form_class(request.POST)
        option = self._option(request.POST.get("option"))
        if option is None:
            raise Http404("No such option SKU.")
        key = f"{kind}_form"
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(option=option, **{key: form}), status=400)
        data = form.cleaned_data
        try:
            if kind == "receipt":
                movement = stock_receive(seller=option.seller, option=option, quantity=data["quantity"],
                                         note=data["note"], actor=request.user)
            else:
                movement = stock_adjust(seller=option.seller, option=option, quantity=data["quantity"],
                                        reason=data["reason"], note=data["note"], actor=request.user,
                                        on_hand_seen=data["on_hand_seen"])
        except ApplicationError as exc:
            option.refresh_from_db()
            if exc.code == "stock_changed":
                # What was typed stays; the form now stands for the figure shown, so pressing Adjust again
                # after checking applies it.
                form = AdjustmentForm({**request.POST.dict(), "on_hand_seen": option.on_hand})
                form.is_valid()
            form.add_error(None, exc.message)
            return self.render_to_response(self.get_context_data(option=option, **{key: form}),
                                           status=application_error_status(exc))
        option.refresh_from_db()
        what = "Received" if kind == "receipt" else "Adjusted"
        messages.success(request, f"{what} {movement.quantity:+d} × {option.code} ({option.seller.name}): on hand "
                                  f"{option.on_hand}, reserved {option.reserved}, available {option.available}"
                                  f"{f', short {option.short}' if option.short else ''}.")
        return redirect(f"{reverse('inventory:stock')}?{urlencode({'option': option.pk})}")


class _MovementsView(TemplateView):
    """Stock movements: every change of stock, newest first."""

    template_name = "inventory/movements.html"
    warehouse = False

    def get_context_data(self, **kwargs):
        seller = None if self.warehouse else self.seller
        form = MovementFilterForm(self.request.GET or None, sellers=_sellers() if self.warehouse else None)
        filters = form.filters(seller_id=seller.pk if seller else None)
        option = None
        if filters.option_id:
            try:
                option = option_sku_for_stock(option_id=filters.option_id, seller_id=seller.pk if seller else None)
            except OptionSku.DoesNotExist:
                raise Http404("No such option SKU.") from None
        page = movements_page(filters=filters, page=self.request.GET.get("page"))
        query = {key: value for key, value in self.request.GET.items() if key != "page" and value}
        return super().get_context_data(form=form, page_obj=page, movements=page.object_list, option=option,
                                        query_string=urlencode(query), warehouse=self.warehouse, **kwargs)


class WarehouseMovementsView(WarehouseOperatorRequiredMixin, _MovementsView):
    """QFC ▸ Stock ▸ Movements: every seller's."""

    warehouse = True


class SellerMovementsView(SellerRequiredMixin, _MovementsView):
    """Inventory ▸ Stock movements: the seller's own."""


class StockSyncView(SellerRequiredMixin, TemplateView):
    """Inventory ▸ Stock sync: Automatic Stock Qty Sync per account, recent runs, and the options the sales
    site refused (or that are not pushed) with Retry."""

    template_name = "inventory/stock_sync.html"

    def get_context_data(self, **kwargs):
        accounts = stock_accounts(seller=self.seller)
        states = stock_push_states(seller=self.seller)
        for account in accounts:
            account.site_name = site_name(account.site)
            account.push_states = states.get(account.pk, {})
        page = Paginator(stock_push_failures(seller=self.seller), 50).get_page(self.request.GET.get("page"))
        # Only linked options are pushed: the seller sees how many SKUs are left out and where to link them.
        unlinked = sku_list(seller=self.seller, filters=SkuFilters(link="unlinked")).count() if accounts else 0
        waiting = _waiting(self.request.GET, seller=self.seller)
        return super().get_context_data(accounts=accounts, runs=stock_sync_runs(seller=self.seller),
                                        unlinked=unlinked, waiting=waiting,
                                        page_obj=page, failures=page.object_list,
                                        settings_minutes=max(1, settings.SMARTSHIP_STOCK_SYNC_SECONDS // 60), **kwargs)

    def post(self, request):
        action = request.POST.get("action")
        try:
            if action == "sync":
                account = request.POST.get("account", "")
                account_id = (id_or_none(account) or 0) if account.isdigit() else None  # 0: no such account
                ids = stock_sync_request(seller=self.seller, account_id=account_id, actor=request.user)
                messages.success(request, f"Stock sync queued for {len(ids)} account{'s' if len(ids) != 1 else ''}: "
                                          "the page shows the run when it is done.")
                # The page waits for those runs (_waiting) and reloads itself when they have ended.
                query = urlencode({"requested": int(timezone.now().timestamp()), "accounts": ",".join(map(str, ids))})
                return redirect(f"{reverse('inventory:stock-sync')}?{query}")
            elif action in ("retry", "retry-all"):
                ids = None if action == "retry-all" else selected_ids(request.POST)
                if ids == []:
                    raise ApplicationError("Select the options to retry.", code="nothing_selected")
                count = stock_pushes_retry(seller=self.seller, push_ids=ids, actor=request.user)
                messages.success(request, f"{count} option{'s' if count != 1 else ''} queued to be pushed again.")
            else:
                raise Http404("Unknown action.")
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return redirect("inventory:stock-sync")


WAIT_SECONDS = 300  # past this, a queued sync no worker took is not waited for (the dashboard says the worker is down)


def _waiting(query, *, seller: Seller) -> dict | None:
    """The Sync stock now just asked for, while one of its accounts has no run ended since: ``{"query": …}`` for
    the page to poll with, or None (nothing asked, all ended, asked too long ago, or a query not of this seller)."""
    requested = id_or_none(query.get("requested", ""))
    ids = [id_or_none(part) for part in query.get("accounts", "").split(",")[:50]]
    if requested is None or not ids or None in ids:
        return None
    asked = datetime.fromtimestamp(requested - 1, tz=UTC)
    if (timezone.now() - asked).total_seconds() > WAIT_SECONDS:
        return None
    if SalesSiteAccount.objects.filter(seller=seller, pk__in=ids).count() != len(set(ids)):
        return None
    ended = set(StockSyncRun.objects.filter(seller=seller, account_id__in=ids, started_at__gte=asked).exclude(
        status=StockSyncRun.Status.RUNNING).values_list("account_id", flat=True))
    if set(ids) <= ended:
        return None
    return {"query": urlencode({"requested": requested, "accounts": ",".join(map(str, ids))})}


class StockSyncWaitView(SellerRequiredMixin, View):
    """Polled by the Stock sync page after Sync stock now: reloads the page once the runs asked for have ended."""

    def get(self, request):
        if _waiting(request.GET, seller=self.seller) is None:
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"
            return response
        return HttpResponse(status=204)
