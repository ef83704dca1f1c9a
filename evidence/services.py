"""Writes on sources that reach into profiles: merging duplicates."""

import reversion
from django.core.exceptions import ValidationError
from django.db import transaction

from compounds.citations import rewrite_keys
from compounds.models import Compound, RevisionOrigin
from compounds.profile import COMPOUND_MARKDOWN_FIELDS, MARKDOWN_CHILD_FIELDS
from compounds.services import compound_revision

from .identifiers import normalize_doi

IDENTIFIER_FIELDS = ("doi", "pmid", "pmcid", "url")


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


def _rewrite_profile(compound, matches, keep_key):
    def replace(key):
        return keep_key if matches(key) else None

    changed = False
    for name in COMPOUND_MARKDOWN_FIELDS:
        value = getattr(compound, name)
        new = rewrite_keys(value, replace)
        if new != value:
            setattr(compound, name, new)
            changed = True
    if changed:
        compound.save_content()
    for relation, fields in MARKDOWN_CHILD_FIELDS.items():
        for row in getattr(compound, relation).all():
            updates = {name: rewrite_keys(getattr(row, name), replace) for name in fields}
            if any(updates[name] != getattr(row, name) for name in fields):
                for name, value in updates.items():
                    setattr(row, name, value)
                row.save()
    for table in compound.comparison_tables.all():
        for row in table.rows.all():
            subject, other = rewrite_keys(row.subject_value, replace), rewrite_keys(row.other_value, replace)
            if (subject, other) != (row.subject_value, row.other_value):
                row.subject_value, row.other_value = subject, other
                row.save()


def source_merge(*, keep, duplicates, user=None):
    """Merge duplicate sources into `keep`: every citation, finding and translation link moves to it.

    Each affected profile gets a revision (origin "merge"); the kept source gets one too.
    """
    duplicates = [duplicate for duplicate in duplicates if duplicate.pk != keep.pk]
    if not duplicates:
        raise ValidationError("Choose at least one other source to merge into the one you keep.")
    with transaction.atomic():
        compound_ids = set()
        for duplicate in duplicates:
            compound_ids.update(duplicate.citations.values_list("compound_id", flat=True))
            compound_ids.update(duplicate.findings.values_list("compound_id", flat=True))
        summary = "Merged source " + ", ".join(f"@{d.key}" for d in duplicates) + f" into @{keep.key}"
        for compound in Compound.objects.filter(pk__in=compound_ids).order_by("pk"):
            with compound_revision(
                compound=compound,
                user=user,
                edit_summary=summary,
                origin=RevisionOrigin.MERGE,
                origin_detail=summary,
            ):
                for duplicate in duplicates:
                    _rewrite_profile(compound, _key_matcher(duplicate), keep.key)
                    for finding in duplicate.findings.filter(compound=compound):
                        finding.source = keep
                        finding.save()
        with reversion.create_revision():
            if user is not None:
                reversion.set_user(user)
            reversion.set_comment(summary)
            inherited = {}
            for duplicate in duplicates:
                for translation in duplicate.translations.all():
                    translation.translation_of = keep
                    translation.save()
                for name in IDENTIFIER_FIELDS:
                    if not getattr(keep, name) and getattr(duplicate, name) and name not in inherited:
                        inherited[name] = getattr(duplicate, name)
                note = f"Merged from @{duplicate.key}."
                keep.provenance = f"{keep.provenance}\n{note}".strip()
                duplicate.delete()
            for name, value in inherited.items():
                setattr(keep, name, value)
            keep.save()
    return keep
