"""Links between profiles on stored pages follow the other profile: linked while it is public, plain text
while it is not, at its current address — on the live page and on old versions alike, still one query."""

import re

import pytest
from reversion.models import Version

from compounds.models import Compound, RelatedCompound
from compounds.services import (
    compound_delete,
    compound_publish,
    compound_recover,
    compound_revision,
    compound_unpublish,
)
from tests.factories import CompoundFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_data")]


def test_selank_links_semax_although_semax_was_published_after_it(client, demo):
    html = client.get("/compounds/selank/").content.decode()
    assert html.count('href="/compounds/semax/"') >= 2  # related compounds and the comparison table
    semax = Compound.objects.get(slug="semax")
    assert f'<span class="profile-link" data-profile="{semax.uid}"' not in html


def test_unpublishing_a_profile_turns_links_to_it_into_plain_text_everywhere(client, demo):
    semax = Compound.objects.get(slug="semax")
    compound_unpublish(compound=semax)
    for url in ("/compounds/selank/", "/compounds/selank/v/1/"):
        html = client.get(url).content.decode()
        assert 'href="/compounds/semax/"' not in html, url
        assert f'<span class="profile-link" data-profile="{semax.uid}">Semax</span>' in html, url

    compound_publish(compound=semax)
    assert 'href="/compounds/semax/"' in client.get("/compounds/selank/").content.decode()


def test_links_follow_a_profile_to_its_new_address_once_that_is_published(client, demo):
    semax = Compound.objects.get(slug="semax")
    with compound_revision(compound=semax, edit_summary="New address"):
        semax.slug = "semax-heptapeptide"
        semax.save_content()
    assert 'href="/compounds/semax/"' in client.get("/compounds/selank/").content.decode()  # the draft is not public
    compound_publish(compound=semax, edit_summary="New address")
    html = client.get("/compounds/selank/").content.decode()
    assert 'href="/compounds/semax-heptapeptide/"' in html and 'href="/compounds/semax/"' not in html


def test_a_variant_in_the_header_is_linked_once_it_is_published(client, demo):
    variant = Compound.objects.get(slug="n-acetyl-selank")
    assert 'href="/compounds/n-acetyl-selank/"' not in client.get("/compounds/selank/").content.decode()
    compound_publish(compound=variant)
    html = client.get("/compounds/selank/").content.decode()
    variants = re.search(r'<span class="label">Variant forms</span>(.*?)</p>', html, re.S).group(1)
    assert 'href="/compounds/n-acetyl-selank/"' in variants
    assert 'href="/compounds/selank/"' in client.get("/compounds/n-acetyl-selank/").content.decode()


def test_deleting_a_profile_leaves_its_name_as_plain_text_on_pages_that_linked_to_it(client, demo):
    semax = Compound.objects.get(slug="semax")
    compound_delete(compound=semax)
    html = client.get("/compounds/selank/v/1/").content.decode()
    assert 'href="/compounds/semax/"' not in html and ">Semax</span>" in html


def test_a_page_with_links_is_still_one_query(client, demo, django_assert_num_queries):
    compound_unpublish(compound=Compound.objects.get(slug="semax"))
    with django_assert_num_queries(1):
        assert client.get("/compounds/selank/").status_code == 200


def test_a_recovered_profile_is_linked_again_once_it_is_published(client, demo):
    semax = Compound.objects.get(slug="semax")
    semax_pk = semax.pk
    compound_delete(compound=semax)
    version = Version.objects.get_deleted(Compound).get(object_id=str(semax_pk))
    recovered = compound_recover(version=version)
    assert 'href="/compounds/semax/"' not in client.get("/compounds/selank/v/1/").content.decode()  # a draft
    compound_publish(compound=recovered)
    assert 'href="/compounds/semax/"' in client.get("/compounds/selank/v/1/").content.decode()


def test_a_related_card_quotes_the_other_profiles_live_summary_and_drops_it_offline(client):
    other = CompoundFactory(name="Otheran", slug="otheran", summary="First public summary.")
    compound_publish(compound=other)
    compound = CompoundFactory(name="Carder", slug="carder")
    RelatedCompound.objects.create(compound=compound, related=other, position=1)
    compound_publish(compound=compound)
    assert "First public summary." in client.get("/compounds/carder/").content.decode()

    compound_unpublish(compound=other)
    page = client.get("/compounds/carder/").content.decode()
    assert "First public summary." not in page and "Otheran" in page

    other.summary = "Second public summary."
    other.save_content()
    compound_publish(compound=other)
    page = client.get("/compounds/carder/").content.decode()
    assert "Second public summary." in page and "First public summary." not in page
