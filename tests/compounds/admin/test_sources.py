"""The source admin's work across profiles: finding a source, merging duplicates, the integrity report."""

import re

import pytest
from django.urls import reverse

from compounds.services import compound_revision
from evidence.models import Direction, Finding, Outcome, Source
from tests.admin_forms import form_data, messages_of
from tests.factories import CompoundFactory, SectionFactory, SourceFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_data")]

CHANGELIST = "admin:evidence_source_changelist"
ADD = "admin:evidence_source_add"


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


@pytest.mark.parametrize(
    "query",
    [
        "PMID 28280289",
        "28280289",
        "kasian2017",
        "https://pubmed.ncbi.nlm.nih.gov/28280289/",
        "https://doi.org/10.1155/2017/5091027",
        "https://pmc.ncbi.nlm.nih.gov/articles/PMC5322660/",
    ],
)
def test_sources_are_found_by_pmid_doi_or_key_as_pasted(admin_client, query):
    response = admin_client.get(reverse(CHANGELIST), {"q": query})
    assert "kasian2017" in response.content.decode()


def test_a_pasted_identifier_finds_only_its_source(admin_client):
    response = admin_client.get(reverse(CHANGELIST), {"q": "https://doi.org/10.1155/2017/5091027"})
    assert list(response.context["cl"].result_list.values_list("key", flat=True)) == ["kasian2017"]


def add_source(client, **fields):
    data = form_data(client, reverse(ADD))
    data.update(key="pasted2025", title="A pasted source", **fields)
    return client.post(reverse(ADD), data)


def test_the_source_form_takes_identifiers_as_pasted_and_stores_them_bare(admin_client):
    response = add_source(
        admin_client,
        pmid="PMID: 40000001",
        doi="doi: https://doi.org/10.1000/Pasted.2025.",
        pmcid="https://www.ncbi.nlm.nih.gov/pmc/articles/PMC7000001/",
    )
    assert response.status_code == 302
    source = Source.objects.get(key="pasted2025")
    assert (source.pmid, source.doi, source.pmcid) == (40000001, "10.1000/pasted.2025", "PMC7000001")


def test_the_source_form_names_a_pmid_it_cannot_read(admin_client):
    response = add_source(admin_client, pmid="PMID: 4000000l")
    assert response.status_code == 200
    assert "“PMID: 4000000l” is not a PMID." in response.content.decode()
    assert not Source.objects.filter(key="pasted2025").exists()


def test_the_source_forms_pmid_box_is_not_a_number_input(admin_client):
    html = admin_client.get(reverse(ADD)).content.decode()
    [pmid_input] = re.findall(r'<input[^>]*name="pmid"[^>]*>', html)
    assert 'type="text"' in pmid_input


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
