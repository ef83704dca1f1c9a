"""What search engines, link previews and feed readers get: head tags, JSON-LD, sitemap, robots.txt and the feed.

All of it comes from published versions only, carries the disclaimer, and costs the same few queries however many
profiles or versions there are.
"""

import json
import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from compounds.disclaimer import REQUIRED_DISCLAIMER
from compounds.feeds import FEED_SIZE
from compounds.models import Category, Compound, DosingProtocol, ProfileSnapshot
from compounds.services import compound_unpublish
from compounds.structured_data import profile_structured_data
from tests.factories import CompoundFactory
from tests.workflow import publish_acknowledging

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_data")]

SITE = "https://monograph.example"
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
DRAFT_TEXT = "Draft-only wording that readers must not see yet."


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.MONOGRAPH_SITE_URL = SITE


class Head(HTMLParser):
    """The head tags a crawler reads: canonical link, meta properties and names, JSON-LD blocks as text."""

    def __init__(self, html):
        super().__init__()
        self.meta, self.canonical, self.json_ld, self.robots = {}, [], [], None
        self._in_json_ld = False
        self.feed(html.split("</head>", 1)[0])

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and attrs.get("rel") == "canonical":
            self.canonical.append(attrs["href"])
        elif tag == "meta" and ("property" in attrs or "name" in attrs):
            key = attrs.get("property") or attrs.get("name")
            if key == "robots":
                self.robots = attrs["content"]
            elif key != "viewport":
                self.meta[key] = attrs["content"]
        elif tag == "script" and attrs.get("type") == "application/ld+json":
            self._in_json_ld = True
            self.json_ld.append("")

    def handle_endtag(self, tag):
        self._in_json_ld = False

    def handle_data(self, data):
        if self._in_json_ld:
            self.json_ld[-1] += data


def head(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return Head(response.content.decode())


def structured_data(client, url):
    found = head(client, url).json_ld
    assert len(found) == 1, f"{url} has {len(found)} JSON-LD blocks"
    return json.loads(found[0])


def live(slug):
    return ProfileSnapshot.objects.live().get(slug=slug)


def draft_change(compound, **values):
    """Change a profile's draft without publishing it."""
    for field, value in values.items():
        setattr(compound, field, value)
    compound.save()


def sitemap_entries(client):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    return {url.findtext(f"{SITEMAP}loc"): url.findtext(f"{SITEMAP}lastmod") for url in root.iter(f"{SITEMAP}url")}


def feed(client):
    response = client.get(reverse("compounds:feed"))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/atom+xml")
    return ET.fromstring(response.content)


def entries(root):
    return [
        {
            "title": entry.findtext(f"{ATOM}title"),
            "link": entry.find(f"{ATOM}link").get("href"),
            "updated": entry.findtext(f"{ATOM}updated"),
            "summary": entry.findtext(f"{ATOM}summary"),
            "content": entry.findtext(f"{ATOM}content"),
            "author": entry.findtext(f"{ATOM}author/{ATOM}name"),
        }
        for entry in root.iter(f"{ATOM}entry")
    ]


# --- Head tags -------------------------------------------------------------------------------------


def test_profile_page_has_canonical_opengraph_and_twitter_tags(client, demo):
    snapshot = live("selank")
    tags = head(client, "/compounds/selank/")
    url = f"{SITE}/compounds/selank/"
    assert tags.canonical == [url]
    assert tags.meta == {
        "description": snapshot.header["summary"],
        "og:site_name": "Monograph",
        "og:type": "article",
        "og:title": "Selank",
        "og:description": snapshot.header["summary"],
        "og:url": url,
        "article:modified_time": snapshot.published_at.isoformat(),
        "twitter:card": "summary",
        "twitter:title": "Selank",
        "twitter:description": snapshot.header["summary"],
    }
    assert tags.robots is None


@pytest.mark.parametrize(
    "url, canonical, title, description",
    [
        ("/", "/", "Research compound profiles", "Research-only profiles of peptides"),
        ("/compounds/", "/compounds/", "All compounds", "Research-only profiles of peptides"),
        ("/categories/cognitive/", "/categories/cognitive/", "Cognitive", "Compounds studied for memory"),
        ("/compounds/?category=cognitive", "/categories/cognitive/", "Cognitive", "Compounds studied for memory"),
        ("/compounds/selank/history/", "/compounds/selank/history/", "Selank: change log", "Every published version"),
    ],
)
def test_listing_pages_are_websites_with_their_own_canonical_address(client, url, canonical, title, description):
    tags = head(client, url)
    assert tags.canonical == [SITE + canonical]
    assert tags.meta["og:type"] == "website" and "article:modified_time" not in tags.meta
    assert tags.meta["og:url"] == SITE + canonical
    assert tags.meta["og:title"] == tags.meta["twitter:title"] == title
    assert tags.meta["og:description"] == tags.meta["twitter:description"]
    assert tags.meta["og:description"].startswith(description)
    assert tags.meta["twitter:card"] == "summary" and tags.meta["og:site_name"] == "Monograph"
    assert tags.json_ld == []


def test_every_page_links_the_feed(client):
    html = client.get("/").content.decode()
    feed_link = '<link rel="alternate" type="application/atom+xml" title="Monograph: published updates"'
    assert f'{feed_link} href="/feeds/updates/">' in html


@pytest.mark.parametrize(
    "url, canonical",
    [
        ("/compounds/?page=2", "/compounds/?page=2"),
        ("/compounds/?page=1", "/compounds/"),
        ("/compounds/?page=2&category=cognitive", "/categories/cognitive/?page=2"),
        ("/categories/cognitive/?page=2", "/categories/cognitive/?page=2"),
        ("/compounds/?page=2&sort=name", "/compounds/"),  # a sorted variant of the list: its first page stands for it
        ("/compounds/?q=selank&utm_source=x", "/compounds/"),
        ("/compounds/selank/?utm_source=newsletter", "/compounds/selank/"),
    ],
)
def test_canonical_keeps_only_a_list_page_number(client, settings, url, canonical):
    settings.MONOGRAPH_PAGE_SIZE = 1
    assert head(client, url).canonical == [SITE + canonical]


def test_version_permalinks_canonicalise_to_themselves_and_stay_out_of_the_index(client, demo, reviewer):
    first = live("selank")
    draft_change(demo, summary="A peptide studied for anxiety and stress in two clinical trials.")
    publish_acknowledging(compound=demo, user=reviewer, edit_summary="Summary names the clinical trials")

    old = head(client, "/compounds/selank/v/1/")
    assert old.canonical == [f"{SITE}/compounds/selank/v/1/"] and old.meta["og:url"] == f"{SITE}/compounds/selank/v/1/"
    assert old.robots == "noindex, nofollow"
    assert old.meta["og:type"] == "article" and old.meta["article:modified_time"] == first.published_at.isoformat()
    data = json.loads(old.json_ld[0])
    assert data["url"] == f"{SITE}/compounds/selank/v/1/" and data["version"] == "1"
    assert data["about"]["description"] == first.header["summary"]

    # The current version's permalink is the profile itself.
    current = head(client, "/compounds/selank/v/2/")
    assert current.canonical == [f"{SITE}/compounds/selank/"] and current.robots is None
    assert json.loads(current.json_ld[0])["url"] == f"{SITE}/compounds/selank/"


def test_staff_preview_has_no_structured_data_or_share_tags(client, demo, superuser):
    client.force_login(superuser)
    tags = head(client, reverse("compounds:preview", args=["selank"]))
    assert tags.json_ld == [] and tags.canonical == [] and "og:title" not in tags.meta
    assert tags.robots == "noindex, nofollow"


# --- JSON-LD ---------------------------------------------------------------------------------------


def test_profile_structured_data_describes_the_page_the_compound_and_its_sources(client, demo):
    snapshot = live("selank")
    data = structured_data(client, "/compounds/selank/")
    assert data["@context"] == "https://schema.org" and data["@type"] == "MedicalWebPage"
    assert data["url"] == f"{SITE}/compounds/selank/"
    assert data["name"] == "Selank (Russian Anxiolytic Peptide)"
    assert data["lastReviewed"] == snapshot.published_at.date().isoformat()
    assert data["dateModified"] == snapshot.published_at.isoformat()
    assert data["description"] == f"{snapshot.header['summary']} {REQUIRED_DISCLAIMER}"
    assert data["medicalAudience"] == "https://schema.org/MedicalResearcher"
    assert "reviewedBy" not in data  # the demo was published by nobody named

    drug = data["about"]
    assert drug["@type"] == "Drug" and drug["name"] == "Selank"
    assert drug["alternateName"] == ["Селанк", "Tuftsin-PGP", "TKPRPGP"]
    assert drug["description"] == snapshot.header["summary"]


def test_citations_carry_every_doi_and_pmid_of_the_reference_list(client, demo):
    references = live("selank").references
    citations = structured_data(client, "/compounds/selank/")["citation"]
    assert len(citations) == len(references)

    def ids(kind):
        return {ident["value"] for c in citations for ident in c.get("identifier", []) if ident["propertyID"] == kind}

    assert ids("DOI") == {ref["doi"] for ref in references if ref["doi"]}
    assert ids("PMID") == {str(ref["pmid"]) for ref in references if ref["pmid"]}

    volkova = next(c for c in citations if "10.3389/fphar.2016.00031" in str(c))
    assert volkova["@type"] == "ScholarlyArticle"
    title = "Selank Administration Affects the Expression of Some Genes Involved in GABAergic Neurotransmission"
    assert volkova["name"] == volkova["headline"] == title
    assert volkova["datePublished"] == "2016"
    assert volkova["isPartOf"] == {"@type": "Periodical", "name": "Front Pharmacol"}
    assert {"@type": "Person", "name": "Volkova A"} in volkova["author"]
    assert volkova["sameAs"] == [
        "https://doi.org/10.3389/fphar.2016.00031",
        "https://pubmed.ncbi.nlm.nih.gov/26924987/",
    ]
    # A Russian paper known by its translated title; a registration document is no scholarly article.
    assert citations[0]["name"].startswith("The anxiolytic action of an analog") and citations[0]["inLanguage"] == "ru"
    assert citations[1] == {
        "@type": "CreativeWork",
        "name": "Russian Ministry of Health registration documents",
        "headline": "Russian Ministry of Health registration documents",
        "inLanguage": "ru",
    }


def test_structured_data_names_no_dose(client, demo):
    doses = set(DosingProtocol.objects.filter(compound=demo).values_list("amount_text", flat=True))
    assert "250-500mcg" in doses  # the demo does give doses on the page...
    html = client.get("/compounds/selank/").content.decode()
    assert "250-500mcg" in html
    text = head(client, "/compounds/selank/").json_ld[0]
    # ... but none of them, no amount with a unit, and no dosing property reaches the structured data.
    assert not [dose for dose in doses if dose in text]
    assert not re.search(r"\d\s*(mcg|µg|mg|iu)\b", text, re.IGNORECASE)
    assert not re.search(r'"[a-zA-Z]*(dos|intake|administration|route)[a-zA-Z]*"\s*:', text, re.IGNORECASE)


def test_a_dose_in_the_summary_or_a_source_title_is_left_out_of_the_structured_data(client, demo, reviewer):
    draft_change(demo, summary="A peptide studied for anxiety. Users report 250-500 mcg twice daily.")
    publish_acknowledging(compound=demo, user=reviewer, edit_summary="Summary mentions user reports")
    snapshot = live("selank")
    snapshot.references[3]["title"] = "Selank at 300 µg/kg in rats"
    data = profile_structured_data(snapshot, page_url=f"{SITE}/compounds/selank/", base_url=SITE)
    assert data["about"]["description"] == "A peptide studied for anxiety."
    assert data["description"] == f"A peptide studied for anxiety. {REQUIRED_DISCLAIMER}"
    # The source stays cited by its identifiers; only its dose-naming title goes.
    assert "name" not in data["citation"][3] and data["citation"][3]["sameAs"]
    assert "µg" not in json.dumps(data, ensure_ascii=False) and "mcg" not in json.dumps(data)
    # The page itself still says what the editors wrote.
    assert "Users report 250-500 mcg twice daily." in client.get("/compounds/selank/").content.decode()


def test_reviewer_is_named_when_the_version_was_published_by_a_named_person(client, demo, reviewer):
    draft_change(demo, summary="A peptide studied for anxiety and stress.")
    publish_acknowledging(compound=demo, user=reviewer, edit_summary="Shorter summary")
    data = structured_data(client, "/compounds/selank/")
    assert data["reviewedBy"] == {"@type": "Person", "name": "Rita Tester"}
    assert data["version"] == "2"


def test_a_script_end_tag_in_stored_text_cannot_break_out_of_the_json_ld(client, demo):
    attack = '</script><script>alert("x")</script><!--'
    snapshot = live("selank")
    snapshot.header["summary"] = f"Summary {attack}"
    snapshot.references[0]["title"] = f"Title {attack}"
    snapshot.save(update_fields=["header", "references"])

    html = client.get("/compounds/selank/").content.decode()
    assert '<script>alert("x")' not in html
    start = html.index('<script type="application/ld+json">') + len('<script type="application/ld+json">')
    block = html[start : html.index("</script>", start)]
    assert "<" not in block and ">" not in block
    data = json.loads(block)
    assert data["about"]["description"] == f"Summary {attack}"
    assert data["citation"][0]["name"] == f"Title {attack}"


def test_semax_without_references_cites_nothing(client):
    data = structured_data(client, "/compounds/semax/")
    assert data["about"]["name"] == "Semax" and "citation" not in data and "alternateName" not in data["about"]


# --- Only published data ---------------------------------------------------------------------------


def test_sitemap_feed_and_structured_data_show_no_draft(client, demo):
    draft_change(demo, summary=DRAFT_TEXT, name="Selank Draft Name")
    drafts = Compound.objects.filter(slug__startswith="n-acetyl-selank")
    assert drafts.count() == 2 and not drafts.published().exists()

    sitemap = client.get("/sitemap.xml").content.decode()
    atom = client.get(reverse("compounds:feed")).content.decode()
    json_ld = head(client, "/compounds/selank/").json_ld[0]
    for text in (sitemap, atom, json_ld):
        assert DRAFT_TEXT not in text and "Selank Draft Name" not in text
        assert "n-acetyl-selank" not in text and "N-Acetyl Selank" not in text
    assert "/compounds/selank/" in sitemap and "Selank — version 1" in atom


def test_unpublished_profile_leaves_the_sitemap_and_the_feed(client):
    semax = Compound.objects.get(slug="semax")
    only_semax = Category.objects.create(name="Focus", slug="focus")
    semax.categories.add(only_semax)
    publish_acknowledging(compound=semax, edit_summary="Filed under Focus")
    assert f"{SITE}/categories/focus/" in sitemap_entries(client)
    assert any(entry["title"].startswith("Semax") for entry in entries(feed(client)))

    compound_unpublish(compound=semax)
    locations = sitemap_entries(client)
    assert f"{SITE}/compounds/semax/" not in locations and f"{SITE}/categories/focus/" not in locations
    assert f"{SITE}/compounds/selank/" in locations and f"{SITE}/categories/cognitive/" in locations
    assert not [entry for entry in entries(feed(client)) if "semax" in entry["link"]]
    assert client.get("/compounds/semax/v/1/").status_code == 404


# --- Sitemap ---------------------------------------------------------------------------------------


def test_sitemap_lists_published_profiles_categories_home_and_index_with_lastmod(client, demo, reviewer):
    semax = live("semax")
    draft_change(demo, summary="A peptide studied for anxiety and stress.")
    publish_acknowledging(compound=demo, user=reviewer, edit_summary="Shorter summary")
    selank = live("selank")
    assert selank.published_at >= semax.published_at
    newest = selank.published_at.isoformat()
    assert sitemap_entries(client) == {
        f"{SITE}/": newest,
        f"{SITE}/compounds/": newest,
        f"{SITE}/categories/mood-stress/": newest,
        f"{SITE}/categories/cognitive/": newest,  # Selank's new version is the newest profile in it
        f"{SITE}/compounds/selank/": newest,
        f"{SITE}/compounds/semax/": semax.published_at.isoformat(),
    }


def test_sitemap_leaves_out_categories_without_published_profiles(client):
    Category.objects.create(name="Empty for now", slug="empty-for-now")
    assert not [url for url in sitemap_entries(client) if "empty-for-now" in url]


def test_sitemap_carries_the_disclaimer_in_an_xml_comment(client):
    text = client.get("/sitemap.xml").content.decode()
    comment = re.search(r"<!--(.*?)-->", text, re.DOTALL).group(1)
    assert REQUIRED_DISCLAIMER in comment and "--" not in comment


def test_sitemap_query_count_does_not_grow_with_profiles(client):
    def queries():
        caches["pages"].clear()  # the render's queries, not the page cache's answer
        with CaptureQueriesContext(connection) as context:
            assert client.get("/sitemap.xml").status_code == 200
        return len(context.captured_queries)

    before = queries()
    for _ in range(4):
        publish_acknowledging(compound=CompoundFactory())
    assert len(sitemap_entries(client)) == 6 + 4
    assert queries() == before


# --- robots.txt ------------------------------------------------------------------------------------


def test_robots_txt_allows_readers_pages_and_points_to_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    rules = [line for line in lines if line and not line.startswith("#")]
    assert rules == [
        "User-agent: *",
        "Allow: /",
        "Disallow: /admin/",
        "Disallow: /compounds/*/preview/",
        "Disallow: /markdownx/",
        f"Sitemap: {SITE}/sitemap.xml",
    ]
    assert f"# {REQUIRED_DISCLAIMER}" in lines


# --- Atom feed -------------------------------------------------------------------------------------


def test_feed_lists_published_updates_with_their_edit_summaries(client, demo, reviewer):
    draft_change(demo, summary="A peptide studied for anxiety and stress.")
    publish_acknowledging(compound=demo, user=reviewer, edit_summary="Summary shortened <after review>")
    new = live("selank")

    root = feed(client)
    assert root.findtext(f"{ATOM}title") == "Monograph: published updates"
    assert REQUIRED_DISCLAIMER in root.findtext(f"{ATOM}subtitle")
    assert root.find(f"{ATOM}link[@rel='self']").get("href") == f"{SITE}/feeds/updates/"

    found = entries(root)
    assert [entry["title"] for entry in found] == ["Selank — version 2", "Semax — version 1", "Selank — version 1"]
    latest = found[0]
    assert latest["link"] == f"{SITE}/compounds/selank/v/2/"
    assert latest["updated"] == new.published_at.isoformat()
    assert latest["author"] == "Rita Tester"
    # Summaries are HTML in Atom: the edit summary is escaped so that readers show it as written.
    assert latest["summary"] == "Summary shortened &lt;after review&gt;"
    assert latest["content"].startswith("<p>Summary shortened &lt;after review&gt;</p>")
    assert found[2]["summary"] == "First published version" and found[2]["author"] is None
    for entry in found:
        assert entry["content"].endswith(f"{REQUIRED_DISCLAIMER}</p>")
        assert client.get(entry["link"].removeprefix(SITE)).status_code == 200


def test_feed_leaves_out_minor_versions(client, demo, reviewer):
    draft_change(demo, summary="A peptide studied for anxiety and stress.")
    publish_acknowledging(compound=demo, user=reviewer, edit_summary="Typo")
    ProfileSnapshot.objects.filter(compound=demo, version=2).update(minor=True)
    assert [entry["title"] for entry in entries(feed(client))] == ["Semax — version 1", "Selank — version 1"]


def extra_versions(compound, count):
    """`count` further published versions of a profile, a minute apart after its live one."""
    # Written behind the services' back, so nothing tells the page cache.
    caches["pages"].clear()
    live_version = compound.live_snapshot
    ProfileSnapshot.objects.bulk_create(
        ProfileSnapshot(
            compound=compound,
            version=live_version.version + number,
            name=live_version.name,
            slug=live_version.slug,
            header=live_version.header,
            body_html=live_version.body_html,
            published_at=live_version.published_at + timedelta(minutes=number),
            edit_summary=f"Change number {number}",
        )
        for number in range(1, count + 1)
    )


def test_feed_shows_the_newest_fifty_updates_in_constant_queries(client, demo):
    def queries():
        with CaptureQueriesContext(connection) as context:
            root = feed(client)
        return len(context.captured_queries), entries(root)

    extra_versions(demo, 2)
    few_queries, few = queries()
    assert len(few) == 4

    extra_versions(Compound.objects.get(slug="semax"), 60)
    many_queries, many = queries()
    assert many_queries == few_queries == 1
    assert len(many) == FEED_SIZE
    assert many[0]["title"] == "Semax — version 61" and many[0]["summary"] == "Change number 60"
    assert [entry["updated"] for entry in many] == sorted((entry["updated"] for entry in many), reverse=True)


def test_profile_page_with_structured_data_is_still_one_query(client):
    # The stored page was rendered for another site address (the demo loaded before this module's setting): the
    # first request renders it again and stores it.
    with CaptureQueriesContext(connection) as context:
        assert client.get("/compounds/selank/").status_code == 200
    assert len(context.captured_queries) == 3
    caches["pages"].clear()
    with CaptureQueriesContext(connection) as context:
        assert client.get("/compounds/selank/").status_code == 200
    assert len(context.captured_queries) == 1
