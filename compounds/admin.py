import reversion
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from markdownx.widgets import AdminMarkdownxWidget
from reversion.models import Revision

from evidence.models import Finding, OutcomeGrade

from . import admin_views, permissions, services
from .admin_forms import CompoundAdminForm
from .checks import compound_warnings
from .fields import MarkdownField
from .models import (
    AdministrationStep,
    Category,
    Citation,
    ComparisonRow,
    ComparisonTable,
    Compound,
    Contraindication,
    DosingProtocol,
    GlossaryTerm,
    Limitation,
    ProfileSnapshot,
    RegulatoryStatus,
    RelatedCompound,
    RevisionMeta,
    RevisionOrigin,
    Section,
    SideEffect,
    Specification,
    Status,
    Synonym,
    TimeCourse,
    TimelineEntry,
    UseCase,
    VendorOffer,
)

FORMFIELD_OVERRIDES = {
    MarkdownField: {"widget": AdminMarkdownxWidget(attrs={"rows": 8})},
    # Editors paste bare domains; https is the sensible default (and Django 6's).
    models.URLField: {"assume_scheme": "https"},
}


class MarkdownAdminMixin:
    formfield_overrides = FORMFIELD_OVERRIDES

    class Media:
        js = ["compounds/markdownx-inlines.js"]


# --- Inlines of the compound change form ----------------------------------------


class OrderedTabular(MarkdownAdminMixin, admin.TabularInline):
    extra = 0
    show_change_link = False


class OrderedStacked(MarkdownAdminMixin, admin.StackedInline):
    extra = 0


class SynonymInline(OrderedTabular):
    model = Synonym
    fields = ["position", "name", "kind"]


class RegulatoryStatusInline(OrderedStacked):
    model = RegulatoryStatus
    fields = [("position", "jurisdiction", "authority"), ("state", "year", "verified_on"), "note"]


class SpecificationInline(OrderedTabular):
    model = Specification
    fields = ["position", "label", "value"]


class GlossaryTermInline(OrderedTabular):
    model = GlossaryTerm
    fields = ["position", "term", "meaning"]


class SectionInline(OrderedStacked):
    model = Section
    fields = [("position", "level", "title", "anchor"), "body"]
    prepopulated_fields = {"anchor": ["title"]}


class ComparisonTableInline(OrderedStacked):
    model = ComparisonTable
    fk_name = "compound"
    fields = [("position", "title", "anchor"), ("row_header", "subject_label", "other_label", "other_compound"), "note"]
    prepopulated_fields = {"anchor": ["title"]}
    show_change_link = True
    autocomplete_fields = ["other_compound"]
    verbose_name_plural = "comparison tables (edit the rows with “Change” after saving)"


class UseCaseInline(OrderedStacked):
    model = UseCase
    fields = [("position", "title", "anchor"), "body"]
    prepopulated_fields = {"anchor": ["title"]}


class DosingProtocolInline(OrderedStacked):
    model = DosingProtocol
    fields = [
        ("position", "name", "in_summary", "use_case"),
        ("amount_low", "amount_high", "unit", "amount_text"),
        ("doses_per_day_low", "doses_per_day_high", "frequency_text"),
        ("timing", "duration", "route", "species"),
    ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Offer only this compound's use cases.
        if db_field.name == "use_case":
            object_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
            kwargs["queryset"] = UseCase.objects.filter(compound_id=object_id) if object_id else UseCase.objects.none()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class AdministrationStepInline(OrderedTabular):
    model = AdministrationStep
    fields = ["position", "route", "text"]


class TimeCourseInline(OrderedTabular):
    model = TimeCourse
    fields = ["position", "phase", "text", "minutes_low", "minutes_high"]


class TimelineEntryInline(OrderedTabular):
    model = TimelineEntry
    fields = ["position", "timeframe", "effects"]


class SideEffectInline(OrderedTabular):
    model = SideEffect
    fields = ["position", "effect", "frequency", "frequency_text", "note"]


class ContraindicationInline(OrderedTabular):
    model = Contraindication
    fields = ["position", "condition", "qualifier"]


class LimitationInline(OrderedTabular):
    model = Limitation
    fields = ["position", "title", "detail"]


class RelatedCompoundInline(OrderedTabular):
    model = RelatedCompound
    fk_name = "compound"
    fields = ["position", "related", "relation", "note"]
    autocomplete_fields = ["related"]


class VendorOfferInline(OrderedTabular):
    model = VendorOffer
    fields = ["position", "vendor", "amount_mg", "price", "currency", "url", "checked_on"]


class FindingInline(OrderedStacked):
    model = Finding
    fields = [
        ("position", "outcome", "direction", "source"),
        ("magnitude", "population", "study_design", "sample_size", "species"),
        "claim",
    ]
    autocomplete_fields = ["outcome", "source"]
    verbose_name_plural = "findings (evidence per outcome; empty study fields are taken from the source)"


class OutcomeGradeInline(OrderedTabular):
    model = OutcomeGrade
    fields = ["outcome", "level", "reason", "set_by", "set_at"]
    readonly_fields = ["set_by", "set_at"]
    autocomplete_fields = ["outcome"]
    verbose_name_plural = "grade overrides (only with a written reason; shown to readers)"


class CitationInline(admin.TabularInline):
    model = Citation
    fields = ["number", "source", "uses"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "citations (derived from the Markdown on save)"

    def has_add_permission(self, request, obj=None):
        return False


# --- Compound ------------------------------------------------------------------------


@admin.register(Compound)
class CompoundAdmin(MarkdownAdminMixin, admin.ModelAdmin):
    form = CompoundAdminForm
    change_form_template = "admin/compounds/compound/change_form.html"
    change_list_template = "admin/compounds/compound/change_list.html"
    list_display = [
        "name",
        "status",
        "kind",
        "evidence_badge",
        "risk_profile",
        "category_list",
        "live_version",
        "citation_count",
        "updated_at",
    ]
    list_filter = ["status", "kind", "categories", "risk_profile", "evidence_level_best", "featured"]
    search_fields = ["name", "slug", "synonyms__name", "summary", "descriptor"]
    list_select_related = ["live_snapshot"]
    list_per_page = 50
    date_hierarchy = "updated_at"
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["parent"]
    filter_horizontal = ["categories"]
    readonly_fields = ["status", "schedule", "preview_links", "automatic_checks", "created_at", "updated_at"]
    actions = ["submit_for_review", "publish", "unpublish"]
    save_on_top = True
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("name", "slug"),
                    "descriptor",
                    "summary",
                    ("kind", "featured"),
                    "categories",
                    "preview_links",
                ]
            },
        ),
        ("Variant form", {"fields": ["parent", "form_note"], "classes": ["collapse"]}),
        ("What is this?", {"fields": ["what_is_this"]}),
        (
            "Badges",
            {
                "fields": [
                    ("evidence_level_best", "evidence_level_worst", "evidence_scheme"),
                    "evidence_note",
                    ("risk_profile", "risk_note"),
                ]
            },
        ),
        (
            "Chemistry",
            {"fields": ["sequence", ("n_terminus", "c_terminus"), ("molecular_formula", "molecular_weight")]},
        ),
        (
            "Automatic checks",
            {
                "fields": ["automatic_checks"],
                "description": "Doses against the stated daily maximum; molecular weight and formula against the "
                "sequence. Warnings do not block saving.",
            },
        ),
        ("Administration", {"fields": ["route", "route_rationale"]}),
        (
            "Dosing limits and cycling",
            {
                "fields": [
                    ("daily_max_low", "daily_max_high", "daily_max_unit"),
                    "daily_max_note",
                    "cycling_label",
                    "cycling",
                ]
            },
        ),
        ("Side effects", {"fields": ["side_effects_note"]}),
        ("Where to buy", {"fields": [("vendor_count_reported", "vendors_checked_on")], "classes": ["collapse"]}),
        ("Workflow", {"fields": [("status", "schedule"), ("created_at", "updated_at")]}),
        (
            "Save this change",
            {
                "fields": ["edit_summary", "minor_edit", "base_revision"],
                "description": "Every save is a revision in the profile's history. Readers see nothing until a "
                "reviewer publishes.",
            },
        ),
    ]
    inlines = [
        SynonymInline,
        RegulatoryStatusInline,
        SpecificationInline,
        GlossaryTermInline,
        SectionInline,
        ComparisonTableInline,
        UseCaseInline,
        DosingProtocolInline,
        AdministrationStepInline,
        TimeCourseInline,
        TimelineEntryInline,
        SideEffectInline,
        ContraindicationInline,
        LimitationInline,
        RelatedCompoundInline,
        VendorOfferInline,
        FindingInline,
        OutcomeGradeInline,
        CitationInline,
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related("categories")
            .annotate(citation_total=Count("citations", distinct=True))
        )

    @admin.display(description="Evidence", ordering="evidence_level_best")
    def evidence_badge(self, obj):
        return obj.evidence_level_display or "—"

    @admin.display(description="Categories")
    def category_list(self, obj):
        return ", ".join(category.name for category in obj.categories.all()) or "—"

    @admin.display(description="Live version")
    def live_version(self, obj):
        return f"v{obj.live_snapshot.version}" if obj.live_snapshot else "—"

    @admin.display(description="Citations", ordering="citation_total")
    def citation_count(self, obj):
        return obj.citation_total

    @admin.display(description="Warnings")
    def automatic_checks(self, obj):
        if not obj.pk:
            return (
                "Checked after the first save: doses against the daily maximum, molecular weight against the sequence."
            )
        warnings = compound_warnings(obj)
        if not warnings:
            return "No warnings: doses are within the daily maximum and the molecular weight matches the sequence."
        return format_html_join("", '<p class="warning">⚠ {}</p>', ((warning.message,) for warning in warnings))

    @admin.display(description="Scheduled")
    def schedule(self, obj):
        parts = []
        if obj.go_live_at:
            parts.append(f"publish {obj.go_live_at:%Y-%m-%d %H:%M}")
        if obj.expire_at:
            parts.append(f"unpublish {obj.expire_at:%Y-%m-%d %H:%M}")
        return ", ".join(parts) or "—"

    @admin.display(description="Pages")
    def preview_links(self, obj):
        if not obj.pk:
            return "Save first to preview."
        links = [(obj.get_preview_url(), "Preview draft")]
        if obj.is_live:
            links.append((obj.get_absolute_url(), "Public page"))
        return format_html_join(" · ", '<a href="{}" target="_blank" rel="noopener">{}</a>', links)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # One revision per save: the compound, its inline rows and the derived citations.
        with reversion.create_revision():
            return super().changeform_view(request, object_id, form_url, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context.update(
                can_publish=permissions.can_publish(request.user, obj),
                can_edit=permissions.can_edit(request.user, obj),
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change):
        obj.save_content()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        compound = form.instance
        base = form.cleaned_data.get("base_revision")
        built = services.compound_revision_record(
            compound=compound,
            user=request.user,
            edit_summary=form.cleaned_data.get("edit_summary", "").strip(),
            minor=form.cleaned_data.get("minor_edit", False),
            origin=RevisionOrigin.ADMIN,
            base_revision=Revision.objects.filter(pk=base).first() if base else None,
        )
        if compound.go_live_at and change and form.has_changed():
            services.compound_unschedule(compound=compound, user=request.user)
            self.message_user(
                request,
                "The scheduled publication was cancelled because the profile changed; a reviewer must schedule it again.",
                messages.WARNING,
            )
        if compound.is_live:
            self.message_user(
                request,
                "Saved as a draft. Readers still see the published version until it is published again.",
                messages.INFO,
            )
        if built.unknown_keys:
            self.message_user(request, f"Unknown citation keys: {', '.join(built.unknown_keys)}", messages.WARNING)
        for warning in compound_warnings(compound):
            self.message_user(request, f"Check: {warning.message}", messages.WARNING)

    def save_formset(self, request, form, formset, change):
        if formset.model is OutcomeGrade:
            # Overrides record who set them.
            for grade_form in formset.forms:
                if grade_form.has_changed() and not grade_form.cleaned_data.get("DELETE"):
                    grade_form.instance.set_by = request.user
        super().save_formset(request, form, formset, change)

    def get_urls(self):
        def wrap(view):
            return self.admin_site.admin_view(lambda request, *args, **kwargs: view(self, request, *args, **kwargs))

        return [
            path("recover/", wrap(admin_views.recover_list_view), name="compounds_compound_recoverlist"),
            path("recover/<int:version_id>/", wrap(admin_views.recover_view), name="compounds_compound_recover"),
            path(
                "<path:object_id>/history/compare/", wrap(admin_views.compare_view), name="compounds_compound_compare"
            ),
            path(
                "<path:object_id>/history/<int:revision_id>/revert/",
                wrap(admin_views.revert_view),
                name="compounds_compound_revert",
            ),
            path(
                "<path:object_id>/workflow/<str:action>/",
                wrap(admin_views.workflow_view),
                name="compounds_compound_workflow",
            ),
            *super().get_urls(),
        ]

    def history_view(self, request, object_id, extra_context=None):
        return admin_views.history_view(self, request, object_id)

    def has_publish_permission(self, request):
        return request.user.has_perm("compounds.publish_compound")

    @admin.action(description="Submit selected profiles for review", permissions=["change"])
    def submit_for_review(self, request, queryset):
        done = 0
        for compound in queryset:
            try:
                services.compound_submit_for_review(compound=compound, user=request.user)
                done += 1
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.WARNING)
        if done:
            self.message_user(request, f"{done} profile(s) submitted for review.", messages.SUCCESS)

    @admin.action(description="Publish selected profiles", permissions=["publish"])
    def publish(self, request, queryset):
        published = 0
        for compound in queryset:
            try:
                services.compound_publish(compound=compound, user=request.user)
                published += 1
            except ValidationError as error:
                self.message_user(request, f"Not published: {' '.join(error.messages)}", messages.ERROR)
        if published:
            self.message_user(request, f"{published} profile(s) published.", messages.SUCCESS)

    @admin.action(description="Unpublish selected profiles", permissions=["publish"])
    def unpublish(self, request, queryset):
        count = 0
        for compound in queryset.filter(status=Status.PUBLISHED):
            services.compound_unpublish(compound=compound, user=request.user)
            count += 1
        self.message_user(request, f"{count} profile(s) unpublished.", messages.SUCCESS)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position", "compound_count"]
    list_editable = ["position"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(compound_total=Count("compounds"))

    @admin.display(description="Compounds", ordering="compound_total")
    def compound_count(self, obj):
        return obj.compound_total


class ComparisonRowInline(admin.TabularInline):
    model = ComparisonRow
    fields = ["position", "label", "subject_value", "other_value"]
    extra = 1


@admin.register(ComparisonTable)
class ComparisonTableAdmin(MarkdownAdminMixin, admin.ModelAdmin):
    list_display = ["title", "compound", "subject_label", "other_label", "row_count"]
    list_filter = ["compound"]
    search_fields = ["title", "compound__name"]
    autocomplete_fields = ["compound", "other_compound"]
    prepopulated_fields = {"anchor": ["title"]}
    inlines = [ComparisonRowInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("compound").annotate(row_total=Count("rows"))

    @admin.display(description="Rows", ordering="row_total")
    def row_count(self, obj):
        return obj.row_total


class CompoundChildAdmin(MarkdownAdminMixin, admin.ModelAdmin):
    """Cross-compound lists of child rows (the compound form edits them in place)."""

    list_filter = ["compound"]
    list_select_related = ["compound"]
    autocomplete_fields = ["compound"]
    list_per_page = 100


def _register_child(model, display, search, extra_filters=()):
    attrs = {
        "list_display": [*display, "compound", "position"],
        "search_fields": [*search, "compound__name"],
        "list_filter": [*extra_filters, "compound"],
    }
    admin.site.register(model, type(f"{model.__name__}Admin", (CompoundChildAdmin,), attrs))


_register_child(Synonym, ["name", "kind"], ["name"], ["kind"])
_register_child(
    RegulatoryStatus, ["jurisdiction", "state", "year", "verified_on"], ["jurisdiction", "authority"], ["state"]
)
_register_child(Specification, ["label", "value"], ["label", "value"])
_register_child(GlossaryTerm, ["term", "meaning"], ["term", "meaning"])
_register_child(Section, ["title", "level"], ["title", "body"], ["level"])
_register_child(UseCase, ["title"], ["title", "body"])
_register_child(
    DosingProtocol, ["name", "amount_text", "frequency_text", "in_summary", "species"], ["name"], ["unit", "in_summary"]
)
_register_child(AdministrationStep, ["text", "route"], ["text"], ["route"])
_register_child(TimeCourse, ["phase", "text"], ["text"], ["phase"])
_register_child(TimelineEntry, ["timeframe", "effects"], ["timeframe", "effects"])
_register_child(SideEffect, ["effect", "frequency", "frequency_text"], ["effect"], ["frequency"])
_register_child(Contraindication, ["condition", "qualifier"], ["condition"])
_register_child(Limitation, ["title", "detail"], ["title", "detail"])
_register_child(RelatedCompound, ["related", "relation"], ["related__name"], ["relation"])
_register_child(VendorOffer, ["vendor", "amount_mg", "price", "currency", "checked_on"], ["vendor"], ["currency"])


class ReadOnlyAdmin(admin.ModelAdmin):
    """Derived rows: shown for reference, never edited by hand (the next save or publish rewrites them)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # Never deleted on their own, but they go with their compound when someone may delete that.
        return obj is not None and request.user.has_perm("compounds.delete_compound")


@admin.register(Citation)
class CitationAdmin(ReadOnlyAdmin):
    list_display = ["compound", "number", "source", "uses"]
    list_filter = ["compound", "source__verification"]
    search_fields = ["compound__name", "source__key", "source__title"]
    list_select_related = ["compound", "source"]


@admin.register(ProfileSnapshot)
class ProfileSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["name", "version", "published_at", "published_by_name", "is_live", "citation_count", "edit_summary"]
    list_filter = ["compound"]
    search_fields = ["name", "edit_summary"]
    date_hierarchy = "published_at"
    exclude = ["body_html", "header"]
    readonly_fields = ["public_link"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("live_for")

    @admin.display(boolean=True, description="Live")
    def is_live(self, obj):
        return hasattr(obj, "live_for") and obj.live_for is not None

    @admin.display(description="Public page")
    def public_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("compounds:detail", args=[obj.slug]), obj.slug)


@admin.register(RevisionMeta)
class RevisionMetaAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "compound", "number", "origin", "minor", "status", "revision_date", "revision_user"]
    list_filter = ["origin", "minor", "status"]
    search_fields = ["edit_summary", "compound__name", "origin_detail"]
    list_select_related = ["compound", "revision__user"]

    @admin.display(description="When", ordering="revision__date_created")
    def revision_date(self, obj):
        return obj.revision.date_created

    @admin.display(description="Who")
    def revision_user(self, obj):
        return obj.revision.user
