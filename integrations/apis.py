from django.http import Http404
from rest_framework import serializers
from rest_framework.generics import ListAPIView, RetrieveAPIView

from integrations.models import SalesSiteAccount
from integrations.selectors import account_get, account_list
from sellers.permissions import request_seller


class AccountOutputSerializer(serializers.ModelSerializer):
    masked_api_key = serializers.CharField(read_only=True)

    class Meta:
        model = SalesSiteAccount
        fields = [
            "id", "site", "shop_id", "account_number", "masked_api_key",
            "auto_order_integration", "auto_order_confirmation", "auto_fulfillment", "auto_stock_sync",
            "is_active", "connection_status", "connection_checked_at", "connection_message",
            "supplier_number", "supplier_name", "last_synced_at",
        ]


class AccountListApi(ListAPIView):
    serializer_class = AccountOutputSerializer

    def get_queryset(self):
        return account_list(seller=request_seller(self.request))


class AccountDetailApi(RetrieveAPIView):
    serializer_class = AccountOutputSerializer

    def get_object(self):
        try:
            return account_get(seller=request_seller(self.request), account_id=self.kwargs["pk"])
        except SalesSiteAccount.DoesNotExist as exc:
            raise Http404 from exc
