"""The compound form's inlines: one per part, built from its entry in the parts registry (compounds.parts).

A part's `Form` says which fields, in which layout; the behaviour every part shares is here, once.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.forms.models import BaseInlineFormSet, InlineForeignKeyField
from django.forms.utils import ErrorDict
from markdownx.widgets import AdminMarkdownxWidget

from ..fields import MarkdownField, is_markdown
from ..parts import PART_BY_MODEL, PARTS
from ..validators import validate_citation_keys

FORMFIELD_OVERRIDES = {
    MarkdownField: {"widget": AdminMarkdownxWidget(attrs={"rows": 8})},
    # Editors paste bare domains; https is the sensible default (and Django 6's).
    models.URLField: {"assume_scheme": "https"},
}


class MarkdownAdminMixin:
    formfield_overrides = FORMFIELD_OVERRIDES

    class Media:
        js = ["compounds/markdownx-inlines.js"]


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
        self.cleaned_data = {}
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
        # Django leaves constraints that involve the inline's foreign key to the formset, which checks plain
        # field lists only: a constraint on an expression (a name compared case-insensitively) would reach the
        # database as an IntegrityError. Check those against the stored rows here.
        links = {name for name, field in self.fields.items() if isinstance(field, InlineForeignKeyField)}
        if not links or getattr(self.instance, "compound_id", None) is None:
            return
        exclude = self._get_validation_exclusions() - links
        for constraint in expression_constraints(type(self.instance)):
            try:
                constraint.validate(type(self.instance), self.instance, exclude=exclude)
            except ValidationError as error:
                self.add_error(None, error)


def expression_constraints(model):
    return [c for c in model._meta.constraints if isinstance(c, models.UniqueConstraint) and c.expressions]


def _form_value(form, expression):
    """The value a unique expression takes for a form's row: a field, or a field compared in lower case."""
    if isinstance(expression, Lower):
        value = _form_value(form, expression.source_expressions[0])
        return value.lower() if isinstance(value, str) else value
    name = getattr(expression, "name", None)
    if name is None or name not in form.cleaned_data:
        return None
    value = form.cleaned_data[name]
    return getattr(value, "pk", value)


class PartFormSet(BaseInlineFormSet):
    """The rows of one part: two new or changed rows may not break a unique expression between them either."""

    def clean(self):
        super().clean()
        for constraint in expression_constraints(self.model):
            seen = {}
            for form in self.forms:
                if not form.has_changed() or not hasattr(form, "cleaned_data") or self._should_delete_form(form):
                    continue
                key = tuple(
                    self.instance.pk if getattr(e, "name", None) == self.fk.name else _form_value(form, e)
                    for e in constraint.expressions
                )
                if None in key[1:]:
                    continue
                if key in seen:
                    form.add_error(None, constraint.get_violation_error_message())
                seen.setdefault(key, form)


class PartInlineMixin(MarkdownAdminMixin):
    part = None  # the registry entry
    form = PartRowForm
    formset = PartFormSet
    extra = 0
    fk_name = "compound"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # A row pointing at another part's row (a dosing protocol's use case) offers only this compound's rows.
        if db_field.related_model in PART_BY_MODEL:
            object_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
            manager = db_field.related_model._default_manager
            kwargs["queryset"] = manager.filter(compound_id=object_id) if object_id else manager.none()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

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


def inline_for(part):
    """The inline class of a part, named <Model>Inline, from its registry entry."""
    form = part.form
    attrs = {
        "__module__": __name__,
        "__doc__": f"The {part.model._meta.verbose_name_plural} of a profile (entry “{part.key}” in compounds.parts).",
        "model": part.model,
        "part": part,
        "fields": form.fields,
        "autocomplete_fields": form.autocomplete,
        "readonly_fields": form.fields if form.derived else form.readonly,
        "prepopulated_fields": dict(form.prepopulated),
        "show_change_link": form.change_link,
    }
    if form.label:
        attrs["verbose_name_plural"] = form.label
    return type(f"{part.model.__name__}Inline", (PartStackedInline if form.stacked else PartTabularInline,), attrs)


PART_INLINES = tuple(inline_for(part) for part in PARTS if part.form is not None)
