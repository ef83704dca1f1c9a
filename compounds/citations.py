"""Pandoc-style citation syntax: [@key], [@a; @b], [see @key, p. 4], [@doi:…], [@pmid:…].

Parsing is kept apart from rendering so validators and the integrity checks
can list the keys of a text without rendering it.
"""

import re
from dataclasses import dataclass

# A bracket group that contains at least one @key and is not a Markdown link target.
GROUP_PATTERN = r"\[([^\[\]]*?@[^\[\]]*?)\](?![\(\[])"
GROUP_RE = re.compile(GROUP_PATTERN)
KEY_CHARS = r"[A-Za-z0-9_][A-Za-z0-9_:.#$%&+?<>~/\-]*"
ITEM_RE = re.compile(
    rf"^(?P<prefix>(?:.*?\s)?)-?@(?P<key>{KEY_CHARS})(?:\s*,\s*(?P<locator>.+?))?\s*$",
    re.DOTALL,
)


@dataclass(frozen=True)
class CitationItem:
    key: str
    prefix: str = ""
    locator: str = ""


def _clean_key(key):
    # Pandoc drops trailing punctuation from keys ("@smith." ends a sentence).
    return key.rstrip(".:;?,")


def parse_group(inner):
    """Items of one bracket group, or None when the text is not a citation group."""
    items = []
    for part in inner.split(";"):
        match = ITEM_RE.match(part.strip())
        if not match:
            return None
        items.append(
            CitationItem(
                key=_clean_key(match.group("key")),
                prefix=match.group("prefix").strip(),
                locator=(match.group("locator") or "").strip(),
            )
        )
    return items or None


def iter_groups(text):
    """Yield (match, items) for every citation group, skipping fenced and inline code."""
    for match in GROUP_RE.finditer(_mask_code(text or "")):
        items = parse_group(match.group(1))
        if items:
            yield match, items


def citation_keys(text):
    """Keys in order of first appearance, without duplicates."""
    seen = {}
    for _match, items in iter_groups(text):
        for item in items:
            seen.setdefault(item.key, None)
    return list(seen)


_CODE_RE = re.compile(r"(```.*?```|~~~.*?~~~|`[^`\n]*`)", re.DOTALL)


def _mask_code(text):
    """Blank out code so that `[@example]` in code is never taken as a citation (same offsets)."""
    return _CODE_RE.sub(lambda m: " " * len(m.group(0)), text)


def format_group(items):
    parts = []
    for item in items:
        text = f"@{item.key}"
        if item.prefix:
            text = f"{item.prefix} {text}"
        if item.locator:
            text = f"{text}, {item.locator}"
        parts.append(text)
    return "[" + "; ".join(parts) + "]"


def rewrite_keys(text, replace):
    """Rewrite citation keys: `replace(key)` returns the new key, or None to keep it. Code is left alone."""
    if not text:
        return text
    pieces, last = [], 0
    for match, items in iter_groups(text):
        new_items = [
            CitationItem(key=replace(item.key) or item.key, prefix=item.prefix, locator=item.locator) for item in items
        ]
        if new_items != items:
            pieces.append(text[last : match.start()])
            pieces.append(format_group(new_items))
            last = match.end()
    pieces.append(text[last:])
    return "".join(pieces)
