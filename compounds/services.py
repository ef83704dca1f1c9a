"""Writes that touch several models. Admin views, commands and tests call these.

Every change to a profile's content happens inside a revision: `compound_revision(...)` for services and
commands, or the admin's own revision block closed by `compound_revision_record(...)`. Either records one
django-reversion revision holding the compound and all its parts, with a RevisionMeta (summary, minor flag,
origin, base revision). Revision blocks are opened with manage_manually=True: the whole profile is added
once, explicitly, from one prefetched read, rather than row by row as each is saved.
"""

import re
from contextlib import contextmanager

import reversion
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q, prefetch_related_objects
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.text import capfirst
from reversion.errors import RevertError

from .models import (
    WORKFLOW_FIELDS,
    Citation,
    ComparisonTable,
    Compound,
    ProfileSnapshot,
    RelatedCompound,
    ReviewComment,
    RevisionMeta,
    RevisionOrigin,
    Status,
)
from .notifications import notify_reviewers_submitted
from .page import profile_build, profile_citations, reference_entry, rewrite_reference_item
from .page_cache import LISTINGS, pages_invalidate, profile_scope
from .parts import CHILD_BY_MODEL, PART_BY_MODEL
from .permissions import ROLE_GROUPS, public_name
from .profile_links import marker_attribute, relink_header, relink_html
from .publish_checks import compound_publish_checks, profile_publish_checks
from .selectors import compound_for_profile, compounds_for_profile, latest_revision_meta
from .snapshot_data import profile_data, profile_search_fields
from .stored_pages import PAGE_FIELDS, page_format, snapshot_page_render


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


# --- Database refusals as messages -------------------------------------------------


_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: ((?:\w+\.\w+(?:, )?)+)")


def describe_integrity_error(error):
    """What an editor can act on, for a constraint the database refused: the constraint's own message."""
    text = str(error)
    project_models = [*apps.get_app_config("compounds").get_models(), *apps.get_app_config("evidence").get_models()]
    for model in project_models:
        for constraint in model._meta.constraints:
            if re.search(rf"\b{re.escape(constraint.name)}\b", text):
                return constraint.get_violation_error_message()
    match = _SQLITE_UNIQUE.search(text)  # SQLite names the columns, not the constraint
    if match:
        table, _, _ = match.group(1).partition(".")
        columns = {part.split(".", 1)[1] for part in match.group(1).split(", ")}
        for model in project_models:
            if model._meta.db_table != table:
                continue
            for constraint in model._meta.constraints:
                fields = getattr(constraint, "fields", ())
                if fields and {model._meta.get_field(name).column for name in fields} == columns:
                    return constraint.get_violation_error_message()
    return f"The database refused the change ({text}). Nothing was saved."


@contextmanager
def constraint_errors_as_messages():
    """Run writes in a transaction; a constraint violation becomes a ValidationError and nothing is kept."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as error:
        raise ValidationError(describe_integrity_error(error), code="constraint") from error


# --- Citations -------------------------------------------------------------------


def compound_citations_sync(*, profile):
    """Make the compound's Citation rows match its Markdown; return the numbered CitationRegistry.

    `profile` is the compound read with `selectors.compound_for_profile`. Nothing is rendered: the citation
    walk numbers sources exactly as the page does. The profile's citation cache is refreshed after a change,
    so a revision recorded from it holds the new rows.
    """
    registry = profile_citations(profile)
    wanted = _citation_rows(registry)
    if not _citations_match(profile, registry):
        Citation.objects.filter(compound=profile).delete()
        Citation.objects.bulk_create(
            Citation(compound=profile, source_id=source_id, number=number, uses=uses)
            for source_id, number, uses in wanted
        )
        profile._prefetched_objects_cache.pop("citations", None)
        prefetch_related_objects([profile], PART_BY_MODEL[Citation].prefetch_lookup())
    return registry


def _citation_rows(registry):
    return [(ref.source.pk, ref.number, len(ref.uses)) for ref in registry.references]


def _citations_match(profile, registry):
    """Whether the stored Citation rows are those the registry numbered."""
    stored = sorted(profile.citations.all(), key=lambda row: row.number)
    return [(row.source_id, row.number, row.uses) for row in stored] == _citation_rows(registry)


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
    _read=None,
):
    """Inside an open reversion block: sync the derived citations, then add the whole profile and its
    metadata to the revision. Returns the numbered CitationRegistry (its `unknown` keys, `references`)."""
    if not reversion.is_active():
        raise RuntimeError("compound_revision_record needs an open reversion.create_revision() block.")
    if _read is None:
        # Row lock: two concurrent saves must not take the same revision number.
        Compound.objects.select_for_update().filter(pk=compound.pk).first()
        profile = compound_for_profile(pk=compound.pk)
        last = RevisionMeta.objects.filter(compound_key=compound.pk).aggregate(last=Max("number"))["last"] or 0
    else:
        profile, last = _read  # locked and read by compounds_revisions_record for many profiles at once
    registry = compound_citations_sync(profile=profile)
    if user is not None:
        reversion.set_user(user)
    reversion.set_comment(edit_summary)
    # Follows every versioned part from the prefetch cache: one read of the profile for the whole revision.
    reversion.add_to_revision(profile)
    reversion.add_meta(
        RevisionMeta,
        compound=profile,
        compound_key=profile.pk,
        number=last + 1,
        edit_summary=edit_summary,
        minor=minor,
        origin=origin,
        origin_detail=origin_detail,
        status=profile.status,
        base_revision=base_revision,
    )
    return registry


REVISION_BATCH = 200


def compounds_revisions_record(*, compound_ids, user=None, edit_summary="", origin, origin_detail=lambda pk: ""):
    """One revision for each of many profiles (an import's): each profile exactly as compound_revision_record
    records it, but locked and read a batch at a time, one query per part for the whole batch. Runs inside the
    caller's transaction."""
    ids = sorted(compound_ids)
    for start in range(0, len(ids), REVISION_BATCH):
        batch = ids[start : start + REVISION_BATCH]
        list(Compound.objects.select_for_update().filter(pk__in=batch).values_list("pk", flat=True))
        numbers = dict(
            RevisionMeta.objects.filter(compound_key__in=batch)
            .values("compound_key")
            .annotate(last=Max("number"))
            .values_list("compound_key", "last")
        )
        for profile in compounds_for_profile().filter(pk__in=batch).order_by("pk"):
            # The caller's transaction holds the whole batch: no savepoint per revision.
            with reversion.create_revision(manage_manually=True, atomic=False):
                compound_revision_record(
                    compound=profile,
                    user=user,
                    edit_summary=edit_summary,
                    origin=origin,
                    origin_detail=origin_detail(profile.pk),
                    _read=(profile, numbers.get(profile.pk, 0)),
                )


def sources_revision_record(*, sources, user=None, edit_summary="", origin, origin_detail=""):
    """One revision holding these sources as they are now (sources are versioned on their own, not per profile)."""
    with reversion.create_revision(manage_manually=True):
        for source in sources:
            reversion.add_to_revision(source)
        if user is not None:
            reversion.set_user(user)
        reversion.set_comment(edit_summary)
        reversion.add_meta(RevisionMeta, edit_summary=edit_summary, origin=origin, origin_detail=origin_detail)


def open_revision():
    """The revision block every profile write runs in (see the module docstring)."""
    return reversion.create_revision(manage_manually=True)


@contextmanager
def compound_revision(
    *, compound, user=None, edit_summary="", minor=False, origin=RevisionOrigin.COMMAND, origin_detail=""
):
    """Group the writes of one user action on a profile into one revision.

    with compound_revision(compound=selank, user=me, edit_summary="Fix dose"):
        ...change selank and its rows...

    A constraint the database refuses becomes a ValidationError with the constraint's message; nothing is kept.
    """
    if reversion.is_active():
        # A nested block would silently join the outer revision and mix two profiles' histories.
        raise RuntimeError("compound_revision() cannot run inside another revision block.")
    with constraint_errors_as_messages(), open_revision():
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
        for name in WORKFLOW_FIELDS:
            setattr(caller, name, getattr(compound, name))
    return compound


def _workflow_of(compound):
    return {name: getattr(compound, name) for name in WORKFLOW_FIELDS}


def _restore(revision, *, delete, number):
    """Revert django-reversion's stored objects; what the database or today's schema refuses is a message."""
    try:
        with constraint_errors_as_messages():
            revision.revert(delete=delete)
    except RevertError as error:
        raise ValidationError(
            "r%(number)s cannot be restored as it was: %(reason)s", params={"number": number, "reason": error}
        ) from error


def compound_revert(*, compound, revision, user=None, edit_summary=""):
    """Make the profile equal to an earlier revision by recording a new revision. Nothing is deleted from history."""
    meta = RevisionMeta.objects.filter(revision=revision).first()
    if meta is None or meta.compound_key != compound.pk:
        raise ValidationError(
            "Revision %(id)s does not belong to %(name)s.", params={"id": revision.pk, "name": compound}
        )
    summary = edit_summary or f"Reverted to r{meta.number}"
    with transaction.atomic(), open_revision():
        locked = Compound.objects.select_for_update().get(pk=compound.pk)
        # Publishing state is not content: a revert changes the draft only. Nor is the identifier stored pages
        # link by (revisions recorded before it existed would otherwise give the profile a new one).
        workflow = _workflow_of(locked)
        _restore(revision, delete=True, number=meta.number)
        reverted = Compound.objects.get(pk=compound.pk)
        if reverted.uid != locked.uid:
            Compound.objects.filter(pk=compound.pk).update(uid=locked.uid)
            reverted.uid = locked.uid
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
    """Bring back a deleted compound with every part, from the revision of its last save."""
    if Compound.objects.filter(pk=version.object_id).exists():
        raise ValidationError("%(name)s has not been deleted.", params={"name": version.object_repr})
    meta = RevisionMeta.objects.filter(revision_id=version.revision_id).first()
    with transaction.atomic(), open_revision():
        _restore(version.revision, delete=False, number=meta.number if meta else version.revision_id)
        compound = Compound.objects.get(pk=version.object_id)
        # Its published versions were deleted with it: it comes back as a draft.
        _write_workflow(compound, {name: Compound._meta.get_field(name).get_default() for name in WORKFLOW_FIELDS})
        RevisionMeta.objects.filter(compound_key=compound.pk, compound__isnull=True).update(compound=compound)
        # Pages that linked to it kept its name, marked, when it was deleted; they link again once it is published.
        marked = ProfileSnapshot.objects.filter(body_html__contains=marker_attribute(compound.uid))
        compound.linked_from_snapshots.add(*marked)
        compound_revision_record(
            compound=compound,
            user=user,
            edit_summary=f"Recovered {compound.name} after deletion",
            origin=RevisionOrigin.RECOVER,
        )
    return compound


def compound_delete(*, compound, user=None):
    """Delete a profile. Other profiles that link to it lose those links in a revision of their own, and
    published pages that link to it show its name as plain text."""
    with transaction.atomic():
        others = (
            Compound.objects.filter(Q(related_links__related=compound) | Q(comparison_tables__other_compound=compound))
            .exclude(pk=compound.pk)
            .distinct()
            .order_by("pk")
        )
        summary = f"Links to {compound.name} removed: it was deleted"
        for other in others:
            with compound_revision(compound=other, user=user, edit_summary=summary, origin=RevisionOrigin.ADMIN):
                for link in RelatedCompound.objects.filter(compound=other, related=compound):
                    link.delete()
                for table in ComparisonTable.objects.filter(compound=other, other_compound=compound):
                    table.other_compound = None
                    table.save(update_fields=["other_compound"])
        _relink_snapshots(compound=compound, url="")
        live = compound.live_snapshot if compound.is_live else None
        compound.delete()
        pages_invalidate(scopes=[LISTINGS, *([profile_scope(live.slug)] if live else [])])


@transaction.atomic
def category_update(*, category, old_slug):
    """After a category changed: its page and the listings show it as it now is, and if it was renamed or moved to
    a new address, published pages filed under it show its chip with the new name and link (the chip is
    navigation, not profile content, so no profile gets a revision)."""
    _rewrite_category_chips(category, old_slug=old_slug, chip={"name": category.name, "slug": category.slug})


def _rewrite_category_chips(category, *, old_slug, chip):
    """Replace the category's chip in the stored header of every published version filed under it (None: drop it)."""
    rewritten = []
    for snapshot in category.snapshots.select_for_update().order_by("pk"):
        chips = snapshot.header.get("categories", [])
        new_chips = [c if c["slug"] != old_slug else chip for c in chips if c["slug"] != old_slug or chip]
        if new_chips != chips:
            snapshot.header["categories"] = new_chips
            rewritten.append(snapshot)
    _snapshots_save_rewritten(snapshots=rewritten, fields=["header"])
    pages_invalidate(scopes=[LISTINGS])


def _snapshots_save_rewritten(*, snapshots, fields):
    """Save stored pages' rewritten fields; live versions' pages are rendered again and their cached copies dropped."""
    live_ids = set(
        Compound.objects.filter(live_snapshot__in=[snapshot.pk for snapshot in snapshots]).values_list(
            "live_snapshot_id", flat=True
        )
    )
    scopes = set()
    for snapshot in snapshots:
        if snapshot.pk in live_ids:
            snapshot_page_render(snapshot)
            scopes.add(profile_scope(snapshot.slug))
        else:
            # Not served from its stored page now; should it be again, that page is rendered afresh first.
            snapshot.page_format = ""
        snapshot.save(update_fields=[*fields, *PAGE_FIELDS])
    # Older versions' permalinks live under their profile's current address.
    scopes.update(
        profile_scope(slug)
        for slug in ProfileSnapshot.objects.live()
        .filter(compound__snapshots__in=[snapshot.pk for snapshot in snapshots])
        .values_list("slug", flat=True)
    )
    pages_invalidate(scopes=scopes)


@transaction.atomic
def source_references_refresh(*, source, old_key=""):
    """After a source's record changed: the live pages citing it show its reference entry as the record now
    stands (a retraction, a corrected journal or year reaches readers at once). The reference entry describes the
    paper, not the profile, so no profile gets a new version; the profile's own text stays as published.
    Returns the number of live versions rewritten."""
    keys = {source.key, old_key} - {""}
    entry = reference_entry(source)
    snapshots = (
        ProfileSnapshot.objects.live()
        .select_for_update(of=("self",))
        .filter(compound__citations__source=source)
        .order_by("pk")
    )
    rewritten = []
    for snapshot in snapshots:
        changed = False
        for position, ref in enumerate(snapshot.references):
            updated = {"number": ref["number"], **entry}
            if ref.get("key") in keys and ref != updated:
                snapshot.references[position] = updated
                snapshot.body_html = rewrite_reference_item(snapshot.body_html, number=ref["number"], source=entry)
                changed = True
        if changed:
            rewritten.append(snapshot)
    _snapshots_save_rewritten(snapshots=rewritten, fields=["references", "body_html"])
    return len(rewritten)


def snapshot_page_refresh(*, snapshot_id):
    """Render a version's stored page again (the site's templates changed since, or it arrived by loaddata) and
    store it. Two queries; no lock: two requests that render it at once store the same page."""
    snapshot = ProfileSnapshot.objects.get(pk=snapshot_id)
    snapshot_page_render(snapshot)
    ProfileSnapshot.objects.filter(pk=snapshot_id).update(**{name: getattr(snapshot, name) for name in PAGE_FIELDS})
    return snapshot


def snapshots_pages_render(*, snapshots=None):
    """Render the stored pages of live versions whose page is missing or of another format (after `loaddata`,
    or at a deploy that changed the templates), and drop their cached copies. Returns how many were rendered."""
    current = page_format()
    queryset = ProfileSnapshot.objects.live() if snapshots is None else snapshots
    rendered = 0
    for snapshot in queryset.exclude(page_format=current).order_by("pk").iterator(chunk_size=200):
        snapshot_page_render(snapshot)
        ProfileSnapshot.objects.filter(pk=snapshot.pk).update(**{name: getattr(snapshot, name) for name in PAGE_FIELDS})
        pages_invalidate(scopes=[profile_scope(snapshot.slug)])
        rendered += 1
    pages_invalidate(scopes=[LISTINGS])
    return rendered


def category_delete(*, category, user=None):
    """Delete a category. Each profile filed under it gets a revision; published pages drop its chip."""
    with transaction.atomic():
        summary = f"Category {category.name} removed: it was deleted"
        for compound in category.compounds.order_by("pk"):
            with compound_revision(compound=compound, user=user, edit_summary=summary, origin=RevisionOrigin.ADMIN):
                compound.categories.remove(category)
        _rewrite_category_chips(category, old_slug=category.slug, chip=None)
        category.delete()


# --- Profiles that arrived by loaddata ------------------------------------------------


def compounds_record_loaded(*, user=None, origin_detail="Loaded from a fixture"):
    """Give each profile without history (it arrived by `loaddata`) its first revision, origin "import".

    A fixture carries content and published versions but no history. A live version whose page is exactly what
    the loaded draft renders is marked as published from that revision, so "compare with published" works.
    Returns the compounds that got a revision.
    """
    recorded = []
    with_history = RevisionMeta.objects.filter(compound__isnull=False).values("compound_id")
    for compound in Compound.objects.exclude(pk__in=with_history).select_related("live_snapshot").order_by("pk"):
        with constraint_errors_as_messages(), open_revision():
            compound_revision_record(
                compound=compound,
                user=user,
                edit_summary="Initial revision",
                origin=RevisionOrigin.IMPORT,
                origin_detail=origin_detail,
            )
        live = compound.live_snapshot
        unlinked = live is not None and live.revision_id is None
        if unlinked and profile_build(compound_for_profile(pk=compound.pk)).render_body() == live.body_html:
            live.revision = latest_revision_meta(compound_id=compound.pk).revision
            live.save(update_fields=["revision"])
        recorded.append(compound)
    return recorded


# --- Workflow --------------------------------------------------------------------


def _record_as_it_stands(*, compound, user, edit_summary, minor=False):
    """A revision of the profile as it is now, with no edit (recording one brings its citation rows in step)."""
    with constraint_errors_as_messages(), open_revision():
        compound_revision_record(
            compound=compound, user=user, edit_summary=edit_summary, minor=minor, origin=RevisionOrigin.COMMAND
        )


def _lock(compound):
    return Compound.objects.select_for_update().get(pk=compound.pk)


def _ensure_revision(compound, user):
    """Profiles loaded from fixtures have no revision yet; give them one before they go public."""
    latest = latest_revision_meta(compound_id=compound.pk)
    if latest is None:
        _record_as_it_stands(compound=compound, user=user, edit_summary="Initial revision")
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


def _same_as_live(live, profile, built, body_html):
    """Whether publishing the draft would give readers exactly the live version again."""
    values = snapshot_values(profile=profile, built=built, body_html=body_html)
    return all(getattr(live, name) == value for name, value in values.items()) and {
        c.pk for c in live.categories.all()
    } == {c.pk for c in profile.categories.all()}


def snapshot_values(*, profile, built, body_html):
    """What a published version stores of a built profile, besides who published it, when and why."""
    return {
        "name": profile.name,
        "slug": profile.slug,
        "summary": profile.summary,
        "featured": profile.featured,
        "header": built.header,
        "body_html": body_html,
        "citation_count": len(built.registry.references),
        "references": [{"number": ref["number"], **ref["source"]} for ref in built.body["references"]],
        "data": profile_data(profile=profile, built=built),
        **profile_search_fields(profile=profile),
    }


@transaction.atomic
def compound_publish(*, compound, user=None, edit_summary="", acknowledged=()):
    """Freeze the current draft as the next public version and make it live.

    Errors of the automatic checks refuse; so does any warning not in `acknowledged` (the warning texts the
    reviewer read), and those acknowledged are stored on the version. A draft that would give readers the live
    version again publishes nothing: the live version is returned, with `is_new` False.
    """
    caller, compound = compound, _lock(compound)
    latest = _ensure_revision(compound, user)
    profile = compound_for_profile(pk=compound.pk)
    built = profile_build(profile)
    checks = profile_publish_checks(profile=profile, built=built, user=user)
    checks.refuse_unless_acknowledged(
        acknowledged, refusal=f"{compound.name} was not published: acknowledge these warnings first"
    )
    if not _citations_match(profile, built.registry):
        # Sources changed since the last save (a new DOI resolves a key, say): record the new citation list, which
        # recording a revision brings in step with the Markdown.
        _record_as_it_stands(
            compound=compound, user=user, edit_summary="Citation list updated before publishing", minor=True
        )
        latest = latest_revision_meta(compound_id=compound.pk)
    body_html = built.render_body()
    live = compound.live_snapshot if compound.is_live else None
    if live is not None and _same_as_live(live, profile, built, body_html):
        # Nothing for readers: the changes since were undone, or only touched what they do not see. The live
        # version now stands for the latest revision, so nothing is left pending review.
        if live.revision_id != latest.revision_id:
            live.revision = latest.revision
            live.save(update_fields=["revision"])
        values = {"review_requested_at": None, "review_requested_by": None}
        values.update(go_live_at=None, scheduled_acknowledged=[])
        _write_workflow(compound, values, caller)
        live.is_new = False
        return live
    previous = compound.snapshots.order_by("-version").first()
    summary, minor = _public_summary(compound, edit_summary, previous)
    snapshot = ProfileSnapshot.objects.create(
        compound=compound,
        version=(previous.version if previous else 0) + 1,
        **snapshot_values(profile=profile, built=built, body_html=body_html),
        # Whole seconds: fixtures (JSON) keep milliseconds only, and a page must read the same after dump and load.
        published_at=timezone.now().replace(microsecond=0),
        published_by=user,
        published_by_name=public_name(user),
        edit_summary=summary,
        minor=minor,
        revision=latest.revision,
        acknowledged_warnings=[{"code": check.code, "message": check.message} for check in checks.warnings],
    )
    snapshot_page_render(snapshot)
    snapshot.save(update_fields=PAGE_FIELDS)
    snapshot.categories.set(profile.categories.all())
    snapshot.linked_compounds.set(built.linked_compound_ids)
    _write_workflow(
        compound,
        {
            "live_snapshot": snapshot,
            "status": Status.PUBLISHED,
            "go_live_at": None,
            "scheduled_acknowledged": [],
            "review_requested_at": None,
            "review_requested_by": None,
        },
        caller,
    )
    profile_links_refresh(compound=compound)
    # The address it was live at before, if it moved, answers 404 now.
    pages_invalidate(scopes=[LISTINGS, profile_scope(snapshot.slug), *([profile_scope(live.slug)] if live else [])])
    snapshot.is_new = True
    return snapshot


@transaction.atomic
def compound_unpublish(*, compound, user=None):
    """Take a profile off the public site; its published versions are kept."""
    values = {
        "live_snapshot": None,
        "status": Status.UNPUBLISHED,
        "expire_at": None,
        "review_requested_at": None,
        "review_requested_by": None,
    }
    locked = _lock(compound)
    live = locked.live_snapshot
    unpublished = _write_workflow(locked, values, compound)
    profile_links_refresh(compound=unpublished)
    pages_invalidate(scopes=[LISTINGS, *([profile_scope(live.slug)] if live else [])])
    return unpublished


def profile_links_refresh(*, compound):
    """Point every stored page's links to this profile at its public page, or make them plain text."""
    compound = Compound.objects.select_related("live_snapshot").get(pk=compound.pk)
    summary = compound.live_snapshot.summary if compound.is_live else ""
    _relink_snapshots(compound=compound, url=compound.public_url, summary=summary)


def _relink_snapshots(*, compound, url, summary=""):
    # Locked: two profiles published at once may both rewrite a page that links to each of them.
    snapshots = list(ProfileSnapshot.objects.select_for_update().filter(linked_compounds=compound.pk).order_by("pk"))
    for snapshot in snapshots:
        snapshot.body_html = relink_html(snapshot.body_html, uid=compound.uid, url=url, summary=summary)
        snapshot.header = relink_header(snapshot.header, uid=compound.uid, url=url)
    _snapshots_save_rewritten(snapshots=snapshots, fields=["body_html", "header"])


@transaction.atomic
def compound_submit_for_review(*, compound, user=None, base_url=""):
    """Hand the draft to the reviewers: a new profile's, or the changes waiting in a published one's. The Reviewers
    are told by e-mail once the hand-off is committed."""
    caller, compound = compound, _lock(compound)
    if compound.is_live:
        pending = Compound.objects.filter(pk=compound.pk).changes_pending().first()
        if pending is None:
            raise ValidationError(
                "%(name)s has no changes since the published version %(version)s: there is nothing to review.",
                code="nothing_to_review",
                params={"name": compound.name, "version": compound.live_snapshot.version},
            )
        if compound.review_requested_at:
            raise ValidationError("The changes to %(name)s are already in review.", params={"name": compound.name})
        values = {}
    elif compound.status == Status.IN_REVIEW:
        raise ValidationError("%(name)s is already in review.", params={"name": compound.name})
    else:
        values = {"status": Status.IN_REVIEW}
    values.update(review_requested_at=timezone.now(), review_requested_by=user)
    submitted = _write_workflow(compound, values, caller)
    transaction.on_commit(lambda: notify_reviewers_submitted(compound=submitted, user=user, base_url=base_url))
    return submitted


@transaction.atomic
def compound_schedule(*, compound, user=None, go_live_at=None, expire_at=None, now=None, acknowledged=()):
    """Schedule publication and/or expiry. `publish_scheduled` carries them out, publishing past the warnings
    acknowledged here and no others."""
    now = now or timezone.now()
    caller, compound = compound, _lock(compound)
    if go_live_at is None and expire_at is None:
        raise ValidationError("Give a publish time, an unpublish time, or both.")
    if go_live_at is not None and go_live_at <= now:
        raise ValidationError("The publish time must be in the future; use Publish to publish now.")
    if expire_at is not None and expire_at <= (go_live_at or now):
        raise ValidationError("The unpublish time must come after the publish time (and after now).")
    values = {"go_live_at": go_live_at, "expire_at": expire_at, "scheduled_by": user, "scheduled_acknowledged": []}
    if go_live_at is not None:
        checks = compound_publish_checks(compound=compound, user=user)
        checks.refuse_unless_acknowledged(
            acknowledged, refusal="Acknowledge these warnings to schedule the publication"
        )
        values["scheduled_acknowledged"] = checks.warning_messages
    return _write_workflow(compound, values, caller)


@transaction.atomic
def compound_unschedule(*, compound, user=None):
    return _write_workflow(
        _lock(compound), {"go_live_at": None, "expire_at": None, "scheduled_acknowledged": []}, compound
    )


def compounds_publish_due(*, now=None):
    """Publish and expire what is due. Running it twice does nothing more the second time."""
    now = now or timezone.now()
    report = {"published": [], "unchanged": [], "expired": [], "failed": []}
    for compound in Compound.objects.filter(go_live_at__lte=now).select_related("scheduled_by").order_by("go_live_at"):
        try:
            snapshot = compound_publish(
                compound=compound,
                user=compound.scheduled_by,
                edit_summary="",
                acknowledged=compound.scheduled_acknowledged,
            )
            report["published" if snapshot.is_new else "unchanged"].append(compound)
        except ValidationError as error:
            # Not retried: a warning that goes away later must not publish days late without a reviewer.
            _write_workflow(compound, {"go_live_at": None, "scheduled_acknowledged": []})
            report["failed"].append((compound, " ".join(error.messages)))
    for compound in Compound.objects.filter(expire_at__lte=now).order_by("expire_at"):
        if compound.is_live:
            compound_unpublish(compound=compound)
            report["expired"].append(compound)
        else:
            compound_unschedule(compound=compound)
    return report


# --- People ----------------------------------------------------------------------


def editor_roles_set(*, user, roles):
    """Give `user` exactly these editorial roles ("editor", "reviewer"). Gaining a role opens the admin to them;
    losing every role closes it again (superusers keep it). Other groups are left alone."""
    unknown = set(roles) - set(ROLE_GROUPS)
    if unknown:
        raise ValidationError(
            "Unknown role %(roles)s: choose from %(known)s.",
            params={"roles": ", ".join(sorted(unknown)), "known": ", ".join(ROLE_GROUPS)},
        )
    role_groups = {group.name: group for group in Group.objects.filter(name__in=ROLE_GROUPS.values())}
    missing = set(ROLE_GROUPS.values()) - set(role_groups)
    if missing:
        raise ValidationError(
            "The %(groups)s group is missing: run `python manage.py migrate`, which creates it.",
            params={"groups": " and ".join(sorted(missing))},
        )
    had_role = user.groups.filter(name__in=ROLE_GROUPS.values()).exists()
    wanted = {role_groups[ROLE_GROUPS[role]] for role in roles}
    user.groups.remove(*(set(role_groups.values()) - wanted))
    user.groups.add(*wanted)
    editor_access_sync(user=user, had_role=had_role)
    return user


def editor_access_sync(*, user, had_role):
    """Staff status follows the editorial roles: on when the user holds one, off when they lost the last one.
    `had_role` is whether they held one before the change (None: unknown, so only ever switch it on)."""
    has_role = user.groups.filter(name__in=ROLE_GROUPS.values()).exists()
    if has_role and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    elif had_role and not has_role and user.is_staff and not user.is_superuser:
        user.is_staff = False
        user.save(update_fields=["is_staff"])
    return user


@transaction.atomic
def editor_create(*, username, role, email="", full_name="", password=None):
    """A new editor or reviewer who can log in at once. Returns (user, password); the password is generated
    when none is given, for the caller to hand over."""
    user_model = get_user_model()
    if user_model.objects.filter(username__iexact=username).exists():
        raise ValidationError("A user named %(username)s exists already.", params={"username": username})
    first, _, last = full_name.strip().partition(" ")
    user = user_model(username=username, email=email, first_name=first, last_name=last.strip())
    password = password or get_random_string(16)
    validate_password(password, user)
    user.set_password(password)
    user.full_clean()
    user.save()
    editor_roles_set(user=user, roles=[role])
    return user, password


# --- Review comments -------------------------------------------------------------
#
# Comments belong to the editorial record, not to the profile: writing one records no revision, and no public page
# or export reads them. Unresolved threads refuse publishing (`publish_checks`).

REVIEW_LABEL_WORDS = 80  # characters of a row's name kept in a comment's label


def _model_fields(model, *, exclude=()):
    """A model's fields an editor fills in (concrete or many-to-many), by name."""
    return {
        field.name: field
        for field in model._meta.get_fields()
        if getattr(field, "editable", False)
        and not field.auto_created
        and not getattr(field, "primary_key", False)
        and (field.concrete or field.many_to_many)
        and field.name not in exclude
    }


def review_comment_target_fields(*, model):
    """{name: model field} of the fields a comment on a row of `model` (or on the compound) may be about: those on
    the form that edits it."""
    if model is Compound:
        return _model_fields(Compound, exclude=WORKFLOW_FIELDS)
    if model in PART_BY_MODEL and PART_BY_MODEL[model].form is not None:
        return {name: model._meta.get_field(name) for name in PART_BY_MODEL[model].form.field_names}
    if model in CHILD_BY_MODEL:
        _part, child = CHILD_BY_MODEL[model]
        return _model_fields(model, exclude=(child.parent_field,))
    return _model_fields(model, exclude=("compound",))


def _words(text, limit=REVIEW_LABEL_WORDS):
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _row_name(row):
    """What editors call a row: its first listed column (a protocol's name, a section's title), else its text (a
    finding's, whose first column, the outcome, many findings share)."""
    part = PART_BY_MODEL.get(row._meta.concrete_model)
    for name in part.summary_fields[:1] if part else ():
        field = row._meta.get_field(name)
        if field.is_relation:
            break
        value = getattr(row, f"get_{name}_display")() if field.choices else getattr(row, name)
        if value not in (None, ""):
            return _words(value)
    return _words(row) or f"#{row.pk}"


def _row_compound_id(row):
    """The compound a part's row (or a comparison table's row) belongs to."""
    model = row._meta.concrete_model
    if model in CHILD_BY_MODEL:
        part, child = CHILD_BY_MODEL[model]
        row = getattr(row, child.parent_field)
    else:
        part = PART_BY_MODEL[model]
    return getattr(row, Compound._meta.get_field(part.key).field.attname)


def review_comment_target_label(*, target, field=""):
    """What a comment on `target` (the compound or one of its rows), or on one of its fields, is about, in words:
    "Summary", "Dosing protocol “Standard”", "Dosing protocol “Standard” — Amount text"."""
    model = target._meta.concrete_model
    field_words = capfirst(model._meta.get_field(field).verbose_name) if field else ""
    if model is Compound:
        return field_words or "The draft in general"
    label = f"{capfirst(model._meta.verbose_name)} “{_row_name(target)}”"
    if model in CHILD_BY_MODEL:
        _part, child = CHILD_BY_MODEL[model]
        label += f" in “{_words(getattr(target, child.parent_field))}”"
    return f"{label} — {field_words}" if field_words else label


def _comment_target(compound, target, field):
    """(content type, id, field, label) of what a new thread is about; ValidationError naming what is wrong."""
    if target is None and not field:
        return None, None, "", ""
    target = compound if target is None else target
    model = target._meta.concrete_model
    if model is Compound:
        if target.pk != compound.pk:
            raise ValidationError(
                "%(other)s is another profile: a comment on %(name)s is about %(name)s or its rows.",
                code="other_compound",
                params={"other": target, "name": compound},
            )
        if not field:
            return None, None, "", ""  # the compound as a whole: the draft in general
    elif model not in PART_BY_MODEL and model not in CHILD_BY_MODEL:
        raise ValidationError(
            "A %(model)s is not part of a profile: comment on the compound's fields or on one of its rows.",
            code="not_a_part",
            params={"model": model._meta.verbose_name},
        )
    elif target.pk is None:
        raise ValidationError("Save the row before commenting on it.", code="unsaved_row")
    elif _row_compound_id(target) != compound.pk:
        raise ValidationError(
            "%(row)s belongs to another profile, not to %(name)s.",
            code="other_compound",
            params={"row": review_comment_target_label(target=target), "name": compound},
        )
    if field and field not in review_comment_target_fields(model=model):
        raise ValidationError(
            "“%(field)s” is not a field editors fill in on %(what)s: comment on one of its fields, or on the whole "
            "%(kind)s.",
            code="unknown_field",
            params={
                "field": field,
                "what": review_comment_target_label(target=target) if model is not Compound else compound,
                "kind": "row" if model is not Compound else "draft",
            },
        )
    content_type = ContentType.objects.get_for_model(model)
    return content_type, target.pk, field, review_comment_target_label(target=target, field=field)[:300]


def _comment_body(body):
    body = (body or "").strip()
    if not body:
        raise ValidationError("Write something: the comment is empty.", code="empty_comment")
    return body


def _latest_revision_id(compound_id):
    latest = latest_revision_meta(compound_id=compound_id)
    return latest.revision_id if latest else None


def review_comment_add(*, compound, user, body, target=None, field=""):
    """Start a thread on the draft: about the draft in general (no target), a field of the compound (target the
    compound, or None, with `field`), or one of its rows, whole or one of its fields. Recorded with the latest
    revision of the profile, which is what the comment was made on."""
    body = _comment_body(body)
    content_type, target_id, field, label = _comment_target(compound, target, (field or "").strip())
    with constraint_errors_as_messages():
        return ReviewComment.objects.create(
            compound_id=compound.pk,
            target_type=content_type,
            target_id=target_id,
            target_field=field,
            target_label=label,
            body=body,
            author=user,
            revision_id=_latest_revision_id(compound.pk),
        )


def review_comment_reply(*, comment, user, body):
    """Answer a thread (a reply to a reply joins the same thread). Leaves the thread open or resolved as it is."""
    body = _comment_body(body)
    with constraint_errors_as_messages():
        return ReviewComment.objects.create(
            compound_id=comment.compound_id,
            thread_id=comment.thread_id or comment.pk,
            body=body,
            author=user,
            revision_id=_latest_revision_id(comment.compound_id),
        )


def _locked_thread(comment):
    if comment.thread_id is not None:
        raise ValidationError("A reply is not resolved or reopened on its own: its thread is.", code="reply_not_thread")
    return ReviewComment.objects.select_for_update().get(pk=comment.pk)


def _write_thread_state(thread, comment, resolved_at, resolved_by):
    thread.resolved_at, thread.resolved_by = resolved_at, resolved_by
    thread.save(update_fields=["resolved_at", "resolved_by"])
    comment.resolved_at, comment.resolved_by = resolved_at, resolved_by  # the caller's instance in step
    return thread


@transaction.atomic
def review_comment_resolve(*, comment, user):
    """Mark a thread resolved: it no longer blocks publishing."""
    thread = _locked_thread(comment)
    if thread.resolved_at is not None:
        raise ValidationError(
            "This comment was already resolved by %(user)s on %(when)s.",
            code="already_resolved",
            params={
                "user": public_name(thread.resolved_by) or (thread.resolved_by or "someone"),
                "when": timezone.localtime(thread.resolved_at).strftime("%Y-%m-%d %H:%M"),
            },
        )
    return _write_thread_state(thread, comment, timezone.now(), user)


@transaction.atomic
def review_comment_reopen(*, comment, user):
    """Open a resolved thread again: it blocks publishing until resolved."""
    thread = _locked_thread(comment)
    if thread.resolved_at is None:
        raise ValidationError("This comment is open already.", code="already_open")
    return _write_thread_state(thread, comment, None, None)
