from django.contrib import admin

from waybills.models import Courier, NumberCounter, PrintBatch, TrackingPush, Waybill


@admin.register(Waybill)
class WaybillAdmin(admin.ModelAdmin):
    list_display = ("number", "kind", "seller", "order", "status", "courier_name", "tracking_no", "flagged",
                    "print_count", "last_printed_at")
    list_filter = ("kind", "status", "flagged")
    search_fields = ("number", "tracking_no", "order__order_no")
    raw_id_fields = ("order", "printed_by", "received_by")


@admin.register(TrackingPush)
class TrackingPushAdmin(admin.ModelAdmin):
    list_display = ("id", "seller", "order", "line", "kind", "state", "courier_code", "tracking_no", "attempts",
                    "last_code", "updated_at")
    list_filter = ("state", "kind", "origin")
    search_fields = ("tracking_no", "order__order_no")
    raw_id_fields = ("order", "line", "waybill", "created_by")


@admin.register(PrintBatch)
class PrintBatchAdmin(admin.ModelAdmin):
    list_display = ("id", "seller", "kind", "paper", "label_count", "created_by", "created_at")


@admin.register(Courier)
class CourierAdmin(admin.ModelAdmin):
    list_display = ("site", "code", "name", "sort", "fetched_at")
    list_filter = ("site",)


@admin.register(NumberCounter)
class NumberCounterAdmin(admin.ModelAdmin):
    list_display = ("name", "last_value")

    # A counter that went back (or was deleted and created again) would issue numbers twice.
    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
