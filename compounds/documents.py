"""Markdown profile documents in and out: the structured-profile format of seed 000.

    # Selank (Russian Anxiolytic Peptide)
    **OCEBM Evidence Level:** 3-4 (Russian approval + clinical trials)
    **Risk Profile:** LOW
    ## What Is This? / ## Glossary / ## Key Specifications / ## Dosing Summary / … / ## References

`document_parse` reads such a document into a plan (no database access); `profile_document_import` writes the plan
as a draft with one revision; `profile_document_export` writes a profile back out in the same format, so that
importing the export reproduces the page. Tables become structured rows, prose becomes Markdown sections, the
numbered reference list becomes sources (matched to existing ones by DOI, PMID or title + year, else created
unverified). A section or table the importer does not know stays Markdown: nothing in the document is dropped, and
the plan's notes say what went where and what differed from the usual layout.
"""

import re
import unicodedata
import uuid
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from evidence.models import Source

from .citations import CitationItem, citation_keys, format_group
from .doses import NUMBER, UNITS, number, parse_dose
from .models import (
    AdministrationStep,
    Category,
    ComparisonRow,
    ComparisonTable,
    Compound,
    Contraindication,
    DosingProtocol,
    GlossaryTerm,
    Limitation,
    RegulatoryStatus,
    RevisionOrigin,
    Section,
    SideEffect,
    Specification,
    TimeCourse,
    TimelineEntry,
    UseCase,
)
from .models.choices import RegulatoryState, RiskProfile, Route, SideEffectFrequency, TimePhase
from .permissions import import_refusal
from .selectors import compound_for_profile
from .services import compound_revision
from .uploads import utf8_text

# Parts a document describes completely: an import replaces these rows of an existing profile.
DOCUMENT_MODELS = (
    GlossaryTerm,
    Specification,
    ComparisonTable,
    Section,
    UseCase,
    AdministrationStep,
    TimeCourse,
    TimelineEntry,
    DosingProtocol,
    SideEffect,
    Contraindication,
    Limitation,
    RegulatoryStatus,
)
# Compound fields a document sets; a re-import replaces them like the document's rows.
DOCUMENT_FIELDS = (
    "descriptor",
    "summary",
    "what_is_this",
    "evidence_level_best",
    "evidence_level_worst",
    "evidence_note",
    "risk_profile",
    "sequence",
    "molecular_weight",
    "molecular_formula",
    "route",
    "route_rationale",
    "daily_max_low",
    "daily_max_high",
    "daily_max_unit",
    "daily_max_note",
    "form_note",
    "cycling_label",
    "cycling",
    "side_effects_note",
)
TIMES_DAILY = {"once": 1, "twice": 2, "thrice": 3, "three times": 3}
META_RE = re.compile(r"^\*\*(?P<label>[^*]+?):?\*\*:?\s*(?P<value>.*)$")
SEPARATOR_RE = re.compile(r"^\|?\s*:?-{2,}")
NUMERIC_CITATION_RE = re.compile(r"\[(\d+(?:\s*[,–-]\s*\d+)*)\](?![(\[])")


# Profiles a document creates are named by their slug: the same document imported on two sites gives the same
# identifiers, so their pages (which mark links to other profiles with them) read the same.
DOCUMENT_NAMESPACE = uuid.UUID("5b0c1c38-62b5-4a43-9b8e-6f0c4f3d7a11")


def document_uid(slug):
    return uuid.uuid5(DOCUMENT_NAMESPACE, slug)


class DocumentError(ValueError):
    """The file cannot be read as a profile document at all."""


@dataclass
class Heading:
    title: str
    lines: list = field(default_factory=list)
    subsections: list = field(default_factory=list)  # Heading, for ### under this ##

    @property
    def key(self):
        return normalise(self.title)

    @property
    def text(self):
        return "\n".join(self.lines).strip()


@dataclass
class Plan:
    """What an import will write: field values, rows per model, sources, and notes on where things went."""

    name: str = ""
    descriptor: str = ""
    compound: dict = field(default_factory=dict)
    categories: list = field(default_factory=list)
    rows: dict = field(default_factory=dict)  # model → [dict]
    comparisons: list = field(default_factory=list)  # (table fields, [row fields])
    variants: list = field(default_factory=list)  # (name, form note)
    references: list = field(default_factory=list)  # dicts of Source fields, in document order
    notes: list = field(default_factory=list)
    anchors: dict = field(default_factory=dict)  # kind of row → anchors taken

    def add(self, model, **values):
        self.rows.setdefault(model, []).append(values)

    def anchor(self, kind, title):
        return unique_anchor(title, self.anchors.setdefault(kind, set()))

    def section(self, title, body, level=2):
        """Markdown kept as a section of its own (prose, or what no part holds)."""
        self.add(Section, title=title, anchor=self.anchor("sections", title), level=level, body=body)

    def note(self, text):
        self.notes.append(text)


def normalise(text):
    return re.sub(r"[^a-z0-9 ]+", "", text.lower().replace("&", "and")).strip()


def decode(data, file_name="document"):
    """The document's text; a binary file or another encoding than UTF-8 is refused with the reason."""
    return utf8_text(data, file_name, error=DocumentError, expected="a Markdown document")


# --- Reading Markdown --------------------------------------------------------------------------------------


def split_headings(text):
    """The title line, the lines before the first ##, and the ## headings with their ### subsections."""
    title, preamble, headings = None, [], []
    in_code = False
    for raw in text.splitlines():
        line = raw.rstrip()
        if line.startswith(("```", "~~~")):
            in_code = not in_code
        if not in_code and line.startswith("# ") and title is None and not headings:
            title = line[2:].strip()
        elif not in_code and line.startswith("## "):
            headings.append(Heading(line[3:].strip()))
        elif not in_code and line.startswith("### ") and headings:
            headings[-1].subsections.append(Heading(line[4:].strip()))
        elif headings:
            target = headings[-1].subsections[-1] if headings[-1].subsections else headings[-1]
            target.lines.append(line)
        else:
            preamble.append(line)
    for heading in headings:  # horizontal rules between sections are layout, not content
        for part in (heading, *heading.subsections):
            while part.lines and part.lines[-1].strip() in ("", "---", "***"):
                part.lines.pop()
    return title, preamble, headings


def cells(line):
    inner = line.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") else inner
    return [cell.strip().replace(r"\|", "|") for cell in re.split(r"(?<!\\)\|", inner)]


def split_table(lines):
    """(text before, header, rows, text after) of the first pipe table in `lines`; header None if there is none."""
    start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("|")), None)
    if start is None or start + 1 >= len(lines) or not SEPARATOR_RE.match(lines[start + 1].strip()):
        return "\n".join(lines).strip(), None, [], ""
    end = start + 2
    while end < len(lines) and lines[end].lstrip().startswith("|"):
        end += 1
    header = cells(lines[start])
    rows = [cells(line) for line in lines[start + 2 : end]]
    return "\n".join(lines[:start]).strip(), header, rows, "\n".join(lines[end:]).strip()


LIST_MARKER_RE = re.compile(r"^(?:[-*+]|(?P<number>\d+)[.)]|\[(?P<bracketed>\d+)\])\s+(?P<text>.*)$")


def split_list(lines):
    """(items, other text) of a Markdown list: each item is (the number written or None, its text). Indented lines
    (sub-items, notes) and lines that continue an item belong to it; text apart from the list is returned as is."""
    items, other, in_item = [], [], False
    for line in lines:
        match = LIST_MARKER_RE.match(line)
        if match:
            written = match.group("number") or match.group("bracketed")
            items.append([int(written) if written else None, match.group("text").strip()])
            in_item = True
        elif line.strip() and items and (in_item or line.startswith((" ", "\t"))):
            items[-1][1] += " " + line.strip()
        else:
            if not line.strip():
                in_item = False
            other.append(line)
    return [tuple(item) for item in items], "\n".join(other).strip()


def list_items(lines):
    return [text for _number, text in split_list(lines)[0]]


def plain(text):
    return re.sub(r"[*_`]", "", text).strip()


def unique_anchor(title, taken):
    base = slugify(unicodedata.normalize("NFKD", title))[:70] or "section"
    anchor, n = base, 2
    while anchor in taken:
        anchor, n = f"{base}-{n}", n + 1
    taken.add(anchor)
    return anchor


# --- Values as documents write them --------------------------------------------------------------------------


def parse_times_daily(text):
    lowered = text.lower()
    match = re.search(r"(\d+)\s*(?:-|–|to)\s*(\d+)\s*(?:x|times)\s*(?:daily|a day|per day)", lowered)
    if match:
        return int(match.group(1)), int(match.group(2))
    match = re.search(r"(\d+)\s*(?:x|times)\s*(?:daily|a day|per day)", lowered)
    if match:
        return int(match.group(1)), int(match.group(1))
    for word, count in TIMES_DAILY.items():
        if re.search(rf"\b{word}\b\s*(?:daily|a day|per day)", lowered):
            return count, count
    return None, None


def parse_minutes(text):
    match = re.search(rf"({NUMBER})\s*(?:-|–|to)?\s*({NUMBER})?\s*(minutes?|mins?|hours?|hrs?|days?)", text.lower())
    if not match:
        return None, None
    factor = {"m": 1, "h": 60, "d": 1440}[match.group(3)[0]]
    low = int(number(match.group(1)) * factor)
    high = int(number(match.group(2)) * factor) if match.group(2) else low
    return low, high


def parse_evidence(value, plan):
    match = re.match(r"^\s*([1-5])\s*(?:[-–]\s*([1-5]))?\s*(?:\((.*)\))?\s*$", value)
    if not match:
        plan.note(f"Evidence level “{value}” is not an OCEBM level 1-5: not imported.")
        return
    plan.compound["evidence_level_best"] = int(match.group(1))
    if match.group(2) and match.group(2) != match.group(1):
        plan.compound["evidence_level_worst"] = int(match.group(2))
    plan.compound["evidence_note"] = (match.group(3) or "").strip()


def parse_regulatory(value, plan):
    match = re.match(r"^\s*(not\s+)?approved\s+in\s+(.+?)\s*(?:\((.*)\))?\s*$", value, re.IGNORECASE)
    if not match:
        plan.note(f"Regulatory status “{value}” was not understood: kept as the evidence note's context.")
        plan.add(RegulatoryStatus, jurisdiction="Unspecified", state=RegulatoryState.UNKNOWN, note=value)
        return
    parts = [part.strip() for part in (match.group(3) or "").split(",") if part.strip()]
    year = next((int(part) for part in parts if part.isdigit()), None)
    authority = ", ".join(part for part in parts if not part.isdigit())
    state = RegulatoryState.NOT_APPROVED if match.group(1) else RegulatoryState.APPROVED
    plan.add(RegulatoryStatus, jurisdiction=match.group(2).strip(), authority=authority, state=state, year=year)


def choice_for(choices, text):
    wanted = normalise(text)
    for value, label in choices.choices:
        if wanted in (normalise(str(value)), normalise(str(label))) or normalise(str(label)).startswith(wanted + " "):
            return value
    return None


# --- References --------------------------------------------------------------------------------------------


# Vancouver authors: "Surname AB, Surname C, et al." — the list ends at the full stop after initials or "et al".
AUTHOR = r"[A-Z][\w'’\-]+(?: [A-Z][\w'’\-]+)* [A-Z]{1,3}"
AUTHORS_RE = re.compile(rf"^(?P<authors>{AUTHOR}(?:, {AUTHOR})*(?:,? et al)?)\.\s+(?=\S)")


def parse_reference(line):
    """Source fields from a loose reference line ("Seredenin SB, et al. Anxiolytic effect of Selank. Zh Vyssh
    Nerv Deiat. 2002.") or from an export's line, which starts with its citation key ([@key])."""
    fields = {"key": ""}
    text = line.strip()
    keyed = re.match(r"^\[@([\w\-]+)\]\s*", text)
    if keyed:
        fields["key"], text = keyed.group(1), text[keyed.end() :]
    for name, pattern in (
        ("doi", r"\b(?:doi:\s*|https?://(?:dx\.)?doi\.org/)(10\.\d{4,9}/\S+?)(?=\.?(?:\s|$))"),
        ("pmid", r"\bPMID:?\s*(\d+)"),
        ("pmcid", r"\b(PMC\d+)"),
    ):
        match = re.search(pattern, text, re.IGNORECASE)
        if match:
            fields[name] = int(match.group(1)) if name == "pmid" else match.group(1)
            text = (text[: match.start()] + text[match.end() :]).strip()
    text = re.sub(r"(\s*\.)+\s*$", "", re.sub(r"\s*\.\s*\.", ".", text)).strip()
    authors = AUTHORS_RE.match(text)
    if authors:
        fields["authors"] = authors.group("authors").strip()
        text = text[authors.end() :]
    segments = [segment.strip() for segment in re.split(r"(?<=[^A-Z])\.\s+", text) if segment.strip()]
    fields["title"] = segments.pop(0) if segments else text
    rest = ". ".join(segments)
    year = re.search(r"\b(1[89]\d\d|20\d\d)\b", rest)
    if year:
        fields["journal"] = rest[: year.start()].strip(" .;,")
        fields["year"] = int(year.group(1))
        details = re.match(r"^\s*;?\s*([^(:\s]+)?(?:\(([^)]+)\))?(?::\s*(\S+))?", rest[year.end() :])
        if details:
            fields["volume"], fields["issue"], fields["pages"] = (g or "" for g in details.groups())
    elif rest:
        fields["journal"] = rest
    return fields


def format_reference(source):
    parts = [source.authors, source.title or f"[{source.translated_title}]", source.journal]
    line = ". ".join(part.rstrip(".") for part in parts if part)
    if source.year:
        line += f". {source.year}"
        if source.volume:
            line += f";{source.volume}"
            line += f"({source.issue})" if source.issue else ""
        if source.pages:
            line += f":{source.pages}"
    line += "."
    if source.doi:
        line += f" doi:{source.doi}."
    if source.pmid:
        line += f" PMID: {source.pmid}."
    return f"[@{source.key}] {line}"


def title_key(title):
    return normalise(title).replace(" ", "")


def first_author(authors):
    return normalise((authors or "").split(",")[0]).split(" ")[0]


def match_source(fields, exclude=()):
    """An existing source the reference names: by DOI, PMID, or title + year (+ first author when both give one).
    Sources in `exclude` (created from this same document) match by DOI or PMID only."""
    if fields.get("doi"):
        found = Source.objects.filter(doi=fields["doi"].lower()).first()
        if found:
            return found
    if fields.get("pmid"):
        found = Source.objects.filter(pmid=fields["pmid"]).first()
        if found:
            return found
    for source in Source.objects.filter(year=fields.get("year")).exclude(pk__in=exclude).only("pk", "title", "authors"):
        same_author = not (source.authors and fields.get("authors")) or first_author(source.authors) == first_author(
            fields.get("authors")
        )
        if title_key(source.title) == title_key(fields["title"]) and same_author:
            return source
    return None


def new_key(fields, taken):
    surname = re.match(
        r"[^\W\d_]+", unicodedata.normalize("NFKD", fields.get("authors", "")).encode("ascii", "ignore").decode()
    )
    base = (surname.group(0).lower() if surname else slugify(" ".join(fields["title"].split()[:3]))[:30]) or "source"
    base += str(fields.get("year") or "")
    key, suffix = base, iter("bcdefghijklmnopqrstuvwxyz")
    while key in taken or Source.objects.filter(key=key).exists():
        key = base + next(suffix)
    taken.add(key)
    return key


# --- Parsing a document into a plan ------------------------------------------------------------------------------


def document_parse(text):
    """A Plan for the document; DocumentError if it has no title."""
    title, preamble, headings = split_headings(text)
    if not title:
        raise DocumentError("The document has no title: its first heading must be “# Name (descriptor)”.")
    plan = Plan()
    match = re.match(r"^(.*?)\s*\(([^()]*)\)\s*$", title)
    plan.name, plan.descriptor = (match.group(1), match.group(2)) if match else (title, "")
    plan.compound["descriptor"] = plan.descriptor
    _read_metadata(preamble, plan)
    for heading in headings:
        handler = HANDLERS.get(heading.key)
        if handler is None and heading.key.startswith("cycling"):
            handler = _cycling
        if handler is not None:
            handler(heading, plan)
        elif _is_comparison(heading, plan):
            _comparison(heading, plan)
        else:
            _sections(heading, plan, note=True)
    return plan


def _read_metadata(lines, plan):
    seen = set()
    for line in lines:
        match = META_RE.match(line.strip())
        if not match:
            if line.strip() and line.strip() != "---":
                plan.note(f"Line before the first section kept nowhere: “{line.strip()}”.")
            continue
        label, value = normalise(match.group("label")), match.group("value").strip()
        seen.add(label)
        if "evidence level" in label:
            parse_evidence(value, plan)
        elif label == "risk profile":
            risk = choice_for(RiskProfile, value.split("(")[0])
            if risk is None:
                plan.note(f"Risk profile “{value}” is not low, moderate or high: set to unknown.")
            plan.compound["risk_profile"] = risk or RiskProfile.UNKNOWN
        elif label == "regulatory status":
            parse_regulatory(value, plan)
        elif label == "summary":
            plan.compound["summary"] = value
        elif label == "last updated":
            plan.note("“Last Updated” is not imported: the page shows when a reviewer published it.")
        else:
            plan.note(f"Metadata line “{match.group('label')}” is not a profile field: not imported.")
    for wanted in ("ocebm evidence level", "risk profile", "regulatory status"):
        if not any(wanted in label for label in seen):
            plan.note(f"No “{wanted.title().replace('Ocebm', 'OCEBM')}” line: left empty.")


def _keep(plan, heading, text, what="text"):
    """Text a part does not hold stays on the page as a section of its own."""
    if text:
        plan.note(f"“{heading.title}”: {what} beside the {heading.title.lower()} kept as a Markdown section.")
        plan.section(heading.title, text)


def _set(plan, heading, name, value):
    """A compound field a document sets; a heading written twice adds to it rather than replacing it."""
    if plan.compound.get(name) and value:
        plan.note(f"“{heading.title}” appears more than once: the texts are joined.")
        value = f"{plan.compound[name]}\n\n{value}"
    plan.compound[name] = value


def _what_is_this(heading, plan):
    _set(plan, heading, "what_is_this", heading.text)
    _sub_sections(heading, plan)


def _categories(heading, plan):
    names = re.findall(r"`([^`]+)`", heading.text) or re.split(r"\s*[·,;]\s*", plain(heading.text))
    plan.categories += [name.strip() for name in names if name.strip()]


def _two_column_rows(heading, plan, columns, what):
    before, header, rows, after = split_table(heading.lines)
    if header is None:
        plan.note(f"“{heading.title}” has no table: kept as a Markdown section.")
        _sections(heading, plan, note=False)
        return []
    if len(header) > len(columns):
        plan.note(f"“{heading.title}”: extra column(s) {', '.join(header[len(columns) :])} not imported into {what}.")
    for leftover in (before, after):
        if leftover:
            plan.note(f"“{heading.title}”: text beside the table kept as a section.")
            plan.section(heading.title, leftover)
    _sub_sections(heading, plan)
    return rows


def _glossary(heading, plan):
    for row in _two_column_rows(heading, plan, ("term", "meaning"), "the glossary"):
        plan.add(GlossaryTerm, term=plain(row[0]), meaning=row[1] if len(row) > 1 else "")


def _specifications(heading, plan):
    for row in _two_column_rows(heading, plan, ("label", "value"), "the specifications"):
        label, value = plain(row[0]), row[1] if len(row) > 1 else ""
        key = normalise(label)
        if key == "sequence":
            plan.compound["sequence"] = plain(value)
        elif key == "molecular weight" and number(re.sub(r"[^\d.,]", "", value.split()[0] if value else "")):
            plan.compound["molecular_weight"] = number(re.sub(r"[^\d.,]", "", value.split()[0]))
        elif key == "molecular formula":
            plan.compound["molecular_formula"] = plain(value)
        else:
            plan.add(Specification, label=label, value=value)


def _is_comparison(heading, plan):
    before, header, rows, _after = split_table(heading.lines)
    return (
        header is not None
        and not before
        and not heading.subsections
        and len(header) >= 3
        and normalise(header[1]) == normalise(plan.name)
    )


def _comparison(heading, plan):
    _before, header, rows, after = split_table(heading.lines)
    if len(header) > 3:
        plan.note(f"“{heading.title}”: columns after the third ({', '.join(header[3:])}) not imported.")
    table = {
        "title": heading.title,
        "anchor": plan.anchor("comparisons", heading.title),
        "row_header": plain(header[0]) or "Property",
        "subject_label": plain(header[1]),
        "other_label": plain(header[2]),
        "note": after,
    }
    items = [
        {
            "label": plain(row[0]),
            "subject_value": row[1] if len(row) > 1 else "",
            "other_value": row[2] if len(row) > 2 else "",
        }
        for row in rows
    ]
    plan.comparisons.append((table, items))


def _sections(heading, plan, note):
    if note:
        plan.note(f"“{heading.title}” → Markdown section.")
    plan.section(heading.title, heading.text)
    for sub in heading.subsections:
        plan.section(sub.title, sub.text, level=3)


def _sub_sections(heading, plan):
    """### headings under a ## the importer maps to a part: each becomes a section of its own."""
    for sub in heading.subsections:
        plan.note(f"“{heading.title} › {sub.title}” → Markdown section.")
        plan.section(sub.title, sub.text)


def _use_cases(heading, plan):
    if heading.text:
        plan.note(f"Text under “{heading.title}” before the first use case → Markdown section.")
        plan.section(heading.title, heading.text)
    for sub in heading.subsections:
        plan.add(UseCase, title=sub.title, anchor=plan.anchor("use_cases", sub.title), body=sub.text)


def _administration(heading, plan):
    for sub in heading.subsections:
        key = sub.key
        route = next((value for value, label in Route.choices if normalise(label) in key), None)
        if key.startswith("why"):
            _set(plan, sub, "route_rationale", sub.text)
            if route:
                plan.compound["route"] = route
        elif ("duration" in key or "onset" in key) and split_table(sub.lines)[1] is not None:
            before, header, rows, after = split_table(sub.lines)
            _keep(plan, sub, "\n\n".join(filter(None, [before, after])))
            for row in rows:
                phase = choice_for(TimePhase, plain(row[0]))
                if phase is None:
                    plan.note(f"Duration of effects: “{row[0]}” is not onset, peak or duration: kept as a section.")
                    plan.section(sub.title, f"| {' | '.join(row)} |")
                    continue
                low, high = parse_minutes(row[1] if len(row) > 1 else "")
                plan.add(
                    TimeCourse, phase=phase, text=row[1] if len(row) > 1 else "", minutes_low=low, minutes_high=high
                )
        elif list_items(sub.lines) and "administration" in key:
            items, other = split_list(sub.lines)
            _keep(plan, sub, other)
            for _number, item in items:
                plan.add(AdministrationStep, route=route or Route.OTHER, text=item)
        else:
            plan.note(f"“{heading.title} › {sub.title}” → Markdown section.")
            plan.section(sub.title, sub.text)
    if heading.text:
        plan.section(heading.title, heading.text)


def _timeline(heading, plan):
    for row in _two_column_rows(heading, plan, ("timeframe", "effects"), "the timeline"):
        plan.add(TimelineEntry, timeframe=plain(row[0]), effects=row[1] if len(row) > 1 else "")


DOSING_EXTRA = {
    "route": "route",
    "timing": "timing",
    "duration": "duration",
    "notes": "timing",
    "note": "timing",
    "species": "species",
    "in summary": "in_summary",
}


def _dosing(heading, plan):
    before, header, rows, after = split_table(heading.lines)
    if header:
        names = [normalise(cell) for cell in header]
        extra = {i: DOSING_EXTRA.get(name) for i, name in enumerate(names) if i > 2}
        unknown = [header[i] for i, target in extra.items() if target is None]
        mapped = [f"{header[i]} → {target}" for i, target in extra.items() if target]
        if mapped:
            plan.note(f"Dosing Summary: extra column(s) imported as {', '.join(mapped)}.")
        kept = []
        width = max(3, len(header))
        header = header + [""] * (width - len(header))
        for row in rows:
            row = (row + [""] * width)[:width]
            dose = parse_dose(row[1])
            if dose is None:
                plan.note(f"Dosing Summary: “{row[1]}” ({row[0]}) gives no amount and unit: row kept as Markdown.")
                kept.append(row)
                continue
            low, high, unit = dose
            if not row[2]:
                plan.note(f"Dosing Summary: “{row[0]}” gives no frequency: written as “not stated”.")
                row[2] = "not stated"
            per_day = parse_times_daily(row[2])
            values = {
                "name": plain(row[0]),
                "amount_low": low,
                "amount_high": high if high != low else None,
                "unit": unit,
                "amount_text": row[1],
                "frequency_text": row[2],
                "doses_per_day_low": per_day[0],
                "doses_per_day_high": per_day[1],
            }
            for i, target in extra.items():
                if target == "route":
                    values["route"] = choice_for(Route, row[i]) or ""
                elif target == "in_summary":
                    values["in_summary"] = normalise(row[i]) not in ("no", "false", "0")
                elif target == "species":
                    values["species"] = row[i] or "human"
                elif target and row[i]:
                    values[target] = "; ".join(filter(None, [values.get(target, ""), row[i]]))
            plan.add(DosingProtocol, **values)
        if unknown:
            plan.note(f"Dosing Summary: column(s) {', '.join(unknown)} not understood: table kept as Markdown.")
        if unknown or kept:
            plan.section("Dosing as written", _table(header, rows if unknown else kept))
    for paragraph in filter(None, re.split(r"\n\s*\n", "\n\n".join([before, after]).strip())):
        meta = META_RE.match(paragraph.strip())
        if meta and "daily max" in normalise(meta.group("label")):
            plan.compound["daily_max_note"] = meta.group("value").strip()
            limits = re.search(
                rf"({NUMBER})\s*(?:(?:-|–|to)\s*({NUMBER}))?\s*(µg|μg|ug|mcg|mg|g)\s*/\s*day", meta.group("value"), re.I
            )
            if limits:
                plan.compound["daily_max_low"] = number(limits.group(1))
                plan.compound["daily_max_high"] = number(limits.group(2)) if limits.group(2) else None
                plan.compound["daily_max_unit"] = UNITS[limits.group(3).lower()]
        else:
            plan.note("Dosing Summary: a paragraph → Markdown section “Dosing notes”.")
            plan.section("Dosing notes", paragraph, level=2)
    for sub in heading.subsections:
        if "forms" in sub.key:
            _, _header, form_rows, _ = split_table(sub.lines)
            if not form_rows or not all(normalise(plan.name) in normalise(row[0]) for row in form_rows):
                # Forms named after the compound (N-Acetyl Selank) are profiles of their own; dosage forms are not.
                plan.note(f"“{sub.title}” lists dosage forms, not variants of {plan.name}: kept as a Markdown section.")
                plan.section(sub.title, sub.text)
                continue
            for row in form_rows:
                name, note = plain(row[0]), row[1] if len(row) > 1 else ""
                if normalise(name) == normalise(plan.name):
                    plan.compound["form_note"] = note
                else:
                    plan.variants.append((name, note))
        elif sub.key.startswith("cycling"):
            _cycling(sub, plan)
        else:
            plan.note(f"“{heading.title} › {sub.title}” → Markdown section.")
            plan.section(sub.title, sub.text)


def _cycling(heading, plan):
    label = re.search(r"\((.*)\)", heading.title)
    plan.compound["cycling_label"] = label.group(1).strip() if label else ""
    _set(plan, heading, "cycling", heading.text)


def _side_effects(heading, plan):
    before, header, rows, after = split_table(heading.lines)
    if header is None:
        _sections(heading, plan, note=True)
        return
    if len(header) > 2:
        plan.note(f"Side Effects: column “{header[2]}” imported as each effect's note.")
    for row in rows:
        frequency_text = row[1] if len(row) > 1 else ""
        plan.add(
            SideEffect,
            effect=plain(row[0]),
            frequency=choice_for(SideEffectFrequency, frequency_text.split("(")[0]) or SideEffectFrequency.NOT_KNOWN,
            frequency_text=frequency_text,
            note=" ".join(row[2:]).strip(),
        )
    plan.compound["side_effects_note"] = "\n\n".join(filter(None, [before, after]))
    _sub_sections(heading, plan)


def _contraindications(heading, plan):
    items, other = split_list(heading.lines)
    _keep(plan, heading, other)
    for _number, item in items:
        match = re.match(r"^(.*?)\s*\(([^()]*)\)\s*$", item)
        condition, qualifier = (match.group(1), match.group(2)) if match else (item, "")
        plan.add(Contraindication, condition=condition, qualifier=qualifier)
    _sub_sections(heading, plan)


def _limitations(heading, plan):
    items, other = split_list(heading.lines)
    _keep(plan, heading, other)
    for _number, item in items:
        match = re.match(r"^\*\*(.+?)\*\*\s*(?:[-–—:]\s*)?(.*)$", item)
        title, detail = (match.group(1), match.group(2)) if match else (item, "")
        plan.add(Limitation, title=title.strip(), detail=detail.strip())
    _sub_sections(heading, plan)


def _references(heading, plan):
    items, other = split_list(heading.lines)
    _keep(plan, heading, other)
    for position, (written, item) in enumerate(items, len(plan.references) + 1):
        plan.references.append({**parse_reference(item), "number": written or position})


HANDLERS = {
    "what is this": _what_is_this,
    "categories": _categories,
    "glossary": _glossary,
    "key specifications": _specifications,
    "specifications": _specifications,
    "use cases by goal": _use_cases,
    "use cases": _use_cases,
    "timing and administration": _administration,
    "administration": _administration,
    "user experience timeline": _timeline,
    "timeline": _timeline,
    "dosing summary": _dosing,
    "dosing": _dosing,
    "side effects": _side_effects,
    "contraindications": _contraindications,
    "limitations": _limitations,
    "references": _references,
}


# --- Writing a plan -----------------------------------------------------------------------------------------


@dataclass
class DocumentReport:
    compound: Compound
    created: bool
    notes: list
    counts: dict
    sources_new: list
    sources_matched: list
    dry_run: bool

    def lines(self):
        verb = "Would import" if self.dry_run else "Imported"
        yield f"{verb} {self.compound.name} ({'new draft' if self.created else 'draft updated'}):"
        for label, count in self.counts.items():
            if count:
                yield f"  {label}: {count}"
        if self.sources_new:
            yield f"  new sources (unverified): {', '.join(self.sources_new)}"
        if self.sources_matched:
            yield f"  references matched to existing sources: {', '.join(self.sources_matched)}"
        yield from (f"  note: {note}" for note in self.notes)


def profile_document_import(*, text, file_name="document.md", user=None, dry_run=False):
    """Write the document as a draft: a new profile, or the draft of the profile with the same slug (its parts the
    document describes are replaced). One revision (origin import). Nothing is written on any error."""
    plan = document_parse(text)
    slug = slugify(plan.name)
    with transaction.atomic():
        compound = Compound.objects.filter(slug=slug).first()
        created = compound is None
        refusal = "" if created else import_refusal(user, compound)
        if refusal:
            raise ValidationError(refusal)
        if created:
            compound = Compound(name=plan.name, slug=slug, uid=document_uid(slug))
        for name in DOCUMENT_FIELDS:  # what the document no longer says is no longer in the profile
            setattr(compound, name, Compound._meta.get_field(name).get_default())
        for name, value in plan.compound.items():
            setattr(compound, name, value)
        new_sources, matched, keys = _write_sources(plan)
        with compound_revision(
            compound=compound,
            user=user,
            edit_summary=f"Imported from {file_name}",
            origin=RevisionOrigin.IMPORT,
            origin_detail=file_name,
        ):
            _clean(compound, "the profile's fields")
            compound.save_content() if not created else compound.save()
            counts = _write_rows(compound, plan, keys)
        _write_variants(compound, plan, user, file_name)
        report = DocumentReport(
            compound=compound,
            created=created,
            notes=plan.notes,
            counts=counts,
            sources_new=new_sources,
            sources_matched=matched,
            dry_run=dry_run,
        )
        if dry_run:
            transaction.set_rollback(True)
    return report


def _clean(obj, where):
    try:
        obj.full_clean()
    except ValidationError as error:
        messages = [f"{name}: {'; '.join(texts)}" for name, texts in error.message_dict.items()]
        raise ValidationError(f"{where}: {' '.join(messages)}") from error


def _write_sources(plan):
    new, matched, numbered, taken, created = [], [], {}, set(), []
    for reference in plan.references:
        fields = {name: value for name, value in reference.items() if name != "number"}
        found = Source.objects.filter(key=fields["key"]).first() if fields.get("key") else None
        found = found or match_source(fields, exclude=created)
        if found:
            matched.append(found.key)
        else:
            values = {name: value for name, value in fields.items() if value not in ("", None)}
            values["key"] = fields.get("key") or new_key(fields, taken)
            found = Source(**values)
            _clean(found, f"Reference {reference['number']}")
            found.save()
            created.append(found.pk)
            new.append(found.key)
        numbered[reference["number"]] = found.key
    return new, matched, numbered


def _cite(text, keys):
    """Numeric markers ([1], [2, 3], [1-3]) of the reference list become citations of its sources."""

    def replace(match):
        numbers = []
        for part in re.split(r"\s*,\s*", match.group(1)):
            bounds = [int(bound) for bound in re.split(r"\s*[–-]\s*", part)]
            if len(bounds) == 2 and not 0 <= bounds[1] - bounds[0] <= 100:
                return match.group(0)  # not a range of references: left as written
            numbers += range(bounds[0], bounds[-1] + 1)
        if not all(n in keys for n in numbers):
            return match.group(0)
        return "[" + "; ".join(f"@{keys[n]}" for n in numbers) + "]"

    return NUMERIC_CITATION_RE.sub(replace, text) if text else text


def _write_rows(compound, plan, keys):
    for model in DOCUMENT_MODELS:
        model.objects.filter(compound=compound).delete()
    texts = []
    counts = {}
    for model in DOCUMENT_MODELS:
        for position, values in enumerate(plan.rows.get(model, []), 1):
            values = {name: _cite(value, keys) if isinstance(value, str) else value for name, value in values.items()}
            row = model(compound=compound, position=position, **values)
            _clean(row, f"{model._meta.verbose_name.capitalize()} {position} (“{row}”)")
            row.save()
            texts += [value for value in values.values() if isinstance(value, str)]
        counts[model._meta.verbose_name_plural] = len(plan.rows.get(model, []))
    for position, (table_values, items) in enumerate(plan.comparisons, 1):
        other = Compound.objects.filter(name__iexact=table_values["other_label"]).exclude(pk=compound.pk).first()
        table = ComparisonTable(compound=compound, position=position, other_compound=other, **table_values)
        _clean(table, f"Comparison table “{table.title}”")
        table.save()
        for row_position, item in enumerate(items, 1):
            row = ComparisonRow(table=table, position=row_position, **item)
            _clean(row, f"“{table.title}” row “{row.label}”")
            row.save()
    counts["comparison tables"] = len(plan.comparisons)
    for name in ("what_is_this", "route_rationale", "daily_max_note", "cycling", "side_effects_note"):
        setattr(compound, name, _cite(getattr(compound, name), keys))
    if plan.categories:
        found = {normalise(c.name): c for c in Category.objects.all()}
        chosen = []
        for name in plan.categories:
            category = found.get(normalise(name))
            if category is None:
                category = Category(
                    name=name, slug=unique_anchor(name, set(Category.objects.values_list("slug", flat=True)))
                )
                _clean(category, f"Category “{name}”")
                category.save()
                found[normalise(name)] = category
                plan.note(f"Category “{name}” did not exist: created.")
            if category not in chosen:
                chosen.append(category)
        compound.categories.set(chosen)
    compound.save_content()
    cited = {
        key
        for text in [
            *texts,
            compound.what_is_this,
            compound.cycling,
            compound.side_effects_note,
            compound.daily_max_note,
            compound.route_rationale,
        ]
        for key in citation_keys(text)
    }
    cited |= {
        key
        for _t, items in plan.comparisons
        for item in items
        for value in item.values()
        for key in citation_keys(value)
    }
    uncited = [key for key in keys.values() if key not in cited]
    if uncited:
        # The document lists works it never cites; on the page references come from citations, so they are cited here.
        body = f"The source document lists these works without citing them in the text: {format_group([CitationItem(key=key) for key in uncited])}."
        position = len(plan.rows.get(Section, [])) + 1
        Section.objects.create(
            compound=compound,
            position=position,
            title="Sources",
            anchor=unique_anchor("Sources", set(compound.sections.values_list("anchor", flat=True))),
            level=2,
            body=body,
        )
        plan.note(
            f"{len(uncited)} reference(s) not cited in the text: listed in a “Sources” section; cite them where they support a claim."
        )
    return counts


def _write_variants(compound, plan, user, file_name):
    for name, note in plan.variants:
        slug = slugify(name)
        existing = Compound.objects.filter(slug=slug).first()
        if existing is not None:
            if existing.parent_id != compound.pk:
                plan.note(f"Form “{name}” exists as a profile that is not a form of {compound.name}: left unchanged.")
            continue
        variant = Compound(
            name=name, slug=slug, uid=document_uid(slug), parent=compound, form_note=note, kind=compound.kind
        )
        with compound_revision(
            compound=variant,
            user=user,
            edit_summary=f"Imported from {file_name}",
            origin=RevisionOrigin.IMPORT,
            origin_detail=file_name,
        ):
            _clean(variant, f"Form “{name}”")
            variant.save()
        plan.note(f"Form “{name}” created as a draft profile (a form of {compound.name}).")


def _regulatory(heading, plan):
    before, header, rows, after = split_table(heading.lines)
    if header is None:
        for line in list_items(heading.lines) or [heading.text]:
            parse_regulatory(line, plan)
        return
    _keep(plan, heading, "\n\n".join(filter(None, [before, after])))
    names = [normalise(cell) for cell in header]
    for row in rows:
        if len(row) > len(names):
            plan.note(f"“{heading.title}”: cells beyond the table's {len(names)} columns not imported.")
        values = dict(zip(names, (row + [""] * len(names))[: len(names)], strict=True))
        year = values.get("year", "")
        plan.add(
            RegulatoryStatus,
            jurisdiction=plain(values.get("jurisdiction", "")),
            state=choice_for(RegulatoryState, values.get("status", "")) or RegulatoryState.UNKNOWN,
            authority=values.get("authority", ""),
            year=int(year) if year.isdigit() else None,
            note=values.get("note", ""),
        )


HANDLERS["regulatory status"] = _regulatory


# --- Writing a profile out -----------------------------------------------------------------------------------


@dataclass
class ProfileData:
    """A profile's content as the exporter reads it: the draft from the database, or a published revision."""

    compound: Compound
    rows: dict  # model → [row], in page order
    categories: list
    comparison_rows: dict  # table pk → [ComparisonRow]

    @classmethod
    def from_database(cls, compound):
        profile = compound_for_profile(pk=compound.pk)
        rows = {
            model: sorted(model.objects.filter(compound=profile), key=lambda r: (r.position, r.pk))
            for model in DOCUMENT_MODELS
        }
        tables = rows[ComparisonTable]
        comparison_rows = {table.pk: list(table.rows.order_by("position", "pk")) for table in tables}
        return cls(profile, rows, list(profile.categories.all()), comparison_rows)

    @classmethod
    def from_revision(cls, compound, revision):
        """The profile as it was saved in `revision` (django-reversion keeps every part of it)."""
        objects, categories = {}, []
        for version in revision.version_set.all():
            stored = version._object_version
            objects.setdefault(type(stored.object), []).append(stored.object)
            if isinstance(stored.object, Compound) and stored.object.pk == compound.pk:
                categories = list(Category.objects.filter(pk__in=stored.m2m_data.get("categories", [])))
        saved = next(obj for obj in objects.get(Compound, []) if obj.pk == compound.pk)
        rows = {
            model: sorted(
                (r for r in objects.get(model, []) if r.compound_id == compound.pk), key=lambda r: (r.position, r.pk)
            )
            for model in DOCUMENT_MODELS
        }
        comparison_rows = {}
        for row in sorted(objects.get(ComparisonRow, []), key=lambda r: (r.position, r.pk)):
            comparison_rows.setdefault(row.table_id, []).append(row)
        return cls(saved, rows, categories, comparison_rows)


def profile_data_published(compound):
    """What readers see, as structured data: the revision the live version was published from."""
    live = compound.live_snapshot
    if live is None:
        raise ValidationError(f"{compound.name} is not published: export its draft instead.")
    if live.revision is None:
        raise ValidationError(
            f"{compound.name}'s published version has no recorded revision (it was loaded from a fixture and "
            "differs from the draft): export its draft instead."
        )
    return ProfileData.from_revision(compound, live.revision)


def _cell(text):
    return (text or "").replace("|", r"\|").replace("\n", " ")


def _table(header, rows):
    lines = [f"| {' | '.join(header)} |", "|" + "|".join("-" * (len(cell) + 2) for cell in header) + "|"]
    lines += ["| " + " | ".join(_cell(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _number(value):
    return format(value.normalize(), "f") if value is not None else ""


def profile_document_export(*, data):
    """The profile as a Markdown document in the seed-000 format; `profile_document_import` reads it back."""
    c, rows, out = data.compound, data.rows, []
    title = f"# {c.name} ({c.descriptor})" if c.descriptor else f"# {c.name}"
    meta = []
    if c.summary:
        meta.append(f"**Summary:** {c.summary}")
    if c.evidence_level_best:
        level = c.evidence_level_display
        meta.append(f"**OCEBM Evidence Level:** {level}" + (f" ({c.evidence_note})" if c.evidence_note else ""))
    if c.risk_profile != RiskProfile.UNKNOWN:
        meta.append(f"**Risk Profile:** {c.risk_profile.upper()}")
    statuses = rows[RegulatoryStatus]
    simple = (
        len(statuses) == 1
        and not statuses[0].note
        and statuses[0].state in (RegulatoryState.APPROVED, RegulatoryState.NOT_APPROVED)
    )
    if simple:
        status = statuses[0]
        prefix = "Not approved" if status.state == RegulatoryState.NOT_APPROVED else "Approved"
        extra = ", ".join(filter(None, [status.authority, str(status.year or "")]))
        meta.append(f"**Regulatory Status:** {prefix} in {status.jurisdiction}" + (f" ({extra})" if extra else ""))
    out += [title, "", *meta, "", "---", ""]

    def section(heading, *parts, level=2):
        body = "\n\n".join(part for part in parts if part)
        out.extend([f"{'#' * level} {heading}", "", body, ""] if body else [f"{'#' * level} {heading}", ""])

    if c.what_is_this:
        section("What Is This?", c.what_is_this)
    if data.categories:
        section("Categories", " · ".join(f"`{category.name}`" for category in data.categories))
    if statuses and not simple:
        section(
            "Regulatory Status",
            _table(
                ["Jurisdiction", "Status", "Authority", "Year", "Note"],
                [[s.jurisdiction, s.get_state_display(), s.authority, str(s.year or ""), s.note] for s in statuses],
            ),
        )
    if rows[GlossaryTerm]:
        section("Glossary", _table(["Term", "Meaning"], [[t.term, t.meaning] for t in rows[GlossaryTerm]]))
    specs = [["Sequence", c.sequence]] if c.sequence else []
    specs += [["Molecular Weight", f"{_number(c.molecular_weight)} g/mol"]] if c.molecular_weight else []
    specs += [["Molecular Formula", c.molecular_formula]] if c.molecular_formula else []
    specs += [[s.label, s.value] for s in rows[Specification]]
    if specs:
        section("Key Specifications", _table(["Property", "Value"], specs))
    for table in rows[ComparisonTable]:
        items = [[r.label, r.subject_value, r.other_value] for r in data.comparison_rows.get(table.pk, [])]
        section(table.title, _table([table.row_header, table.subject_label, table.other_label], items), table.note)
    for s in rows[Section]:
        section(s.title, s.body, level=s.level)
    if rows[UseCase]:
        section("Use Cases by Goal")
        for use_case in rows[UseCase]:
            section(use_case.title, use_case.body, level=3)
    if rows[AdministrationStep] or c.route_rationale or rows[TimeCourse]:
        section("Timing and Administration")
        by_route = {}
        for step in rows[AdministrationStep]:
            by_route.setdefault(step.get_route_display(), []).append(step.text)
        for route, steps in by_route.items():
            section(f"{route} Administration", "\n".join(f"{n}. {text}" for n, text in enumerate(steps, 1)), level=3)
        if c.route_rationale:
            section(f"Why {c.get_route_display() or 'This Route'}", c.route_rationale, level=3)
        if rows[TimeCourse]:
            phases = [[t.get_phase_display(), t.text] for t in rows[TimeCourse]]
            section("Duration of Effects", _table(["Parameter", "Duration"], phases), level=3)
    if rows[TimelineEntry]:
        timeline = [[t.timeframe, t.effects] for t in rows[TimelineEntry]]
        section("User Experience Timeline", _table(["Timeframe", "Reported Effects"], timeline))
    variants = list(Compound.objects.filter(parent_id=c.pk).order_by("name")) if c.pk else []
    if rows[DosingProtocol] or c.daily_max_note or variants or c.cycling:
        protocols = rows[DosingProtocol]
        header = ["Protocol", "Dose", "Frequency"]
        extra = [name for name in ("route", "timing", "duration") if any(getattr(p, name) for p in protocols)]
        extra += ["species"] if any(p.species != "human" for p in protocols) else []
        extra += ["in_summary"] if not all(p.in_summary for p in protocols) else []

        def cell(protocol, name):
            if name == "route":
                return protocol.get_route_display()
            if name == "in_summary":
                return "yes" if protocol.in_summary else "no"
            return getattr(protocol, name)

        header += [name.replace("_", " ").title() for name in extra]
        table_rows = [[p.name, p.amount_text, p.frequency_text, *(cell(p, n) for n in extra)] for p in protocols]
        section(
            "Dosing Summary",
            _table(header, table_rows) if protocols else "",
            f"**Daily Maximum:** {c.daily_max_note}" if c.daily_max_note else "",
        )
        if variants:
            forms = [[c.name, c.form_note], *([v.name, v.form_note] for v in variants)]
            section("Forms Available", _table(["Form", "Notes"], forms), level=3)
        if c.cycling:
            section(f"Cycling ({c.cycling_label})" if c.cycling_label else "Cycling", c.cycling, level=3)
    if rows[SideEffect] or c.side_effects_note:
        effects = rows[SideEffect]
        with_notes = any(e.note for e in effects)
        header = ["Effect", "Frequency", *(["Notes"] if with_notes else [])]
        items = [[e.effect, e.frequency_display, *([e.note] if with_notes else [])] for e in effects]
        section("Side Effects", _table(header, items) if effects else "", c.side_effects_note)
    if rows[Contraindication]:
        items = [
            f"- {r.condition} ({r.qualifier})" if r.qualifier else f"- {r.condition}" for r in rows[Contraindication]
        ]
        section("Contraindications", "\n".join(items))
    if rows[Limitation]:
        items = [
            f"{n}. **{r.title}**" + (f" - {r.detail}" if r.detail else "") for n, r in enumerate(rows[Limitation], 1)
        ]
        section("Limitations", "\n".join(items))
    keys = list(dict.fromkeys(key for line in out for key in citation_keys(line)))
    sources = {source.key: source for source in Source.objects.for_keys(keys)}
    listed = [sources[key] for key in keys if key in sources]
    if listed:
        section("References", "\n".join(f"{n}. {format_reference(s)}" for n, s in enumerate(listed, 1)))
    return "\n".join(out).rstrip() + "\n"
