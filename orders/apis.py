from functools import partial

from django.core.paginator import Paginator
from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from core.dates import MomentField, day_in_range
from core.ids import ID_BOUNDS, id_or_none
from core.schema import refusals
from core.serializers import InputSerializer
from integrations.selectors import account_list
from orders.models import ConfirmState, Order, OrderEvent, OrderLine
from orders.selectors import (
    COUNT_LIMIT,
    DEFAULT_ORDERING,
    MANUAL,
    ORDERINGS,
    STATUS_TABS,
    OrderFilters,
    order_confirm_failures,
    order_events,
    order_get,
    order_lines,
    order_list_with_lines,
    order_search_matches,
)
from orders.services.confirm import orders_confirm
from orders.services.lifecycle import DuplicateChoice, order_duplicate_resolve, order_hold_release
from sellers.permissions import request_seller


class OrderFilterInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[value for value, _ in STATUS_TABS if value], required=False,
        help_text="A status tab: new, confirmed (Confirmed / Preparing), ready (Ready to ship), shipped, cancelled, "
        "or attention (Needs attention). Omit for all orders.",
    )
    account = serializers.CharField(
        required=False, help_text="A sales-site account id of yours, or `manual` for manual shipping orders.")
    date_from = serializers.DateField(required=False, validators=[day_in_range], help_text="First KST day of the delivery instruction time "
                                      "(manual shipping orders: the day they were created).")
    date_to = serializers.DateField(required=False, validators=[day_in_range], help_text="Last KST day, included.")
    q = serializers.CharField(
        required=False, allow_blank=True, max_length=100,
        help_text="Order number (also the sales-site order number of a manual order), recipient or orderer name, "
        "phone number with or without dashes, product name, option name, seller product or option code.",
    )
    updated_since = MomentField(
        required=False, help_text="Only orders changed at or after this moment, the order itself or any of its lines "
        "(ISO 8601; without an offset, KST). To follow changes, ask each time from a few minutes before the time of "
        "your previous request (the response's `Date` header): a change becomes visible when it is committed, a "
        "moment after the time it carries, and an order seen twice is harmless. An order's `updated_at` is its own "
        "last change; a change of a line alone leaves it as it was.")
    ordering = serializers.ChoiceField(choices=list(ORDERINGS), required=False, default=DEFAULT_ORDERING,
                                       help_text="A column, `-` first for descending; ties are broken by id.")

    def validate_account(self, value: str) -> str:
        value = value.strip()
        if value and value != MANUAL and id_or_none(value) not in self.context["account_ids"]:
            raise serializers.ValidationError("Not one of your sales-site accounts; use an account id or `manual`.")
        return value

    def validate(self, attrs):
        if attrs.get("date_from") and attrs.get("date_to") and attrs["date_from"] > attrs["date_to"]:
            raise serializers.ValidationError({"date_to": ["The end date is before the start date."]})
        return attrs

    def filters(self) -> OrderFilters:
        data = self.validated_data
        account = data.get("account", "")
        return OrderFilters(
            status=data.get("status", ""), account_id=id_or_none(account),
            manual=account == MANUAL, date_from=data.get("date_from"), date_to=data.get("date_to"),
            q=data.get("q", "").strip(), ordering=data.get("ordering") or DEFAULT_ORDERING,
            updated_since=data.get("updated_since"),
        )


class OrderLineOutputSerializer(serializers.ModelSerializer):
    on_hold = serializers.BooleanField(read_only=True, help_text=(
        "The buyer asked to cancel and the seller has not answered at the sales site: not printed, packed or "
        "shipped until then"))

    class Meta:
        model = OrderLine
        fields = [
            "id", "line_no", "process_seq", "status", "site_status_code", "confirm_state", "confirm_error",
            "confirmed_at", "product_name", "option_name", "seller_product_code", "seller_option_code",
            "site_product_id", "site_option_id", "quantity", "cancelled_quantity", "unit_price", "amount",
            "paid_amount", "shipping_fee", "on_hold", "cancel_request_no", "cancel_request_quantity",
            "cancel_request_reason", "cancel_requested_at",
        ]
        extra_kwargs = {
            "cancel_request_no": {"help_text": "Claim number of the buyer's open cancellation request (LotteON clmNo)"},
            "seller_product_code": {"help_text": "Seller internal product number (LotteON epdNo)"},
            "seller_option_code": {"help_text": "Seller defined code of the option (LotteON eitmNo)"},
            "site_product_id": {"help_text": "The sales site's product id (LotteON spdNo)"},
            "site_option_id": {"help_text": "The sales site's item id (LotteON sitmNo)"},
        }


class OrderLineDetailOutputSerializer(OrderLineOutputSerializer):
    class Meta(OrderLineOutputSerializer.Meta):
        fields = [*OrderLineOutputSerializer.Meta.fields, "raw"]
        extra_kwargs = {**OrderLineOutputSerializer.Meta.extra_kwargs,
                        "raw": {"help_text": "The sales site's payload for this line, as last pulled"}}


class OrderEventOutputSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()
    line_no = serializers.SerializerMethodField()

    class Meta:
        model = OrderEvent
        fields = ["id", "created_at", "kind", "message", "actor", "line_no", "details"]

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="Who did it; null for the portal itself"))
    def get_actor(self, event) -> str | None:
        return event.actor.username if event.actor else None

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="The line it concerns; null for the order"))
    def get_line_no(self, event) -> str | None:
        return event.line.line_no if event.line else None


class OrderOutputSerializer(serializers.ModelSerializer):
    shop_id = serializers.SerializerMethodField()
    lines = OrderLineOutputSerializer(many=True, read_only=True)

    class Meta:
        model = Order
        fields = [
            "id", "site", "account", "shop_id", "source", "order_no", "reference_order_no", "manual_duplicate",
            "status", "needs_attention", "attention_reason", "orderer_name", "orderer_phone", "orderer_mobile",
            "orderer_email", "recipient_name", "recipient_phone", "recipient_mobile", "zip_code", "address",
            "address_detail", "delivery_message", "combined_group", "ordered_at", "instructed_at",
            "total_quantity", "total_amount", "created_at", "updated_at", "lines",
        ]
        extra_kwargs = {"instructed_at": {"help_text": "Delivery instruction time at the sales site (LotteON owhoDttm)"}}

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="The account's Shop ID; null for a manual "
                                               "shipping order entered without an account"))
    def get_shop_id(self, order) -> str | None:
        return order.account.shop_id if order.account else None


class OrderDetailOutputSerializer(OrderOutputSerializer):
    lines = serializers.SerializerMethodField()
    events = serializers.SerializerMethodField()

    class Meta(OrderOutputSerializer.Meta):
        fields = [*OrderOutputSerializer.Meta.fields, "events"]

    @extend_schema_field(OrderLineDetailOutputSerializer(many=True))
    def get_lines(self, order):
        return OrderLineDetailOutputSerializer(self.context["lines"], many=True).data

    @extend_schema_field(OrderEventOutputSerializer(many=True))
    def get_events(self, order):
        return OrderEventOutputSerializer(self.context["events"], many=True).data


class OrderConfirmInputSerializer(InputSerializer):
    order_ids = serializers.ListField(child=serializers.IntegerField(**ID_BOUNDS), min_length=1, max_length=1000)


class OrderConfirmFailureSerializer(serializers.Serializer):
    order_id = serializers.IntegerField()
    order_no = serializers.CharField()
    line_id = serializers.IntegerField(source="id")
    line_no = serializers.CharField()
    confirm_state = serializers.ChoiceField(choices=ConfirmState.choices, help_text=(
        "`failed`: the sales site refused the line; `unknown`: its answer was lost, and the line's state is read "
        "back before anything is sent again"))
    confirm_error = serializers.CharField()


class OrderConfirmOutputSerializer(serializers.Serializer):
    confirmed = serializers.IntegerField(help_text="Lines the sales site confirmed")
    failed = serializers.IntegerField(help_text="Lines the sales site refused")
    message = serializers.CharField()
    failures = OrderConfirmFailureSerializer(many=True, help_text=(
        "Every line of the selected orders still waiting for confirmation after this request, with the reason: "
        "the lines refused now and any refused earlier that this request could not confirm either"))


class _CountedPaginator(Paginator):
    """A paginator given its count (a search's, already counted up to a limit) instead of counting."""

    def __init__(self, object_list, per_page, *, count: int, **kwargs) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.count = count  # shadows the counting property


class OrderListPagination(PageNumberPagination):
    """Pages of 50. A search that matches more than COUNT_LIMIT orders says so with ``count_limited``;
    its ``count`` is then COUNT_LIMIT and its pages cover the first COUNT_LIMIT orders."""

    limited = False

    def paginate_queryset(self, queryset, request, view=None):
        matches = getattr(view, "search_matches", None)
        if matches is not None:
            self.limited = matches > COUNT_LIMIT
            self.django_paginator_class = partial(_CountedPaginator, count=min(matches, COUNT_LIMIT))
            if self.limited:
                self.invalid_page_message = (
                    f"Invalid page: a search lists its first {COUNT_LIMIT:,} matching orders. Narrow it by status, "
                    "account or dates to reach the others.")
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data = {"count": response.data.pop("count"), "count_limited": self.limited, **response.data}
        return response

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        properties = schema["properties"]
        schema["properties"] = {"count": properties.pop("count"), "count_limited": {
            "type": "boolean",
            "description": f"The search matches more than {COUNT_LIMIT:,} orders: count is {COUNT_LIMIT:,} and "
                           f"the pages list the first {COUNT_LIMIT:,}.",
        }, **properties}
        return schema


@extend_schema(parameters=[OrderFilterInputSerializer], summary="The seller's orders, filtered, searched and sorted")
class OrderListApi(ListAPIView):
    serializer_class = OrderOutputSerializer
    pagination_class = OrderListPagination
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular only wants the model
            return Order.objects.none()
        seller = request_seller(self.request)
        params = OrderFilterInputSerializer(
            data=self.request.query_params,
            context={"account_ids": set(account_list(seller=seller).values_list("id", flat=True))},
        )
        params.is_valid(raise_exception=True)
        filters = params.filters()
        if not filters.q.strip():
            return order_list_with_lines(seller=seller, filters=filters)
        # As on the Orders page: a search is counted up to COUNT_LIMIT + 1 matches, not exactly (a broad
        # one matches a large share of 100,000 orders), and lists its first COUNT_LIMIT.
        self.search_matches = order_search_matches(seller=seller, filters=filters)
        return order_list_with_lines(seller=seller, filters=filters, common=self.search_matches > COUNT_LIMIT)


def order_detail_data(*, seller, order_id: int) -> dict:
    """One order as GET /api/v1/orders/{id}/ answers it; the writes that make or change an order answer the same."""
    order = order_get(seller=seller, order_id=order_id)
    context = {"lines": order_lines(order=order), "events": order_events(order=order)}
    return OrderDetailOutputSerializer(order, context=context).data


class OrderDetailApi(APIView):
    @extend_schema(responses=OrderDetailOutputSerializer, summary="One order with its lines and its timeline")
    def get(self, request, pk: int):
        try:
            return Response(order_detail_data(seller=request_seller(request), order_id=pk))
        except Order.DoesNotExist:
            raise Http404 from None


class OrderConfirmApi(APIView):
    @extend_schema(request=OrderConfirmInputSerializer,
                   responses={200: OrderConfirmOutputSerializer, **refusals(
                       "nothing_to_confirm", "sync_running",
                       not_found="An order id that is not the seller's (the ids in `extra.orders`): nothing confirmed.")},
                   summary="Confirm selected orders: their New lines are confirmed at the sales site (LotteON 210)",
                   description="Orders of a sales site without an order confirmation step need none: selecting "
                   "only such orders is refused with 400 and code `confirmation_not_supported`. 409 "
                   "`nothing_to_confirm` when no selected order has a New line, `sync_running` while a sync of "
                   "the account holds it; the sales site's own failures are passed on (429 `rate_limited`, 502, "
                   "504).")
    def post(self, request):
        serializer = OrderConfirmInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        confirmed, failed = orders_confirm(
            seller=request_seller(request), order_ids=serializer.validated_data["order_ids"], actor=request.user)
        message = f"{confirmed} line{'' if confirmed == 1 else 's'} confirmed, {failed} failed."
        failures = order_confirm_failures(seller=request_seller(request),
                                          order_ids=serializer.validated_data["order_ids"])
        return Response(OrderConfirmOutputSerializer(
            {"confirmed": confirmed, "failed": failed, "message": message, "failures": failures}).data)


class OrderHoldReleaseOutputSerializer(serializers.Serializer):
    released = serializers.IntegerField(help_text="Lines released")


class OrderHoldReleaseInputSerializer(InputSerializer):
    claims = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, max_length=100, help_text=(
            "The claim numbers (`cancel_request_no` of the lines) you answered at the sales site. With them, a "
            "request that arrived since you read the order refuses the release (409 `hold_changed`) instead of "
            "being released unseen. Omitted: every line on hold is released."))


class OrderHoldReleaseApi(APIView):
    @extend_schema(request=OrderHoldReleaseInputSerializer,
                   responses={200: OrderHoldReleaseOutputSerializer, **refusals("wrong_state", "hold_changed")},
                   summary="Release the hold of a buyer's cancellation request the seller rejected at the sales site",
                   description="The order's lines on hold (`on_hold`) ship as usual again; the same request read "
                   "again does not hold them, a new one does. 409 `wrong_state` when nothing is on hold, "
                   "`hold_changed` when a line is held by a request not among `claims`.")
    def post(self, request, pk: int):
        order_id = id_or_none(pk)
        if order_id is None:
            raise Http404
        serializer = OrderHoldReleaseInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        released = order_hold_release(seller_id=request_seller(request).pk, order_id=order_id, actor=request.user,
                                      claims=serializer.validated_data.get("claims"))
        return Response(OrderHoldReleaseOutputSerializer({"released": released}).data)


class OrderDuplicateInputSerializer(InputSerializer):
    choice = serializers.ChoiceField(choices=[
        (DuplicateChoice.CANCEL_MANUAL, "The manual shipping order was entered for this sale: call it off, this "
                                        "order ships"),
        (DuplicateChoice.SHIP_BOTH, "Two different sales: both ship"),
    ])
    manual_order_id = serializers.IntegerField(required=False, min_value=1, help_text=(
        "The `manual_duplicate` you read: another one refuses the choice (409 `hold_changed`)."))


class OrderDuplicateApi(APIView):
    @extend_schema(request=OrderDuplicateInputSerializer,
                   responses={200: OrderDetailOutputSerializer,
                              **refusals("wrong_state", "hold_changed", "manual_in_progress")},
                   summary="Choose which order ships when a manual shipping order stands for a pulled order's sale",
                   description="A pulled order whose `manual_duplicate` is set is held from fulfilment and printing "
                   "(docs/manual-orders.md, \"Pulled later\"). `cancel_manual` calls the manual order off (409 "
                   "`manual_in_progress` once it is printed, sent to the warehouse or shipped); `ship_both` lets "
                   "both ship. 409 `wrong_state` when the order is not held.")
    def post(self, request, pk: int):
        order_id = id_or_none(pk)
        if order_id is None:
            raise Http404
        serializer = OrderDuplicateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        seller = request_seller(request)
        order_duplicate_resolve(seller_id=seller.pk, order_id=order_id, actor=request.user, **serializer.validated_data)
        return Response(order_detail_data(seller=seller, order_id=order_id))
