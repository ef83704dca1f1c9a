"""Admin pages of single parts. Parts are edited in their compound's form, where each save is a revision.

- `PartAdmin`: superusers' read-only list of one kind of row across all compounds, for looking things up.
  Registered for every part in the registry; it offers no way to change a row.
- `ComparisonTableAdmin`: the page where a comparison table's rows are edited (rows of a row cannot be an
  inline of the compound form). Its saves record a revision of the profile, exactly as the compound form's do.
"""

from django.contrib import admin
from django.db import models
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html

from .. import services
from ..models import ComparisonRow, ComparisonTable, RevisionOrigin
from ..parts import PARTS, part_for
from ..validators import citation_keys_resolved
from .compound import posted_texts, report_profile_save
from .forms import ComparisonTableAdminForm
from .inlines import FORMFIELD_OVERRIDES, MarkdownAdminMixin
from .records import ReadOnlyAdmin

TEXT_FIELDS = (models.CharField, models.TextField)


class PartAdmin(ReadOnlyAdmin):
    """Superusers' read-only list of one kind of profile row across compounds (columns from the registry)."""

    list_per_page = 100
    show_full_result_count = False
    formfield_overrides = FORMFIELD_OVERRIDES

    @cached_property
    def part(self):
        return part_for(self.model)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("compound", *self.part.select_related)

    def get_list_display(self, request):
        position = ["position"] if any(f.name == "position" for f in self.model._meta.fields) else []
        return [*self.part.summary_fields, "profile", *position]

    def get_list_filter(self, request):
        choice_fields = [
            f.name
            for f in self.model._meta.fields
            if (f.choices or isinstance(f, models.BooleanField)) and f.name in self.part.summary_fields
        ]
        return [*choice_fields, "compound"]

    def get_search_fields(self, request):
        texts = [f.name for f in self.model._meta.fields if isinstance(f, TEXT_FIELDS) and not f.choices]
        return [*texts, "compound__name"]

    @admin.display(description="Profile", ordering="compound__name")
    def profile(self, obj):
        url = reverse("admin:compounds_compound_change", args=[obj.compound_id])
        return format_html('<a href="{}">{}</a> <span class="help">(edit it there)</span>', url, obj.compound)

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser


class ComparisonRowInline(MarkdownAdminMixin, admin.TabularInline):
    model = ComparisonRow
    fields = ["position", "label", "subject_value", "other_value"]
    extra = 1


class ComparisonTableAdmin(MarkdownAdminMixin, admin.ModelAdmin):
    """A comparison table and its rows. Reached with “Change” from the table on the compound form."""

    form = ComparisonTableAdminForm
    inlines = [ComparisonRowInline]
    autocomplete_fields = ["other_compound"]
    prepopulated_fields = {"anchor": ["title"]}
    readonly_fields = ["profile"]
    list_display = ["title", "compound", "subject_label", "other_label"]
    list_select_related = ["compound"]
    search_fields = ["title", "compound__name"]
    list_filter = ["compound"]
    fieldsets = [
        (None, {"fields": ["profile", ("position", "title", "anchor"), "row_header"]}),
        ("Columns", {"fields": [("subject_label", "other_label"), "other_compound"]}),
        ("Below the table", {"fields": ["note"]}),
        (
            "Save this change",
            {
                "fields": ["edit_summary", "minor_edit", "base_revision"],
                "description": "Saving records a revision of the whole profile, as the compound form does.",
            },
        ),
    ]

    @admin.display(description="Profile")
    def profile(self, obj):
        url = reverse("admin:compounds_compound_change", args=[obj.compound_id])
        return format_html('<a href="{}">{}</a>', url, obj.compound)

    def preview_compound_id(self, request):
        object_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
        if object_id is None:
            return None
        return ComparisonTable.objects.filter(pk=object_id).values_list("compound_id", flat=True).first()

    def has_module_permission(self, request):
        # Not a place to navigate to: tables are reached from their compound's form.
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False  # added on the compound form

    def has_delete_permission(self, request, obj=None):
        return False  # deleted on the compound form, inside a revision of the profile

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        with services.open_revision(), citation_keys_resolved(posted_texts(request)):
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        compound = form.instance.compound
        registry = services.compound_revision_record(
            compound=compound, user=request.user, origin=RevisionOrigin.ADMIN, **form.revision_details()
        )
        report_profile_save(self, request, compound, registry, changed=form.content_changed(formsets))

    def response_change(self, request, obj):
        if "_continue" in request.POST:
            return super().response_change(request, obj)
        super().response_change(request, obj)  # the success message
        return HttpResponseRedirect(reverse("admin:compounds_compound_change", args=[obj.compound_id]))


admin.site.register([part.model for part in PARTS if part.model is not ComparisonTable], PartAdmin)
admin.site.register(ComparisonTable, ComparisonTableAdmin)
