"""What the admin's pages cost in queries: the same for a small profile or list as for a big one.

Each page is counted after a read that fills the caches a running site has full (content types, templates).
The counts and page sizes are printed (`pytest -s`) so that a change in them can be read off.
"""

import re

import pytest
import reversion
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from compounds.models import TimePhase
from compounds.parts import PARTS
from compounds.services import compound_delete, compound_revision
from tests import factories as f
from tests.admin_forms import form_data, row_prefix
from tests.workflow import publish_acknowledging

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_data")]

ROW_FACTORIES = {
    "synonyms": f.SynonymFactory,
    "specifications": f.SpecificationFactory,
    "regulatory_statuses": f.RegulatoryStatusFactory,
    "glossary_terms": f.GlossaryTermFactory,
    "sections": f.SectionFactory,
    "comparison_tables": f.ComparisonTableFactory,
    "use_cases": f.UseCaseFactory,
    "dosing_protocols": f.DosingProtocolFactory,
    "administration_steps": f.AdministrationStepFactory,
    "time_course": f.TimeCourseFactory,
    "timeline": f.TimelineEntryFactory,
    "side_effects": f.SideEffectFactory,
    "interactions": f.InteractionFactory,
    "contraindications": f.ContraindicationFactory,
    "limitations": f.LimitationFactory,
    "related_links": f.RelatedCompoundFactory,
    "findings": f.FindingFactory,
    "outcome_grades": f.OutcomeGradeFactory,
    "citations": f.CitationFactory,
    "vendor_offers": f.VendorOfferFactory,
}


def profile(*, rows, citations, user):
    """A profile with `rows` rows of every kind the form edits and `citations` cited sources. Every row that
    points somewhere points at a different outcome, source or compound, as on a real large profile."""
    compound = f.CompoundFactory(parent=f.CompoundFactory())
    compound.categories.add(f.CategoryFactory())
    sources = f.SourceFactory.create_batch(max(rows, citations))
    outcomes = f.OutcomeFactory.create_batch(rows)
    others = f.CompoundFactory.create_batch(rows)
    use_cases = []
    per_row = {
        "comparison_tables": lambda i: {"other_compound": others[i]},
        "dosing_protocols": lambda i: {"use_case": use_cases[i]},
        "related_links": lambda i: {"related": others[i]},
        "findings": lambda i: {"outcome": outcomes[i], "source": sources[i]},
        "outcome_grades": lambda i: {"outcome": outcomes[i], "set_by": user},
        "vendor_offers": lambda i: {"amount_mg": i + 1},
    }
    for part in PARTS:
        if part.form is None:
            continue
        if part.key == "citations":
            for number, source in enumerate(sources[:citations], start=1):
                f.CitationFactory(compound=compound, source=source, number=number)
            continue
        # A profile lists each phase of its time course once.
        count = min(rows, len(TimePhase)) if part.key == "time_course" else rows
        ordered = any(field.name == "position" for field in part.model._meta.concrete_fields)
        made = [
            ROW_FACTORIES[part.key](
                compound=compound, **({"position": i} if ordered else {}), **per_row.get(part.key, lambda i: {})(i)
            )
            for i in range(count)
        ]
        if part.key == "use_cases":
            use_cases.extend(made)
    return compound


def count_queries(client, url, warm=True, **params):
    """Queries of one read of the page and the page's size; `warm`: after a read that fills the caches a
    running site has full (content types, templates)."""
    if warm:
        assert client.get(url, params).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured), len(response.content)


def change_url(compound):
    return reverse("admin:compounds_compound_change", args=[compound.pk])


# The change form of a profile: 34 queries for an Editor, whatever its size (112 for Selank before the rows'
# choices were shared). The ceiling leaves a little room; a query per row or per table would not fit in it.
FORM_QUERY_CEILING = 40


def test_every_kind_of_row_on_the_form_is_in_the_big_profile():
    assert {part.key for part in PARTS if part.form is not None} == set(ROW_FACTORIES)


def test_the_compound_form_costs_the_same_queries_for_a_small_or_a_big_profile(client, demo, editor):
    client.force_login(editor)
    small = profile(rows=1, citations=1, user=editor)
    big = profile(rows=50, citations=200, user=editor)
    counts = {"small": count_queries(client, change_url(small))}
    counts["selank"] = count_queries(client, change_url(demo), warm=False)
    counts["big"] = count_queries(client, change_url(big), warm=False)
    print("compound form (queries, bytes):", counts)
    assert counts["small"][0] == counts["big"][0] == counts["selank"][0]
    assert counts["big"][0] <= FORM_QUERY_CEILING


def test_a_superuser_s_form_costs_the_same_queries_for_a_small_or_a_bigger_profile(client, demo, superuser):
    client.force_login(superuser)
    counts = [count_queries(client, change_url(profile(rows=rows, citations=rows, user=superuser))) for rows in (1, 4)]
    counts.append(count_queries(client, change_url(demo)))
    print("compound form, superuser (queries, bytes):", counts)
    assert counts[0][0] == counts[1][0] == counts[2][0] <= FORM_QUERY_CEILING


def test_every_row_shows_what_it_points_at(client, editor):
    """The rows' choices come from what the rows were read with and from one list per table: each row still
    shows its own."""
    client.force_login(editor)
    compound = profile(rows=3, citations=3, user=editor)
    html = client.get(change_url(compound)).content.decode()
    chosen = [
        *((finding.source, finding.outcome) for finding in compound.findings.all()),
        *((grade.outcome,) for grade in compound.outcome_grades.all()),
        *((link.related,) for link in compound.related_links.all()),
        *((table.other_compound,) for table in compound.comparison_tables.all()),
        *((protocol.use_case,) for protocol in compound.dosing_protocols.all()),
    ]
    for obj in (obj for row in chosen for obj in row):
        assert f'<option value="{obj.pk}" selected>{obj}</option>' in html, obj
    # A protocol's use case is chosen from a list of the profile's use cases, the same on every row.
    for use_case in compound.use_cases.all():
        option = re.compile(rf'<option value="{use_case.pk}"( selected)?>{re.escape(str(use_case))}</option>')
        assert len(option.findall(html)) == compound.dosing_protocols.count() + 1  # and the template of a new row


def refused_save(client, compound, new_sources):
    """Post the profile's form with an error (no name), its first findings pointing at `new_sources`."""
    url = change_url(compound)
    data = form_data(client, url)
    data["name"] = ""  # a profile needs a name
    for finding, source in zip(compound.findings.order_by("pk"), new_sources, strict=False):
        data[f"{row_prefix(data, 'findings', finding)}-source"] = str(source.pk)
    with CaptureQueriesContext(connection) as captured:
        response = client.post(url, data)
    assert response.status_code == 200 and response.context["adminform"].form.errors
    return response.content.decode(), [query["sql"] for query in captured]


def test_a_refused_save_shows_the_form_again_for_the_same_queries_whatever_the_profile_s_size(client, editor):
    client.force_login(editor)
    counts = []
    for rows in (1, 1, 4):  # the first fills the caches
        compound = profile(rows=rows, citations=rows, user=editor)
        _html, queries = refused_save(client, compound, [f.SourceFactory()])  # one row changed: its own checks
        counts.append(len(queries))
    print("refused save (queries):", counts[1:])
    assert counts[1] == counts[2]


def test_a_refused_save_shows_each_row_s_posted_choice_read_for_all_rows_at_once(client, editor):
    client.force_login(editor)
    compound = profile(rows=4, citations=4, user=editor)
    chosen = f.SourceFactory.create_batch(4, title="Chosen instead")
    html, queries = refused_save(client, compound, chosen)
    for source in chosen:
        assert f'<option value="{source.pk}" selected>{source}</option>' in html
    assert html.count("Chosen instead") == len(chosen)
    assert len([sql for sql in queries if 'FROM "evidence_source" WHERE "evidence_source"."id" IN' in sql]) == 1


def test_the_boxes_that_choose_a_source_an_outcome_or_a_profile_work_for_an_editor(client, editor):
    """The rows' autocomplete boxes ask the admin for choices as the Editor, who may search each list."""
    client.force_login(editor)
    source, outcome, other = f.SourceFactory(title="Anxiolytic trial"), f.OutcomeFactory(), f.CompoundFactory()
    boxes = [
        ("evidence", "finding", "source", "Anxiolytic", source),
        ("evidence", "finding", "outcome", outcome.name, outcome),
        ("evidence", "outcomegrade", "outcome", outcome.name, outcome),
        ("compounds", "relatedcompound", "related", other.name, other),
        ("compounds", "comparisontable", "other_compound", other.name, other),
    ]
    for app_label, model_name, field_name, term, expected in boxes:
        params = {"app_label": app_label, "model_name": model_name, "field_name": field_name, "term": term}
        response = client.get(reverse("admin:autocomplete"), params)
        assert response.status_code == 200, field_name
        assert str(expected.pk) in [result["id"] for result in response.json()["results"]], field_name


def published_compounds(count, user, publish_every=10):
    """`count` profiles, each filed under a category, citing a source and with a revision; the first and every
    `publish_every`th published."""
    category = f.CategoryFactory()
    compounds = f.CompoundFactory.create_batch(count)
    for index, compound in enumerate(compounds):
        with compound_revision(compound=compound, user=user, edit_summary="Start"):
            compound.categories.add(category)
            f.SectionFactory(compound=compound)
            f.CitationFactory(compound=compound, number=1)
        if publish_every and index % publish_every == 0:
            publish_acknowledging(compound=compound, user=user)
    return compounds


def test_the_compound_list_costs_the_same_queries_for_1_or_60_more_profiles(client, editor, reviewer):
    client.force_login(editor)
    url = reverse("admin:compounds_compound_changelist")
    published_compounds(1, reviewer)
    one = count_queries(client, url)
    published_compounds(59, reviewer)
    sixty = count_queries(client, url)
    print("compound list (queries, bytes):", {"1": one, "60": sixty})
    assert one[0] == sixty[0]
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    # A published version's stored page and text are most of its row; the list shows its number.
    assert not [query for query in captured if "body_html" in query["sql"]]
    # The citations are counted per row shown, not by grouping every profile (see evidence.admin.count_of).
    assert not [query for query in captured if 'GROUP BY "compounds_compound"."id"' in query["sql"]]


def test_the_source_list_costs_the_same_queries_for_a_few_or_some_hundred_sources(client, editor):
    client.force_login(editor)
    url = reverse("admin:evidence_source_changelist")
    compound = f.CompoundFactory()
    for number, source in enumerate(f.SourceFactory.create_batch(3), start=1):
        f.CitationFactory(compound=compound, source=source, number=number)
    few = count_queries(client, url)
    for number, source in enumerate(f.SourceFactory.create_batch(300), start=4):
        f.CitationFactory(compound=compound, source=source, number=number)
    many = count_queries(client, url)
    searched = count_queries(client, url, q="study")
    print("source list (queries, bytes):", {"few": few, "many": many, "searched": searched})
    assert few[0] == many[0]
    assert searched[0] <= many[0] + 1  # the search costs no query per row either
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    # At 100k sources, grouping the table with its citations made the list, its total and its filters slow.
    assert not [query for query in captured if 'GROUP BY "evidence_source"."id"' in query["sql"]]


def revise_source(source, times, user):
    for number in range(times):
        with reversion.create_revision():
            reversion.set_user(user)
            source.title = f"Revised title {number}"
            source.save()


def test_the_history_pages_cost_the_same_queries_for_1_or_30_revisions(client, editor, reviewer):
    client.force_login(editor)
    counts = {}
    for total in (1, 30):
        compound = f.CompoundFactory()
        for number in range(total):
            with compound_revision(compound=compound, user=editor, edit_summary=f"Edit {number}"):
                f.SectionFactory(compound=compound)
        if total > 1:
            publish_acknowledging(compound=compound, user=reviewer)
        source = f.SourceFactory()
        revise_source(source, total, editor)
        counts[total] = {
            "compound history": count_queries(client, reverse("admin:compounds_compound_history", args=[compound.pk])),
            "source history": count_queries(client, reverse("admin:evidence_source_history", args=[source.pk])),
        }
    print("history (queries, bytes):", counts)
    for page, (queries, _size) in counts[1].items():
        assert counts[30][page][0] == queries, page


def test_the_recover_list_costs_the_same_queries_for_1_or_30_deleted_profiles(client, reviewer):
    client.force_login(reviewer)
    url = reverse("admin:compounds_compound_recoverlist")
    counts = []
    for total in (1, 29):
        for compound in published_compounds(total, reviewer, publish_every=0):
            compound_delete(compound=compound, user=reviewer)
        counts.append(count_queries(client, url))
    print("recover list (queries, bytes):", counts)
    assert counts[0][0] == counts[1][0]


def test_the_lists_count_what_each_row_is_used_by_and_sort_by_it(client, editor):
    """The counts are subqueries now (see evidence.admin.count_of): each still counts its own rows only."""
    client.force_login(editor)
    first, second = f.CompoundFactory(name="Aaa counted"), f.CompoundFactory(name="Aab counted")
    cited_twice, cited_once = f.SourceFactory(key="aaa-twice"), f.SourceFactory(key="aab-once")
    for number, (compound, source) in enumerate(
        [(first, cited_twice), (second, cited_twice), (first, cited_once)], start=1
    ):
        f.CitationFactory(compound=compound, source=source, number=number)
    outcome, category = f.OutcomeFactory(name="Aaa outcome"), f.CategoryFactory(name="Aaa category")
    f.FindingFactory(compound=first, outcome=outcome, source=cited_twice)
    f.FindingFactory(compound=second, outcome=outcome, source=cited_twice)
    first.categories.add(category)
    second.categories.add(category)

    def totals(url_name, column, **params):
        response = client.get(reverse(url_name), params)
        return {getattr(row, "key", str(row)): getattr(row, column) for row in response.context["cl"].result_list}

    sources = totals("admin:evidence_source_changelist", "citation_total", q="aa")
    assert (sources["aaa-twice"], sources["aab-once"]) == (2, 1)
    assert totals("admin:compounds_compound_changelist", "citation_total", q="counted") == {
        "Aaa counted": 2,
        "Aab counted": 1,
    }
    assert totals("admin:evidence_outcome_changelist", "usage_total", q="Aaa outcome") == {"Aaa outcome": 2}
    assert totals("admin:compounds_category_changelist", "usage_total", q="Aaa category") == {"Aaa category": 2}
    url = reverse("admin:evidence_source_changelist")
    column = client.get(url).context["cl"].list_display.index("cited_by")
    most_cited_first = client.get(url, {"q": "aa", "o": f"-{column}"}).context["cl"].result_list
    assert [source.key for source in most_cited_first if source.key.startswith("aa")] == ["aaa-twice", "aab-once"]
