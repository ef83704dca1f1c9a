"""Spreadsheet import and export (CSV, XLSX, JSON) through django-import-export, for profiles and their parts.

One resource per kind of content: compounds, categories, sources, and one for each kind of row the parts registry
lists (specifications, dosing protocols, side effects…). Rows are named by natural keys (a compound's slug, a
source's citation key, a row's compound + label/name/anchor), never by database ids, so a file exported from one
site imports into another.

An import is all or nothing. Every row is `full_clean()`ed; any error (a bad value, an unknown related key or
many-to-many value, a duplicate key inside the file, an unknown or missing column, a citation key naming no source,
a published profile changed by someone who may not) stops it, names row, column and value, and writes nothing.
Every compound the import changes gets exactly one revision (origin "import", the file name, the user); a dry run
or an unchanged file records none. Imports change drafts only: what readers see changes when a reviewer publishes.
"""

import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

import tablib
from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from import_export import fields as ie_fields
from import_export import resources, widgets
from import_export.results import RowResult
from import_export.tmp_storages import BaseStorage

from evidence.fields import PMIDField
from evidence.identifiers import normalize_pmid
from evidence.models import Outcome, Source

from .models import WORKFLOW_FIELDS, Category, Citation, Compound, PendingImport, RevisionOrigin, UseCase
from .parts import PARTS
from .permissions import import_refusal
from .services import (
    category_update,
    compounds_revisions_record,
    describe_integrity_error,
    source_references_refresh,
    sources_revision_record,
)
from .uploads import utf8_text

# Cells a spreadsheet program would run as a formula (OWASP CSV injection): exported with a leading apostrophe.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Never columns: workflow (publishing decides it), bookkeeping, and who-did-what, which revisions record.
NOT_IMPORTED = {"id", "uid", *WORKFLOW_FIELDS, "created_at"}
NOT_IMPORTED |= {"updated_at", "checked_by", "checked_at", "set_by", "set_at"}
# Related models a cell names by one natural-key field.
KEY_FIELD = {Compound: "slug", Category: "slug", Source: "key", Outcome: "slug"}


class ImportFileError(ValueError):
    """What is wrong with the file as a whole (columns, duplicate keys, no rows)."""


class CellError(ValueError):
    """What is wrong with one cell: the message names its column and value."""

    def __init__(self, column, value, message):
        self.column, self.value = column, value
        super().__init__(f"column “{column}”, value “{value}”: {message}")


def escape_formula(value):
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def unescape_formula(value):
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value


# --- Widgets that refuse what they do not know ----------------------------------------------------------------


class KeyWidget(widgets.ForeignKeyWidget):
    """A related row named by its natural key; an unknown key is an error naming it."""

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return None
        # One lookup per key and import (the resource copies its widgets): files name the same compound in row
        # after row.
        cache = self.__dict__.setdefault("_found", {})
        scope = (value, self.scope(row))
        if scope not in cache:
            try:
                cache[scope] = self.get_queryset(value, row, **kwargs).get(**{self.field: value})
            except self.model.DoesNotExist:
                raise ValueError(f"no {self.model._meta.verbose_name} has {self.field} “{value}”") from None
        return cache[scope]

    def scope(self, row):
        return None


class UseCaseWidget(KeyWidget):
    """A use case is named by its anchor within the row's own compound."""

    def get_queryset(self, value, row, *args, **kwargs):
        return UseCase.objects.filter(compound__slug=row.get("compound"))

    def scope(self, row):
        return row.get("compound")


class StrictManyToManyWidget(widgets.ManyToManyWidget):
    """Unlike the library's widget, an unknown value is an error rather than silently dropped."""

    def clean(self, value, row=None, **kwargs):
        if not value:
            return self.model.objects.none()
        wanted = [item.strip() for item in str(value).split(self.separator) if item.strip()]
        found = self.model.objects.filter(**{f"{self.field}__in": wanted})
        unknown = sorted(set(wanted) - {getattr(obj, self.field) for obj in found})
        if unknown:
            names = ", ".join(f"“{item}”" for item in unknown)
            raise ValueError(f"no {self.model._meta.verbose_name} has {self.field} {names}")
        return found


class NumberWidget(widgets.DecimalWidget):
    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row, **kwargs)
        except ArithmeticError:  # decimal.InvalidOperation
            raise ValueError("write a number, e.g. 250 or 0.5") from None


class WholeNumberWidget(widgets.IntegerWidget):
    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row, **kwargs)
        except ArithmeticError:  # decimal.InvalidOperation
            raise ValueError("write a whole number, e.g. 3") from None


class PMIDWidget(widgets.IntegerWidget):
    """A PMID as people paste it (“PMID: 28280289”, a PubMed link), read as the admin form reads it."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, float) and value.is_integer():  # an XLSX number cell
            value = int(value)
        try:
            return normalize_pmid(value)
        except ValidationError as error:
            raise ValueError(error.messages[0]) from None


class StrictBooleanWidget(widgets.BooleanWidget):
    TRUE_VALUES = [*widgets.BooleanWidget.TRUE_VALUES, "yes", "Yes", "YES"]
    FALSE_VALUES = [*widgets.BooleanWidget.FALSE_VALUES, "no", "No", "NO", ""]

    def clean(self, value, row=None, **kwargs):
        if value in self.NULL_VALUES and value != "":
            return None
        if value in self.TRUE_VALUES:
            return True
        if value in self.FALSE_VALUES:
            return False
        raise ValueError("write true or false (or 1 / 0)")


# --- The resources ------------------------------------------------------------------------------------------


class MonographResource(resources.ModelResource):
    """What every Monograph resource shares: natural keys, strict checks, all-or-nothing, revisions."""

    key_columns = ()  # columns that name a row; lookups of the model's NATURAL_KEY for parts
    casefold_columns = ()  # key columns compared without regard to case, as the database's constraint does
    name = ""  # as on the command line and in the admin's list of resources

    class Meta:
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
        use_transactions = True
        skip_html_diff = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.touched = defaultdict(int)  # compound id (or source id) → rows changed

    @classmethod
    def widget_from_django_field(cls, f, default=widgets.Widget):
        if isinstance(f, models.BooleanField):
            return StrictBooleanWidget
        if isinstance(f, models.DecimalField):
            return NumberWidget
        if isinstance(f, PMIDField):
            return PMIDWidget
        if isinstance(f, models.IntegerField) and not f.is_relation:
            return WholeNumberWidget
        if isinstance(f, models.TextField):
            return widgets.CharWidget
        return super().widget_from_django_field(f, default)

    @classmethod
    def widget_kwargs_for_field(cls, field_name, django_field):
        kwargs = super().widget_kwargs_for_field(field_name, django_field)
        if isinstance(django_field, models.TextField) and django_field.blank:
            # An empty cell (a blank XLSX cell reads as None) is an empty text, as for CharFields.
            kwargs.update(coerce_to_string=True, allow_blank=True)
        return kwargs

    @classmethod
    def field_from_django_field(cls, field_name, django_field, readonly):
        if django_field.many_to_many:
            key = KEY_FIELD[django_field.related_model]
            return ie_fields.Field(
                attribute=field_name,
                column_name=field_name,
                widget=StrictManyToManyWidget(django_field.related_model, field=key, separator=","),
            )
        if django_field.many_to_one or django_field.one_to_one:
            model = django_field.related_model
            widget = UseCaseWidget(UseCase, field="anchor") if model is UseCase else KeyWidget(model, KEY_FIELD[model])
            return ie_fields.Field(attribute=field_name, column_name=field_name, widget=widget)
        return super().field_from_django_field(field_name, django_field, readonly)

    @classmethod
    def get_display_name(cls):
        return cls._meta.model._meta.verbose_name_plural.capitalize()

    # Rows are found by their natural key, never by id.

    def key_of(self, row):
        return tuple(row.get(column) for column in self.key_columns)

    def get_import_id_fields(self):
        return list(self.key_columns)

    def get_instance(self, instance_loader, row):
        try:
            return self.find(self.key_of(row))
        except ObjectDoesNotExist:
            return None

    def find(self, key):
        return self._meta.model.objects.get_by_natural_key(*key)

    # The file as a whole.

    def before_import(self, dataset, **kwargs):
        self.user = kwargs.get("user")
        try:
            self._check_file(dataset)
        except ImportFileError:
            del dataset[:]  # the rows are not looked at: the file is refused as a whole
            raise

    def _check_file(self, dataset):
        if not dataset.headers or not len(dataset):
            raise ImportFileError("The file holds no rows: give a header row and at least one row of data.")
        known = {f.column_name for f in self.get_import_fields()}
        headers = [str(header or "").strip() for header in dataset.headers]
        unknown = [f"“{header}” (column {i})" for i, header in enumerate(headers, 1) if header not in known]
        if unknown:
            raise ImportFileError(
                f"Unknown column{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}. "
                f"{self.get_display_name()} have these columns: {', '.join(sorted(known))}."
            )
        missing = [column for column in self.key_columns if column not in headers]
        if missing:
            raise ImportFileError(
                f"Missing column{'s' if len(missing) > 1 else ''} {', '.join(f'“{c}”' for c in missing)}: "
                f"{' + '.join(self.key_columns)} {'names' if len(self.key_columns) == 1 else 'name'} each row."
            )
        repeated = sorted({header for header in headers if headers.count(header) > 1})
        if repeated:
            raise ImportFileError(f"Column{'s' if len(repeated) > 1 else ''} {', '.join(repeated)} appear twice.")
        dataset.headers = headers
        # Rows a spreadsheet program leaves empty at the end are not rows of data.
        for index in reversed(range(len(dataset))):
            if all(value in (None, "") for value in dataset[index]):
                del dataset[index]
        if not len(dataset):
            raise ImportFileError("The file holds no rows: give a header row and at least one row of data.")
        # Undo the export's formula escaping and store Markdown with LF line ends, as the admin form does.
        for index, values in enumerate(dataset):
            dataset[index] = tuple(_clean_cell(value) for value in values)
        self._check_duplicate_keys(dataset)

    def _check_duplicate_keys(self, dataset):
        first_row = {}
        for number, values in enumerate(dataset, 2):
            row = dict(zip(dataset.headers, values, strict=True))
            key = tuple(
                str(value).strip().casefold() if column in self.casefold_columns else str(value).strip()
                for column, value in zip(self.key_columns, self.key_of(row), strict=True)
            )
            if key in first_row:
                shown = " / ".join(f"“{value}”" for value in self.key_of(row))
                raise ImportFileError(
                    f"Row {number}: the key {' + '.join(self.key_columns)} = {shown} is also on row "
                    f"{first_row[key]}. Each row must name a different {self._meta.model._meta.verbose_name}."
                )
            first_row[key] = number

    # Rows.

    def import_instance(self, instance, row, **kwargs):
        """Also check many-to-many cells now, so their errors are reported with the row's others."""
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        for column in self.get_import_fields():
            if isinstance(column.widget, widgets.ManyToManyWidget) and column.column_name in row:
                try:
                    column.clean(row, **kwargs)
                except ValueError as error:
                    errors[column.attribute] = ValidationError(str(error), code="invalid")
        if errors:
            raise ValidationError(errors)

    def compound_of(self, instance):
        return getattr(instance, "compound", None)

    def before_save_instance(self, instance, row, **kwargs):
        compound = self.compound_of(instance)
        refusal = import_refusal(getattr(self, "user", None), compound) if compound is not None else ""
        if refusal:
            raise ImportFileError(refusal)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """full_clean() without its check-constraint queries (one per constraint and row): the database checks
        them on save, and do_instance_save reports a refusal with the constraint's own message."""
        errors = dict(import_validation_errors or {})
        try:
            instance.full_clean(exclude=errors.keys(), validate_unique=validate_unique, validate_constraints=False)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def do_instance_save(self, instance, is_create):
        try:
            with transaction.atomic():
                self.save_row(instance, is_create)
        except IntegrityError as error:
            raise ValidationError(describe_integrity_error(error)) from error

    def save_row(self, instance, is_create):
        instance.save(force_insert=is_create)

    def after_save_instance(self, instance, row, **kwargs):
        target = self.compound_of(instance)
        if target is not None:
            self.touched[target.pk] += 1

    def export_field(self, field, instance, **kwargs):
        return escape_formula(super().export_field(field, instance, **kwargs))

    # One revision per compound changed.

    def after_import(self, dataset, result, **kwargs):
        if kwargs.get("dry_run") or result.has_errors() or result.has_validation_errors():
            return
        file_name = kwargs.get("file_name") or "a file"

        def detail(pk):
            rows = self.touched[pk]
            return f"{file_name}: {rows} row{'s' if rows > 1 else ''} of {self.name}"

        compounds_revisions_record(
            compound_ids=self.touched,
            user=getattr(self, "user", None),
            edit_summary=f"Imported from {file_name}",
            origin=RevisionOrigin.IMPORT,
            origin_detail=detail,
        )

    def import_data(self, dataset, dry_run=False, raise_errors=False, use_transactions=None, **kwargs):
        # All or nothing: the library keeps the valid rows of a file with invalid ones unless told otherwise.
        kwargs["rollback_on_validation_errors"] = True
        return super().import_data(dataset, dry_run=dry_run, raise_errors=False, use_transactions=True, **kwargs)


def _clean_cell(value):
    if isinstance(value, str):
        return unescape_formula(value.replace("\r\n", "\n"))
    return value


class CompoundResource(MonographResource):
    key_columns = ("slug",)
    name = "compounds"

    class Meta(MonographResource.Meta):
        model = Compound
        exclude = sorted(NOT_IMPORTED)

    def compound_of(self, instance):
        return instance

    def save_row(self, instance, is_create):
        # Content fields only: a publish that happened meanwhile must not be undone.
        instance.save() if is_create else instance.save_content()


class CategoryResource(MonographResource):
    key_columns = ("slug",)
    name = "categories"

    class Meta(MonographResource.Meta):
        model = Category
        exclude = ["id"]

    def save_row(self, instance, is_create):
        super().save_row(instance, is_create)
        if not is_create:
            # Published pages show the category's chip: a new name reaches them as it does from the admin.
            category_update(category=instance, old_slug=instance.slug)


class SourceResource(MonographResource):
    key_columns = ("key",)
    name = "sources"

    class Meta(MonographResource.Meta):
        model = Source
        exclude = sorted(NOT_IMPORTED)

    def after_save_instance(self, instance, row, **kwargs):
        self.touched[instance.pk] += 1

    def after_import(self, dataset, result, **kwargs):
        """Sources are versioned on their own: one revision holds every source the file changed."""
        if kwargs.get("dry_run") or result.has_errors() or result.has_validation_errors() or not self.touched:
            return
        file_name = kwargs.get("file_name") or "a file"
        sources_revision_record(
            sources=Source.objects.filter(pk__in=self.touched),
            user=getattr(self, "user", None),
            edit_summary=f"Imported from {file_name}",
            origin=RevisionOrigin.IMPORT,
            origin_detail=f"{file_name}: {len(self.touched)} source(s)",
        )
        # Live pages citing a changed source show its reference entry as it now stands, as after an admin save.
        for source in Source.objects.filter(pk__in=self.touched).order_by("pk"):
            source_references_refresh(source=source)


def _part_resource(part):
    model = part.model
    key_columns = tuple(lookup.split("__")[0] for lookup in model.NATURAL_KEY)
    casefold = tuple(lookup.split("__")[0] for lookup in model.NATURAL_KEY if lookup.endswith("__iexact"))
    ordered = ["compound", *[f.name for f in model._meta.concrete_fields if f.name not in NOT_IMPORTED | {"compound"}]]
    meta = type(
        "Meta",
        (MonographResource.Meta,),
        {"model": model, "exclude": sorted(NOT_IMPORTED), "fields": ordered, "import_order": ordered},
    )
    return type(
        f"{model.__name__}Resource",
        (MonographResource,),
        {
            "Meta": meta,
            "key_columns": key_columns,
            "casefold_columns": casefold,
            "name": part.key,
            "__module__": __name__,
        },
    )


PART_RESOURCES = tuple(
    _part_resource(part) for part in PARTS if part.model is not Citation and hasattr(part.model, "NATURAL_KEY")
)
RESOURCES = {
    resource.name: resource for resource in (CompoundResource, CategoryResource, SourceResource, *PART_RESOURCES)
}


# --- One call for the command line, the admin and tests ------------------------------------------------------


@dataclass
class ImportReport:
    resource: str
    file_name: str
    dry_run: bool
    rows: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    seconds: float = 0.0
    errors: list = field(default_factory=list)
    revisions: int = 0

    @property
    def ok(self):
        return not self.errors

    @property
    def rows_per_second(self):
        return self.rows / self.seconds if self.seconds else 0.0

    def summary(self):
        verb = "Would import" if self.dry_run else "Imported"
        return (
            f"{verb} {self.rows} row(s) of {self.resource} from {self.file_name}: {self.new} new, "
            f"{self.updated} updated, {self.unchanged} unchanged; {self.revisions} revision(s) recorded; "
            f"{self.rows_per_second:.0f} rows/s."
        )


def import_errors(resource, result):
    """Every error of an import as a sentence naming row, column and value. Rows count the header as row 1."""
    messages = [str(error.error) for error in result.base_errors]
    for number, errors in result.row_errors():
        messages += [f"Row {number + 1}: {error.error}" for error in errors]
    columns = {f.attribute: f.column_name for f in resource.get_import_fields()}
    for invalid in result.invalid_rows:
        row = dict(zip(result.diff_headers, invalid.values, strict=True))  # the library orders them so
        for attribute, texts in invalid.error_dict.items():
            for text in texts:
                if attribute == NON_FIELD_ERRORS:
                    key = " / ".join(f"“{row.get(c, '')}”" for c in resource.key_columns)
                    label = "column" if len(resource.key_columns) == 1 else "columns"
                    where = f"{label} {' + '.join(resource.key_columns)} ({key})"
                    messages.append(f"Row {invalid.number + 1}, {where}: {text}")
                else:
                    column = columns.get(attribute, attribute)
                    messages.append(
                        f"Row {invalid.number + 1}, column “{column}”, value “{row.get(column, '')}”: {text}"
                    )
    return messages


def spreadsheet_import(*, resource_name, dataset, user=None, file_name="", dry_run=False, on_row=None):
    """Import a tablib Dataset with the named resource. Returns an ImportReport; nothing is written on any error."""
    resource = RESOURCES[resource_name]()
    if on_row is not None:
        resource.after_import_row = lambda row, row_result, **kwargs: on_row(kwargs.get("row_number"))
    started = time.perf_counter()
    result = resource.import_data(dataset, dry_run=dry_run, user=user, file_name=file_name)
    report = ImportReport(resource=resource_name, file_name=file_name, dry_run=dry_run, rows=result.total_rows)
    report.seconds = time.perf_counter() - started
    report.errors = import_errors(resource, result)
    totals = result.totals
    report.new, report.updated = totals[RowResult.IMPORT_TYPE_NEW], totals[RowResult.IMPORT_TYPE_UPDATE]
    report.unchanged = totals[RowResult.IMPORT_TYPE_SKIP]
    if report.ok and not dry_run:
        report.revisions = len(resource.touched) if resource_name != "sources" else int(bool(resource.touched))
    return report


FORMATS = {".csv": "csv", ".xlsx": "xlsx", ".json": "json"}


def dataset_from_file(data, file_name):
    """Read an uploaded or local file into a Dataset; what cannot be read is an ImportFileError saying why."""
    suffix = "." + file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    fmt = FORMATS.get(suffix)
    if fmt is None:
        raise ImportFileError(f"{file_name}: give a .csv, .xlsx or .json file.")
    if not data.strip():
        raise ImportFileError(f"{file_name} is empty.")
    if fmt != "xlsx":
        data = utf8_text(data, file_name, error=ImportFileError, save_as="UTF-8, e.g. “CSV UTF-8” in Excel")
    try:
        return tablib.Dataset().load(data, format=fmt)
    except Exception as error:  # tablib and its readers raise many kinds for a malformed file
        raise ImportFileError(f"{file_name} cannot be read as {fmt.upper()}: {error}") from None


def spreadsheet_export(*, resource_name, fmt="csv", queryset=None):
    """The rows of one resource as a file's content (str for CSV and JSON, bytes for XLSX); cells that a
    spreadsheet would run as formulas are escaped."""
    resource = RESOURCES[resource_name]()
    dataset = resource.export(queryset=queryset)
    return dataset.export(fmt)


class DatabaseStorage(BaseStorage):
    """django-import-export's store for a file between preview and confirm, in the shared database: the
    library's default (a temporary file) is lost when the confirmation reaches another app server."""

    LIFETIME = timedelta(days=1)

    def save(self, data):
        if not self.name:
            self.name = uuid.uuid4().hex
        if isinstance(data, str):
            data = data.encode(self.encoding or "utf-8")
        PendingImport.objects.filter(created_at__lt=timezone.now() - self.LIFETIME).delete()
        PendingImport.objects.update_or_create(name=self.name, defaults={"data": data})

    def read(self):
        try:
            data = bytes(PendingImport.objects.get(name=self.name).data)
        except PendingImport.DoesNotExist:
            raise ImportFileError("The uploaded file has expired or was already imported; upload it again.") from None
        return data if "b" in self.read_mode else data.decode(self.encoding or "utf-8-sig")

    def remove(self):
        PendingImport.objects.filter(name=self.name).delete()
