"""Merging duplicate sources keeps every citation, finding and identifier, and records revisions."""

import pytest
from django.core.exceptions import ValidationError

from compounds.models import Citation, RevisionMeta, RevisionOrigin
from compounds.services import compound_revision
from compounds.source_merge import source_merge
from evidence.models import Direction, Finding, Outcome, Source
from tests.factories import CompoundFactory, SectionFactory, SourceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def duplicated():
    keep = SourceFactory(key="kasian2017", doi="10.1155/2017/5091027", pmid=None, pmcid="")
    duplicate = SourceFactory(key="kasian-dup", doi="", pmid=28280289, pmcid="PMC5322660")
    first, second = CompoundFactory(slug="first"), CompoundFactory(slug="second")
    with compound_revision(compound=first, edit_summary="cite"):
        SectionFactory(
            compound=first, body="A [@kasian-dup, p. 4] and [@kasian2017; @kasian-dup] and [@pmid:28280289]."
        )
    with compound_revision(compound=second, edit_summary="cite"):
        SectionFactory(compound=second, body="B [see @kasian-dup].")
    outcome = Outcome.objects.create(name="Anxiety", slug="anxiety")
    Finding.objects.create(compound=second, outcome=outcome, source=duplicate, claim="x")
    return keep, duplicate, first, second


def latest_meta(compound):
    return RevisionMeta.objects.filter(compound_key=compound.pk).order_by("-number").first()


def test_merge_moves_citations_findings_and_identifiers(duplicated, superuser):
    keep, duplicate, first, second = duplicated
    source_merge(keep=keep, duplicates=[duplicate], user=superuser)

    assert not Source.objects.filter(pk=duplicate.pk).exists()
    keep.refresh_from_db()
    assert (keep.pmid, keep.pmcid, keep.doi) == (28280289, "PMC5322660", "10.1155/2017/5091027")
    assert first.sections.get().body == "A [@kasian2017, p. 4] and [@kasian2017; @kasian2017] and [@kasian2017]."
    assert second.sections.get().body == "B [see @kasian2017]."
    assert set(Citation.objects.values_list("compound__slug", "source__key")) == {
        ("first", "kasian2017"),
        ("second", "kasian2017"),
    }
    assert Finding.objects.get().source == keep
    for compound in (first, second):
        meta = latest_meta(compound)
        assert meta.origin == RevisionOrigin.MERGE and "@kasian-dup into @kasian2017" in meta.edit_summary


def test_merge_rewrites_citations_in_every_part_that_holds_markdown(duplicated):
    from compounds.models import ComparisonRow, ComparisonTable, Interaction, Specification

    keep, duplicate, first, _second = duplicated
    with compound_revision(compound=first, edit_summary="cite everywhere"):
        first.what_is_this = "Intro [@kasian-dup]."
        first.save_content()
        Specification.objects.create(compound=first, label="Half-life", value="Short [@kasian-dup]")
        Interaction.objects.create(compound=first, substance="Diazepam", effect="Stronger [@kasian-dup].")
        table = ComparisonTable.objects.create(
            compound=first, title="T", anchor="t", subject_label="A", other_label="B"
        )
        ComparisonRow.objects.create(table=table, label="Row", subject_value="Cell [@kasian-dup]")
    source_merge(keep=keep, duplicates=[duplicate])
    first.refresh_from_db()
    assert first.what_is_this == "Intro [@kasian2017]."
    assert first.specifications.get().value == "Short [@kasian2017]"
    assert first.interactions.get().effect == "Stronger [@kasian2017]."
    assert ComparisonRow.objects.get().subject_value == "Cell [@kasian2017]"


def test_findings_both_sources_carry_are_merged_into_one(duplicated):
    keep, duplicate, _first, second = duplicated
    outcome = Outcome.objects.get(slug="anxiety")
    Finding.objects.create(compound=second, outcome=outcome, source=keep, claim="x", magnitude="")
    Finding.objects.filter(source=duplicate).update(magnitude="−40%")

    source_merge(keep=keep, duplicates=[duplicate])

    [finding] = Finding.objects.all()
    assert (finding.source, finding.claim, finding.magnitude) == (keep, "x", "−40%")
    assert latest_meta(second).origin == RevisionOrigin.MERGE


def test_a_merged_finding_keeps_the_reason_for_the_population_it_takes_from_the_other(duplicated):
    keep, duplicate, _first, second = duplicated
    outcome = Outcome.objects.get(slug="anxiety")
    Finding.objects.create(compound=second, outcome=outcome, source=keep, claim="x")
    Finding.objects.filter(source=duplicate).update(population="human", deviation_reason="Volunteers, not rats.")

    source_merge(keep=keep, duplicates=[duplicate])

    [finding] = Finding.objects.all()
    assert (finding.source, finding.population, finding.deviation_reason) == (keep, "human", "Volunteers, not rats.")


def test_findings_that_disagree_stop_the_merge_with_the_reason_and_change_nothing(duplicated):
    keep, duplicate, first, second = duplicated
    outcome = Outcome.objects.get(slug="anxiety")
    Finding.objects.create(compound=second, outcome=outcome, source=keep, claim="x", direction=Direction.HARM)
    revisions_before = RevisionMeta.objects.count()

    with pytest.raises(ValidationError) as error:
        source_merge(keep=keep, duplicates=[duplicate])

    assert error.value.messages == [
        f"Not merged: {second.name} has a finding on Anxiety from both @kasian-dup and @kasian2017 for the same "
        "sentence, and they disagree on direction. Make the two findings agree (or delete one) on the compound "
        "form, then merge again."
    ]
    assert Source.objects.filter(pk=duplicate.pk).exists()
    assert Finding.objects.filter(source=duplicate).count() == 1
    assert "kasian-dup" in first.sections.get().body
    assert RevisionMeta.objects.count() == revisions_before


def test_merge_needs_another_source():
    source = SourceFactory()
    with pytest.raises(ValidationError, match="Choose at least one other source"):
        source_merge(keep=source, duplicates=[source])


def test_a_kept_translation_of_a_duplicate_does_not_end_up_a_translation_of_itself():
    original = SourceFactory(key="original-ru", language="ru")
    translation = SourceFactory(key="translation-en", translation_of=original)
    source_merge(keep=translation, duplicates=[original])
    translation.refresh_from_db()
    assert translation.translation_of is None
