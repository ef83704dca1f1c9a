"""Published profiles as JSON: one profile's live version (`/compounds/<slug>.json`) and a paginated index of them
(`/compounds.json`).

Read-only, and published data only: every answer is built from live `ProfileSnapshot` rows, i.e. from what a
version stored when it was published, never from a draft. Each answer, errors included, carries the research-only
disclaimer as its `disclaimer` field. Addresses are absolute (settings.MONOGRAPH_SITE_URL, else the request's host),
since a JSON document is read away from the site.
"""

import json
from functools import wraps

from django.conf import settings
from django.core.paginator import InvalidPage, Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from .disclaimer import site_disclaimer
from .exports import FORMATS
from .models import ProfileSnapshot
from .selectors import published_snapshot_get, published_snapshots
from .structured_data import site_url

CONTENT_TYPE = "application/json; charset=utf-8"
NO_DATA_NOTE = (
    "This version was published before Monograph stored profiles' structured data; its page (url) has the full "
    "content, and the next published version will carry the data here."
)
# What an index entry reads of a version: its listing fields, and the header for categories and evidence.
INDEX_FIELDS = ("id", "name", "slug", "summary", "header", "published_at", "version")


def _json(payload, *, status=200):
    body = json.dumps({"disclaimer": site_disclaimer(), **payload}, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type=CONTENT_TYPE, status=status)
    # Public, published data that no cookie changes: any site may read it. The HTML page is what search engines
    # should index, not its JSON twin.
    response["Access-Control-Allow-Origin"] = "*"
    response["X-Robots-Tag"] = "noindex"
    return response


def _error(status, message):
    return _json({"error": {"status": status, "message": message}}, status=status)


def read_only(view):
    """GET and HEAD only; anything else is told so in JSON.

    CSRF-exempt so that an API client's POST gets this 405 rather than the site's HTML form-expired page: the
    view changes nothing, whatever the method.
    """

    @csrf_exempt
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            response = _error(405, f"{request.method} is not allowed: this address is read-only (GET or HEAD).")
            response["Allow"] = "GET, HEAD"
            return response
        return view(request, *args, **kwargs)

    return wrapper


def _absolute(base, path):
    return f"{base}{path}" if path else None


def _categories(header, base):
    return [
        {
            "name": category["name"],
            "slug": category["slug"],
            "url": _absolute(base, reverse("compounds:category", args=[category["slug"]])),
        }
        for category in header.get("categories", [])
    ]


def _linked_profile(entry, base):
    """A parent or variant named in the header, with its page while it is published (the header tracks that)."""
    return {"name": entry["name"], "url": _absolute(base, entry.get("url"))}


def _addresses(snapshot, base):
    return {
        "url": _absolute(base, reverse("compounds:detail", args=[snapshot.slug])),
        "json_url": _absolute(base, reverse("compounds:detail_json", args=[snapshot.slug])),
    }


def profile_payload(snapshot, base):
    """Everything readers see of a live version, as data. Reads the row only: no query."""
    header = snapshot.header
    data = snapshot.data or None
    payload = {
        "name": snapshot.name,
        "slug": snapshot.slug,
        **_addresses(snapshot, base),
        "version": snapshot.version,
        "published_at": snapshot.published_at,
        "last_reviewed_by": snapshot.published_by_name or None,
        "edit_summary": snapshot.edit_summary,
        "summary": snapshot.summary,
        "descriptor": header.get("descriptor", ""),
        "kind": header.get("kind", ""),
        "synonyms": header.get("synonyms", []),
        "parent": _linked_profile(header["parent"], base) if header.get("parent") else None,
        "variants": [_linked_profile(variant, base) for variant in header.get("variants", [])],
        "categories": _categories(header, base),
        "evidence": header.get("evidence"),
        "risk": header.get("risk"),
        "regulatory": header.get("regulatory", []),
        "evidence_summary": data.get("evidence", []) if data else None,
        "data": data,
    }
    if data is None:
        payload["data_note"] = NO_DATA_NOTE
    payload["references"] = snapshot.references
    payload["links"] = {
        "change_log": _absolute(base, reverse("compounds:change_log", args=[snapshot.slug])),
        "vendors": _absolute(base, reverse("compounds:vendors", args=[snapshot.slug])),
        "references": {
            fmt: _absolute(base, reverse("compounds:references", args=[snapshot.slug, fmt]))
            for fmt in FORMATS
            if snapshot.references
        },
    }
    return payload


@read_only
def compound_detail_json(request, slug):
    """The live version of one profile. One query."""
    try:
        snapshot = published_snapshot_get(slug=slug)
    except ProfileSnapshot.DoesNotExist:
        return _error(404, f"No published profile at this address ({slug}).")
    return _json(profile_payload(snapshot, site_url(request)))


@read_only
def compound_index_json(request):
    """Published profiles, newest update first, a page at a time (settings.MONOGRAPH_PAGE_SIZE). Two queries."""
    base = site_url(request)
    queryset = published_snapshots().only(*INDEX_FIELDS).order_by("-published_at", "name", "id")
    paginator = Paginator(queryset, settings.MONOGRAPH_PAGE_SIZE)
    asked = request.GET.get("page") or 1
    try:
        page = paginator.page(asked)
    except InvalidPage:
        return _error(404, f"There is no page {str(asked)[:40]}: pages run from 1 to {paginator.num_pages}.")
    index_url = _absolute(base, reverse("compounds:index_json"))
    return _json(
        {
            "count": paginator.count,
            "page": page.number,
            "pages": paginator.num_pages,
            "page_size": paginator.per_page,
            "next": f"{index_url}?page={page.next_page_number()}" if page.has_next() else None,
            "previous": f"{index_url}?page={page.previous_page_number()}" if page.has_previous() else None,
            "results": [
                {
                    "name": snapshot.name,
                    "slug": snapshot.slug,
                    "summary": snapshot.summary,
                    **_addresses(snapshot, base),
                    "version": snapshot.version,
                    "published_at": snapshot.published_at,
                    "categories": _categories(snapshot.header, base),
                    "evidence": snapshot.header.get("evidence"),
                }
                for snapshot in page.object_list
            ],
        }
    )
