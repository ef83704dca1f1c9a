"""Reference downloads (RIS, BibTeX, CSL-JSON) of the published version."""

import json

import pytest

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
