"""Page assembly from the parts registry: blocks in page order, one citation numbering for the whole page, and
the count a save makes without rendering agreeing with the page readers get."""

import re

import pytest

from compounds.models import Compound, Interaction, InteractionBasis, InteractionSeverity, SideEffect
from compounds.page import profile_build, profile_citations
from compounds.parts import PAGE, profile_prefetch
from compounds.services import compound_publish, compound_revision
from evidence.models import Finding, Outcome, Population, StudyDesign
from tests.factories import CompoundFactory, SourceFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_data")]


def prefetched(slug):
    return Compound.objects.prefetch_related(*profile_prefetch()).get(slug=slug)


def test_the_citation_walk_numbers_sources_exactly_as_the_rendered_page(demo):
    compound = prefetched("selank")
    walked = [(ref.number, ref.source.key) for ref in profile_citations(compound).references]
    rendered = [(ref.number, ref.source.key) for ref in profile_build(compound).registry.references]
    assert walked == rendered and len(walked) > 10


def test_the_stored_citations_match_the_published_reference_list(client, demo):
    html = client.get("/compounds/selank/").content.decode()
    listed = re.findall(r'<li id="ref-(\d+)"', html)
    stored = list(demo.citations.order_by("number").values_list("number", flat=True))
    assert [int(n) for n in listed] == stored


def test_blocks_come_in_the_registrys_order(client, demo):
    html = client.get("/compounds/selank/").content.decode()
    anchors = [block.anchor for block in PAGE if block.in_body and block.anchor and f'id="{block.anchor}"' in html]
    positions = [html.index(f'id="{anchor}"') for anchor in anchors]
    assert positions == sorted(positions) and "interactions" in anchors


def test_the_table_of_contents_lists_what_is_on_the_page_in_its_order(demo):
    built = profile_build(prefetched("selank"))
    anchors = [entry["anchor"] for entry in built.body["toc"]]
    assert anchors.index("dosing") < anchors.index("side-effects") < anchors.index("interactions")
    assert anchors.index("interactions") < anchors.index("contraindications") < anchors.index("references")
    assert "where-to-buy" in anchors


def test_a_part_without_rows_is_not_on_the_page_nor_in_the_contents(client):
    compound = CompoundFactory(name="Sparse", slug="sparse")
    compound_publish(compound=compound)
    html = client.get("/compounds/sparse/").content.decode()
    assert 'id="interactions"' not in html and 'id="side-effects"' not in html and 'href="#interactions"' not in html


def test_an_interaction_shows_what_happens_how_bad_on_what_evidence_with_its_citation(client):
    SourceFactory(key="study2020")
    compound = CompoundFactory(name="Mixable", slug="mixable")
    with compound_revision(compound=compound, edit_summary="Interactions"):
        Interaction.objects.create(
            compound=compound,
            substance="Alcohol",
            effect="Sedation is **stronger** [@study2020].",
            severity=InteractionSeverity.MAJOR,
            basis=InteractionBasis.HUMAN,
            mechanism="Both act on GABA-A receptors.",
        )
    compound_publish(compound=compound)
    html = client.get("/compounds/mixable/").content.decode()
    section = html.split('id="interactions"', 1)[1].split("</section>", 1)[0]
    assert "Alcohol" in section and "<strong>stronger</strong>" in section
    assert 'href="#ref-1"' in section and "Both act on GABA-A receptors." in section
    assert InteractionSeverity.MAJOR.label in section and InteractionBasis.HUMAN.label in section
    assert 'href="#interactions"' in html  # in the contents


def test_the_evidence_table_gives_the_reason_a_finding_differs_from_its_source(client):
    source = SourceFactory(
        key="trial2021", population=Population.ANIMAL, study_design=StudyDesign.ANIMAL, authors="Roe R", year=2021
    )
    compound = CompoundFactory(name="Graded", slug="graded")
    with compound_revision(compound=compound, edit_summary="Findings"):
        Finding.objects.create(
            compound=compound,
            outcome=Outcome.objects.get(slug="anxiety"),
            source=source,
            claim="Less anxious.",
            population=Population.HUMAN,
            deviation_reason="Its second part was a trial in 40 volunteers.",
        )
    compound_publish(compound=compound)
    html = client.get("/compounds/graded/").content.decode()
    section = html.split('id="evidence"', 1)[1].split("</section>", 1)[0]
    assert (
        "Roe 2021: counted as human although the source is recorded as animal: "
        "Its second part was a trial in 40 volunteers." in section
    )


def test_a_side_effect_without_a_frequency_as_written_shows_its_cioms_band_or_not_known():
    compound = CompoundFactory(name="Banded", slug="banded")
    SideEffect.objects.create(compound=compound, position=1, effect="Dizziness", frequency="uncommon")
    SideEffect.objects.create(compound=compound, position=2, effect="Rash")
    section = profile_build(prefetched("banded")).render_body().split('id="side-effects"', 1)[1]
    assert '<th scope="row">Dizziness</th><td>Uncommon (≥1/1,000 to &lt;1/100)</td>' in section
    assert '<th scope="row">Rash</th><td>Not known</td>' in section
