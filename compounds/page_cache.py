"""Full-page caching of public pages, with exact invalidation by version tokens.

A public view declares the scopes its page depends on (`public_page`): a profile's pages depend on
"profile:<slug>", listings (home, index, search, categories, feed, sitemap) on "listings". Each scope has a token
in the page cache. A stored page remembers the tokens it was rendered under and is served only while they are all
unchanged; a change that readers must see replaces the affected scopes' tokens (`pages_invalidate`, called by the
services once their transaction commits). Nothing is swept: stale entries are never read again and age out.

The tokens are read before the view runs, so a change committed while a page renders leaves that page stored
under the old token: it is never served.

Redis (REDIS_URL) shares pages and tokens among all app servers. The local-memory fallback lives in one process;
several processes on one machine stay exact because an invalidation also appends to a stamp file in the var
directory, and a process that sees another process's append drops its local pages.

Responses of public views also get an ETag, Cache-Control for shared caches (a CDN in front) and 304s for
conditional requests, whether or not the page cache is on (MONOGRAPH_PAGE_CACHE). Only 200 responses without
cookies and without `Vary: Cookie` are stored; previews and the admin are never public views.
"""

import functools
import hashlib
import os
import secrets
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import DisallowedHost
from django.db import transaction
from django.http import HttpResponse
from django.utils.cache import get_conditional_response, has_vary_header, patch_cache_control
from django.utils.http import http_date, parse_http_date_safe

CACHE_ALIAS = "pages"
LISTINGS = "listings"
_TOKEN = "pagever:"
_PAGE = "page:"


def profile_scope(slug):
    return f"profile:{slug}"


def _cache():
    return caches[CACHE_ALIAS]


def _is_local(cache):
    return cache.__class__.__name__ == "LocMemCache"


def _stamp_path():
    return Path(settings.MONOGRAPH_PAGE_CACHE_STAMP)


def _stamp():
    try:
        return os.stat(_stamp_path()).st_size
    except FileNotFoundError:
        return 0


_seen_stamp = {"value": None}


def _sync_local(cache):
    """Drop this process's pages when another process invalidated some (local-memory cache only)."""
    stamp = _stamp()
    if _seen_stamp["value"] != stamp:
        if _seen_stamp["value"] is not None:
            cache.clear()
        _seen_stamp["value"] = stamp


def _touch_stamp():
    """Each invalidation appends a byte to the stamp file; appends are atomic, so a process can tell whether the
    file grew by its own byte alone or others invalidated too (then it drops its pages at its next request)."""
    path = _stamp_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(descriptor, b".")
        size = os.fstat(descriptor).st_size
    finally:
        os.close(descriptor)
    if _seen_stamp["value"] == size - 1:
        _seen_stamp["value"] = size


def _new_token():
    return secrets.token_hex(8)


def _tokens(cache, scopes):
    keys = [_TOKEN + scope for scope in scopes]
    found = cache.get_many(keys)
    missing = [key for key in keys if key not in found]
    if missing:
        for key in missing:
            cache.add(key, _new_token(), timeout=None)
        found = cache.get_many(keys)
    return found


def pages_invalidate(*, scopes):
    """Pages of these scopes are rendered again at their next request (and after the current transaction commits)."""
    scopes = sorted(set(scopes))
    if not scopes:
        return

    def replace_tokens():
        cache = _cache()
        cache.set_many({_TOKEN + scope: _new_token() for scope in scopes}, timeout=None)
        if _is_local(cache):
            _touch_stamp()

    # Now, for reads in this transaction (the change is visible to them already), and again at commit, since a
    # reader elsewhere may store the old page under the first new token before the change is committed.
    replace_tokens()
    transaction.on_commit(replace_tokens)


def memoized(*, scope, name, compute):
    """A value derived from what `scope`'s pages show (a count, a list of categories), computed once per version
    of the scope: kept under the scope's current token, so the invalidation that drops the pages drops it too."""
    cache = _cache()
    key = f"memo:{name}:{_tokens(cache, [scope])[_TOKEN + scope]}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=settings.MONOGRAPH_PAGE_CACHE_SECONDS)
    return value


def public_page(scopes):
    """Mark a view's pages as public and cacheable; `scopes(**url_kwargs)` names what they depend on."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            if response.status_code == 200 and not response.streaming:
                patch_cache_control(
                    response, public=True, max_age=0, must_revalidate=True, s_maxage=settings.MONOGRAPH_CDN_MAX_AGE
                )
                if not response.has_header("ETag"):
                    response["ETag"] = f'"{hashlib.md5(response.content, usedforsecurity=False).hexdigest()}"'
                response.public_page = True
            return response

        wrapped.page_cache_scopes = scopes
        return wrapped

    return decorator


def _conditional(request, response):
    if response.status_code != 200:
        return response
    last_modified = response.get("Last-Modified")
    conditional = get_conditional_response(
        request,
        etag=response.get("ETag"),
        last_modified=parse_http_date_safe(last_modified) if last_modified else None,
        response=response,
    )
    return conditional


def _storable(response):
    return (
        getattr(response, "public_page", False)
        and response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not has_vary_header(response, "Cookie")
    )


def last_modified(moment):
    return http_date(moment.timestamp())


class PageCacheMiddleware:
    """Serve public pages from the page cache before the session, authentication and CSRF middleware run."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = None
        if settings.MONOGRAPH_PAGE_CACHE and request.method in ("GET", "HEAD"):
            cache = _cache()
            if _is_local(cache):
                _sync_local(cache)
            try:
                address = request.build_absolute_uri()
            except DisallowedHost:
                return self.get_response(request)
            # A page stored yesterday is not served today: some count days (the vendors page's stale offers).
            from .vendors import today

            key = _PAGE + hashlib.md5(f"{address} {today()}".encode(), usedforsecurity=False).hexdigest()
            entry = cache.get(key)
            if entry is not None and cache.get_many(list(entry["tokens"])) == entry["tokens"]:
                response = HttpResponse(entry["content"], status=200)
                for name, value in entry["headers"]:
                    response[name] = value
                response.public_page = True
                return _conditional(request, response)
            request.page_cache_key = key
        response = self.get_response(request)
        tokens = getattr(request, "page_cache_tokens", None)
        if key is not None and tokens is not None and _storable(response):
            entry = {"tokens": tokens, "content": response.content, "headers": list(response.items())}
            _cache().set(key, entry, timeout=settings.MONOGRAPH_PAGE_CACHE_SECONDS)
        if getattr(response, "public_page", False):
            return _conditional(request, response)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        scopes = getattr(view_func, "page_cache_scopes", None)
        if scopes is not None and getattr(request, "page_cache_key", None):
            request.page_cache_tokens = _tokens(_cache(), scopes(**view_kwargs))
        return None
