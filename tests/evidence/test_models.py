import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from evidence.identifiers import normalize_doi, normalize_pmcid, normalize_pmid
from evidence.models import Source
from tests.factories import SourceFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "raw",
    [
        "10.1155/2017/5091027",
        "https://doi.org/10.1155/2017/5091027",
        "http://dx.doi.org/10.1155/2017/5091027",
        "doi:10.1155/2017/5091027",
        " DOI: 10.1155/2017/5091027 ",
        "https://doi.org/10.1155/2017/5091027".upper(),
    ],
)
def test_doi_is_normalised(raw):
    assert normalize_doi(raw) == "10.1155/2017/5091027"


def test_pmid_and_pmcid_are_normalised():
    assert normalize_pmid("PMID: 28280289") == 28280289
    assert normalize_pmcid(" pmc5322660 ") == "PMC5322660"
    assert normalize_pmcid("5322660") == "PMC5322660"
    with pytest.raises(ValidationError):
        normalize_pmid("28280289x")


def test_doi_stored_normalised_on_save():
    source = SourceFactory(doi="https://doi.org/10.3389/FPHAR.2016.00031")
    source.refresh_from_db()
    assert source.doi == "10.3389/fphar.2016.00031"


@pytest.mark.parametrize(
    "field, first, second",
    [("doi", "10.1000/dup", "https://doi.org/10.1000/DUP"), ("pmid", 111, 111), ("pmcid", "PMC123", "pmc123")],
)
def test_identifiers_are_unique_when_present(field, first, second):
    SourceFactory(**{field: first})
    with pytest.raises(IntegrityError), transaction.atomic():
        SourceFactory(**{field: second})


def test_sources_without_identifiers_may_coexist():
    SourceFactory(doi="", pmid=None, pmcid="")
    SourceFactory(doi="", pmid=None, pmcid="")
    assert Source.objects.filter(doi="", pmid__isnull=True).count() == 2


def test_duplicate_identifier_is_a_form_error_with_a_clear_message():
    SourceFactory(doi="10.1000/taken")
    duplicate = SourceFactory.build(key="other", doi="HTTPS://DOI.ORG/10.1000/TAKEN")
    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert "Another source already has this DOI." in str(error.value)


def test_a_source_needs_some_title():
    with pytest.raises(IntegrityError), transaction.atomic():
        SourceFactory(title="", translated_title="")


def test_invalid_doi_and_pmcid_are_rejected_by_validation():
    source = SourceFactory.build(doi="not a doi", pmcid="XYZ1")
    with pytest.raises(ValidationError) as error:
        source.full_clean()
    assert {"doi", "pmcid"} <= set(error.value.message_dict)


def test_translated_title_is_shown_in_brackets():
    source = SourceFactory.build(title="", translated_title="The anxiolytic action", language="ru")
    assert source.display_title == "[The anxiolytic action]"
