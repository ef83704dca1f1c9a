"""Markdown profile documents: seed 000 and a differently written BPC-157 document in, profiles out, and the round
trip document → profile → document → profile giving the same page."""

import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from compounds.documents import (
    DocumentError,
    ProfileData,
    decode,
    document_parse,
    parse_dose,
    parse_reference,
    profile_data_published,
    profile_document_export,
    profile_document_import,
)
from compounds.models import Category, Compound, RevisionMeta
from compounds.page import profile_build
from compounds.selectors import compound_for_profile
from evidence.models import Source
from tests.workflow import publish_acknowledging

DOCUMENTS = Path(__file__).resolve().parents[2] / "fixtures" / "documents"
SEED = (DOCUMENTS / "selank-structured-000.txt").read_text()
BPC = (DOCUMENTS / "bpc-157-other-style.md").read_text()

pytestmark = pytest.mark.django_db


def page_of(slug):
    built = profile_build(compound_for_profile(slug=slug))
    return built.render_body(), built.header


def empty_the_database():
    # Variants first: a compound cannot be deleted while a variant points at it.
    Compound.objects.filter(parent__isnull=False).delete()
    Compound.objects.all().delete()
    Source.objects.all().delete()
    Category.objects.all().delete()


def document_tables(text):
    """Data rows of every pipe table in a document, as cell lists."""
    rows, block = [], []
    for line in [*text.splitlines(), ""]:
        if line.lstrip().startswith("|"):
            block.append(line)
            continue
        rows += [[cell.strip() for cell in row.strip().strip("|").split("|")] for row in block[2:]]
        block = []
    return rows


def profile_text(compound):
    """Every value the imported profile holds, for checking that nothing in the document was dropped."""
    values = [str(value) for value in compound.__dict__.values()]
    for model in [m for m in (r.related_model for r in Compound._meta.related_objects) if hasattr(m, "compound")]:
        for row in model.objects.filter(compound=compound):
            values += [str(value) for value in row.__dict__.values()]
            values += (
                [str(v) for child in getattr(row, "rows", None).all() for v in child.__dict__.values()]
                if hasattr(row, "rows")
                else []
            )
    values += [variant.name for variant in compound.variants.all()]
    values += [c.name for c in compound.categories.all()]
    return "\n".join(values)


def plain(text):
    return re.sub(r"[*`]", "", text).strip()


def published_page(client):
    snapshot = Compound.objects.get(slug="selank").live_snapshot
    html = client.get("/compounds/selank/").content.decode()
    # The publication time is the only thing allowed to differ between the two sites: shown in <time>, and as a
    # timestamp in the sharing tags and the structured data.
    html = re.sub(r"<time datetime=\"[^\"]*\">[^<]*</time>", "", html)
    html = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?", "", html)
    return html, snapshot.body_html, snapshot.header


def test_seed_000_imports_exports_and_imports_again_into_an_empty_database_with_the_same_page(client):
    report = profile_document_import(text=SEED, file_name="000.txt")
    assert report.created
    publish_acknowledging(compound=Compound.objects.get(slug="selank"))
    first = published_page(client)
    exported = profile_document_export(data=profile_data_published(Compound.objects.get(slug="selank")))

    empty_the_database()
    profile_document_import(text=exported, file_name="selank.md")
    publish_acknowledging(compound=Compound.objects.get(slug="selank"))

    assert published_page(client) == first
    again = profile_document_export(data=profile_data_published(Compound.objects.get(slug="selank")))
    assert again == exported


def test_the_published_version_is_exported_not_unpublished_changes_in_the_draft(reviewer):
    profile_document_import(text=SEED, file_name="000.txt")
    selank = Compound.objects.get(slug="selank")
    publish_acknowledging(compound=selank, user=reviewer)
    selank.refresh_from_db()
    selank.what_is_this = "An unpublished rewrite."
    selank.save_content()

    published = profile_document_export(data=profile_data_published(Compound.objects.get(slug="selank")))
    assert "An unpublished rewrite." not in published
    assert "anti-anxiety peptide approved in Russia since 2009" in published


def test_seed_000_lands_in_the_structured_parts():
    profile_document_import(text=SEED, file_name="000.txt")
    selank = Compound.objects.get(slug="selank")
    assert (selank.descriptor, selank.evidence_level_display, selank.risk_profile) == (
        "Russian Anxiolytic Peptide",
        "3-4",
        "low",
    )
    assert (selank.sequence, str(selank.molecular_weight)) == ("Thr-Lys-Pro-Arg-Pro-Gly-Pro", "751.90")
    assert (selank.daily_max_low, selank.daily_max_high, selank.daily_max_unit) == (1.5, 2, "mg")
    standard = selank.dosing_protocols.get(name="Standard")
    assert (standard.amount_low, standard.amount_high, standard.unit, standard.doses_per_day_high) == (
        250,
        500,
        "mcg",
        3,
    )
    assert selank.regulatory_statuses.get().label == "Approved in Russia (2009)"
    assert [table.rows.count() for table in selank.comparison_tables.all()] == [7, 7]
    assert sorted(selank.variants.values_list("name", flat=True)) == ["N-Acetyl Selank", "N-Acetyl Selank Amidate"]
    assert selank.contraindications.get(condition="Pregnancy/breastfeeding").qualifier == "no data"
    assert selank.limitations.get(title="Not FDA approved").detail == "Russian approval only"
    assert Source.objects.get(key="seredenin2002").journal == "Zh Vyssh Nerv Deiat"
    assert Source.objects.get(key="seredenin2002").verification == "unverified"
    body, _header = page_of("selank")
    assert "Seredenin SB, et al" in body  # the references reach the page's reference list


def test_every_table_row_of_a_differently_written_document_lands():
    report = profile_document_import(text=BPC, file_name="bpc-157.md")
    bpc = Compound.objects.get(slug="bpc-157")
    stored = profile_text(bpc).casefold()
    for row in document_tables(BPC):
        # Sequence and molecular weight are fields of the compound, not rows: their values land.
        cells = row[1:2] if row[0] in ("Sequence", "Molecular Weight") else row[:2]
        for cell in cells:
            assert plain(cell).casefold().removesuffix(" g/mol") in stored, row
    doses = {p.name: (p.amount_low, p.amount_high, p.unit, p.route) for p in bpc.dosing_protocols.all()}
    assert set(doses) == {row[0] for row in document_tables(BPC) if row[0] in doses}
    assert all(unit == "mcg" or unit == "mg" for _low, _high, unit, _route in doses.values())
    assert any(route == "oral" for *_rest, route in doses.values())  # the extra Route column
    assert any(d[0] == 250 and d[1] == 500 for d in doses.values())  # "250 to 500 µg"
    notes = "\n".join(report.notes)
    assert "No “Regulatory Status” line" in notes
    assert "Storage and Reconstitution” → Markdown section" in notes
    assert "Route → route" in notes
    assert bpc.sections.filter(title="Storage and Reconstitution", body__contains="| Item | Detail |").exists()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("250-500mcg", (250, 500, "mcg")),
        ("250–500 µg", (250, 500, "mcg")),
        ("250 to 500 µg", (250, 500, "mcg")),
        ("1 mg", (1, None, "mg")),
        ("400mcg each", (400, None, "mcg")),
        ("10 mcg/kg", (10, None, "mcg/kg")),
        ("lots", None),
    ],
)
def test_doses_are_read_however_they_are_written(text, expected):
    assert parse_dose(text) == expected


def test_a_reference_line_is_split_into_fields():
    fields = parse_reference(
        "Kasian A, Kolomin T, et al. Peptide Selank. Behav Neurol. 2017;2017:5091027. doi:10.1155/2017/5091027."
    )
    assert fields["authors"] == "Kasian A, Kolomin T, et al"
    assert (fields["title"], fields["journal"], fields["year"]) == ("Peptide Selank", "Behav Neurol", 2017)
    assert fields["doi"] == "10.1155/2017/5091027"


def test_references_are_matched_to_existing_sources_by_doi_or_title_and_year():
    existing = Source.objects.create(key="kozlovskii-memory", title="Optimizing effect of Selank on memory", year=2003)
    report = profile_document_import(text=SEED, file_name="000.txt")
    assert report.sources_matched == ["kozlovskii-memory"]
    assert Source.objects.filter(title=existing.title).count() == 1


def test_an_import_records_one_revision_and_a_dry_run_nothing(editor):
    report = profile_document_import(text=SEED, file_name="000.txt", dry_run=True)
    assert report.dry_run and not Compound.objects.exists() and not Source.objects.exists()
    assert not RevisionMeta.objects.exists()

    profile_document_import(text=SEED, file_name="000.txt", user=editor)
    metas = RevisionMeta.objects.filter(compound__slug="selank")
    assert [(m.origin, m.origin_detail, m.revision.user) for m in metas] == [("import", "000.txt", editor)]
    assert Compound.objects.get(slug="selank").status == "draft"


def test_only_reviewers_may_import_into_a_published_profile(editor, reviewer):
    profile_document_import(text=SEED, file_name="000.txt")
    publish_acknowledging(compound=Compound.objects.get(slug="selank"), user=reviewer)
    with pytest.raises(ValidationError, match="only reviewers"):
        profile_document_import(text=SEED, file_name="000.txt", user=editor)
    report = profile_document_import(text=SEED.replace("LOW", "MODERATE"), file_name="000.txt", user=reviewer)
    assert not report.created
    assert Compound.objects.get(slug="selank").risk_profile == "moderate"  # in the draft
    assert (
        b"Low" in Compound.objects.get(slug="selank").live_snapshot.header.get("risk", {}).get("label", "Low").encode()
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"Just some text\n\n## A section\n", "no title"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not a text file"),
        ("# Sélank\n".encode("latin-1"), "not UTF-8"),
    ],
)
def test_a_document_without_a_title_or_that_is_not_markdown_text_is_refused(data, message):
    with pytest.raises(DocumentError, match=message):
        document_parse(decode(data, "doc.md"))


def test_commands_import_and_export_a_document(tmp_path, capsys):
    source = tmp_path / "selank.md"
    source.write_text(SEED)
    call_command("import_profile", str(source))
    assert "Imported Selank (new draft)" in capsys.readouterr().out
    with pytest.raises(CommandError, match="not published"):
        call_command("export_profile", "selank")
    target = tmp_path / "out.md"
    call_command("export_profile", "selank", draft=True, output=str(target))
    assert target.read_text().startswith("# Selank (Russian Anxiolytic Peptide)\n")
    with pytest.raises(CommandError, match="no title"):
        (tmp_path / "bad.md").write_text("no heading here\n")
        call_command("import_profile", str(tmp_path / "bad.md"))


def test_a_short_dosing_table_and_a_wide_regulatory_row_do_not_break_the_import():
    text = (
        "# Testosterone\n\n## Dosing Summary\n\n| Protocol | Dose |\n|---|---|\n| Std | 5 mg |\n\n"
        "## Regulatory Status\n\n| Jurisdiction | Status |\n|---|---|\n| USA | Approved | extra |\n"
    )
    report = profile_document_import(text=text, file_name="t.md")
    assert report.compound.dosing_protocols.get().amount_low == 5
    assert report.compound.regulatory_statuses.get().jurisdiction == "USA"
    assert any("beyond the table's 2 columns" in note for note in report.notes)


def test_references_split_after_initials_and_two_works_of_one_journal_and_year_stay_two():
    text = (
        "# Compound A\n\n## What Is This?\n\nShown [2].\n\n## References\n\n"
        "1. Smith J, Jones AB. First title here. J Foo. 2001;1:2.\n"
        "   - an editor's annotation, not a reference\n"
        "2. Smith J. Second title here. J Foo. 2001;1:3.\n"
    )
    profile_document_import(text=text, file_name="a.md")
    first, second = Source.objects.order_by("pk")
    assert (first.authors, first.title, first.journal) == ("Smith J, Jones AB", "First title here", "J Foo")
    assert second.title == "Second title here"
    assert f"[@{second.key}]" in Compound.objects.get(slug="compound-a").what_is_this


def test_bracketed_reference_numbers_are_read_as_written():
    text = "# Compound B\n\n## What Is This?\n\nSee [1].\n\n## References\n\n[1] Doe J. A title. J Bar. 2010.\n"
    profile_document_import(text=text, file_name="b.md")
    assert "[@doe2010]" in Compound.objects.get(slug="compound-b").what_is_this


def test_text_beside_a_list_is_kept_and_a_thousands_separator_is_a_thousand():
    text = (
        "# Compound C\n\n## Contraindications\n\nAsk a doctor first.\n\n- Children and\nadolescents\n\n"
        "## Dosing Summary\n\n| Protocol | Dose | Frequency |\n|---|---|---|\n| High | 1,000 mcg | Once daily |\n"
    )
    report = profile_document_import(text=text, file_name="c.md")
    compound = report.compound
    assert compound.contraindications.get().condition == "Children and adolescents"
    assert compound.sections.filter(body="Ask a doctor first.").exists()
    assert compound.dosing_protocols.get().amount_low == 1000


def test_reimporting_a_document_clears_what_it_no_longer_says():
    profile_document_import(text=SEED, file_name="000.txt")
    shorter = SEED.replace("**OCEBM Evidence Level:** 3-4", "**OCEBM Evidence Level:** 3").replace(
        "### Cycling (Russian Protocol)", "### Notes on cycling"
    )
    profile_document_import(text=shorter, file_name="000.txt")
    selank = Compound.objects.get(slug="selank")
    assert (selank.evidence_level_best, selank.evidence_level_worst) == (3, None)
    assert selank.cycling == "" and selank.sections.filter(title="Notes on cycling").exists()


def test_animal_doses_and_protocols_left_out_of_the_summary_survive_the_round_trip():
    profile_document_import(text=SEED, file_name="000.txt")
    selank = Compound.objects.get(slug="selank")
    selank.dosing_protocols.filter(name="Standard").update(species="rat", unit="mg/kg", in_summary=False)
    exported = profile_document_export(data=ProfileData.from_database(selank))
    empty_the_database()
    profile_document_import(text=exported, file_name="selank.md")
    standard = Compound.objects.get(slug="selank").dosing_protocols.get(name="Standard")
    assert (standard.species, standard.in_summary) == ("rat", False)


def test_numbers_in_brackets_that_are_not_reference_ranges_are_left_alone():
    text = "# Compound D\n\n## What Is This?\n\nScale [3-1] and [1-2000000000].\n\n## References\n\n1. Doe J. T. J. 2010.\n"
    profile_document_import(text=text, file_name="d.md")
    assert "Scale [3-1] and [1-2000000000]." in Compound.objects.get(slug="compound-d").what_is_this
