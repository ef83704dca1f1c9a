"""Citation integrity across the whole site: one report for the admin page and `check_citations`.

It spans profiles and sources, so it lives on the compounds side; profiles' texts come from the parts registry.
"""

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count
from django.urls import reverse

from evidence.models import Source, Verification
from evidence.selectors import sources_for_keys

from .citations import citation_keys
from .models import Compound
from .parts import markdown_texts, profile_prefetch
from .plausibility import compound_warnings

MOSTLY_UNVERIFIED = 0.5  # share of a profile's cited sources


@dataclass
class Problem:
    kind: str
    subject: str
    detail: str
    url: str = ""


@dataclass
class IntegrityReport:
    problems: list = field(default_factory=list)

    KINDS = {
        "unresolved_key": "Unresolved citation keys",
        "retracted": "Retracted sources",
        "duplicate": "Duplicate sources",
        "no_identifier": "Sources without any identifier",
        "uncited": "Sources cited nowhere",
        "mostly_unverified": "Profiles whose sources are mostly unverified",
        "dose": "Doses above the daily maximum, or written differently from their amount",
        "chemistry": "Molecular weight or formula does not match the sequence",
    }

    def add(self, kind, subject, detail, url=""):
        self.problems.append(Problem(kind, subject, detail, url))

    @property
    def ok(self):
        return not self.problems

    def by_kind(self):
        grouped = defaultdict(list)
        for problem in self.problems:
            grouped[problem.kind].append(problem)
        return [(kind, label, grouped[kind]) for kind, label in self.KINDS.items() if grouped[kind]]


def normalised_title(text):
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def _source_url(source):
    return source.get_admin_url()


def build_report():
    report = IntegrityReport()
    compounds = list(Compound.objects.select_related("parent").prefetch_related(*profile_prefetch()).order_by("name"))

    # Keys in every profile's Markdown, resolved in one query.
    keys_by_compound = {
        compound: [
            key
            for obj, markdown_field in markdown_texts(compound)
            for key in citation_keys(getattr(obj, markdown_field.name))
        ]
        for compound in compounds
    }
    resolved = sources_for_keys([key for keys in keys_by_compound.values() for key in keys])
    for compound, keys in keys_by_compound.items():
        unknown = sorted({key for key in keys if key not in resolved})
        if unknown:
            report.add(
                "unresolved_key",
                compound.name,
                "Cites " + ", ".join(f"@{key}" for key in unknown),
                _admin_url(compound),
            )

    sources = list(
        Source.objects.annotate(
            citation_total=Count("citations", distinct=True), finding_total=Count("findings", distinct=True)
        ).prefetch_related("translations__citations")
    )
    cited_ids = {s.pk for s in sources if s.citation_total or s.finding_total}
    for source in sources:
        if source.retracted and source.pk in cited_ids:
            notice = f" Notice: {source.retraction_notice_url}" if source.retraction_notice_url else ""
            when = f" on {source.retracted_on}" if source.retracted_on else ""
            report.add("retracted", source.key, f"Retracted{when} and still cited.{notice}", _source_url(source))
        if not (source.doi or source.pmid or source.pmcid):
            report.add(
                "no_identifier",
                source.key,
                f"{source.display_title[:90]} — no DOI, PMID or PMCID.",
                _source_url(source),
            )
        # An original-language paper linked from a cited translation counts as used.
        used_via_translation = any(t.pk in cited_ids for t in source.translations.all())
        if source.pk not in cited_ids and not used_via_translation:
            report.add("uncited", source.key, "Not cited by any profile and has no findings.", _source_url(source))

    for group in duplicate_groups(sources):
        keys = ", ".join(f"@{source.key}" for source in group["sources"])
        report.add("duplicate", keys, group["why"], _source_url(group["sources"][0]))

    citations_by_compound = defaultdict(list)
    for compound in compounds:
        for citation_source in {c.source_id for c in compound.citations.all()}:
            citations_by_compound[compound].append(citation_source)
    verification = {source.pk: source.verification for source in sources}
    for compound, source_ids in citations_by_compound.items():
        unverified = [pk for pk in source_ids if verification.get(pk) == Verification.UNVERIFIED]
        if source_ids and len(unverified) / len(source_ids) > MOSTLY_UNVERIFIED:
            report.add(
                "mostly_unverified",
                compound.name,
                f"{len(unverified)} of {len(source_ids)} cited sources are unverified.",
                _admin_url(compound),
            )

    for compound in compounds:
        for warning in compound_warnings(compound):
            kind = "dose" if warning.code.startswith("dose") else "chemistry"
            report.add(kind, compound.name, warning.message, _admin_url(compound))
    return report


def _admin_url(compound):
    return reverse("admin:compounds_compound_change", args=[compound.pk])


def duplicate_groups(sources):
    """Sources sharing a DOI (up to trailing punctuation), PMID or PMCID, or a normalised title and year."""
    groups, seen = [], set()
    keyers = [
        # Trailing punctuation pasted with a DOI makes a "different" DOI the unique constraint cannot catch.
        ("the same DOI", lambda s: s.doi.lower().rstrip(".,;") if s.doi else None),
        ("the same PMID", lambda s: s.pmid),
        ("the same PMCID", lambda s: s.pmcid.upper() if s.pmcid else None),
        (
            "the same title and year",
            lambda s: (
                (normalised_title(s.title or s.translated_title), s.year) if (s.title or s.translated_title) else None
            ),
        ),
    ]
    for why, key_of in keyers:
        buckets = defaultdict(list)
        for source in sources:
            key = key_of(source)
            if key:
                buckets[key].append(source)
        for members in buckets.values():
            ids = frozenset(source.pk for source in members)
            if len(members) > 1 and ids not in seen:
                seen.add(ids)
                groups.append({"why": f"{len(members)} sources with {why}.", "sources": members})
    return groups
