"""Reference downloads (RIS, BibTeX, CSL-JSON) of the published version."""

import json

import pytest
from django.test import override_settings

from compounds.disclaimer import REQUIRED_DISCLAIMER
from compounds.exports import FORMATS
from compounds.services import compound_publish
from tests.factories import CompoundFactory, SectionFactory, SourceFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_data")]


def test_ris_export(client, demo):
    response = client.get("/compounds/selank/references.ris")
    text = response.content.decode()
    assert response["Content-Type"].startswith("application/x-research-info-systems")
    assert "attachment" in response["Content-Disposition"]
    assert text.count("TY  - ") == 13 and text.count("ER  - ") == 13
    assert "DO  - 10.1155/2017/5091027" in text and "AN  - PMID:28280289" in text


def test_bibtex_export(client, demo):
    text = client.get("/compounds/selank/references.bib").content.decode()
    assert text.count("@article{") == 12 and "@misc{ru-moh-registration," in text
    assert "doi = {10.1155/2017/5091027}" in text and "pages = {153--160}" in text


def test_csl_json_export(client, demo):
    items = json.loads(client.get("/compounds/selank/references.json").content)
    assert len(items) == 13
    kasian = next(item for item in items if item["id"] == "kasian2017")
    assert kasian["DOI"] == "10.1155/2017/5091027" and kasian["issued"] == {"date-parts": [[2017]]}
    assert kasian["author"][0] == {"family": "Kasian", "given": "A"}


def test_export_of_unpublished_or_unknown_is_404(client, demo):
    assert client.get("/compounds/n-acetyl-selank/references.ris").status_code == 404
    assert client.get("/compounds/selank/references.xml").status_code == 404


def test_page_links_to_the_exports(client, demo):
    html = client.get("/compounds/selank/").content.decode()
    for fmt in ("ris", "bib", "json"):
        assert f'href="/compounds/selank/references.{fmt}"' in html


# --- The disclaimer, in each format's own note or comment ----------------------------------------


def test_every_ris_record_carries_the_disclaimer(client, demo):
    text = client.get("/compounds/selank/references.ris").content.decode()
    records = [record for record in text.split("ER  - ") if record.strip()]
    assert len(records) == 13
    for record in records:
        assert f"N1  - {REQUIRED_DISCLAIMER}\r\n" in record


def test_bibtex_opens_with_the_disclaimer_as_a_comment(client, demo):
    text = client.get("/compounds/selank/references.bib").content.decode()
    assert text.startswith(f"@comment{{{REQUIRED_DISCLAIMER}}}\n\n@")


def test_csl_json_is_a_list_of_items_each_noting_the_disclaimer(client, demo):
    items = json.loads(client.get("/compounds/selank/references.json").content)
    assert isinstance(items, list) and len(items) == 13
    for item in items:
        assert item["id"] and item["type"]
        assert item["note"].startswith("Verification: ") and item["note"].endswith(REQUIRED_DISCLAIMER)


def test_a_multi_line_disclaimer_setting_does_not_break_ris_or_bibtex_lines(client, demo):
    appended = f"{REQUIRED_DISCLAIMER}\n  Not for human consumption."
    with override_settings(MONOGRAPH_DISCLAIMER=appended):
        ris = client.get("/compounds/selank/references.ris").content.decode()
        bibtex = client.get("/compounds/selank/references.bib").content.decode()
    one_line = f"{REQUIRED_DISCLAIMER} Not for human consumption."
    assert ris.count(f"N1  - {one_line}\r\n") == 13
    assert all(line == "" or line[:6].endswith("  - ") for line in ris.split("\r\n")), "a line lost its RIS tag"
    assert bibtex.startswith(f"@comment{{{one_line}}}\n")


# --- Built from the published version, never the draft -------------------------------------------


def test_downloads_stay_as_published_while_the_draft_and_its_sources_change(client):
    # A profile of its own: the demo's sources carry publishing warnings that are beside the point here.
    compound = CompoundFactory(slug="testan")
    cited = SourceFactory(key="cited2020", title="The title as published")
    SectionFactory(compound=compound, body=f"A claim [@{cited.key}].")
    compound_publish(compound=compound)
    urls = [f"/compounds/testan/references.{fmt}" for fmt in FORMATS]
    published = {url: client.get(url).content for url in urls}
    assert all(b"The title as published" in content for content in published.values())

    cited.title = "A title changed after publishing"
    cited.save()
    added = SourceFactory(key="addedafter2024", title="A source cited only in the draft")
    SectionFactory(compound=compound, body=f"A new claim [@{added.key}].")
    for url in urls:
        assert client.get(url).content == published[url], url

    # The same edits published do change every download: the check above would have seen a draft-built file.
    compound_publish(compound=compound)
    for url in urls:
        text = client.get(url).content.decode()
        assert "A title changed after publishing" in text and "A source cited only in the draft" in text, url


@pytest.mark.parametrize("fmt", ["ris", "bib", "json"])
def test_a_profile_citing_nothing_offers_no_download_and_the_address_is_a_404_with_the_disclaimer(client, fmt):
    compound_publish(compound=CompoundFactory(slug="uncited"))
    page = client.get("/compounds/uncited/").content.decode()
    assert "Download the references" not in page
    response = client.get(f"/compounds/uncited/references.{fmt}")
    assert response.status_code == 404 and REQUIRED_DISCLAIMER in response.content.decode()
