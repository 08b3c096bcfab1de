"""Operators look at waybills, print batches and the tracking outbox here; all of them view-only: a state set
back here would send a tracking number again (or never), and a label's number or flag belongs to printing
and receiving (waybills.services)."""

from django.contrib import admin

from core.admin import NEWEST_FIRST, ViewOnlyAdmin
from waybills.models import Courier, NumberCounter, PrintBatch, TrackingPush, Waybill


@admin.register(Waybill)
class WaybillAdmin(ViewOnlyAdmin):
    list_display = ("number", "kind", "seller", "order", "status", "courier_name", "tracking_no", "flagged",
                    "print_count", "last_printed_at")
    list_filter = ("kind", "status", "flagged")
    search_fields = ("number", "tracking_no", "order__order_no")


@admin.register(TrackingPush)
class TrackingPushAdmin(ViewOnlyAdmin):
    list_display = ("id", "seller", "order", "line", "kind", "state", "courier_code", "tracking_no", "attempts",
                    "last_code", "updated_at")
    list_filter = ("state", "kind", "origin")
    search_fields = ("tracking_no", "order__order_no")
    ordering = NEWEST_FIRST


@admin.register(PrintBatch)
class PrintBatchAdmin(ViewOnlyAdmin):
    list_display = ("id", "seller", "kind", "paper", "label_count", "created_by", "created_at")
    list_select_related = ("seller", "created_by")
    ordering = NEWEST_FIRST


@admin.register(Courier)
class CourierAdmin(ViewOnlyAdmin):
    """The sales site's carrier list, as last fetched from it (an edit would be overwritten by the next fetch)."""

    list_display = ("site", "code", "name", "sort", "fetched_at")
    list_filter = ("site",)


@admin.register(NumberCounter)
class NumberCounterAdmin(ViewOnlyAdmin):
    """A counter that went back (or was deleted and created again) would issue numbers twice."""

    list_display = ("name", "last_value")
