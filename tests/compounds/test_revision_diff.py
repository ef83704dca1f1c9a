"""What the compare view shows: changed words, rows added/removed/changed grouped by part in page order, never
workflow state."""

import pytest

from compounds.models import Interaction, InteractionSeverity, RevisionMeta, Status
from compounds.revision_diff import compare_revisions, word_diff
from compounds.services import compound_revision

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_data")]


def latest_two(compound):
    newer, older = RevisionMeta.objects.filter(compound_key=compound.pk).order_by("-number")[:2]
    return compare_revisions(older.revision, newer.revision)


def test_word_diff_marks_changed_words_and_escapes_everything():
    assert word_diff("take 250 mcg", "take 300 mcg") == "take <del>250</del><ins>300</ins> mcg"
    assert word_diff("a", "<script>") == "<del>a</del><ins>&lt;script&gt;</ins>"


def test_a_lone_space_between_two_changed_words_is_part_of_one_change():
    assert word_diff("An old intro", "A brand new intro") == "<del>An old</del><ins>A brand new</ins> intro"


def test_changed_parts_are_grouped_in_page_order_with_added_removed_and_changed_rows(demo):
    with compound_revision(compound=demo, edit_summary="Several parts"):
        demo.vendor_offers.create(
            vendor="Example Labs", amount_mg=5, price=30, url="https://example.org/x", checked_on="2026-11-01"
        )
        interaction = demo.interactions.get(substance__icontains="alcohol")
        interaction.severity = InteractionSeverity.MINOR
        interaction.save()
        demo.synonyms.order_by("position").first().delete()
    comparison = latest_two(demo)
    labels = [group.label for group in comparison.groups]
    assert labels == ["Synonyms", "Interactions", "Vendor offers"]
    kinds = {group.label: [row.kind for row in group.rows] for group in comparison.groups}
    assert (
        kinds["Synonyms"] == ["removed"]
        and kinds["Interactions"] == ["changed"]
        and kinds["Vendor offers"] == ["added"]
    )
    severity = comparison.groups[labels.index("Interactions")].rows[0].fields[0]
    assert (severity.label, severity.new) == ("Severity", InteractionSeverity.MINOR.label)


def test_publishing_and_workflow_changes_are_not_content_changes(demo):
    with compound_revision(compound=demo, edit_summary="Nothing but state"):
        demo.status = Status.IN_REVIEW
        demo.save()
    assert not latest_two(demo).has_changes


def test_a_new_interaction_is_shown_with_its_fields(demo):
    with compound_revision(compound=demo, edit_summary="Add one"):
        Interaction.objects.create(compound=demo, substance="Caffeine", effect="No known effect.", position=9)
    group = next(group for group in latest_two(demo).groups if group.label == "Interactions")
    row = group.rows[0]
    assert row.kind == "added" and "Caffeine" in row.label
    assert {change.label for change in row.fields} >= {"Substance", "What happens", "Severity", "Evidence"}
