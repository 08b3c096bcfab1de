from django.core.exceptions import PermissionDenied


class SellerRequiredMixin:
    """Views of seller data: the signed-in user must act for a seller; querysets filter by ``self.seller``."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.seller:
            raise PermissionDenied("This page belongs to a seller; your user is not a member of one.")
        self.seller = request.seller
        return super().dispatch(request, *args, **kwargs)


class WarehouseOperatorRequiredMixin:
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.is_warehouse_operator:
            raise PermissionDenied("Only QFC warehouse operators may open this page.")
        return super().dispatch(request, *args, **kwargs)
