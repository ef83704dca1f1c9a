"""Page assembly from the parts registry: blocks in page order, one citation numbering for the whole page, and
the count a save makes without rendering agreeing with the page readers get."""

import re

import pytest

from compounds.models import (
    Compound,
    Interaction,
    InteractionBasis,
    InteractionSeverity,
    RelatedCompound,
    Relation,
    SideEffect,
)
from compounds.page import mark_glossary_terms, profile_build, profile_citations
from compounds.parts import PAGE, profile_prefetch
from compounds.services import compound_publish, compound_revision
from evidence.models import Finding, Outcome, Population, StudyDesign
from tests.factories import CompoundFactory, SourceFactory
from tests.workflow import publish_acknowledging

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


# --- Reading aids: glossary terms in the text, heading anchors, related cards, badge explanations ---------------


def test_the_first_use_of_each_glossary_term_in_the_text_explains_it_on_hover_and_focus(client, demo):
    html = client.get("/compounds/selank/").content.decode()
    tip = re.search(
        r'<dfn class="term__word" tabindex="0" aria-describedby="term-gaba">(GABA)</dfn>'
        r'<span class="term__tip" role="tooltip" id="term-gaba" hidden>([^<]*)</span>',
        html,
    )
    assert tip and tip.group(2) == "Gamma-Aminobutyric Acid — the brain's main inhibitory (calming) neurotransmitter"
    assert html.count('aria-describedby="term-gaba"') == 1  # only its first use
    assert 'aria-describedby="term-gaba-a-receptor">GABA-A receptor</dfn>' in html  # the longer term, whole
    glossary = html.split('id="glossary"', 1)[1].split("</section>", 1)[0]
    assert "term__word" not in glossary  # the glossary itself is not marked


def test_glossary_terms_are_marked_in_running_text_only_as_whole_words_with_the_meaning_escaped():
    page = (
        '<h2>Tuftsin</h2><p>See <a href="#x">tuftsin</a>, <code>Tuftsin</code> and '
        '<span class="citation">Tuftsin</span>. Tuftsinergic tone; then TUFTSIN &amp; tuftsin.</p>'
        "<table><tr><td>Tuftsin</td></tr></table>"
    )
    marked = mark_glossary_terms(page, [("Tuftsin", 'An <immune> "peptide" & more')])
    assert marked == (
        '<h2>Tuftsin</h2><p>See <a href="#x">tuftsin</a>, <code>Tuftsin</code> and '
        '<span class="citation">Tuftsin</span>. Tuftsinergic tone; then '
        '<span class="term"><dfn class="term__word" tabindex="0" aria-describedby="term-tuftsin">TUFTSIN</dfn>'
        '<span class="term__tip" role="tooltip" id="term-tuftsin" hidden>An &lt;immune&gt; "peptide" &amp; more</span></span>'
        " &amp; tuftsin.</p><table><tr><td>Tuftsin</td></tr></table>"
    )


def test_a_page_without_glossary_terms_in_its_text_is_left_byte_for_byte():
    page = "<p>Nothing&nbsp;to mark here &#x27;at all&#x27;.</p>"
    assert mark_glossary_terms(page, [("Tuftsin", "A peptide")]) == page
    assert mark_glossary_terms(page, []) == page


def test_every_heading_of_the_body_has_a_link_to_its_own_section(demo):
    body = profile_build(prefetched("selank")).render_body()
    opening = re.findall(r'<section id="([^"]+)"[^>]*>\s*<(h[23])>(.*?)</\2>', body, re.S)
    assert len(opening) >= 20
    for anchor, _level, inner in opening:
        title = inner.split("<a ", 1)[0]
        assert inner.endswith(f'<a class="anchor" href="#{anchor}" aria-label="Link to this section: {title}"></a>'), (
            inner
        )
    assert '<h3 id="forms">Forms Available<a class="anchor" href="#forms"' in body


def test_related_compounds_are_cards_with_the_public_summary_of_a_published_profile(client, demo):
    html = client.get("/compounds/selank/").content.decode()
    card = html.split('<li class="related-card">', 1)[1].split("</li>", 1)[0]
    assert 'href="/compounds/semax/">Semax</a>' in card and "Often combined with" in card
    assert "A peptide nootropic studied for focus, motivation and cognitive performance." in card
    assert "Complementary: Semax stimulates, Selank calms" in card


def test_a_related_draft_shows_its_name_only(client, demo):
    draft = Compound.objects.get(slug="n-acetyl-selank")
    with compound_revision(compound=demo, edit_summary="Related"):
        RelatedCompound.objects.create(compound=demo, related=draft, position=2, relation=Relation.SIMILAR)
    publish_acknowledging(compound=demo)
    html = client.get("/compounds/selank/").content.decode()
    card = html.split('<li class="related-card">')[2].split("</li>", 1)[0]
    assert f'<span class="profile-link" data-profile="{draft.uid}">N-Acetyl Selank</span>' in card
    assert draft.summary not in html


def test_the_evidence_and_risk_badges_say_what_they_mean(client, demo):
    html = client.get("/compounds/selank/").content.decode()
    badges = html.split('<ul class="badges"', 1)[1].split("</ul>", 1)[0]
    assert (
        "Level 3–4 of 5 (1 strongest): non-randomised cohort studies to case series and case-control studies" in badges
    )
    assert "Few and mostly mild side effects reported in the research so far" in badges
    semax = client.get("/compounds/semax/").content.decode().split('<ul class="badges"', 1)[1].split("</ul>", 1)[0]
    assert "Too little safety data to judge the risk" in semax and "badge--evidence" not in semax
