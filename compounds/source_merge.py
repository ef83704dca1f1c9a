"""Merging duplicate sources: a write on sources that reaches into every profile citing them.

It lives on the compounds side because it rewrites profiles: each affected profile gets one revision with
origin "merge". The kept source gets a revision of its own.
"""

import reversion
from django.core.exceptions import ValidationError
from django.db import transaction

from evidence.identifiers import normalize_doi
from evidence.models import Finding

from .citations import rewrite_keys
from .models import Compound, RevisionOrigin
from .parts import markdown_texts
from .selectors import compound_for_profile
from .services import compound_revision, constraint_errors_as_messages

IDENTIFIER_FIELDS = ("doi", "pmid", "pmcid", "url")
# What a finding says beyond which compound, outcome, source and sentence it is about.
FINDING_DETAILS = (
    "direction",
    "magnitude",
    "population",
    "species",
    "study_design",
    "sample_size",
    "deviation_reason",  # travels with the population or design it explains
)


def _key_matcher(duplicate):
    """Does a citation key (plain, doi:… or pmid:…) point at this duplicate?"""

    def points_at_duplicate(key):
        lowered = key.lower()
        if lowered.startswith("doi:"):
            return bool(duplicate.doi) and normalize_doi(key[4:]) == duplicate.doi
        if lowered.startswith("pmid:"):
            return bool(duplicate.pmid) and key[5:].strip() == str(duplicate.pmid)
        return key == duplicate.key

    return points_at_duplicate


def _rewrite_profile(profile, matches, keep_key):
    """Rewrite every Markdown text of the profile (found through the parts registry) that cites a duplicate."""

    def replace(key):
        return keep_key if matches(key) else None

    changed = {}
    for obj, markdown_field in markdown_texts(profile):
        value = getattr(obj, markdown_field.name)
        new = rewrite_keys(value, replace)
        if new != value:
            setattr(obj, markdown_field.name, new)
            changed.setdefault(id(obj), (obj, []))[1].append(markdown_field.name)
    for obj, names in changed.values():
        if isinstance(obj, Compound):
            obj.save_content()
        else:
            obj.save(update_fields=names)


def _merged_finding(kept, moving):
    """The finding `kept` becomes when `moving` (same compound, outcome and sentence) joins it, or None when
    the two disagree on a detail; blanks are filled from the other."""
    merged = {}
    for name in FINDING_DETAILS:
        ours, theirs = getattr(kept, name), getattr(moving, name)
        if ours in ("", None):
            merged[name] = theirs
        elif theirs in ("", None) or ours == theirs:
            merged[name] = ours
        else:
            return None
    return merged


def _move_findings(compound, duplicate, keep):
    for finding in Finding.objects.filter(compound=compound, source=duplicate).select_related("outcome"):
        kept = Finding.objects.filter(
            compound=compound, outcome=finding.outcome_id, source=keep, claim=finding.claim
        ).first()
        if kept is None:
            finding.source = keep
            finding.full_clean()
            finding.save()
            continue
        merged = _merged_finding(kept, finding)
        if merged is None:
            differing = [
                kept._meta.get_field(name).verbose_name
                for name in FINDING_DETAILS
                if getattr(kept, name) not in ("", None)
                and getattr(finding, name) not in ("", None)
                and getattr(kept, name) != getattr(finding, name)
            ]
            raise ValidationError(
                "Not merged: %(compound)s has a finding on %(outcome)s from both @%(duplicate)s and @%(keep)s for the "
                "same sentence, and they disagree on %(fields)s. Make the two findings agree (or delete one) on "
                "the compound form, then merge again.",
                params={
                    "compound": compound.name,
                    "outcome": finding.outcome.name,
                    "duplicate": duplicate.key,
                    "keep": keep.key,
                    "fields": ", ".join(str(name) for name in differing),
                },
            )
        for name, value in merged.items():
            setattr(kept, name, value)
        kept.full_clean()
        kept.save()
        finding.delete()


def source_merge(*, keep, duplicates, user=None):
    """Merge duplicate sources into `keep`: every citation, finding and translation link moves to it.

    Findings the kept source already has for the same compound, outcome and sentence are merged into one;
    if they disagree (direction, magnitude…) the merge is refused with the reason and nothing changes.
    """
    duplicates = [duplicate for duplicate in duplicates if duplicate.pk != keep.pk]
    if not duplicates:
        raise ValidationError("Choose at least one other source to merge into the one you keep.")
    with constraint_errors_as_messages():
        compound_ids = set()
        for duplicate in duplicates:
            compound_ids.update(duplicate.citations.values_list("compound_id", flat=True))
            compound_ids.update(duplicate.findings.values_list("compound_id", flat=True))
        summary = "Merged source " + ", ".join(f"@{d.key}" for d in duplicates) + f" into @{keep.key}"
        for compound in Compound.objects.filter(pk__in=sorted(compound_ids)).order_by("pk"):
            with compound_revision(
                compound=compound,
                user=user,
                edit_summary=summary,
                origin=RevisionOrigin.MERGE,
                origin_detail=summary,
            ):
                profile = compound_for_profile(pk=compound.pk)
                for duplicate in duplicates:
                    _rewrite_profile(profile, _key_matcher(duplicate), keep.key)
                    _move_findings(compound, duplicate, keep)
        with transaction.atomic(), reversion.create_revision():
            if user is not None:
                reversion.set_user(user)
            reversion.set_comment(summary)
            inherited = {}
            duplicate_ids = {duplicate.pk for duplicate in duplicates}
            for duplicate in duplicates:
                for translation in duplicate.translations.exclude(pk=keep.pk):
                    translation.translation_of = keep
                    translation.save(update_fields=["translation_of"])
                for name in IDENTIFIER_FIELDS:
                    if not getattr(keep, name) and getattr(duplicate, name) and name not in inherited:
                        inherited[name] = getattr(duplicate, name)
                keep.provenance = f"{keep.provenance}\n{f'Merged from @{duplicate.key}.'}".strip()
            if keep.translation_of_id in duplicate_ids:
                # The kept source was a translation of one of the duplicates: it would point at itself.
                original = next(d for d in duplicates if d.pk == keep.translation_of_id)
                keep.translation_of_id = (
                    original.translation_of_id if original.translation_of_id not in (keep.pk, *duplicate_ids) else None
                )
            for duplicate in duplicates:
                duplicate.delete()
            for name, value in inherited.items():
                setattr(keep, name, value)
            keep.full_clean()
            keep.save()
    return keep
