"""Public pages: what readers can reach, what it costs, and the disclaimer on all of it."""

import re

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from compounds.models import Status
from compounds.services import compound_publish, compound_unpublish
from tests.factories import CategoryFactory, CompoundFactory, SectionFactory, SourceFactory

pytestmark = pytest.mark.django_db

DISCLAIMER = settings.MONOGRAPH_DISCLAIMER


@pytest.fixture
def published():
    category = CategoryFactory(name="Mood & Stress", slug="mood-stress")
    compound = CompoundFactory(name="Testan", slug="testan", featured=True)
    compound.categories.add(category)
    SectionFactory(compound=compound, title="Mechanism", anchor="mechanism", body="It binds things.")
    compound_publish(compound=compound)
    return compound


def public_urls(compound):
    category = compound.categories.first()
    return [
        "/",
        "/compounds/",
        f"/compounds/?category={category.slug}",
        f"/compounds/{compound.slug}/",
        f"/categories/{category.slug}/",
    ]


def test_every_public_page_carries_the_disclaimer(client, published):
    for url in public_urls(published):
        response = client.get(url)
        assert response.status_code == 200, url
        assert DISCLAIMER in response.content.decode(), url


def test_profile_shows_the_disclaimer_in_its_header_too(client, published):
    html = client.get(published.get_absolute_url()).content.decode()
    header = html.split('<header class="profile-header">', 1)[1].split("</header>", 1)[0]
    assert DISCLAIMER in header
    # Shown twice: in the header and the footer. The structured data (JSON-LD) carries it too, unseen.
    visible = re.sub(r'<script type="application/ld\+json">.*?</script>', "", html, flags=re.S)
    assert visible.count(DISCLAIMER) == 2


@pytest.mark.parametrize(
    "url", ["/no-such-page/", "/compounds/nothing-here/", "/categories/nothing/", "/compounds/?category=nope"]
)
def test_not_found_pages_carry_the_disclaimer(client, published, url):
    with override_settings(DEBUG=False):
        response = client.get(url)
    assert response.status_code == 404
    assert DISCLAIMER in response.content.decode()
    assert "Page not found" in response.content.decode()


def test_server_error_page_carries_the_disclaimer(published, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("compounds.views.published_page_get", explode)
    client = Client(raise_request_exception=False)
    with override_settings(DEBUG=False):
        response = client.get(published.get_absolute_url())
    assert response.status_code == 500
    assert DISCLAIMER in response.content.decode()


@pytest.mark.parametrize("status", [Status.DRAFT, Status.IN_REVIEW, Status.UNPUBLISHED])
def test_unpublished_profiles_are_404_for_readers(client, status):
    compound = CompoundFactory(status=status, slug="hidden")
    assert client.get("/compounds/hidden/").status_code == 404
    assert compound.name not in client.get("/compounds/").content.decode()


def test_unpublishing_removes_the_page_and_listing(client, published):
    compound_unpublish(compound=published)
    assert client.get("/compounds/testan/").status_code == 404
    assert "Testan" not in client.get("/").content.decode()
    assert "Testan" not in client.get("/categories/mood-stress/").content.decode()


def test_draft_edits_do_not_reach_readers_until_published_again(client, published):
    section = published.sections.get()
    section.body = "A sentence only in the draft."
    section.save()
    published.name = "Renamed Draft"
    published.save()
    html = client.get("/compounds/testan/").content.decode()
    assert "It binds things." in html and "only in the draft" not in html and "Renamed Draft" not in html
    compound_publish(compound=published)
    assert "only in the draft" in client.get("/compounds/testan/").content.decode()


def test_staff_preview_shows_the_draft_with_banner_and_noindex(client, published, staff_user):
    from django.contrib.auth.models import Permission

    staff_user.user_permissions.add(Permission.objects.get(codename="change_compound"))
    section = published.sections.get()
    section.body = "Draft-only sentence."
    section.save()
    client.force_login(staff_user)
    response = client.get(reverse("compounds:preview", args=["testan"]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Preview — not published." in html and "Draft-only sentence." in html
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert "no-cache" in response["Cache-Control"] and response["X-Robots-Tag"] == "noindex, nofollow"
    assert DISCLAIMER in html


def test_preview_is_refused_to_anonymous_and_to_staff_without_permission(client, published, staff_user):
    url = reverse("compounds:preview", args=["testan"])
    response = client.get(url)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    client.force_login(staff_user)
    assert client.get(url).status_code == 403


def test_index_filters_by_category_and_paginates(client, settings):
    settings.MONOGRAPH_PAGE_SIZE = 2
    mood, sleep = CategoryFactory(slug="mood"), CategoryFactory(slug="sleep")
    for index in range(3):
        compound = CompoundFactory(name=f"Mood {index}", slug=f"mood-{index}")
        compound.categories.add(mood)
        compound_publish(compound=compound)
    other = CompoundFactory(name="Sleepy", slug="sleepy")
    other.categories.add(sleep)
    compound_publish(compound=other)

    page1 = client.get("/compounds/?category=mood").content.decode()
    page2 = client.get("/compounds/?category=mood&page=2").content.decode()
    assert "Sleepy" not in page1 + page2
    assert sum(f"Mood {i}" in page1 for i in range(3)) == 2
    assert sum(f"Mood {i}" in page2 for i in range(3)) == 1
    assert "Page 1 of 2" in page1 and "category=mood&amp;page=2" in page1


def test_empty_site_explains_itself(client, db):
    html = client.get("/").content.decode()
    assert "No profiles are published yet" in html
    assert "No published profiles yet" in client.get("/compounds/").content.decode()


def test_public_pages_set_no_cookies(client, published):
    for url in public_urls(published):
        assert not client.get(url).cookies, url


def test_pages_send_a_content_security_policy_without_inline_scripts(client, published):
    policy = client.get(published.get_absolute_url())["Content-Security-Policy"]
    script_src = next(part for part in policy.split(";") if "script-src" in part)
    assert "'unsafe-inline'" not in script_src


def test_a_new_slug_in_the_draft_is_not_public_until_published(client, published):
    published.slug = "testan-renamed"
    published.save_content()
    assert client.get("/compounds/testan/").status_code == 200
    assert client.get("/compounds/testan-renamed/").status_code == 404
    compound_publish(compound=published)
    assert client.get("/compounds/testan/").status_code == 404
    assert client.get("/compounds/testan-renamed/").status_code == 200


# --- What a page costs ---------------------------------------------------------------------------


def compound_citing(count, slug):
    compound = CompoundFactory(slug=slug)
    sources = [SourceFactory() for _ in range(count)]
    for index, source in enumerate(sources):
        SectionFactory(compound=compound, body=f"Claim {index} [@{source.key}].")
    compound_publish(compound=compound)
    return compound


def queries_for(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries), response.content.decode()


def test_public_profile_query_count_is_independent_of_citations(client):
    small, large = compound_citing(1, "one-source"), compound_citing(50, "fifty-sources")
    small_count, _ = queries_for(client, small.get_absolute_url())
    large_count, html = queries_for(client, large.get_absolute_url())
    assert 'id="ref-50"' in html
    assert small_count == large_count == 1


def test_staff_preview_query_count_is_independent_of_citations(client, superuser):
    small, large = compound_citing(1, "one-source"), compound_citing(50, "fifty-sources")
    client.force_login(superuser)
    small_count, _ = queries_for(client, reverse("compounds:preview", args=[small.slug]))
    large_count, html = queries_for(client, reverse("compounds:preview", args=[large.slug]))
    assert 'id="ref-50"' in html
    assert small_count == large_count
