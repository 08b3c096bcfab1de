from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from core.exceptions import ApplicationError
from core.serializers import InputSerializer
from sellers.lockout import ClientAddressThrottle, cool_off_seconds, lockout_message, lockout_reset
from sellers.permissions import request_seller
from sellers.services import ALERT_EMAILS_MAX, seller_alert_emails_set


class SignInLockedOut(APIException):
    """Too many failed sign-ins for this username from this address (sellers/lockout.py); 429 with Retry-After."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked_out"

    def __init__(self):
        super().__init__(lockout_message())
        self.wait = cool_off_seconds()  # DRF's exception handler sends it as Retry-After


WRONG_CREDENTIALS = ("Unable to log in with these credentials: check the username and password (a user that is "
                     "not active cannot log in either).")


class ObtainTokenApi(ObtainAuthToken):
    """Exchange a username and password for the API token sent as `Authorization: Token <key>`.

    After too many failed sign-ins for a username from one address (here or on the login page), that username
    is refused from that address for a while, even with the right password: 429 with code `locked_out` and
    `Retry-After`. Requests from one address are also rate-limited: 429 with code `throttled`.
    """

    permission_classes = [AllowAny]
    # The username and password in the body are the credentials: a stale token header (401) or a portal session
    # cookie without its CSRF token (403, e.g. from /api/docs/ in a signed-in browser) must not refuse them.
    authentication_classes = []
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES  # ObtainAuthToken names DRF's JSONParser itself
    throttle_classes = [ClientAddressThrottle]  # ObtainAuthToken turns throttling off
    throttle_scope = "auth-token"

    @extend_schema(
        request=AuthTokenSerializer,
        responses={
            200: inline_serializer("Token", {"token": serializers.CharField(help_text="Send as `Token <key>`")}),
            400: OpenApiResponse(description="`invalid_credentials`: no active user with that username and password "
                                             "(counts towards the lockout); `invalid` with `extra.fields`: a field "
                                             "missing or blank."),
            429: OpenApiResponse(description="`locked_out`: too many failed sign-ins for this username from this "
                                             "address; `throttled`: too many requests. Both with Retry-After."),
        },
    )
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        try:
            serializer.is_valid(raise_exception=True)
        except ValidationError as error:
            # axes flags the request when it refused a locked-out username or when this failure locked it.
            if getattr(request, "axes_locked_out", False):
                raise SignInLockedOut() from None
            # DRF's serializer says "authorization" when authenticate() found no active user for the pair; a
            # program told only "Some fields are not valid" could not tell that from a missing field.
            codes = error.get_codes()
            if isinstance(codes, dict) and "authorization" in codes.get(api_settings.NON_FIELD_ERRORS_KEY, []):
                raise ApplicationError(WRONG_CREDENTIALS, code="invalid_credentials") from None
            raise
        user = serializer.validated_data["user"]
        lockout_reset(request=request, username=user.get_username())
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


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


class SellerOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    alert_emails = serializers.ListField(child=serializers.EmailField(), help_text=(
        "Where connection alerts go: a failed connection, an API Key near its date (docs/sales-site-accounts.md)"))


class SellerUpdateInputSerializer(InputSerializer):
    read_back = frozenset({"id", "name"})
    alert_emails = serializers.ListField(child=serializers.EmailField(), max_length=ALERT_EMAILS_MAX,
                                         help_text="The whole list; an empty one turns the e-mails off")


def _seller_data(seller) -> dict:
    return SellerOutputSerializer({"id": seller.pk, "name": seller.name,
                                   "alert_emails": seller.alert_emails.splitlines()}).data


class SellerApi(APIView):
    @extend_schema(responses=SellerOutputSerializer, summary="The seller's settings: its Alert e-mails")
    def get(self, request):
        return Response(_seller_data(request_seller(request)))

    @extend_schema(request=SellerUpdateInputSerializer, responses=SellerOutputSerializer,
                   summary="Set the Alert e-mails (the Sales Site API page's Alerts by e-mail)")
    def patch(self, request):
        serializer = SellerUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        seller = request_seller(request)
        if "alert_emails" in serializer.validated_data:
            seller = seller_alert_emails_set(seller=seller, addresses=serializer.validated_data["alert_emails"])
        return Response(_seller_data(seller))
