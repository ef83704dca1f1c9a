"""The research-only disclaimer on every public output: pages, downloads, error pages, and the setting behind it.

The walk below builds its list of pages from the URL conf, so a public URL added later is checked without anyone
remembering to list it here.
"""

import pytest
from django.core.checks import run_checks
from django.test import Client, RequestFactory, override_settings
from django.urls import URLResolver, get_resolver, reverse
from django.utils.html import escape
from django.views import static

from compounds.checks import disclaimer_check
from compounds.disclaimer import REQUIRED_DISCLAIMER
from compounds.exports import FORMATS
from compounds.models import ProfileSnapshot
from tests.factories import StaffFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_data")]

HTML_DISCLAIMER = escape(REQUIRED_DISCLAIMER)

# Views the walk leaves out because readers cannot use them; test_staff_only_urls_refuse_readers holds it to that.
STAFF_ONLY = {"compounds:preview", "markdownx_markdownify", "markdownx_upload"}


def url_patterns(patterns=None, namespace="", params=()):
    """(qualified name or None, route, path parameter names) of every view in the URL conf but the admin's."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        names = (*params, *entry.pattern.regex.groupindex)
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from url_patterns(entry.url_patterns, inner, names)
        elif entry.callback is not static.serve:  # media and static files, served in debug only
            yield (f"{namespace}{entry.name}" if entry.name else None), str(entry.pattern), names


@pytest.fixture
def samples():
    """Path parameters for each URL that takes some, from the published demo: keyed by URL name."""
    live = ProfileSnapshot.objects.live()
    profile = next(snapshot for snapshot in live.order_by("slug") if snapshot.references)
    category = profile.categories.order_by("slug").first()
    return {
        "compounds:detail": [{"slug": profile.slug}],
        "compounds:preview": [{"slug": profile.slug}],
        "compounds:change_log": [{"slug": profile.slug}],
        "compounds:version": [
            {"slug": profile.slug, "version": version}
            for version in profile.compound.snapshots.values_list("version", flat=True)
        ],
        "compounds:references": [{"slug": profile.slug, "fmt": fmt} for fmt in FORMATS],
        "compounds:category": [{"slug": category.slug}],
        "compounds:detail_json": [{"slug": profile.slug}],
        "compounds:vendors": [{"slug": profile.slug}],
    }


def assert_carries_disclaimer(response, url):
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    text = response.content.decode()
    expected = HTML_DISCLAIMER if response["Content-Type"].startswith("text/html") else REQUIRED_DISCLAIMER
    assert expected in text, f"{url} ({response['Content-Type']}) does not carry the disclaimer"


def test_every_public_url_carries_the_disclaimer(client, samples):
    missing, walked = [], []
    for name, route, params in url_patterns():
        if name in STAFF_ONLY:
            continue
        if name is None:
            missing.append(f"{route!r} has no name: name it so the walk can reverse it")
            continue
        if params and name not in samples:
            missing.append(
                f"{name} ({route!r}) takes {', '.join(params)}: add sample values to `samples` in tests/compounds/test_disclaimer.py"
            )
            continue
        for kwargs in samples.get(name, [{}]):
            url = reverse(name, kwargs=kwargs)
            assert_carries_disclaimer(client.get(url), url)
            walked.append(url)
    assert not missing, "The disclaimer walk cannot fill these URLs:\n" + "\n".join(missing)
    # The walk reached the pages the disclaimer has been lost from before, and every download format.
    slug = samples["compounds:detail"][0]["slug"]
    assert {"/", "/compounds/", f"/compounds/{slug}/", f"/compounds/{slug}/history/"} <= set(walked)
    assert {f"/compounds/{slug}/references.{fmt}" for fmt in FORMATS} <= set(walked)


def test_staff_only_urls_refuse_readers(client, samples):
    names = {name for name, _, _ in url_patterns()}
    assert names >= STAFF_ONLY, f"not in the URL conf any more: {STAFF_ONLY - names}"
    for name in STAFF_ONLY:
        url = reverse(name, kwargs=samples.get(name, [{}])[0])
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"], url


# --- Error pages ---------------------------------------------------------------------------------


@override_settings(DEBUG=False)
def test_not_found_page_carries_the_disclaimer(client):
    response = client.get("/compounds/no-such-compound/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode() and HTML_DISCLAIMER in response.content.decode()


@override_settings(DEBUG=False, ALLOWED_HOSTS=["testserver"])
def test_bad_host_gets_the_bad_request_page_with_the_disclaimer(client):
    response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "Bad request" in response.content.decode() and HTML_DISCLAIMER in response.content.decode()


@override_settings(DEBUG=False)
def test_a_form_post_without_csrf_token_gets_our_forbidden_page():
    response = Client(enforce_csrf_checks=True).post("/compounds/", {"q": "selank"})
    html = response.content.decode()
    assert response.status_code == 403
    assert "This form has expired or was not sent from this site." in html and HTML_DISCLAIMER in html
    assert "CSRF" not in html


@override_settings(DEBUG=False)
def test_permission_denied_page_carries_the_disclaimer(client, samples):
    # Staff without the profile permission: the one way a public view raises PermissionDenied.
    client.force_login(StaffFactory(username="no-perms"))
    response = client.get(reverse("compounds:preview", kwargs=samples["compounds:preview"][0]))
    html = response.content.decode()
    assert response.status_code == 403
    assert "You do not have permission to see this page." in html and HTML_DISCLAIMER in html


def test_server_error_page_carries_the_disclaimer():
    response = get_resolver().resolve_error_handler(500)(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode() and HTML_DISCLAIMER in response.content.decode()


@override_settings(DEBUG=False)
def test_server_error_page_renders_when_static_files_are_broken(client, tmp_path):
    # A release without collectstatic: every page that names a static file fails, the 500 page must not.
    broken = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    with override_settings(STORAGES=broken, STATIC_ROOT=tmp_path):
        with pytest.raises(ValueError, match="manifest"):
            client.get("/")
        response = get_resolver().resolve_error_handler(500)(RequestFactory().get("/"))
    assert response.status_code == 500 and HTML_DISCLAIMER in response.content.decode()


# --- The setting cannot remove it ----------------------------------------------------------------


def test_default_setting_passes_the_check():
    assert disclaimer_check(None) == []


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "Research use only.",
        REQUIRED_DISCLAIMER[:-1],
        REQUIRED_DISCLAIMER.replace("not approved by the FDA", "approved"),
        REQUIRED_DISCLAIMER.lower(),
        ["a list", "of lines"],
    ],
    ids=["empty", "blank", "other-text", "cut-short", "edited", "lowercased", "not-a-string"],
)
def test_check_refuses_a_setting_without_the_full_text(value):
    with override_settings(MONOGRAPH_DISCLAIMER=value):
        errors = disclaimer_check(None)
    assert [error.id for error in errors] == ["monograph.E001"]


def test_check_refuses_a_missing_setting():
    from django.conf import settings

    with override_settings():
        del settings.MONOGRAPH_DISCLAIMER
        errors = disclaimer_check(None)
    assert [error.id for error in errors] == ["monograph.E001"]
    assert "missing" in errors[0].msg


def test_check_is_registered_with_django():
    with override_settings(MONOGRAPH_DISCLAIMER=""):
        errors = run_checks(tags=["monograph"])
    assert "monograph.E001" in [error.id for error in errors]


def test_a_site_may_append_to_the_disclaimer(client):
    appended = f"{REQUIRED_DISCLAIMER} Keep out of reach of children."
    with override_settings(MONOGRAPH_DISCLAIMER=appended):
        assert disclaimer_check(None) == []
        html = client.get("/").content.decode()
    assert escape(appended) in html


@pytest.mark.parametrize("value", ["", "Research use only."])
def test_pages_and_downloads_keep_the_required_text_even_when_the_check_was_skipped(client, samples, value):
    # gunicorn starts without running system checks; a bad setting must not reach readers in the meantime.
    with override_settings(MONOGRAPH_DISCLAIMER=value):
        assert_carries_disclaimer(client.get("/"), "/")
        for kwargs in samples["compounds:references"]:
            url = reverse("compounds:references", kwargs=kwargs)
            assert_carries_disclaimer(client.get(url), url)
