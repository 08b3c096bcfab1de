from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from sellers.permissions import request_seller


class ObtainTokenApi(ObtainAuthToken):
    """Exchange a username and password for the API token sent as `Authorization: Token <key>`."""

    permission_classes = [AllowAny]
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES  # ObtainAuthToken names DRF's JSONParser itself


class MeOutputSerializer(serializers.Serializer):
    username = serializers.CharField()
    is_warehouse_operator = serializers.BooleanField()
    seller_id = serializers.IntegerField(allow_null=True)
    seller_name = serializers.CharField(allow_null=True)


class MeApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MeOutputSerializer)
    def get(self, request):
        seller = request_seller(request)
        data = {
            "username": request.user.username,
            "is_warehouse_operator": request.user.is_warehouse_operator,
            "seller_id": seller.pk if seller else None,
            "seller_name": seller.name if seller else None,
        }
        return Response(MeOutputSerializer(data).data)
