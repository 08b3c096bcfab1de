"""REST API for SKUs, their option SKUs, the Excel import and Needs mapping (under /api/v1/)."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exceptions import ApplicationError
from core.parsers import SafeJSONParser
from core.preconditions import changed_meanwhile_for_api, if_match_version, precondition_schema, with_etag
from core.serializers import InputSerializer, TakesNoBody
from inventory.excel import MAX_BYTES
from inventory.models import OptionSku, SiteOptionLink, Sku, SkuImport, SkuKind
from inventory.selectors import (
    LINK_CHOICES,
    STATUS_CHOICES,
    SkuFilters,
    needs_mapping_groups,
    sku_get,
    sku_import_get,
    sku_list,
    skus_by_ids,
)
from inventory.services.imports import sku_import_create
from inventory.services.links import sku_links_check
from inventory.services.skus import OptionInput, sku_create, sku_set_active, sku_update, sku_version
from sellers.permissions import request_seller


class LinkOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = SiteOptionLink
        fields = ["account", "site", "site_product_id", "site_option_id", "status", "message", "source", "checked_at"]
        extra_kwargs = {
            "site_product_id": {"help_text": "The sales site's product id (LotteON spdNo)"},
            "site_option_id": {"help_text": "The sales site's option id (LotteON sitmNo)"},
        }


class OptionOutputSerializer(serializers.ModelSerializer):
    available = serializers.IntegerField(read_only=True, help_text="max(0, on_hand − reserved): pushed to the sales site")
    short = serializers.IntegerField(read_only=True, help_text="max(0, reserved − on_hand): reserved beyond stock")
    links = serializers.SerializerMethodField()

    class Meta:
        model = OptionSku
        fields = ["id", "code", "option_values", "barcode", "is_active", "on_hand", "reserved", "available", "short",
                  "links"]
        extra_kwargs = {"code": {"help_text": "Seller defined code: LotteON eitmNo of an option, or epdNo of a single "
                                              "product"}}

    @extend_schema_field(LinkOutputSerializer(many=True))
    def get_links(self, option):
        links = getattr(option, "links", None)
        if links is None:
            links = list(option.site_links.all())
        return LinkOutputSerializer(links, many=True).data


class LinkSummarySerializer(serializers.Serializer):
    state = serializers.CharField(help_text="linked, partial, problem, unchecked or no_account")
    label = serializers.CharField()
    detail = serializers.CharField()


class SkuOutputSerializer(serializers.ModelSerializer):
    options = serializers.SerializerMethodField()
    on_hand = serializers.IntegerField(read_only=True)
    reserved = serializers.IntegerField(read_only=True)
    available = serializers.IntegerField(read_only=True)
    short = serializers.IntegerField(read_only=True)
    link = LinkSummarySerializer(read_only=True)

    class Meta:
        model = Sku
        fields = ["id", "kind", "name", "code", "is_active", "on_hand", "reserved", "available", "short", "link",
                  "options",
                  "created_at", "updated_at"]
        extra_kwargs = {"code": {"help_text": "Single option type: its Seller defined code (LotteON epdNo). "
                                              "Multi-option product: the optional product code (epdNo)."}}

    @extend_schema_field(OptionOutputSerializer(many=True))
    def get_options(self, sku):
        return OptionOutputSerializer(sku.option_list, many=True).data


class OptionInputSerializer(InputSerializer):
    read_back = frozenset(OptionOutputSerializer.Meta.fields)

    id = serializers.IntegerField(required=False, help_text="An existing option SKU of this SKU (PATCH); omit to add")
    code = serializers.CharField(max_length=100, allow_blank=True)
    option_values = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    barcode = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    is_active = serializers.BooleanField(required=False, default=True)


# A single option type SKU is its one option SKU: its code and barcode are the SKU's. Rows sent for it would have
# nowhere to go, and a program told 200 would believe they were saved.
SINGLE_HAS_NO_OPTIONS = ("A Single option type SKU has no option rows: its Seller defined code and barcode are the "
                         "SKU's own `code` and `barcode`. Leave `options` out, or register a Multi-option product.")
ACTIVE_BY_ACTION = ("A SKU is deactivated and reactivated with POST /api/v1/skus/{id}/deactivate/ and /activate/, "
                    "which re-map waiting order lines; an option SKU by `is_active` on its row in `options`.")
KIND_FIXED = ("The type of a SKU does not change after it is registered: register a new SKU of the other type "
              "(and deactivate this one).")


class SkuCreateInputSerializer(InputSerializer):
    kind = serializers.ChoiceField(choices=SkuKind.choices)
    name = serializers.CharField(max_length=200)
    code = serializers.CharField(max_length=100, required=False, allow_blank=True, default="",
                                 help_text="Required for the single option type; optional product code for multi")
    barcode = serializers.CharField(max_length=64, required=False, allow_blank=True, default="",
                                    help_text="Single option type only")
    options = OptionInputSerializer(many=True, required=False, default=list,
                                    help_text="Multi-option product: its option SKUs (Option SKU Info). Not for the "
                                              "single option type (400).")

    def validate(self, attrs):
        if attrs["kind"] == SkuKind.SINGLE and attrs["options"]:
            raise serializers.ValidationError({"options": SINGLE_HAS_NO_OPTIONS})
        return attrs


class SkuUpdateInputSerializer(InputSerializer):
    """Checked against the SKU edited (``context["sku"]``): what it cannot take is refused, not passed over."""

    read_back = frozenset(SkuOutputSerializer.Meta.fields)

    kind = serializers.ChoiceField(choices=SkuKind.choices, required=False,
                                   help_text="May be sent back as it is; a different type is refused (400)")
    is_active = serializers.BooleanField(required=False, help_text="May be sent back as it is; a change is refused "
                                         "(400): POST /skus/{id}/deactivate/ or /activate/")
    name = serializers.CharField(max_length=200, required=False)
    code = serializers.CharField(max_length=100, required=False, allow_blank=True)
    barcode = serializers.CharField(max_length=64, required=False, allow_blank=True)
    options = OptionInputSerializer(many=True, required=False,
                                    help_text="Multi-option product only (400 for the single option type): rows "
                                              "with an id update that option SKU, rows without add one; option SKUs "
                                              "not listed stay as they are")

    def validate(self, attrs):
        sku = self.context["sku"]
        errors = {}
        if attrs.get("kind", sku.kind) != sku.kind:
            errors["kind"] = KIND_FIXED
        if attrs.get("is_active", sku.is_active) != sku.is_active:
            errors["is_active"] = ACTIVE_BY_ACTION
        if sku.is_single and attrs.get("options"):
            errors["options"] = SINGLE_HAS_NO_OPTIONS
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class SkuFilterInputSerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=100,
                              help_text="Seller defined code, name, option values or barcode (contains)")
    status = serializers.ChoiceField(choices=[value for value, _ in STATUS_CHOICES], required=False, default="active")
    kind = serializers.ChoiceField(choices=SkuKind.values, required=False)
    link = serializers.ChoiceField(choices=[value for value, _ in LINK_CHOICES], required=False,
                                   help_text="linked: every active option has a LotteON product / option id")


class NeedsMappingFilterInputSerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, default="",
                              help_text="Code, product code, product name or option name (contains, any case)")


class LinkCheckOutputSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    message = serializers.CharField()
    sku = SkuOutputSerializer()


class ImportInputSerializer(InputSerializer):
    file = serializers.FileField(help_text="The .xlsx (template columns; at most 20,000 rows and 10 MB)")

    def validate_file(self, upload):
        if upload.size > MAX_BYTES:
            raise serializers.ValidationError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
        return upload


class ImportErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="The row as Excel shows it (the column names are row 1)")
    column = serializers.CharField()
    message = serializers.CharField()


class ImportOutputSerializer(serializers.ModelSerializer):
    progress_percent = serializers.IntegerField(read_only=True)
    finished = serializers.BooleanField(read_only=True)
    errors = ImportErrorSerializer(many=True, read_only=True)

    class Meta:
        model = SkuImport
        fields = ["id", "filename", "size", "status", "phase", "finished", "progress_percent", "rows_total",
                  "rows_done", "message", "error_rows", "errors", "skus_created", "skus_updated", "options_created",
                  "options_updated", "options_unchanged", "lines_mapped", "created_at", "started_at", "finished_at"]


class NeedsMappingGroupSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="The code a SKU needs: option code (eitmNo), else product code (epdNo)")
    is_product_code = serializers.BooleanField()
    product_code = serializers.CharField()
    product_name = serializers.CharField()
    option_name = serializers.CharField()
    lines = serializers.IntegerField()
    orders = serializers.IntegerField()
    quantity = serializers.IntegerField()
    first_at = serializers.DateTimeField(allow_null=True)


def _sku(request, pk: int) -> Sku:
    try:
        return sku_get(seller=request_seller(request), sku_id=pk)
    except Sku.DoesNotExist:
        raise Http404 from None


def _output(seller, sku_ids: list[int]) -> list[Sku]:
    return skus_by_ids(seller=seller, sku_ids=sku_ids)


def _options(rows: list[dict]) -> list[OptionInput]:
    return [OptionInput(code=row["code"], option_values=row.get("option_values", ""), barcode=row.get("barcode", ""),
                        id=row.get("id"), is_active=row.get("is_active", True)) for row in rows]


class SkuListApi(APIView):
    pagination_class = PageNumberPagination
    # JSON only: a form body cannot carry the option rows (DRF reads `options=[…]` as no rows at all).
    parser_classes = [SafeJSONParser]

    @extend_schema(parameters=[SkuFilterInputSerializer], responses=SkuOutputSerializer(many=True),
                   summary="The seller's SKUs with their option SKUs, stock figures and LotteON link")
    def get(self, request):
        seller = request_seller(request)
        params = SkuFilterInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        filters = SkuFilters(**params.validated_data)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(sku_list(seller=seller, filters=filters).values_list("pk", flat=True),
                                           request, view=self)
        return paginator.get_paginated_response(SkuOutputSerializer(_output(seller, list(page)), many=True).data)

    @extend_schema(request=SkuCreateInputSerializer, responses={201: SkuOutputSerializer},
                   summary="Register a SKU (single option type, or multi-option with its option SKUs)")
    def post(self, request):
        seller = request_seller(request)
        serializer = SkuCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        saved = sku_create(seller=seller, kind=data["kind"], name=data["name"], code=data["code"],
                           barcode=data["barcode"], options=_options(data["options"]), actor=request.user)
        return Response(SkuOutputSerializer(_output(seller, [saved.sku.pk])[0]).data, status=status.HTTP_201_CREATED)


# --- The optional precondition of PATCH /skus/{id}/ (docs/api.md, "Editing what a colleague may edit too") ----------
# An ETag names the version of what PATCH writes (sku_version: name, codes, barcodes, option rows; not the stock
# figures), and If-Match makes the edit conditional on it. Kept apart from the serializers: a request without the
# header works as before.

ETAG, IF_MATCH, CHANGED_MEANWHILE = precondition_schema(
    what="SKU", version_of="its name, codes, barcodes and option rows; stock figures are not part of it")


def _with_etag(response: Response, sku: Sku) -> Response:
    return with_etag(response, sku_version(sku=sku))


def _if_match(request, sku: Sku) -> str | None:
    """The version If-Match requires, for sku_update (core.preconditions.if_match_version)."""
    return if_match_version(request, lambda: sku_version(sku=sku))


def _changed_meanwhile(error: ApplicationError) -> ApplicationError:
    return changed_meanwhile_for_api(error, what="SKU")


class SkuDetailApi(APIView):
    parser_classes = [SafeJSONParser]  # as SkuListApi

    @extend_schema(responses=SkuOutputSerializer, parameters=[ETAG])
    def get(self, request, pk: int):
        sku = _sku(request, pk)
        return _with_etag(Response(SkuOutputSerializer(_output(sku.seller, [sku.pk])[0]).data), sku)

    @extend_schema(request=SkuUpdateInputSerializer, responses={200: SkuOutputSerializer, **CHANGED_MEANWHILE},
                   parameters=[IF_MATCH, ETAG],
                   summary="Edit a SKU; the type does not change, option SKUs are never deleted (deactivate them)")
    def patch(self, request, pk: int):
        sku = _sku(request, pk)
        serializer = SkuUpdateInputSerializer(data=request.data, context={"sku": sku})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        single = sku.options.first() if sku.is_single else None
        try:
            sku_update(sku=sku, name=data.get("name", sku.name), code=data.get("code", sku.code),
                       barcode=data.get("barcode", single.barcode if single else ""),
                       options=_options(data.get("options", [])), actor=request.user, version=_if_match(request, sku))
        except ApplicationError as exc:
            raise _changed_meanwhile(exc) if exc.code == "changed_meanwhile" else exc from None
        return _with_etag(Response(SkuOutputSerializer(_output(sku.seller, [sku.pk])[0]).data), sku)


class SkuActiveApi(TakesNoBody, APIView):
    active = True

    @extend_schema(request=None, responses=SkuOutputSerializer,
                   summary="Deactivate (no new lines map to it) or reactivate a SKU")
    def post(self, request, pk: int):
        sku = _sku(request, pk)
        sku_set_active(sku=sku, active=self.active, actor=request.user)
        return Response(SkuOutputSerializer(_output(sku.seller, [sku.pk])[0]).data)


class SkuLinkCheckApi(TakesNoBody, APIView):
    @extend_schema(request=None, responses=LinkCheckOutputSerializer,
                   summary="Check LotteON link: look the SKU up (93 by product code, 94 per product) and store the ids")
    def post(self, request, pk: int):
        sku = _sku(request, pk)
        outcome = sku_links_check(seller=sku.seller, sku_ids=[sku.pk], actor=request.user, interactive=True)
        return Response(LinkCheckOutputSerializer({
            "ok": outcome.ok, "message": outcome.message, "sku": _output(sku.seller, [sku.pk])[0]}).data)


class SkuImportCreateApi(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request={"multipart/form-data": ImportInputSerializer}, responses={202: ImportOutputSerializer},
                   summary="Upload SKUs from Excel; poll the returned job until `finished`")
    def post(self, request):
        serializer = ImportInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        job = sku_import_create(seller=request_seller(request), actor=request.user, filename=upload.name,
                                content=upload.read())
        job = sku_import_get(seller=request_seller(request), import_id=job.pk)
        return Response(ImportOutputSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class SkuImportDetailApi(APIView):
    @extend_schema(responses=ImportOutputSerializer, summary="An upload's progress, and its row-by-row report")
    def get(self, request, pk: int):
        try:
            job = sku_import_get(seller=request_seller(request), import_id=pk)
        except SkuImport.DoesNotExist:
            raise Http404 from None
        return Response(ImportOutputSerializer(job).data)


class NeedsMappingApi(APIView):
    pagination_class = PageNumberPagination

    @extend_schema(parameters=[NeedsMappingFilterInputSerializer], responses=NeedsMappingGroupSerializer(many=True),
                   summary="Unmapped open order lines grouped by seller code, most lines first")
    def get(self, request):
        params = NeedsMappingFilterInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        groups = [group for group in needs_mapping_groups(seller=request_seller(request), q=params.validated_data["q"])
                  if group.key]
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(groups, request, view=self)
        return paginator.get_paginated_response(NeedsMappingGroupSerializer(page, many=True).data)

