"""Head tags for search engines and link previews: canonical address, OpenGraph and Twitter cards, JSON-LD.

base.html renders `{% seo_head %}` in its `seo` block with the site's defaults; a page overrides the block and
calls the tag with its own title, description and, where the address readers should share differs from the one
requested, its path. No tag here reads the database.
"""

from django import template

from compounds.structured_data import SITE_NAME, json_ld_script, profile_structured_data, site_url

register = template.Library()

SITE_DESCRIPTION = (
    "Research-only profiles of peptides, nootropics and supplements, with graded evidence and checked citations."
)


@register.simple_tag
def site_description():
    return SITE_DESCRIPTION


def canonical_url(request, *, path="", page=None, folds=""):
    """The address search engines should index for this page.

    `path` replaces the requested one (a profile's version permalink of the live version points at the profile).
    A list's page number stays, so page 2 is not folded into page 1; any other query (a search, a filter, a sort)
    makes a variant of the plain list, which is canonicalised to its first page. `folds` names query parameters
    that `path` already stands for (the index filtered by category is that category's page).
    """
    url = site_url(request) + (path or request.path)
    others = set(request.GET) - {"page"} - {name for name in folds.split(",") if name}
    try:
        number = int(page or 0)
    except (TypeError, ValueError):
        number = 0
    if number > 1 and not others:
        url += f"?page={number}"
    return url


@register.inclusion_tag("_seo_head.html", takes_context=True)
def seo_head(
    context, title=SITE_NAME, description=SITE_DESCRIPTION, path="", page=None, folds="", kind="website", modified=None
):
    """Canonical link, OpenGraph and Twitter card tags. `kind` is the OpenGraph type: "article" for profiles,
    with `modified` their publication time. Nothing without a request (Django renders 400 pages without one)."""
    request = context.get("request")
    if request is None:
        return {"url": None}
    return {
        "url": canonical_url(request, path=path, page=page, folds=folds),
        "site_name": SITE_NAME,
        "title": title or SITE_NAME,
        "description": description or SITE_DESCRIPTION,
        "kind": kind,
        "modified": modified if kind == "article" else None,
    }


@register.simple_tag(takes_context=True)
def profile_json_ld(context, snapshot, path):
    """The JSON-LD script of a published version shown at `path` (see compounds.structured_data)."""
    base_url = site_url(context.get("request"))
    return json_ld_script(profile_structured_data(snapshot, page_url=base_url + path, base_url=base_url))
