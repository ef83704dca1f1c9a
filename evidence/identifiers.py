"""Normalisation of bibliographic identifiers (DOI, PMID, PMCID).

Sources are deduplicated on these identifiers, so every write path stores them in one canonical form. Editors
paste identifiers from wherever they found them: a reference line ("PMID: 28280289."), a resolver link, the
address bar of PubMed or PubMed Central. Each normaliser accepts those forms and returns the bare identifier;
what it cannot read it returns as given (DOI, PMCID) for the validator to refuse by name, or refuses itself (PMID,
which is stored as a number).
"""

import re
from urllib.parse import unquote

from django.core.exceptions import ValidationError

# A reference line ends its identifiers with a full stop or a separator; none of the three identifiers does.
TRAILING_PUNCTUATION = ".,;"

DOI_URL = re.compile(r"^(?:https?://)?(?:www\.)?(?:dx\.)?doi\.org/", re.IGNORECASE)
DOI_LABEL = re.compile(r"^doi\s*:?\s*", re.IGNORECASE)
DOI_PATTERN = re.compile(r"^10\.\d{4,9}/\S+$")

PMID_URL = re.compile(
    r"^(?:https?://)?(?:www\.)?(?:pubmed\.ncbi\.nlm\.nih\.gov/|ncbi\.nlm\.nih\.gov/pubmed/)(\d+)/?(?:[?#].*)?$",
    re.IGNORECASE,
)
PMID_LABEL = re.compile(r"^pmid\s*:?\s*", re.IGNORECASE)

PMCID_URL = re.compile(
    r"^(?:https?://)?(?:www\.)?(?:pmc\.ncbi\.nlm\.nih\.gov/articles/|ncbi\.nlm\.nih\.gov/pmc/articles/)"
    r"(PMC\d+)/?(?:[?#].*)?$",
    re.IGNORECASE,
)
PMCID_LABEL = re.compile(r"^pmcid\s*:?\s*", re.IGNORECASE)
PMCID_PATTERN = re.compile(r"^PMC\d+$")


def _pasted(value):
    return str(value or "").strip().rstrip(TRAILING_PUNCTUATION).strip()


def normalize_doi(value):
    """The bare DOI, lower-cased (DOIs are case-insensitive): resolver links, “doi:” labels and a trailing full
    stop are removed."""
    value = _pasted(value)
    while True:
        if DOI_URL.match(value):
            # A DOI copied from the address bar is percent-encoded: 10.1002/%28SICI%29… is 10.1002/(SICI)….
            stripped = unquote(DOI_URL.sub("", value, count=1)).strip()
        else:
            stripped = DOI_LABEL.sub("", value, count=1).strip()
        if stripped == value:
            break
        value = stripped
    return value.lower()


def validate_doi(value):
    if value and not DOI_PATTERN.match(value):
        raise ValidationError(
            "“%(value)s” is not a DOI. A DOI starts with “10.”, a registrant code and a slash, "
            "for example 10.1155/2017/5091027.",
            code="invalid_doi",
            params={"value": value},
        )


def normalize_pmcid(value):
    """“PMC5322660” from “pmc5322660”, “5322660”, “PMCID: PMC5322660” or a PubMed Central article link."""
    value = _pasted(value)
    match = PMCID_URL.match(value)
    if match:
        value = match.group(1)
    value = PMCID_LABEL.sub("", value, count=1).upper().replace(" ", "")
    if value.isdigit():
        value = f"PMC{value}"
    return value


def validate_pmcid(value):
    if value and not PMCID_PATTERN.match(value):
        raise ValidationError(
            "“%(value)s” is not a PMCID. It looks like PMC5322660 (the digits alone are accepted too).",
            code="invalid_pmcid",
            params={"value": value},
        )


def normalize_pmid(value):
    """The PMID as an int (None when empty) from an int, “28280289”, “PMID: 28280289” or a PubMed link."""
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = _pasted(value)
    if text == "":
        return None
    match = PMID_URL.match(text)
    text = match.group(1) if match else PMID_LABEL.sub("", text, count=1)
    if not (text.isascii() and text.isdigit()) or int(text) == 0:
        raise ValidationError(
            "“%(value)s” is not a PMID. Give the PubMed number, e.g. 28280289, or paste the PubMed link.",
            code="invalid_pmid",
            params={"value": value},
        )
    return int(text)
