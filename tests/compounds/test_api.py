"""Published profiles as JSON: /compounds/<slug>.json and the paginated /compounds.json. Live versions only, read-only,
the disclaimer as a field, and a fixed number of queries."""

import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone

from compounds.disclaimer import REQUIRED_DISCLAIMER
from compounds.models import Compound, ProfileSnapshot, Status
from compounds.services import compound_unpublish
from tests.factories import CompoundFactory, SectionFactory
from tests.workflow import publish_acknowledging

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_data")]

SITE = "https://monograph.example"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.MONOGRAPH_SITE_URL = SITE


def get_json(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, url
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(response.content.decode())


def test_a_profile_as_json_is_its_live_version_with_everything_readers_see(client, demo):
    response = client.get("/compounds/selank.json")
    # Written as UTF-8 rather than \u escapes: the Cyrillic synonym reads as it is.
    assert "Селанк" in response.content.decode()
    profile = json.loads(response.content.decode())
    live = demo.live_snapshot
    assert profile["disclaimer"] == REQUIRED_DISCLAIMER
    assert (profile["name"], profile["slug"], profile["version"]) == ("Selank", "selank", live.version)
    assert profile["url"] == f"{SITE}/compounds/selank/" and profile["json_url"] == f"{SITE}/compounds/selank.json"
    assert profile["published_at"] == live.published_at.isoformat().replace("+00:00", "Z")
    assert profile["edit_summary"] == "First published version" and profile["last_reviewed_by"] is None
    assert profile["descriptor"] == "Russian Anxiolytic Peptide"
    assert profile["synonyms"] == ["Селанк", "Tuftsin-PGP", "TKPRPGP"]
    assert profile["categories"][0] == {
        "name": "Mood & Stress",
        "slug": "mood-stress",
        "url": f"{SITE}/categories/mood-stress/",
    }
    assert profile["evidence"]["level"] == "3-4" and profile["risk"]["value"] == "low"
    assert [status["label"] for status in profile["regulatory"]] == ["Approved in Russia (2009)", "Not FDA approved"]

    data = profile["data"]
    assert data == live.data and "data_note" not in profile
    assert [section["title"] for section in data["sections"]][:1] == [demo.sections.first().title]
    assert all(section["html"].startswith("<") for section in data["sections"])
    assert data["fields"]["daily_max_high"] == "2.000" and data["fields"]["vendor_count_reported"] == 3
    assert {offer["vendor"] for offer in data["parts"]["vendor_offers"]} >= {"Placeholder Peptides Co. (fictional)"}
    assert profile["evidence_summary"] == data["evidence"]
    assert "Anxiety" in [outcome["outcome"] for outcome in profile["evidence_summary"]]

    references = {reference["key"]: reference for reference in profile["references"]}
    assert len(references) == 13
    kasian = references["kasian2017"]
    assert (kasian["doi"], kasian["pmid"], kasian["pmcid"]) == ("10.1155/2017/5091027", 28280289, "PMC5322660")
    assert {reference["verification"] for reference in profile["references"]} >= {"verified", "unverified"}
    assert profile["links"]["vendors"] == f"{SITE}/compounds/selank/vendors/"
    assert profile["links"]["references"]["ris"] == f"{SITE}/compounds/selank/references.ris"


def test_a_drafts_changes_are_not_in_the_json_until_published(client, demo):
    Compound.objects.filter(pk=demo.pk).update(summary="A draft summary nobody has reviewed.")
    demo.sections.filter(pk=demo.sections.first().pk).update(body="Draft-only prose about Selank.")
    demo.vendor_offers.filter(vendor__startswith="Sample Research").update(price=Decimal("11.00"))
    before = client.get("/compounds/selank.json").content.decode()
    index = client.get("/compounds.json").content.decode()
    for draft_text in ["A draft summary nobody has reviewed.", "Draft-only prose", '"11.00"']:
        assert draft_text not in before and draft_text not in index

    publish_acknowledging(compound=Compound.objects.get(pk=demo.pk), edit_summary="Reviewed draft")
    after = get_json(client, "/compounds/selank.json")
    assert after["version"] == 2 and after["edit_summary"] == "Reviewed draft"
    assert after["summary"] == "A draft summary nobody has reviewed."
    assert "Draft-only prose about Selank." in after["data"]["sections"][0]["html"]
    prices = {offer["vendor"]: offer["price"] for offer in after["data"]["parts"]["vendor_offers"]}
    assert prices["Sample Research Chemicals (fictional)"] == "11.00"
    listed = {item["slug"]: item for item in get_json(client, "/compounds.json")["results"]}
    assert listed["selank"]["summary"] == "A draft summary nobody has reviewed." and listed["selank"]["version"] == 2


def test_unpublished_and_draft_profiles_are_404_in_json_too(client, demo):
    CompoundFactory(slug="only-a-draft", status=Status.DRAFT)
    missing = get_json(client, "/compounds/only-a-draft.json", status=404)
    assert missing["error"]["status"] == 404 and "No published profile" in missing["error"]["message"]
    assert missing["disclaimer"] == REQUIRED_DISCLAIMER
    assert "only-a-draft" not in [item["slug"] for item in get_json(client, "/compounds.json")["results"]]

    compound_unpublish(compound=demo)
    get_json(client, "/compounds/selank.json", status=404)
    assert "selank" not in [item["slug"] for item in get_json(client, "/compounds.json")["results"]]


def test_a_version_published_before_data_was_stored_says_so(client, demo):
    ProfileSnapshot.objects.filter(pk=demo.live_snapshot_id).update(data={})
    profile = get_json(client, "/compounds/selank.json")
    assert profile["data"] is None and profile["evidence_summary"] is None
    assert "published before Monograph stored profiles' structured data" in profile["data_note"]
    assert profile["name"] == "Selank" and len(profile["references"]) == 13


def test_the_disclaimer_field_is_the_sites_whole_text(client):
    appended = f"{REQUIRED_DISCLAIMER} Keep out of reach of children."
    with override_settings(MONOGRAPH_DISCLAIMER=appended):
        assert get_json(client, "/compounds/selank.json")["disclaimer"] == appended
        assert get_json(client, "/compounds.json")["disclaimer"] == appended
        assert get_json(client, "/compounds.json?page=9", status=404)["disclaimer"] == appended


@pytest.fixture
def many_published():
    """Five more published profiles (seven with the demo's two), each with a section."""
    for n in range(5):
        compound = CompoundFactory(name=f"Listan {n}", slug=f"listan-{n}")
        SectionFactory(compound=compound, title="Mechanism", anchor="mechanism")
        snapshot = publish_acknowledging(compound=compound)
        # Versions are stamped to the second: several published in one second need times apart to have an order.
        ProfileSnapshot.objects.filter(pk=snapshot.pk).update(published_at=timezone.now() + timedelta(minutes=n))


def test_the_index_is_paginated_with_absolute_links(client, many_published, settings):
    settings.MONOGRAPH_PAGE_SIZE = 3
    first = get_json(client, "/compounds.json")
    assert (first["count"], first["page"], first["pages"], first["page_size"]) == (7, 1, 3, 3)
    assert first["previous"] is None and first["next"] == f"{SITE}/compounds.json?page=2"
    second = get_json(client, first["next"].removeprefix(SITE))
    assert second["previous"] == f"{SITE}/compounds.json?page=1" and second["next"] == f"{SITE}/compounds.json?page=3"
    last = get_json(client, "/compounds.json?page=3")
    assert last["next"] is None and len(last["results"]) == 1
    results = [item for page in (first, second, last) for item in page["results"]]
    slugs = [item["slug"] for item in results]
    assert sorted(slugs) == sorted(["selank", "semax", *(f"listan-{n}" for n in range(5))])

    # Newest update first, each entry enough to list it and fetch the rest.
    newest = first["results"][0]
    assert newest["slug"] == "listan-4"
    assert set(newest) == {
        "name",
        "slug",
        "summary",
        "url",
        "json_url",
        "version",
        "published_at",
        "categories",
        "evidence",
    }
    assert newest["json_url"] == f"{SITE}/compounds/listan-4.json" and newest["version"] == 1
    selank = next(item for item in results if item["slug"] == "selank")
    assert [category["slug"] for category in selank["categories"]] == ["mood-stress", "cognitive"]
    assert selank["evidence"]["level"] == "3-4"


@pytest.mark.parametrize("page", ["0", "4", "-1", "two", "1.5"])
def test_a_page_that_does_not_exist_is_a_json_404_that_says_which_pages_do(client, many_published, settings, page):
    settings.MONOGRAPH_PAGE_SIZE = 3
    answer = get_json(client, f"/compounds.json?page={page}", status=404)
    assert answer["error"]["message"] == f"There is no page {page}: pages run from 1 to 3."


def test_an_empty_site_has_an_empty_first_page(client, demo):
    for compound in Compound.objects.published():
        compound_unpublish(compound=compound)
    empty = get_json(client, "/compounds.json")
    assert (empty["count"], empty["pages"], empty["results"], empty["next"]) == (0, 1, [], None)


def test_without_a_configured_address_links_use_the_requests_host(client, settings):
    settings.MONOGRAPH_SITE_URL = ""
    assert get_json(client, "/compounds/selank.json")["url"] == "http://testserver/compounds/selank/"


def test_json_is_read_only(client):
    for method in ("post", "put", "patch", "delete"):
        response = getattr(client, method)("/compounds/selank.json")
        assert response.status_code == 405 and response["Allow"] == "GET, HEAD", method
        assert json.loads(response.content)["error"]["status"] == 405
    assert client.post("/compounds.json").status_code == 405
    head = client.head("/compounds/selank.json")
    assert head.status_code == 200 and head["Content-Type"] == "application/json; charset=utf-8"


def test_any_site_may_read_it_but_search_engines_index_the_page(client):
    response = client.get("/compounds/selank.json")
    assert response["Access-Control-Allow-Origin"] == "*" and response["X-Robots-Tag"] == "noindex"


def test_the_profile_page_points_to_its_json(client, demo):
    html = client.get("/compounds/selank/").content.decode()
    head = html.split("</head>", 1)[0]
    assert re.search(
        r'<link rel="alternate" type="application/json" title="Also available as JSON" href="/compounds/selank.json">',
        head,
    )
    # An older version's permalink is not what the JSON describes, so it does not point there.
    Compound.objects.filter(pk=demo.pk).update(summary="Second version.")
    publish_acknowledging(compound=Compound.objects.get(pk=demo.pk))
    old = client.get("/compounds/selank/v/1/").content.decode()
    assert 'type="application/json"' not in old.split("</head>", 1)[0]


def test_the_profile_json_is_one_query(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        assert client.get("/compounds/selank.json").status_code == 200


def test_the_index_costs_the_same_queries_however_full_the_page(client, django_assert_num_queries, settings):
    settings.MONOGRAPH_PAGE_SIZE = 20
    with django_assert_num_queries(2):  # the count, then the page
        assert len(get_json(client, "/compounds.json")["results"]) == 2
    for n in range(8):
        compound = CompoundFactory(name=f"Fillan {n}", slug=f"fillan-{n}")
        compound.categories.add(*Compound.objects.get(slug="selank").categories.all())
        publish_acknowledging(compound=compound)
    with django_assert_num_queries(2):
        results = get_json(client, "/compounds.json")["results"]
    assert len(results) == 10 and all(len(item["categories"]) == 2 for item in results[:8])
