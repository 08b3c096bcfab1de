"""Operators look at accounts, syncs and API calls here. The stored key is never shown, not even encrypted."""

from django.contrib import admin

from core.admin import NEWEST_FIRST, ViewOnlyAdmin
from integrations import registry
from integrations.errors import ErrorCode
from integrations.models import AccountAlert, AccountEvent, ApiCallLog, SalesSiteAccount, SyncRun
from integrations.services import account_set_active


# The call log's filters offer what the code knows (the registered sales sites, the typed errors): Django's own
# filter on a field lists its distinct values, read from every call of the 90 days (200,000 for a big seller).
class CallSiteFilter(admin.SimpleListFilter):
    title = "sales site"
    parameter_name = "site"

    def lookups(self, request, model_admin):
        return registry.as_choices()

    def queryset(self, request, queryset):
        return queryset if self.value() is None else queryset.filter(site=self.value())


class CallErrorFilter(admin.SimpleListFilter):
    title = "error"
    parameter_name = "error"
    NONE = "none"

    def lookups(self, request, model_admin):
        return [(self.NONE, "None"), *((code.value, code.value) for code in ErrorCode)]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        return queryset.filter(error="" if value == self.NONE else value)


@admin.register(SalesSiteAccount)
class SalesSiteAccountAdmin(admin.ModelAdmin):
    """Sellers register and edit accounts in the portal (form or API), where the key is checked and encrypted
    and the Account Number is kept to one seller: here an operator only looks, and may switch an account off
    (or on again) through the same service as the portal, so the account's timeline records it."""

    list_display = ("shop_id", "site", "account_number", "seller", "is_active", "connection_status", "last_synced_at")
    list_filter = ("site", "is_active", "connection_status")
    list_select_related = ("seller",)
    search_fields = ("shop_id", "account_number", "seller__name")
    fields = ("seller", "site", "shop_id", "account_number", "api_key", "api_key_saved_at", "api_key_expires_on",
              "auto_order_integration",
              "auto_order_confirmation", "auto_fulfillment", "auto_stock_sync", "is_active", "connection_status",
              "connection_checked_at", "connection_message", "supplier_number", "supplier_name", "last_synced_at",
              "orders_synced_until", "created_at", "updated_at")
    readonly_fields = tuple(name for name in fields if name != "is_active")

    @admin.display(description="API Key")
    def api_key(self, account: SalesSiteAccount) -> str:
        return account.masked_api_key

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # The seller deletes its account in the portal; here it would also take the audit trail with it.
        return False

    def save_model(self, request, obj, form, change):
        if "is_active" in form.changed_data:
            # The form has set the attribute already: the service compares with what is stored.
            stored = SalesSiteAccount.objects.get(pk=obj.pk)
            account_set_active(account=stored, active=form.cleaned_data["is_active"], actor=request.user)


@admin.register(SyncRun)
class SyncRunAdmin(ViewOnlyAdmin):
    list_display = ("queued_at", "account", "trigger", "status", "lines_seen", "lines_new", "lines_confirmed",
                    "lines_failed", "error_code")
    list_filter = ("status", "trigger")
    list_select_related = ("account",)
    raw_id_fields = ("seller", "account")


@admin.register(ApiCallLog)
class ApiCallLogAdmin(ViewOnlyAdmin):
    list_display = ("started_at", "account", "api_no", "method", "http_status", "return_code", "duration_ms", "error")
    list_filter = (CallSiteFilter, "api_no", CallErrorFilter)
    list_select_related = ("account",)
    raw_id_fields = ("seller", "account")
    show_full_result_count = False


@admin.register(AccountEvent)
class AccountEventAdmin(ViewOnlyAdmin):
    list_display = ("created_at", "account", "kind", "actor")
    list_filter = ("kind",)
    # Django's own select_related() leaves out the actor, who may be empty: a query per event without it.
    list_select_related = ("account", "actor")
    raw_id_fields = ("seller", "account", "actor")
    ordering = NEWEST_FIRST


@admin.register(AccountAlert)
class AccountAlertAdmin(ViewOnlyAdmin):
    """The alert e-mails sellers were sent (integrations/alerts.py); an empty Sent at is one the next run retries."""

    list_display = ("created_at", "account", "kind", "subject", "sent_at")
    list_filter = ("kind",)
    list_select_related = ("account",)
    raw_id_fields = ("seller", "account")
    ordering = NEWEST_FIRST
