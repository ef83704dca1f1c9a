import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import reverse

from compounds.models import Category, Citation, Compound, ProfileSnapshot, RelatedCompound
from compounds.page import profile_citations
from compounds.selectors import compound_for_profile
from compounds.services import compound_publish
from compounds.stored_pages import page_format
from evidence.models import Outcome, Source

# Every test reads the corpus the module seeds once (see corpus_data), so none depends on which ran first.
pytestmark = pytest.mark.usefixtures("corpus")

# Seed 5 gives this corpus two variants of one profile (a page linking to profiles seeded after it).
SMALL = ["--compounds", "12", "--sources", "240", "--seed", "5", "--big-compounds", "1"]


def seed(*args):
    out = io.StringIO()
    call_command("seed_bench", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def corpus_data(django_db_setup, django_db_blocker):
    """The small corpus, seeded once per module in a transaction rolled back after it (each test runs in a
    savepoint of its own)."""
    with django_db_blocker.unblock():
        block = transaction.atomic()
        block.__enter__()
        try:
            yield seed(*SMALL)
        finally:
            transaction.set_rollback(True)
            block.__exit__(None, None, None)


@pytest.fixture
def corpus(corpus_data, db):
    return corpus_data


def corpus_dump():
    """What readers and editors see of the corpus, named by natural keys (database ids differ between runs)."""
    return {
        "sources": list(
            Source.objects.order_by("key").values_list(
                "key", "authors", "title", "translated_title", "year", "doi", "pmid", "pmcid", "verification"
            )
        ),
        "compounds": list(
            Compound.objects.order_by("slug").values_list(
                "slug", "name", "uid", "parent__slug", "status", "what_is_this", "created_at"
            )
        ),
        "sections": list(Compound.objects.order_by("slug", "sections__position").values_list("slug", "sections__body")),
        "citations": list(
            Citation.objects.order_by("compound__slug", "number").values_list(
                "compound__slug", "source__key", "number", "uses"
            )
        ),
        "snapshots": [
            (
                s.slug,
                s.version,
                s.published_at,
                s.body_html,
                s.header,
                s.data,
                s.references,
                s.search_text,
                s.acknowledged_warnings,
                s.page_html,
                s.page_etag,
                s.page_rendered_at,
                sorted(c.slug for c in s.categories.all()),
                sorted(c.slug for c in s.linked_compounds.all()),
            )
            for s in ProfileSnapshot.objects.order_by("slug").prefetch_related("categories", "linked_compounds")
        ],
    }


def flush_corpus():
    Compound.objects.update(parent=None)  # a variant's parent is protected
    Compound.objects.all().delete()
    Source.objects.all().delete()
    Category.objects.all().delete()
    Outcome.objects.all().delete()


def test_the_same_numbers_and_seed_give_the_same_corpus_and_another_seed_another(corpus):
    first = corpus_dump()
    flush_corpus()
    seed(*SMALL)
    assert corpus_dump() == first

    flush_corpus()
    seed(*SMALL[:-4], "--seed", "6", "--big-compounds", "1")
    other = corpus_dump()
    assert other["compounds"] != first["compounds"]
    assert other["snapshots"] != first["snapshots"]


def test_every_profile_is_published_once_without_revisions_and_its_page_numbers_its_citations(client, corpus):
    assert "Seeded 12 published profiles (1 citing 200 sources), 240 sources" in corpus
    compounds = list(Compound.objects.select_related("live_snapshot").order_by("pk"))
    assert len(compounds) == 12
    published_at = set()
    for compound in compounds:
        snapshot = compound.live_snapshot
        assert compound.is_live and compound.snapshots.count() == 1
        assert snapshot.version == 1 and snapshot.revision_id is None and snapshot.published_at.microsecond == 0
        published_at.add(snapshot.published_at)
        assert snapshot.page_format == page_format()  # served as stored, not rendered again at the request

        response = client.get(reverse("compounds:detail", args=[snapshot.slug]))
        assert response.status_code == 200
        page = response.content.decode()
        assert snapshot.citation_count == compound.citations.count() > 0
        numbers = [int(n) for n in re.findall(r'<li id="ref-(\d+)"', page)]
        assert numbers == list(range(1, snapshot.citation_count + 1))
        # The Citation rows are those an editor's save would derive from the Markdown.
        registry = profile_citations(compound_for_profile(pk=compound.pk))
        assert [(ref.source.pk, ref.number, len(ref.uses)) for ref in registry.references] == list(
            compound.citations.order_by("number").values_list("source_id", "number", "uses")
        )
    assert len(published_at) == 12  # distinct, whole seconds


def test_a_seeded_version_is_what_publishing_the_profile_would_store(corpus, reviewer):
    """compound_publish finds nothing for readers to change: the seeded page (links to other profiles included,
    built while all were live) is byte for byte what it would publish now."""
    parent = Compound.objects.filter(variants__isnull=False).distinct().get()
    assert [variant["url"] for variant in parent.live_snapshot.header["variants"]] == [
        reverse("compounds:detail", args=[variant.slug]) for variant in parent.variants.order_by("name")
    ]
    linking = RelatedCompound.objects.values_list("compound_id", flat=True)
    compounds = [parent, *Compound.objects.filter(pk__in=linking).exclude(pk=parent.pk).order_by("pk")[:2]]
    for compound in compounds:
        live = compound.live_snapshot
        assert live.linked_compounds.exists()
        acknowledged = [warning["message"] for warning in live.acknowledged_warnings]
        result = compound_publish(compound=compound, user=reviewer, acknowledged=acknowledged)
        assert result.pk == live.pk and not result.is_new


def test_citations_are_skewed_and_sources_shared(corpus):
    counts = sorted(ProfileSnapshot.objects.values_list("citation_count", flat=True))
    assert counts[-1] == 200
    assert all(25 <= count <= 35 for count in counts[:-1])
    shared = Citation.objects.values("source").distinct().count()
    assert shared < Citation.objects.count()  # some sources are cited by several profiles


def test_seeded_sources_pass_the_source_validation(corpus):
    for source in Source.objects.all():
        source.full_clean()
    assert Source.objects.exclude(doi="").exists() and Source.objects.filter(pmid__isnull=False).exists()


def test_the_admin_form_and_history_open_for_a_seeded_profile_without_revisions(admin_client, corpus):
    compound = Compound.objects.order_by("pk").first()
    change = admin_client.get(reverse("admin:compounds_compound_change", args=[compound.pk]))
    assert change.status_code == 200
    history = admin_client.get(reverse("admin:compounds_compound_history", args=[compound.pk]))
    assert history.status_code == 200


def test_it_refuses_a_database_with_compounds_or_sources_and_changes_nothing(corpus):
    counts = (Compound.objects.count(), Source.objects.count(), ProfileSnapshot.objects.count())
    with pytest.raises(CommandError, match="already holds compounds or sources"):
        seed(*SMALL)
    assert (Compound.objects.count(), Source.objects.count(), ProfileSnapshot.objects.count()) == counts

    Compound.objects.update(parent=None)
    Compound.objects.all().delete()
    with pytest.raises(CommandError, match="already holds compounds or sources"):
        seed(*SMALL)
    assert not Compound.objects.exists()


def test_it_refuses_too_few_sources_for_a_big_profile(corpus):
    with pytest.raises(CommandError, match="too few"):
        seed("--compounds", "3", "--sources", "100", "--big-compounds", "1")
