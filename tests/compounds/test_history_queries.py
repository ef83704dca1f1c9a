"""History and compare views cost the same number of queries for 5 or 50 revisions."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from compounds.models import RevisionMeta
from compounds.services import compound_revision
from tests.factories import CompoundFactory, DosingProtocolFactory, SectionFactory

pytestmark = pytest.mark.django_db


def compound_with_revisions(count, slug):
    compound = CompoundFactory(slug=slug)
    with compound_revision(compound=compound, edit_summary="Start"):
        for index in range(10):
            SectionFactory(compound=compound, body=f"Paragraph {index}.")
        DosingProtocolFactory(compound=compound)
    for number in range(count - 1):
        with compound_revision(compound=compound, edit_summary=f"Edit {number}"):
            section = compound.sections.first()
            section.body = f"Paragraph edited {number} times."
            section.save()
    return compound


def count_queries(client, url, params=None):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(context.captured_queries)


def test_history_and_compare_query_counts_do_not_grow_with_revisions(client, superuser):
    client.force_login(superuser)
    counts = {}
    for total in (5, 50):
        compound = compound_with_revisions(total, f"c{total}")
        metas = RevisionMeta.objects.filter(compound_key=compound.pk).order_by("number")
        assert metas.count() == total
        history = count_queries(client, reverse("admin:compounds_compound_history", args=[compound.pk]))
        compare = count_queries(
            client,
            reverse("admin:compounds_compound_compare", args=[compound.pk]),
            {"a": metas.first().revision_id, "b": metas.last().revision_id},
        )
        counts[total] = (history, compare)
    assert counts[5] == counts[50]
