"""REST API for fulfilment orders, stock movements and Automatic Stock Qty Sync (under /api/v1/).

Seller endpoints see the signed-in seller's rows only; ``warehouse/…`` endpoints are for QFC warehouse
operators (every seller they serve), like QFC receiving.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exceptions import ApplicationError
from core.fields import UNKNOWN_ID, IdFilterField
from core.ids import ID_BOUNDS, id_or_none
from core.schema import refusals
from core.serializers import InputSerializer, TakesNoBody
from inventory.models import FulfilmentLine, FulfilmentOrder, OptionSku, StockMovement, StockPush
from inventory.selectors_fulfilment import (
    TABS,
    FulfilmentFilters,
    MovementFilters,
    fulfilment_get,
    fulfilment_list,
    movements_list,
    option_sku_for_stock,
    stock_push_failures,
)
from inventory.services.fulfilment import (
    fulfilment_flag_clear,
    fulfilment_orders_send,
    fulfilment_pack,
    fulfilment_pick_list,
    fulfilment_ship,
    fulfilments_shipped_elsewhere_sync,
    fulfilments_start_picking,
)
from inventory.services.stock import stock_adjust, stock_receive
from inventory.services.stock_sync import stock_pushes_retry, stock_sync_request
from sellers.permissions import IsWarehouseOperator, request_seller


class FulfilmentFilterInputSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=FulfilmentOrder.State.choices, required=False, allow_blank=True,
                                    help_text="Only fulfilment orders in this state; omit (or blank) for all.")


class MovementFilterInputSerializer(serializers.Serializer):
    option = IdFilterField(help_text="Only the movements of this option SKU (its id).")
    kind = serializers.ChoiceField(choices=StockMovement.Kind.choices, required=False, allow_blank=True,
                                   help_text="Only movements of this kind; omit (or blank) for all.")

    def filters(self, *, seller_id: int) -> MovementFilters:
        data = self.validated_data
        return MovementFilters(seller_id=seller_id, option_id=data.get("option") or None, kind=data.get("kind", ""))


class WarehouseFulfilmentFilterInputSerializer(serializers.Serializer):
    tab = serializers.ChoiceField(
        choices=TABS, required=False, allow_blank=True, default="active",
        help_text="active (To ship: open, picking and packed; the default), a state, or flagged (lines cancelled "
        "after picking started).")
    seller = IdFilterField(help_text="Only this seller's fulfilment orders (the seller's id).")
    q = serializers.CharField(required=False, allow_blank=True, default="",
                              help_text="Order number, recipient name or fulfilment order number (FO-000042).")

    def filters(self) -> FulfilmentFilters:
        data = self.validated_data
        return FulfilmentFilters(tab=data["tab"] or "active", seller_id=data.get("seller") or None, q=data["q"])


def _unknown_id(params: serializers.Serializer, name: str) -> bool:
    return params.validated_data.get(name) == UNKNOWN_ID


class GetListSchema(AutoSchema):
    """For a view whose GET lists a page (``pagination_class``) and whose other methods answer plain arrays."""

    def _get_paginator(self):
        return super()._get_paginator() if self.method == "GET" else None


class FulfilmentLineSerializer(serializers.ModelSerializer):
    option_code = serializers.CharField(source="option.code", help_text="The option SKU's Seller defined code")
    option_values = serializers.CharField(source="option.option_values")
    sku_name = serializers.CharField(source="option.sku.name")
    line_no = serializers.CharField(source="order_line.line_no")
    on_hold = serializers.BooleanField(source="order_line.on_hold", read_only=True, help_text=(
        "The buyer asked to cancel this line and the seller has not answered at the sales site: pack, ship and "
        "tracking numbers are refused (409 cancel_requested) until then"))

    class Meta:
        model = FulfilmentLine
        fields = ["id", "order_line", "line_no", "option", "option_code", "option_values", "sku_name", "quantity",
                  "reserved", "shipped_quantity", "cancelled_quantity", "on_hold"]
        extra_kwargs = {"quantity": {"help_text": "Still to ship (the line's open quantity)"},
                        "reserved": {"help_text": "Held of the option SKU's stock now"}}


class FulfilmentSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True)
    order_no = serializers.CharField(source="order.order_no")
    seller_name = serializers.CharField(source="seller.name")
    lines = FulfilmentLineSerializer(many=True, read_only=True)

    class Meta:
        model = FulfilmentOrder
        fields = ["id", "number", "seller", "seller_name", "order", "order_no", "state", "origin", "short", "flagged",
                  "flag_reason", "courier_code", "courier_name", "tracking_no", "created_at", "picked_at", "packed_at",
                  "shipped_at", "cancelled_at", "lines"]
        extra_kwargs = {"short": {"help_text": "Reserved more than was available when it was created"},
                        "flagged": {"help_text": "Lines were cancelled after picking started: put them back"}}


class SendInputSerializer(InputSerializer):
    order_ids = serializers.ListField(child=serializers.IntegerField(**ID_BOUNDS), allow_empty=False, max_length=1000)


class ShipInputSerializer(InputSerializer):
    courier_code = serializers.CharField(required=False, allow_blank=True, default="",
                                         help_text="The carrier's code (LotteON 89), with tracking_no; or neither")
    tracking_no = serializers.CharField(required=False, allow_blank=True, default="", max_length=40)
    short_confirmed = serializers.BooleanField(
        default=False, help_text="A tracking number shorter than 8 characters is refused (tracking_no_short) as a "
        "likely typing slip or partial scan unless this is true (the operator checked it).")

    def validate(self, attrs):
        if bool(attrs["courier_code"].strip()) != bool(attrs["tracking_no"].strip()):
            missing = "tracking_no" if attrs["courier_code"].strip() else "courier_code"
            raise serializers.ValidationError({missing: "Give courier_code and tracking_no together, or neither "
                                                        "(shipping without a tracking number)."})
        return attrs


class PickListInputSerializer(InputSerializer):
    ids = serializers.ListField(child=serializers.IntegerField(**ID_BOUNDS), allow_empty=False, max_length=1000,
                                help_text="The fulfilment orders to pick (ids); open ones start picking")


class CourierSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="What ship and receiving take as courier_code")
    name = serializers.CharField()


class CourierListSerializer(serializers.Serializer):
    site = serializers.CharField(help_text="The sales site the list is for (its key, e.g. lotteon)")
    site_name = serializers.CharField()
    couriers = CourierSerializer(many=True)


class CourierFilterInputSerializer(serializers.Serializer):
    site = serializers.CharField(required=False, allow_blank=True, default="",
                                 help_text="A sales site's key (e.g. lotteon); omit (or blank) for the first "
                                           "registered site. Unknown: 400.")

    def validate_site(self, value: str) -> str:
        from waybills.selectors import default_site, site_registered

        value = value.strip() or default_site()
        if not site_registered(value):
            raise serializers.ValidationError(f"No sales site {value!r}.")
        return value


class MovementSerializer(serializers.ModelSerializer):
    option_code = serializers.CharField(source="option.code")

    class Meta:
        model = StockMovement
        fields = ["id", "seller", "option", "option_code", "kind", "quantity", "reserved_delta", "reason", "note",
                  "fulfilment", "order_line", "created_at"]


class ReceiptInputSerializer(InputSerializer):
    option = serializers.IntegerField(help_text="The option SKU's id", **ID_BOUNDS)
    quantity = serializers.IntegerField(min_value=1)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class AdjustmentInputSerializer(InputSerializer):
    option = serializers.IntegerField(help_text="The option SKU's id", **ID_BOUNDS)
    quantity = serializers.IntegerField(help_text="+ adds to on hand, − takes out (never below 0)")
    reason = serializers.ChoiceField(choices=StockMovement.Reason.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    on_hand_seen = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=0,
        help_text="The on hand the correction was worked out from: if on hand is no longer this figure (another "
                  "correction, a receipt or a shipment meanwhile), nothing is adjusted (409 stock_changed, with "
                  "extra.on_hand). Omit it to adjust whatever on hand is.")


class StockPushSerializer(serializers.ModelSerializer):
    option_code = serializers.CharField(source="option.code")

    class Meta:
        model = StockPush
        fields = ["id", "account", "option", "option_code", "site_product_id", "site_option_id", "state",
                  "pushed_quantity", "pushed_at", "attempted_quantity", "site_status", "code", "message", "failures",
                  "failed_at"]


class RetryInputSerializer(InputSerializer):
    ids = serializers.ListField(child=serializers.IntegerField(**ID_BOUNDS), required=False,
                                help_text="Stock pushes to retry; omit for every refused one")


class RetryOutputSerializer(serializers.Serializer):
    retried = serializers.IntegerField()


class SyncInputSerializer(InputSerializer):
    account = serializers.IntegerField(required=False, **ID_BOUNDS, help_text="One account; omit for all with the option on")


class SyncOutputSerializer(serializers.Serializer):
    accounts = serializers.ListField(child=serializers.IntegerField())


def _page(request, view, rows, serializer):
    paginator = view.pagination_class()
    page = paginator.paginate_queryset(rows, request, view=view)
    return paginator.get_paginated_response(serializer(page, many=True).data)


class FulfilmentListApi(APIView):
    pagination_class = PageNumberPagination
    schema = GetListSchema()

    @extend_schema(parameters=[FulfilmentFilterInputSerializer], responses=FulfilmentSerializer(many=True),
                   summary="The seller's fulfilment orders, newest first")
    def get(self, request):
        params = FulfilmentFilterInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        rows = FulfilmentOrder.objects.filter(seller=request_seller(request)).select_related("order", "seller")
        if state := params.validated_data.get("state"):
            rows = rows.filter(state=state)
        rows = rows.prefetch_related("lines__option__sku", "lines__order_line").order_by("-created_at", "-id")
        return _page(request, self, rows, FulfilmentSerializer)

    @extend_schema(request=SendInputSerializer, responses={201: FulfilmentSerializer(many=True), **refusals(
                       "not_ready", not_found="An order id that is not the seller's (the ids in `extra.orders`): "
                       "nothing sent.")},
                   summary="Send orders to fulfilment by hand (all or nothing: every open line mapped and confirmed)")
    def post(self, request):
        data = SendInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        seller = request_seller(request)
        created = fulfilment_orders_send(seller=seller, order_ids=data.validated_data["order_ids"], actor=request.user)
        rows = [fulfilment_get(fulfilment_id=fo.pk, seller=seller) for fo in created]
        return Response(FulfilmentSerializer(rows, many=True).data, status=status.HTTP_201_CREATED)


class FulfilmentDetailApi(APIView):
    @extend_schema(responses=FulfilmentSerializer)
    def get(self, request, pk: int):
        try:
            return Response(FulfilmentSerializer(fulfilment_get(fulfilment_id=pk, seller=request_seller(request))).data)
        except FulfilmentOrder.DoesNotExist:
            raise Http404 from None


class MovementListApi(APIView):
    pagination_class = PageNumberPagination

    @extend_schema(parameters=[MovementFilterInputSerializer], responses=MovementSerializer(many=True),
                   summary="The seller's stock movements, newest first")
    def get(self, request):
        params = MovementFilterInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        rows = movements_list(filters=params.filters(seller_id=request_seller(request).pk))
        if _unknown_id(params, "option"):
            rows = rows.none()  # a number no option SKU can have
        return _page(request, self, rows, MovementSerializer)


class StockPushListApi(APIView):
    pagination_class = PageNumberPagination

    @extend_schema(responses=StockPushSerializer(many=True),
                   summary="Stock push failures: options the sales site refused or that are not pushed")
    def get(self, request):
        return _page(request, self, stock_push_failures(seller=request_seller(request)), StockPushSerializer)


class StockPushRetryApi(APIView):
    @extend_schema(request=RetryInputSerializer,
                   responses={200: RetryOutputSerializer, **refusals(
                       "nothing_to_retry", not_found="Some of `ids` are not stock pushes of yours.")},
                   summary="Retry refused stock pushes (the option is read afresh and its current quantity pushed)")
    def post(self, request):
        data = RetryInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        count = stock_pushes_retry(seller=request_seller(request), push_ids=data.validated_data.get("ids"),
                                   actor=request.user)
        return Response({"retried": count})


class StockSyncApi(APIView):
    @extend_schema(request=SyncInputSerializer, responses={202: SyncOutputSerializer, **refusals("stock_sync_off")},
                   summary="Sync stock now: a full stock sync of one account or every account with the option on")
    def post(self, request):
        data = SyncInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ids = stock_sync_request(seller=request_seller(request), account_id=data.validated_data.get("account"),
                                 actor=request.user)
        return Response({"accounts": ids}, status=status.HTTP_202_ACCEPTED)


# --- QFC warehouse operators ----------------------------------------------------------------------------

class WarehouseFulfilmentListApi(APIView):
    permission_classes = [IsWarehouseOperator]
    pagination_class = PageNumberPagination

    @extend_schema(parameters=[WarehouseFulfilmentFilterInputSerializer], responses=FulfilmentSerializer(many=True),
                   summary="QFC: fulfilment orders of every seller, by tab (oldest first; shipped and cancelled: "
                           "latest first)")
    def get(self, request):
        params = WarehouseFulfilmentFilterInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        # As the warehouse page: orders whose lines already left through the waybill path are closed first.
        fulfilments_shipped_elsewhere_sync()
        rows = fulfilment_list(filters=params.filters())
        if _unknown_id(params, "seller"):
            rows = rows.none()  # a number no seller can have
        return _page(request, self, rows, FulfilmentSerializer)


def _warehouse_fulfilment_id(pk: int) -> int:
    """The id of an existing fulfilment order (any seller's), else 404 (an id beyond 64 bits too). As the
    warehouse pages do first, lines that already left through the waybill path are taken out of it, so
    nothing is picked, packed or shipped twice."""
    fulfilment_id = id_or_none(pk)
    if fulfilment_id is None:
        raise Http404
    fulfilments_shipped_elsewhere_sync(fulfilment_ids=[fulfilment_id])
    if not FulfilmentOrder.objects.filter(pk=fulfilment_id).exists():
        raise Http404
    return fulfilment_id


def _fulfilment_response(fulfilment_id: int) -> Response:
    return Response(FulfilmentSerializer(fulfilment_get(fulfilment_id=fulfilment_id)).data)


class WarehouseFulfilmentDetailApi(APIView):
    permission_classes = [IsWarehouseOperator]

    @extend_schema(responses=FulfilmentSerializer,
                   summary="QFC: one fulfilment order with its lines, state, flag and carrier + tracking number")
    def get(self, request, pk: int):
        return _fulfilment_response(_warehouse_fulfilment_id(pk))


class WarehouseStartPickingApi(TakesNoBody, APIView):
    permission_classes = [IsWarehouseOperator]

    @extend_schema(request=None, responses={200: FulfilmentSerializer, **refusals("wrong_state")},
                   summary="QFC: start picking an open fulfilment order (one already picking stays so; packed, "
                           "shipped or cancelled: 409 wrong_state)")
    def post(self, request, pk: int):
        fulfilment_id = _warehouse_fulfilment_id(pk)
        fulfilments_start_picking(fulfilment_ids=[fulfilment_id], actor=request.user)
        fo = fulfilment_get(fulfilment_id=fulfilment_id)
        if fo.state != FulfilmentOrder.State.PICKING:
            raise ApplicationError(f"{fo.number} is {fo.get_state_display().lower()}: picking cannot start now.",
                                   code="wrong_state")
        return Response(FulfilmentSerializer(fo).data)


class WarehousePickListApi(APIView):
    permission_classes = [IsWarehouseOperator]

    @extend_schema(request=PickListInputSerializer,
                   responses={(200, "application/pdf"): OpenApiTypes.BINARY, **refusals("nothing_to_pick")},
                   summary="QFC: print the pick list of fulfilment orders (PDF grouped by option SKU); open ones "
                           "start picking")
    def post(self, request):
        data = PickListInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ids = data.validated_data["ids"]
        fulfilments_shipped_elsewhere_sync(fulfilment_ids=ids)
        count, pdf = fulfilment_pick_list(fulfilment_ids=ids, actor=request.user)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="pick-list-{count}-orders.pdf"'
        return response


class WarehousePackApi(TakesNoBody, APIView):
    permission_classes = [IsWarehouseOperator]

    @extend_schema(request=None,
                   responses={200: FulfilmentSerializer, **refusals("wrong_state", "flagged", "cancel_requested")},
                   summary="QFC: mark a fulfilment order packed (open or picking, not flagged)")
    def post(self, request, pk: int):
        fulfilment_id = _warehouse_fulfilment_id(pk)
        fulfilment_pack(fulfilment_id=fulfilment_id, actor=request.user)
        return _fulfilment_response(fulfilment_id)


class WarehouseFlagClearApi(TakesNoBody, APIView):
    permission_classes = [IsWarehouseOperator]

    @extend_schema(request=None, responses={200: FulfilmentSerializer, **refusals("not_flagged")},
                   summary="QFC: Done: the flag is handled (cancelled items are back on the shelf); 409 not_flagged")
    def post(self, request, pk: int):
        fulfilment_id = _warehouse_fulfilment_id(pk)
        fulfilment_flag_clear(fulfilment_id=fulfilment_id, actor=request.user)
        return _fulfilment_response(fulfilment_id)


class WarehouseShipApi(APIView):
    permission_classes = [IsWarehouseOperator]

    @extend_schema(request=ShipInputSerializer,
                   responses={200: FulfilmentSerializer, **refusals(
                       "flagged", "wrong_state", "cancel_requested", "nothing_to_ship", "shipped_elsewhere",
                       "stock_negative")},
                   summary="QFC: ship a fulfilment order (stock booked out; carrier + tracking number pushed)")
    def post(self, request, pk: int):
        data = ShipInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fulfilment_id = _warehouse_fulfilment_id(pk)
        fo = fulfilment_ship(fulfilment_id=fulfilment_id, actor=request.user,
                             courier_code=data.validated_data["courier_code"],
                             tracking_no=data.validated_data["tracking_no"],
                             short_confirmed=data.validated_data["short_confirmed"])
        return _fulfilment_response(fo.pk)


def _couriers(*, site: str, account=None) -> dict:
    """The carriers an operator chooses from for a site (refreshed with ``account``'s key when stale)."""
    from waybills.selectors import site_name
    from waybills.services.couriers import couriers_for

    return {"site": site, "site_name": site_name(site), "couriers": couriers_for(site=site, account=account)}


class WarehouseCourierListApi(APIView):
    permission_classes = [IsWarehouseOperator]

    @extend_schema(parameters=[CourierFilterInputSerializer], responses=CourierListSerializer,
                   summary="QFC: the carriers of a sales site (their codes are what ship and receiving take)")
    def get(self, request):
        params = CourierFilterInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        return Response(CourierListSerializer(_couriers(site=params.validated_data["site"])).data)


class WarehouseFulfilmentCourierListApi(APIView):
    permission_classes = [IsWarehouseOperator]

    @extend_schema(responses=CourierListSerializer,
                   summary="QFC: the carriers to ship a fulfilment order with (its order's sales site)")
    def get(self, request, pk: int):
        from waybills.selectors import default_site

        fo = fulfilment_get(fulfilment_id=_warehouse_fulfilment_id(pk))
        return Response(CourierListSerializer(
            _couriers(site=fo.order.site or default_site(), account=fo.order.account)).data)


def _option(pk: int) -> OptionSku:
    try:
        return option_sku_for_stock(option_id=pk)
    except OptionSku.DoesNotExist:
        raise Http404 from None


class WarehouseReceiptApi(APIView):
    permission_classes = [IsWarehouseOperator]

    @extend_schema(request=ReceiptInputSerializer,
                   responses={201: MovementSerializer, **refusals("stock_negative", "reserved_negative")},
                   summary="QFC: book an inbound receipt of an option SKU")
    def post(self, request):
        data = ReceiptInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        option = _option(data.validated_data["option"])
        movement = stock_receive(seller=option.seller, option=option, quantity=data.validated_data["quantity"],
                                 note=data.validated_data["note"], actor=request.user)
        return Response(MovementSerializer(movement).data, status=status.HTTP_201_CREATED)


class WarehouseAdjustmentApi(APIView):
    permission_classes = [IsWarehouseOperator]

    @extend_schema(request=AdjustmentInputSerializer,
                   responses={201: MovementSerializer,
                              **refusals("stock_negative", "reserved_negative", "stock_changed")},
                   summary="QFC: adjust an option SKU's on hand with a reason (never below 0)")
    def post(self, request):
        data = AdjustmentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        option = _option(data.validated_data["option"])
        movement = stock_adjust(seller=option.seller, option=option, quantity=data.validated_data["quantity"],
                                reason=data.validated_data["reason"], note=data.validated_data["note"],
                                actor=request.user, on_hand_seen=data.validated_data["on_hand_seen"])
        return Response(MovementSerializer(movement).data, status=status.HTTP_201_CREATED)
