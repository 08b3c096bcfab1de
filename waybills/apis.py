"""REST API for waybills: print a batch, download its labels, the outbox and its failures (retry, correct,
dismiss, as on Tracking push failures), QFC receiving."""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exceptions import ApplicationError
from core.fields import IdFilterField
from core.ids import ID_BOUNDS, id_or_none
from core.schema import refusals
from core.serializers import InputSerializer, TakesNoBody
from sellers.permissions import IsWarehouseOperator, request_seller
from waybills import selectors
from waybills.models import PrintBatch, TrackingPush, Waybill, WaybillKind
from waybills.services.printing import waybill_set_aside, waybills_print
from waybills.services.push import push_correct, push_dismiss, pushes_retry
from waybills.services.receiving import packing_receive
from waybills.views import label_response

# The labels themselves: a PDF (paper label, a4) or ZPL text for a label printer (paper zpl).
LABEL_FILES = {(200, "application/pdf"): OpenApiTypes.BINARY, (200, "text/plain"): OpenApiTypes.STR}


class PrintInputSerializer(InputSerializer):
    order_ids = serializers.ListField(child=serializers.IntegerField(**ID_BOUNDS), allow_empty=False, max_length=1000)
    kind = serializers.ChoiceField(choices=WaybillKind.choices, default=WaybillKind.INVOICE)
    paper = serializers.ChoiceField(choices=PrintBatch.Paper.choices, default=PrintBatch.Paper.LABEL)
    download = serializers.BooleanField(
        default=False, help_text="Answer with the labels themselves (PDF or ZPL) instead of the batch: print and "
        "download in one request. The batch id is in the X-Print-Batch header.")
    other_kind_confirmed = serializers.BooleanField(
        default=False, help_text="Print even for orders that already have a label of the other kind (an invoice "
        "and a packing label mean two parcels); without it such orders are refused with 409 other_label.")


class WaybillSerializer(serializers.ModelSerializer):
    order_no = serializers.CharField(source="order.order_no", read_only=True)

    class Meta:
        model = Waybill
        fields = ["id", "order", "order_no", "kind", "number", "status", "courier_code", "courier_name", "tracking_no",
                  "flagged", "flag_reason", "print_count", "first_printed_at", "last_printed_at", "received_at"]


class BatchSerializer(serializers.ModelSerializer):
    downloads = serializers.SerializerMethodField()

    class Meta:
        model = PrintBatch
        fields = ["id", "kind", "paper", "label_count", "waybill_ids", "reprint_ids", "created_at", "downloads"]

    def get_downloads(self, batch: PrintBatch) -> dict[str, str]:
        url = reverse("api-waybill-batch-labels", args=[batch.pk])
        return {paper: f"{url}?paper={paper}" for paper in PrintBatch.Paper.values}


class TrackingPushSerializer(serializers.ModelSerializer):
    order_no = serializers.CharField(source="order.order_no", read_only=True)
    line_no = serializers.CharField(source="line.line_no", read_only=True)

    class Meta:
        model = TrackingPush
        fields = ["id", "order", "order_no", "line", "line_no", "kind", "origin", "state", "courier_code",
                  "tracking_no", "previous_tracking_no", "attempts", "last_code", "last_message", "site_status_code",
                  "site_tracking_no", "created_at", "updated_at", "confirmed_at"]


class WaybillPrintApi(APIView):
    @extend_schema(request=PrintInputSerializer,
                   responses={201: BatchSerializer, **LABEL_FILES, **refusals(
                       "not_printable", "other_label", "busy", not_found="Some of the selected orders are not yours.")},
                   summary="Print Waybill: issue (or reuse) numbers for orders and create a batch to download")
    def post(self, request):
        data = PrintInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        download = data.validated_data.pop("download")
        batch = waybills_print(seller_id=request_seller(request).pk, actor=request.user, **data.validated_data)
        if download:
            response = label_response(batch, batch.paper)
            response["X-Print-Batch"] = str(batch.pk)
            return response
        return Response(BatchSerializer(batch).data, status=status.HTTP_201_CREATED)


class BatchLabelsApi(APIView):
    @extend_schema(parameters=[OpenApiParameter("paper", enum=PrintBatch.Paper.values, required=False)],
                   responses=LABEL_FILES, summary="The labels of a batch (PDF or ZPL)")
    def get(self, request, pk: int):
        try:
            batch = selectors.batch_get(seller=request_seller(request), batch_id=pk)
        except PrintBatch.DoesNotExist:
            raise Http404 from None
        paper = request.query_params.get("paper") or batch.paper
        if paper not in PrintBatch.Paper.values:
            raise ApplicationError(f"paper must be one of {', '.join(PrintBatch.Paper.values)}.", code="invalid_paper")
        return label_response(batch, paper)


class WaybillListApi(ListAPIView):
    serializer_class = WaybillSerializer

    def get_queryset(self):
        return Waybill.objects.filter(seller=request_seller(self.request)).select_related("order")


class TrackingPushFilterInputSerializer(serializers.Serializer):
    failing = serializers.BooleanField(
        required=False, default=False,
        help_text="true: only what Tracking push failures lists (failed, shipped with another number, outcome "
                  "unknown, waiting to be sent again after an error), latest first")
    state = serializers.ChoiceField(choices=TrackingPush.State.choices, required=False)
    order = IdFilterField(help_text="Only the pushes of this order (its id).")


class TrackingPushListApi(ListAPIView):
    serializer_class = TrackingPushSerializer

    @extend_schema(parameters=[TrackingPushFilterInputSerializer],
                   summary="The seller's tracking pushes (the outbox); failing=true: the failures page's list")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = TrackingPushFilterInputSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        seller = request_seller(self.request)
        if params.validated_data["failing"]:
            pushes = selectors.push_failures(seller=seller)
        else:
            pushes = TrackingPush.objects.filter(seller=seller).select_related("order", "line")
        if state := params.validated_data.get("state"):
            pushes = pushes.filter(state=state)
        order = params.validated_data.get("order", "")
        if order != "":  # blank is no filter; UNKNOWN_ID (an id beyond the range) finds nothing
            pushes = pushes.filter(order_id=order)
        return pushes


class TrackingPushRetryApi(TakesNoBody, APIView):
    @extend_schema(request=None,
                   responses={200: TrackingPushSerializer, **refusals("nothing_to_retry", "cancel_requested")},
                   summary="Send a failed push again")
    def post(self, request, pk: int):
        seller = request_seller(request)
        if id_or_none(pk) is None:
            raise Http404  # beyond the id range: no push has it
        pushes_retry(seller_id=seller.pk, push_ids=[pk], actor=request.user)
        return Response(TrackingPushSerializer(TrackingPush.objects.get(pk=pk, seller=seller)).data)


class RetryFailedSerializer(serializers.Serializer):
    retried = serializers.IntegerField(help_text="Refused numbers put back in the outbox, sent in a moment.")
    not_sent = serializers.IntegerField(help_text="Refused numbers of lines the buyer asked to cancel (on hold) or "
                                        "cancelled: left as they are.")


class TrackingPushRetryFailedApi(TakesNoBody, APIView):
    @extend_schema(request=None,
                   responses={200: RetryFailedSerializer, **refusals("nothing_to_retry", "cancel_requested")},
                   summary="Retry all: send every tracking number the sales site refused again, as Tracking push "
                           "failures' Retry all does; 409 nothing_to_retry, cancel_requested (all on hold)")
    def post(self, request):
        seller = request_seller(request)
        ids = selectors.pushes_failed_ids(seller=seller)
        result = pushes_retry(seller_id=seller.pk, push_ids=ids, actor=request.user)
        return Response(RetryFailedSerializer(result._asdict()).data)


def _push_id(pk: int) -> int:
    push_id = id_or_none(pk)
    if push_id is None:
        raise Http404  # beyond the id range: no push has it
    return push_id


class TrackingPushCorrectApi(TakesNoBody, APIView):
    @extend_schema(request=None, responses={201: TrackingPushSerializer, **refusals("not_a_conflict", "busy")},
                   summary="Correct a push shipped with another number: the sales site's number is replaced with "
                           "ours (the correction, a new push, is answered); 409 not_a_conflict, busy")
    def post(self, request, pk: int):
        seller = request_seller(request)
        correction = push_correct(seller_id=seller.pk, push_id=_push_id(pk), actor=request.user)
        push = TrackingPush.objects.select_related("order", "line").get(pk=correction.pk, seller=seller)
        return Response(TrackingPushSerializer(push).data, status=status.HTTP_201_CREATED)


class TrackingPushDismissApi(TakesNoBody, APIView):
    @extend_schema(request=None, responses={200: TrackingPushSerializer, **refusals("not_dismissable")},
                   summary="Dismiss a failed push or one shipped with another number: SmartShip stops sending it "
                           "(the sales site's number stays and the line counts as shipped); 409 not_dismissable")
    def post(self, request, pk: int):
        seller = request_seller(request)
        push_dismiss(seller_id=seller.pk, push_id=_push_id(pk), actor=request.user)
        push = TrackingPush.objects.select_related("order", "line").get(pk=pk, seller=seller)
        return Response(TrackingPushSerializer(push).data)


class WaybillSetAsideApi(TakesNoBody, APIView):
    @extend_schema(request=None, responses={200: WaybillSerializer, **refusals("not_flagged", "reprint_needed")},
                   summary="Parcel set aside: the order was cancelled after this label was printed and the parcel "
                           "does not ship; the label's flag and the order's attention end. 409 not_flagged, "
                           "reprint_needed (a partial cancellation: reprint instead)")
    def post(self, request, pk: int):
        seller = request_seller(request)
        waybill = waybill_set_aside(seller_id=seller.pk, waybill_id=id_or_none(pk) or 0, actor=request.user)
        return Response(WaybillSerializer(waybill).data)


class ReceiveInputSerializer(InputSerializer):
    label = serializers.CharField(max_length=40, help_text="The packing label's barcode (PK…)")
    courier_code = serializers.CharField(max_length=100, help_text="The carrier's sales-site code, e.g. 0002")
    tracking_no = serializers.CharField(max_length=60)
    short_confirmed = serializers.BooleanField(
        default=False, help_text="A tracking number shorter than 8 characters is refused (tracking_no_short) as a "
        "likely partial scan unless this is true (the operator scanned it again).")


class ReceivingScanApi(APIView):
    """QFC receiving for warehouse operators (any seller's packing labels)."""

    permission_classes = [IsWarehouseOperator]

    @extend_schema(request=ReceiveInputSerializer, responses={201: WaybillSerializer, **refusals(
                       "already_received", "order_cancelled", "invoice_printed", "cancel_requested", "busy", "tracking_no_used")},
                   summary="QFC receiving: record the carrier and tracking number of a packing label")
    def post(self, request):
        data = ReceiveInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        waybill = packing_receive(code=data.validated_data["label"], courier_code=data.validated_data["courier_code"],
                                  tracking_no=data.validated_data["tracking_no"], actor=request.user,
                                  short_confirmed=data.validated_data["short_confirmed"])
        return Response(WaybillSerializer(waybill).data, status=status.HTTP_201_CREATED)
