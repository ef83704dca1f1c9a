import hashlib

from csp.decorators import csp_replace
from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin

from .exports import FORMATS
from .forms import CompoundSearchForm
from .models import Category, Compound, ProfileSnapshot
from .page import profile_build
from .page_cache import last_modified
from .permissions import can_preview
from .search import Sort, query_words
from .selectors import (
    compound_for_profile,
    public_change_log,
    published_categories,
    published_listing,
    published_page_get,
    published_snapshot_get,
    published_snapshots,
    published_snippets_attach,
    published_suggestion,
    published_total,
    published_version_get,
)
from .services import snapshot_page_refresh
from .stored_pages import page_for_request, page_format
from .structured_data import site_url


def home(request):
    latest = list(published_snapshots()[:6])
    featured = list(published_snapshots().filter(featured=True)[:6])
    categories = published_categories()
    return render(request, "compounds/home.html", {"latest": latest, "featured": featured, "categories": categories})


def _paginate(request, queryset, count=None):
    paginator = Paginator(queryset, settings.MONOGRAPH_PAGE_SIZE)
    if count is not None:
        paginator.count = count  # known already: no count query
    return paginator.get_page(request.GET.get("page"))


def compound_index(request):
    """All published profiles: search, filters and sort, all kept by the page links."""
    categories = published_categories()
    data = request.GET.copy()
    if not data.get("sort"):
        data["sort"] = Sort.RELEVANCE if data.get("q", "").strip() else Sort.UPDATED
    form = CompoundSearchForm(data, categories=categories)
    form.is_valid()
    if "category" in form.errors:
        raise Http404("No such category.")
    filters = form.filters()
    words = query_words(form.cleaned_data.get("q"))
    sort = form.cleaned_data.get("sort") or Sort.UPDATED
    if sort == Sort.RELEVANCE and not words:
        sort = Sort.UPDATED
    phrase = form.cleaned_data.get("q") or ""
    selected = next((category for category in categories if category.slug == filters.get("category")), None)
    if words or set(filters) - {"category"}:
        count = None
    else:
        count = selected.published_count if selected else published_total()
    page = _paginate(request, published_listing(words=words, phrase=phrase, sort=sort, **filters), count=count)
    published_snippets_attach(items=page.object_list, words=words)
    suggested = published_suggestion(words=words, filters=filters) if words and not page.paginator.count else ""
    return render(
        request,
        "compounds/index.html",
        {
            "page": page,
            "form": form,
            "query": " ".join(words),
            "searching": bool(words or filters),
            "sort": sort,
            "selected": selected,
            "categories": categories,
            "suggestion": suggested,
        },
    )


def category_detail(request, slug):
    category = get_object_or_404(Category, slug=slug)
    counted = next((c for c in published_categories() if c.pk == category.pk), None)
    page = _paginate(request, published_snapshots(category=category), count=counted.published_count if counted else 0)
    return render(request, "compounds/category.html", {"category": category, "page": page})


def compound_detail(request, slug):
    """The live version's stored page, as rendered when it was published: one query, no template."""
    try:
        snapshot = published_page_get(slug=slug)
    except ProfileSnapshot.DoesNotExist:
        raise Http404("No published profile at this address.") from None
    if snapshot.page_format != page_format():
        snapshot = snapshot_page_refresh(snapshot_id=snapshot.pk)
    html = page_for_request(snapshot.page_html, request)
    response = HttpResponse(html)
    etag = snapshot.page_etag
    if html is not snapshot.page_html:
        # The origin is part of the page: another host's copy is another representation.
        etag += hashlib.md5(site_url(request).encode(), usedforsecurity=False).hexdigest()[:8]
    response["ETag"] = f'"{etag}"'
    response["Last-Modified"] = last_modified(snapshot.page_rendered_at)
    return response


@never_cache
@staff_member_required
@xframe_options_sameorigin
@csp_replace({"frame-ancestors": ["'self'"]})
def compound_preview(request, slug):
    """The current draft in the public template, for staff only."""
    try:
        compound = compound_for_profile(slug=slug)
    except Compound.DoesNotExist:
        raise Http404("No compound at this address.") from None
    if not can_preview(request.user, compound):
        raise PermissionDenied
    built = profile_build(compound)
    response = render(
        request,
        "compounds/detail.html",
        {
            "header": built.header,
            "body_html": built.render_body(),
            "snapshot": compound.live_snapshot,
            "preview": True,
            "compound": compound,
            "unknown_keys": built.unknown_keys,
        },
    )
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def compound_change_log(request, slug):
    """Public history: the published versions of a live profile, minor ones hidden."""
    try:
        current = published_snapshot_get(slug=slug)
    except ProfileSnapshot.DoesNotExist:
        raise Http404("No published profile at this address.") from None
    versions = public_change_log(compound_id=current.compound_id)
    return render(request, "compounds/change_log.html", {"current": current, "versions": versions})


def compound_version(request, slug, version):
    """Permalink of one published version, as readers saw it then."""
    try:
        snapshot, current = published_version_get(slug=slug, version=version)
    except ProfileSnapshot.DoesNotExist:
        raise Http404("No such published version.") from None
    return render(
        request,
        "compounds/detail.html",
        {
            "header": snapshot.header,
            "body_html": snapshot.body_html,
            "snapshot": snapshot,
            "current": current,
            "preview": False,
            "old_version": snapshot.pk != current.pk,
        },
    )


def compound_references(request, slug, fmt):
    """The published profile's references as RIS, BibTeX or CSL-JSON (a download)."""
    if fmt not in FORMATS:
        raise Http404("Unknown format.")
    try:
        snapshot = published_snapshot_get(slug=slug)
    except ProfileSnapshot.DoesNotExist:
        raise Http404("No published profile at this address.") from None
    if not snapshot.references:
        # An empty RIS file has no record to carry the disclaimer; the page offers no download then either.
        raise Http404("This profile cites no sources: there are no references to download.")
    content_type, render_format = FORMATS[fmt]
    response = HttpResponse(render_format(snapshot.references), content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slug}-references.{fmt}"'
    return response


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a reader's stale or foreign form post gets the site's 403 page, disclaimer included.

    The reason stays out of the page: it names the missing token or cookie, which helps nobody reading it.
    """
    return render(
        request,
        "403.html",
        {"message": "This form has expired or was not sent from this site."},
        status=403,
    )
