"""The citation-key rule of every Markdown field, with one query per form instead of one per field."""

from contextlib import contextmanager
from contextvars import ContextVar

from django.core.exceptions import ValidationError

from evidence.selectors import sources_for_keys

from .citations import citation_keys

# (keys asked for, {key: Source}) of the innermost citation_keys_resolved() block.
_resolved = ContextVar("resolved_citation_keys", default=None)


@contextmanager
def citation_keys_resolved(texts):
    """Resolve every citation key in `texts` with one query; validators inside the block reuse the answer.

    with citation_keys_resolved(request.POST.values()):
        form.is_valid()
    """
    keys = list(dict.fromkeys(key for text in texts if isinstance(text, str) for key in citation_keys(text)))
    resolved = sources_for_keys(keys)
    token = _resolved.set((frozenset(keys), resolved))
    try:
        yield resolved
    finally:
        _resolved.reset(token)


def resolve_keys(keys):
    """{key: Source} for the keys that name a source: from the enclosing citation_keys_resolved() block when it
    covers them all, else with one query."""
    keys = list(dict.fromkeys(keys))
    if not keys:
        return {}
    scope = _resolved.get()
    if scope is not None and scope[0].issuperset(keys):
        return {key: scope[1][key] for key in keys if key in scope[1]}
    return sources_for_keys(keys)


def unresolved_keys(keys):
    """Keys (in first-appearance order) that name no source."""
    resolved = resolve_keys(keys)
    return [key for key in dict.fromkeys(keys) if key not in resolved]


def validate_citation_keys(value):
    """Every [@key] in a Markdown field must name a known source."""
    missing = unresolved_keys(citation_keys(value or ""))
    if missing:
        raise ValidationError(
            "Unknown citation key%(plural)s: %(keys)s. Add the source under Evidence › Sources or correct the key.",
            code="unknown_citation",
            params={"plural": "s" if len(missing) > 1 else "", "keys": ", ".join(f"@{k}" for k in missing)},
        )
