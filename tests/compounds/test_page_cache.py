"""Public pages: stored at publish, served from the page cache, dropped exactly when what they show changes,
answered with 304 when unchanged, and never carrying cookies; drafts, previews and the admin never cached."""

import re
from email.utils import format_datetime

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from compounds import page_cache
from compounds.models import ProfileSnapshot, RelatedCompound
from compounds.services import category_update, compound_unpublish, source_references_refresh
from compounds.stored_pages import ORIGIN
from tests.factories import CategoryFactory, CompoundFactory, SectionFactory, SourceFactory
from tests.workflow import publish_acknowledging

pytestmark = pytest.mark.django_db


def published(name, *, body="Body text.", category=None, **fields):
    compound = CompoundFactory(name=name, slug=name.lower(), **fields)
    SectionFactory(compound=compound, title="Mechanism", anchor="mechanism", body=body)
    if category is not None:
        compound.categories.add(category)
    publish_acknowledging(compound=compound)
    return compound


def get(client, url, **headers):
    """The response and the number of queries it cost."""
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, headers=headers)
    return response, len(context.captured_queries)


def text(response):
    return response.content.decode()


# --- The stored page ---------------------------------------------------------------------------------


def test_a_profile_costs_one_query_whether_it_cites_one_source_or_two_hundred(client):
    few = SourceFactory.create_batch(1)
    many = SourceFactory.create_batch(200)
    published("Fewcite", body=" ".join(f"Finding [@{s.key}]." for s in few))
    published("Manycite", body=" ".join(f"Finding [@{s.key}]." for s in many))

    small, small_queries = get(client, "/compounds/fewcite/")
    big, big_queries = get(client, "/compounds/manycite/")

    assert small.status_code == big.status_code == 200
    assert 'id="ref-200"' in text(big) and 'id="ref-2"' not in text(small)
    assert small_queries == big_queries == 1


def test_the_stored_page_is_what_readers_get_with_their_own_address(client, settings):
    settings.MONOGRAPH_SITE_URL = ""
    settings.ALLOWED_HOSTS = ["reader.example", "127.0.0.1"]
    published("Origan")
    stored = ProfileSnapshot.objects.get(slug="origan").page_html
    assert ORIGIN in stored, "stored without a site address, the page keeps a placeholder"

    page = text(client.get("/compounds/origan/", HTTP_HOST="reader.example"))
    assert '<link rel="canonical" href="http://reader.example/compounds/origan/">' in page
    assert ORIGIN not in page
    other = text(client.get("/compounds/origan/", HTTP_HOST="127.0.0.1"))
    assert '<link rel="canonical" href="http://127.0.0.1/compounds/origan/">' in other, "one cached copy per host"


def test_a_page_of_an_older_format_is_rendered_again_at_its_first_request(client):
    published("Formatan")
    ProfileSnapshot.objects.filter(slug="formatan").update(page_format="templates-of-last-week", page_html="old")

    first, first_queries = get(client, "/compounds/formatan/")
    assert "Formatan" in text(first) and first_queries <= 3
    assert ProfileSnapshot.objects.get(slug="formatan").page_html == text(first)
    caches["pages"].clear()
    _, queries = get(client, "/compounds/formatan/")
    assert queries == 1


# --- The page cache ------------------------------------------------------------------------------------


PUBLIC_PAGES = [
    "/",
    "/compounds/",
    "/compounds/?q=cachet",
    "/compounds/?page=1&sort=name",
    "/categories/cached/",
    "/compounds/cachet/",
    "/compounds/cachet/history/",
    "/compounds/cachet/vendors/",
    "/compounds/cachet/v/1/",
    "/compounds/cachet/references.ris",
    "/compounds/cachet.json",
    "/compounds.json",
    "/feeds/updates/",
    "/sitemap.xml",
    "/robots.txt",
]


@pytest.fixture
def cachet():
    source = SourceFactory()
    return published(
        "Cachet", body=f"Cachet calms [@{source.key}].", category=CategoryFactory(name="Cached", slug="cached")
    )


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_a_public_page_is_served_from_the_cache_the_second_time(client, cachet, url):
    first, first_queries = get(client, url)
    second, second_queries = get(client, url)
    assert first.status_code == second.status_code == 200
    assert second_queries == 0 and (first_queries > 0 or url == "/robots.txt")
    assert second.content == first.content
    assert second["ETag"] == first["ETag"]
    assert second["Content-Type"] == first["Content-Type"]
    # The headers the middleware inside the cache adds are kept with the page.
    assert second["Content-Security-Policy"] == first["Content-Security-Policy"]


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_public_pages_set_no_cookie_and_leave_the_session_alone(client, cachet, staff_user, url):
    for reader in (Client(), client):
        response = reader.get(url)
        assert response.status_code == 200
        assert not response.cookies, f"{url} set {list(response.cookies)}"
        assert "Cookie" not in response.get("Vary", "")
        session = getattr(response.wsgi_request, "session", None)  # none at all when the cache answered
        assert session is None or not session.accessed
    client.force_login(staff_user)
    caches["pages"].clear()
    logged_in = client.get(url)
    assert not logged_in.cookies and not logged_in.wsgi_request.session.accessed


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_public_pages_tell_shared_caches_they_may_keep_them_briefly(client, cachet, settings, url):
    response = client.get(url)
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"public", "max-age=0", "must-revalidate", f"s-maxage={settings.MONOGRAPH_CDN_MAX_AGE}"} <= directives


def test_a_publish_reaches_the_page_and_the_listings_at_once_and_leaves_other_pages_cached(client):
    calmex = published("Calmex", summary="First summary.")
    published("Bystander")
    for url in ("/compounds/calmex/", "/compounds/", "/compounds/bystander/", "/compounds/calmex.json"):
        client.get(url)

    calmex.summary = "Second summary."
    calmex.save()
    publish_acknowledging(compound=calmex)

    page, queries = get(client, "/compounds/calmex/")
    assert "Second summary." in text(page) and queries > 0
    assert "Second summary." in text(client.get("/compounds/"))
    assert "Second summary." in text(client.get("/compounds/calmex.json"))
    _, bystander_queries = get(client, "/compounds/bystander/")
    assert bystander_queries == 0, "a profile that does not link to it keeps its cached page"


def test_an_unpublish_makes_the_page_404_and_leaves_the_listings_at_once(client):
    goner = published("Goner")
    assert client.get("/compounds/goner/").status_code == 200
    assert "Goner" in text(client.get("/compounds/"))

    compound_unpublish(compound=goner)

    assert client.get("/compounds/goner/").status_code == 404
    assert "Goner" not in text(client.get("/compounds/"))
    assert client.get("/compounds/goner.json").status_code == 404


def test_a_new_address_frees_the_old_one_at_once(client):
    mover = published("Mover")
    assert client.get("/compounds/mover/").status_code == 200
    mover.slug = "moved"
    mover.save()
    publish_acknowledging(compound=mover)
    assert client.get("/compounds/mover/").status_code == 404
    assert client.get("/compounds/moved/").status_code == 200


def test_a_page_linking_to_a_profile_follows_its_publication(client):
    target = CompoundFactory(name="Target", slug="target", summary="The target summary.")
    linker = CompoundFactory(name="Linker", slug="linker")
    RelatedCompound.objects.create(compound=linker, related=target, position=1)
    publish_acknowledging(compound=linker)
    assert 'href="/compounds/target/"' not in text(client.get("/compounds/linker/"))

    publish_acknowledging(compound=target)

    page = text(client.get("/compounds/linker/"))
    assert 'href="/compounds/target/"' in page and "The target summary." in page


def test_a_cited_sources_change_reaches_the_pages_citing_it_and_only_those(client):
    source = SourceFactory(journal="J Old Name")
    published("Citer", body=f"Shown [@{source.key}].")
    published("Noncite")
    assert "J Old Name" in text(client.get("/compounds/citer/"))
    client.get("/compounds/noncite/")

    source.journal = "J New Name"
    source.retracted = True
    source.save()
    assert source_references_refresh(source=source) == 1

    page = text(client.get("/compounds/citer/"))
    assert "J New Name" in page and "J Old Name" not in page
    assert '<strong class="retracted">Retracted' in page
    assert 'href="#cite-1-1"' in page or re.search(
        r'href="#[^"]+" aria-label="Back to citation 1 of reference 1"', page
    )
    assert ProfileSnapshot.objects.get(slug="citer").references[0]["journal"] == "J New Name"
    assert "J New Name" in text(client.get("/compounds/citer.json"))
    _, queries = get(client, "/compounds/noncite/")
    assert queries == 0


def test_saving_a_cited_source_in_the_admin_updates_the_live_page(admin_client, client):
    source = SourceFactory(title="The old title")
    published("Admincite", body=f"Shown [@{source.key}].")
    assert "The old title" in text(client.get("/compounds/admincite/"))
    form = admin_client.get(f"/admin/evidence/source/{source.pk}/change/").context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data["title"] = "The corrected title"
    response = admin_client.post(f"/admin/evidence/source/{source.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    assert "The corrected title" in text(client.get("/compounds/admincite/"))


def test_a_category_change_reaches_its_page_the_listings_and_the_chips(client):
    category = CategoryFactory(name="Calming", slug="calming")
    published("Chipped", category=category)
    published("Unfiled")
    for url in ("/categories/calming/", "/compounds/", "/compounds/chipped/", "/compounds/unfiled/"):
        client.get(url)

    category.name = "Anxiolytic"
    category.save()
    category_update(category=category, old_slug="calming")

    assert "Anxiolytic" in text(client.get("/categories/calming/"))
    assert 'class="chip" href="/categories/calming/">Anxiolytic</a>' in text(client.get("/compounds/chipped/"))
    assert "Anxiolytic" in text(client.get("/compounds/"))
    _, queries = get(client, "/compounds/unfiled/")
    assert queries == 0


def test_an_admin_category_rename_reaches_the_pages(admin_client, client):
    category = CategoryFactory(name="Focus", slug="focus")
    published("Focused", category=category)
    client.get("/compounds/focused/")
    response = admin_client.post(
        f"/admin/compounds/category/{category.pk}/change/",
        {"name": "Attention", "slug": "attention", "description": "", "position": 0},
    )
    assert response.status_code == 302
    page = text(client.get("/compounds/focused/"))
    assert 'href="/categories/attention/">Attention</a>' in page
    assert client.get("/categories/focus/").status_code == 404


def test_a_change_committed_while_a_page_renders_is_never_served_from_the_cache(client, monkeypatch):
    """The tokens are read before the view: a page rendered from the old data is stored under the old token."""
    racer = published("Racer", summary="Old summary.")
    original = page_cache._tokens

    def tokens_then_publish(cache, scopes):
        found = original(cache, scopes)
        monkeypatch.setattr(page_cache, "_tokens", original)
        racer.summary = "New summary."
        racer.save()
        publish_acknowledging(compound=racer)
        return found

    monkeypatch.setattr(page_cache, "_tokens", tokens_then_publish)
    client.get("/compounds/racer/")
    assert "New summary." in text(client.get("/compounds/racer/"))


def test_processes_with_local_memory_caches_drop_their_pages_when_another_invalidates(client, settings, tmp_path):
    settings.MONOGRAPH_PAGE_CACHE_STAMP = str(tmp_path / "page-cache.stamp")
    local = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "stamp-test"}
    settings.CACHES = {"default": local, "pages": local}  # as without REDIS_URL, whatever this run uses
    published("Shared")
    client.get("/compounds/shared/")
    _, queries = get(client, "/compounds/shared/")
    assert queries == 0
    # Another process published: it appended to the stamp file; this process's tokens know nothing of it.
    with open(tmp_path / "page-cache.stamp", "a") as stamp:
        stamp.write(".")
    _, queries = get(client, "/compounds/shared/")
    assert queries == 1
    _, queries = get(client, "/compounds/shared/")
    assert queries == 0, "stored again, and served from the cache"


# --- Conditional requests ---------------------------------------------------------------------------------


def test_an_unchanged_profile_answers_304_to_its_etag_and_date_from_the_view_and_from_the_cache(client, settings):
    settings.MONOGRAPH_PAGE_CACHE = False
    published("Condit")
    first = client.get("/compounds/condit/")
    etag, modified = first["ETag"], first["Last-Modified"]
    assert client.get("/compounds/condit/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get("/compounds/condit/", HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    settings.MONOGRAPH_PAGE_CACHE = True
    client.get("/compounds/condit/")
    cached, queries = get(client, "/compounds/condit/", if_none_match=etag)
    assert cached.status_code == 304 and queries == 0 and cached.content == b""
    assert cached["ETag"] == etag


def test_a_changed_profile_answers_200_with_a_new_etag(client):
    changer = published("Changer", summary="One.")
    etag = client.get("/compounds/changer/")["ETag"]
    changer.summary = "Two."
    changer.save()
    publish_acknowledging(compound=changer)
    response = client.get("/compounds/changer/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200 and response["ETag"] != etag
    old_date = format_datetime(ProfileSnapshot.objects.get(slug="changer", version=1).published_at, usegmt=True)
    assert client.get("/compounds/changer/", HTTP_IF_MODIFIED_SINCE=old_date).status_code in (200, 304)


def test_listings_answer_304_to_their_etag(client, cachet):
    for url in ("/compounds/", "/compounds/?q=cachet", "/categories/cached/", "/compounds.json", "/feeds/updates/"):
        etag = client.get(url)["ETag"]
        assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304, url


# --- Never cached -------------------------------------------------------------------------------------------


def test_previews_of_drafts_are_never_cached(client, cachet, staff_user, superuser):
    client.force_login(superuser)
    first = client.get("/compounds/cachet/preview/")
    assert first.status_code == 200 and "no-cache" in first["Cache-Control"] and "public" not in first["Cache-Control"]
    cachet.summary = "A draft-only summary."
    cachet.save()
    assert "A draft-only summary." in text(client.get("/compounds/cachet/preview/"))
    assert "A draft-only summary." not in text(client.get("/compounds/cachet/")), "the draft never reaches readers"
    anonymous = Client().get("/compounds/cachet/preview/")
    assert anonymous.status_code == 302, "a preview one user saw is not served to another"


def test_admin_pages_are_never_cached(admin_client):
    for url in ("/admin/", "/admin/compounds/compound/"):
        response = admin_client.get(url)
        assert response.status_code == 200
        assert "no-cache" in response["Cache-Control"] and "public" not in response["Cache-Control"]
        assert Client().get(url).status_code == 302


def test_a_404_is_not_stored(client):
    assert client.get("/compounds/later/").status_code == 404
    published("Later")
    assert client.get("/compounds/later/").status_code == 200


def test_switched_off_the_cache_stores_nothing(client, settings, cachet):
    settings.MONOGRAPH_PAGE_CACHE = False
    client.get("/compounds/cachet/")
    _, queries = get(client, "/compounds/cachet/")
    assert queries == 1
