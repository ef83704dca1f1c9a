"""What search engines and feed readers read about the site: absolute addresses and a profile's JSON-LD.

The JSON-LD describes one published version of a profile from its frozen row alone (header, references, dates,
reviewer), so it costs no query and cannot show a draft. It is a schema.org `MedicalWebPage` whose `about` is a
`Drug`, citing its sources as `ScholarlyArticle`s.

Two product rules shape it:

- No dosing in structured data. Only the name, synonyms and summary describe the compound (no `doseSchedule`,
  `maximumIntake`, `administrationRoute` or the like), and as a last guard every text is passed through the dose
  parser the importer uses: a sentence naming an amount ("250 mcg", "1-2 mg/kg") is left out, and a value that is
  nothing but such a sentence is dropped (a reference title naming a dose then goes, its DOI and PMID stay).
- The research-only disclaimer travels with the data. schema.org has no disclaimer property, so it ends the page's
  `description` (the text a consumer shows for the page), while the `Drug`'s own `description` stays the summary;
  `medicalAudience` says the page is written for researchers.
"""

import json
import re
from urllib.parse import quote

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from .disclaimer import site_disclaimer_line
from .doses import parse_dose

SITE_NAME = "Monograph"

# Characters that could end or confuse the <script> element the JSON sits in; JSON reads the escapes back the same.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_AUTHOR_SEPARATOR = re.compile(r"\s*[;,]\s*")
_ET_AL = re.compile(r"^et\.? al\.?$", re.IGNORECASE)


def site_url(request=None):
    """The site's address without a trailing slash: settings.MONOGRAPH_SITE_URL, else the request's own."""
    configured = (getattr(settings, "MONOGRAPH_SITE_URL", "") or "").rstrip("/")
    if configured or request is None:
        return configured
    return request.build_absolute_uri("/").rstrip("/")


def without_doses(text):
    """The text without its sentences that name an amount with a unit; None when nothing is left."""
    kept = [sentence for sentence in _SENTENCE_END.split(text.strip()) if parse_dose(sentence) is None]
    return " ".join(kept) or None


def _scrubbed(value):
    """The value with every dose-naming text removed (see without_doses), empty values dropped."""
    if isinstance(value, dict):
        cleaned = {key: _scrubbed(item) for key, item in value.items()}
        return {key: item for key, item in cleaned.items() if item not in (None, "", [], {})}
    if isinstance(value, list):
        cleaned = [_scrubbed(item) for item in value]
        return [item for item in cleaned if item not in (None, "", [], {})]
    if isinstance(value, str):
        return without_doses(value)
    return value


def _authors(authors):
    """A reference's author line ("Kasian A, Kolomin T, et al.") as schema.org people; "et al." is no one."""
    names = [name for name in _AUTHOR_SEPARATOR.split(authors or "") if name and not _ET_AL.match(name)]
    return [{"@type": "Person", "name": name} for name in names]


def _citation(reference):
    """A reference as a ScholarlyArticle (a journal article or anything with a DOI or PMID) or a CreativeWork."""
    doi, pmid, pmcid = reference.get("doi") or "", reference.get("pmid"), reference.get("pmcid") or ""
    scholarly = bool(reference.get("journal") or doi or pmid)
    title = reference.get("title") or reference.get("translated_title") or ""
    item = {
        "@type": "ScholarlyArticle" if scholarly else "CreativeWork",
        "name": title,
        "headline": title,
        "author": _authors(reference.get("authors")),
        "datePublished": str(reference["year"]) if reference.get("year") else None,
        "inLanguage": reference.get("language") or None,
        "url": reference.get("url") or None,
        "identifier": [
            {"@type": "PropertyValue", "propertyID": name, "value": str(value)}
            for name, value in (("DOI", doi), ("PMID", pmid), ("PMCID", pmcid))
            if value
        ],
        "sameAs": [
            url
            for url in (
                reference.get("doi_url") or (f"https://doi.org/{quote(doi, safe='/')}" if doi else ""),
                reference.get("pubmed_url") or (f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" if pmid else ""),
            )
            if url
        ],
    }
    if reference.get("title") and reference.get("translated_title"):
        item["alternativeHeadline"] = reference["translated_title"]
    if reference.get("journal"):
        item["isPartOf"] = {"@type": "Periodical", "name": reference["journal"]}
    if reference.get("pages"):
        item["pagination"] = reference["pages"]
    if reference.get("retracted"):
        item["creativeWorkStatus"] = "Retracted"
    return item


def profile_structured_data(snapshot, *, page_url, base_url):
    """The JSON-LD of one published version (a ProfileSnapshot), as a dict, for the page at `page_url`."""
    header = snapshot.header or {}
    name = header.get("name") or snapshot.name
    summary = header.get("summary") or snapshot.summary or ""
    published_at = timezone.localtime(snapshot.published_at)
    page = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "@id": page_url,
        "url": page_url,
        "name": f"{name} ({header['descriptor']})" if header.get("descriptor") else name,
        "description": " ".join(part for part in (without_doses(summary) or "", site_disclaimer_line()) if part),
        "inLanguage": settings.LANGUAGE_CODE.split("-")[0],
        "version": str(snapshot.version),
        "medicalAudience": "https://schema.org/MedicalResearcher",
        "isPartOf": {"@type": "WebSite", "name": SITE_NAME, "url": f"{base_url}/"},
        "about": {
            "@type": "Drug",
            "@id": f"{page_url}#compound",
            "name": name,
            "alternateName": list(header.get("synonyms") or []),
            "description": summary,
        },
        "lastReviewed": published_at.date().isoformat(),
        "dateModified": published_at.isoformat(),
        "citation": [_citation(reference) for reference in snapshot.references or []],
    }
    if snapshot.published_by_name:
        page["reviewedBy"] = {"@type": "Person", "name": snapshot.published_by_name}
    return _scrubbed(page)


def json_ld_script(data):
    """A <script type="application/ld+json"> element holding `data`, safe to put in a page whatever its text."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))
