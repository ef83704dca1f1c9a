"""Categories, published versions and revision records in the admin."""

import pytest
from django.urls import reverse

from compounds.models import Category
from tests.admin_forms import form_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_data")]


def test_renaming_a_category_updates_the_chips_on_published_pages(admin_client, client, demo):
    category = demo.categories.first()
    url = reverse("admin:compounds_category_change", args=[category.pk])
    data = form_data(admin_client, url)
    data.update(name="Calm and focus", slug="calm-and-focus")
    assert admin_client.post(url, data).status_code == 302
    html = client.get("/compounds/selank/").content.decode()
    assert 'href="/categories/calm-and-focus/"' in html and ">Calm and focus</a>" in html
    assert client.get("/categories/calm-and-focus/").status_code == 200
    assert Category.objects.filter(slug="calm-and-focus").exists()


def test_published_versions_and_revision_records_cannot_be_deleted_on_their_own(admin_client, demo):
    snapshot = demo.snapshots.get()
    meta = demo.revision_metas.first()
    for name, pk in (("profilesnapshot", snapshot.pk), ("revisionmeta", meta.pk)):
        response = admin_client.post(reverse(f"admin:compounds_{name}_delete", args=[pk]), {"post": "yes"})
        assert response.status_code == 403, name
    assert demo.snapshots.filter(pk=snapshot.pk).exists() and demo.revision_metas.filter(pk=meta.pk).exists()
