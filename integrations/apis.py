from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from integrations import registry
from integrations.models import ApiCallLog, SalesSiteAccount
from integrations.selectors import account_call_log, account_get, account_list
from integrations.services import (
    OPTION_FIELDS,
    account_create,
    account_delete,
    account_set_active,
    account_test_connection,
    account_update,
    credentials_test,
)
from sellers.permissions import request_seller


class AccountOutputSerializer(serializers.ModelSerializer):
    masked_api_key = serializers.CharField(read_only=True)

    class Meta:
        model = SalesSiteAccount
        fields = [
            "id", "site", "shop_id", "account_number", "masked_api_key",
            "auto_order_integration", "auto_order_confirmation", "auto_fulfillment", "auto_stock_sync",
            "is_active", "connection_status", "connection_checked_at", "connection_message",
            "supplier_number", "supplier_name", "last_synced_at", "created_at", "updated_at",
        ]


class AccountCreateInputSerializer(serializers.Serializer):
    site = serializers.ChoiceField(choices=[])
    shop_id = serializers.CharField(max_length=100)
    api_key = serializers.CharField(max_length=500, write_only=True, trim_whitespace=True)
    account_number = serializers.CharField(max_length=30)
    auto_order_integration = serializers.BooleanField(default=True)
    auto_order_confirmation = serializers.BooleanField(default=True)
    auto_fulfillment = serializers.BooleanField(default=False)
    auto_stock_sync = serializers.BooleanField(default=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = registry.as_choices()


class AccountUpdateInputSerializer(serializers.Serializer):
    shop_id = serializers.CharField(max_length=100, required=False)
    api_key = serializers.CharField(
        max_length=500, write_only=True, required=False, allow_blank=True,
        help_text="A new key replaces the stored one; omit it (or send an empty string) to keep the stored key.",
    )
    account_number = serializers.CharField(max_length=30, required=False)
    auto_order_integration = serializers.BooleanField(required=False)
    auto_order_confirmation = serializers.BooleanField(required=False)
    auto_fulfillment = serializers.BooleanField(required=False)
    auto_stock_sync = serializers.BooleanField(required=False)
    is_active = serializers.BooleanField(required=False)


class ConnectionOutcomeSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    message = serializers.CharField()
    code = serializers.CharField(help_text="Empty on success; otherwise unauthorized, forbidden, account_mismatch, "
                                 "timeout, host_unreachable, ...")
    checked_at = serializers.DateTimeField()
    supplier_number = serializers.CharField()
    supplier_name = serializers.CharField()
    server_ips = serializers.ListField(child=serializers.CharField())


class CredentialsTestInputSerializer(serializers.Serializer):
    site = serializers.CharField()
    shop_id = serializers.CharField(required=False, allow_blank=True, default="")
    api_key = serializers.CharField(write_only=True)
    account_number = serializers.CharField()


class CallLogSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiCallLog
        fields = ["id", "started_at", "api_no", "method", "path", "http_status", "return_code", "duration_ms",
                  "attempt", "error", "message"]


class SalesSiteSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    capabilities = serializers.ListField(child=serializers.CharField())
    account_number_help = serializers.CharField()


def _account(request, pk: int) -> SalesSiteAccount:
    try:
        return account_get(seller=request_seller(request), account_id=pk)
    except SalesSiteAccount.DoesNotExist:
        raise Http404 from None


class SalesSiteListApi(APIView):
    @extend_schema(responses=SalesSiteSerializer(many=True), summary="Supported sales sites and their capabilities")
    def get(self, request):
        data = [
            {"key": s.key, "name": s.name, "capabilities": sorted(s.capabilities),
             "account_number_help": s.account_number_help}
            for s in registry.all_sites()
        ]
        return Response(SalesSiteSerializer(data, many=True).data)


class AccountListApi(APIView):
    @extend_schema(responses=AccountOutputSerializer(many=True), summary="The seller's sales-site accounts")
    def get(self, request):
        accounts = account_list(seller=request_seller(request))
        return Response(AccountOutputSerializer(accounts, many=True).data)

    @extend_schema(request=AccountCreateInputSerializer, responses={201: AccountOutputSerializer},
                   summary="New registration")
    def post(self, request):
        serializer = AccountCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        account = account_create(seller=request_seller(request), actor=request.user, **serializer.validated_data)
        return Response(AccountOutputSerializer(account).data, status=status.HTTP_201_CREATED)


class AccountDetailApi(APIView):
    @extend_schema(responses=AccountOutputSerializer)
    def get(self, request, pk: int):
        return Response(AccountOutputSerializer(_account(request, pk)).data)

    @extend_schema(request=AccountUpdateInputSerializer, responses=AccountOutputSerializer,
                   summary="Edit; an omitted or empty api_key keeps the stored key")
    def patch(self, request, pk: int):
        account = _account(request, pk)
        serializer = AccountUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        is_active = data.pop("is_active", None)
        options = {name: data.pop(name) for name in OPTION_FIELDS if name in data}
        account_update(
            account=account, shop_id=data.get("shop_id", account.shop_id),
            account_number=data.get("account_number", account.account_number), api_key=data.get("api_key", ""),
            actor=request.user, **options,
        )
        if is_active is not None:
            account_set_active(account=account, active=is_active, actor=request.user)
        return Response(AccountOutputSerializer(account).data)

    @extend_schema(responses={204: None}, summary="Delete the account (its orders stay)")
    def delete(self, request, pk: int):
        account_delete(account=_account(request, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class AccountTestConnectionApi(APIView):
    @extend_schema(request=None, responses=ConnectionOutcomeSerializer, operation_id="sales_site_account_test_connection",
                   summary="Test Connection with the stored credentials; the result becomes the connection status")
    def post(self, request, pk: int):
        outcome = account_test_connection(account=_account(request, pk), actor=request.user)
        return Response(ConnectionOutcomeSerializer(outcome.as_dict()).data)


class CredentialsTestApi(APIView):
    @extend_schema(request=CredentialsTestInputSerializer, responses=ConnectionOutcomeSerializer,
                   operation_id="sales_site_credentials_test_connection", summary="Test Connection with credentials before registering them (nothing is stored)")
    def post(self, request):
        serializer = CredentialsTestInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            registry.get(data["site"])
        except registry.UnknownSalesSite:
            raise serializers.ValidationError({"site": ["Choose a supported sales site."]}) from None
        outcome = credentials_test(seller=request_seller(request), **data)
        return Response(ConnectionOutcomeSerializer(outcome.as_dict()).data)


class AccountCallLogApi(ListAPIView):
    serializer_class = CallLogSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ApiCallLog.objects.none()
        return account_call_log(account=_account(self.request, self.kwargs["pk"]))
