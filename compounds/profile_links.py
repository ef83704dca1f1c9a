"""Links from a stored page to other profiles, kept true when those are published or unpublished.

A published version is frozen HTML. Monograph writes each link to another profile with a marker,
data-profile="<uid>" (the profile's identifier, which fixtures carry to other sites, unlike its database id), so that publishing or unpublishing that profile can rewrite the link in every stored
version holding it: a link while the profile is public, plain text while it is not. The page keeps costing
one query. Sanitized editor Markdown cannot carry data-* attributes, so only links Monograph wrote match.
"""

import re

from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from .models import Compound
from .parts import PARTS


def link_html(compound, text=None):
    """A link to the profile's public page, or its name as plain text while it has none."""
    text = compound.name if text is None else text
    url = compound.public_url
    if url:
        return format_html('<a class="profile-link" data-profile="{}" href="{}">{}</a>', compound.uid, url, text)
    return format_html('<span class="profile-link" data-profile="{}">{}</span>', compound.uid, text)


def marker_attribute(uid):
    return f'data-profile="{uid}"'


def _marker(uid):
    return re.compile(
        rf'<(?P<tag>a|span) class="profile-link" {marker_attribute(uid)}(?: href="[^"]*")?>(?P<text>.*?)</(?P=tag)>',
        re.DOTALL,
    )


def relink_html(html, *, uid, url, summary=""):
    """Point every marked link to the profile `uid` at `url` ("" = plain text). The link text is kept as stored.

    A related-profile card also quotes the profile's public summary: it follows the profile's live version, and
    goes with it when the profile is taken offline.
    """

    def replace(match):
        if url:
            return f'<a class="profile-link" data-profile="{uid}" href="{escape(url)}">{match["text"]}</a>'
        return f'<span class="profile-link" data-profile="{uid}">{match["text"]}</span>'

    def replace_summary(match):
        return summary_html(uid, summary if url else "")

    html = _marker(uid).sub(replace, html)
    return _summary_marker(uid).sub(replace_summary, html)


def summary_html(uid, summary):
    """The marked place of a profile's public summary on another profile's page (empty while it has none)."""
    return format_html('<p class="related-card__summary" {}>{}</p>', mark_safe(summary_attribute(uid)), summary)


def summary_attribute(uid):
    return f'data-profile-summary="{uid}"'


def _summary_marker(uid):
    return re.compile(rf'<p class="related-card__summary" {summary_attribute(uid)}>.*?</p>', re.DOTALL)


def relink_header(header, *, uid, url):
    """The same for the header's parent and variant links (stored as data)."""
    for entry in [header.get("parent"), *header.get("variants", [])]:
        if entry and entry.get("id") == str(uid):
            entry["url"] = url
    return header


def linked_compound_ids(compound):
    """Ids of the other profiles a compound's page links to: parent, variants and any part row pointing at one."""
    ids = {variant.pk for variant in compound.variants.all()}
    if compound.parent_id:
        ids.add(compound.parent_id)
    for part in PARTS:
        links = [
            f.attname
            for f in part.model._meta.concrete_fields
            if f.is_relation and f.related_model is Compound and f.name != "compound"
        ]
        if links:
            ids.update(getattr(row, name) for row in part.rows(compound) for name in links if getattr(row, name))
    ids.discard(compound.pk)
    return ids
