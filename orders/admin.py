"""Operators look at orders here; sellers use the Orders pages. Read-mostly: the sync and services write.

The one edit left is an order's buyer and recipient details (a name, phone or address to correct before it
ships, docs/orders.md): its status, lines and timeline are the services', and an order is never added or
deleted here."""

from django.contrib import admin

from core.admin import NEWEST_FIRST, ViewOnlyAdmin, ViewOnlyInline
from integrations import registry
from orders.models import Order, OrderEvent, OrderExport, OrderLine
from orders.services.search import orders_search_refresh


class OrderLineInline(ViewOnlyInline):
    model = OrderLine
    show_change_link = True
    fields = ("line_no", "process_seq", "status", "confirm_state", "confirm_error", "product_name", "option_name",
              "seller_product_code", "seller_option_code", "quantity", "cancelled_quantity", "amount")
    readonly_fields = fields


class OrderEventInline(ViewOnlyInline):
    model = OrderEvent
    fields = ("created_at", "kind", "message", "actor", "line")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor", "line")


class SiteListFilter(admin.SimpleListFilter):
    """The sales site, by name. Django's own filter on the field lists the blank site of orders entered by hand as
    a link with no text: nothing to read on screen and no name for a screen reader."""

    title = "sales site"
    parameter_name = "site"
    NONE = "none"

    def lookups(self, request, model_admin):
        # The registered sites, not the distinct sites of every order of every seller (a scan of them all).
        return [*registry.as_choices(), (self.NONE, "None (entered by hand)")]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        return queryset.filter(site="" if value == self.NONE else value)


# What an operator may correct on an order: who bought it and where it goes. Nothing the workflow reads.
ORDER_CONTACT_FIELDS = ("orderer_name", "orderer_phone", "orderer_mobile", "orderer_email", "recipient_name",
                        "recipient_phone", "recipient_mobile", "zip_code", "address", "address_detail",
                        "delivery_message")


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ("order_no", "seller", "site", "account", "status", "needs_attention", "recipient_name",
                    "total_quantity", "total_amount", "instructed_at")
    # The instruction date as a filter (today, past 7 days, this month, this year), not a date hierarchy: the
    # hierarchy's years or months come from a DISTINCT over every order of every seller (1.4 s at 100,000 on SQLite).
    list_filter = ("status", "needs_attention", "source", SiteListFilter, ("instructed_at", admin.DateFieldListFilter))
    list_select_related = ("seller", "account")
    search_fields = ("order_no", "reference_order_no", "recipient_name")
    fields = tuple(field.name for field in Order._meta.fields if field.name not in ("id", "search_text"))
    readonly_fields = tuple(name for name in fields if name not in ORDER_CONTACT_FIELDS)
    inlines = [OrderLineInline, OrderEventInline]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False  # orders come from the sync or the Manual shipping order form, API and upload

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # An operator may correct a name or phone here: the Orders list search must find the new one.
        orders_search_refresh(order_ids=[obj.pk])


@admin.register(OrderLine)
class OrderLineAdmin(ViewOnlyAdmin):
    list_display = ("order", "line_no", "process_seq", "status", "confirm_state", "product_name", "quantity")
    list_filter = ("status", "confirm_state")
    list_select_related = ("order",)
    search_fields = ("order__order_no", "product_name", "seller_product_code", "seller_option_code")
    raw_id_fields = ("order", "seller")
    show_full_result_count = False


@admin.register(OrderEvent)
class OrderEventAdmin(ViewOnlyAdmin):
    list_display = ("created_at", "order", "kind", "message", "actor")
    list_filter = ("kind",)
    list_select_related = ("order", "actor")
    raw_id_fields = ("order", "line", "seller", "actor")
    ordering = ("pk",)  # oldest first, as the model's (created_at, id)
    show_full_result_count = False


@admin.register(OrderExport)
class OrderExportAdmin(ViewOnlyAdmin):
    list_display = ("created_at", "seller", "status", "lines_total", "size", "finished_at")
    list_filter = ("status",)
    list_select_related = ("seller",)
    exclude = ("content",)
    ordering = NEWEST_FIRST

    def get_queryset(self, request):
        return super().get_queryset(request).defer("content")  # files of up to tens of MB
