"""The demo content (fixtures/demo.json): the two seed documents represented completely on the published
Selank page, and what the demo shows beyond them."""

import csv
import html as html_lib
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from compounds.models import Compound
from compounds.plausibility import compound_warnings
from evidence.models import Source

DOCUMENTS = Path(__file__).resolve().parents[1] / "fixtures" / "documents"
STRUCTURED = (DOCUMENTS / "selank-structured-000.txt").read_text()
NARRATIVE = (DOCUMENTS / "selank-narrative-001.txt").read_text()

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_data")]


def text_of(fragment):
    fragment = re.sub(r"<[^>]+>", " ", fragment)
    return re.sub(r"\s+", " ", html_lib.unescape(fragment)).strip()


def normalise(text):
    text = text.replace("**", "").replace("`", "")
    return re.sub(r"\s+", " ", text).strip().casefold()


@pytest.fixture
def page(client, demo):
    response = client.get("/compounds/selank/")
    assert response.status_code == 200
    return response.content.decode()


def seed_headings():
    return [line.lstrip("#").strip() for line in STRUCTURED.splitlines() if line.startswith("#")]


def seed_table_rows():
    """Data rows of every Markdown table in seed 000 (header and separator rows dropped), as cell lists."""
    rows, block = [], []
    for line in [*STRUCTURED.splitlines(), ""]:
        if line.startswith("|"):
            block.append(line)
            continue
        for row in block[2:]:  # block[0] is the header, block[1] the |---| separator
            rows.append([cell.strip() for cell in row.strip().strip("|").split("|") if cell.strip()])
        block = []
    return rows


def page_headings(page):
    return {normalise(text_of(inner)) for inner in re.findall(r"<h[1-6][^>]*>(.*?)</h[1-6]>", page, re.S)}


def page_rows(page):
    rows = re.findall(r"<tr>(.*?)</tr>", page, re.S)
    rows += re.findall(r'<div class="glossary__row">(.*?)</div>', page, re.S)
    return [normalise(text_of(row)) for row in rows]


def test_seed_has_what_we_think_it_has():
    assert len(seed_headings()) == 29
    assert len(seed_table_rows()) == 45


def test_every_heading_of_the_structured_seed_is_a_heading_on_the_page(page):
    headings = page_headings(page)
    missing = [heading for heading in seed_headings() if normalise(heading) not in headings]
    assert not missing


def test_every_table_row_of_the_structured_seed_is_a_row_on_the_page(page):
    rows = page_rows(page)
    missing = []
    for cells in seed_table_rows():
        wanted = [normalise(cell) for cell in cells]
        if not any(all(cell in row for cell in wanted) for row in rows):
            missing.append(cells)
    assert not missing


def test_badges_and_list_items_of_the_structured_seed_are_on_the_page(page):
    text = normalise(text_of(page))
    for fact in ["3-4", "Russian approval + clinical trials", "LOW", "Approved in Russia (2009)"]:
        assert normalise(fact) in text, fact
    # The seed's own reference lines are corrected on purpose; they are checked separately below.
    before_references = STRUCTURED.split("## References", 1)[0]
    items = re.findall(r"^(?:- |\d+\. )(.+)$", before_references, re.M)
    assert len(items) == 19
    for item in items:
        # "**Not FDA approved** - Russian approval only": each part, whatever joins them on the page.
        for part in re.split(r"\*\*", item):
            if part.strip(" -:"):
                assert normalise(part.strip(" -:")) in text, item


def load_reference_records():
    with open(DOCUMENTS / "selank-sources.csv", newline="") as handle:
        return {row["key"]: row for row in csv.DictReader(handle)}


def source_for(record):
    if record["pmid"]:
        return Source.objects.get(pmid=int(record["pmid"]))
    return Source.objects.get(title=record["title"].split(" (")[0])


def reference_numbers(page):
    references = page.split('<section id="references"', 1)[1]
    return {
        int(number): text_of(body) for number, body in re.findall(r'<li id="ref-(\d+)"(.*?)</li>', references, re.S)
    }


def test_every_numbered_citation_of_the_narrative_seed_is_cited_on_the_page(page):
    records = load_reference_records()
    cited_numbers = {int(n) for n in re.findall(r"\((\d)(?:, \d)*\)", NARRATIVE)}
    cited_numbers |= {int(n) for group in re.findall(r"\((\d(?:, \d)+)\)", NARRATIVE) for n in group.split(", ")}
    assert cited_numbers == set(range(1, 9))
    references = reference_numbers(page)
    for number in sorted(cited_numbers):
        source = source_for(records[f"B{number}"])
        entry = next((n for n, body in references.items() if f"PMID {source.pmid}" in body), None)
        assert entry is not None, f"seed 001 citation ({number}) → {source.key} is not in the references"
        assert f'href="#ref-{entry}"' in page, f"no citation marker links to reference {entry} ({source.key})"


def test_references_of_the_structured_seed_are_listed_with_corrected_data(page):
    records = load_reference_records()
    references = " ".join(reference_numbers(page).values())
    for key in ["A1", "A2", "A3", "A4"]:
        source = source_for(records[key])
        assert (f"PMID {source.pmid}" if source.pmid else source.title) in references, key
    # The seed's wrong data is corrected: Seredenin is 1998, Zozulia 2008, Kozlovskii in Neurosci Behav Physiol.
    assert "Zh Vyssh Nerv Deiat Im I P Pavlova . 1998" in references
    assert "Zh Nevrol Psikhiatr Im S S Korsakova . 2008" in references
    assert "Neurosci Behav Physiol . 2003" in references


def test_facts_of_the_narrative_seed_are_on_the_page(page):
    text = normalise(text_of(page))
    facts = [
        "seven-amino-acid",
        "tuftsin",
        "1990s",
        "elevated plus maze",
        "diazepam",
        "84",
        "45",
        "52 participants",
        "right amygdala",
        "foot-shock",
        "300 µg/kg",
        "IL-1β",
        "IL-6",
        "TNF-α",
        "TGF-β1",
        "IL-4",
        "30 weeks",
        "object recognition",
        "BDNF",
        "seven-day course",
        "naloxone",
        "nine-fold",
        "metallic taste",
        "light-headedness",
        "3 vendors carry Selank",
        "Compare prices",
        "Long-term safety in humans",
    ]
    missing = [fact for fact in facts if normalise(fact) not in text]
    assert not missing


def test_references_show_identifier_links_and_verification(page):
    references = page.split('<section id="references"', 1)[1]
    assert 'href="https://doi.org/10.1155/2017/5091027"' in references
    assert 'href="https://pubmed.ncbi.nlm.nih.gov/28280289/"' in references
    assert 'href="https://pmc.ncbi.nlm.nih.gov/articles/PMC5322660/"' in references
    for label in ["Verified", "Probable", "Unverified"]:
        assert f">{label}</span>" in references
    assert "Translation of:" in references  # kozlovskii2003 → Russian original


def test_citation_numbers_appear_in_first_appearance_order(page):
    body = page.split('<section id="references"', 1)[0]
    first_seen = []
    for number in re.findall(r'href="#ref-(\d+)"', body):
        if int(number) not in first_seen:
            first_seen.append(int(number))
    assert first_seen == list(range(1, len(first_seen) + 1))
    assert len(first_seen) == 13


def test_demo_doses_are_within_the_stated_maximum(demo):
    assert compound_warnings(demo) == []


def test_computed_formula_is_shown_when_none_is_stated(page):
    assert "C33H57N11O9 (computed from the sequence)" in page


def test_demo_page_shows_evidence_at_a_glance(page):
    section = page.split('<section id="evidence"', 1)[1].split("</section>", 1)[0]
    for outcome in [
        "Anxiety",
        "Memory and learning",
        "Stress resilience",
        "Inflammation",
        "Withdrawal",
        "GABAergic signalling",
        "Brain connectivity",
    ]:
        assert outcome in section
    assert "Why this grade: Anxiety" in section and "<details>" in section
    # Seed 001's eight findings are all there, each linked to its reference number.
    assert section.count('<span class="citation"') == 11
    anxiety_row = section.split('id="evidence-anxiety"', 1)[1].split("</tr>", 1)[0]
    assert "Level 2" in anxiety_row and "Small total human sample" in anxiety_row
    withdrawal_row = section.split('id="evidence-withdrawal"', 1)[1].split("</tr>", 1)[0]
    assert "Level 5" in withdrawal_row and "Preclinical only" in withdrawal_row


def test_interactions_from_the_seeds_are_on_the_page_each_cited(page):
    section = page.split('<section id="interactions"', 1)[1].split("</section>", 1)[0]
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</th>(.*?)</tr>", section, re.S)
    assert [text_of(name) for name, _cells in rows] == [
        "Diazepam and other benzodiazepines",  # seed 001: Selank with diazepam under chronic stress (5)
        "Immunosuppressive therapy",  # seed 000: contraindicated with immunosuppressive therapy (theoretical)
        "Alcohol (long-term use)",  # seed 001: 30 weeks of ethanol, a seven-day course of Selank (4)
    ]
    for _name, cells in rows:
        assert '<span class="citation"' in cells and 'href="#ref-' in cells
    diazepam = text_of(rows[0][1])
    assert "Moderate: combine only with caution" in diazepam and "Animal data" in diazepam
    assert "Theoretical (from the mechanism)" in text_of(rows[1][1])
    assert 'href="#interactions"' in page.split('<nav id="contents"', 1)[1].split("</nav>", 1)[0]


def test_readers_see_the_cioms_band_beside_the_frequency_as_written(page, demo):
    section = page.split('<section id="side-effects"', 1)[1].split("</section>", 1)[0]
    frequencies = {
        text_of(name): text_of(frequency)
        for name, frequency in re.findall(r'<tr><th scope="row">(.*?)</th><td>(.*?)</td>', section, re.S)
    }
    banded = demo.side_effects.exclude(frequency="not_known")
    assert [(effect.frequency, effect.effect) for effect in banded] == [("common", "Nasal dryness")]
    assert frequencies["Nasal dryness"] == f"{banded.get().frequency_text} · Common (≥1/100 to <1/10)"
    # A band that is not known adds nothing to the frequency as written.
    for effect in demo.side_effects.filter(frequency="not_known"):
        assert frequencies[effect.effect] == effect.frequency_text


def test_check_citations_on_the_demo_reports_only_the_registration_record(capsys):
    with pytest.raises(SystemExit):
        call_command("check_citations")
    output = capsys.readouterr().out
    assert "Sources without any identifier (1)" in output and "1 problem(s)." in output
    assert "ru-moh-registration: Russian Ministry of Health registration documents" in output


def test_the_selank_page_is_one_query(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/compounds/selank/")
    assert response.status_code == 200 and "References" in response.content.decode()


def test_demo_publication_cites_every_source_it_should(demo):
    keys = set(demo.citations.values_list("source__key", flat=True))
    assert len(keys) == 13
    assert {"kasian2017", "ru-moh-registration", "zozulia2008"} <= keys
    assert "kozlovskii2002" not in keys  # linked as the original of kozlovskii2003, not cited itself


def test_the_fixtures_published_pages_are_what_publishing_its_drafts_renders_today(demo):
    from compounds.page import profile_build
    from compounds.selectors import compound_for_profile

    for compound in Compound.objects.published().select_related("live_snapshot"):
        built = profile_build(compound_for_profile(pk=compound.pk))
        # If this fails after a renderer change, rebuild fixtures/demo.json as the README describes.
        assert built.render_body() == compound.live_snapshot.body_html, compound.slug
        assert built.header == compound.live_snapshot.header, compound.slug


def test_loaded_profiles_start_their_history_with_one_import_revision_the_live_version_was_published_from(demo):
    metas = list(demo.revision_metas.all())
    assert [(meta.number, meta.origin, meta.edit_summary) for meta in metas] == [(1, "import", "Initial revision")]
    assert demo.live_snapshot.revision_id == metas[0].revision_id
