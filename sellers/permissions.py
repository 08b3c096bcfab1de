from rest_framework.permissions import BasePermission


class IsSellerMember(BasePermission):
    """API access for signed-in users acting for a seller; every seller-owned query filters by it."""

    message = "Sign in as a user of a seller (Authorization: Token <key>) to use this API."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request_seller(request))


class IsWarehouseOperator(BasePermission):
    message = "Only QFC warehouse operators may do this."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_warehouse_operator)


def request_seller(request):
    """The seller of a DRF request (token auth runs after Django's middleware, so resolve it here)."""
    from sellers.selectors import seller_for_user

    cached = getattr(request, "_smartship_seller", None)
    if cached is None:
        cached = seller_for_user(user=request.user)
        request._smartship_seller = cached
    return cached
