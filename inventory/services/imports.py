"""Excel upload of SKUs: a stored upload, a worker that reads and checks every row, then applies all
of them in one transaction, or none and a row-by-row report.

The page (or the API) only stores the file and queues the job after commit; the worker updates the
job's progress between batches of rows, so 20,000 rows never hit a request timeout.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from inventory import excel
from inventory.codes import code_key, code_problem
from inventory.excel import COLUMN_BY_KEY, ImportFileError, ImportRow
from inventory.models import OptionSku, Sku, SkuImport, SkuKind
from inventory.selectors import options_sold_out_by_sync
from inventory.services.mapping import chunked, lines_remap, remap_lines_lock
from inventory.services.skus import (
    MAX_BARCODE,
    MAX_NAME,
    MAX_VALUES,
    NAME_REQUIRED,
    TEMP_KEY,
    changed_stamp,
    code_owner_message,
)
from sellers.models import Seller, User

logger = logging.getLogger("smartship.inventory.imports")
ACTIVE_WORDS = {"Y": True, "YES": True, "TRUE": True, "1": True, "O": True, "사용": True,
                "N": False, "NO": False, "FALSE": False, "0": False, "X": False, "미사용": False}


# --- The job ---------------------------------------------------------------------------------------

@transaction.atomic
def sku_import_create(*, seller: Seller, actor: User | None, filename: str, content: bytes) -> SkuImport:
    """Check the file's size, format and column names now; store it and queue the import after commit."""
    from inventory.tasks import run_import

    try:
        excel.inspect(content)
    except ImportFileError as exc:
        raise ValidationError({"file": exc.message}) from None
    job = SkuImport.objects.create(seller=seller, created_by=actor, filename=(filename or "upload.xlsx")[:255],
                                   size=len(content), content=content)
    transaction.on_commit(lambda: run_import.delay(job.pk))
    return job


def _progress(job_id: int, **fields) -> None:
    SkuImport.objects.filter(pk=job_id).update(**fields)


def sku_import_run(*, import_id: int) -> SkuImport | None:
    """Run one queued import: read (with progress), check every row, apply all or nothing."""
    taken = SkuImport.objects.filter(pk=import_id, status=SkuImport.Status.QUEUED).update(
        status=SkuImport.Status.RUNNING, phase=SkuImport.Phase.READING, started_at=timezone.now())
    if not taken:
        return None  # already run (a duplicate delivery) or gone
    job = SkuImport.objects.get(pk=import_id)
    try:
        _, rows = excel.read_rows(
            bytes(job.content),
            progress=lambda done, total: _progress(import_id, rows_done=done, rows_total=total))
        _progress(import_id, phase=SkuImport.Phase.CHECKING, rows_total=len(rows), rows_done=0)
        outcome = sku_rows_import(seller=job.seller, rows=rows, actor=job.created_by,
                                  progress=lambda done: _progress(import_id, rows_done=done),
                                  saving=lambda: _progress(import_id, phase=SkuImport.Phase.SAVING))
    except ImportFileError as exc:
        return _finish(job, status=SkuImport.Status.FAILED, message=exc.message)
    except Exception:
        logger.exception("SKU import %s failed", import_id)
        return _finish(job, status=SkuImport.Status.FAILED,
                       message="The import stopped on an unexpected error; nothing was imported. Try again, and "
                               "contact support if it happens again.")
    if outcome.refused:
        # Nothing in the file to fix: no "rows to fix" and no row blamed, just the reason and "upload it again".
        return _finish(job, status=SkuImport.Status.FAILED, rows_total=len(rows), rows_done=len(rows),
                       message=outcome.refused)
    if outcome.errors:
        return _finish(job, status=SkuImport.Status.REJECTED, rows_total=len(rows), rows_done=len(rows),
                       errors=outcome.errors, error_rows=outcome.error_rows,
                       message=f"Nothing was imported: {outcome.error_rows:,} of {len(rows):,} rows need fixing.")
    sold_out = options_sold_out_by_sync(seller=job.seller, option_ids=outcome.option_ids).sentence(of="this file")
    message = f"{outcome.summary} {sold_out}".strip()
    return _finish(job, status=SkuImport.Status.SUCCEEDED, rows_total=len(rows), rows_done=len(rows),
                   skus_created=outcome.skus_created, skus_updated=outcome.skus_updated,
                   options_created=outcome.options_created, options_updated=outcome.options_updated,
                   options_unchanged=outcome.options_unchanged, lines_mapped=outcome.lines_mapped,
                   message=message)


def _finish(job: SkuImport, *, status: str, **fields) -> SkuImport:
    fields.update(status=status, phase=SkuImport.Phase.DONE, finished_at=timezone.now(), content=b"")
    SkuImport.objects.filter(pk=job.pk).update(**fields)
    job.refresh_from_db()
    return job


# --- Checking and applying rows --------------------------------------------------------------------

@dataclass
class ImportOutcome:
    errors: list[dict] = field(default_factory=list)
    # Why the whole file was turned away though no row of it is wrong (another change got in between the check
    # and the save): uploading it again unchanged is the fix.
    refused: str = ""
    skus_created: int = 0
    skus_updated: int = 0
    options_created: int = 0
    options_updated: int = 0
    options_unchanged: int = 0
    lines_mapped: int = 0
    # (code, old name, new name): a Product code names the SKU, so a row reusing another product's code
    # renames that SKU; the result says so, in case the code was a slip.
    renamed: list[tuple[str, str, str]] = field(default_factory=list)
    option_ids: list[int] = field(default_factory=list, repr=False)  # the file's option SKUs, once saved

    @property
    def error_rows(self) -> int:
        return len({error["row"] for error in self.errors})

    @property
    def summary(self) -> str:
        text = (f"{self.skus_created:,} SKUs created, {self.skus_updated:,} updated; "
                f"{self.options_created:,} option SKUs created, {self.options_updated:,} updated, "
                f"{self.options_unchanged:,} unchanged.")
        if self.lines_mapped:
            text += f" {self.lines_mapped:,} waiting order lines are now mapped."
        if self.renamed:
            shown = []
            for code, old, new in self.renamed:
                item = f"{code} “{old}” → “{new}”"
                if len(text) + sum(len(s) + 2 for s in shown) + len(item) > 420:
                    break
                shown.append(item)
            more = len(self.renamed) - len(shown)
            text += (f" Renamed {len(self.renamed):,} SKU{'s' if len(self.renamed) != 1 else ''}: " + "; ".join(shown)
                     + (f" and {more:,} more" if more else "") + ".")
        return text


@dataclass
class _Group:
    """The rows that make one SKU: a single row, or the option rows of one product."""

    kind: str
    rows: list[ImportRow]
    product_code: str = ""
    sku: Sku | None = None


class _Report:
    def __init__(self) -> None:
        self.errors: list[dict] = []
        self.bad: set[int] = set()
        self._cells: set[tuple[int, str]] = set()

    def add(self, row: ImportRow, key: str, message: str) -> None:
        column = COLUMN_BY_KEY[key]
        self.errors.append({"row": row.number, "column": column.title, "message": message})
        self.bad.add(row.number)
        self._cells.add((row.number, key))

    def has(self, row: ImportRow, key: str) -> bool:
        """Whether this cell of the row is already reported: a rule comparing other rows with it says nothing,
        since the report's error for the cell itself is the one to fix (an empty SKU name in row 2 is not
        also row 3's problem)."""
        return (row.number, key) in self._cells


def _active(row: ImportRow, report: _Report) -> bool | None:
    if not row.active:
        return None
    value = ACTIVE_WORDS.get(row.active.strip().upper())
    if value is None:
        report.add(row, "active", f"“{row.active}” is not Y or N.")
    return value


def _check_row(row: ImportRow, report: _Report) -> None:
    problem = code_problem(row.code)
    if problem:
        report.add(row, "code", problem)
    if not row.name:
        report.add(row, "name", NAME_REQUIRED)
    elif len(row.name) > MAX_NAME:
        report.add(row, "name", f"The SKU name is at most {MAX_NAME} characters.")
    if len(row.option_values) > MAX_VALUES:
        report.add(row, "option_values", f"Option values are at most {MAX_VALUES} characters.")
    if len(row.barcode) > MAX_BARCODE:
        report.add(row, "barcode", f"A barcode is at most {MAX_BARCODE} characters.")
    problem = code_problem(row.product_code, required=False)
    if problem:
        report.add(row, "product_code", problem.replace("Seller defined code", "product code"))
    if not row.option_values and row.product_code and code_key(row.product_code) != code_key(row.code):
        report.add(row, "product_code", "A row without Option values is a single option type SKU: its SKU Seller "
                                        "Management Code is its product code. Leave Product code empty, or fill "
                                        "in Option values if this is an option of a product.")
    _active(row, report)


def _lookup(seller_id: int, keys: set[str]) -> tuple[dict[str, OptionSku], dict[str, Sku]]:
    options: dict[str, OptionSku] = {}
    skus: dict[str, Sku] = {}
    for batch in chunked(sorted(keys)):
        for option in OptionSku.objects.filter(seller_id=seller_id, code_key__in=batch).select_related("sku"):
            options[option.code_key] = option
        for sku in Sku.objects.filter(seller_id=seller_id, code_key__in=batch):
            skus[sku.code_key] = sku
    return options, skus


def _groups(rows: list[ImportRow], report: _Report) -> list[_Group]:
    """Single rows stand alone; option rows group by Product code, else by SKU name (in file order)."""
    groups: dict[tuple[str, str], _Group] = {}
    seen_codes: dict[str, ImportRow] = {}
    for row in rows:
        key = code_key(row.code)
        if key and key in seen_codes:
            if not report.has(seen_codes[key], "code"):
                report.add(row, "code", f"“{row.code}” is also in row {seen_codes[key].number}; each code once per "
                                        "file.")
            continue
        seen_codes.setdefault(key, row)
        if not row.option_values:
            groups[("single", key or f"#{row.number}")] = _Group(SkuKind.SINGLE, [row], row.code)
            continue
        group_key = ("product", code_key(row.product_code)) if row.product_code else ("name", row.name)
        group = groups.setdefault(group_key, _Group(SkuKind.MULTI, [], row.product_code))
        group.rows.append(row)
    for group in groups.values():
        if group.kind == SkuKind.MULTI and group.product_code:
            # Compared with the first row whose name is valid: a row with an empty or too long name has its own
            # error, and the rows after it are not wrong for differing from it.
            named = [row for row in group.rows if not report.has(row, "name")]
            if not named:
                continue
            first = named[0]
            for row in named[1:]:
                if row.name != first.name:
                    report.add(row, "name", f"Rows of product {group.product_code} must share one SKU name (row "
                                            f"{first.number} says “{first.name}”).")
    return list(groups.values())


def _resolve(groups: list[_Group], options: dict[str, OptionSku], skus: dict[str, Sku], report: _Report) -> None:
    """Find the existing SKU of each group, and every clash of codes with other SKUs or other rows."""
    option_owner: dict[str, tuple[_Group, ImportRow]] = {code_key(row.code): (group, row) for group in groups
                                                           for row in group.rows}

    for group in groups:
        first = group.rows[0]
        if group.kind == SkuKind.SINGLE:
            key = code_key(first.code)
            option, sku = options.get(key), skus.get(key)
            if option is not None and not option.sku.is_single:
                report.add(first, "option_values", f"“{first.code}” is an option of the multi-option SKU "
                                                   f"“{option.sku.name}”; fill in its Option values (and Product "
                                                   "code).")
                continue
            if sku is not None and not sku.is_single:
                report.add(first, "code", code_owner_message(first.code, sku))
                continue
            group.sku = option.sku if option is not None else sku
            continue

        existing = {options[code_key(row.code)].sku_id: options[code_key(row.code)].sku for row in group.rows
                    if code_key(row.code) in options}
        by_product = skus.get(code_key(group.product_code)) if group.product_code else None
        if by_product is not None and by_product.is_single:
            report.add(first, "product_code", code_owner_message(group.product_code, by_product))
            continue
        # A product code names the SKU (a new one when no SKU has it yet); without one, the SKU the rows'
        # existing options belong to.
        target = by_product
        if not group.product_code and len(existing) == 1:
            target = next(iter(existing.values()))
            if target.is_single:
                row = next(r for r in group.rows if code_key(r.code) in options)
                report.add(row, "option_values", f"“{row.code}” is a single option type SKU; leave its Option values "
                                                 "empty, or give the option another code.")
                continue
        for row in group.rows:
            option = options.get(code_key(row.code))
            if option is not None and (target is None or option.sku_id != target.pk):
                report.add(row, "code", code_owner_message(row.code, option)
                           + " An option SKU cannot move to another SKU by upload.")
            owner = skus.get(code_key(row.code))
            if option is None and owner is not None and (target is None or owner.pk != target.pk):
                report.add(row, "code", code_owner_message(row.code, owner))
        group.sku = target
        if group.product_code:
            key = code_key(group.product_code)
            option = options.get(key)
            if option is not None and (target is None or option.sku_id != target.pk):
                report.add(first, "product_code", code_owner_message(group.product_code, option))
            elif key in option_owner and option_owner[key][0] is not group:
                other = option_owner[key][1]
                if report.has(other, "code"):
                    continue  # that row's code has its own error
                report.add(first, "product_code", f"“{group.product_code}” is the SKU Seller Management Code of row "
                                                  f"{other.number}; a code names one thing.")


def sku_rows_import(*, seller: Seller, rows: list[ImportRow], progress=None, saving=None,
                    actor: User | None = None) -> ImportOutcome:
    """Check every row; with no problem, apply them all in one transaction. Nothing is applied otherwise."""
    report = _Report()
    for index, row in enumerate(rows, start=1):
        _check_row(row, report)
        if progress is not None and index % 5000 == 0:
            progress(index)
    groups = _groups(rows, report)
    keys = {code_key(row.code) for row in rows} | {code_key(g.product_code) for g in groups if g.product_code}
    options, skus = _lookup(seller.pk, {key for key in keys if key})
    _resolve(groups, options, skus, report)
    if report.errors:
        report.errors.sort(key=lambda error: error["row"])
        return ImportOutcome(errors=report.errors)
    if saving is not None:
        saving()
    try:
        return _apply(seller=seller, groups=groups, options=options, actor=actor)
    except IntegrityError:
        # Another upload or an edit took a code between the check and the save.
        return ImportOutcome(refused="Some codes were taken by another change while this file was being imported. "
                                     "Nothing was imported: upload the same file again; nothing in it needs fixing.")
    except _ChangedMeanwhile:
        return ImportOutcome(refused="Some SKUs of this file were changed by someone else while it was being checked "
                                     "(a code, a name, Active). Nothing was imported: upload the same file again, and "
                                     "it is checked against what they are now; nothing in it needs fixing.")


class _ChangedMeanwhile(Exception):
    pass


# What the import reads of the SKUs and options it found and writes back: another change to any of them between
# the check and the save would be overwritten with what the check saw (stock figures are not among them).
_SKU_FIELDS = ("kind", "name", "code", "code_key", "is_active")
_OPTION_FIELDS = ("sku_id", "code", "code_key", "option_values", "barcode", "is_active")


def _unchanged_since_check(groups: list[_Group], options: dict[str, OptionSku]) -> None:
    """Lock the SKUs and options the check found and make sure they are still as it saw them."""
    skus = {group.sku.pk: group.sku for group in groups if group.sku is not None}
    skus.update((option.sku_id, option.sku) for option in options.values())
    for model, seen, fields in ((Sku, skus, _SKU_FIELDS), (OptionSku, {o.pk: o for o in options.values()}, _OPTION_FIELDS)):
        found = 0
        for batch in chunked(sorted(seen)):
            for pk, *values in model.objects.select_for_update().filter(pk__in=batch).values_list("pk", *fields):
                found += 1
                if tuple(values) != tuple(getattr(seen[pk], name) for name in fields):
                    raise _ChangedMeanwhile
        if found != len(seen):  # deleted meanwhile
            raise _ChangedMeanwhile


@transaction.atomic
def _apply(*, seller: Seller, groups: list[_Group], options: dict[str, OptionSku], actor: User | None) -> ImportOutcome:
    # The lines the re-mapping at the end may write, before the SKUs and options (remap_lines_lock).
    remap_lines_lock(seller_id=seller.pk)
    _unchanged_since_check(groups, options)
    outcome = ImportOutcome()
    now = timezone.now()
    new_skus: list[tuple[_Group, Sku]] = []
    changed_skus: dict[int, Sku] = {}
    rekey: list[Sku] = []
    for group in groups:
        first = group.rows[0]
        active = ACTIVE_WORDS.get(first.active.strip().upper()) if first.active else None
        if group.sku is None:
            # A single SKU's Active is the SKU's; a new multi-option SKU is active, its rows set their options.
            sku_active = active if group.kind == SkuKind.SINGLE and active is not None else True
            sku = Sku(seller=seller, kind=group.kind, name=first.name, code=group.product_code,
                      code_key=code_key(group.product_code), is_active=sku_active)
            new_skus.append((group, sku))
            continue
        sku = group.sku
        new = (first.name, group.product_code or sku.code)
        sku_active = active if group.kind == SkuKind.SINGLE and active is not None else sku.is_active
        if (sku.name, sku.code, sku.is_active) != (*new, sku_active):
            if new[0] != sku.name:
                outcome.renamed.append((sku.code or first.code, sku.name, new[0]))
            if code_key(new[1]) != sku.code_key:
                rekey.append(Sku(pk=sku.pk, code_key=TEMP_KEY.format(sku.pk)))
            sku.name, sku.code, sku.code_key, sku.is_active, sku.updated_at = (
                new[0], new[1], code_key(new[1]), sku_active, now)
            changed_skus[sku.pk] = sku
    Sku.objects.bulk_create([sku for _, sku in new_skus], batch_size=1000)
    Sku.objects.bulk_update(rekey, ["code_key"], batch_size=1000)
    Sku.objects.bulk_update(list(changed_skus.values()), ["name", "code", "code_key", "is_active", "updated_at"],
                            batch_size=1000)
    outcome.skus_created, outcome.skus_updated = len(new_skus), len(changed_skus)

    positions: dict[int, int] = defaultdict(lambda: -1)
    existing_ids = [group.sku.pk for group in groups if group.sku is not None]
    for batch in chunked(existing_ids):
        for row in OptionSku.objects.filter(sku_id__in=batch).values("sku_id").annotate(top=Max("position")):
            positions[row["sku_id"]] = row["top"]
    created_for = {id(group): sku for group, sku in new_skus}
    create: list[OptionSku] = []
    update: list[OptionSku] = []
    for group in groups:
        sku = group.sku if group.sku is not None else created_for[id(group)]
        for row in group.rows:
            active = ACTIVE_WORDS.get(row.active.strip().upper()) if row.active else None
            option = options.get(code_key(row.code))
            if group.kind == SkuKind.SINGLE:
                active_option = True if option is None else option.is_active  # a single SKU's state is the SKU's
            else:
                active_option = active if active is not None else (True if option is None else option.is_active)
            if option is None:
                positions[sku.pk] += 1
                create.append(OptionSku(sku=sku, seller=seller, code=row.code, code_key=code_key(row.code),
                                        option_values=row.option_values, barcode=row.barcode,
                                        position=positions[sku.pk], is_active=active_option))
                continue
            outcome.option_ids.append(option.pk)
            new = (row.code, row.option_values, row.barcode, active_option)
            if new == (option.code, option.option_values, option.barcode, option.is_active):
                outcome.options_unchanged += 1
                continue
            option.code, option.option_values, option.barcode, option.is_active = new
            option.updated_at = now
            update.append(option)
    OptionSku.objects.bulk_create(create, batch_size=1000)
    outcome.option_ids += [option.pk for option in create]
    OptionSku.objects.bulk_update(update, ["code", "option_values", "barcode", "is_active", "updated_at"],
                                  batch_size=1000)
    outcome.options_created, outcome.options_updated = len(create), len(update)
    # An edit form open on one of these SKUs is now stale (sku_update refuses it), and names who changed it.
    changed_stamp(sku_ids={*changed_skus, *(sku.pk for _, sku in new_skus), *(option.sku_id for option in update),
                           *(option.sku_id for option in create)}, actor=actor, now=now)
    outcome.lines_mapped = len(lines_remap(seller_id=seller.pk).mapped)
    return outcome
