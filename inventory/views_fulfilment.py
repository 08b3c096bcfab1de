"""Fulfilment pages: the QFC warehouse's list, pick list and ship page; the seller's Send to fulfilment.

Views read the request, call one service or selector, and render; the rules live in the services.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from core.exceptions import ApplicationError
from core.http import safe_next, search_text
from core.ids import ids_from
from inventory.forms_warehouse import FulfilmentFilterForm, ShipForm, TrackingForm, selected_ids
from inventory.models import FulfilmentOrder
from inventory.selectors_fulfilment import (
    TABS,
    fulfilment_counts,
    fulfilment_get,
    fulfilment_page,
    fulfilment_sellers,
    fulfilments_of_seller,
    sendable_counts,
    sendable_page,
    tab_count,
)
from inventory.services.fulfilment import (
    fulfilment_flag_clear,
    fulfilment_orders_send,
    fulfilment_pack,
    fulfilment_pick_list,
    fulfilment_ship,
    fulfilment_tracking_record,
    fulfilments_shipped_elsewhere_sync,
    fulfilments_start_picking,
)
from sellers.mixins import SellerRequiredMixin, WarehouseOperatorRequiredMixin


def _couriers(fo: FulfilmentOrder):
    """The carriers of the order's sales site (the generic list for a site without a carrier list)."""
    from waybills.selectors import default_site
    from waybills.services.couriers import couriers_for

    return couriers_for(site=fo.order.site or default_site(), account=fo.order.account)


def _not_pushed_site(fo: FulfilmentOrder) -> str:
    """The order's site name when that site takes no tracking numbers from SmartShip ("" otherwise)."""
    from waybills.selectors import order_not_pushed_site

    return order_not_pushed_site(fo.order)


class FulfilmentListView(WarehouseOperatorRequiredMixin, TemplateView):
    """QFC ▸ Fulfilment orders: every seller's, by state, oldest first; select and print a pick list."""

    template_name = "inventory/fulfilment_list.html"

    def get(self, request, *args, **kwargs):
        # Orders whose lines already left through the waybill path are closed before the list shows them.
        fulfilments_shipped_elsewhere_sync()
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        sellers = fulfilment_sellers()
        form = FulfilmentFilterForm(self.request.GET or None, sellers=sellers)
        filters = form.filters()
        page = fulfilment_page(filters=filters, page=self.request.GET.get("page"))
        query = {key: value for key, value in self.request.GET.items() if key != "page" and value}
        tab_query = {key: value for key, value in query.items() if key != "tab"}
        counts = fulfilment_counts(seller_id=filters.seller_id)
        seller_name = next((s.name for s in sellers if s.pk == filters.seller_id), "")
        return super().get_context_data(
            form=form, filters=filters, page_obj=page, fulfilments=page.object_list, query_string=urlencode(query),
            tab_label=dict(TABS).get(filters.tab, TABS[0][1]), seller_name=seller_name,
            tabs=[(key, label, tab_count(key, counts.get(key, 0))) for key, label in TABS], tab_query=urlencode(tab_query),
            **kwargs)


class PickListView(WarehouseOperatorRequiredMixin, View):
    """Print pick list: a PDF of the selected fulfilment orders grouped by option SKU (open ones start picking)."""

    def post(self, request):
        try:
            fulfilments_shipped_elsewhere_sync(fulfilment_ids=selected_ids(request.POST))
            count, pdf = fulfilment_pick_list(fulfilment_ids=selected_ids(request.POST), actor=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect(safe_next(request, request.POST.get("back"), reverse("inventory:fulfilment-list")))
        response = HttpResponse(pdf, content_type="application/pdf")
        disposition = "attachment" if request.POST.get("download") else "inline"
        response["Content-Disposition"] = f'{disposition}; filename="pick-list-{count}-orders.pdf"'
        return response


class FulfilmentDetailView(WarehouseOperatorRequiredMixin, TemplateView):
    """One fulfilment order for the warehouse: its lines and stock, Packed, Ship (carrier + tracking), flags."""

    template_name = "inventory/fulfilment_detail.html"

    def get_fulfilment(self) -> FulfilmentOrder:
        try:
            return fulfilment_get(fulfilment_id=self.kwargs["pk"])
        except FulfilmentOrder.DoesNotExist:
            raise Http404("No such fulfilment order.") from None

    def get(self, request, *args, **kwargs):
        fulfilments_shipped_elsewhere_sync(fulfilment_ids=ids_from([self.kwargs["pk"]]))  # none if out of range
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        fo = kwargs.pop("fo", None) or self.get_fulfilment()
        couriers = _couriers(fo)
        ship_form = kwargs.pop("ship_form", None) or ShipForm(couriers=couriers)
        tracking_form = kwargs.pop("tracking_form", None) or TrackingForm(couriers=couriers)
        return super().get_context_data(fo=fo, ship_form=ship_form, tracking_form=tracking_form,
                                        not_pushed_site=_not_pushed_site(fo), **kwargs)

    def post(self, request, pk):
        # Lines shipped through the waybill path are taken out first: Ship never sends them twice.
        fulfilments_shipped_elsewhere_sync(fulfilment_ids=ids_from([pk]))
        fo = self.get_fulfilment()
        action = request.POST.get("action", "")
        try:
            if action == "pick":
                fulfilments_start_picking(fulfilment_ids=[fo.pk], actor=request.user)
                messages.success(request, f"{fo.number} is being picked.")
            elif action == "pack":
                fulfilment_pack(fulfilment_id=fo.pk, actor=request.user)
                messages.success(request, f"{fo.number} is packed: ship it when the carrier takes it.")
            elif action == "flag-done":
                fulfilment_flag_clear(fulfilment_id=fo.pk, actor=request.user)
                messages.success(request, f"Flag of {fo.number} handled.")
            elif action in ("ship", "tracking"):
                return self._ship(request, fo, tracking=action == "tracking")
            else:
                raise Http404("Unknown action.")
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return redirect("inventory:fulfilment-detail", pk=fo.pk)

    def _ship(self, request, fo: FulfilmentOrder, *, tracking: bool):
        couriers = _couriers(fo)
        form = (TrackingForm if tracking else ShipForm)(request.POST, couriers=couriers)
        if not form.is_valid():
            key = "tracking_form" if tracking else "ship_form"
            return self.render_to_response(self.get_context_data(fo=fo, **{key: form}), status=400)
        courier, number = form.cleaned_data["courier"], form.cleaned_data["tracking_no"]
        confirmed = bool(number.strip()) and form.cleaned_data["short_refused"] == number.strip()
        previous = fo.tracking_no
        again = f"Check it; to record it as it is, press {'Save tracking number' if tracking else 'Ship'} again."
        try:
            if tracking:
                shipped = fulfilment_tracking_record(fulfilment_id=fo.pk, courier_code=courier, tracking_no=number,
                                                     actor=request.user, short_confirmed=confirmed, short_again=again)
            else:
                shipped = fulfilment_ship(fulfilment_id=fo.pk, courier_code=courier, tracking_no=number,
                                          actor=request.user, short_confirmed=confirmed, short_again=again)
        except ApplicationError as exc:
            if exc.code == "tracking_no_short":
                # The form remembers the number it refused: pressed again with it unchanged, it is recorded.
                form.data = form.data.copy()
                form.data["short_refused"] = number.strip()
            current = self.get_fulfilment()
            if current.is_active if not tracking else current.state == FulfilmentOrder.State.SHIPPED:
                form.add_error(None, exc.message)
                key = "tracking_form" if tracking else "ship_form"
                return self.render_to_response(self.get_context_data(fo=current, **{key: form}), status=400)
            # Changed since the page was drawn (cancelled, or shipped by another operator): the page no longer has
            # this form to show the refusal in, so it goes at the top, with the number that was not recorded.
            unrecorded = f" {number.strip()} was not recorded." if number.strip() else ""
            messages.error(request, exc.message + unrecorded)
            return redirect("inventory:fulfilment-detail", pk=fo.pk)
        manual = shipped.order.account_id is None
        elsewhere = _not_pushed_site(shipped)
        if tracking:
            note = "" if manual or elsewhere else " The sales site gets it now."
            if previous and previous != shipped.tracking_no:
                messages.success(request, f"Tracking number of {shipped.number} corrected: {shipped.courier_name} "
                                          f"{shipped.tracking_no} (was {previous}).{note}")
            else:
                messages.success(request, f"Tracking number of {shipped.number} recorded: {shipped.courier_name} "
                                          f"{shipped.tracking_no}.{note}")
        elif shipped.tracking_no:
            note = "" if manual else (
                f" Not pushed: {elsewhere} does not take tracking numbers from SmartShip; the seller enters it at "
                f"{elsewhere}." if elsewhere else " The tracking number goes to the sales site now.")
            messages.success(request, f"{shipped.number} shipped with {shipped.courier_name} {shipped.tracking_no}.{note}")
        else:
            messages.success(request, f"{shipped.number} shipped: stock booked out."
                             + ("" if manual or elsewhere else " Record the carrier's tracking number below so the "
                                "sales site shows it, unless an invoice printed in SmartShip already carries one."))
        return redirect("inventory:fulfilment-detail", pk=shipped.pk)


class SendToFulfilmentView(SellerRequiredMixin, TemplateView):
    """The seller's Send to fulfilment: confirmed orders whose lines all map (select and send), the orders
    that wait and why, and the fulfilment orders already sent."""

    template_name = "inventory/fulfilment_send.html"
    TABS = (("ready", "Ready to send"), ("waiting", "Waiting"), ("sent", "Sent"))

    def get_context_data(self, **kwargs):
        tab = self.request.GET.get("tab") if self.request.GET.get("tab") in dict(self.TABS) else "ready"
        q = search_text(self.request.GET.get("q", ""))
        accounts = list(self.seller.sales_site_accounts.all())
        context = {"tab": tab, "q": q, "counts": sendable_counts(seller=self.seller), "tabs": self.TABS,
                   "query_string": urlencode({"tab": tab, **({"q": q} if q else {})}),
                   "auto_accounts": [a for a in accounts if a.auto_fulfillment], "has_accounts": bool(accounts)}
        if tab == "sent":
            context["fulfilments"] = fulfilments_of_seller(seller=self.seller)
        else:
            page, candidates = sendable_page(seller=self.seller, ready=tab == "ready", q=q,
                                             page=self.request.GET.get("page"))
            context.update(page_obj=page, candidates=candidates)
        return super().get_context_data(**context, **kwargs)

    def post(self, request):
        try:
            created = fulfilment_orders_send(seller=self.seller, order_ids=selected_ids(request.POST), actor=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect(f"{reverse('inventory:fulfilment-send')}?tab=ready")
        count = len(created)
        messages.success(request, f"{count} order{'s' if count != 1 else ''} sent to the QFC warehouse: "
                         + ", ".join(fo.number for fo in created[:10]) + ("…" if count > 10 else "") + ".")
        return redirect(f"{reverse('inventory:fulfilment-send')}?tab=sent")
