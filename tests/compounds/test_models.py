from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from compounds import models as cm
from tests.factories import CompoundFactory, DosingProtocolFactory, SourceFactory

pytestmark = pytest.mark.django_db


def assert_db_refuses(create):
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def test_compound_slug_and_name_are_unique_case_insensitively():
    CompoundFactory(name="Selank", slug="selank")
    assert_db_refuses(lambda: CompoundFactory(name="SELANK", slug="selank-2"))
    assert_db_refuses(lambda: CompoundFactory(name="Other", slug="selank"))


def test_evidence_range_must_be_ordered_and_within_scheme():
    assert_db_refuses(lambda: CompoundFactory(evidence_level_best=4, evidence_level_worst=3))
    assert_db_refuses(lambda: CompoundFactory(evidence_level_best=7))
    assert_db_refuses(lambda: CompoundFactory(evidence_level_best=None, evidence_level_worst=4))
    assert CompoundFactory(evidence_level_best=3, evidence_level_worst=4).evidence_level_display == "3-4"


def test_daily_maximum_needs_a_unit_and_an_ordered_range():
    assert_db_refuses(lambda: CompoundFactory(daily_max_low=Decimal("1.5"), daily_max_high=Decimal("2.0")))
    assert_db_refuses(
        lambda: CompoundFactory(daily_max_low=Decimal("2"), daily_max_high=Decimal("1"), daily_max_unit="mg")
    )


def test_dose_range_and_frequency_must_be_ordered():
    compound = CompoundFactory()
    assert_db_refuses(
        lambda: DosingProtocolFactory(compound=compound, amount_low=Decimal("500"), amount_high=Decimal("250"))
    )
    assert_db_refuses(lambda: DosingProtocolFactory(compound=compound, doses_per_day_low=3, doses_per_day_high=2))


def test_protocol_names_are_unique_per_compound_only():
    first, second = CompoundFactory(), CompoundFactory()
    DosingProtocolFactory(compound=first, name="Standard")
    DosingProtocolFactory(compound=second, name="Standard")
    assert_db_refuses(lambda: DosingProtocolFactory(compound=first, name="Standard"))


def test_a_compound_cannot_relate_to_itself():
    compound = CompoundFactory()
    assert_db_refuses(lambda: cm.RelatedCompound.objects.create(compound=compound, related=compound))


def test_constraint_violations_surface_as_form_errors_not_crashes():
    """full_clean (what admin forms call) reports the constraint's own message on the model."""
    compound = CompoundFactory.build(evidence_level_best=4, evidence_level_worst=2)
    with pytest.raises(ValidationError) as error:
        compound.full_clean()
    assert "3-4" in str(error.value)


@pytest.mark.parametrize(
    "build, field",
    [
        (lambda compound: cm.Section(compound=compound, title="T", anchor="t", body="{text}"), "body"),
        (lambda compound: cm.Specification(compound=compound, label="Half-life", value="{text}"), "value"),
        (lambda compound: cm.Interaction(compound=compound, substance="Ethanol", effect="{text}"), "effect"),
        (
            lambda compound: cm.ComparisonRow(
                table=cm.ComparisonTable.objects.create(
                    compound=compound, title="T", anchor="t", subject_label="A", other_label="B"
                ),
                label="Row",
                subject_value="{text}",
            ),
            "subject_value",
        ),
        (lambda compound: compound, "what_is_this"),
    ],
    ids=["section body", "specification value", "interaction effect", "comparison cell", "what is this"],
)
def test_an_unknown_citation_key_is_the_same_error_in_every_markdown_field(build, field):
    SourceFactory(key="known")
    row = build(CompoundFactory())
    setattr(row, field, "Fine [@known] and [@ghost].")
    with pytest.raises(ValidationError) as error:
        row.full_clean()
    assert error.value.message_dict[field] == [
        "Unknown citation key: @ghost. Add the source under Evidence › Sources or correct the key."
    ]


def test_an_interaction_is_listed_once_per_substance_whatever_the_case():
    compound = CompoundFactory()
    cm.Interaction.objects.create(compound=compound, substance="Diazepam", effect="Stronger calming.")
    assert_db_refuses(lambda: cm.Interaction.objects.create(compound=compound, substance="DIAZEPAM", effect="x"))
    cm.Interaction.objects.create(compound=CompoundFactory(), substance="Diazepam", effect="Elsewhere is fine.")


def test_published_is_decided_by_one_rule():
    draft = CompoundFactory(status=cm.Status.DRAFT)
    marked_but_not_frozen = CompoundFactory(status=cm.Status.PUBLISHED)  # no published version yet
    from compounds.services import compound_publish

    live = CompoundFactory()
    compound_publish(compound=live)
    assert list(cm.Compound.objects.published()) == [live]
    assert {c.pk: c.is_live for c in cm.Compound.objects.all()} == {
        draft.pk: False,
        marked_but_not_frozen.pk: False,
        live.pk: True,
    }
    assert list(cm.ProfileSnapshot.objects.live()) == [live.live_snapshot]


def test_snapshot_versions_are_unique_per_compound():
    from django.utils import timezone

    compound = CompoundFactory()
    cm.ProfileSnapshot.objects.create(
        compound=compound, version=1, name="x", slug="x", body_html="", published_at=timezone.now()
    )
    assert_db_refuses(
        lambda: cm.ProfileSnapshot.objects.create(
            compound=compound, version=1, name="x", slug="x", body_html="", published_at=timezone.now()
        )
    )
