"""Builds the reader-facing form of a profile from the draft models.

`profile_build` is the only place that walks a compound for display. It
renders every Markdown field through one CitationRegistry in page order, so
citation numbers follow first appearance over the whole page. Publishing
stores its output; staff preview renders it on the fly.
"""

from dataclasses import dataclass

from django.conf.locale import LANG_INFO
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from evidence.models import Population, StudyDesign
from evidence.summary import SCHEME, evidence_summary

from .chemistry import compound_chemistry
from .citations import CitationItem
from .models import Route
from .rendering import CitationRegistry, registry_for_texts, render_markdown

MARKDOWN_CHILD_FIELDS = {
    "regulatory_statuses": ("note",),
    "sections": ("body",),
    "comparison_tables": ("note",),
    "use_cases": ("body",),
    "specifications": ("value",),
}
COMPOUND_MARKDOWN_FIELDS = ("what_is_this", "route_rationale", "daily_max_note", "cycling", "side_effects_note")


@dataclass
class BuiltProfile:
    header: dict
    body: dict
    registry: CitationRegistry

    @property
    def unknown_keys(self):
        return self.registry.unknown

    def render_body(self):
        return render_to_string("compounds/_profile_body.html", {"body": self.body})


def compound_markdown_texts(compound):
    """Every Markdown text of a profile (order does not matter here)."""
    texts = [getattr(compound, name) for name in COMPOUND_MARKDOWN_FIELDS]
    for relation, fields in MARKDOWN_CHILD_FIELDS.items():
        for row in getattr(compound, relation).all():
            texts.extend(getattr(row, name) for name in fields)
    for table in compound.comparison_tables.all():
        for row in table.rows.all():
            texts.extend([row.subject_value, row.other_value])
    return [text for text in texts if text]


def _live_url(compound):
    return compound.get_absolute_url() if compound.is_live else ""


def profile_header(compound):
    """Header data as plain JSON-able values (stored with each published version)."""
    return {
        "name": compound.name,
        "descriptor": compound.descriptor,
        "summary": compound.summary,
        "kind": compound.get_kind_display(),
        "synonyms": [synonym.name for synonym in compound.synonyms.all()],
        "parent": {"name": compound.parent.name, "url": _live_url(compound.parent)} if compound.parent else None,
        "variants": [{"name": variant.name, "url": _live_url(variant)} for variant in compound.variants.all()],
        "categories": [{"name": category.name, "slug": category.slug} for category in compound.categories.all()],
        "evidence": {
            "level": compound.evidence_level_display,
            "scheme": compound.get_evidence_scheme_display(),
            "note": compound.evidence_note,
        },
        "risk": {
            "value": compound.risk_profile,
            "label": compound.get_risk_profile_display(),
            "note": compound.risk_note,
        },
        "regulatory": [
            {"label": status.label, "state": status.state, "verified": bool(status.verified_on)}
            for status in compound.regulatory_statuses.all()
        ],
    }


def profile_build(compound):
    """Render a compound (fetched with selectors.compound_for_profile) into header and body data."""
    registry = registry_for_texts(compound_markdown_texts(compound))

    def md(text, inline=False):
        return mark_safe(render_markdown(text, registry, inline=inline))

    # Everything below is built in reading order: citation numbers depend on it.
    body = {"slug": compound.slug, "name": compound.name}
    body["what_is_this"] = md(compound.what_is_this)

    specs = []
    if compound.sequence:
        specs.append(("Sequence", compound.sequence))
    chemistry = compound_chemistry(compound)
    if compound.molecular_formula:
        specs.append(("Molecular Formula", compound.molecular_formula))
    elif chemistry is not None:
        specs.append(("Molecular Formula", f"{chemistry.formula} (computed from the sequence)"))
    if compound.molecular_weight:
        specs.append(("Molecular Weight", f"{compound.molecular_weight.normalize():f} g/mol"))
    specs.extend((spec.label, md(spec.value, inline=True)) for spec in compound.specifications.all())
    body["specifications"] = specs
    body["regulatory"] = [
        {
            "label": status.label,
            "jurisdiction": status.jurisdiction,
            "authority": status.authority,
            "verified_on": status.verified_on,
            "note": md(status.note),
        }
        for status in compound.regulatory_statuses.all()
    ]
    body["glossary"] = [(term.term, term.meaning) for term in compound.glossary_terms.all()]

    body["sections"] = [
        {"title": section.title, "anchor": section.anchor, "level": section.level, "html": md(section.body)}
        for section in compound.sections.all()
    ]
    body["comparisons"] = [
        {
            "title": table.title,
            "anchor": table.anchor,
            "row_header": table.row_header,
            "subject_label": table.subject_label,
            "other_label": table.other_label,
            "other_url": _live_url(table.other_compound) if table.other_compound else "",
            "rows": [
                (row.label, md(row.subject_value, inline=True), md(row.other_value, inline=True))
                for row in table.rows.all()
            ],
            "note": md(table.note),
        }
        for table in compound.comparison_tables.all()
    ]
    body["use_cases"] = [
        {
            "title": use_case.title,
            "anchor": use_case.anchor,
            "html": md(use_case.body),
            "protocols": [_protocol(protocol) for protocol in use_case.protocols.all()],
        }
        for use_case in compound.use_cases.all()
    ]

    body["dosing"] = [_protocol(protocol) for protocol in compound.dosing_protocols.all() if protocol.in_summary]
    body["daily_max"] = md(compound.daily_max_note)
    forms = []
    if compound.variants.all():
        forms.append({"name": compound.name, "note": compound.form_note, "url": ""})
        forms.extend(
            {"name": variant.name, "note": variant.form_note, "url": _live_url(variant)}
            for variant in compound.variants.all()
        )
    body["forms"] = forms
    body["cycling_label"] = compound.cycling_label
    body["cycling"] = md(compound.cycling)

    routes = {}
    for step in compound.administration_steps.all():
        routes.setdefault(step.get_route_display(), []).append(step.text)
    body["administration"] = [{"route": route, "steps": steps} for route, steps in routes.items()]
    body["route"] = Route(compound.route).label if compound.route else ""
    body["route_rationale"] = md(compound.route_rationale)
    body["time_course"] = [(phase.get_phase_display(), phase.text) for phase in compound.time_course.all()]
    body["timeline"] = [(entry.timeframe, entry.effects) for entry in compound.timeline.all()]
    body["side_effects"] = [
        {"effect": effect.effect, "frequency": effect.frequency_display, "note": effect.note}
        for effect in compound.side_effects.all()
    ]
    body["side_effects_note"] = md(compound.side_effects_note)
    body["contraindications"] = [(row.condition, row.qualifier) for row in compound.contraindications.all()]
    body["limitations"] = [(row.title, row.detail) for row in compound.limitations.all()]
    body["related"] = [
        {
            "name": link.related.name,
            "url": _live_url(link.related),
            "relation": link.get_relation_display(),
            "note": link.note,
        }
        for link in compound.related_links.all()
    ]
    body["evidence"] = _evidence(compound, registry)
    body["evidence_scheme"] = SCHEME
    body["references"] = [
        {"number": ref.number, "source": _reference(ref.source), "uses": ref.uses} for ref in registry.references
    ]
    offers = list(compound.vendor_offers.all())
    body["vendors"] = {
        "offers": [
            {
                "vendor": offer.vendor,
                "amount_mg": offer.amount_mg.normalize(),
                "price": offer.price,
                "currency": offer.currency,
                "price_per_mg": offer.price_per_mg,
                "url": offer.url,
                "checked_on": offer.checked_on,
            }
            for offer in offers
        ],
        "count": len(offers) or compound.vendor_count_reported or 0,
        "checked_on": max((offer.checked_on for offer in offers), default=compound.vendors_checked_on),
    }
    body["toc"] = _toc(body)
    return BuiltProfile(header=profile_header(compound), body=body, registry=registry)


def _evidence(compound, registry):
    """Evidence-at-a-glance rows; cites each finding's source so it gets a number and a back-link."""
    rows = []
    for summary in evidence_summary(compound.findings.all(), compound.outcome_grades.all()):
        studies = []
        for finding in summary.findings:
            registry.resolved.setdefault(finding.source.key, finding.source)
            citation = mark_safe(registry.render_group([CitationItem(key=finding.source.key)]))
            studies.append(
                {
                    "citation": citation,
                    "population": Population(finding.effective_population).label,
                    "species": finding.effective_species,
                    "design": StudyDesign(finding.effective_design).label,
                    "sample_size": finding.effective_sample_size,
                    "direction": finding.get_direction_display(),
                    "magnitude": finding.magnitude,
                    "claim": finding.claim,
                }
            )
        override = summary.override
        rows.append(
            {
                "outcome": summary.outcome.name,
                "anchor": f"evidence-{summary.outcome.slug}",
                "level": summary.shown_level,
                "computed_level": summary.human_level if summary.human_level is not None else 5,
                "human_level": summary.human_level,
                "human": summary.human,
                "animal": summary.animal,
                "in_vitro": summary.in_vitro,
                "consistency": summary.consistency,
                "flags": summary.flags,
                "explanation": summary.explanation,
                "override": {
                    "reason": override.reason,
                    "by": (override.set_by.get_full_name() or override.set_by.get_username())
                    if override.set_by
                    else "",
                    "at": override.set_at,
                }
                if override
                else None,
                "studies": studies,
            }
        )
    return rows


def _protocol(protocol):
    return {
        "name": protocol.name,
        "amount": protocol.amount_text,
        "frequency": protocol.frequency_text,
        "timing": protocol.timing,
        "duration": protocol.duration,
        "route": protocol.get_route_display() if protocol.route else "",
        "species": protocol.species if protocol.is_animal_dose else "",
    }


def _reference(source):
    """A reference list entry: plain data so the stored page needs no query."""
    return {
        "key": source.key,
        "authors": source.authors,
        "title": source.title,
        "translated_title": source.translated_title,
        "language": source.language,
        "language_name": LANG_INFO.get(source.language, {}).get("name", source.language),
        "journal": source.journal,
        "year": source.year,
        "volume": source.volume,
        "issue": source.issue,
        "pages": source.pages,
        "article_number": source.article_number,
        "doi": source.doi,
        "doi_url": source.doi_url,
        "pmid": source.pmid,
        "pubmed_url": source.pubmed_url,
        "pmcid": source.pmcid,
        "pmc_url": source.pmc_url,
        "url": source.url,
        "design": source.get_study_design_display(),
        "design_code": source.study_design,
        "population": source.get_population_display(),
        "species": source.species,
        "verification": source.verification,
        "verification_label": source.get_verification_display(),
        "verification_note": source.verification_note,
        "checked_at": source.checked_at.isoformat() if source.checked_at else "",
        "retracted": source.retracted,
        "retracted_on": source.retracted_on.isoformat() if source.retracted_on else "",
        "retraction_notice_url": source.retraction_notice_url,
        "translation_of": _reference(source.translation_of) if source.translation_of_id else None,
    }


# Blocks that are shown when any of these parts has content, not only their main list.
BLOCK_EXTRAS = {
    "dosing": ("daily_max", "forms", "cycling"),
    "administration": ("time_course", "route_rationale"),
    "side_effects": ("side_effects_note",),
}


def _toc(body):
    entries = [
        {"title": section["title"], "anchor": section["anchor"], "level": section["level"]}
        for section in body["sections"]
    ]
    blocks = [
        ("comparisons", None),
        ("use_cases", ("Use Cases by Goal", "use-cases")),
        ("dosing", ("Dosing Summary", "dosing")),
        ("administration", ("Timing and Administration", "administration")),
        ("timeline", ("User Experience Timeline", "timeline")),
        ("side_effects", ("Side Effects", "side-effects")),
        ("contraindications", ("Contraindications", "contraindications")),
        ("limitations", ("Limitations", "limitations")),
        ("related", ("Related Compounds", "related")),
        ("evidence", ("Evidence at a Glance", "evidence")),
        ("references", ("References", "references")),
    ]
    for key, entry in blocks:
        if key == "comparisons":
            entries.extend({"title": t["title"], "anchor": t["anchor"], "level": 2} for t in body["comparisons"])
        elif body[key] or any(body[extra] for extra in BLOCK_EXTRAS.get(key, ())):
            entries.append({"title": entry[0], "anchor": entry[1], "level": 2})
    if body["vendors"]["count"]:
        entries.append({"title": "Where to Buy", "anchor": "where-to-buy", "level": 2})
    return entries
