"""Merging duplicate sources keeps every citation, finding and identifier, and records revisions."""

import pytest
from django.urls import reverse

from compounds.models import Citation, RevisionMeta, RevisionOrigin
from compounds.services import compound_revision
from evidence.models import Finding, Outcome, Source
from evidence.services import source_merge
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
        meta = RevisionMeta.objects.filter(compound_key=compound.pk).order_by("-number").first()
        assert meta.origin == RevisionOrigin.MERGE and "@kasian-dup into @kasian2017" in meta.edit_summary


def test_merge_through_the_admin_action(admin_client, duplicated):
    keep, duplicate, _first, _second = duplicated
    changelist = reverse("admin:evidence_source_changelist")
    selected = {"action": "merge_sources", "_selected_action": [keep.pk, duplicate.pk]}
    confirm = admin_client.post(changelist, selected)
    assert confirm.status_code == 200 and "Keep this source" in confirm.content.decode()
    response = admin_client.post(changelist, {**selected, "keep": keep.pk})
    assert response.status_code == 302
    assert list(Source.objects.values_list("key", flat=True)) == ["kasian2017"]
