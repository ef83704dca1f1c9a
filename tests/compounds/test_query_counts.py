"""The profile page costs the same number of queries however many sources it cites."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from compounds.services import compound_publish
from tests.factories import CompoundFactory, SectionFactory, SourceFactory

pytestmark = pytest.mark.django_db


def compound_citing(count, slug):
    compound = CompoundFactory(slug=slug)
    sources = [SourceFactory() for _ in range(count)]
    for index, source in enumerate(sources):
        SectionFactory(compound=compound, body=f"Claim {index} [@{source.key}].")
    compound_publish(compound=compound)
    return compound


def queries_for(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries), response.content.decode()


def test_public_profile_query_count_is_independent_of_citations(client):
    small, large = compound_citing(1, "one-source"), compound_citing(50, "fifty-sources")
    small_count, _ = queries_for(client, small.get_absolute_url())
    large_count, html = queries_for(client, large.get_absolute_url())
    assert 'id="ref-50"' in html
    assert small_count == large_count == 1


def test_staff_preview_query_count_is_independent_of_citations(client, superuser):
    small, large = compound_citing(1, "one-source"), compound_citing(50, "fifty-sources")
    client.force_login(superuser)
    small_count, _ = queries_for(client, reverse("compounds:preview", args=[small.slug]))
    large_count, html = queries_for(client, reverse("compounds:preview", args=[large.slug]))
    assert 'id="ref-50"' in html
    assert small_count == large_count


def test_selank_demo_page_is_one_query(client, demo):
    count, html = queries_for(client, "/compounds/selank/")
    assert count == 1 and "References" in html
