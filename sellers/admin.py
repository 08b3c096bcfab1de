from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from sellers.models import Membership, Seller, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(User)
class SmartshipUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("SmartShip", {"fields": ("is_warehouse_operator",)}))
    list_display = ("username", "email", "is_warehouse_operator", "is_staff", "is_active")
    list_filter = ("is_warehouse_operator", "is_staff", "is_active")


@admin.register(Seller)
class SellerAdmin(admin.ModelAdmin):
    list_display = ("name", "is_active", "created_at")
    search_fields = ("name",)
    inlines = [MembershipInline]
