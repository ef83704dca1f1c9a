"""Reads that span relations. Views and services use these, never ad-hoc queries.

Every public read starts from `ProfileSnapshot.objects.live()`: the one rule for what readers may see.
"""

from django.db.models import Count

from .models import Category, Compound, ProfileSnapshot, RevisionMeta, published_q
from .parts import profile_prefetch


def compounds_for_profile():
    """Draft compounds with every part the profile page shows, one query per part for however many are read."""
    return Compound.objects.select_related("parent__live_snapshot", "live_snapshot").prefetch_related(
        *profile_prefetch()
    )


def compound_for_profile(*, slug=None, pk=None):
    """The draft compound with every part the profile page shows, one query per part."""
    queryset = compounds_for_profile()
    return queryset.get(slug=slug) if slug is not None else queryset.get(pk=pk)


def published_snapshot_get(*, slug):
    """The live public version of a profile (by the slug it was published under), or DoesNotExist. One query."""
    return ProfileSnapshot.objects.live().get(slug=slug)


def public_address_taken(*, slug, compound):
    """Another profile's live version is published at this address."""
    return ProfileSnapshot.objects.live().filter(slug=slug).exclude(compound_id=compound.pk).exists()


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
        published_count=Count("snapshots", filter=published_q("snapshots__live_for__"), distinct=True)
    ).order_by("position", "name")


def latest_revision_meta(*, compound_id):
    return (
        RevisionMeta.objects.select_related("revision__user")
        .filter(compound_key=compound_id)
        .order_by("-number")
        .first()
    )


def compound_pending_changes(*, compound_id):
    """(revisions since the live version, since when) — for a profile never published, every revision."""
    annotated = Compound.objects.with_pending_changes().only("pk").get(pk=compound_id)
    return annotated.pending_revisions, annotated.pending_since


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
