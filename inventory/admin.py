"""Operators look at SKUs, links and uploads here; sellers use SKU Management. Writes go through the services."""

from django.contrib import admin

from inventory.models import (
    FulfilmentLine,
    FulfilmentOrder,
    OptionSku,
    SiteOptionLink,
    Sku,
    SkuImport,
    StockMovement,
)


class OptionSkuInline(admin.TabularInline):
    model = OptionSku
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ("code", "option_values", "barcode", "is_active", "on_hand", "reserved")
    readonly_fields = fields


@admin.register(Sku)
class SkuAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kind", "seller", "is_active", "updated_at")
    list_filter = ("kind", "is_active")
    list_select_related = ("seller",)
    search_fields = ("name", "code", "options__code")
    raw_id_fields = ("seller",)
    readonly_fields = ("code_key", "created_at", "updated_at")
    inlines = [OptionSkuInline]
    show_full_result_count = False


@admin.register(OptionSku)
class OptionSkuAdmin(admin.ModelAdmin):
    list_display = ("code", "option_values", "sku", "seller", "is_active", "on_hand", "reserved")
    list_filter = ("is_active",)
    list_select_related = ("sku", "seller")
    search_fields = ("code", "barcode", "sku__name")
    raw_id_fields = ("sku", "seller")
    readonly_fields = ("code_key", "on_hand", "reserved", "created_at", "updated_at")
    show_full_result_count = False


@admin.register(SiteOptionLink)
class SiteOptionLinkAdmin(admin.ModelAdmin):
    list_display = ("option", "account", "status", "site_product_id", "site_option_id", "source", "checked_at")
    list_filter = ("status", "source", "site")
    search_fields = ("option__code", "site_product_id", "site_option_id")
    raw_id_fields = ("option", "seller", "account")


@admin.register(SkuImport)
class SkuImportAdmin(admin.ModelAdmin):
    list_display = ("filename", "seller", "status", "rows_total", "error_rows", "created_at", "finished_at")
    list_filter = ("status",)
    raw_id_fields = ("seller", "created_by")
    exclude = ("content",)
    readonly_fields = [field.name for field in SkuImport._meta.fields if field.name != "content"]


class FulfilmentLineInline(admin.TabularInline):
    model = FulfilmentLine
    extra = 0
    can_delete = False
    fields = ("order_line", "option", "quantity", "reserved", "shipped_quantity", "cancelled_quantity")
    readonly_fields = fields


@admin.register(FulfilmentOrder)
class FulfilmentOrderAdmin(admin.ModelAdmin):
    """Read-only: the warehouse pages and services change fulfilment orders, so stock stays consistent."""

    list_display = ("__str__", "seller", "state", "short", "flagged", "created_at")
    list_filter = ("state", "short", "flagged")
    list_select_related = ("seller",)
    raw_id_fields = ("seller", "order")
    inlines = [FulfilmentLineInline]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(StockMovement)
class StockMovementAdmin(admin.ModelAdmin):
    list_display = ("created_at", "seller", "option", "kind", "quantity", "reserved_delta", "reason")
    list_filter = ("kind",)
    list_select_related = ("seller", "option")
    raw_id_fields = ("seller", "option")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
