"""Evidence grading per outcome: levels, counts, consistency, flags, overrides."""

import pytest
from django.db import IntegrityError, transaction

from evidence.grading import Flag, evidence_summary
from evidence.models import Direction, Finding, Outcome, OutcomeGrade, Population, StudyDesign
from tests.factories import CompoundFactory, SourceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def compound():
    return CompoundFactory()


@pytest.fixture
def anxiety():
    return Outcome.objects.create(name="Anxiety", slug="anxiety")


def finding(compound, outcome, *, population, design, direction=Direction.BENEFIT, n=None, authors="Doe J", group=""):
    source = SourceFactory(
        population=population, study_design=design, sample_size=n, authors=authors, research_group=group
    )
    return Finding.objects.create(compound=compound, outcome=outcome, source=source, direction=direction, claim="x")


def summary_of(compound):
    findings = Finding.objects.filter(compound=compound).select_related("outcome", "source")
    return evidence_summary(findings, OutcomeGrade.objects.filter(compound=compound))


def test_best_human_level_and_counts(compound, anxiety):
    finding(compound, anxiety, population=Population.HUMAN, design=StudyDesign.RCT, n=80, authors="A X")
    finding(compound, anxiety, population=Population.HUMAN, design=StudyDesign.CASE_SERIES, n=40, authors="B Y")
    finding(compound, anxiety, population=Population.ANIMAL, design=StudyDesign.ANIMAL, authors="C Z")
    finding(compound, anxiety, population=Population.IN_VITRO, design=StudyDesign.IN_VITRO, authors="D W")
    [row] = summary_of(compound)
    assert (row.human_level, row.shown_level, row.scheme) == (2, 2, "OCEBM 2011")
    assert (row.human, row.animal, row.in_vitro, row.human_sample) == (2, 1, 1, 120)
    assert row.flags == []
    assert row.consistency == "Consistent: benefit"


def test_animal_studies_do_not_raise_the_human_level(compound, anxiety):
    finding(compound, anxiety, population=Population.HUMAN, design=StudyDesign.CASE_SERIES, n=500, authors="A X")
    for index in range(5):
        # Even "randomised" animal experiments are preclinical.
        finding(compound, anxiety, population=Population.ANIMAL, design=StudyDesign.RCT, authors=f"Rat{index} R")
    [row] = summary_of(compound)
    assert row.human_level == 4 and row.shown_level == 4 and row.animal == 5


def test_preclinical_only_flag_and_level_five(compound, anxiety):
    finding(compound, anxiety, population=Population.ANIMAL, design=StudyDesign.ANIMAL, authors="A X")
    finding(compound, anxiety, population=Population.IN_VITRO, design=StudyDesign.IN_VITRO, authors="B Y")
    [row] = summary_of(compound)
    assert row.human_level is None and row.shown_level == 5
    assert Flag.PRECLINICAL_ONLY in row.flags and Flag.SMALL_HUMAN_SAMPLE not in row.flags


def test_single_study_flag(compound, anxiety):
    finding(compound, anxiety, population=Population.HUMAN, design=StudyDesign.RCT, n=400)
    [row] = summary_of(compound)
    assert Flag.SINGLE_STUDY in row.flags


def test_small_total_human_sample_flag(compound, anxiety):
    finding(compound, anxiety, population=Population.HUMAN, design=StudyDesign.RCT, n=30, authors="A X")
    finding(compound, anxiety, population=Population.HUMAN, design=StudyDesign.RCT, n=40, authors="B Y")
    [row] = summary_of(compound)
    assert Flag.SMALL_HUMAN_SAMPLE in row.flags and row.human_sample == 70


def test_unknown_human_sample_counts_as_small(compound, anxiety):
    finding(compound, anxiety, population=Population.HUMAN, design=StudyDesign.RCT, n=None, authors="A X")
    finding(compound, anxiety, population=Population.HUMAN, design=StudyDesign.RCT, n=None, authors="B Y")
    [row] = summary_of(compound)
    assert Flag.SMALL_HUMAN_SAMPLE in row.flags


def test_one_research_group_by_shared_author(compound, anxiety):
    finding(compound, anxiety, population=Population.ANIMAL, design=StudyDesign.ANIMAL, authors="Shadrina M, Kasian A")
    finding(compound, anxiety, population=Population.ANIMAL, design=StudyDesign.ANIMAL, authors="Volkova A, Shadrina M")
    [row] = summary_of(compound)
    assert Flag.ONE_GROUP in row.flags


def test_one_research_group_by_named_group(compound, anxiety):
    for authors in ("A X", "B Y"):
        finding(
            compound, anxiety, population=Population.ANIMAL, design=StudyDesign.ANIMAL, authors=authors, group="Lab Z"
        )
    [row] = summary_of(compound)
    assert Flag.ONE_GROUP in row.flags


def test_independent_groups_are_not_flagged(compound, anxiety):
    finding(
        compound, anxiety, population=Population.ANIMAL, design=StudyDesign.ANIMAL, authors="A X, B Y", group="Lab 1"
    )
    finding(
        compound, anxiety, population=Population.ANIMAL, design=StudyDesign.ANIMAL, authors="C Z, D W", group="Lab 2"
    )
    [row] = summary_of(compound)
    assert Flag.ONE_GROUP not in row.flags


def test_inconsistent_directions(compound, anxiety):
    finding(compound, anxiety, population=Population.ANIMAL, design=StudyDesign.ANIMAL, authors="A X")
    finding(
        compound,
        anxiety,
        population=Population.ANIMAL,
        design=StudyDesign.ANIMAL,
        direction=Direction.NO_EFFECT,
        authors="B Y",
    )
    [row] = summary_of(compound)
    assert row.consistency == "Inconsistent (1 benefit, 1 no effect)"


def test_override_replaces_the_shown_level_and_keeps_reason_and_computed(compound, anxiety, staff_user):
    finding(compound, anxiety, population=Population.ANIMAL, design=StudyDesign.ANIMAL)
    OutcomeGrade.objects.create(
        compound=compound, outcome=anxiety, level=4, reason="A case series is in press.", set_by=staff_user
    )
    [row] = summary_of(compound)
    assert row.shown_level == 4 and row.human_level is None
    assert any("Reason: A case series is in press." in line for line in row.explanation)


def test_override_needs_a_written_reason(compound, anxiety):
    with pytest.raises(IntegrityError), transaction.atomic():
        OutcomeGrade.objects.create(compound=compound, outcome=anxiety, level=2, reason="")


def test_a_finding_set_differently_from_its_source_counts_as_set_and_says_why(compound, anxiety):
    source = SourceFactory(
        population=Population.ANIMAL, study_design=StudyDesign.ANIMAL, authors="Kasian A, Kolomin T", year=2017
    )
    Finding.objects.create(
        compound=compound,
        outcome=anxiety,
        source=source,
        claim="x",
        population=Population.HUMAN,
        study_design=StudyDesign.RCT,
        deviation_reason="The paper's second experiment randomised 62 patients.",
    )
    [row] = summary_of(compound)
    assert row.human_level == 2
    assert (
        "Kasian et al. 2017: counted as human, randomised controlled trial although the source is recorded as "
        "animal, animal study (in vivo): The paper's second experiment randomised 62 patients."
    ) in row.explanation


def test_only_the_fields_that_differ_are_explained(compound, anxiety):
    source = SourceFactory(
        population=Population.HUMAN, study_design=StudyDesign.CASE_SERIES, authors="Doe J", year=2020
    )
    Finding.objects.create(
        compound=compound,
        outcome=anxiety,
        source=source,
        claim="x",
        study_design=StudyDesign.COHORT,
        deviation_reason="Patients were followed up for a year.",
    )
    [row] = summary_of(compound)
    assert row.human_level == 3
    assert row.explanation[1] == (
        "Doe 2020: counted as cohort / follow-up study although the source is recorded as case series / case "
        "report: Patients were followed up for a year."
    )


def test_findings_taken_from_their_source_add_no_explanation(compound, anxiety):
    finding(compound, anxiety, population=Population.HUMAN, design=StudyDesign.RCT, n=400)
    [row] = summary_of(compound)
    assert not any("counted as" in line for line in row.explanation)
