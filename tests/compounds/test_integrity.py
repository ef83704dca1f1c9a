"""Citation integrity: every problem kind is detected; check_citations exits non-zero; publishing refuses."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection

from compounds.integrity import build_report
from compounds.models import ComparisonRow, ComparisonTable, Interaction, Section, Specification
from compounds.services import compound_publish, compound_revision
from evidence.models import Source, Verification
from tests.factories import CompoundFactory, DosingProtocolFactory, SectionFactory, SourceFactory

pytestmark = pytest.mark.django_db


def kinds(report):
    return {(problem.kind, problem.subject) for problem in report.problems}


def cited(compound, *sources):
    with compound_revision(compound=compound, edit_summary="cite"):
        for source in sources:
            SectionFactory(compound=compound, body=f"Claim [@{source.key}].")


def test_clean_data_reports_nothing():
    cited(CompoundFactory(), SourceFactory())
    assert build_report().ok


def test_unresolved_keys_are_reported():
    compound = CompoundFactory(name="Leaky")
    Section.objects.create(compound=compound, title="T", anchor="t", body="See [@ghost2001].")
    report = build_report()
    assert ("unresolved_key", "Leaky") in kinds(report)
    assert "@ghost2001" in report.problems[0].detail


def test_unresolved_keys_are_found_in_every_part_that_holds_markdown():
    compound = CompoundFactory(name="Leaky")
    # Written without forms, as a raw import could: the report must still find them.
    Specification.objects.create(compound=compound, label="Half-life", value="Short [@ghost-spec].")
    Interaction.objects.create(compound=compound, substance="Ethanol", effect="Unknown [@ghost-interaction].")
    table = ComparisonTable.objects.create(compound=compound, title="T", anchor="t", subject_label="A", other_label="B")
    ComparisonRow.objects.create(table=table, label="Row", subject_value="Cell [@ghost-cell].")
    [problem] = [p for p in build_report().problems if p.kind == "unresolved_key"]
    assert problem.detail == "Cites @ghost-cell, @ghost-interaction, @ghost-spec"


def test_sources_cited_nowhere_are_reported_unless_linked_as_an_original():
    lonely = SourceFactory(key="lonely")
    original = SourceFactory(key="original-ru")
    translation = SourceFactory(key="translation-en", translation_of=original)
    cited(CompoundFactory(), translation)
    uncited = [problem for problem in build_report().problems if problem.kind == "uncited"]
    assert [(problem.subject, problem.detail) for problem in uncited] == [
        ("lonely", "Not cited by any profile and has no findings.")
    ]
    assert uncited[0].url == lonely.get_admin_url()


def test_duplicates_by_title_and_year_are_reported():
    SourceFactory(key="one", title="Selank and GABA: a study.", year=2016)
    SourceFactory(key="two", title="SELANK AND GABA — A STUDY", year=2016)
    SourceFactory(key="three", title="Selank and GABA: a study.", year=2017)
    duplicates = [p for p in build_report().problems if p.kind == "duplicate"]
    assert len(duplicates) == 1 and duplicates[0].subject == "@one, @two"


def test_duplicates_by_doi_are_reported_even_with_pasted_punctuation():
    SourceFactory(key="a", doi="10.1000/xyz")
    # Written before pasted punctuation was stripped: passes the unique constraint, but is the same DOI.
    SourceFactory(key="b", doi="10.1000/other")
    with connection.cursor() as cursor:  # the ORM would strip the full stop
        cursor.execute(f"UPDATE {Source._meta.db_table} SET doi = %s WHERE key = %s", ["10.1000/xyz.", "b"])
    duplicates = [p for p in build_report().problems if p.kind == "duplicate"]
    assert any(p.subject == "@a, @b" and "DOI" in p.detail for p in duplicates)


def test_sources_without_identifiers_are_reported():
    SourceFactory(key="noid", doi="", pmid=None, pmcid="")
    assert ("no_identifier", "noid") in kinds(build_report())


def test_retracted_sources_are_reported_and_block_publishing():
    source = SourceFactory(key="retracted2019", retracted=True, retraction_notice_url="https://example.org/notice")
    compound = CompoundFactory()
    cited(compound, source)
    assert ("retracted", "retracted2019") in kinds(build_report())
    with pytest.raises(ValidationError, match="retracted sources: @retracted2019"):
        compound_publish(compound=compound)


def test_profiles_with_mostly_unverified_sources_are_reported():
    compound = CompoundFactory(name="Shaky")
    cited(compound, *(SourceFactory(verification=Verification.UNVERIFIED) for _ in range(2)), SourceFactory())
    assert ("mostly_unverified", "Shaky") in kinds(build_report())


def test_dose_above_daily_maximum_is_reported():
    compound = CompoundFactory(
        name="Dosed", daily_max_low=Decimal("1"), daily_max_high=Decimal("1"), daily_max_unit="mg"
    )
    DosingProtocolFactory(compound=compound, name="Heavy", amount_high=Decimal("500"), doses_per_day_high=3)
    assert ("dose", "Dosed") in kinds(build_report())


def test_check_citations_command_exits_non_zero_and_lists_problems(capsys):
    SourceFactory(key="noid", doi="", pmid=None, pmcid="")
    with pytest.raises(SystemExit) as exit_info:
        call_command("check_citations")
    assert exit_info.value.code == 1
    output = capsys.readouterr().out
    assert "Sources without any identifier (1)" in output and "noid" in output


def test_check_citations_exits_zero_when_clean(capsys):
    call_command("check_citations")
    assert "No citation problems found." in capsys.readouterr().out
