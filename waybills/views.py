from __future__ import annotations

import tempfile
from urllib.parse import urlsplit

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views import View
from django.views.generic import TemplateView

from core.exceptions import ApplicationError, application_error_status
from core.http import safe_next
from core.ids import id_or_none, ids_from
from integrations.selectors import account_list
from orders.models import Order
from sellers.mixins import SellerRequiredMixin, WarehouseOperatorRequiredMixin
from waybills import selectors
from waybills.forms import PrintFilterForm, PrintForm, PushActionForm, ReceiveForm
from waybills.labels.pdf import pdf_render
from waybills.labels.zpl import zpl_render
from waybills.models import PrintBatch, TrackingPush, Waybill, WaybillKind
from waybills.services.couriers import couriers_for
from waybills.services.printing import MAX_BATCH, waybill_set_aside, waybills_print
from waybills.services.push import pushes_correct, pushes_dismiss, pushes_retry
from waybills.services.receiving import invoice_replaced, packing_label_check, packing_receive

PAGE_SIZE = 100
SPOOL_BYTES = 8 * 1024 * 1024  # a bigger PDF goes to a temporary file instead of memory


class PrintView(SellerRequiredMixin, TemplateView):
    """Waybill ▸ Print Waybill: orders ready to ship, filters like the Orders list, print the selection."""

    template_name = "waybills/print.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        accounts = account_list(seller=self.seller)
        form = PrintFilterForm(self.request.GET, accounts=accounts)
        kind = form.selected_kind()
        filters = form.filters()
        invalid = form.selection_invalid()
        # A filter that cannot be applied lists nothing, not the orders it would have narrowed (as on Orders).
        orders = [] if invalid else selectors.printable_orders(seller=self.seller, filters=filters, kind=kind)
        page = Paginator(orders, PAGE_SIZE).get_page(self.request.GET.get("page"))
        rows = []
        failing = selectors.orders_push_failing(seller=self.seller, order_ids=[o.pk for o in page.object_list])
        for order in page.object_list:
            waybills = {w.kind: w for w in order.waybills.all()}
            rows.append({"order": order, "waybill": waybills.get(kind), "other": waybills.get(
                WaybillKind.PACKING if kind == WaybillKind.INVOICE else WaybillKind.INVOICE),
                "lines": list(order.lines.all()),
                # The buyer asked to cancel: printing is refused until the seller answers, so it is not selectable
                # (one such order in a Select all would refuse the whole batch).
                "held": any(line.on_hold for line in order.lines.all()),
                         "push_failed": order.pk in failing,
                         "manual": order.account_id is None or order.source == Order.Source.MANUAL,
                         "not_pushed_site": selectors.order_not_pushed_site(order)})
        query = self.request.GET.copy()
        query.pop("page", None)
        query.pop("batch", None)
        # A refused print comes back with what was ticked, so pressing Print again after the fix is one click.
        kept = set(ids_from(self.request.GET.get("selected", "").split(",")))
        query.pop("selected", None)
        for row in rows:
            row["selected"] = row["order"].pk in kept and not row["held"]
        batch = None
        if batch_id := id_or_none(self.request.GET.get("batch")):
            batch = PrintBatch.objects.filter(seller=self.seller, pk=batch_id).first()
        context.update(
            form=form, kind=kind, kinds=WaybillKind.choices, papers=PrintBatch.Paper.choices, rows=rows,
            page_obj=page, query_string=query.urlencode(), filters=filters, batch=batch,
            # Print all: every order the filters match, not only this page's (held ones are left out).
            matching=(0 if invalid or page.paginator.num_pages < 2 else
                      selectors.printable_orders_ids(seller=self.seller, filters=filters, kind=kind, count_only=True)),
            max_batch=MAX_BATCH,
            recent=selectors.batches_recent(seller=self.seller),
            narrowed=bool(filters.account_id or filters.manual or filters.printed or filters.date_from
                          or filters.date_to or filters.q),
            filters_invalid=invalid,
            # Clear filters leaves what is printed alone: a packing-label list stays one.
            clear_url=reverse("waybills:print") + ("" if kind == WaybillKind.INVOICE else f"?{urlencode({'kind': kind})}"),
            kind_tabs=[{"value": value, "label": label, "active": value == kind,
                        "query": urlencode({**{k: v for k, v in query.items() if k != "kind"}, "kind": value})}
                       for value, label in WaybillKind.choices],
        )
        return context

    def post(self, request):
        every = request.POST.get("scope") == "all"
        form = PrintForm(request.POST, every=every)
        back = safe_next(request, request.POST.get("next"), reverse("waybills:print"))
        if not form.is_valid():
            messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
            return redirect(back)
        order_ids = form.cleaned_data["order_ids"]
        try:
            if every:
                order_ids = self._every_matching(back, form)
            batch = waybills_print(seller_id=self.seller.pk, order_ids=order_ids,
                                   kind=form.cleaned_data["kind"], paper=form.cleaned_data["paper"],
                                   actor=request.user, other_kind_confirmed=form.cleaned_data["other_kind_confirmed"])
        except ApplicationError as exc:
            if exc.code == "other_label":
                # Two labels for one order: the seller says so explicitly (docs/waybills.md, "One path per order").
                return render(request, "waybills/print_confirm.html", {
                    # Print all's orders as they were counted: the confirmation prints exactly those.
                    "message": exc.message, "form": form, "back": back, "order_ids": order_ids,
                    "kind_name": "invoices" if form.cleaned_data["kind"] == WaybillKind.INVOICE else "packing labels",
                }, status=409)
            messages.error(request, exc.message)
            if not every:
                return redirect(_with_query(back, selected=",".join(map(str, order_ids))))
            return redirect(back)
        reprints = len(batch.reprint_ids)
        what = "invoice" if batch.kind == WaybillKind.INVOICE else "packing label"
        text = f"{batch.label_count} {what}{'s' if batch.label_count != 1 else ''} ready to download"
        if reprints:
            text += f" ({reprints} reprinted with the same number{'s' if reprints != 1 else ''})"
        messages.success(request, text + "." + _not_pushed_note(batch))
        return redirect(_with_query(back, batch=batch.pk))

    def _every_matching(self, back: str, form: PrintForm) -> list[int]:
        """The orders the list's filters (carried in ``back``) match now, held ones left out: the same the page
        counted, or a refusal when the count changed since (new orders arrived, some were printed elsewhere), so
        nothing the seller did not see on Print all's button is printed."""
        filter_form = PrintFilterForm(QueryDict(urlsplit(back).query), accounts=account_list(seller=self.seller))
        if filter_form.selection_invalid():
            raise ApplicationError("The list's filters cannot be applied: fix them, then print.", code="invalid")
        ids = selectors.printable_orders_ids(seller=self.seller, filters=filter_form.filters(),
                                             kind=form.cleaned_data["kind"])
        if len(ids) != form.cleaned_data["matching"]:
            raise ApplicationError(
                f"{len(ids)} orders match the filters now, not {form.cleaned_data['matching']} as when the page was "
                "drawn: nothing was printed. Check the list, then print again.", code="selection_changed")
        return ids[:MAX_BATCH]


def _with_query(url: str, **params) -> str:
    separator = "" if url.endswith(("?", "&")) else "&" if "?" in url else "?"
    return f"{url}{separator}{urlencode(params)}"


def _not_pushed_note(batch: PrintBatch) -> str:
    """Invoices of orders whose site takes no tracking numbers from SmartShip: say so where they print."""
    if batch.kind != WaybillKind.INVOICE:
        return ""
    sites: dict[str, int] = {}
    for waybill in Waybill.objects.filter(seller_id=batch.seller_id, pk__in=batch.waybill_ids).select_related("order"):
        if name := selectors.order_not_pushed_site(waybill.order):
            sites[name] = sites.get(name, 0) + 1
    return "".join(
        f" {count} of them {'is' if count == 1 else 'are'} for {name}, which does not take tracking numbers from "
        f"SmartShip: marked shipped here; enter {'its number' if count == 1 else 'their numbers'} at {name} "
        "(each order's timeline shows the number)." for name, count in sites.items())


class BatchDownloadView(SellerRequiredMixin, View):
    """The labels of a batch as a PDF (100×150 mm or A4) or ZPL, generated on the fly in one pass."""

    def get(self, request, pk: int):
        try:
            batch = selectors.batch_get(seller=self.seller, batch_id=pk)
        except PrintBatch.DoesNotExist:
            raise Http404("No such print batch.") from None
        paper = request.GET.get("paper") or batch.paper
        if paper not in PrintBatch.Paper.values:
            raise Http404("Unknown label format.")
        return label_response(batch, paper)


def label_response(batch: PrintBatch, paper: str):
    stamp = timezone.localtime(batch.created_at).strftime("%Y%m%d-%H%M")
    name = f"{'invoices' if batch.kind == WaybillKind.INVOICE else 'packing-labels'}-{stamp}-batch{batch.pk}"
    labels = selectors.batch_labels(batch=batch)
    if paper == PrintBatch.Paper.ZPL:
        response = StreamingHttpResponse(zpl_render(labels), content_type="text/plain; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.zpl"'
        return response
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (FileResponse closes it)
    pdf_render(labels, spool, paper=paper, title=f"SmartShip {name}")
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=f"{name}{'-a4' if paper == 'a4' else ''}.pdf",
                        content_type="application/pdf")


class PushFailuresView(SellerRequiredMixin, TemplateView):
    """Waybill ▸ Tracking push failures: what the sales site refused or could not settle, with actions."""

    template_name = "waybills/push_failures.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = Paginator(selectors.push_failures(seller=self.seller), PAGE_SIZE).get_page(self.request.GET.get("page"))
        blocked = selectors.accounts_blocked(seller=self.seller)
        context.update(page_obj=page, pushes=page.object_list, State=TrackingPush.State,
                       failed_count=len(selectors.pushes_failed_ids(seller=self.seller)),
                       not_pushed=selectors.pushes_not_pushed_recent(seller=self.seller),
                       blocked=blocked, blocked_account_ids={b.account.pk for b in blocked},
                       deactivated_account_ids={b.account.pk for b in blocked if b.deactivated})
        return context

    def post(self, request):
        back = safe_next(request, request.POST.get("next"), reverse("waybills:push-failures"))
        if request.POST.get("action") == "retry_all":
            return self._retry_all(request, back)
        form = PushActionForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
            return redirect(back)
        action, ids = form.cleaned_data["action"], form.cleaned_data["push_ids"]
        try:
            if action == "retry":
                count = pushes_retry(seller_id=self.seller.pk, push_ids=ids, actor=request.user).retried
                messages.success(request, f"{count} tracking number{'s' if count != 1 else ''} will be sent again "
                                          "in a moment.")
            elif action == "correct":
                # All selected rows or none: a refused one undoes the others.
                pushes_correct(seller_id=self.seller.pk, push_ids=ids, actor=request.user)
                messages.success(request, f"{_count(ids, 'correction')} (invoice number change) will be sent in a "
                                          "moment.")
            else:
                dismissed = pushes_dismiss(seller_id=self.seller.pk, push_ids=ids, actor=request.user)
                kept = sum(1 for push in dismissed if push.site_tracking_no)
                text = f"Dismissed {_count(ids, 'tracking push', 'es')}: SmartShip stops sending {'it' if len(ids) == 1 else 'them'}."
                if kept:
                    text += (f" {_count(range(kept), 'line')} shipped with the number the sales site holds, which "
                             "stays.")
                messages.success(request, text)
        except ApplicationError as exc:
            if exc.code == "not_found":
                raise Http404(exc.message) from None
            messages.error(request, exc.message)
        return redirect(back)


    def _retry_all(self, request, back: str):
        """Every refused number of the seller, not only this page's: after the cause is fixed (a product's
        state, a courier code at the site), a multi-line order would otherwise take one Retry per line."""
        ids = selectors.pushes_failed_ids(seller=self.seller)
        if not ids:
            messages.info(request, "No tracking number is refused at the moment: nothing to retry.")
            return redirect(back)
        try:
            count, held = pushes_retry(seller_id=self.seller.pk, push_ids=ids, actor=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"{_count(range(count), 'tracking number')} will be sent again in a moment."
                             + (f" {_count(range(held), 'line')} on hold or cancelled by the buyer "
                                f"{'is' if held == 1 else 'are'} not sent." if held else ""))
        return redirect(back)


def _count(items, noun: str, plural: str = "s") -> str:
    n = len(items)
    return f"{n} {noun}{plural if n != 1 else ''}"


class OrderTrackingView(SellerRequiredMixin, TemplateView):
    """An order's waybills and the push of each line's tracking number (linked from the failures list)."""

    template_name = "waybills/order_tracking.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        try:
            order = selectors.order_get(seller=self.seller, order_id=kwargs["pk"])
        except Order.DoesNotExist:
            raise Http404("No such order.") from None
        context.update(order=order, waybills=list(order.waybills.all()),
                       not_pushed_site=selectors.order_not_pushed_site(order),
                       pushes=selectors.pushes_of_order(seller=self.seller, order_id=order.pk), State=TrackingPush.State)
        return context


class WaybillSetAsideView(SellerRequiredMixin, View):
    """Parcel set aside: the order was cancelled after its label was printed and the seller stopped the parcel."""

    def post(self, request, pk: int):
        waybill_id = id_or_none(pk)
        waybill = Waybill.objects.filter(pk=waybill_id, seller=self.seller).only("order_id").first() if waybill_id else None
        if waybill is None:
            raise Http404("No such waybill.")
        try:
            waybill = waybill_set_aside(seller_id=self.seller.pk, waybill_id=waybill.pk, actor=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"{waybill.number} set aside: order {waybill.order.order_no} no longer needs "
                                      "attention for it.")
        return redirect("waybills:order-tracking", waybill.order_id)


class ReceivingView(WarehouseOperatorRequiredMixin, TemplateView):
    """QFC receiving, built for a keyboard-wedge barcode scanner: label → carrier → tracking number."""

    template_name = "waybills/receiving.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = kwargs.get("form") or ReceiveForm()
        # The carriers of the scanned parcel's sales site (a label in the form or ?label=); before a scan, the
        # first registered site's. The scan's lookup sends the right list for the page to switch to.
        label = (form.data.get("label") if form.is_bound else self.request.GET.get("label")) or ""
        waybill = _label_or_none(label)
        site, account = (_order_site(waybill.order), waybill.order.account) if waybill else (
            selectors.default_site(), None)
        context.update(couriers=couriers_for(site=site, account=account), courier_site=site, recent=selectors.receipts_recent(),
                       form=form, result=kwargs.get("result"))
        return context

    def post(self, request):
        form = ReceiveForm(request.POST)
        wants_json = request.headers.get("Accept", "").startswith("application/json")
        status = 400
        if not form.is_valid():
            result = {"ok": False, "code": "invalid", "message": "Scan the packing label, choose the carrier and "
                      "scan its tracking number."}
        else:
            try:
                waybill = packing_receive(code=form.cleaned_data["label"], courier_code=form.cleaned_data["courier"],
                                          tracking_no=form.cleaned_data["tracking_no"], actor=request.user,
                                          short_confirmed=form.cleaned_data["short_confirmed"])
                result = {"ok": True, "code": "received", **_label_summary(waybill),
                          "message": f"Received {waybill.number}: {waybill.courier_name} {waybill.tracking_no} "
                          f"recorded for order {waybill.order.order_no}" + _push_note(waybill.order)}
            except ApplicationError as exc:
                result = {"ok": False, "code": exc.code, "message": exc.message}
                status = application_error_status(exc)
        if wants_json:
            # The same statuses as the REST API (core.exceptions); receiving.js reads ``ok``.
            return JsonResponse(result, status=200 if result["ok"] else status)
        return self.render_to_response(self.get_context_data(form=ReceiveForm() if result["ok"] else form,
                                                             result=result))


class ReceivingLookupView(WarehouseOperatorRequiredMixin, View):
    """Step one of a scan: is this a packing label we can receive? (JSON for receiving.js)"""

    def get(self, request):
        try:
            waybill = packing_label_check(code=request.GET.get("label", ""))
        except ApplicationError as exc:
            return JsonResponse({"ok": False, "code": exc.code, "message": exc.message},
                                status=application_error_status(exc))
        site = _order_site(waybill.order)
        warning = " ".join(text for text in (_cancelled_since_printing(waybill), invoice_replaced(waybill)) if text)
        return JsonResponse({"ok": True, "code": "found", **_label_summary(waybill), "warning": warning,
                             "message": f"{waybill.number}: order {waybill.order.order_no} for "
                             f"{waybill.order.recipient_name}. {warning + ' ' if warning else ''}"
                             "Now the carrier and its tracking number.",
                             "courier_site": site,
                             "couriers": [{"code": c.code, "name": c.name}
                                          for c in couriers_for(site=site, account=waybill.order.account)]})


def _order_site(order: Order) -> str:
    return order.site or selectors.default_site()


def _label_or_none(label: str) -> Waybill | None:
    if not label.strip():
        return None
    try:
        return packing_label_check(code=label)
    except ApplicationError:
        return None


def _push_note(order: Order) -> str:
    if order.source == Order.Source.MANUAL or not order.account_id:
        return " (manual order: nothing to push)."
    if name := selectors.order_not_pushed_site(order):
        return (f" (not pushed: {name} does not take tracking numbers from SmartShip; the seller enters it at "
                f"{name}).")
    return " and sent to the sales site."


def _cancelled_since_printing(waybill: Waybill) -> str:
    """What the buyer cancelled after the label was printed (the label is flagged): the parcel packed from it
    holds those items, and QFC takes them out before it ships."""
    if not waybill.flagged:
        return ""
    lines = waybill.order.lines.filter(cancelled_quantity__gt=0).order_by("line_no").values_list(
        "pk", "line_no", "product_name", "option_name", "quantity", "cancelled_quantity")
    printed = waybill.printed_quantities
    items = []
    for pk, line_no, product, option, quantity, cancelled in lines:
        # In the parcel: what the label listed. A label printed before the record was kept lists no lines:
        # then every cancelled quantity is taken for one after printing, as before.
        since = printed.get(str(pk), 0) - (quantity - cancelled) if printed else cancelled
        if since > 0:
            items.append(f"{since} × {option or product} (line {line_no})")
    if not items:
        return f"⚠ {waybill.flag_reason}"
    return f"⚠ Cancelled by the buyer after this label was printed: take {', '.join(items)} out of the parcel."


def _label_summary(waybill: Waybill) -> dict:
    order = waybill.order
    # What is left to ship of each line: a partly cancelled line ships its open quantity.
    lines = [(product, option, quantity - cancelled) for product, option, quantity, cancelled in
             order.lines.exclude(status="cancelled").values_list(
                 "product_name", "option_name", "quantity", "cancelled_quantity")]
    return {
        "label": waybill.number, "order_no": order.order_no, "seller": waybill.seller.name,
        "recipient": order.recipient_name, "site": selectors.site_name(order.site) if order.site else "Manual",
        "items": [{"product": p, "option": o, "quantity": q} for p, o, q in lines],
    }
