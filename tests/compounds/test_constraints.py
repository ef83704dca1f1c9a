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


def test_unknown_citation_key_in_a_markdown_field_fails_full_clean():
    SourceFactory(key="known")
    section = cm.Section(compound=CompoundFactory(), title="T", anchor="t", body="Fine [@known] and [@ghost].")
    with pytest.raises(ValidationError) as error:
        section.full_clean()
    assert "body" in error.value.message_dict
    assert "@ghost" in error.value.message_dict["body"][0]


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
