from django.core.exceptions import ValidationError


def validate_citation_keys(value):
    """Every [@key] in a Markdown field must name a known source."""
    from evidence.selectors import unresolved_citation_keys

    from .citations import citation_keys

    missing = unresolved_citation_keys(citation_keys(value or ""))
    if missing:
        raise ValidationError(
            "Unknown citation key%(plural)s: %(keys)s. Add the source under Evidence › Sources or correct the key.",
            code="unknown_citation",
            params={"plural": "s" if len(missing) > 1 else "", "keys": ", ".join(f"@{k}" for k in missing)},
        )
