from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from reversion.admin import VersionAdmin

from .integrity import build_report
from .models import Finding, Outcome, OutcomeGrade, Source
from .services import source_merge


class MergeForm(forms.Form):
    keep = forms.ModelChoiceField(
        queryset=Source.objects.none(),
        widget=forms.RadioSelect,
        label="Keep this source",
        help_text="Citations, findings and translation links of the others move to it; the others are deleted.",
    )


@admin.register(Source)
class SourceAdmin(VersionAdmin):
    """Each save of a source is a revision of that source (history and revert via django-reversion)."""

    change_list_template = "admin/evidence/source/change_list.html"
    list_display = [
        "key",
        "short_title",
        "journal",
        "year",
        "study_design",
        "population",
        "verification",
        "retracted",
        "identifiers",
        "cited_by",
    ]
    list_filter = ["verification", "retracted", "study_design", "population", "language", "year"]
    search_fields = ["key", "title", "translated_title", "authors", "journal", "doi", "pmcid"]
    list_per_page = 100
    # The table holds up to 100k rows: no full COUNT(*) on every filtered page.
    show_full_result_count = False
    autocomplete_fields = ["translation_of"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    readonly_fields = ["created_at", "updated_at"]
    actions = ["merge_sources"]
    fieldsets = [
        (None, {"fields": ["key", "authors", "title", ("translated_title", "language"), "translation_of"]}),
        ("Publication", {"fields": [("journal", "year"), ("volume", "issue", "pages", "article_number")]}),
        ("Identifiers", {"fields": [("doi", "pmid", "pmcid"), "url"]}),
        (
            "Study",
            {
                "fields": [
                    ("study_design", "population"),
                    "species",
                    ("sample_size", "sample_size_note"),
                    "design_detail",
                    "research_group",
                ]
            },
        ),
        ("Verification", {"fields": ["verification", ("checked_by", "checked_at"), "verification_note", "provenance"]}),
        ("Retraction", {"fields": [("retracted", "retracted_on"), "retraction_notice_url"], "classes": ["collapse"]}),
        ("Record", {"fields": [("created_at", "updated_at")], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(citation_total=Count("citations"))

    def changelist_view(self, request, extra_context=None):
        # VersionAdmin wraps the list in one revision; the merge action records its own revisions per profile.
        return admin.ModelAdmin.changelist_view(self, request, extra_context)

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        # PMIDs are integers, so text search misses them: "28280289" or "PMID 28280289" finds the source.
        digits = search_term.strip().upper().removeprefix("PMID").strip(": ")
        if digits.isdigit():
            results |= queryset.filter(pmid=int(digits))
        return results, may_have_duplicates

    def get_urls(self):
        return [
            path("integrity/", self.admin_site.admin_view(self.integrity_view), name="evidence_source_integrity"),
            *super().get_urls(),
        ]

    def integrity_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        report = build_report()
        return TemplateResponse(
            request,
            "admin/evidence/source/integrity.html",
            {
                **self.admin_site.each_context(request),
                "opts": Source._meta,
                "title": "Citation integrity",
                "report": report,
            },
        )

    @admin.action(description="Merge selected duplicate sources…", permissions=["change"])
    def merge_sources(self, request, queryset):
        sources = list(queryset.order_by("key"))
        if len(sources) < 2:
            self.message_user(request, "Select at least two sources to merge.", messages.WARNING)
            return None
        form = MergeForm(request.POST if "keep" in request.POST else None)
        form.fields["keep"].queryset = queryset
        if form.is_bound and form.is_valid():
            keep = form.cleaned_data["keep"]
            try:
                source_merge(keep=keep, duplicates=[s for s in sources if s.pk != keep.pk], user=request.user)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
            else:
                self.message_user(request, f"Merged {len(sources) - 1} source(s) into @{keep.key}.", messages.SUCCESS)
            return redirect("admin:evidence_source_changelist")
        return TemplateResponse(
            request,
            "admin/evidence/source/merge.html",
            {
                **self.admin_site.each_context(request),
                "opts": Source._meta,
                "title": "Merge duplicate sources",
                "sources": sources,
                "form": form,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )

    @admin.display(description="Title")
    def short_title(self, obj):
        title = obj.display_title
        return title if len(title) <= 70 else f"{title[:69]}…"

    @admin.display(description="IDs")
    def identifiers(self, obj):
        parts = [f"doi:{obj.doi}" if obj.doi else "", f"PMID {obj.pmid}" if obj.pmid else "", obj.pmcid]
        return " · ".join(part for part in parts if part) or "none"

    @admin.display(description="Cited by", ordering="citation_total")
    def cited_by(self, obj):
        return obj.citation_total


@admin.register(Outcome)
class OutcomeAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position", "finding_count"]
    list_editable = ["position"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(finding_total=Count("findings"))

    @admin.display(description="Findings", ordering="finding_total")
    def finding_count(self, obj):
        return obj.finding_total


@admin.register(Finding)
class FindingAdmin(admin.ModelAdmin):
    list_display = ["compound", "outcome", "direction", "source", "magnitude"]
    list_filter = ["outcome", "direction", "population", "compound"]
    search_fields = ["claim", "magnitude", "source__key", "compound__name"]
    autocomplete_fields = ["compound", "source", "outcome"]
    list_select_related = ["compound", "outcome", "source"]


@admin.register(OutcomeGrade)
class OutcomeGradeAdmin(admin.ModelAdmin):
    list_display = ["compound", "outcome", "level", "set_by", "set_at"]
    list_filter = ["outcome", "level"]
    search_fields = ["compound__name", "reason"]
    autocomplete_fields = ["compound", "outcome"]
    readonly_fields = ["set_by", "set_at"]

    def save_model(self, request, obj, form, change):
        obj.set_by = request.user
        super().save_model(request, obj, form, change)
