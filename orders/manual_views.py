"""Pages for manual shipping orders: enter one by hand, upload many from Excel, download the template."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views import View

from core.submissions import once_per_submission
from orders.manual_forms import ManualImportForm, ManualItemFormSet, ManualOrderEntry
from orders.models import Order
from orders.services.manual import (
    COLUMNS,
    MAX_IMPORT_ROWS,
    manual_order_create,
    manual_orders_import,
    manual_orders_template,
)
from sellers.mixins import SellerRequiredMixin

TEMPLATE_NAME = "smartship-manual-orders.xlsx"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REPORT_LIMIT = 300  # rows of the error report shown on the page; the count says how many there are


def order_url(order: Order) -> str:
    """The order's page once the Orders pages have one; the Orders list until then."""
    try:
        return reverse("orders:order-detail", kwargs={"pk": order.pk})
    except NoReverseMatch:
        return reverse("orders:order-list")

# Whether new shipping orders are sent at once depends on their accounts' options (and they may have none):
# the upload's rows may differ, so its message gives the rule.
_TO_WAREHOUSE = ("It goes to the warehouse by itself when its sales-site account has Automatic Fulfillment Shipping "
                 "Instructions on; otherwise send it from Inventory ▸ Send to fulfilment.")


def to_warehouse(order: Order) -> str:
    """How this one new shipping order reaches the warehouse: the case that applies, not the rule."""
    account = order.account
    if account is None:
        return "It has no sales-site account: send it to the warehouse from Inventory ▸ Send to fulfilment."
    if account.auto_fulfillment:
        return (f"{account.shop_id} has Automatic Fulfillment Shipping Instructions on: it goes to the warehouse by "
                "itself once it is ready; its timeline below says when, or what it waits for.")
    return (f"{account.shop_id} has Automatic Fulfillment Shipping Instructions off: send it to the warehouse from "
            "Inventory ▸ Send to fulfilment.")


class ManualOrderCreateView(SellerRequiredMixin, View):
    template_name = "orders/manual_form.html"

    def render_entry(self, request, entry: ManualOrderEntry):
        return render(request, self.template_name, {
            "entry": entry, "form": entry.form, "items": entry.items,
            "empty_item": ManualItemFormSet(prefix="items").empty_form,
        })

    def get(self, request):
        return self.render_entry(request, ManualOrderEntry(seller=self.seller))

    @once_per_submission
    def post(self, request):
        entry = ManualOrderEntry(request.POST, seller=self.seller)
        if entry.is_valid():
            try:
                order = manual_order_create(seller=self.seller, actor=request.user, via="form", **entry.service_kwargs())
            except ValidationError as exc:  # e.g. the same sales site order number saved a moment ago
                entry.add_service_errors(exc)
            else:
                items = order.lines.count()
                messages.success(
                    request,
                    f"Shipping order {order.order_no} created for {order.recipient_name}: {items} item(s), "
                    f"{order.total_quantity} pcs. {to_warehouse(order)}",
                )
                return redirect(order_url(order))
        return self.render_entry(request, entry)


class ManualOrderImportView(SellerRequiredMixin, View):
    template_name = "orders/manual_import.html"

    def render_page(self, request, form, report=None):
        return render(request, self.template_name, {
            "form": form, "report": report, "columns": COLUMNS, "max_rows": MAX_IMPORT_ROWS,
            "errors_shown": report.errors[:REPORT_LIMIT] if report else [],
            "errors_hidden": max(0, len(report.errors) - REPORT_LIMIT) if report else 0,
        })

    def get(self, request):
        return self.render_page(request, ManualImportForm())

    @once_per_submission
    def post(self, request):
        form = ManualImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_page(request, form)
        upload = form.cleaned_data["file"]
        try:
            report = manual_orders_import(seller=self.seller, actor=request.user, file=upload)
        except ValidationError as exc:
            for message in exc.message_dict.get("file", exc.messages):
                form.add_error("file", message)
            return self.render_page(request, form)
        if not report.ok:
            return self.render_page(request, ManualImportForm(), report)
        span = report.order_nos[0] if report.orders_created == 1 else f"{report.order_nos[0]} to {report.order_nos[-1]}"
        messages.success(
            request,
            f"Imported {upload.name}: {report.orders_created} shipping order(s) with {report.lines_created} "
            f"line(s) created ({span}). {_TO_WAREHOUSE}",
        )
        return redirect("orders:order-list")


class ManualTemplateView(SellerRequiredMixin, View):
    def get(self, request):
        response = HttpResponse(manual_orders_template(), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{TEMPLATE_NAME}"'
        return response
