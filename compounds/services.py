"""Writes that touch several models. Admin actions, commands and tests call these."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from .models import Citation, Compound, ProfileSnapshot, Status
from .profile import profile_build
from .selectors import compound_for_profile


def compound_citations_sync(*, compound):
    """Rebuild the compound's Citation rows from its Markdown; return the built profile."""
    built = profile_build(compound_for_profile(pk=compound.pk))
    with transaction.atomic():
        Citation.objects.filter(compound=compound).delete()
        Citation.objects.bulk_create(
            Citation(compound=compound, source=ref.source, number=ref.number, uses=len(ref.uses))
            for ref in built.registry.references
        )
    return built


def _lock(compound):
    return Compound.objects.select_for_update().get(pk=compound.pk)


def _sync_workflow_fields(target, source):
    # Keep the caller's instance in step, so a later save() of it cannot undo the change.
    target.status, target.live_snapshot = source.status, source.live_snapshot


@transaction.atomic
def compound_publish(*, compound, user=None, edit_summary=""):
    """Freeze the current draft as the next public version and make it live."""
    caller, compound = compound, _lock(compound)
    built = compound_citations_sync(compound=compound)
    if built.unknown_keys:
        raise ValidationError(
            "%(name)s cites unknown source keys: %(keys)s. Fix or add these sources before publishing.",
            code="unresolved_citations",
            params={"name": compound.name, "keys": ", ".join(f"@{k}" for k in built.unknown_keys)},
        )
    last = compound.snapshots.aggregate(last=Max("version"))["last"] or 0
    snapshot = ProfileSnapshot.objects.create(
        compound=compound,
        version=last + 1,
        name=compound.name,
        slug=compound.slug,
        summary=compound.summary,
        header=built.header,
        body_html=built.render_body(),
        citation_count=len(built.registry.references),
        featured=compound.featured,
        published_at=timezone.now(),
        published_by=user,
        published_by_name=(user.get_full_name() or user.get_username()) if user else "",
        edit_summary=edit_summary,
    )
    snapshot.categories.set(compound.categories.all())
    compound.live_snapshot = snapshot
    compound.status = Status.PUBLISHED
    compound.save(update_fields=["live_snapshot", "status", "updated_at"])
    _sync_workflow_fields(caller, compound)
    return snapshot


@transaction.atomic
def compound_unpublish(*, compound, user=None):
    """Take a profile off the public site; its published versions are kept."""
    caller, compound = compound, _lock(compound)
    compound.status = Status.UNPUBLISHED
    compound.live_snapshot = None
    compound.save(update_fields=["live_snapshot", "status", "updated_at"])
    _sync_workflow_fields(caller, compound)
    return compound


@transaction.atomic
def compound_submit_for_review(*, compound, user=None):
    caller, compound = compound, _lock(compound)
    if compound.status in (Status.PUBLISHED, Status.IN_REVIEW):
        raise ValidationError(
            "%(name)s is already %(status)s.",
            params={"name": compound.name, "status": compound.get_status_display().lower()},
        )
    compound.status = Status.IN_REVIEW
    compound.save(update_fields=["status", "updated_at"])
    caller.status = compound.status
    return compound
