from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from core.exceptions import ApplicationError
from core.http import safe_next
from core.ids import id_or_none
from integrations.selectors import account_list
from orders.exports import orders_workbook
from orders.forms import OrderConfirmForm, OrderFilterForm
from orders.models import Order, OrderExport, OrderStatus
from orders.selectors import (
    COUNT_LIMIT,
    DEFAULT_ORDERING,
    PAGE_SIZE,
    STATUS_TABS,
    OrderListPage,
    order_events,
    order_export_get,
    order_export_list,
    order_export_size,
    order_get,
    order_lines,
    order_list_page,
    order_pulled_duplicates,
)
from orders.services.confirm import orders_confirm
from orders.services.export import order_export_request, order_export_stale
from orders.services.lifecycle import (
    DuplicateChoice,
    manual_cancellable,
    order_duplicate_resolve,
    order_hold_release,
)
from orders.services.sites import site_confirms
from sellers.mixins import SellerRequiredMixin

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Column headers of the list that sort, with the direction a first click picks.
SORT_COLUMNS = {
    "order_no": ("Order number", "order_no"),
    "recipient_name": ("Recipient", "recipient_name"),
    "total_amount": ("Amount", "-total_amount"),
    "status": ("Status", "status"),
    "instructed_at": ("Order time", "-instructed_at"),
}


def _query_string(params, *, drop: tuple[str, ...] = ("page",), **changes: str) -> str:
    """The current query string without `drop`, empty values and the page, with `changes` applied."""
    query = params.copy()
    for name in (*drop, *changes):
        query.pop(name, None)
    for name in [key for key, value in query.items() if value == ""]:
        query.pop(name)
    for name, value in changes.items():
        if value:
            query[name] = value
    return query.urlencode()


def _sort_links(params, current: str) -> dict[str, dict]:
    links = {}
    for key, (label, first) in SORT_COLUMNS.items():
        active = current.lstrip("-") == key
        descending = current.startswith("-")
        # A click on the sorted column flips it; on another column it starts in that column's natural direction.
        target = (key if descending else f"-{key}") if active else first
        links[key] = {"label": label, "query": _query_string(params, ordering=target), "active": active,
                      "direction": ("descending" if descending else "ascending") if active else "none"}
    return links


class OrderListView(SellerRequiredMixin, TemplateView):
    template_name = "orders/order_list.html"

    def get_context_data(self, **kwargs):
        accounts = list(account_list(seller=self.seller))
        form = OrderFilterForm(self.request.GET, accounts=accounts)
        filters = form.filters()
        invalid = form.selection_invalid()
        if invalid:
            # A filter that cannot be applied lists nothing (and every tab counts 0), not the orders it would
            # have narrowed; the page says what to fix and offers Clear filters.
            result = OrderListPage(page=Paginator([], PAGE_SIZE).get_page(1),
                                   counts={value: 0 for value, _ in STATUS_TABS})
        else:
            result = order_list_page(seller=self.seller, filters=filters, page_number=self.request.GET.get("page"))
        page = result.page
        params = self.request.GET
        searched = bool(filters.q.strip())
        tabs = [
            {"value": value, "label": label, "count": result.counts.get(value, 0), "active": filters.status == value,
             "count_label": _count_label(result.counts.get(value, 0), searched=searched),
             "query": _query_string(params, status=value)}
            for value, label in STATUS_TABS
        ]
        active_tab = next(tab for tab in tabs if tab["active"])
        orders = list(page.object_list)
        for order in orders:
            order.confirmable = _confirmable(order)
        unconfirmable = sum(1 for order in orders if _account_deleted_new(order))
        return super().get_context_data(
            form=form, filters=filters, filters_invalid=invalid, page_obj=page, orders=orders, tabs=tabs,
            accounts=accounts, active_tab=active_tab,
            more_than_listed=searched and (active_tab["count"] or 0) > COUNT_LIMIT, count_limit=COUNT_LIMIT,
            total=result.counts.get("", 0),
            query_string=_query_string(params),
            sort_links=_sort_links(params, filters.ordering or DEFAULT_ORDERING),
            confirmable=any(order.confirmable for order in orders),
            account_deleted_new=unconfirmable,
            integration_off=bool(accounts) and not any(a.auto_order_integration and a.is_active for a in accounts),
            last_synced_at=max((a.last_synced_at for a in accounts if a.last_synced_at), default=None),
            sync_accounts=[a for a in accounts if a.is_active],
            **kwargs,
        )


def _count_label(count: int | None, *, searched: bool) -> str:
    """A tab's number: a search counts up to COUNT_LIMIT ("1,000+" beyond) and may leave a tab uncounted."""
    if count is None:
        return ""
    if searched and count > COUNT_LIMIT:
        return f"{COUNT_LIMIT:,}+"
    return f"{count:,}"


def _confirmable(order: Order) -> bool:
    """Confirm is offered for New pulled orders of a site that has a confirmation step (the registry says)."""
    return (order.status == OrderStatus.NEW and order.source == Order.Source.PULLED and order.account_id is not None
            and site_confirms(order.site))


def _account_deleted_new(order: Order) -> bool:
    """A New pulled order whose account was deleted: nothing can confirm it at the sales site from here."""
    return order.status == OrderStatus.NEW and order.source == Order.Source.PULLED and order.account_id is None


class OrderDetailView(SellerRequiredMixin, TemplateView):
    template_name = "orders/order_detail.html"

    def get_context_data(self, **kwargs):
        try:
            order = order_get(seller=self.seller, order_id=self.kwargs["pk"])
        except Order.DoesNotExist:
            raise Http404("No such order.") from None
        lines = order_lines(order=order)
        return super().get_context_data(
            order=order, lines=lines, events=order_events(order=order), confirmable=_confirmable(order),
            account_deleted_new=_account_deleted_new(order),
            on_hold=[line for line in lines if line.on_hold or line.asked_after_shipping],
            shipped_asked=(any(line.asked_after_shipping for line in lines)
                           and not any(line.on_hold for line in lines)),
            pulled_duplicates=order_pulled_duplicates(order=order),
            # What the sales site sent: nothing for a manual order, whose lines were typed or uploaded.
            payload_lines=[line for line in lines if line.raw],
            manual_cancellable=order.manual_duplicate_id and manual_cancellable(order.manual_duplicate),
            duplicate_choices=DuplicateChoice, **kwargs,
        )


class OrderHoldReleaseView(SellerRequiredMixin, View):
    """The seller rejected the buyer's cancellation request at the sales site: let the held lines ship."""

    def post(self, request, pk):
        order_id = id_or_none(pk)
        if order_id is None:
            raise Http404("No such order.")
        try:
            # The requests the page showed: one the sync read since then is the seller's to see first.
            released = order_hold_release(seller_id=self.seller.pk, order_id=order_id, actor=request.user,
                                          claims=request.POST.getlist("claim") or None)
        except ApplicationError as exc:
            if exc.code == "not_found":
                raise Http404(exc.message) from None
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Released {released} line{'' if released == 1 else 's'}: the order ships as "
                             "usual. A new cancellation request from the buyer would hold it again.")
        return redirect("orders:order-detail", pk=order_id)


class OrderDuplicateView(SellerRequiredMixin, View):
    """The seller's choice for a pulled order held because a manual shipping order stands for the same sale."""

    def post(self, request, pk):
        order_id = id_or_none(pk)
        if order_id is None:
            raise Http404("No such order.")
        try:
            order_duplicate_resolve(seller_id=self.seller.pk, order_id=order_id, actor=request.user,
                                    choice=request.POST.get("choice", ""),
                                    manual_order_id=id_or_none(request.POST.get("manual_order_id", "")))
        except ApplicationError as exc:
            if exc.code == "not_found":
                raise Http404(exc.message) from None
            messages.error(request, exc.message)
        else:
            if request.POST.get("choice") == DuplicateChoice.CANCEL_MANUAL:
                messages.success(request, "The manual shipping order is called off; this order ships.")
            else:
                messages.success(request, "Both orders ship.")
        return redirect("orders:order-detail", pk=order_id)


class OrderConfirmView(SellerRequiredMixin, View):
    """Confirm selected: sends the New lines of the ticked orders to the sales site (LotteON 210)."""

    def post(self, request):
        form = OrderConfirmForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(form.errors["order_ids"]))
            return self._back(request)
        try:
            confirmed, failed = orders_confirm(
                seller=self.seller, order_ids=form.cleaned_data["order_ids"], actor=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return self._back(request)
        text = f"{confirmed} line{'' if confirmed == 1 else 's'} confirmed, {failed} failed."
        if not confirmed and not failed:
            # Every answer was lost: the service left the lines waiting rather than guess.
            messages.warning(request, "The sales site did not answer, so it is not known yet whether the lines "
                             "were confirmed. The next sync reads their state. Confirm again is safe: it reads "
                             "their state at the sales site before sending anything.")
        elif failed:
            messages.warning(request, f"{text} The failed ones are under Needs attention with the sales site's reason.")
        else:
            messages.success(request, text)
        return self._back(request)

    @staticmethod
    def _back(request):
        return redirect(safe_next(request, request.POST.get("next"), reverse("orders:order-list")))


class OrderExportView(SellerRequiredMixin, View):
    """Export to Excel: the current selection (tab, filters, search, sort), every page, one row per line.

    Up to ``SMARTSHIP_EXPORT_INLINE_LINES`` lines the file comes at once. A larger selection gets a page
    that says how large it is and offers to prepare the file in the background (a POST: asking creates
    a job, a GET never does)."""

    def filter_form(self, request) -> OrderFilterForm:
        return OrderFilterForm(request.GET, accounts=list(account_list(seller=self.seller)))

    def get(self, request):
        form = self.filter_form(request)
        if not form.is_valid():
            # A filter the list cannot apply (a date out of range, an account not the seller's): the list
            # says what is wrong; a file of a wider selection than the one asked for would not.
            query = _query_string(request.GET)
            return redirect(reverse("orders:order-list") + (f"?{query}" if query else ""))
        filters = form.filters()
        lines = order_export_size(seller=self.seller, filters=filters)
        if lines <= settings.SMARTSHIP_EXPORT_INLINE_LINES:
            workbook = orders_workbook(seller=self.seller, filters=filters)
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
            return FileResponse(workbook, as_attachment=True, filename=f"orders-{stamp}.xlsx",
                                content_type=XLSX)
        return render(request, "orders/export_request.html", {
            "lines": lines, "query_string": _query_string(request.GET),
            "inline_limit": settings.SMARTSHIP_EXPORT_INLINE_LINES, "keep_days": settings.SMARTSHIP_EXPORT_KEEP_DAYS,
            "exports": order_export_list(seller=self.seller, limit=5)})

    def post(self, request):
        try:
            job = order_export_request(seller=self.seller, filters=self.filter_form(request).filters(),
                                       query=_query_string(request.GET), actor=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            query = _query_string(request.GET)
            return redirect(reverse("orders:order-export") + (f"?{query}" if query else ""))
        return redirect("orders:export-detail", pk=job.pk)


class OrderExportMixin(SellerRequiredMixin):
    def get_job(self, *, with_file: bool = False) -> OrderExport:
        try:
            return order_export_get(seller=self.seller, export_id=self.kwargs["pk"], with_file=with_file)
        except OrderExport.DoesNotExist:
            raise Http404("No such export.") from None


class OrderExportDetailView(OrderExportMixin, TemplateView):
    template_name = "orders/export_detail.html"

    def get_context_data(self, **kwargs):
        job = self.get_job()
        # The job itself is above, kept current by polling; a row of it in the list would go stale.
        others = [export for export in order_export_list(seller=self.seller, limit=6) if export.pk != job.pk][:5]
        return super().get_context_data(job=job, exports=others, stale=order_export_stale(job), **kwargs)


class OrderExportProgressView(OrderExportMixin, View):
    def get(self, request, pk):
        job = self.get_job()
        return render(request, "orders/partials/_export_progress.html", {"job": job, "stale": order_export_stale(job)})


class OrderExportDownloadView(OrderExportMixin, View):
    def get(self, request, pk):
        job = self.get_job(with_file=True)
        if job.status != OrderExport.Status.READY:
            raise Http404("This export has no file (not ready, failed or expired).")
        response = HttpResponse(bytes(job.content), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{job.filename}"'
        return response
