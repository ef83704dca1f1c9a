"""What a published version stores beside its page: structured data for machine readers, and what search reads."""

import json

import pytest

from compounds.models import GlossaryTerm, RegulatoryStatus, Synonym
from compounds.services import compound_publish
from compounds.snapshot_data import markdown_plain_text
from tests.factories import CompoundFactory, DosingProtocolFactory, SectionFactory, SourceFactory, VendorOfferFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def version():
    SourceFactory(key="smith2020", title="A trial")
    compound = CompoundFactory(name="Datan", slug="datan", evidence_level_best=3, evidence_level_worst=4)
    SectionFactory(compound=compound, title="Mechanism", anchor="mechanism", body="Binds **GABA** [@smith2020].")
    DosingProtocolFactory(compound=compound, name="Standard")
    VendorOfferFactory(compound=compound, vendor="Example Labs", product="Datan 5 mg vial")
    Synonym.objects.create(compound=compound, name="DT-1", position=1)
    GlossaryTerm.objects.create(compound=compound, term="GABA", meaning="The main inhibitory transmitter.", position=1)
    RegulatoryStatus.objects.create(compound=compound, jurisdiction="Russia", state="approved", position=1)
    return compound_publish(compound=compound)


def test_structured_data_holds_every_part_as_json_values(version):
    data = version.data
    dosing = data["parts"]["dosing_protocols"][0]
    assert dosing["name"] == "Standard" and dosing["amount_low"] == "250.000" and dosing["unit"] == "mcg"
    assert data["parts"]["vendor_offers"][0]["product"] == "Datan 5 mg vial"
    assert data["parts"]["synonyms"][0]["name"] == "DT-1"
    assert data["parts"]["regulatory_statuses"][0]["state_label"] == "Approved"
    assert json.loads(json.dumps(data)) == data


def test_sections_are_rendered_with_the_pages_citation_numbers(version):
    section = version.data["sections"][0]
    assert section["title"] == "Mechanism"
    assert "<strong>GABA</strong>" in section["html"] and 'href="#ref-1"' in section["html"]


def test_structured_data_leaves_out_ids_and_people(version):
    text = json.dumps(version.data)
    assert '"id"' not in text and '"compound"' not in text and '"set_by"' not in text


def test_a_later_draft_change_leaves_the_published_data_alone(version):
    compound = version.compound
    compound.vendor_offers.update(price=999)
    version.refresh_from_db()
    assert version.data["parts"]["vendor_offers"][0]["price"] == "30.00"


def test_search_fields_and_filters_are_stored_with_the_version(version):
    assert version.search_synonyms == "DT-1"
    assert version.search_glossary == "GABA: The main inhibitory transmitter."
    assert "Binds GABA." in version.search_text, "citation markers are left out, with the space before them"
    assert (version.evidence_level_best, version.evidence_level_worst) == (3, 4)
    assert version.regulatory_states == "|approved|"


def test_plain_text_of_markdown():
    assert markdown_plain_text("A *b* [link](https://x.org) [@k1; @k2].\n\n- item") == "A b link.\nitem"
