"""Reads that span relations. Views and services use these, never ad-hoc queries."""

from django.db.models import Count, Prefetch, Q

from evidence.models import Finding, OutcomeGrade

from .models import (
    Category,
    ComparisonRow,
    ComparisonTable,
    Compound,
    DosingProtocol,
    ProfileSnapshot,
    RelatedCompound,
    RevisionMeta,
    UseCase,
)

PROFILE_PREFETCH = (
    "categories",
    "synonyms",
    "regulatory_statuses",
    "specifications",
    "glossary_terms",
    "sections",
    Prefetch(
        "comparison_tables",
        queryset=ComparisonTable.objects.select_related("other_compound").prefetch_related(
            Prefetch("rows", queryset=ComparisonRow.objects.order_by("position", "id"))
        ),
    ),
    Prefetch(
        "use_cases",
        queryset=UseCase.objects.prefetch_related(
            Prefetch("protocols", queryset=DosingProtocol.objects.order_by("position", "id"))
        ),
    ),
    "dosing_protocols",
    "administration_steps",
    "time_course",
    "timeline",
    "side_effects",
    "contraindications",
    "limitations",
    Prefetch("related_links", queryset=RelatedCompound.objects.select_related("related")),
    "vendor_offers",
    Prefetch("variants", queryset=Compound.objects.order_by("name")),
    Prefetch("findings", queryset=Finding.objects.select_related("outcome", "source").order_by("position", "id")),
    Prefetch("outcome_grades", queryset=OutcomeGrade.objects.select_related("set_by")),
)


def compound_for_profile(*, slug=None, pk=None):
    """The draft compound with every child row the profile page shows, in a fixed number of queries."""
    queryset = Compound.objects.select_related("parent", "live_snapshot").prefetch_related(*PROFILE_PREFETCH)
    return queryset.get(slug=slug) if slug is not None else queryset.get(pk=pk)


def published_snapshot_get(*, slug):
    """The live public version of a profile, or DoesNotExist. One query."""
    return ProfileSnapshot.objects.select_related(None).get(live_for__slug=slug, live_for__status="published")


def published_snapshots(*, category=None):
    """Live public versions for listings, newest first."""
    queryset = ProfileSnapshot.objects.live().only(
        "id", "name", "slug", "summary", "header", "published_at", "featured"
    )
    if category is not None:
        queryset = queryset.filter(categories=category)
    return queryset.order_by("-published_at", "name")


def categories_with_published_counts():
    return Category.objects.annotate(
        published_count=Count("snapshots", filter=Q(snapshots__live_for__status="published"), distinct=True)
    ).order_by("position", "name")


def latest_revision_meta(*, compound_id):
    return (
        RevisionMeta.objects.select_related("revision__user")
        .filter(compound_key=compound_id)
        .order_by("-number")
        .first()
    )


def compound_history(*, compound_id):
    """Revision list of a compound, newest first, in one query."""
    return (
        RevisionMeta.objects.select_related("revision__user", "base_revision__meta")
        .filter(compound_key=compound_id)
        .order_by("-number")
    )


def public_change_log(*, compound_id):
    """Published versions for the public change log, newest first; minor ones hidden."""
    return (
        ProfileSnapshot.objects.filter(compound_id=compound_id, minor=False)
        .only("version", "published_at", "edit_summary", "published_by_name", "slug")
        .order_by("-version")
    )


def published_version_get(*, slug, version):
    """(that version, the live version) of a currently published profile. Two queries."""
    current = published_snapshot_get(slug=slug)
    if current.version == version:
        return current, current
    return ProfileSnapshot.objects.get(compound_id=current.compound_id, version=version), current
