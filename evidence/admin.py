"""Sources and outcomes. What reaches into profiles (source merge, citation integrity, findings and grade
overrides, which are parts of a profile) is administered from the compounds app, which builds on this one."""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from reversion.admin import VersionAdmin

from .identifiers import DOI_PATTERN, PMCID_PATTERN, normalize_doi, normalize_pmcid, normalize_pmid
from .models import Outcome, Source


def count_of(model, relation):
    """How many rows of a reverse relation each row has, for a list's column: a subquery per row shown. A COUNT
    over a join instead groups the whole table before the page is cut, and so do the list's total and the
    choices of its filters, which read the same queryset (100k sources)."""
    rel = model._meta.get_field(relation)
    rows = rel.related_model._default_manager.filter(**{rel.field.name: OuterRef("pk")})
    return Coalesce(Subquery(rows.order_by().values(rel.field.name).annotate(n=Count("*")).values("n")), 0)


class VocabularyAdmin(admin.ModelAdmin):
    """An editable, ordered list of names (outcomes here, categories in compounds), with how often each is used."""

    usage_relation = ""  # the reverse relation counted in the list
    usage_label = "Used by"
    list_display = ["name", "slug", "position", "usage"]
    list_editable = ["position"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # Each list counts its own relation under its own column heading.
        cls.usage = admin.display(description=cls.usage_label, ordering="usage_total")(
            lambda self, obj: obj.usage_total
        )

    def get_queryset(self, request):
        # The search boxes that page through these (a finding's outcome) read this queryset at every keystroke:
        # the count is a subquery per row shown, and the order is total, so that no row is on two pages.
        queryset = super().get_queryset(request).annotate(usage_total=count_of(self.model, self.usage_relation))
        return queryset.order_by(*self.model._meta.ordering, "pk")


@admin.register(Source)
class SourceAdmin(VersionAdmin):
    """Each save of a source is a revision of that source (history and revert via django-reversion)."""

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
        return super().get_queryset(request).annotate(citation_total=count_of(Source, "citations"))

    def changelist_view(self, request, extra_context=None):
        # VersionAdmin wraps the list in one revision; actions (the merge) record their own revisions.
        return admin.ModelAdmin.changelist_view(self, request, extra_context)

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        # Text search misses a PMID (an integer) and an identifier pasted as a link or with its label: "PMID
        # 28280289", a PubMed, doi.org or PubMed Central link finds the source.
        try:
            pmid = normalize_pmid(search_term)
        except ValidationError:
            pmid = None
        if pmid is not None:
            results |= queryset.filter(pmid=pmid)
        doi, pmcid = normalize_doi(search_term), normalize_pmcid(search_term)
        if DOI_PATTERN.match(doi):
            results |= queryset.filter(doi=doi)
        if PMCID_PATTERN.match(pmcid):
            results |= queryset.filter(pmcid=pmcid)
        return results, may_have_duplicates

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
class OutcomeAdmin(VocabularyAdmin):
    usage_relation = "findings"
    usage_label = "Findings"
