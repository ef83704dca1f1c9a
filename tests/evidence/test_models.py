import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from evidence.identifiers import normalize_doi, normalize_pmcid, normalize_pmid
from evidence.models import Direction, Finding, Outcome, Population, Source, StudyDesign
from tests.factories import CompoundFactory, SourceFactory

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


# --- A finding that differs from its source -----------------------------------------------------------------


@pytest.fixture
def animal_source():
    return SourceFactory(population=Population.ANIMAL, study_design=StudyDesign.ANIMAL)


@pytest.fixture
def finding_of(animal_source):
    compound, outcome = CompoundFactory(), Outcome.objects.create(name="Anxiety", slug="anxiety")

    def build(**fields):
        return Finding(compound=compound, outcome=outcome, source=animal_source, claim="Less anxious.", **fields)

    return build


FindingForm = forms.modelform_factory(
    Finding,
    fields=["compound", "outcome", "source", "direction", "population", "study_design", "deviation_reason", "claim"],
)


def finding_form(finding, **changes):
    data = {
        "compound": finding.compound_id,
        "outcome": finding.outcome_id,
        "source": finding.source_id,
        "direction": Direction.BENEFIT,
        "claim": finding.claim,
        **changes,
    }
    return FindingForm(data=data)


def test_a_population_differing_from_the_source_needs_a_reason_on_the_reason_field(finding_of):
    form = finding_form(finding_of(), population=Population.HUMAN)
    assert not form.is_valid()
    assert form.errors == {"deviation_reason": ["Population is Human but the source says Animal: give the reason."]}


def test_each_differing_field_is_named_with_what_the_source_says(finding_of):
    finding = finding_of(population=Population.HUMAN, study_design=StudyDesign.RCT)
    with pytest.raises(ValidationError) as error:
        finding.full_clean()
    assert error.value.message_dict == {
        "deviation_reason": [
            "Population is Human but the source says Animal: give the reason.",
            "Study design is Randomised controlled trial but the source says Animal study (in vivo): give the reason.",
        ]
    }


def test_a_differing_value_with_a_reason_is_kept(finding_of):
    form = finding_form(
        finding_of(), population=Population.HUMAN, deviation_reason="The paper's second experiment was in volunteers."
    )
    assert form.is_valid(), form.errors
    finding = form.save()
    finding.refresh_from_db()
    assert (finding.population, finding.effective_population) == (Population.HUMAN, Population.HUMAN)


def test_a_value_equal_to_the_sources_is_stored_blank_and_needs_no_reason(finding_of):
    form = finding_form(finding_of(), population=Population.ANIMAL, study_design=StudyDesign.ANIMAL)
    assert form.is_valid(), form.errors
    finding = form.save()
    finding.refresh_from_db()
    assert (finding.population, finding.study_design) == ("", "")


def test_saving_stores_a_value_equal_to_the_sources_blank(finding_of):
    finding = finding_of(population=Population.ANIMAL, study_design=StudyDesign.RCT, deviation_reason="Randomised.")
    finding.save()
    finding.refresh_from_db()
    assert (finding.population, finding.study_design) == ("", StudyDesign.RCT)


def test_the_database_refuses_a_differing_value_without_a_reason(finding_of):
    with pytest.raises(IntegrityError, match="finding_deviation_needs_reason"), transaction.atomic():
        finding_of(study_design=StudyDesign.RCT).save()


def test_the_constraint_says_what_is_missing(finding_of):
    finding = finding_of(population=Population.HUMAN)
    with pytest.raises(ValidationError) as error:
        finding.validate_constraints()
    assert error.value.messages == [
        "A population or study design that differs from the source's needs a written reason."
    ]
