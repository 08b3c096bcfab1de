from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exceptions import ApplicationError
from core.ids import ID_BOUNDS
from core.preconditions import changed_meanwhile_for_api, if_match_version, precondition_schema, with_etag
from core.schema import refusals
from core.serializers import InputSerializer, TakesNoBody
from integrations import registry
from integrations.base import Capability
from integrations.models import ApiCallLog, SalesSiteAccount, SyncRun
from integrations.selectors import account_call_log, account_get, account_list, sync_run_get, sync_run_list
from integrations.services import (
    OPTION_FIELDS,
    account_create,
    account_delete,
    account_key_expiry,
    account_set_active,
    account_test_connection,
    account_update,
    account_version,
    credentials_test,
)
from sellers.permissions import request_seller


class KeyExpirySerializer(serializers.Serializer):
    on = serializers.DateField(help_text="The date the key stops working")
    estimated = serializers.BooleanField(help_text="Counted from when the key was saved (no date was entered)")
    days_left = serializers.IntegerField(help_text="Negative once the date has passed")
    due = serializers.BooleanField(help_text="Within 30 days or passed: the pages remind the seller to renew it")


class AccountOutputSerializer(serializers.ModelSerializer):
    masked_api_key = serializers.CharField(read_only=True)
    api_key_expiry = serializers.SerializerMethodField(
        help_text="When the stored key expires; null for a site whose keys do not expire")

    class Meta:
        model = SalesSiteAccount
        fields = [
            "id", "site", "shop_id", "account_number", "masked_api_key", "api_key_saved_at", "api_key_expires_on",
            "api_key_expiry",
            "auto_order_integration", "auto_order_confirmation", "auto_fulfillment", "auto_stock_sync",
            "is_active", "connection_status", "connection_checked_at", "connection_message",
            "supplier_number", "supplier_name", "last_synced_at", "created_at", "updated_at",
        ]

    @extend_schema_field(KeyExpirySerializer(allow_null=True))
    def get_api_key_expiry(self, account) -> dict | None:
        expiry = account_key_expiry(account)
        if expiry is None:
            return None
        return {"on": expiry.on, "estimated": expiry.estimated, "days_left": expiry.days_left, "due": expiry.due}


class AccountCreateInputSerializer(InputSerializer):
    site = serializers.ChoiceField(choices=[])
    shop_id = serializers.CharField(max_length=100)
    api_key = serializers.CharField(max_length=500, write_only=True, trim_whitespace=True)
    account_number = serializers.CharField(max_length=30)
    api_key_expires_on = serializers.DateField(
        required=False, allow_null=True, default=None,
        help_text="The key's expiry date as the site shows it; omitted, a key lifetime is counted from now")
    auto_order_integration = serializers.BooleanField(default=True)
    auto_order_confirmation = serializers.BooleanField(default=True)
    auto_fulfillment = serializers.BooleanField(default=False)
    auto_stock_sync = serializers.BooleanField(default=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = registry.as_choices()


SITE_FIXED = ("The sales site of an account does not change: register an account for the other site (POST "
              "/api/v1/sales-site-accounts/) and delete or deactivate this one.")


class AccountUpdateInputSerializer(InputSerializer):
    """Checked against the account edited (``context["account"]``)."""

    read_back = frozenset(AccountOutputSerializer.Meta.fields)
    site = serializers.CharField(required=False, help_text="May be sent back as it is; a different site is "
                                 "refused (400)")
    shop_id = serializers.CharField(max_length=100, required=False)
    api_key = serializers.CharField(
        max_length=500, write_only=True, required=False, allow_blank=True,
        help_text="A new key replaces the stored one; omit it (or send an empty string) to keep the stored key.",
    )
    account_number = serializers.CharField(max_length=30, required=False)
    api_key_expires_on = serializers.DateField(
        required=False, allow_null=True,
        help_text="The key's expiry date; null counts a key lifetime from when the key was saved. Omitted, the date "
                  "stays, unless a new api_key is sent: then the old key's date is dropped")
    auto_order_integration = serializers.BooleanField(required=False)
    auto_order_confirmation = serializers.BooleanField(required=False)
    auto_fulfillment = serializers.BooleanField(required=False)
    auto_stock_sync = serializers.BooleanField(required=False)
    is_active = serializers.BooleanField(required=False)

    def validate(self, attrs):
        if attrs.pop("site", self.context["account"].site) != self.context["account"].site:
            raise serializers.ValidationError({"site": SITE_FIXED})
        return attrs


class ConnectionOutcomeSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    message = serializers.CharField()
    code = serializers.CharField(help_text="Empty on success; otherwise unauthorized, forbidden, account_mismatch, "
                                 "already_registered, timeout, host_unreachable, ...")
    checked_at = serializers.DateTimeField()
    supplier_number = serializers.CharField()
    supplier_name = serializers.CharField()
    server_ips = serializers.ListField(child=serializers.CharField())


class CredentialsTestInputSerializer(InputSerializer):
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


class SyncRunOutputSerializer(serializers.ModelSerializer):
    site = serializers.CharField(source="account.site", read_only=True)
    shop_id = serializers.CharField(source="account.shop_id", read_only=True)
    finished = serializers.BooleanField(
        read_only=True, help_text="False while the run is queued or running: poll GET /api/v1/sync-runs/{id}/ "
        "until it is true.")
    progress_percent = serializers.IntegerField(
        read_only=True, help_text="windows_done of windows_total, 0-100 (100 once finished).")

    class Meta:
        model = SyncRun
        fields = [
            "id", "account", "site", "shop_id", "trigger", "status", "finished", "queued_at", "started_at",
            "finished_at", "window_start", "window_end", "windows_total", "windows_done", "progress_percent",
            "lines_seen", "lines_new", "lines_updated", "lines_confirmed", "lines_confirmed_elsewhere",
            "lines_failed", "lines_cancelled", "lines_held", "error_code", "error_message",
        ]
        extra_kwargs = {
            "window_start": {"help_text": "Start of the time range the sync reads (set when it starts)"},
            "window_end": {"help_text": "End of the time range the sync reads"},
            "windows_total": {"help_text": "Windows (LotteON: KST days) the sync expects to read; may grow"},
            "windows_done": {"help_text": "Windows read so far"},
            "lines_confirmed_elsewhere": {
                "help_text": "New lines found already confirmed at the sales site (by another tool)"},
            "lines_held": {"help_text": "Lines a buyer's cancellation request, first read by this run, put on hold"},
            "status": {"help_text": "`limited`: the sales site limited requests (429) and the sync stopped safely; "
                       "the next sync resumes (several in a row end `failed`)"},
            "error_code": {"help_text": "Empty unless the run failed, finished with errors or was limited "
                           "(`rate_limited`)"},
        }


class SyncRunFilterInputSerializer(serializers.Serializer):
    account = serializers.IntegerField(required=False, **ID_BOUNDS, help_text="A sales-site account id of yours.")
    status = serializers.ChoiceField(choices=SyncRun.Status.choices, required=False)
    trigger = serializers.ChoiceField(choices=SyncRun.Trigger.choices, required=False,
                                      help_text="`manual` is Sync now (the page or the API).")

    def validate_account(self, value: int) -> int:
        if value not in self.context["account_ids"]:
            raise serializers.ValidationError("Not one of your sales-site accounts.")
        return value


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


# The optional precondition of PATCH /sales-site-accounts/{id}/ (core.preconditions; docs/api.md, "Editing what a
# colleague may edit too"): the ETag is account_version, what the Edit form writes.
ACCOUNT_ETAG, ACCOUNT_IF_MATCH, ACCOUNT_CHANGED_MEANWHILE = precondition_schema(
    what="account", version_of="Shop ID, Account Number, the four options, the key's expiry date and whether the API Key was replaced; not "
    "is_active nor the connection status", unsaved="nothing is saved (not is_active either)")


class AccountDetailApi(TakesNoBody, APIView):
    no_body_methods = ("DELETE",)

    @extend_schema(responses=AccountOutputSerializer, parameters=[ACCOUNT_ETAG])
    def get(self, request, pk: int):
        account = _account(request, pk)
        return with_etag(Response(AccountOutputSerializer(account).data), account_version(account=account))

    @extend_schema(request=AccountUpdateInputSerializer,
                   responses={200: AccountOutputSerializer, **ACCOUNT_CHANGED_MEANWHILE},
                   parameters=[ACCOUNT_IF_MATCH, ACCOUNT_ETAG],
                   summary="Edit; an omitted or empty api_key keeps the stored key")
    def patch(self, request, pk: int):
        account = _account(request, pk)
        serializer = AccountUpdateInputSerializer(data=request.data, context={"account": account})
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        is_active = data.pop("is_active", None)
        options = {name: data.pop(name) for name in OPTION_FIELDS if name in data}
        try:
            account_update(
                account=account, shop_id=data.get("shop_id", account.shop_id),
                account_number=data.get("account_number", account.account_number), api_key=data.get("api_key", ""),
                actor=request.user, version=if_match_version(request, lambda: account_version(account=account)),
                **({"api_key_expires_on": data["api_key_expires_on"]} if "api_key_expires_on" in data else {}),
                **options,
            )
        except ApplicationError as exc:
            raise changed_meanwhile_for_api(exc, what="account") if exc.code == "changed_meanwhile" else exc from None
        if is_active is not None:
            account_set_active(account=account, active=is_active, actor=request.user)
        return with_etag(Response(AccountOutputSerializer(account).data), account_version(account=account))

    @extend_schema(responses={204: None, **refusals("account_busy")},
                   summary="Delete the account (its orders stay); 409 account_busy while its tracking numbers are not "
                           "settled with the sales site")
    def delete(self, request, pk: int):
        account_delete(account=_account(request, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class AccountTestConnectionApi(TakesNoBody, APIView):
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


class AccountSyncApi(TakesNoBody, APIView):
    @extend_schema(
        request=None, operation_id="sales_site_account_sync",
        responses={202: SyncRunOutputSerializer,
                   400: OpenApiResponse(description="The account's sales site has no order integration "
                                        "(`order_integration_not_supported`)."),
                   **refusals("account_inactive"),
                   404: OpenApiResponse(description="No such account of yours.")},
        summary="Sync now: queue an order sync of the account",
        description="Answers 202 with the run; follow it with GET /api/v1/sync-runs/{id}/. An account has one "
        "queued or running sync at a time: while one is pending, that run is returned as is.",
    )
    def post(self, request, pk: int):
        from orders.services.sites import site_name, site_supports
        from orders.services.sync import sync_request

        account = _account(request, pk)
        if not account.is_active:
            raise ApplicationError("This account is deactivated: activate it to sync again.", code="account_inactive")
        if not site_supports(account.site, Capability.ORDER_INTEGRATION):
            raise ApplicationError(
                f"{site_name(account.site)} does not offer order integration: there is nothing to sync.",
                code="order_integration_not_supported")
        run = sync_request(account=account, trigger=SyncRun.Trigger.MANUAL)
        run.refresh_from_db()  # a fast worker may have started or finished it already
        return Response(SyncRunOutputSerializer(run).data, status=status.HTTP_202_ACCEPTED)


@extend_schema(parameters=[SyncRunFilterInputSerializer], summary="The seller's order sync runs, newest first")
class SyncRunListApi(ListAPIView):
    serializer_class = SyncRunOutputSerializer
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular only wants the model
            return SyncRun.objects.none()
        seller = request_seller(self.request)
        params = SyncRunFilterInputSerializer(
            data=self.request.query_params,
            context={"account_ids": set(account_list(seller=seller).values_list("id", flat=True))},
        )
        params.is_valid(raise_exception=True)
        data = params.validated_data
        return sync_run_list(seller=seller, account_id=data.get("account"), status=data.get("status", ""),
                             trigger=data.get("trigger", ""))


class SyncRunDetailApi(APIView):
    @extend_schema(responses=SyncRunOutputSerializer, summary="One sync run with its progress, counts and error")
    def get(self, request, pk: int):
        try:
            run = sync_run_get(seller=request_seller(request), run_id=pk)
        except SyncRun.DoesNotExist:
            raise Http404 from None
        return Response(SyncRunOutputSerializer(run).data)
