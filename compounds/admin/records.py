"""Categories, and the records publishing and revisions leave behind (read-only)."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from evidence.admin import VocabularyAdmin

from .. import services
from ..models import Category, ProfileSnapshot, RevisionMeta
from ..spreadsheets import CategoryResource
from .files import FilesAdminMixin


@admin.register(Category)
class CategoryAdmin(FilesAdminMixin, VocabularyAdmin):
    resource_classes = [CategoryResource]
    usage_relation = "compounds"
    usage_label = "Compounds"

    def save_model(self, request, obj, form, change):
        old_slug = form.initial.get("slug")
        super().save_model(request, obj, form, change)
        if change:
            services.category_update(category=obj, old_slug=old_slug)

    def delete_model(self, request, obj):
        # Each profile filed under it changes: that is a revision of each.
        services.category_delete(category=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        for category in queryset:
            services.category_delete(category=category, user=request.user)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written by Monograph, never by hand (publishing, revisions)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # Never deleted on their own: they are the record of what was published and why. Published versions go
        # with their compound (CompoundAdmin.get_deleted_objects); revision records outlive it, for recovery.
        return False


@admin.register(ProfileSnapshot)
class ProfileSnapshotAdmin(ReadOnlyAdmin):
    list_display = [
        "name",
        "version",
        "published_at",
        "published_by_name",
        "is_live",
        "citation_count",
        "warning_count",
        "edit_summary",
    ]
    list_filter = ["compound"]
    search_fields = ["name", "edit_summary"]
    date_hierarchy = "published_at"
    exclude = ["body_html", "header", "linked_compounds", "acknowledged_warnings"]
    readonly_fields = ["public_link", "warnings_acknowledged"]

    @admin.display(description="Warnings acknowledged")
    def warning_count(self, obj):
        return len(obj.acknowledged_warnings)

    @admin.display(description="Warnings acknowledged when publishing")
    def warnings_acknowledged(self, obj):
        if not obj.acknowledged_warnings:
            return "None: every automatic check passed."
        return format_html_join("", "<p>⚠ {}</p>", ((warning["message"],) for warning in obj.acknowledged_warnings))

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("live_for")

    @admin.display(boolean=True, description="Live")
    def is_live(self, obj):
        return hasattr(obj, "live_for") and obj.live_for is not None

    @admin.display(description="Public page")
    def public_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("compounds:version", args=[obj.slug, obj.version]), obj)


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
