"""Data migrations that make existing rows meet a constraint added after them."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from evidence.models import Finding, Outcome, Population, StudyDesign
from tests.factories import CompoundFactory, SourceFactory

# Migrations run outside a test transaction; serialized_rollback restores the groups the migrations created.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BEFORE_REASONS = [("evidence", "0005_identifier_fields_accept_pasted_forms")]
WITH_REASONS = [("evidence", "0007_finding_deviation_needs_reason")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_findings_recorded_before_reasons_were_required_meet_the_constraint():
    source = SourceFactory(population=Population.ANIMAL, study_design=StudyDesign.ANIMAL)
    compound, outcome = CompoundFactory(), Outcome.objects.create(name="Anxiety", slug="anxiety")
    try:
        old = migrate(BEFORE_REASONS).get_model("evidence", "Finding")
        rows = {"compound_id": compound.pk, "outcome_id": outcome.pk, "source_id": source.pk}
        old.objects.create(**rows, claim="Same as the source.", population="animal", study_design="animal")
        old.objects.create(**rows, claim="Partly the source's.", population="human", study_design="animal")
        old.objects.create(**rows, claim="Taken from the source.")
    finally:
        migrate(WITH_REASONS)
    stored = {
        finding.claim: (finding.population, finding.study_design, finding.deviation_reason)
        for finding in Finding.objects.all()
    }
    assert stored == {
        "Same as the source.": ("", "", ""),
        "Partly the source's.": ("human", "", "Recorded before reasons were required; check against the source."),
        "Taken from the source.": ("", "", ""),
    }
