"""Page assembly: the reader-facing form of a profile, built from the draft by walking the parts registry.

`profile_build` is the only place that renders a profile. It renders every Markdown text through one
CitationRegistry in page order, so citation numbers follow first appearance over the whole page. Publishing
stores its output; staff preview renders it on the fly.

`profile_citations` walks the same texts in the same order without rendering: every save uses it to keep
the Citation rows in step, at a fraction of the cost of a render.
"""

import html
import re
from dataclasses import dataclass, field

from django.conf.locale import LANG_INFO
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.text import slugify

from evidence.grading import SCHEME, evidence_summary
from evidence.models import Population, StudyDesign
from evidence.selectors import sources_for_keys

from .chemistry import compound_chemistry
from .citations import CitationItem, iter_groups
from .parts import PAGE, PART_BY_MODEL, Block, Part, Toc, citing_items, markdown_texts
from .profile_links import linked_compound_ids
from .rendering import CitationRegistry, render_markdown
from .validators import resolve_keys


@dataclass
class PageRow:
    """One row of a part as the page shows it: the model instance and its Markdown, rendered."""

    obj: object
    html: dict = field(default_factory=dict)
    children: list = field(default_factory=list)


@dataclass
class PageBlock:
    spec: Block
    rows: list
    fields: dict  # the compound's fields shown in this block: rendered Markdown, or the plain value
    extra: dict = field(default_factory=dict)

    key = property(lambda self: self.spec.key)
    heading = property(lambda self: self.spec.heading)
    anchor = property(lambda self: self.spec.anchor)
    level = property(lambda self: self.spec.level)
    template = property(lambda self: self.spec.template)

    @property
    def has_content(self):
        if "has_content" in self.extra:
            return self.extra["has_content"]
        return bool(self.rows) or any(self.fields.get(f.name) for f in self.spec.compound_markdown_fields)


@dataclass
class BuiltProfile:
    header: dict
    body: dict
    registry: CitationRegistry
    linked_compound_ids: set

    @property
    def unknown_keys(self):
        return self.registry.unknown

    def render_body(self):
        page = render_to_string("compounds/_profile_body.html", {"body": self.body})
        return mark_glossary_terms(page, self.body["glossary"])


# --- Citations without rendering ---------------------------------------------------


def _citation_groups(compound):
    """Every citation group of the page, in page order: (items, cited sources already known)."""
    for obj, markdown_field in citing_items(compound):
        if markdown_field is not None:
            yield from _groups_of(getattr(obj, markdown_field.name))
        else:
            source = getattr(obj, PART_BY_MODEL[type(obj)].cites)
            yield [CitationItem(key=source.key)], {source.key: source}


def _groups_of(text):
    for _match, items in iter_groups(text):
        yield items, {}


def profile_citations(compound):
    """A CitationRegistry numbered exactly as the page would be, without rendering it. One query.

    The compound must come with `parts.profile_prefetch()`.
    """
    groups = list(_citation_groups(compound))
    known = {}
    for _items, sources in groups:
        known.update(sources)
    # Within a form's save the keys were resolved for validation already: resolve_keys reuses that answer.
    resolved = resolve_keys([item.key for items, _ in groups for item in items if item.key not in known])
    registry = CitationRegistry({**resolved, **known})
    for items, _sources in groups:
        registry.render_group(items)
    return registry


# --- The page ----------------------------------------------------------------------


def profile_build(compound):
    """Render a compound (fetched with selectors.compound_for_profile) into header and body data."""
    texts = [getattr(obj, markdown_field.name) for obj, markdown_field in markdown_texts(compound)]
    keys = [item.key for text in texts for _match, items in iter_groups(text) for item in items]
    registry = CitationRegistry(sources_for_keys(keys))

    def md(text, inline=False):
        return mark_safe(render_markdown(text, registry, inline=inline))

    # Built strictly in page order: citation numbers depend on it.
    blocks = []
    for spec in PAGE:
        rows = []
        if isinstance(spec, Part):
            for row in spec.rows(compound):
                page_row = PageRow(
                    obj=row, html={f.name: md(getattr(row, f.name), f.inline) for f in spec.markdown_fields}
                )
                for child in spec.children:
                    page_row.children.extend(
                        PageRow(
                            obj=child_row,
                            html={f.name: md(getattr(child_row, f.name), f.inline) for f in child.markdown_fields},
                        )
                        for child_row in getattr(row, child.relation).all()
                    )
                rows.append(page_row)
        fields = {}
        markdown = {f.name: f for f in spec.compound_markdown_fields}
        for name in spec.compound_fields:
            value = getattr(compound, name)
            if name in markdown:
                fields[name] = md(value, markdown[name].inline)
            elif hasattr(value, "all"):
                fields[name] = list(value.all())
            else:
                fields[name] = value
        block = PageBlock(spec=spec, rows=rows, fields=fields)
        extra = BLOCK_EXTRAS.get(spec.key)
        if extra is not None:
            block.extra = extra(compound, block, registry)
        blocks.append(block)

    by_key = {block.key: block for block in blocks}
    references = [
        {"number": ref.number, "source": reference_entry(ref.source), "uses": ref.uses} for ref in registry.references
    ]
    by_key["citations"].extra = {"references": references, "has_content": bool(references)}
    toc = _toc(blocks)
    by_key["contents"].extra = {"entries": toc, "has_content": bool(toc)}
    body = {
        "slug": compound.slug,
        "name": compound.name,
        "compound": compound,
        "blocks": [block for block in blocks if block.spec.in_body],
        "by_key": by_key,
        "references": references,
        "toc": toc,
        "glossary": [(row.obj.term, row.obj.meaning) for row in by_key["glossary_terms"].rows],
    }
    return BuiltProfile(
        header=profile_header(compound),
        body=body,
        registry=registry,
        linked_compound_ids=linked_compound_ids(compound),
    )


def _toc(blocks):
    entries = []
    listed = False  # only blocks after the table of contents are listed in it
    for block in blocks:
        if block.key == "contents":
            listed = True
            continue
        if not listed or not block.spec.in_body:
            continue
        if block.spec.toc == Toc.ROWS:
            entries.extend(
                {"title": row.obj.title, "anchor": row.obj.anchor, "level": getattr(row.obj, "level", 2)}
                for row in block.rows
            )
        elif block.spec.toc == Toc.BLOCK and block.has_content:
            entries.append({"title": block.heading, "anchor": block.anchor, "level": block.level})
    return entries


# --- What some blocks show beyond their rows -------------------------------------------


def _specifications(compound, block, registry):
    computed = []
    if compound.sequence:
        computed.append(("Sequence", compound.sequence))
    chemistry = compound_chemistry(compound)
    if compound.molecular_formula:
        computed.append(("Molecular Formula", compound.molecular_formula))
    elif chemistry is not None:
        computed.append(("Molecular Formula", f"{chemistry.formula} (computed from the sequence)"))
    if compound.molecular_weight:
        computed.append(("Molecular Weight", f"{compound.molecular_weight.normalize():f} g/mol"))
    return {"computed": computed, "has_content": bool(computed or block.rows)}


def _dosing(compound, block, registry):
    summary = [row for row in block.rows if row.obj.in_summary]
    variants = block.fields["variants"]
    has_content = bool(summary or variants or block.fields["daily_max_note"] or block.fields["cycling"])
    return {"summary": summary, "has_content": has_content}


def _administration(compound, block, registry):
    routes = {}
    for row in block.rows:
        routes.setdefault(row.obj.get_route_display(), []).append(row.obj.text)
    return {
        "routes": [{"route": route, "steps": steps} for route, steps in routes.items()],
        "route_label": compound.get_route_display() if compound.route else "",
    }


def _evidence(compound, block, registry):
    """Evidence-at-a-glance rows; cites each finding's source so it gets a number and a back-link."""
    rows = []
    findings = [row.obj for row in block.rows]
    for summary in evidence_summary(findings, compound.outcome_grades.all()):
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
    return {"outcomes": rows, "scheme": SCHEME, "has_content": bool(rows)}


def _related(compound, block, registry):
    """Related compounds as cards: the other profile's public summary when it has one (a draft's is not public)."""
    cards = []
    for row in block.rows:
        related = row.obj.related
        summary = related.live_snapshot.summary if related.is_live else ""
        cards.append({"link": row.obj, "summary": summary})
    return {"cards": cards}


def _vendors(compound, block, registry):
    offers = [row.obj for row in block.rows]
    # Vendors, not offers: one vendor may list several sizes.
    count = len({offer.vendor.casefold() for offer in offers}) or compound.vendor_count_reported or 0
    checked_on = max((offer.checked_on for offer in offers), default=compound.vendors_checked_on)
    return {"count": count, "checked_on": checked_on, "has_content": bool(count)}


BLOCK_EXTRAS = {
    "specifications": _specifications,
    "dosing_protocols": _dosing,
    "administration_steps": _administration,
    "findings": _evidence,
    "related_links": _related,
    "vendor_offers": _vendors,
}


# --- Glossary terms where they appear in the text ------------------------------------------------

# A tag (attribute values may hold ">"), or a comment: everything between them is text.
_TAG_RE = re.compile(r"""<!--.*?-->|<(/?)([a-zA-Z][a-zA-Z0-9]*)(?:[^"'>]|"[^"]*"|'[^']*')*>""", re.DOTALL)
_VOID = {"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# Text a reader does not read as prose, or where a tooltip would be clipped (tables scroll in their own box)
# or unreachable (inside a link). Spans hold citations and the links to other profiles, whose stored form
# profile_links rewrites and must find unchanged.
_NOT_MARKED = {
    "a", "abbr", "aside", "button", "code", "details", "dfn", "dl", "h1", "h2", "h3", "h4", "h5", "h6",
    "kbd", "nav", "pre", "samp", "script", "span", "style", "sub", "summary", "sup", "table", "textarea",
}  # fmt: skip


class _Glossary:
    def __init__(self, terms):
        self.entries = {}  # term, lower-cased and with single spaces → (tooltip id, meaning)
        ids = set()
        for term, meaning in terms:
            key = " ".join(term.split()).lower()
            if not key or key in self.entries:
                continue
            base = tip_id = f"term-{slugify(term) or 'glossary'}"
            n = 1
            while tip_id in ids:
                n += 1
                tip_id = f"{base}-{n}"
            ids.add(tip_id)
            self.entries[key] = (tip_id, meaning)
        # Longest first, so "GABA-A receptor" is one term rather than "GABA" followed by text.
        words = sorted(self.entries, key=len, reverse=True)
        alternatives = "|".join(r"\s+".join(re.escape(word) for word in key.split()) for key in words)
        # Whole words: a hyphen joins words too ("GABA" is not found in "GABAergic" nor in "GABA-A").
        self.pattern = re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.IGNORECASE) if words else None
        self.pending = set(self.entries)

    def mark_text(self, raw):
        """A text node with the first use of each pending term marked. Unchanged (byte for byte) when none is."""
        text = html.unescape(raw)
        parts = []
        end = 0
        for match in self.pattern.finditer(text):
            key = " ".join(match.group(0).split()).lower()
            if key not in self.pending:
                continue
            self.pending.discard(key)
            tip_id, meaning = self.entries[key]
            parts.append(html.escape(text[end : match.start()], quote=False))
            parts.append(
                f'<span class="term"><dfn class="term__word" tabindex="0" aria-describedby="{tip_id}">'
                f"{html.escape(match.group(0), quote=False)}</dfn>"
                f'<span class="term__tip" role="tooltip" id="{tip_id}" hidden>{html.escape(meaning, quote=False)}</span></span>'
            )
            end = match.end()
        if not parts:
            return raw
        parts.append(html.escape(text[end:], quote=False))
        return "".join(parts)


def mark_glossary_terms(page, terms):
    """Mark the first use of each glossary term (term, meaning) in the page's running text, with its meaning as a
    tooltip shown on hover and keyboard focus (CSS only). Runs on rendered, sanitized HTML; the meaning is escaped.

    Only text between tags changes: terms inside links, headings, code, tables, the contents, the glossary itself
    and other marks are left alone.
    """
    glossary = _Glossary(terms)
    if glossary.pattern is None:
        return page
    # The reference list quotes titles as published: a term there is not the profile's own use of it.
    page, references, rest = page.partition('<section id="references"')
    out = []
    closed = 0  # open elements whose text is not marked
    position = 0
    for tag in _TAG_RE.finditer(page):
        text = page[position : tag.start()]
        out.append(glossary.mark_text(text) if text and not closed and glossary.pending else text)
        out.append(tag.group(0))
        name = (tag.group(2) or "").lower()
        if name in _NOT_MARKED and name not in _VOID:
            closed = max(closed - 1, 0) if tag.group(1) else closed + 1
        position = tag.end()
    tail = page[position:]
    out.append(glossary.mark_text(tail) if tail and not closed and glossary.pending else tail)
    return mark_safe("".join(out) + references + rest)


# --- Header and references: plain data, stored with each published version ------------------


def _link(compound):
    return {"id": str(compound.uid), "name": compound.name, "url": compound.public_url}


def profile_header(compound):
    """Header data as plain JSON-able values (stored with each published version)."""
    return {
        "name": compound.name,
        "descriptor": compound.descriptor,
        "summary": compound.summary,
        "kind": compound.get_kind_display(),
        "synonyms": [synonym.name for synonym in compound.synonyms.all()],
        "parent": _link(compound.parent) if compound.parent else None,
        "variants": [_link(variant) for variant in compound.variants.all()],
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


def reference_entry(source):
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
        "translation_of": reference_entry(source.translation_of) if source.translation_of_id else None,
    }


_REFERENCE_ITEM = '<li id="ref-{number}" class="reference[^"]*">.*?</li>'
_BACKLINK = re.compile(r'href="#([^"]+)" aria-label="Back to citation')


def rewrite_reference_item(body_html, *, number, source):
    """The stored body with reference `number`'s list entry rendered again from `source` (its back-links kept)."""
    pattern = re.compile(_REFERENCE_ITEM.format(number=number), re.DOTALL)
    found = pattern.search(body_html)
    if found is None:
        return body_html
    uses = _BACKLINK.findall(found.group(0))
    item = render_to_string("compounds/_reference.html", {"ref": {"number": number, "source": source, "uses": uses}})
    return body_html[: found.start()] + item.strip() + body_html[found.end() :]
