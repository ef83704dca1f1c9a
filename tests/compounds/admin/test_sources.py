"""The source admin's work across profiles: finding a source, merging duplicates, the integrity report."""

import pytest
from django.urls import reverse

from compounds.services import compound_revision
from evidence.models import Direction, Finding, Outcome, Source
from tests.admin_forms import messages_of
from tests.factories import CompoundFactory, SectionFactory, SourceFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_data")]

CHANGELIST = "admin:evidence_source_changelist"


def merge(client, sources, keep=None):
    data = {"action": "merge_sources", "_selected_action": [source.pk for source in sources]}
    if keep is not None:
        data["keep"] = keep.pk
    return client.post(reverse(CHANGELIST), data, follow=True)


@pytest.fixture
def disagreeing(demo):
    """Two records of one paper, each carrying a finding on the same outcome that disagree on direction."""
    keep, duplicate = SourceFactory(key="paper"), SourceFactory(key="paper-dup")
    compound = CompoundFactory(name="Twice", slug="twice")
    outcome = Outcome.objects.get(slug="memory")
    with compound_revision(compound=compound, edit_summary="Findings"):
        SectionFactory(compound=compound, body="See [@paper-dup].")
        Finding.objects.create(compound=compound, outcome=outcome, source=keep, claim="x", direction=Direction.BENEFIT)
        Finding.objects.create(
            compound=compound, outcome=outcome, source=duplicate, claim="x", direction=Direction.HARM
        )
    return keep, duplicate, compound


def test_sources_are_found_by_pmid_doi_or_key(admin_client):
    for query in ("PMID 28280289", "28280289", "kasian2017"):
        response = admin_client.get(reverse(CHANGELIST), {"q": query})
        assert "kasian2017" in response.content.decode(), query


def test_merging_asks_which_source_to_keep_first(admin_client, disagreeing):
    keep, duplicate, _compound = disagreeing
    response = merge(admin_client, [keep, duplicate])
    html = response.content.decode()
    assert "Merge duplicate sources" in html and "Keep this source" in html
    assert Source.objects.filter(pk=duplicate.pk).exists()


def test_merging_one_source_says_to_select_more(admin_client, disagreeing):
    keep, _duplicate, _compound = disagreeing
    assert "Select at least two sources to merge." in messages_of(merge(admin_client, [keep]))


def test_merging_sources_whose_findings_disagree_is_refused_with_the_reason_not_a_crash(admin_client, disagreeing):
    keep, duplicate, compound = disagreeing
    response = merge(admin_client, [keep, duplicate], keep=keep)
    assert response.status_code == 200
    [message] = messages_of(response)
    assert message.startswith("Not merged: Twice has a finding on Memory and learning from both @paper-dup and @paper ")
    assert "disagree on direction" in message
    assert Source.objects.filter(pk=duplicate.pk).exists()
    assert compound.sections.get().body == "See [@paper-dup]."


def test_merging_sources_whose_findings_agree_merges_the_findings(admin_client, disagreeing):
    keep, duplicate, compound = disagreeing
    Finding.objects.filter(source=duplicate).update(direction=Direction.BENEFIT, magnitude="+20%")
    response = merge(admin_client, [keep, duplicate], keep=keep)
    assert "Merged 1 source(s) into @paper." in messages_of(response)
    [finding] = compound.findings.all()
    assert (finding.source, finding.magnitude) == (keep, "+20%")
    assert compound.sections.get().body == "See [@paper]."


def test_the_integrity_report_lists_problems_with_links_to_fix_them(admin_client, disagreeing):
    SourceFactory(key="orphan", doi="", pmid=None, pmcid="")
    html = admin_client.get(reverse("admin:evidence_source_integrity")).content.decode()
    assert "Sources without any identifier" in html and "orphan" in html
    assert reverse("admin:evidence_source_change", args=[Source.objects.get(key="orphan").pk]) in html
