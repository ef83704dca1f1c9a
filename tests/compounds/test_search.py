"""Search on /compounds/?q=: what readers find, in what order, with which filters, and what they never find."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from compounds.models import Compound, GlossaryTerm, ProfileSnapshot, RegulatoryStatus, RiskProfile, Synonym
from compounds.search import edit_distance, highlight, query_words, search
from compounds.services import compound_publish, compound_unpublish
from tests.factories import CategoryFactory, CompoundFactory, SectionFactory

pytestmark = pytest.mark.django_db


def found(client, query_string):
    """The names of the profiles on a results page, in order, and the page."""
    response = client.get(f"/compounds/?{query_string}")
    assert response.status_code == 200
    html = response.content.decode()
    return re.findall(r'class="card__title"><a href="[^"]+">([^<]+)</a>', html), html


def published(name, *, section="", category=None, **fields):
    compound = CompoundFactory(name=name, slug=name.lower().replace(" ", "-"), **fields)
    if section:
        SectionFactory(compound=compound, title="Mechanism", anchor="mechanism", body=section)
    if category is not None:
        compound.categories.add(category)
    compound_publish(compound=compound)
    return compound


def test_finds_published_profiles_by_name_synonym_summary_section_and_glossary(client):
    calmex = published("Calmex", section="Calmex modulates the serotonergic system.")
    Synonym.objects.create(compound=calmex, name="TP-7 peptide", position=1)
    GlossaryTerm.objects.create(compound=calmex, term="Tuftsin", meaning="An immune-modulating fragment.", position=1)
    compound_publish(compound=calmex)
    published("Focusol", summary="A stimulant studied for attention.")

    assert found(client, "q=calmex")[0] == ["Calmex"]
    assert found(client, "q=tp-7")[0] == ["Calmex"]
    assert found(client, "q=serotonergic")[0] == ["Calmex"]
    assert found(client, "q=tuftsin")[0] == ["Calmex"]
    assert found(client, "q=attention")[0] == ["Focusol"]
    assert found(client, "q=calm")[0] == ["Calmex"], "a word finds the longer words it begins"
    assert found(client, "q=calmex+attention")[0] == [], "every word must match"


def test_a_name_match_ranks_above_a_mention_in_the_text(client):
    published("Mentioner", section="Unlike Rankex, this one is long studied. " * 3)
    published("Rankex")
    names, html = found(client, "q=rankex")
    assert names == ["Rankex", "Mentioner"]
    assert "2 profiles match" in html


def test_snippets_highlight_the_words_and_escape_the_text(client):
    published("Snippy", section='Binds the <b>receptor</b> & "friends" <script>alert(1)</script> tightly.')
    _names, html = found(client, "q=receptor")
    snippet = re.search(r'<p class="card__snippet">(.*?)</p>', html, re.S).group(1)
    assert "<mark>receptor</mark>" in snippet
    assert "<script" not in snippet and "<b>" not in snippet
    assert "&amp;" in snippet or "&quot;" in snippet or "&#x27;" in snippet or "friends" in snippet


def test_highlight_escapes_everything_but_its_own_marks():
    assert highlight("a <i>b</i> \ue000c\ue001") == "a &lt;i&gt;b&lt;/i&gt; <mark>c</mark>"
    assert highlight("unbalanced \ue000c") == "unbalanced c"


def test_query_syntax_of_the_engines_is_plain_text(client):
    published("Quoted", section="A near miss.")
    for query in ['"', "near(", "a OR", "*", "NOT quoted", "quoted:*", "!!&|", "'); DROP TABLE x; --"]:
        response = client.get("/compounds/", {"q": query})
        assert response.status_code == 200, query
    assert query_words("NOT quoted:* (near)") == ["not", "quoted", "near"]


def test_a_draft_is_never_found(client):
    live = published("Livedrug", section="Published words only.")
    live.what_is_this = "Zygomorphic draft text."
    live.save_content()
    assert found(client, "q=zygomorphic")[0] == []
    CompoundFactory(name="Neverpub", slug="neverpub", summary="Unpublished draft summary.")
    assert found(client, "q=neverpub")[0] == []
    assert found(client, "q=unpublished")[0] == []

    compound_publish(compound=live)
    assert found(client, "q=zygomorphic")[0] == ["Livedrug"], "the new version is found once published"
    live.what_is_this = "Something else now."
    live.save_content()
    compound_publish(compound=live)
    assert found(client, "q=zygomorphic")[0] == [], "an older version's text is not found"

    compound_unpublish(compound=live)
    assert found(client, "q=livedrug")[0] == []
    assert ProfileSnapshot.objects.filter(compound=live).count() == 3, "its versions are kept, unsearched"


def test_filters_combine_with_search_and_sorts_apply(client):
    mood = CategoryFactory(name="Mood", slug="mood")
    published("Alphan", section="Studied for sleep.", category=mood, evidence_level_best=2, risk_profile="low")
    published("Betan", section="Studied for sleep.", category=mood, evidence_level_best=4, risk_profile="moderate")
    gamma = published("Gamman", section="Studied for sleep.", evidence_level_best=3, evidence_level_worst=4)
    RegulatoryStatus.objects.create(compound=gamma, jurisdiction="Russia", state="approved", position=1)
    compound_publish(compound=gamma)

    assert found(client, "q=sleep&category=mood&sort=name")[0] == ["Alphan", "Betan"]
    assert found(client, "q=sleep&risk=moderate")[0] == ["Betan"]
    assert found(client, "q=sleep&evidence=4&sort=name")[0] == ["Betan", "Gamman"], "3-4 counts as level 4 too"
    assert found(client, "q=sleep&regulatory=approved")[0] == ["Gamman"]
    assert found(client, "q=sleep&regulatory=not_approved")[0] == []
    assert found(client, "q=sleep&sort=evidence")[0] == ["Alphan", "Gamman", "Betan"]
    assert found(client, "q=sleep&sort=name")[0] == ["Alphan", "Betan", "Gamman"]
    # Published within one second: give them distinct times, Alphan the newest.
    for days, name in enumerate(["Alphan", "Betan", "Gamman"]):
        ProfileSnapshot.objects.filter(name=name).update(published_at=timezone.now() - timedelta(days=days))
    assert found(client, "sort=updated")[0] == ["Alphan", "Betan", "Gamman"]
    assert found(client, "")[0] == ["Alphan", "Betan", "Gamman"], "without words, the newest first"
    assert found(client, "category=mood&risk=low")[0] == ["Alphan"], "filters work without words too"


def test_a_bad_filter_value_is_explained_and_left_out(client):
    published("Keeper", section="Words.")
    names, html = found(client, "q=keeper&risk=extreme&evidence=9")
    assert names == ["Keeper"]
    assert "Risk profile: Select a valid choice." in html and "It was left out." in html
    assert "Evidence level: Select a valid choice." in html


def test_an_unknown_category_is_not_found(client):
    assert client.get("/compounds/?q=x&category=nope").status_code == 404


def test_pagination_keeps_the_query_filters_and_sort(client, settings):
    settings.MONOGRAPH_PAGE_SIZE = 2
    mood = CategoryFactory(name="Mood", slug="mood")
    for index in range(5):
        published(f"Pager {index}", section="Paged words.", category=mood)
    names1, page1 = found(client, "q=paged&category=mood&sort=name")
    assert names1 == ["Pager 0", "Pager 1"] and "Page 1 of 3" in page1
    next_link = re.search(r'<a rel="next" href="([^"]+)"', page1).group(1).replace("&amp;", "&")
    assert set(next_link.lstrip("?").split("&")) == {"q=paged", "category=mood", "sort=name", "page=2"}
    names2, _ = found(client, next_link.lstrip("?"))
    assert names2 == ["Pager 2", "Pager 3"]


def test_no_results_suggests_a_spelling_that_finds_something(client):
    published("Selankor", summary="Studied for anxiety reduction.")
    _names, html = found(client, "q=selankr")
    assert "No results for “selankr”" in html
    assert re.search(r'Did you mean <a href="\?q=selankor" class="suggestion">selankor</a>', html)
    _names, html = found(client, "q=anxeity")
    assert ">anxiety</a>" in html
    _names, html = found(client, "q=qqqqqq")
    assert "Did you mean" not in html and "Check the spelling" in html


def test_no_suggestion_that_would_find_nothing_under_the_filters(client):
    published("Selankor", summary="Studied for anxiety reduction.", risk_profile="low")
    _names, html = found(client, "q=selankr&risk=high")
    assert "Did you mean" not in html and "Search again without the filters" in html


def test_edit_distance_counts_swaps_once():
    assert edit_distance("anxeity", "anxiety", 2) == 1
    assert edit_distance("selnak", "selank", 2) == 1
    assert edit_distance("abc", "xyzw", 2) == 3  # over the limit


@pytest.mark.parametrize("query_string", ["q=common", "", "category=many", "q=common&sort=name&risk=low"])
def test_query_count_does_not_grow_with_the_results(client, settings, query_string):
    settings.MONOGRAPH_PAGE_SIZE = 50
    many = CategoryFactory(name="Many", slug="many")

    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/compounds/?{query_string}").status_code == 200
        return len(queries)

    published("First", section="A common word.", category=many)
    few = count_queries()
    for index in range(12):
        published(f"More {index}", section="A common word.", category=many)
    assert count_queries() == few <= 5


@pytest.mark.usefixtures("demo_data")
def test_the_demo_is_searchable_after_loaddata(client):
    # The fixture's versions reach the index through the database triggers (SQLite) or the generated column.
    assert found(client, "q=anxiolytic")[0][0] == "Selank"
    assert found(client, "q=semax")[0][0] == "Semax"


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 index")
def test_the_sqlite_index_triggers_survive_every_migration():
    # Django rebuilds a SQLite table for some schema changes, which drops its triggers: a later migration that
    # does so must create them again.
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'compounds_search_%'")
        names = {row[0] for row in cursor.fetchall()}
    assert names == {"compounds_search_insert", "compounds_search_update", "compounds_search_delete"}


def test_unused_risk_choice_keeps_the_index_in_sync(client):
    compound = published("Riskan", risk_profile=RiskProfile.LOW)
    assert found(client, "q=riskan&risk=low")[0] == ["Riskan"]
    Compound.objects.filter(pk=compound.pk).update(risk_profile=RiskProfile.HIGH)
    assert found(client, "q=riskan&risk=high")[0] == [], "filters read the published version, not the draft"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's GIN index")
def test_postgres_search_uses_the_index_the_migration_built(client):
    published("Indexed", section="Words in an index.")
    # Over the whole table: with the live() join the planner may start from the profiles instead, as it should.
    queryset = search(ProfileSnapshot.objects.all(), ["indexed"], phrase="indexed")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = queryset.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "compounds_profilesnapshot_search" in plan, plan
