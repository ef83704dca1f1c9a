"""Identifiers as editors paste them (reference lines, resolver links, address bars) are read and stored bare."""

import pytest
from django import forms
from django.core.exceptions import ValidationError

from evidence.identifiers import normalize_doi, normalize_pmcid, normalize_pmid
from evidence.models import Source
from tests.factories import SourceFactory

pytestmark = pytest.mark.django_db

SourceIdentifiersForm = forms.modelform_factory(Source, fields=["key", "title", "doi", "pmid", "pmcid"])


@pytest.mark.parametrize(
    "pasted",
    [
        "40000001",
        " 40000001 ",
        "PMID: 40000001",
        "pmid 40000001",
        "PMID:40000001.",
        "https://pubmed.ncbi.nlm.nih.gov/40000001/",
        "pubmed.ncbi.nlm.nih.gov/40000001",
        "https://www.ncbi.nlm.nih.gov/pubmed/40000001",
        "https://pubmed.ncbi.nlm.nih.gov/40000001/?otool=xyz",
        40000001,
    ],
)
def test_pmid_is_read_from_what_people_paste(pasted):
    assert normalize_pmid(pasted) == 40000001


@pytest.mark.parametrize("empty", [None, "", "  "])
def test_an_empty_pmid_is_none(empty):
    assert normalize_pmid(empty) is None


@pytest.mark.parametrize(
    "bad",
    ["PMID: 4000x001", "https://pubmed.ncbi.nlm.nih.gov/", "0", "PMC7000001", "١٢٣", "https://example.org/40000001"],
)
def test_a_pmid_that_cannot_be_read_is_refused_naming_it(bad):
    with pytest.raises(ValidationError) as error:
        normalize_pmid(bad)
    assert error.value.messages == [
        f"“{bad}” is not a PMID. Give the PubMed number, e.g. 28280289, or paste the PubMed link."
    ]


@pytest.mark.parametrize(
    "pasted",
    [
        "10.1155/2017/5091027",
        "https://doi.org/10.1155/2017/5091027",
        "http://dx.doi.org/10.1155/2017/5091027",
        "https://www.doi.org/10.1155/2017/5091027",
        "doi.org/10.1155/2017/5091027",
        "doi: 10.1155/2017/5091027",
        "DOI:10.1155/2017/5091027",
        "doi 10.1155/2017/5091027",
        "doi: 10.1155/2017/5091027.",  # the end of a reference line
        " HTTPS://DOI.ORG/10.1155/2017/5091027 ",
        "doi: https://doi.org/10.1155/2017/5091027",
    ],
)
def test_doi_is_read_from_what_people_paste(pasted):
    assert normalize_doi(pasted) == "10.1155/2017/5091027"


def test_a_doi_copied_from_the_address_bar_is_decoded():
    pasted = "https://doi.org/10.1002/%28SICI%291097-4636%28199812%2943"
    assert normalize_doi(pasted) == "10.1002/(sici)1097-4636(199812)43"


@pytest.mark.parametrize(
    "pasted",
    [
        "PMC7000001",
        "pmc7000001",
        "7000001",
        "PMCID: PMC7000001",
        "pmcid:PMC7000001.",
        "https://pmc.ncbi.nlm.nih.gov/articles/PMC7000001/",
        "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC7000001/",
        "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC7000001",
    ],
)
def test_pmcid_is_read_from_what_people_paste(pasted):
    assert normalize_pmcid(pasted) == "PMC7000001"


def test_a_model_form_reads_every_pasted_identifier():
    form = SourceIdentifiersForm(
        data={
            "key": "pasted2024",
            "title": "Pasted",
            "doi": "https://doi.org/10.1000/PASTED.",
            "pmid": "PMID: 40000001",
            # Longer than the 20 characters a PMCID is stored in: the limit applies to what is stored.
            "pmcid": "https://pmc.ncbi.nlm.nih.gov/articles/PMC7000001/",
        }
    )
    assert form.is_valid(), form.errors
    source = form.save()
    source.refresh_from_db()
    assert (source.doi, source.pmid, source.pmcid) == ("10.1000/pasted", 40000001, "PMC7000001")


def test_the_identifier_boxes_take_a_whole_pasted_link():
    form = SourceIdentifiersForm()
    # A number input would not take “PMID: …”; a maxlength would cut a pasted link short in the browser.
    assert 'type="text"' in str(form["pmid"])
    assert "maxlength" not in str(form["pmcid"]) and "maxlength" not in str(form["doi"])


def test_a_model_form_names_the_identifier_it_cannot_read_on_its_field():
    form = SourceIdentifiersForm(
        data={"key": "bad2024", "title": "Bad", "doi": "doi: 11.1/x", "pmid": "PMID 12x", "pmcid": "PMC12x"}
    )
    assert not form.is_valid()
    assert form.errors["pmid"] == [
        "“PMID 12x” is not a PMID. Give the PubMed number, e.g. 28280289, or paste the PubMed link."
    ]
    assert form.errors["doi"][0].startswith("“11.1/x” is not a DOI.")
    assert form.errors["pmcid"][0].startswith("“PMC12X” is not a PMCID.")


def test_full_clean_reads_pasted_identifiers_before_checking_they_are_unique():
    SourceFactory(pmid=40000001)
    duplicate = SourceFactory.build(key="again", doi="", pmid="https://pubmed.ncbi.nlm.nih.gov/40000001/")
    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert error.value.message_dict == {"__all__": ["Another source already has this PMID."]}
