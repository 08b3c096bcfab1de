"""Operators look at SKUs, links, uploads, fulfilment and stock here; sellers use SKU Management and QFC the
warehouse pages. Every page is view-only: the services keep codes, stock, reservations and pushes consistent
(a quantity or state typed in here would not be booked as a movement, nor pushed, nor undone)."""

from django.contrib import admin

from core.admin import NEWEST_FIRST, ViewOnlyAdmin, ViewOnlyInline
from inventory.models import (
    FulfilmentLine,
    FulfilmentOrder,
    OptionSku,
    SiteOptionLink,
    Sku,
    SkuImport,
    StockMovement,
    StockPush,
    StockSyncRun,
)


class OptionSkuInline(ViewOnlyInline):
    model = OptionSku
    show_change_link = True
    fields = ("code", "option_values", "barcode", "is_active", "on_hand", "reserved")
    readonly_fields = fields


@admin.register(Sku)
class SkuAdmin(ViewOnlyAdmin):
    list_display = ("name", "code", "kind", "seller", "is_active", "updated_at")
    list_filter = ("kind", "is_active")
    list_select_related = ("seller",)
    search_fields = ("name", "code", "options__code")
    inlines = [OptionSkuInline]
    show_full_result_count = False


@admin.register(OptionSku)
class OptionSkuAdmin(ViewOnlyAdmin):
    list_display = ("code", "option_values", "sku", "seller", "is_active", "on_hand", "reserved")
    list_filter = ("is_active",)
    list_select_related = ("sku", "seller")
    search_fields = ("code", "barcode", "sku__name")
    show_full_result_count = False


@admin.register(SiteOptionLink)
class SiteOptionLinkAdmin(ViewOnlyAdmin):
    list_display = ("option", "account", "status", "site_product_id", "site_option_id", "source", "checked_at")
    list_filter = ("status", "source", "site")
    search_fields = ("option__code", "site_product_id", "site_option_id")


@admin.register(SkuImport)
class SkuImportAdmin(ViewOnlyAdmin):
    list_display = ("filename", "seller", "status", "rows_total", "error_rows", "created_at", "finished_at")
    list_filter = ("status",)
    list_select_related = ("seller",)
    exclude = ("content",)
    ordering = NEWEST_FIRST

    def get_queryset(self, request):
        # Neither the file nor the problems found in it (one per row of the file, read on the page of one upload).
        return super().get_queryset(request).defer("content", "errors")


class FulfilmentLineInline(ViewOnlyInline):
    model = FulfilmentLine
    fields = ("order_line", "option", "quantity", "reserved", "shipped_quantity", "cancelled_quantity")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("order_line", "option")


@admin.register(FulfilmentOrder)
class FulfilmentOrderAdmin(ViewOnlyAdmin):
    list_display = ("__str__", "seller", "state", "short", "flagged", "created_at")
    list_filter = ("state", "short", "flagged")
    list_select_related = ("seller",)
    ordering = ("pk",)  # oldest first, as the model's (created_at, id)
    inlines = [FulfilmentLineInline]


@admin.register(StockMovement)
class StockMovementAdmin(ViewOnlyAdmin):
    list_display = ("created_at", "seller", "option", "kind", "quantity", "reserved_delta", "reason")
    list_filter = ("kind",)
    list_select_related = ("seller", "option")


@admin.register(StockPush)
class StockPushAdmin(ViewOnlyAdmin):
    list_display = ("option", "account", "state", "dirty", "pushed_quantity", "site_status", "code", "failures",
                    "updated_at")
    list_filter = ("state", "dirty", "site_status")
    list_select_related = ("option", "account")
    search_fields = ("option__code", "site_product_id", "site_option_id")
    show_full_result_count = False


@admin.register(StockSyncRun)
class StockSyncRunAdmin(ViewOnlyAdmin):
    list_display = ("started_at", "account", "trigger", "full", "status", "checked", "pushed", "failed", "skipped",
                    "waiting", "calls", "error_code")
    list_filter = ("status", "trigger", "full")
    list_select_related = ("account",)
    ordering = NEWEST_FIRST
