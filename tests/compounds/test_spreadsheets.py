"""Spreadsheet imports and exports: all or nothing, errors that say where, one revision per changed profile,
drafts only, formulas escaped."""

import io
import json

import pytest
import tablib
from django.core.management import CommandError, call_command

from compounds.models import Category, Compound, RevisionMeta, Specification
from compounds.spreadsheets import (
    RESOURCES,
    ImportFileError,
    dataset_from_file,
    spreadsheet_export,
    spreadsheet_import,
)
from evidence.models import Source

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_data")]


def csv_dataset(text):
    return dataset_from_file(text.encode(), "rows.csv")


def stored():
    """Everything the import could have written, with database ids: equal before and after means untouched."""
    out = io.StringIO()
    call_command("dumpdata", "compounds", "evidence", "reversion", stdout=out)
    return out.getvalue()


def run(resource, text, **kwargs):
    return spreadsheet_import(resource_name=resource, dataset=csv_dataset(text), file_name="rows.csv", **kwargs)


ERROR_CASES = {
    "invalid choice": (
        "dosing_protocols",
        "compound,name,amount_low,unit,amount_text,frequency_text\nn-acetyl-selank,Standard,250,lots,250 lots,daily\n",
        ["Row 2", "column “unit”", "value “lots”", "not a valid choice"],
    ),
    "bad number": (
        "dosing_protocols",
        "compound,name,amount_low,unit,amount_text,frequency_text\nn-acetyl-selank,Standard,a lot,mg,x,daily\n",
        ["Row 2", "column “amount_low”", "value “a lot”"],
    ),
    "unknown related key": (
        "specifications",
        "compound,label,value\nselank-x,Origin,Somewhere\n",
        ["Row 2", "column “compound”", "value “selank-x”", "no compound has slug “selank-x”"],
    ),
    "unknown many-to-many value": (
        "compounds",
        'slug,name,categories\nn-acetyl-selank,N-Acetyl Selank,"mood-stress, no-such-category"\n',
        ["Row 2", "column “categories”", "no-such-category"],
    ),
    "duplicate key in the file": (
        "glossary_terms",
        "compound,term,meaning\nn-acetyl-selank,GABA,one\nn-acetyl-selank,gaba,two\n",
        ["Row 3", "compound + term", "also on row 2"],
    ),
    "unknown column": (
        "specifications",
        "compound,label,value,colour\nselank,Origin,x,red\n",
        ["“colour” (column 4)", "compound, label, position, value"],
    ),
    "missing key column": ("specifications", "label,value\nOrigin,x\n", ["Missing column “compound”"]),
    "citation key naming no source": (
        "sections",
        "compound,title,anchor,body\nn-acetyl-selank,Overview,overview,Works [@nosuch2020].\n",
        ["Row 2", "column “body”", "@nosuch2020"],
    ),
    "database constraint": (
        "compounds",
        "slug,name,evidence_level_best,evidence_level_worst\nn-acetyl-selank,N-Acetyl Selank,4,2\n",
        ["Row 2, column slug (“n-acetyl-selank”)", "weaker end of an evidence range"],
    ),
    "header only": ("specifications", "compound,label,value\n", ["holds no rows"]),
}


@pytest.mark.parametrize("case", ERROR_CASES, ids=list(ERROR_CASES))
def test_a_bad_file_is_refused_whole_naming_row_column_and_value(case):
    resource, text, expected = ERROR_CASES[case]
    # A good row first: it must not be kept either.
    before = stored()

    report = run(resource, text)

    assert not report.ok
    message = " | ".join(report.errors)
    for part in expected:
        assert part in message
    assert stored() == before


def test_one_bad_row_among_good_ones_keeps_none_of_them():
    before = stored()
    report = run(
        "specifications",
        "compound,label,value\nselank,Storage,Fridge\nsemax,Storage,Fridge\nnone-such,Storage,Fridge\n",
    )
    assert report.errors == ["Row 4, column “compound”, value “none-such”: no compound has slug “none-such”"]
    assert stored() == before


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "rows.csv", "rows.csv is empty"),
        ("compound,label\nselank,Ürsprung\n".encode("latin-1"), "rows.csv", "is not UTF-8 text"),
        (b"\x00\x01\x02binary", "rows.csv", "is not a text file"),
        (b"compound,label\n", "rows.txt", "give a .csv, .xlsx or .json file"),
        (b"[{not json", "rows.json", "cannot be read as JSON"),
        (b"PK\x03\x04 not a workbook", "rows.xlsx", "cannot be read as XLSX"),
    ],
)
def test_a_file_that_cannot_be_read_says_why(data, name, message):
    with pytest.raises(ImportFileError, match=message):
        dataset_from_file(data, name)


def test_an_import_records_one_revision_per_changed_profile_with_file_and_user(reviewer):
    report = run(
        "specifications",
        "compound,label,value\nselank,Storage,Fridge\nselank,Origin,Changed\nsemax,Storage,Fridge\n",
        user=reviewer,
    )
    assert report.ok, report.errors
    assert (report.new, report.updated, report.revisions) == (2, 1, 2)
    for slug, rows in (("selank", 2), ("semax", 1)):
        meta = RevisionMeta.objects.filter(compound__slug=slug).order_by("-number").first()
        assert meta.origin == "import"
        assert meta.origin_detail == f"rows.csv: {rows} row{'s' if rows > 1 else ''} of specifications"
        assert meta.revision.user == reviewer
        stored_objects = {version.content_type.model for version in meta.revision.version_set.all()}
        assert {"compound", "specification"} <= stored_objects
    selank_revision = RevisionMeta.objects.filter(compound__slug="selank").order_by("-number").first().revision
    assert "section" in {version.content_type.model for version in selank_revision.version_set.all()}  # whole


def test_a_dry_run_writes_nothing_and_records_nothing():
    before = stored()
    report = run("specifications", "compound,label,value\nselank,Storage,Fridge\n", dry_run=True)
    assert report.ok and report.new == 1 and report.revisions == 0
    assert stored() == before


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_reimporting_an_unchanged_export_changes_nothing_and_records_nothing(fmt):
    for name in RESOURCES:
        if not RESOURCES[name]._meta.model.objects.exists():
            continue
        exported = spreadsheet_export(resource_name=name, fmt=fmt)
        data = exported if isinstance(exported, bytes) else exported.encode()
        before = stored()
        report = spreadsheet_import(
            resource_name=name, dataset=dataset_from_file(data, f"export.{fmt}"), file_name=f"export.{fmt}"
        )
        assert report.ok, (name, report.errors)
        assert (report.new, report.updated, report.revisions) == (0, 0, 0), name
        assert report.unchanged == report.rows
        assert stored() == before, name


def test_an_import_into_a_published_profile_changes_its_draft_not_what_readers_see(client, reviewer):
    page = client.get("/compounds/selank/").content
    report = run("specifications", "compound,label,value\nselank,Origin,Somewhere else\n", user=reviewer)
    assert report.ok
    assert Specification.objects.get(compound__slug="selank", label="Origin").value == "Somewhere else"
    assert client.get("/compounds/selank/").content == page
    assert Compound.objects.get(slug="selank").live_snapshot.version == 1


def test_editors_may_import_into_drafts_only(editor):
    before = stored()
    report = run(
        "specifications",
        "compound,label,value\nn-acetyl-selank,Storage,Fridge\nselank,Storage,Fridge\n",
        user=editor,
    )
    assert report.errors == ["Row 3: Selank is published: only reviewers may import changes into its draft."]
    assert stored() == before

    report = run("specifications", "compound,label,value\nn-acetyl-selank,Storage,Fridge\n", user=editor)
    assert report.ok and report.new == 1


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_cells_a_spreadsheet_would_run_as_formulas_are_escaped_and_read_back(fmt, reviewer):
    values = ["=HYPERLINK(1)", "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "plain"]
    body = "compound,label,value\n" + "".join(f'n-acetyl-selank,L{i},"{v}"\n' for i, v in enumerate(values))
    assert run("specifications", body, user=reviewer).ok

    exported = spreadsheet_export(resource_name="specifications", fmt=fmt)
    dataset = tablib.Dataset().load(exported, format=fmt)
    cells = {row["label"]: row["value"] for row in dataset.dict if row["compound"] == "n-acetyl-selank"}
    assert [cells[f"L{i}"] for i in range(len(values))] == [
        "'=HYPERLINK(1)",
        "'+1+1",
        "'-2+3",
        "'@SUM(A1)",
        "'\tcmd",
        "plain",
    ]
    name = f"export.{fmt}"
    data = exported if isinstance(exported, bytes) else exported.encode()
    report = spreadsheet_import(resource_name="specifications", dataset=dataset_from_file(data, name), file_name=name)
    assert report.ok and report.updated == 0 and report.new == 0  # read back as the values they were


def test_import_data_command_reports_and_fails_with_a_non_zero_status(tmp_path, capsys):
    good = tmp_path / "specs.csv"
    good.write_text("compound,label,value\nn-acetyl-selank,Storage,Fridge\n")
    call_command("import_data", "specifications", str(good))
    assert "1 new, 0 updated, 0 unchanged; 1 revision(s) recorded" in capsys.readouterr().out

    bad = tmp_path / "bad.csv"
    bad.write_text("compound,label,value\nnope,Storage,Fridge\n")
    with pytest.raises(CommandError, match="1 error"):
        call_command("import_data", "specifications", str(bad))
    assert "Row 2, column “compound”, value “nope”" in capsys.readouterr().err


def test_import_data_dry_run_and_user_options(tmp_path, editor, capsys):
    path = tmp_path / "specs.csv"
    path.write_text("compound,label,value\nselank,Storage,Fridge\n")
    with pytest.raises(CommandError):
        call_command("import_data", "specifications", str(path), user="eddie")
    call_command("import_data", "specifications", str(path), dry_run=True)
    assert "Would import 1 row(s)" in capsys.readouterr().out
    assert not Specification.objects.filter(label="Storage").exists()
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        call_command("import_data", "specifications", str(path), user="nobody")


def test_export_data_command_writes_each_format(tmp_path, capsys):
    call_command("export_data", "sources")
    assert capsys.readouterr().out.startswith("key,authors,title")
    target = tmp_path / "specs.json"
    call_command("export_data", "specifications", format="json", output=str(target))
    assert {"compound": "selank", "label": "Origin"}.items() <= json.loads(target.read_text())[0].items()
    with pytest.raises(CommandError, match="give --output"):
        call_command("export_data", "sources", format="xlsx")


def test_every_required_kind_of_row_has_a_resource():
    wanted = {
        "compounds",
        "categories",
        "sources",
        "specifications",
        "dosing_protocols",
        "side_effects",
        "contraindications",
        "glossary_terms",
        "sections",
        "findings",
        "vendor_offers",
        "regulatory_statuses",
    }
    assert wanted <= set(RESOURCES)


def test_import_data_checks_the_permission_for_the_kind_of_content(tmp_path, editor, reviewer):
    path = tmp_path / "categories.csv"
    path.write_text("slug,name\nsleep,Sleep\n")
    with pytest.raises(CommandError, match="compounds.import_category"):
        call_command("import_data", "categories", str(path), user="eddie")
    call_command("import_data", "categories", str(path), user="rita", stdout=io.StringIO())
    assert Category.objects.filter(slug="sleep").exists()


def test_empty_rows_at_the_end_of_a_sheet_are_not_rows():
    report = run("specifications", "compound,label,value\nn-acetyl-selank,Storage,Fridge\n,,\n,,\n")
    assert report.ok and report.rows == 1


def test_a_whole_number_column_with_text_names_the_column():
    report = run("specifications", "compound,label,value,position\nn-acetyl-selank,Storage,Fridge,first\n")
    assert report.errors == ["Row 2, column “position”, value “first”: write a whole number, e.g. 3"]


def test_renaming_a_category_by_import_renames_its_chip_on_published_pages(client, reviewer):
    assert run("categories", "slug,name\ncognitive,Memory & Focus\n", user=reviewer).ok
    assert "Memory &amp; Focus" in client.get("/compounds/selank/").content.decode()


def test_a_sources_import_records_one_revision_of_the_changed_sources(reviewer):
    report = run(
        "sources", "key,title,year\nnew-review-2024,A new review,2024\nother-2023,Another one,2023\n", user=reviewer
    )
    assert report.ok and report.revisions == 1
    meta = RevisionMeta.objects.filter(compound__isnull=True).order_by("-pk").first()
    assert (meta.origin, meta.origin_detail, meta.revision.user) == ("import", "rows.csv: 2 source(s)", reviewer)
    assert meta.revision.version_set.count() == 2


def test_a_sources_import_reads_identifiers_as_pasted(reviewer):
    report = run(
        "sources",
        "key,title,doi,pmid,pmcid\n"
        "pasted-2025,Pasted,doi: https://doi.org/10.1000/Pasted.,PMID: 40000001,"
        "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC7000001/\n"
        "linked-2025,Linked,10.1000/linked,https://pubmed.ncbi.nlm.nih.gov/40000002/,pmcid: pmc7000002\n",
        user=reviewer,
    )
    assert report.ok, report.errors
    stored_ids = Source.objects.filter(key__in=["pasted-2025", "linked-2025"]).order_by("-key")
    assert list(stored_ids.values_list("doi", "pmid", "pmcid")) == [
        ("10.1000/pasted", 40000001, "PMC7000001"),
        ("10.1000/linked", 40000002, "PMC7000002"),
    ]


def test_a_pmid_an_import_cannot_read_names_row_column_and_value():
    report = run("sources", "key,title,pmid\npasted-2025,Pasted,PMID 4000000l\n")
    assert report.errors == [
        "Row 2, column “pmid”, value “PMID 4000000l”: “PMID 4000000l” is not a PMID. Give the PubMed number, "
        "e.g. 28280289, or paste the PubMed link."
    ]
