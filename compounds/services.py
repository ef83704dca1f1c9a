"""Writes that touch several models. Admin views, commands and tests call these.

Every change to a profile's content happens inside `compound_revision(...)`,
which records one django-reversion revision holding the compound and all its
child rows, with a RevisionMeta (summary, minor flag, origin, base revision).
"""

from contextlib import contextmanager

import reversion
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from reversion.models import Revision

from .models import Citation, Compound, ProfileSnapshot, RevisionMeta, RevisionOrigin, Status
from .profile import profile_build
from .selectors import compound_for_profile, latest_revision_meta


class EditConflictError(ValidationError):
    """Someone saved the profile after this editor opened it."""

    def __init__(self, *, base_revision_id, latest):
        self.base_revision_id = base_revision_id
        self.latest = latest
        super().__init__(
            "Someone else saved this profile (revision r%(number)s by %(user)s) after you opened it. "
            "Your changes were not saved; compare the versions, then reapply your edits.",
            code="edit_conflict",
            params={"number": latest.number, "user": latest.revision.user or "an unknown user"},
        )


# --- Citations -------------------------------------------------------------------


def compound_citations_sync(*, compound):
    """Make the compound's Citation rows match its Markdown; return the built profile.

    Rows are written one by one with save()/delete() (never bulk) so that the
    open revision records them.
    """
    built = profile_build(compound_for_profile(pk=compound.pk))
    wanted = [(ref.source.pk, ref.number, len(ref.uses)) for ref in built.registry.references]
    existing = list(Citation.objects.filter(compound=compound).order_by("number"))
    if [(row.source_id, row.number, row.uses) for row in existing] != wanted:
        with transaction.atomic():
            for row in existing:
                row.delete()
            for source_id, number, uses in wanted:
                Citation.objects.create(compound=compound, source_id=source_id, number=number, uses=uses)
    return built


# --- Revisions -------------------------------------------------------------------


def compound_revision_record(
    *,
    compound,
    user=None,
    edit_summary="",
    minor=False,
    origin=RevisionOrigin.ADMIN,
    origin_detail="",
    base_revision=None,
):
    """Inside an open reversion block: sync the derived citations, then add the whole profile and its
    metadata to the revision. Returns the built profile (its unknown keys, references)."""
    if not reversion.is_active():
        raise RuntimeError("compound_revision_record needs an open reversion.create_revision() block.")
    built = compound_citations_sync(compound=compound)
    if user is not None:
        reversion.set_user(user)
    reversion.set_comment(edit_summary)
    # Follows every child relation, so rows written without the admin (e.g. citations) are included.
    reversion.add_to_revision(compound)
    # Row lock: two concurrent saves must not take the same revision number.
    Compound.objects.select_for_update().filter(pk=compound.pk).first()
    last = RevisionMeta.objects.filter(compound_key=compound.pk).aggregate(last=Max("number"))["last"] or 0
    reversion.add_meta(
        RevisionMeta,
        compound=compound,
        compound_key=compound.pk,
        number=last + 1,
        edit_summary=edit_summary,
        minor=minor,
        origin=origin,
        origin_detail=origin_detail,
        status=compound.status,
        base_revision=base_revision,
    )
    return built


@contextmanager
def compound_revision(
    *, compound, user=None, edit_summary="", minor=False, origin=RevisionOrigin.COMMAND, origin_detail=""
):
    """Group the writes of one user action on a profile into one revision.

    with compound_revision(compound=selank, user=me, edit_summary="Fix dose"):
        ...change selank and its rows...
    """
    if reversion.is_active():
        # A nested block would silently join the outer revision and mix two profiles' histories.
        raise RuntimeError("compound_revision() cannot run inside another revision block.")
    with transaction.atomic(), reversion.create_revision():
        yield compound
        compound_revision_record(
            compound=compound,
            user=user,
            edit_summary=edit_summary,
            minor=minor,
            origin=origin,
            origin_detail=origin_detail,
        )


def compound_check_conflict(*, compound, base_revision_id):
    """Refuse a save opened at an older revision than the latest. Locks the compound for the save."""
    Compound.objects.select_for_update().filter(pk=compound.pk).first()
    latest = latest_revision_meta(compound_id=compound.pk)
    if latest is not None and latest.revision_id != base_revision_id:
        raise EditConflictError(base_revision_id=base_revision_id, latest=latest)


def _write_workflow(compound, values, caller=None):
    """Set workflow fields (never content) and save only them; keep the caller's instance in step."""
    for name, value in values.items():
        setattr(compound, name, value)
    compound.save(update_fields=[*values, "updated_at"])
    if caller is not None:
        # A later save() of the caller's stale instance must not undo the change.
        for name in Compound.WORKFLOW_FIELDS:
            setattr(caller, name, getattr(compound, name))
    return compound


def _workflow_of(compound):
    return {
        "status": compound.status,
        "live_snapshot": compound.live_snapshot,
        "go_live_at": compound.go_live_at,
        "expire_at": compound.expire_at,
        "scheduled_by": compound.scheduled_by,
    }


def compound_revert(*, compound, revision, user=None, edit_summary=""):
    """Make the profile equal to an earlier revision by recording a new revision. Nothing is deleted from history."""
    meta = RevisionMeta.objects.filter(revision=revision).first()
    if meta is None or meta.compound_key != compound.pk:
        raise ValidationError(
            "Revision %(id)s does not belong to %(name)s.", params={"id": revision.pk, "name": compound}
        )
    summary = edit_summary or f"Reverted to r{meta.number}"
    with transaction.atomic(), reversion.create_revision():
        locked = Compound.objects.select_for_update().get(pk=compound.pk)
        # Publishing state is not content: a revert changes the draft only.
        workflow = _workflow_of(locked)
        revision.revert(delete=True)
        reverted = Compound.objects.get(pk=compound.pk)
        _write_workflow(reverted, workflow)
        compound_revision_record(
            compound=reverted,
            user=user,
            edit_summary=summary,
            origin=RevisionOrigin.REVERT,
            origin_detail=f"Reverted to r{meta.number}",
        )
    return reverted


def compound_recover(*, version, user=None):
    """Bring back a deleted compound with every child row, from the revision of its last save."""
    if Compound.objects.filter(pk=version.object_id).exists():
        raise ValidationError("%(name)s has not been deleted.", params={"name": version.object_repr})
    with transaction.atomic(), reversion.create_revision():
        version.revision.revert(delete=False)
        compound = Compound.objects.get(pk=version.object_id)
        # Its published versions were deleted with it: it comes back as a draft.
        _write_workflow(
            compound,
            {
                "status": Status.DRAFT,
                "live_snapshot": None,
                "go_live_at": None,
                "expire_at": None,
                "scheduled_by": None,
            },
        )
        RevisionMeta.objects.filter(compound_key=compound.pk, compound__isnull=True).update(compound=compound)
        compound_revision_record(
            compound=compound,
            user=user,
            edit_summary=f"Recovered {compound.name} after deletion",
            origin=RevisionOrigin.RECOVER,
        )
    return compound


# --- Workflow --------------------------------------------------------------------


def _lock(compound):
    return Compound.objects.select_for_update().get(pk=compound.pk)


def _ensure_revision(compound, user):
    """Profiles loaded from fixtures have no revision yet; give them one before they go public."""
    latest = latest_revision_meta(compound_id=compound.pk)
    if latest is None:
        with compound_revision(
            compound=compound, user=user, edit_summary="Initial revision", origin=RevisionOrigin.COMMAND
        ):
            pass
        latest = latest_revision_meta(compound_id=compound.pk)
    return latest


def _public_summary(compound, edit_summary, previous):
    """Summary and minor flag for the change log: the reviewer's words, else the editors' since the last publication."""
    since = RevisionMeta.objects.filter(compound_key=compound.pk)
    if previous is not None and previous.revision_id:
        since = since.filter(revision_id__gt=previous.revision_id)
    metas = list(since.order_by("number"))
    if edit_summary:
        return edit_summary, False
    major = [meta.edit_summary for meta in metas if not meta.minor and meta.edit_summary]
    if major:
        return "; ".join(dict.fromkeys(major))[:300], False
    return (metas[-1].edit_summary if metas else ""), bool(metas) and all(meta.minor for meta in metas)


@transaction.atomic
def compound_publish(*, compound, user=None, edit_summary=""):
    """Freeze the current draft as the next public version and make it live."""
    caller, compound = compound, _lock(compound)
    latest = _ensure_revision(compound, user)
    built = compound_citations_sync(compound=compound)
    if built.unknown_keys:
        raise ValidationError(
            "%(name)s cites unknown source keys: %(keys)s. Fix or add these sources before publishing.",
            code="unresolved_citations",
            params={"name": compound.name, "keys": ", ".join(f"@{k}" for k in built.unknown_keys)},
        )
    retracted = [ref.source.key for ref in built.registry.references if ref.source.retracted]
    if retracted:
        raise ValidationError(
            "%(name)s cites retracted sources: %(keys)s. Remove or replace them before publishing.",
            code="retracted_citations",
            params={"name": compound.name, "keys": ", ".join(f"@{k}" for k in retracted)},
        )
    previous = compound.snapshots.order_by("-version").first()
    summary, minor = _public_summary(compound, edit_summary, previous)
    snapshot = ProfileSnapshot.objects.create(
        compound=compound,
        version=(previous.version if previous else 0) + 1,
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
        edit_summary=summary,
        minor=minor,
        revision=latest.revision,
        references=[{"number": ref["number"], **ref["source"]} for ref in built.body["references"]],
    )
    snapshot.categories.set(compound.categories.all())
    _write_workflow(compound, {"live_snapshot": snapshot, "status": Status.PUBLISHED, "go_live_at": None}, caller)
    return snapshot


@transaction.atomic
def compound_unpublish(*, compound, user=None):
    """Take a profile off the public site; its published versions are kept."""
    values = {"live_snapshot": None, "status": Status.UNPUBLISHED, "expire_at": None}
    return _write_workflow(_lock(compound), values, compound)


@transaction.atomic
def compound_submit_for_review(*, compound, user=None):
    caller, compound = compound, _lock(compound)
    if compound.status in (Status.PUBLISHED, Status.IN_REVIEW):
        raise ValidationError(
            "%(name)s is already %(status)s.",
            params={"name": compound.name, "status": compound.get_status_display().lower()},
        )
    return _write_workflow(compound, {"status": Status.IN_REVIEW}, caller)


@transaction.atomic
def compound_schedule(*, compound, user=None, go_live_at=None, expire_at=None, now=None):
    """Schedule publication and/or expiry. `publish_scheduled` carries them out."""
    now = now or timezone.now()
    caller, compound = compound, _lock(compound)
    if go_live_at is None and expire_at is None:
        raise ValidationError("Give a publish time, an unpublish time, or both.")
    if go_live_at is not None and go_live_at <= now:
        raise ValidationError("The publish time must be in the future; use Publish to publish now.")
    if expire_at is not None and expire_at <= (go_live_at or now):
        raise ValidationError("The unpublish time must come after the publish time (and after now).")
    return _write_workflow(compound, {"go_live_at": go_live_at, "expire_at": expire_at, "scheduled_by": user}, caller)


@transaction.atomic
def compound_unschedule(*, compound, user=None):
    return _write_workflow(_lock(compound), {"go_live_at": None, "expire_at": None}, compound)


def compounds_publish_due(*, now=None):
    """Publish and expire what is due. Running it twice does nothing more the second time."""
    now = now or timezone.now()
    report = {"published": [], "expired": [], "failed": []}
    for compound in Compound.objects.filter(go_live_at__lte=now).select_related("scheduled_by").order_by("go_live_at"):
        try:
            compound_publish(compound=compound, user=compound.scheduled_by, edit_summary="")
            report["published"].append(compound)
        except ValidationError as error:
            report["failed"].append((compound, " ".join(error.messages)))
    for compound in Compound.objects.filter(expire_at__lte=now).order_by("expire_at"):
        if compound.is_live:
            compound_unpublish(compound=compound)
            report["expired"].append(compound)
        else:
            compound_unschedule(compound=compound)
    return report


def revision_get(*, revision_id):
    return Revision.objects.select_related("user", "meta").get(pk=revision_id)
