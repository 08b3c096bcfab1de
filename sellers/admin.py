from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy

from sellers.models import ApiToken, Membership, Seller, User


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


# DRF's token admin lists every API token in full (and names it by its key in titles and the admin log), and
# adds tokens for any user. A token is a password: users get theirs from POST /api/v1/auth/token/; here an
# operator sees whose tokens exist, masked, and revokes one (Delete).
admin.site.unregister(TokenProxy)


@admin.register(ApiToken)
class ApiTokenAdmin(TokenAdmin):
    list_display = ("masked_key", "user", "created")
    fields = ("user", "masked_key", "created")
    readonly_fields = fields

    @admin.display(description="Key")
    def masked_key(self, token: ApiToken) -> str:
        return "••••••••" + token.key[-4:]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
