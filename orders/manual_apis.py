"""REST API for manual shipping orders: POST /api/v1/manual-orders/."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.schema import refusals
from core.serializers import InputSerializer
from orders.apis import OrderDetailOutputSerializer, order_detail_data
from orders.services.manual import MAX_ITEMS, MAX_QUANTITY, ManualItem, manual_order_create
from sellers.permissions import request_seller


class ManualItemInputSerializer(InputSerializer):
    seller_code = serializers.CharField(allow_blank=True, trim_whitespace=False,
                                        help_text="Seller defined code: the code a SKU will be mapped by. Required.")
    product_name = serializers.CharField(allow_blank=True, trim_whitespace=False, help_text="Required.")
    option_name = serializers.CharField(required=False, allow_blank=True, default="", trim_whitespace=False)
    quantity = serializers.IntegerField(help_text=f"1 to {MAX_QUANTITY}.")


class ManualOrderInputSerializer(InputSerializer):
    """Shapes and types only; the rules (required values, formats, duplicates) are the service's."""

    account_id = serializers.IntegerField(
        required=False, allow_null=True, default=None,
        help_text="One of your sales-site accounts (GET /api/v1/sales-site-accounts/), or null.",
    )
    reference_order_no = serializers.CharField(
        required=False, allow_blank=True, default="", trim_whitespace=False,
        help_text="The sales site's order number this shipment stands for; refused when SmartShip already has it "
                  "(pulled, or entered before) for the same site.",
    )
    recipient_name = serializers.CharField(allow_blank=True, trim_whitespace=False)
    recipient_mobile = serializers.CharField(
        required=False, allow_blank=True, default="", trim_whitespace=False,
        help_text="Mobile or phone: at least one; 9 to 11 digits, with dashes or spaces allowed.",
    )
    recipient_phone = serializers.CharField(required=False, allow_blank=True, default="", trim_whitespace=False)
    zip_code = serializers.CharField(allow_blank=True, trim_whitespace=False, help_text="5-digit Korean postcode.")
    address = serializers.CharField(allow_blank=True, trim_whitespace=False)
    address_detail = serializers.CharField(required=False, allow_blank=True, default="", trim_whitespace=False)
    delivery_message = serializers.CharField(required=False, allow_blank=True, default="", trim_whitespace=False)
    items = ManualItemInputSerializer(many=True, allow_empty=True, help_text=f"1 to {MAX_ITEMS} items.")


def _nested(message_dict: dict[str, list[str]]) -> dict:
    """The service's ``items.<i>.<field>`` keys in the shape DRF gives its own item errors:
    ``{"items": {"1": {"quantity": [...]}}}`` (only the items with errors, by index)."""
    fields: dict = {}
    per_item: dict[int, dict[str, list[str]]] = {}
    for key, messages in message_dict.items():
        if key.startswith("items."):
            _, index, name = key.split(".", 2)
            per_item.setdefault(int(index), {})[name] = messages
        else:
            fields[key] = messages
    if per_item:
        fields["items"] = {str(index): errors for index, errors in sorted(per_item.items())}
    return fields


ERROR_EXAMPLE = OpenApiExample(
    "Field errors", status_codes=["400"], response_only=True,
    value={"message": "Some fields are not valid.", "code": "invalid", "extra": {"fields": {
        "zip_code": ["A Korean zip code has exactly 5 digits, e.g. 06236."],
        "items": {"1": {"quantity": [f"Enter a whole number from 1 to {MAX_QUANTITY}."]}},
    }}},
)


class ManualOrderCreateApi(APIView):
    @extend_schema(
        request=ManualOrderInputSerializer,
        responses={201: OrderDetailOutputSerializer, 400: inline_serializer("ManualOrderError", {
            "message": serializers.CharField(), "code": serializers.CharField(), "extra": serializers.DictField(),
        }), **refusals("duplicate")},
        examples=[
            OpenApiExample("A manual shipping order", request_only=True, value={
                "account_id": None, "reference_order_no": "2026112712345678",
                "recipient_name": "홍길동", "recipient_mobile": "010-1234-5678", "zip_code": "06236",
                "address": "서울특별시 강남구 테헤란로 152", "address_detail": "12층",
                "delivery_message": "문 앞에 놓아주세요",
                "items": [{"seller_code": "SKU-TEE-BLK-M", "product_name": "반팔 티셔츠", "option_name": "블랙 / M",
                           "quantity": 2}],
            }),
            ERROR_EXAMPLE,
        ],
        summary="Create a manual shipping order",
        description="For an order the sales-site API cannot pull (already shipped in the store center, or sold on "
                    "another channel). The order gets a number M<KST date>-<sequence>, starts Confirmed / Preparing "
                    "and goes to the warehouse like a pulled order. It answers the order as GET /api/v1/orders/{id}/ "
                    "does. Errors: 400 with extra.fields keyed by field; "
                    "item errors by the index of the item (from 0).",
    )
    def post(self, request):
        serializer = ManualOrderInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        items = [ManualItem(**item) for item in data.pop("items")]
        try:
            order = manual_order_create(seller=request_seller(request), actor=request.user, via="api",
                                        items=items, **data)
        except ValidationError as exc:
            raise serializers.ValidationError(_nested(exc.message_dict)) from None
        return Response(order_detail_data(seller=order.seller, order_id=order.pk), status=status.HTTP_201_CREATED)
