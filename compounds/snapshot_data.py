"""What a published version stores beside its page: its structured data for machine readers (the JSON endpoint)
and what search and the listings' filters read.

Both come from the built profile at publish time, like the page, so they describe exactly the version readers see
and no public read ever touches a draft.
"""

import html
import json
import re

from django.contrib.auth import get_user_model
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.html import strip_tags

from evidence.models import Source

from .citations import iter_groups
from .models import Compound
from .parts import PAGE, Part
from .rendering import render_markdown
from .search import clean_text

# Shown elsewhere in the data (references, evidence summary) or never public (who set a grade is in `evidence`).
LEFT_OUT_PARTS = {"citations", "findings", "outcome_grades"}
LEFT_OUT_FIELDS = {"id", "compound", "position", "uid"}
_REF_NUMBER_RE = re.compile(r'href="#ref-(\d+)"')


def profile_data(*, profile, built):
    """The version's structured data as JSON-native values, in page order."""
    by_key = built.body["by_key"]
    data = {"kind": profile.kind, "kind_label": profile.get_kind_display(), "fields": {}, "parts": {}}
    for spec in PAGE:
        block = by_key[spec.key]
        for name, value in block.fields.items():
            data["fields"][name] = _plain(value)
        if isinstance(spec, Part) and spec.key not in LEFT_OUT_PARTS:
            data["parts"][spec.key] = [_row(spec, row) for row in block.rows]
    data["computed_specifications"] = [
        {"label": label, "value": value} for label, value in by_key["specifications"].extra.get("computed", [])
    ]
    data["sections"] = [
        {"title": row.obj.title, "anchor": row.obj.anchor, "level": row.obj.level, "html": str(row.html["body"])}
        for row in by_key["sections"].rows
    ]
    data["evidence"] = [_outcome(outcome) for outcome in by_key["findings"].extra.get("outcomes", [])]
    # A round trip through JSON: what is stored compares equal to what a new build gives (decimals, dates).
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def _plain(value):
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, list):
        return [_plain(each) for each in value]
    return str(value) if hasattr(value, "__html__") else value


def _row(spec, page_row):
    row = _fields(page_row.obj, page_row.html, skip={spec.author_field})
    for child, child_rows in zip(spec.children, _children(spec, page_row), strict=True):
        row[child.relation] = [_fields(each.obj, each.html, skip={child.parent_field}) for each in child_rows]
    return row


def _children(spec, page_row):
    # PageRow keeps a part's child rows in one list; split it back by model, in the registry's order.
    return [[each for each in page_row.children if isinstance(each.obj, child.model)] for child in spec.children]


def _fields(obj, rendered, skip=()):
    values = {}
    for field in obj._meta.concrete_fields:
        if field.name in LEFT_OUT_FIELDS or field.name in skip:
            continue
        if field.name in rendered:
            values[field.name] = str(rendered[field.name])
        elif field.is_relation:
            if field.related_model is get_user_model() or field.name in skip:
                continue
            values[field.name] = _related(getattr(obj, field.name))
        else:
            values[field.name] = getattr(obj, field.attname)
            if field.choices:
                values[f"{field.name}_label"] = getattr(obj, f"get_{field.name}_display")()
    return values


def _related(related):
    if related is None:
        return None
    if isinstance(related, Source):
        return {"key": related.key}
    if isinstance(related, Compound):
        return {"name": related.name}
    return str(related)


def _outcome(outcome):
    override = outcome["override"]
    return {
        "outcome": outcome["outcome"],
        "level": outcome["level"],
        "human_level": outcome["human_level"],
        "human_studies": outcome["human"],
        "animal_studies": outcome["animal"],
        "in_vitro_studies": outcome["in_vitro"],
        "consistency": outcome["consistency"],
        "explanation": outcome["explanation"],
        "override": {"reason": override["reason"], "at": override["at"]} if override else None,
        "studies": [
            {
                "references": [int(number) for number in _REF_NUMBER_RE.findall(str(study["citation"]))],
                **{name: value for name, value in study.items() if name != "citation"},
            }
            for study in outcome["studies"]
        ],
    }


# --- Search and filters -------------------------------------------------------------------------


def profile_search_fields(*, profile):
    """Plain text for the full-text index and the values the listings filter and sort on."""
    prose = [profile.what_is_this]
    for section in profile.sections.all():
        prose.extend([section.title, section.body])
    states = sorted({status.state for status in profile.regulatory_statuses.all()})
    return {
        "search_synonyms": clean_text("\n".join(synonym.name for synonym in profile.synonyms.all())),
        "search_text": clean_text("\n".join(filter(None, (markdown_plain_text(text) for text in prose)))),
        "search_glossary": clean_text("\n".join(f"{t.term}: {t.meaning}" for t in profile.glossary_terms.all())),
        "evidence_level_best": profile.evidence_level_best,
        "evidence_level_worst": profile.evidence_level_worst or profile.evidence_level_best,
        "risk_profile": profile.risk_profile,
        "regulatory_states": "".join(f"|{state}" for state in states) + "|" if states else "",
    }


def markdown_plain_text(text):
    """Markdown as the words a reader sees, without citation markers."""
    if not text:
        return ""
    spans = [match.span() for match, _items in iter_groups(text)]
    for start, end in reversed(spans):
        text = text[:start].rstrip(" ") + text[end:]
    plain = html.unescape(strip_tags(render_markdown(text, registry=None)))
    return re.sub(r"\s*\n\s*", "\n", re.sub(r"[ \t]+", " ", plain)).strip()
