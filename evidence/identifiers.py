"""Normalisation of bibliographic identifiers (DOI, PMID, PMCID).

Sources are deduplicated on these identifiers, so every write path stores
them in one canonical form.
"""

import re

from django.core.exceptions import ValidationError

DOI_PREFIXES = re.compile(
    r"^(?:https?://)?(?:dx\.)?(?:doi\.org/)|^doi:\s*",
    re.IGNORECASE,
)
DOI_PATTERN = re.compile(r"^10\.\d{4,9}/\S+$")
PMCID_PATTERN = re.compile(r"^PMC\d+$")


def normalize_doi(value):
    """Strip resolver prefixes and whitespace, lower-case (DOIs are case-insensitive)."""
    value = (value or "").strip()
    while True:
        stripped = DOI_PREFIXES.sub("", value, count=1).strip()
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
    value = (value or "").strip().upper().replace(" ", "")
    if value.isdigit():
        value = f"PMC{value}"
    return value


def validate_pmcid(value):
    if value and not PMCID_PATTERN.match(value):
        raise ValidationError(
            "“%(value)s” is not a PMCID. It looks like PMC5322660.",
            code="invalid_pmcid",
            params={"value": value},
        )


def normalize_pmid(value):
    """Accept 'PMID: 123', ' 123 ' or an int; return an int or None."""
    if value in (None, ""):
        return None
    if isinstance(value, int):
        return value
    text = re.sub(r"^(?:pmid)\s*:?\s*", "", str(value).strip(), flags=re.IGNORECASE)
    if not text.isdigit():
        raise ValidationError(
            "“%(value)s” is not a PMID. A PMID is a whole number such as 28280289.",
            code="invalid_pmid",
            params={"value": value},
        )
    return int(text)
