"""The compound form's inlines: one per part, built from its entry in the parts registry (compounds.parts).

A part's `Form` says which fields, in which layout; the behaviour every part shares is here, once.
"""

from adminsortable2.admin import (
    CustomInlineFormSetMixin,
    SortableInlineAdminMixin,
    SortableStackedInline,
    SortableTabularInline,
)
from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect, RelatedFieldWidgetWrapper
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.forms.models import BaseInlineFormSet, InlineForeignKeyField, ModelChoiceField, ModelChoiceIterator
from django.forms.utils import ErrorDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from markdownx.widgets import AdminMarkdownxWidget

from ..fields import MarkdownField, is_markdown
from ..models import Compound
from ..models.review import target_anchor
from ..parts import PART_BY_MODEL, PARTS
from ..validators import validate_citation_keys

FORMFIELD_OVERRIDES = {
    MarkdownField: {"widget": AdminMarkdownxWidget(attrs={"rows": 8})},
    # Editors paste bare domains; https is the sensible default (and Django 6's).
    models.URLField: {"assume_scheme": "https"},
}


class ProfileMarkdownxWidget(AdminMarkdownxWidget):
    """The markdownx editor of a text on a profile's page. Its preview request names the profile, so the preview
    can number citations as that profile's page does (markdownx_views.StaffMarkdownifyView)."""

    def __init__(self, attrs=None, compound_id=None):
        super().__init__(attrs)
        self.compound_id = compound_id

    def add_markdownx_attrs(self, attrs):
        attrs = super().add_markdownx_attrs(attrs)
        # markdownx's script posts each preview to this attribute's URL, read afresh for every request.
        url = reverse("markdownx_markdownify")
        if self.compound_id is not None:
            url = f"{url}?{urlencode({'compound': self.compound_id})}"
        attrs["data-markdownx-urls-path"] = url
        return attrs


class MarkdownAdminMixin:
    formfield_overrides = FORMFIELD_OVERRIDES

    def preview_compound_id(self, request):
        """The saved profile whose page this form's Markdown is shown on; None on a profile not saved yet."""
        if Compound not in (self.model, getattr(self, "parent_model", None)):
            return None
        return request.resolver_match.kwargs.get("object_id") if request.resolver_match else None

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, MarkdownField):
            widget = ProfileMarkdownxWidget(attrs={"rows": 8}, compound_id=self.preview_compound_id(request))
            kwargs = {**kwargs, "widget": widget}
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    class Media:
        js = ["compounds/markdownx-inlines.js"]


class ChosenObjects:
    """The objects the rows of one table have chosen in one field, shared by the rows' widgets.

    An autocomplete box shows only the chosen object's name; Django reads that object once per row. The
    formset hands over the objects its rows already hold (the inline reads them with the rows) and the values
    posted for the others, which the first box that needs one reads all at once.
    """

    def __init__(self, field):
        self.key_name = field.target_field.attname
        self.objects = {}  # str(key) -> object
        self.wanted = set()
        self.tried = set()

    def hold(self, obj):
        self.objects[str(getattr(obj, self.key_name))] = obj

    def want(self, value):
        if value not in (None, ""):
            self.wanted.add(str(value))

    def get(self, queryset, keys):
        missing = (self.wanted | set(keys)) - self.objects.keys() - self.tried
        if missing & set(keys):
            self.tried |= missing
            for obj in queryset.filter(**{f"{self.key_name}__in": missing}):
                self.hold(obj)
        return [self.objects[key] for key in keys if key in self.objects]


class RowAutocompleteSelect(AutocompleteSelect):
    """An autocomplete box on a row of the compound form: the chosen object comes from the table's
    ChosenObjects (shared by every row's copy of the widget, since a widget's copy is shallow)."""

    def __init__(self, field, admin_site, attrs=None, choices=(), using=None):
        super().__init__(field, admin_site, attrs, choices, using)
        self.chosen = ChosenObjects(field)

    def optgroups(self, name, value, attr=None):
        selected = [str(v) for v in value if str(v) not in self.choices.field.empty_values]
        options = (
            [] if self.is_required or self.allow_multiple_selected else [self.create_option(name, "", "", False, 0)]
        )
        objects = self.chosen.get(self.choices.queryset.using(self.db), list(dict.fromkeys(selected)))
        if not self.allow_multiple_selected:
            objects = objects[:1]
        for obj in objects:
            key = getattr(obj, self.chosen.key_name)
            label = self.choices.field.label_from_instance(obj)
            options.append(self.create_option(name, key, label, set(selected), len(options)))
        return [(None, options, 0)]


class SharedChoiceIterator(ModelChoiceIterator):
    """A select's choices, read once for all the rows of a table rather than once per row."""

    def __iter__(self):
        shared = self.field.shared_choices
        if "choices" not in shared:
            shared["choices"] = list(super().__iter__())
        return iter(shared["choices"])

    def __len__(self):
        return len(list(self))

    def __bool__(self):
        return bool(list(self))


class SharedChoiceField(ModelChoiceField):
    """A foreign key chosen from a list on each row of a table: the rows' copies of the field share one
    reading of the list (a field's copy is shallow, so they share `shared_choices`). A new table (each
    request builds its own) reads it afresh."""

    iterator = SharedChoiceIterator

    def __init__(self, *args, **kwargs):
        self.shared_choices = {}
        super().__init__(*args, **kwargs)


class PartRowForm(forms.ModelForm):
    """One row of a part on the compound form.

    A stored row the editor did not touch passed every check when it was saved; checking it again on every
    save would cost queries per row (each foreign key, each constraint), hundreds on a large profile. Only
    its citation keys are checked again, because a source's key can change under it; all keys of the form
    are resolved in one query (see validators.citation_keys_resolved).
    """

    def full_clean(self):
        if not (self.is_bound and self.instance.pk and not self.has_changed()):
            return super().full_clean()
        self._errors = ErrorDict()
        # The stored values stand in for cleaned data: the formset's uniqueness checks compare every row,
        # untouched ones included, with the rows the editor changed.
        self.cleaned_data = {name: self.initial.get(name) for name in self.fields if name != "DELETE"}
        for name in self.fields:
            model_field = next((f for f in self.instance._meta.concrete_fields if f.name == name), None)
            if model_field is not None and is_markdown(model_field):
                try:
                    validate_citation_keys(getattr(self.instance, name))
                except ValidationError as error:
                    self.add_error(name, error)
        return None

    def _post_clean(self):
        super()._post_clean()
        # Django leaves the inline's foreign key out of a row's own constraint checks. Uniqueness is checked
        # across the submitted rows by the formset; a check constraint that involves the compound (a profile
        # related to itself) is checked here, or it would reach the database as an IntegrityError.
        links = {name for name, field in self.fields.items() if isinstance(field, InlineForeignKeyField)}
        if not links or getattr(self.instance, "compound_id", None) is None:
            return
        exclude = self._get_validation_exclusions() - links
        for constraint in type(self.instance)._meta.constraints:
            if not isinstance(constraint, models.CheckConstraint):
                continue
            try:
                constraint.validate(type(self.instance), self.instance, exclude=exclude)
            except ValidationError as error:
                self.add_error(None, error)


def _unique_constraints(model):
    return [c for c in model._meta.constraints if isinstance(c, models.UniqueConstraint) and c.condition is None]


def _value(values, term):
    """The value a term of a unique constraint takes for a row: a field, or a field compared in lower case."""
    if isinstance(term, Lower):
        value = _value(values, term.source_expressions[0])
        return value.lower() if isinstance(value, str) else value
    name = getattr(term, "name", None)
    if name is None or name not in values:
        return None
    value = values[name]
    return getattr(value, "pk", value)


class PartFormSet(CustomInlineFormSetMixin, BaseInlineFormSet):
    """The rows of one part, checked together against the part's unique constraints.

    Rows whose order matters are dragged into place (django-admin-sortable2 writes their `position`); the
    position stays a visible number, so that the order can be read and set without JavaScript too. A new row
    left at 0 goes last.

    Every stored row of the part is in the formset, so the checks here are complete without asking the
    database. Django's own check covers constraints on plain fields; this adds those on expressions (a name
    compared case-insensitively), and refuses a swap of two values within one save, which the database would
    refuse half-way through saving the rows.
    """

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        # A row's name (shown on its box) names the profile: it is this formset's compound, not a query per row.
        self.fk.set_cached_value(form.instance, self.instance)
        for name, field in form.fields.items():
            chosen = getattr(getattr(field.widget, "widget", field.widget), "chosen", None)
            if chosen is None:
                continue
            model_field = form.instance._meta.get_field(name)
            held = model_field.get_cached_value(form.instance, None)
            if held is not None:
                chosen.hold(held)
            chosen.want(field.get_bound_field(form, name).value())
        return form

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.default_order_field:
            position = self.form.base_fields[self.default_order_field]
            position.widget = forms.NumberInput(attrs={"class": "_reorder_ vPositionField", "min": 0})
            position.help_text = ""
            # The library makes it optional for its hidden input; a visible box left empty is an error to show,
            # not a NULL for the database to refuse.
            position.required = True

    def clean(self):
        super().clean()
        rows = [f for f in self.forms if getattr(f, "cleaned_data", None) and not self._should_delete_form(f)]
        for constraint in _unique_constraints(self.model):
            terms = constraint.expressions or [models.F(name) for name in constraint.fields]
            terms = [term for term in terms if getattr(term, "name", None) != self.fk.name]

            def key(values, terms=terms):
                return tuple(_value(values, term) for term in terms)

            message = constraint.get_violation_error_message()
            if constraint.expressions:
                seen = {}
                for form in rows:
                    value = key(form.cleaned_data)
                    if None in value:
                        continue
                    if value in seen:
                        # On the row the editor changed: the other one may be a row they did not touch.
                        target = form if form.has_changed() or not seen[value].has_changed() else seen[value]
                        target.add_error(None, message)
                    seen.setdefault(value, form)
            # Rows are saved (and deleted) one by one in form order: a value a changed or deleted row holds now
            # may still be in the database when another row takes it.
            held_by_changed_rows = {key(f.initial): f for f in self.initial_forms if f.has_changed()}
            held_by_changed_rows = {value: f for value, f in held_by_changed_rows.items() if None not in value}
            for form in rows:
                holder = held_by_changed_rows.get(key(form.cleaned_data))
                if form.has_changed() and holder is not None and holder is not form:
                    form.add_error(
                        None,
                        "Another row of this table still has this value until it is saved: change one of the two "
                        "rows, save, then change the other.",
                    )


class PartInlineMixin(MarkdownAdminMixin):
    part = None  # the registry entry
    form = PartRowForm
    formset = PartFormSet
    extra = 0
    fk_name = "compound"
    # Set per request by CompoundAdmin.get_inline_instances: open threads by (content type id, row id), and
    # the profile's comments page.
    review_threads = {}
    comments_url = change_url = ""

    @admin.display(description="Review")
    def review(self, obj):
        """The open review threads on this row, and a link to comment on it. Never on a row not saved yet."""
        if obj is None or obj.pk is None or not self.comments_url:
            return ""
        content_type_id = ContentType.objects.get_for_model(type(obj)).pk
        anchor = target_anchor(content_type_id, obj.pk)
        return render_to_string(
            "admin/compounds/compound/_review_threads.html",
            {
                "threads": self.review_threads.get((content_type_id, obj.pk), ()),
                "anchor": anchor,
                "comments_url": self.comments_url,
                "add_url": f"{self.comments_url}?{urlencode({'target': anchor, 'next': f'{self.change_url}#comment-{anchor}'})}",
            },
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        object_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
        manager = db_field.related_model._default_manager
        if db_field.related_model in PART_BY_MODEL:
            # A row pointing at another part's row (a dosing protocol's use case) offers only this compound's rows.
            kwargs["queryset"] = manager.filter(compound_id=object_id) if object_id else manager.none()
        elif db_field.related_model is Compound and db_field.name != self.fk_name and object_id:
            # A profile is not related to, or compared with, itself.
            kwargs["queryset"] = manager.exclude(pk=object_id)
        # Each row shows its choice: with a query per row, a table of 50 findings cost 100 queries.
        if db_field.name in self.get_autocomplete_fields(request):
            kwargs.setdefault("widget", RowAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using")))
        else:
            kwargs.setdefault("form_class", SharedChoiceField)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_queryset(self, request):
        # What each row's name and chosen objects show, read with the rows (see ChosenObjects).
        return super().get_queryset(request).select_related(*self.part.select_related)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if isinstance(getattr(formfield, "widget", None), RelatedFieldWidgetWrapper):
            # A row's outcome or source is chosen here, not edited or deleted: the change, delete and view icons
            # on every row and field were a tenth of the form's HTML. "Add" stays, for one not recorded yet.
            formfield.widget.can_change_related = formfield.widget.can_delete_related = False
            formfield.widget.can_view_related = False
        return formfield

    def has_add_permission(self, request, obj=None):
        return not self.part.form.derived and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not self.part.form.derived and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self.part.form.derived and super().has_delete_permission(request, obj)


class PartTabularInline(PartInlineMixin, admin.TabularInline):
    """Short rows, one table line each."""


class PartStackedInline(PartInlineMixin, admin.StackedInline):
    """Rows with long text, one box each."""


class SortablePartMixin(SortableInlineAdminMixin):
    formset = PartFormSet
    ordering = ("position", "id")

    def get_fields(self, request, obj=None):
        # The part lists its position already, often in a line with other fields, where the library's check
        # for a missing position field does not look: it would add the field a second time.
        return super(SortableInlineAdminMixin, self).get_fields(request, obj)


class SortablePartTabularInline(SortablePartMixin, PartTabularInline):
    template = SortableTabularInline.template


class SortablePartStackedInline(SortablePartMixin, PartStackedInline):
    template = SortableStackedInline.template


def _sortable(part):
    """Rows the editor orders by hand: the page shows them in `position` order (not, like findings, grouped
    by something else first), and Monograph does not number them itself."""
    has_position = any(f.name == "position" for f in part.model._meta.concrete_fields)
    return has_position and not part.order_by and not part.form.derived


def inline_for(part):
    """The inline class of a part, named <Model>Inline, from its registry entry."""
    form = part.form
    attrs = {
        "__module__": __name__,
        "__doc__": f"The {part.model._meta.verbose_name_plural} of a profile (entry “{part.key}” in compounds.parts).",
        "model": part.model,
        "part": part,
        "fields": (*form.fields, "review"),
        "autocomplete_fields": form.autocomplete,
        "readonly_fields": (
            *(form.field_names if form.derived else form.readonly),
            "review",
        ),
        "prepopulated_fields": dict(form.prepopulated),
        "show_change_link": form.change_link,
    }
    if form.label:
        attrs["verbose_name_plural"] = form.label
    if _sortable(part):
        base = SortablePartStackedInline if form.stacked else SortablePartTabularInline
    else:
        base = PartStackedInline if form.stacked else PartTabularInline
    return type(f"{part.model.__name__}Inline", (base,), attrs)


PART_INLINES = tuple(inline_for(part) for part in PARTS if part.form is not None)
