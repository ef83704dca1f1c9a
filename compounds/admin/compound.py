"""The compound admin: the one form a profile is edited in (with every part as an inline), and its list."""

from adminsortable2.admin import SortableAdminBase
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.core.exceptions import ValidationError
from django.db import models
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html_join

from evidence.admin import count_of

from .. import permissions, selectors, services
from ..models import Citation, ComparisonRow, Compound, ProfileSnapshot, ReviewComment, RevisionOrigin, Status
from ..parts import PART_BY_MODEL, PARTS
from ..plausibility import compound_warnings
from ..publish_checks import compound_publish_checks, open_review_comments_message
from ..spreadsheets import PART_RESOURCES, CompoundResource
from ..validators import citation_keys_resolved
from . import comments, views
from .files import ProfileFilesAdminMixin
from .forms import CompoundAdminForm
from .inlines import PART_INLINES, MarkdownAdminMixin
from .tabs import tab_views

OWNED_BY_PROFILE = [*(part.model for part in PARTS), ComparisonRow, Citation, ProfileSnapshot, ReviewComment]


def posted_texts(request):
    """Every value of a submitted form: the citation keys in them are resolved with one query."""
    return [value for _name, values in request.POST.lists() for value in values] if request.method == "POST" else []


def report_profile_save(model_admin, request, compound, registry, *, changed):
    """What an editor needs to know after any save of a profile (the compound form or a part's own page)."""
    if compound.go_live_at and changed:
        services.compound_unschedule(compound=compound, user=request.user)
        model_admin.message_user(
            request,
            "The scheduled publication was cancelled because the profile changed; a reviewer must schedule it again.",
            messages.WARNING,
        )
    if compound.is_live:
        model_admin.message_user(
            request,
            "Saved as a draft. Readers still see the published version until it is published again.",
            messages.INFO,
        )
    if registry.unknown:
        model_admin.message_user(request, f"Unknown citation keys: {', '.join(registry.unknown)}", messages.WARNING)
    for warning in compound_warnings(compound):
        model_admin.message_user(request, f"Check: {warning.message}", messages.WARNING)


def _each(modeladmin, request, queryset, service, *, done_message, refused_prefix="", refused_level=messages.WARNING):
    """Run a workflow service on each selected profile: say how many it did and why it refused the others."""
    done = 0
    for compound in queryset:
        try:
            service(compound=compound, user=request.user)
        except ValidationError as error:
            modeladmin.message_user(request, refused_prefix + " ".join(error.messages), refused_level)
        else:
            done += 1
    if done:
        modeladmin.message_user(request, done_message.format(count=done), messages.SUCCESS)


@admin.action(description="Submit selected profiles for review", permissions=["change"])
def submit_for_review(modeladmin, request, queryset):
    _each(
        modeladmin,
        request,
        queryset,
        services.compound_submit_for_review,
        done_message="{count} profile(s) submitted for review.",
    )


@admin.action(description="Publish selected profiles", permissions=["publish"])
def publish(modeladmin, request, queryset):
    """Show every selected profile's checks first, as the publish page does; publish on confirmation."""
    compounds = list(queryset.select_related("live_snapshot"))
    checked = [(compound, compound_publish_checks(compound=compound, user=request.user)) for compound in compounds]
    digest = "".join(checks.digest for _compound, checks in checked)
    if request.POST.get("confirm"):
        acknowledged = bool(request.POST.get("acknowledge"))
        if request.POST.get("checks_digest") != digest:
            modeladmin.message_user(
                request,
                "The checks changed since the list was shown: nothing was published. Try again.",
                messages.ERROR,
            )
            return None
        published = unchanged = 0
        for compound, checks in checked:
            try:
                snapshot = services.compound_publish(
                    compound=compound, user=request.user, acknowledged=checks.warning_messages if acknowledged else ()
                )
            except ValidationError as error:
                modeladmin.message_user(
                    request, f"{compound} not published: {' '.join(error.messages)}", messages.ERROR
                )
                continue
            published += snapshot.is_new
            unchanged += not snapshot.is_new
        if published:
            modeladmin.message_user(request, f"{published} profile(s) published.", messages.SUCCESS)
        if unchanged:
            modeladmin.message_user(
                request,
                f"{unchanged} profile(s) had no changes since their live version: nothing published.",
                messages.INFO,
            )
        return None
    return TemplateResponse(
        request,
        "admin/compounds/compound/publish_selected.html",
        {
            **modeladmin.admin_site.each_context(request),
            "opts": modeladmin.model._meta,
            "title": f"Publish {len(compounds)} profile(s)",
            "checked": checked,
            "checks_digest": digest,
            "any_warnings": any(checks.warnings for _compound, checks in checked),
            "publishable": sum(1 for _compound, checks in checked if not checks.errors),
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        },
    )


@admin.action(description="Unpublish selected profiles", permissions=["publish"])
def unpublish(modeladmin, request, queryset):
    count = 0
    for compound in queryset.published():
        services.compound_unpublish(compound=compound, user=request.user)
        count += 1
    modeladmin.message_user(request, f"{count} profile(s) unpublished.", messages.SUCCESS)


class PendingChangesFilter(admin.SimpleListFilter):
    title = "changes to published profiles"
    parameter_name = "changes"

    def lookups(self, request, model_admin):
        return [
            ("pending", "Changes pending (any)"),
            ("in_review", "Changes in review"),
            ("not_submitted", "Changes not yet submitted"),
        ]

    def queryset(self, request, queryset):
        pending = queryset.published().filter(pending_revisions__gt=0)
        if self.value() == "pending":
            return pending
        if self.value() == "in_review":
            return pending.filter(review_requested_at__isnull=False)
        if self.value() == "not_submitted":
            return pending.filter(review_requested_at__isnull=True)
        return queryset


class CompoundChangeList(ChangeList):
    """The list reads a published version for its number; the version's stored page, text and data, most of its
    row, stay in the database."""

    def get_queryset(self, request, exclude_parameters=None):
        bulky = [
            f"live_snapshot__{field.name}"
            for field in ProfileSnapshot._meta.concrete_fields
            if isinstance(field, (models.TextField, models.JSONField))
        ]
        return super().get_queryset(request, exclude_parameters).defer(*bulky)


def _submittable(compound):
    """A new draft not yet in review, or a published profile with changes not yet submitted."""
    if compound.is_live:
        return not compound.review_requested_at and getattr(compound, "pending_revisions", 0) > 0
    return compound.status != Status.IN_REVIEW


def _drop_links_to_deleted_rows(formsets):
    """A changed row that points at a row deleted in the same save (a protocol's use case) loses that link, as
    the unchanged rows do when the database deletes it; otherwise the save would write the link back."""
    deleted = {(type(f.instance), f.instance.pk) for formset in formsets for f in formset.deleted_forms}
    if not deleted:
        return
    for formset in formsets:
        links = [f for f in formset.model._meta.concrete_fields if f.is_relation and f.related_model in PART_BY_MODEL]
        for row_form in formset.forms:
            for link in links:
                if (link.related_model, getattr(row_form.instance, link.attname)) in deleted:
                    setattr(row_form.instance, link.name, None)


@admin.register(Compound)
class CompoundAdmin(SortableAdminBase, ProfileFilesAdminMixin, MarkdownAdminMixin, admin.ModelAdmin):
    resource_classes = [CompoundResource, *PART_RESOURCES]
    form = CompoundAdminForm
    change_form_template = "admin/compounds/compound/change_form.html"
    change_list_template = "admin/compounds/compound/change_list.html"
    list_display = [
        "name",
        "state",
        "pending_changes",
        "kind",
        "evidence_badge",
        "risk_profile",
        "category_list",
        "citation_count",
        "updated_at",
    ]
    list_filter = [
        "status",
        PendingChangesFilter,
        "kind",
        "categories",
        "risk_profile",
        "evidence_level_best",
        "featured",
    ]
    search_fields = ["name", "slug", "synonyms__name", "summary", "descriptor"]
    list_select_related = ["live_snapshot"]
    list_per_page = 50
    date_hierarchy = "updated_at"
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["parent"]
    readonly_fields = [
        "state",
        "pending_changes",
        "schedule",
        "preview_links",
        "automatic_checks",
        "created_at",
        "updated_at",
    ]
    actions = [submit_for_review, publish, unpublish]
    save_on_top = True
    inlines = PART_INLINES
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
        ("Where to buy", {"fields": [("vendor_count_reported", "vendors_checked_on")]}),
        ("Workflow", {"fields": [("state", "pending_changes"), "schedule", ("created_at", "updated_at")]}),
        # The edit summary, minor-edit box and base revision are in the action bar above the tabs.
    ]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "categories":
            # Tick boxes: the two-list picker took most of the form's first screen, and a search box offers
            # nothing without JavaScript. New categories are added on their own page.
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "categories" and isinstance(formfield.widget, RelatedFieldWidgetWrapper):
            # The admin's "add" pop-up can put a new choice into a list box, not into tick boxes.
            formfield.widget.can_add_related = False
        return formfield

    def get_changelist(self, request, **kwargs):
        return CompoundChangeList

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related("categories")
            .annotate(citation_total=count_of(Compound, "citations"))
            .with_pending_changes()
        )

    @admin.display(description="State", ordering="status")
    def state(self, obj):
        return obj.state_label

    @admin.display(description="Unpublished changes", ordering="pending_since")
    def pending_changes(self, obj):
        if not obj.pk or not obj.is_live or not obj.pending_revisions:
            return "—"
        count = obj.pending_revisions
        return f"changes pending since {obj.pending_since:%Y-%m-%d %H:%M}, {count} revision{'s' if count != 1 else ''}"

    @admin.display(description="Evidence", ordering="evidence_level_best")
    def evidence_badge(self, obj):
        return obj.evidence_level_display or "—"

    @admin.display(description="Categories")
    def category_list(self, obj):
        return ", ".join(category.name for category in obj.categories.all()) or "—"

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
        # One revision per save (the whole profile, recorded in save_related), and every citation key the
        # form's Markdown holds resolved with one query rather than one per field.
        with services.open_revision(), citation_keys_resolved(posted_texts(request)):
            return super().changeform_view(request, object_id, form_url, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        threads = self.open_review_threads(request, obj) if obj is not None else {}
        tabs = tab_views(context["adminform"], context["inline_admin_formsets"], threads)
        context.update(
            tabs=tabs,
            open_tab=next((tab.key for tab in tabs if tab.has_errors), tabs[0].key),
            error_lines=[(tab, line) for tab in tabs for line in tab.errors],
        )
        if obj is not None:
            open_threads = [thread for group in threads.values() for thread in group]
            context.update(
                open_comment_count=len(open_threads),
                comments_url=reverse("admin:compounds_compound_comments", args=[obj.pk]),
                publish_blocked=open_review_comments_message(labels=[thread.target_label for thread in open_threads]),
                can_publish=permissions.can_publish(request.user, obj),
                can_edit=permissions.can_edit(request.user, obj),
                can_submit=permissions.can_edit(request.user, obj) and _submittable(obj),
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def open_review_threads(self, request, obj):
        """Open review threads on the profile by (content type id, row id): read once per request, since the
        admin asks for the inlines several times while it builds the page."""
        cached = getattr(request, "_open_review_threads", None)
        if cached is None or cached[0] != obj.pk:
            by_target = {}
            for threads in selectors.review_threads_by_anchor(compound=obj).values():
                for thread in threads:
                    by_target.setdefault((thread.target_type_id, thread.target_id), []).append(thread)
            request._open_review_threads = cached = (obj.pk, by_target)
        return cached[1]

    def get_inline_instances(self, request, obj=None):
        inlines = super().get_inline_instances(request, obj)
        if obj is not None and obj.pk:
            threads = self.open_review_threads(request, obj)
            comments_url = reverse("admin:compounds_compound_comments", args=[obj.pk])
            change_url = reverse("admin:compounds_compound_change", args=[obj.pk])
            for inline in inlines:
                inline.review_threads, inline.comments_url, inline.change_url = threads, comments_url, change_url
        return inlines

    def get_inline_formsets(self, request, formsets, inline_instances, obj=None):
        inline_admin_formsets = super().get_inline_formsets(request, formsets, inline_instances, obj)
        for inline_admin_formset in inline_admin_formsets:
            if not getattr(inline_admin_formset.formset, "default_order_field", None):
                # Every part's formset can sort (PartFormSet); only the sortable inlines' rows are dragged.
                classes = inline_admin_formset.classes.split()
                inline_admin_formset.classes = " ".join(c for c in classes if c not in ("sortable", "reversed"))
            if not inline_admin_formset.formset.total_form_count():
                # An empty table is only its heading and its "add" button (compound-form.css).
                inline_admin_formset.classes = f"{inline_admin_formset.classes} empty".strip()
        return inline_admin_formsets

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if "data" in kwargs:
            # Django hands each inline its own copy of the POST; with 20 inlines and a large profile the copies
            # cost more than validating them. Formsets only read their data, so they can share it.
            kwargs["data"] = request.POST
        return kwargs

    def save_model(self, request, obj, form, change):
        obj.save_content()

    def save_formset(self, request, form, formset, change):
        part = PART_BY_MODEL.get(formset.model)
        if part is not None and part.author_field:
            for row_form in formset.forms:
                if row_form.has_changed() and not row_form.cleaned_data.get("DELETE"):
                    setattr(row_form.instance, part.author_field, request.user)
        super().save_formset(request, form, formset, change)

    def save_related(self, request, form, formsets, change):
        _drop_links_to_deleted_rows(formsets)
        super().save_related(request, form, formsets, change)
        registry = services.compound_revision_record(
            compound=form.instance, user=request.user, origin=RevisionOrigin.ADMIN, **form.revision_details()
        )
        report_profile_save(self, request, form.instance, registry, changed=change and form.content_changed(formsets))

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        # A profile's own rows go with it: their read-only admin pages refuse deletion one by one, which must not
        # stop whoever may delete the profile. Links from other profiles are removed in revisions of their own.
        owned = {str(model._meta.verbose_name) for model in OWNED_BY_PROFILE}
        return deleted, counts, {name for name in perms_needed if str(name) not in owned}, protected

    def delete_model(self, request, obj):
        services.compound_delete(compound=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        for compound in queryset:
            services.compound_delete(compound=compound, user=request.user)

    def get_urls(self):
        def wrap(view):
            return self.admin_site.admin_view(lambda request, *args, **kwargs: view(self, request, *args, **kwargs))

        return [
            path("recover/", wrap(views.recover_list_view), name="compounds_compound_recoverlist"),
            path("import-document/", wrap(views.document_import_view), name="compounds_compound_document_import"),
            path("recover/<int:version_id>/", wrap(views.recover_view), name="compounds_compound_recover"),
            path("<path:object_id>/history/compare/", wrap(views.compare_view), name="compounds_compound_compare"),
            path("<path:object_id>/comments/", wrap(comments.review_comments_view), name="compounds_compound_comments"),
            path(
                "<path:object_id>/history/<int:revision_id>/revert/",
                wrap(views.revert_view),
                name="compounds_compound_revert",
            ),
            path(
                "<path:object_id>/workflow/<str:action>/", wrap(views.workflow_view), name="compounds_compound_workflow"
            ),
            *super().get_urls(),
        ]

    def history_view(self, request, object_id, extra_context=None):
        return views.history_view(self, request, object_id)

    def has_publish_permission(self, request):
        return request.user.has_perm("compounds.publish_compound")
