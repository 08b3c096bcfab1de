"""SKU Management pages, the Excel upload with its progress and report, and Needs mapping.

Views read the request, call one selector or service, and render; the rules live in the services.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from core.exceptions import ApplicationError
from core.http import safe_next, search_text
from core.ids import ids_from
from inventory import excel
from inventory.codes import code_key
from inventory.forms import (
    OptionFormSet,
    SkuFilterForm,
    SkuForm,
    SkuImportForm,
    apply_errors,
    option_inputs,
    option_row_numbers,
)
from inventory.models import LinkCheck, OptionSku, Sku, SkuImport, SkuKind
from inventory.selectors import (
    link_check_current,
    link_check_get,
    link_site_name,
    needs_mapping_count,
    needs_mapping_groups,
    option_sku_get,
    option_sku_search,
    options_sold_out_by_sync,
    sku_counts,
    sku_detail,
    sku_export_rows,
    sku_get,
    sku_import_get,
    sku_import_list,
    sku_list_page,
    sku_recent_lines,
)
from inventory.services.imports import sku_import_create
from inventory.services.links import sku_links_check, sku_links_check_request
from inventory.services.mapping import lines_remap
from inventory.services.skus import (
    option_sku_set_code,
    sku_create,
    sku_fields_validate,
    sku_set_active,
    sku_update,
    sku_version,
)
from sellers.mixins import SellerRequiredMixin

REPORT_PAGE = 100


def _mapped_note(saved) -> str:
    count = len(saved.mapping.mapped)
    return f" {count} waiting order line{'s are' if count != 1 else ' is'} now mapped." if count else ""


def _sold_out_warning(request, seller, saved) -> None:
    sold_out = options_sold_out_by_sync(seller=seller, option_ids=[o.pk for o in saved.sku.options.all()])
    if sold_out.options:
        messages.warning(request, sold_out.sentence(of="this SKU"))


def _safe_next(request, default: str) -> str:
    return safe_next(request, request.POST.get("next"), default)


class SkuMixin(SellerRequiredMixin):
    def get_sku(self) -> Sku:
        try:
            return sku_get(seller=self.seller, sku_id=self.kwargs["pk"])
        except Sku.DoesNotExist:
            raise Http404("No such SKU.") from None

    def get_sku_detail(self) -> Sku:
        try:
            return sku_detail(seller=self.seller, sku_id=self.kwargs["pk"])
        except Sku.DoesNotExist:
            raise Http404("No such SKU.") from None


class SkuListView(SellerRequiredMixin, TemplateView):
    template_name = "inventory/sku_list.html"

    def get_context_data(self, **kwargs):
        form = SkuFilterForm(self.request.GET or None)
        filters = form.filters()
        page = sku_list_page(seller=self.seller, filters=filters, page=self.request.GET.get("page"))
        query = {key: value for key, value in self.request.GET.items() if key != "page" and value}
        return super().get_context_data(
            form=form, filters=filters, page_obj=page, skus=page.object_list, counts=sku_counts(seller=self.seller),
            query_string=urlencode(query), waiting=needs_mapping_count(seller=self.seller),
            imports=sku_import_list(seller=self.seller, limit=3), site_name=link_site_name(seller=self.seller),
            link_check=link_check_current(seller=self.seller), **kwargs)


class SkuFormMixin(SellerRequiredMixin):
    template_name = "inventory/sku_form.html"

    def render_form(self, form, formset, sku=None, status=200, changed_meanwhile=False):
        kind = (sku.kind if sku else (form.data.get("kind") if form.is_bound else form.initial.get("kind")))
        option_errors = kind == SkuKind.MULTI and (
            any(f.errors for f in formset.forms) or bool(formset.non_form_errors())
            or bool(getattr(formset, "options_errors", None)))
        for f, number in zip(formset.forms, option_row_numbers(formset), strict=True):
            # Rows added and left empty are not shown again; the others are numbered as the page shows them,
            # the numbers the rows' messages use ("already option row 2").
            f.skip, f.number = number is None, number
        # With problems on both tabs SKU Info opens, where the first one is; Option SKU Info is marked.
        option_tab = kind == SkuKind.MULTI and not form.errors and (
            option_errors or self.request.GET.get("tab") == "options")
        return render(self.request, self.template_name, {
            "form": form, "formset": formset, "sku": sku, "kind": kind or SkuKind.SINGLE,
            "option_tab": option_tab, "option_errors": option_errors, "changed_meanwhile": changed_meanwhile,
        }, status=status)

    def posted_valid(self, form, formset, sku=None) -> bool:
        """Whether the form and every option row passed their own checks (lengths, numbers, the type).

        When they did not, the services' rules (a name, codes unique per seller, option values) are still
        checked on what did pass and their problems join the others: one submit reports every problem, not
        the rules' ones a round later. Nothing is saved either way until all of it is valid."""
        if form.is_valid() & formset.is_valid():
            return True
        kind = sku.kind if sku else form.cleaned_data.get("kind")
        if kind in SkuKind.values:
            rows, indexes = option_inputs(formset)
            data = form.cleaned_data
            try:
                sku_fields_validate(seller=self.seller, kind=kind, name=data.get("name", ""),
                                    code=data.get("code", ""), barcode=data.get("barcode", ""), options=rows,
                                    sku=sku)
            except ValidationError as exc:
                apply_errors(exc, form, formset, indexes, beside_own=True)
        return False


class SkuCreateView(SkuFormMixin, View):
    def get(self, request):
        params = request.GET
        initial = {"kind": params.get("kind") if params.get("kind") in SkuKind.values else SkuKind.SINGLE,
                   "name": params.get("name", "")[:200], "code": params.get("code", "")[:100]}
        rows = [{"code": code[:100], "option_values": values[:200], "is_active": True}
                for code, values in zip(params.getlist("option_code"), params.getlist("option_values"), strict=False)]
        if not rows:
            rows = [{"is_active": True}]
        return self.render_form(SkuForm(initial=initial), OptionFormSet(prefix="options", initial=rows))

    def post(self, request):
        form = SkuForm(request.POST)
        formset = OptionFormSet(request.POST, prefix="options")
        if not self.posted_valid(form, formset):
            return self.render_form(form, formset, status=400)
        rows, indexes = option_inputs(formset)
        data = form.cleaned_data
        try:
            saved = sku_create(seller=self.seller, kind=data["kind"], name=data["name"], code=data["code"],
                               barcode=data["barcode"], options=rows, actor=request.user)
        except ValidationError as exc:
            apply_errors(exc, form, formset, indexes)
            return self.render_form(form, formset, status=400)
        messages.success(request, f"SKU {saved.sku.name} registered.{_mapped_note(saved)}")
        _sold_out_warning(request, self.seller, saved)
        return redirect("inventory:sku-detail", pk=saved.sku.pk)


class SkuUpdateView(SkuFormMixin, SkuMixin, View):
    def get(self, request, pk):
        sku = self.get_sku_detail()
        single = sku.option_list[0] if sku.is_single and sku.option_list else None
        form = SkuForm(editing=True, initial={"kind": sku.kind, "name": sku.name, "code": sku.code,
                                              "barcode": single.barcode if single else "",
                                              "version": sku_version(sku=sku)})
        rows = [{"id": o.pk, "code": o.code, "option_values": o.option_values, "barcode": o.barcode,
                 "is_active": o.is_active} for o in sku.option_list] if not sku.is_single else []
        if request.GET.get("add_code"):
            rows.append({"code": request.GET["add_code"][:100], "option_values": request.GET.get("add_values", "")[:200],
                         "is_active": True})
        formset = OptionFormSet(prefix="options", initial=rows)
        self._attach(formset, sku)
        return self.render_form(form, formset, sku)

    def _attach(self, formset, sku) -> None:
        """Each existing row shows its stock and mapped lines beside the fields."""
        options = {option.pk: option for option in getattr(sku, "option_list", [])}
        for form in formset.forms:
            form.option = options.get(form.initial.get("id") or _int(form.data.get(f"{form.prefix}-id")))

    def post(self, request, pk):
        sku = self.get_sku_detail()
        form = SkuForm(request.POST, editing=True, initial={"kind": sku.kind})
        formset = OptionFormSet(request.POST, prefix="options")
        self._attach(formset, sku)
        if not self.posted_valid(form, formset, sku):
            return self.render_form(form, formset, sku, status=400)
        rows, indexes = option_inputs(formset)
        data = form.cleaned_data
        try:
            saved = sku_update(sku=sku, name=data["name"], code=data["code"], barcode=data["barcode"], options=rows,
                               actor=request.user, version=data["version"] or None)
        except ValidationError as exc:
            apply_errors(exc, form, formset, indexes)
            return self.render_form(form, formset, sku, status=400)
        except ApplicationError as exc:
            # What they typed stays on the page to copy from; the form keeps the version it was drawn from, so
            # pressing Save again is refused again: only a reloaded page saves.
            form.add_error(None, exc.message)
            return self.render_form(form, formset, self.get_sku_detail(), status=409, changed_meanwhile=True)
        messages.success(request, f"SKU {saved.sku.name} saved.{_mapped_note(saved)}")
        _sold_out_warning(request, self.seller, saved)
        return redirect("inventory:sku-detail", pk=sku.pk)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class SkuDetailView(SkuMixin, TemplateView):
    template_name = "inventory/sku_detail.html"

    def get_context_data(self, **kwargs):
        sku = self.get_sku_detail()
        return super().get_context_data(sku=sku, lines=sku_recent_lines(seller=self.seller, sku=sku), **kwargs)


class SkuActiveView(SkuMixin, View):
    active = True

    def post(self, request, pk):
        saved = sku_set_active(sku=self.get_sku(), active=self.active, actor=request.user)
        if self.active:
            messages.success(request, f"SKU {saved.sku.name} is active again.{_mapped_note(saved)}")
        else:
            messages.warning(request, f"SKU {saved.sku.name} is deactivated: new order lines no longer map to it; lines "
                                      "already mapped keep it.")
        return redirect(_safe_next(request, reverse("inventory:sku-detail", args=[saved.sku.pk])))


class SkuLinkCheckView(SkuMixin, View):
    """Check LotteON link for one SKU, now (two or three calls to LotteON)."""

    def post(self, request, pk):
        sku = self.get_sku()
        outcome = sku_links_check(seller=self.seller, sku_ids=[sku.pk], actor=request.user, interactive=True)
        (messages.success if outcome.ok else messages.error)(request, outcome.message)
        return redirect("inventory:sku-detail", pk=sku.pk)


class SkuBulkLinkCheckView(SellerRequiredMixin, View):
    """Check LotteON link for the selected SKUs, in the background."""

    def post(self, request):
        ids = ids_from(request.POST.getlist("sku_ids"))
        back = _safe_next(request, reverse("inventory:sku-list"))
        if not ids:
            messages.error(request, "Select the SKUs to check first.")
            return redirect(back)
        if sku_links_check_request(seller=self.seller, sku_ids=ids, actor=request.user) is None:
            messages.error(request, "None of the selected SKUs was found: reload the list and select them again.")
        # The SKU list shows the check's progress, and its outcome once it has run.
        return redirect(back)


class LinkCheckProgressView(SellerRequiredMixin, View):
    def get(self, request, pk):
        try:
            job = link_check_get(seller=self.seller, job_id=pk)
        except LinkCheck.DoesNotExist:
            raise Http404("No such check.") from None
        if job.finished and request.GET.get("running"):
            # It ended while the list was on screen: load the list again, with the links it found.
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"
            return response
        return render(request, "inventory/partials/_link_check.html", {"link_check": job})


class SkuExportView(SellerRequiredMixin, View):
    def get(self, request):
        filters = SkuFilterForm(request.GET or None).filters()
        output = excel.skus_workbook(sku_export_rows(seller=self.seller, filters=filters))
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return FileResponse(output, as_attachment=True, filename=f"skus-{stamp}.xlsx",
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


class SkuTemplateView(SellerRequiredMixin, View):
    def get(self, request):
        response = HttpResponse(excel.template(),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = 'attachment; filename="smartship-sku-template.xlsx"'
        return response


class SkuImportView(SellerRequiredMixin, View):
    template_name = "inventory/sku_import.html"

    def render_page(self, form, status=200):
        return render(self.request, self.template_name, {
            "form": form, "imports": sku_import_list(seller=self.seller, limit=10),
            "max_rows": excel.MAX_ROWS, "columns": excel.COLUMNS}, status=status)

    def get(self, request):
        return self.render_page(SkuImportForm())

    def post(self, request):
        form = SkuImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_page(form, status=400)
        upload = form.cleaned_data["file"]
        try:
            job = sku_import_create(seller=self.seller, actor=request.user, filename=upload.name, content=upload.read())
        except ValidationError as exc:
            form.add_error("file", exc.message_dict.get("file", exc.messages))
            return self.render_page(form, status=400)
        return redirect("inventory:sku-import-detail", pk=job.pk)


class SkuImportMixin(SellerRequiredMixin):
    def get_job(self) -> SkuImport:
        try:
            return sku_import_get(seller=self.seller, import_id=self.kwargs["pk"])
        except SkuImport.DoesNotExist:
            raise Http404("No such upload.") from None

    def job_context(self, job: SkuImport) -> dict:
        page = Paginator(job.errors or [], REPORT_PAGE).get_page(self.request.GET.get("page")) if job.finished else None
        return {"job": job, "page_obj": page, "problems": page.object_list if page else [], "stale": job.stale}


class SkuImportDetailView(SkuImportMixin, TemplateView):
    template_name = "inventory/sku_import_detail.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**self.job_context(self.get_job()), **kwargs)


class SkuImportProgressView(SkuImportMixin, View):
    def get(self, request, pk):
        return render(request, "inventory/partials/_import_progress.html", self.job_context(self.get_job()))


class SkuImportReportView(SkuImportMixin, View):
    def get(self, request, pk):
        job = self.get_job()
        response = HttpResponse(excel.report_workbook(job.errors or []),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = f'attachment; filename="sku-upload-{job.pk}-problems.xlsx"'
        return response


class NeedsMappingView(SellerRequiredMixin, View):
    """Unmapped open order lines by seller code; ``?pick=CODE`` lists option SKUs to give that code."""

    template_name = "inventory/needs_mapping.html"

    def get(self, request):
        pick = request.GET.get("pick", "").strip()
        if pick:
            return self.render_pick(pick)
        q = search_text(request.GET.get("q", ""))
        groups = needs_mapping_groups(seller=self.seller, q=q)
        page = Paginator(groups, 50).get_page(request.GET.get("page"))
        return render(request, self.template_name, {
            "groups": page.object_list, "page_obj": page, "q": q, "total_lines": sum(g.lines for g in groups),
            "query_string": urlencode({"q": q}) if q else ""})

    def render_pick(self, code: str, error: str = "", status: int = 200):
        q = search_text(self.request.GET.get("q", ""))
        options = option_sku_search(seller=self.seller, q=q)
        group = next((g for g in needs_mapping_groups(seller=self.seller) if g.code == code), None)
        return render(self.request, "inventory/needs_mapping_pick.html", {
            "code": code, "q": q, "options": options, "group": group, "error": error}, status=status)

    def post(self, request):
        if request.POST.get("action") == "remap":
            result = lines_remap(seller_id=self.seller.pk)
            messages.success(request, f"{len(result.mapped)} waiting order line{'s' if len(result.mapped) != 1 else ''} "
                                      "mapped." if result.mapped else "No waiting line matches a SKU yet.")
            return redirect("inventory:needs-mapping")
        code = request.POST.get("code", "").strip()
        try:
            option = option_sku_get(seller=self.seller, option_id=int(request.POST.get("option_id", "")))
        except (OptionSku.DoesNotExist, ValueError):
            raise Http404("No such option SKU.") from None
        old_code, linked = option.code, option.site_links.exists()
        try:
            saved = option_sku_set_code(option=option, code=code, actor=request.user)
        except ValidationError as exc:
            return self.render_pick(code, error=" ".join(exc.messages), status=400)
        replaced = f" (was {old_code})" if old_code and code_key(old_code) != code_key(code) else ""
        unlinked = (" Its link to the sales site's listing of the old code was removed: its stock is no longer sent "
                    "there." if replaced and linked else "")
        messages.success(request, f"Option SKU of {saved.sku.name} now has the Seller defined code {code}{replaced}."
                                  f"{unlinked}{_mapped_note(saved)}")
        return redirect("inventory:needs-mapping")
