import pytest
from django.core.exceptions import ValidationError

from compounds.models import Citation, Section, Status
from compounds.services import compound_publish, compound_submit_for_review, compound_unpublish
from tests.factories import CompoundFactory, SectionFactory, SourceFactory, StaffFactory

pytestmark = pytest.mark.django_db


def test_publish_freezes_a_version_with_rendered_html_and_reviewer():
    source = SourceFactory(key="smith2020")
    compound = CompoundFactory(name="Frozen", slug="frozen")
    SectionFactory(compound=compound, title="Evidence", anchor="evidence", body="Shown [@smith2020].")
    reviewer = StaffFactory(username="rev", first_name="Rita", last_name="Reviewer")
    snapshot = compound_publish(compound=compound, user=reviewer, edit_summary="First publication")
    compound.refresh_from_db()
    assert compound.status == Status.PUBLISHED and compound.live_snapshot == snapshot
    assert snapshot.version == 1 and snapshot.published_by_name == "Rita Reviewer"
    assert 'id="ref-1"' in snapshot.body_html and "Evidence" in snapshot.body_html
    assert Citation.objects.get(compound=compound).source == source
    assert compound_publish(compound=compound).version == 2


def test_publish_refuses_unresolved_citations_and_says_which():
    compound = CompoundFactory(slug="broken")
    # Bypasses form validation the way a raw import could.
    Section.objects.create(compound=compound, title="T", anchor="t", body="Claim [@missing2020].")
    with pytest.raises(ValidationError) as error:
        compound_publish(compound=compound)
    assert "@missing2020" in error.value.messages[0]
    compound.refresh_from_db()
    assert compound.status == Status.DRAFT and compound.live_snapshot is None


def test_unpublish_keeps_versions():
    compound = CompoundFactory()
    compound_publish(compound=compound)
    compound_unpublish(compound=compound)
    compound.refresh_from_db()
    assert compound.status == Status.UNPUBLISHED and compound.snapshots.count() == 1


def test_submit_for_review_refuses_published_profiles():
    compound = CompoundFactory()
    compound_submit_for_review(compound=compound)
    assert compound.status == Status.IN_REVIEW
    compound_publish(compound=compound)
    with pytest.raises(ValidationError):
        compound_submit_for_review(compound=compound)


def test_a_stale_instance_cannot_undo_a_publish():
    compound = CompoundFactory()
    stale = type(compound).objects.get(pk=compound.pk)
    compound_publish(compound=compound)
    stale.summary = "Edited in an old form"
    stale.save_content()
    stale.refresh_from_db()
    assert stale.status == Status.PUBLISHED and stale.live_snapshot is not None


def test_demo_publication_cites_every_source_it_should(demo):
    keys = set(demo.citations.values_list("source__key", flat=True))
    assert len(keys) == 13
    assert {"kasian2017", "ru-moh-registration", "zozulia2008"} <= keys
    assert "kozlovskii2002" not in keys  # linked as the original of kozlovskii2003, not cited itself
