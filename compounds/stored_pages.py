"""The whole public page of a published version, rendered once and stored on it.

A reader's request for a profile reads one row and sends its `page_html`: no template runs. The page is rendered
when the version is published, when a stored page is rewritten (links to other profiles, category chips, a cited
source's record), and, lazily, at the first request after the site's templates, static files or page settings
changed (`page_format` tells which ones a page was rendered with).

Without MONOGRAPH_SITE_URL the page's absolute addresses (canonical link, OpenGraph, JSON-LD) follow the address a
request came in on: the page is stored with ORIGIN in their place and each response puts the request's origin there.
"""

import functools
import hashlib
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .structured_data import site_url

# A syntactically valid address on a reserved domain: if it ever reached a reader, it would lead nowhere.
ORIGIN_HOST = "monograph-origin.invalid"
ORIGIN = f"https://{ORIGIN_HOST}"

APP_DIR = Path(__file__).resolve().parent
# Python code whose output ends up in the stored page, besides the templates.
_RENDERING_CODE = [
    APP_DIR / "stored_pages.py",
    APP_DIR / "structured_data.py",
    APP_DIR / "disclaimer.py",
    *sorted((APP_DIR / "templatetags").glob("*.py")),
]


@functools.cache
def _files_digest():
    digest = hashlib.sha256()
    template_dirs = [Path(d) for engine in settings.TEMPLATES for d in engine.get("DIRS", [])]
    files = sorted(path for folder in template_dirs for path in folder.rglob("*.html")) + _RENDERING_CODE
    for path in files:
        digest.update(str(path).encode())
        digest.update(path.read_bytes())
    # Hashed static file names (ManifestStaticFilesStorage) change with the files' content.
    manifest = getattr(staticfiles_storage, "manifest_name", None)
    if manifest and staticfiles_storage.exists(manifest):
        with staticfiles_storage.open(manifest) as handle:
            digest.update(handle.read())
    return digest.hexdigest()


def page_format():
    """What a stored page depends on besides its version's data: the templates and the settings they read."""
    parts = [
        _files_digest(),
        settings.STATIC_URL,
        getattr(settings, "MONOGRAPH_SITE_URL", "") or "",
        getattr(settings, "MONOGRAPH_DISCLAIMER", ""),
        str(settings.DEBUG),
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


class _PublishRequest(HttpRequest):
    """The request a stored page is rendered for: a reader's GET of the page on the placeholder origin."""

    def __init__(self, path):
        super().__init__()
        self.method = "GET"
        self.path = self.path_info = path
        self.META = {"SERVER_NAME": ORIGIN_HOST, "SERVER_PORT": "443", "REQUEST_METHOD": "GET"}

    def get_host(self):
        return ORIGIN_HOST

    def _get_scheme(self):
        return "https"


def profile_page_path(snapshot):
    return reverse("compounds:detail", args=[snapshot.slug])


def snapshot_page_render(snapshot):
    """Render the public page of a published version into its `page_*` fields (not saved here)."""
    request = _PublishRequest(profile_page_path(snapshot))
    html = render_to_string(
        "compounds/detail.html",
        {"header": snapshot.header, "body_html": snapshot.body_html, "snapshot": snapshot, "preview": False},
        request=request,
    )
    snapshot.page_html = html
    snapshot.page_format = page_format()
    snapshot.page_etag = hashlib.sha256(html.encode()).hexdigest()[:32]
    snapshot.page_rendered_at = timezone.now().replace(microsecond=0)


PAGE_FIELDS = ["page_html", "page_format", "page_etag", "page_rendered_at"]


def page_for_request(html, request):
    """The stored page with the request's origin in the placeholder's place."""
    if ORIGIN not in html:
        return html
    return html.replace(ORIGIN, site_url(request))
