"""Writes for SKUs and option SKUs: create, edit, deactivate/reactivate, set a code (Needs mapping).

Every write that can change which codes are usable re-maps the seller's waiting order lines in the
same transaction, so fixing a code maps lines without a new sync.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.exceptions import RELOAD_PAGE, ApplicationError
from inventory.codes import code_clean, code_key, code_problem
from inventory.models import FulfilmentLine, FulfilmentOrder, OptionSku, SiteOptionLink, Sku, SkuKind
from inventory.services.mapping import OPEN_STATUSES, MappingResult, chunked, lines_remap, remap_lines_lock
from sellers.models import Seller, User

MAX_NAME = 200
MAX_VALUES = 200
MAX_BARCODE = 64
MAX_OPTIONS = 500
TEMP_KEY = "\x01{}"  # codes never hold control characters, so this cannot clash with a real code
# Said by the form, the service and the Excel upload alike, whoever notices first.
NAME_REQUIRED = "Enter the SKU name."
KIND_REQUIRED = "Choose Single option type or Multi-option product."


@dataclass(frozen=True)
class OptionInput:
    """One row of the "Option SKU Info" tab. ``id`` names an existing option SKU of the SKU."""

    code: str
    option_values: str = ""
    barcode: str = ""
    id: int | None = None
    is_active: bool = True
    # The number the seller sees the row under, when it is not its place in the list given: the SKU form
    # leaves out rows that failed its own checks, which the seller still sees and counts.
    row: int | None = None


# What the edit form (and PATCH) writes: a form drawn from other values than these would put its values back.
# Stock figures and Active of the SKU are not among them: the form leaves them as they are.
_VERSION_SKU_FIELDS = ("name", "code")
_VERSION_OPTION_FIELDS = ("pk", "code", "option_values", "barcode", "is_active")


def sku_version(*, sku: Sku) -> str:
    """A token of what the SKU edit form shows and writes back, read now: the version the form was drawn from.

    Made from the values themselves rather than a counter bumped by each writer, so no writer (the form, the
    API, the Excel upload, Pick SKU) can forget it, and a warehouse receipt or a shipment (stock figures) never
    makes an open form stale."""
    current = Sku.objects.filter(pk=sku.pk).values_list(*_VERSION_SKU_FIELDS).get()
    options = OptionSku.objects.filter(sku_id=sku.pk).order_by("pk").values_list(*_VERSION_OPTION_FIELDS)
    digest = hashlib.sha256(repr((current, list(options))).encode())
    return digest.hexdigest()[:20]


def sku_changed_message(*, sku: Sku) -> str:
    """Why a save from a form drawn before someone else's change was refused, naming them and when."""
    who = sku.changed_by.username if sku.changed_by_id and sku.changed_by else "Someone else"
    when = ""
    if sku.changed_at:
        moment = timezone.localtime(sku.changed_at)
        when = f" at {moment:%H:%M}" if moment.date() == timezone.localdate() else f" on {moment:%m-%d %H:%M}"
    return (f"{who} changed SKU {sku.name}{when}, since you opened this page. Your changes were not saved: reload the "
            "page to see the current values, then make your changes again.")


def changed_stamp(*, sku_ids: Iterable[int], actor: User | None, now=None) -> None:
    """Record who changed these SKUs' fields or option rows, for the refusal of a form drawn before."""
    now = now or timezone.now()
    for batch in chunked(list(sku_ids)):
        Sku.objects.filter(pk__in=batch).update(changed_at=now, changed_by=actor)


@dataclass
class SkuSaved:
    sku: Sku
    mapping: MappingResult


def _text(value: object) -> str:
    return str(value if value is not None else "").strip()


def _length(errors: dict, key: str, value: str, limit: int, label: str) -> None:
    if len(value) > limit:
        errors.setdefault(key, f"{label} is at most {limit} characters.")


def code_owner_message(code: str, owner: OptionSku | Sku) -> str:
    if isinstance(owner, OptionSku):
        sku = owner.sku
        what = (f"SKU “{sku.name}”" if sku.is_single
                else f"option “{owner.option_values or owner.code}” of SKU “{sku.name}”")
        inactive = " (inactive)" if not (owner.is_active and sku.is_active) else ""
    else:
        what = f"the product of SKU “{owner.name}”"
        inactive = " (inactive)" if not owner.is_active else ""
    return (f"“{code}” is already the Seller defined code of {what}{inactive}. Codes are unique per seller: "
            "use another code, or change that SKU first.")


def codes_taken(*, seller_id: int, keys: Iterable[str], exclude_sku_id: int | None = None) -> dict[str, OptionSku | Sku]:
    """Which of these code keys another SKU (its product code or one of its options) already uses."""
    taken: dict[str, OptionSku | Sku] = {}
    keys = [key for key in set(keys) if key]
    for batch in chunked(keys):
        options = OptionSku.objects.filter(seller_id=seller_id, code_key__in=batch).select_related("sku")
        skus = Sku.objects.filter(seller_id=seller_id, code_key__in=batch)
        if exclude_sku_id is not None:
            options = options.exclude(sku_id=exclude_sku_id)
            skus = skus.exclude(pk=exclude_sku_id)
        for sku in skus:
            taken.setdefault(sku.code_key, sku)
        for option in options:
            taken[option.code_key] = option  # an option names the unit more precisely than its product
    return taken


def _clean(
    *, seller: Seller, kind: str, name: str, code: str, barcode: str, options: Sequence[OptionInput],
    sku: Sku | None,
) -> tuple[str, str, str, list[OptionInput]]:
    """Check a SKU as entered; raise ValidationError keyed by field (``options.<i>.<field>`` for rows)."""
    errors: dict[str, str] = {}
    if kind not in SkuKind.values:
        errors["kind"] = KIND_REQUIRED
    name, code, barcode = _text(name), code_clean(code), _text(barcode)
    if not name:
        errors["name"] = NAME_REQUIRED
    _length(errors, "name", name, MAX_NAME, "The SKU name")
    single = kind == SkuKind.SINGLE
    problem = code_problem(code, required=single)
    if problem:
        errors["code"] = problem
    rows: list[OptionInput] = []
    if single:
        _length(errors, "barcode", barcode, MAX_BARCODE, "A barcode")
        existing = list(sku.options.all()) if sku is not None else []
        rows = [OptionInput(code=code, barcode=barcode, id=existing[0].pk if existing else None)]
    else:
        known = {option.pk for option in sku.options.all()} if sku is not None else set()
        seen: dict[str, int] = {}
        if not options and not known:
            errors["options"] = "Add at least one option SKU with its Seller defined code."
        if len(options) > MAX_OPTIONS:
            errors["options"] = f"A SKU has at most {MAX_OPTIONS} option SKUs."
        for index, row in enumerate(options):
            prefix = f"options.{index}."
            row_code, values, row_barcode = code_clean(row.code), _text(row.option_values), _text(row.barcode)
            problem = code_problem(row_code)
            if problem:
                errors[prefix + "code"] = problem
            elif code_key(row_code) in seen:
                errors[prefix + "code"] = f"“{row_code}” is already option row {seen[code_key(row_code)]} of this SKU."
            else:
                seen[code_key(row_code)] = row.row or index + 1
            if not values:
                errors[prefix + "option_values"] = "Enter the option values, e.g. 블랙 / M."
            _length(errors, prefix + "option_values", values, MAX_VALUES, "Option values")
            _length(errors, prefix + "barcode", row_barcode, MAX_BARCODE, "A barcode")
            if row.id is not None and row.id not in known:
                errors[prefix + "code"] = f"This option row does not belong to this SKU; {RELOAD_PAGE}."
            rows.append(OptionInput(code=row_code, option_values=values, barcode=row_barcode, id=row.id,
                                    is_active=row.is_active))
    # Clashes with other SKUs are reported together with the other problems, for the codes that are valid: an
    # invalid one is not looked up (a NUL character in it is a 500 on PostgreSQL, which refuses it in a query).
    valid = [value for value in (code, *(row.code for row in rows)) if not code_problem(value, required=False)]
    taken = codes_taken(seller_id=seller.pk, keys=[code_key(value) for value in valid],
                        exclude_sku_id=sku.pk if sku is not None else None)
    if code and code_key(code) in taken and "code" not in errors:
        errors["code"] = code_owner_message(code, taken[code_key(code)])
    if not single:
        for index, row in enumerate(rows):
            if code_key(row.code) in taken and f"options.{index}.code" not in errors:
                errors[f"options.{index}.code"] = code_owner_message(row.code, taken[code_key(row.code)])
    if sku is not None:
        _recode_problems(errors, sku=sku, single=single, code=code, rows=rows)
    if errors:
        raise ValidationError(errors)
    return name, code, barcode, rows


def _recode_problems(errors: dict, *, sku: Sku, single: bool, code: str, rows: list[OptionInput]) -> None:
    """Refuse a new code for an option SKU whose open order lines are in an active fulfilment order.

    Re-mapping takes a line off an option SKU whose code it no longer matches; for a line the warehouse is
    still to ship, its fulfilment line would go on reserving and shipping the option while the order shows the
    line without a SKU (and Needs mapping asks for its code again). Lines not handed to the warehouse yet may
    be re-mapped freely. Needs mapping's "Pick SKU" has its own, stricter rule (option_sku_set_code)."""
    current = {option.pk: option for option in sku.options.all()}
    wanted: dict[int, tuple[str, str]] = {}  # option id -> (new code, error key)
    if single:
        if len(current) == 1 and "code" not in errors:
            (option,) = current.values()
            wanted[option.pk] = (code, "code")
    else:
        for index, row in enumerate(rows):
            if row.id in current and f"options.{index}.code" not in errors:
                wanted[row.id] = (row.code, f"options.{index}.code")
    recoded = [pk for pk, (new, _key) in wanted.items() if code_key(new) != current[pk].code_key]
    if not recoded:
        return
    held: dict[int, list[int]] = defaultdict(list)  # option id -> ids of the active fulfilment orders
    for option_id, fulfilment_id in FulfilmentLine.objects.filter(
        option_id__in=recoded, fulfilment__state__in=FulfilmentOrder.ACTIVE_STATES,
        order_line__status__in=OPEN_STATUSES,
    ).values_list("option_id", "fulfilment_id").order_by("fulfilment_id"):
        if fulfilment_id not in held[option_id]:
            held[option_id].append(fulfilment_id)
    for pk in recoded:
        if held.get(pk):
            new, key = wanted[pk]
            numbers = ", ".join(FulfilmentOrder(pk=fid).number for fid in held[pk][:3])
            more = f" and {len(held[pk]) - 3} more" if len(held[pk]) > 3 else ""
            instead = f"register a new SKU for {new}" if single else f"add a new option SKU for {new}"
            errors[key] = (f"{current[pk].code} is in fulfilment orders the warehouse has still to ship ({numbers}{more}): "
                           f"with the code {new} their order lines would lose this SKU while the warehouse goes on "
                           f"shipping its stock for them. Keep {current[pk].code} until they have shipped, and "
                           f"{instead}.")


def sku_fields_validate(
    *, seller: Seller, kind: str, name: str, code: str = "", barcode: str = "",
    options: Sequence[OptionInput] = (), sku: Sku | None = None,
) -> None:
    """Check a SKU as entered without saving it: the ValidationError sku_create / sku_update would raise.

    The SKU form calls it when part of what was posted already failed the form's own checks, so the rules'
    problems are reported in the same answer instead of after the first ones are fixed."""
    _clean(seller=seller, kind=kind, name=name, code=code, barcode=barcode, options=options, sku=sku)


def _save_options(*, sku: Sku, rows: list[OptionInput]) -> list[int]:
    """Create and update the option SKUs of ``sku``; return the ids whose code or active state changed
    or that are new. Changed codes go through a temporary key so two options can swap codes."""
    now = timezone.now()
    current = {option.pk: option for option in sku.options.all()}
    position = max((option.position for option in current.values()), default=-1)
    touched, updated, created, rekeyed = [], [], [], []
    for row in rows:
        option = current.get(row.id) if row.id is not None else None
        if option is None:
            position += 1
            created.append(OptionSku(sku=sku, seller_id=sku.seller_id, code=row.code, code_key=code_key(row.code),
                                     option_values=row.option_values, barcode=row.barcode, position=position,
                                     is_active=row.is_active))
            continue
        new = (row.code, code_key(row.code), row.option_values, row.barcode, row.is_active)
        if new == (option.code, option.code_key, option.option_values, option.barcode, option.is_active):
            continue
        if option.code_key != new[1] or option.is_active != row.is_active:
            touched.append(option.pk)
        if option.code_key != new[1]:
            rekeyed.append(OptionSku(pk=option.pk, code_key=TEMP_KEY.format(option.pk)))
        option.code, option.code_key, option.option_values, option.barcode, option.is_active = new
        option.updated_at = now
        updated.append(option)
    OptionSku.objects.bulk_update(rekeyed, ["code_key"], batch_size=1000)
    OptionSku.objects.bulk_update(updated, ["code", "code_key", "option_values", "barcode", "is_active", "updated_at"],
                                  batch_size=1000)
    OptionSku.objects.bulk_create(created, batch_size=1000)
    # A link to a sales-site option was found by the old code (or learned from its orders): with a new code it
    # names another product's listing, and Automatic Stock Qty Sync would keep pushing this option's stock
    # there. It goes (with its stock push row); the new code's orders, or Check LotteON link, link it again.
    SiteOptionLink.objects.filter(option_id__in=[row.pk for row in rekeyed]).delete()
    return touched + [option.pk for option in created]


def _integrity(exc: IntegrityError) -> ValidationError:
    return ValidationError({"code": "This Seller defined code was just taken by another SKU. "
                                    f"{RELOAD_PAGE.capitalize()} and choose another code."})


@transaction.atomic
def sku_create(
    *, seller: Seller, kind: str, name: str, code: str = "", barcode: str = "",
    options: Sequence[OptionInput] = (), actor: User | None = None,
) -> SkuSaved:
    """A new SKU with its option SKUs (single option type: one, carrying the SKU's code)."""
    name, code, barcode, rows = _clean(seller=seller, kind=kind, name=name, code=code, barcode=barcode,
                                       options=options, sku=None)
    try:
        with transaction.atomic():
            sku = Sku.objects.create(seller=seller, kind=kind, name=name, code=code, code_key=code_key(code),
                                     changed_at=timezone.now(), changed_by=actor)
            option_ids = _save_options(sku=sku, rows=rows)
    except IntegrityError as exc:
        raise _integrity(exc) from None
    return SkuSaved(sku=sku, mapping=lines_remap(seller_id=seller.pk, option_ids=option_ids))


@transaction.atomic
def sku_update(
    *, sku: Sku, name: str, code: str = "", barcode: str = "", options: Sequence[OptionInput] = (),
    actor: User | None = None, version: str | None = None,
) -> SkuSaved:
    """Edit a SKU. Option rows with an ``id`` update that option SKU, rows without one add an option;
    option SKUs not listed stay as they are (they are deactivated, never deleted). The type (single
    or multi) does not change after creation.

    ``version``: the ``sku_version`` the values were drawn from (the edit form's). When the SKU has changed
    since, nothing is saved (``changed_meanwhile``): the form posts every field, so saving it would silently
    put the other person's name, codes or Active flags back."""
    # The lines the re-mapping at the end may write, before the SKU and its options (remap_lines_lock).
    remap_lines_lock(seller_id=sku.seller_id, sku_ids=[sku.pk])
    sku = Sku.objects.select_for_update().get(pk=sku.pk)
    current = sku_version(sku=sku) if version is not None else None
    if version is not None and version != current:
        raise ApplicationError(sku_changed_message(sku=sku), code="changed_meanwhile", extra={
            "version": current, "changed_by": sku.changed_by.username if sku.changed_by else None,
            "changed_at": sku.changed_at.isoformat() if sku.changed_at else None})
    name, code, barcode, rows = _clean(seller=sku.seller, kind=sku.kind, name=name, code=code, barcode=barcode,
                                       options=options, sku=sku)
    if sku.is_single and rows[0].id is not None:
        option = sku.options.get()
        rows = [OptionInput(code=code, barcode=barcode, id=option.pk, is_active=option.is_active)]
    try:
        with transaction.atomic():
            sku.name, sku.code, sku.code_key = name, code, code_key(code)
            sku.changed_at, sku.changed_by = timezone.now(), actor
            sku.save(update_fields=["name", "code", "code_key", "changed_at", "changed_by", "updated_at"])
            option_ids = _save_options(sku=sku, rows=rows)
    except IntegrityError as exc:
        raise _integrity(exc) from None
    return SkuSaved(sku=sku, mapping=lines_remap(seller_id=sku.seller_id, option_ids=option_ids))


@transaction.atomic
def sku_set_active(*, sku: Sku, active: bool, actor: User | None = None) -> SkuSaved:
    """Deactivate (no new lines map to it; lines already mapped keep it) or reactivate a SKU."""
    mapping = MappingResult()
    if sku.is_active != active:
        sku.is_active = active
        sku.save(update_fields=["is_active", "updated_at"])
        if active:
            mapping = lines_remap(seller_id=sku.seller_id, option_ids=list(sku.options.values_list("pk", flat=True)))
    return SkuSaved(sku=sku, mapping=mapping)


@transaction.atomic
def option_sku_set_code(*, option: OptionSku, code: str, actor: User | None = None) -> SkuSaved:
    """Give an option SKU a new Seller defined code ("Pick SKU" on Needs mapping). For the single option
    type the SKU's code changes with it. Refused while the current code maps open order lines: they would
    lose their SKU while their fulfilment orders keep reserving and shipping this option under its new code."""
    code = code_clean(code)
    open_lines = option.order_lines.filter(status__in=OPEN_STATUSES).count()
    if open_lines and code_key(code) != code_key(option.code):
        raise ValidationError({"code": (
            f"{option.code} already maps {open_lines} open order line{'s' if open_lines != 1 else ''} to this option "
            f"SKU: giving it the code {code} would leave {'them' if open_lines != 1 else 'it'} without a SKU. Pick "
            f"another option SKU, or create a SKU (or add an option) for {code}.")})
    sku = option.sku
    if sku.is_single:
        return sku_update(sku=sku, name=sku.name, code=code, barcode=option.barcode, actor=actor)
    rows = [OptionInput(code=code if o.pk == option.pk else o.code, option_values=o.option_values, barcode=o.barcode,
                        id=o.pk, is_active=o.is_active) for o in sku.options.all()]
    try:
        return sku_update(sku=sku, name=sku.name, code=sku.code, options=rows, actor=actor)
    except ValidationError as exc:
        # Name the problem by the one field the seller touched.
        index = next(i for i, row in enumerate(rows) if row.id == option.pk)
        messages = exc.message_dict
        problem = messages.get(f"options.{index}.code") or next(iter(messages.values()))
        raise ValidationError({"code": problem}) from None
