"""A profile's reference list as RIS, BibTeX and CSL-JSON, from the published data.

Each carries the research-only disclaimer in its own format's note or comment, as every public output must.
"""

import json
import re

from .disclaimer import site_disclaimer, site_disclaimer_line

RIS_TYPE = {"regulatory": "GOVDOC"}
CSL_TYPE = {"regulatory": "document"}


def _authors(reference):
    return [
        name.strip()
        for name in (reference.get("authors") or "").split(",")
        if name.strip() and name.strip() != "et al."
    ]


def _title(reference):
    return reference.get("title") or reference.get("translated_title") or ""


def _pages(reference):
    return reference.get("pages") or reference.get("article_number") or ""


def to_ris(references):
    disclaimer = site_disclaimer_line()
    lines = []
    for ref in references:
        kind = RIS_TYPE.get(ref.get("design_code", ""), "JOUR" if ref.get("journal") else "GEN")
        lines.append(f"TY  - {kind}")
        lines.extend(f"AU  - {author}" for author in _authors(ref))
        lines.append(f"TI  - {_title(ref)}")
        if ref.get("translated_title") and ref.get("title"):
            lines.append(f"TT  - {ref['translated_title']}")
        for tag, key in (
            ("JO", "journal"),
            ("PY", "year"),
            ("VL", "volume"),
            ("IS", "issue"),
            ("DO", "doi"),
            ("LA", "language"),
            ("UR", "url"),
        ):
            if ref.get(key):
                lines.append(f"{tag}  - {ref[key]}")
        pages = _pages(ref)
        if pages:
            start, _, end = pages.partition("-")
            lines.append(f"SP  - {start}")
            if end:
                lines.append(f"EP  - {end}")
        if ref.get("pmid"):
            lines.append(f"AN  - PMID:{ref['pmid']}")
        if ref.get("pmcid"):
            lines.append(f"C2  - {ref['pmcid']}")
        lines.append(
            f"N1  - Verification: {ref.get('verification_label', '')}. {ref.get('verification_note', '')}".strip()
        )
        # On every record: RIS has no file-level note, and reference managers import records one by one.
        lines.append(f"N1  - {disclaimer}")
        lines.append("ER  - ")
        lines.append("")
    return "\r\n".join(lines)


def _bibtex_escape(value):
    return re.sub(r"([{}\\%&$#_])", r"\\\1", str(value))


def to_bibtex(references):
    entries = []
    for ref in references:
        kind = "article" if ref.get("journal") else "misc"
        fields = {
            "author": " and ".join(_authors(ref)),
            "title": _title(ref),
            "journal": ref.get("journal"),
            "year": ref.get("year"),
            "volume": ref.get("volume"),
            "number": ref.get("issue"),
            "pages": _pages(ref).replace("-", "--"),
            "doi": ref.get("doi"),
            "pmid": ref.get("pmid"),
            "pmcid": ref.get("pmcid"),
            "url": ref.get("url"),
            "language": ref.get("language") if ref.get("language") != "en" else "",
            "note": f"Verification: {ref.get('verification_label', '')}",
        }
        body = ",\n".join(f"  {name} = {{{_bibtex_escape(value)}}}" for name, value in fields.items() if value)
        entries.append(f"@{kind}{{{ref['key']},\n{body}\n}}")
    comment = f"@comment{{{_bibtex_escape(site_disclaimer_line())}}}"
    return "\n\n".join([comment, *entries]) + "\n"


def _csl_name(author):
    family, _, given = author.partition(" ")
    return {"family": family, "given": given} if given else {"literal": author}


def to_csl_json(references):
    disclaimer = site_disclaimer()
    items = []
    for ref in references:
        item = {
            "id": ref["key"],
            "citation-number": ref.get("number"),
            "type": CSL_TYPE.get(ref.get("design_code", ""), "article-journal" if ref.get("journal") else "document"),
            "title": _title(ref),
            "author": [_csl_name(author) for author in _authors(ref)],
        }
        if ref.get("translated_title") and ref.get("title"):
            item["title-short"] = ref["translated_title"]
        optional = {
            "container-title": ref.get("journal"),
            "volume": ref.get("volume"),
            "issue": ref.get("issue"),
            "page": _pages(ref),
            "DOI": ref.get("doi"),
            "PMID": str(ref["pmid"]) if ref.get("pmid") else "",
            "PMCID": ref.get("pmcid"),
            "URL": ref.get("url"),
            "language": ref.get("language"),
            "note": f"Verification: {ref.get('verification_label', '')}\n{disclaimer}",
        }
        item.update({key: value for key, value in optional.items() if value})
        if ref.get("year"):
            item["issued"] = {"date-parts": [[ref["year"]]]}
        items.append(item)
    return json.dumps(items, ensure_ascii=False, indent=2)


FORMATS = {
    "ris": ("application/x-research-info-systems", to_ris),
    "bib": ("application/x-bibtex", to_bibtex),
    "json": ("application/vnd.citationstyles.csl+json", to_csl_json),
}
