"""The evidence summary per outcome: levels, counts, consistency, flags, overrides."""

import pytest
from django.db import IntegrityError, transaction

from evidence.models import Direction, Finding, Outcome, OutcomeGrade, Population, StudyDesign
from evidence.summary import Flag, evidence_summary
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


def test_override_reason_is_a_form_error_in_the_admin(client, superuser, compound, anxiety):
    from django.core.exceptions import ValidationError

    grade = OutcomeGrade(compound=compound, outcome=anxiety, level=2, reason="")
    with pytest.raises(ValidationError) as error:
        grade.full_clean()
    assert "reason" in error.value.message_dict


def test_demo_page_shows_evidence_at_a_glance(client, demo):
    html = client.get("/compounds/selank/").content.decode()
    section = html.split('<section id="evidence"', 1)[1].split("</section>", 1)[0]
    for outcome in [
        "Anxiety",
        "Memory and learning",
        "Stress resilience",
        "Inflammation",
        "Withdrawal",
        "GABAergic signalling",
        "Brain connectivity",
    ]:
        assert outcome in section
    assert "Why this grade: Anxiety" in section and "<details>" in section
    # Seed 001's eight findings are all there, each linked to its reference number.
    assert section.count('<span class="citation"') == 11
    anxiety_row = section.split('id="evidence-anxiety"', 1)[1].split("</tr>", 1)[0]
    assert "Level 2" in anxiety_row and "Small total human sample" in anxiety_row
    withdrawal_row = section.split('id="evidence-withdrawal"', 1)[1].split("</tr>", 1)[0]
    assert "Level 5" in withdrawal_row and "Preclinical only" in withdrawal_row


def test_override_is_shown_to_readers_with_author_and_date(client, demo, reviewer_user):
    from compounds.services import compound_publish

    OutcomeGrade.objects.create(
        compound=demo,
        outcome=Outcome.objects.get(slug="memory"),
        level=4,
        reason="Human case reports exist.",
        set_by=reviewer_user,
    )
    compound_publish(compound=demo)
    section = client.get("/compounds/selank/").content.decode().split('<section id="evidence"', 1)[1]
    memory_row = section.split('id="evidence-memory"', 1)[1].split("</details>", 1)[0]
    assert "Level 4" in memory_row and "(editor's grade; computed 5)" in memory_row
    assert "Grade set by Rita Reviewer" in memory_row and "Human case reports exist." in memory_row
