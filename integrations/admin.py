"""Operators look at accounts, syncs and API calls here. The stored key is never shown, not even encrypted."""

from django.contrib import admin

from integrations.models import AccountEvent, ApiCallLog, SalesSiteAccount, SyncRun


@admin.register(SalesSiteAccount)
class SalesSiteAccountAdmin(admin.ModelAdmin):
    list_display = ("shop_id", "site", "account_number", "seller", "is_active", "connection_status", "last_synced_at")
    list_filter = ("site", "is_active", "connection_status")
    list_select_related = ("seller",)
    search_fields = ("shop_id", "account_number", "seller__name")
    exclude = ("api_key_encrypted",)
    readonly_fields = ("seller", "site", "api_key_last4", "connection_status", "connection_checked_at",
                       "connection_message", "supplier_number", "supplier_name", "last_synced_at",
                       "orders_synced_until", "created_at", "updated_at")


@admin.register(SyncRun)
class SyncRunAdmin(admin.ModelAdmin):
    list_display = ("queued_at", "account", "trigger", "status", "lines_seen", "lines_new", "lines_confirmed",
                    "lines_failed", "error_code")
    list_filter = ("status", "trigger")
    list_select_related = ("account",)
    raw_id_fields = ("seller", "account")

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ApiCallLog)
class ApiCallLogAdmin(admin.ModelAdmin):
    list_display = ("started_at", "account", "api_no", "method", "http_status", "return_code", "duration_ms", "error")
    list_filter = ("site", "api_no", "error")
    list_select_related = ("account",)
    raw_id_fields = ("seller", "account")
    show_full_result_count = False

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(AccountEvent)
class AccountEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "account", "kind", "actor")
    list_filter = ("kind",)
    raw_id_fields = ("seller", "account", "actor")

    def has_change_permission(self, request, obj=None):
        return False
