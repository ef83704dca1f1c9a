"""Every admin page renders, driven by the admin's registry and the parts registry: a model or a part added
later is covered without touching this file."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from compounds.models import (
    Category,
    ComparisonRow,
    ComparisonTable,
    Compound,
    PendingImport,
    ReviewComment,
    RevisionMeta,
)
from compounds.parts import PARTS
from evidence.models import Outcome, Source
from tests.factories import OutcomeGradeFactory, VendorOfferFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_data")]

PROJECT_MODELS = [model for app in ("compounds", "evidence") for model in apps.get_app_config(app).get_models()]
REGISTERED = [model for model in PROJECT_MODELS if model in admin.site._registry]
# Added and edited on their own pages; everything else is a part of a profile (edited on the compound form)
# or a record Monograph writes (published versions, revisions, citations).
ADDABLE = {Compound, Category, Source, Outcome}
# Edited only where their parent row is (a comparison table's page), or never by hand: a file kept between an
# import's preview and its confirmation; review comments live on their profile's comments page.
NOT_REGISTERED = {ComparisonRow, PendingImport, ReviewComment}


def url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def populated(demo):
    """The demo plus one row of the parts the demo leaves empty, so that every change page has something."""
    VendorOfferFactory(compound=demo)
    OutcomeGradeFactory(compound=demo)
    return demo


def test_every_project_model_has_an_admin_page_or_a_reason_not_to():
    assert {model for model in PROJECT_MODELS if model not in admin.site._registry} == NOT_REGISTERED


def test_every_part_is_registered():
    assert {part.model for part in PARTS} <= set(REGISTERED)


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model.__name__)
def test_list_search_add_and_change_pages_render(admin_client, populated, model):
    assert admin_client.get(url(model, "changelist")).status_code == 200
    assert admin_client.get(url(model, "changelist"), {"q": "selank"}).status_code == 200
    assert admin_client.get(url(model, "add")).status_code == (200 if model in ADDABLE else 403)
    instance = model._default_manager.first()
    assert instance is not None, f"no {model._meta.verbose_name} in the demo data"
    assert admin_client.get(url(model, "change", instance.pk)).status_code == 200


def test_every_part_is_edited_on_the_compound_form(admin_client, populated):
    html = admin_client.get(url(Compound, "change", populated.pk)).content.decode()
    missing = [part.key for part in PARTS if f'name="{part.key}-TOTAL_FORMS"' not in html]
    assert missing == []


@pytest.mark.parametrize("part", [p for p in PARTS if p.model is not ComparisonTable], ids=lambda part: part.key)
def test_a_part_page_is_a_read_only_lookup_for_superusers(admin_client, populated, part):
    row = part.model._default_manager.filter(compound=populated).first()
    page = admin_client.get(url(part.model, "change", row.pk))
    html = page.content.decode()
    assert page.status_code == 200 and 'name="_save"' not in html
    assert "edit it there" in admin_client.get(url(part.model, "changelist")).content.decode()
    refused = admin_client.post(url(part.model, "change", row.pk), {})
    assert refused.status_code == 403
    assert admin_client.post(url(part.model, "delete", row.pk), {"post": "yes"}).status_code == 403
    assert part.model._default_manager.filter(pk=row.pk).exists()


@pytest.mark.parametrize("part", PARTS, ids=lambda part: part.key)
def test_editors_navigate_to_compounds_not_to_their_parts(client, populated, editor, part):
    client.force_login(editor)
    if part.model is not ComparisonTable:  # editors change tables' rows on the table's own page
        assert client.get(url(part.model, "changelist")).status_code == 403
    assert f'href="{url(part.model, "changelist")}"' not in client.get(reverse("admin:index")).content.decode()


def test_the_compounds_own_pages_render(admin_client, populated):
    revision = RevisionMeta.objects.filter(compound_key=populated.pk).first().revision_id
    for page in [
        reverse("admin:compounds_compound_history", args=[populated.pk]),
        reverse("admin:compounds_compound_compare", args=[populated.pk]) + f"?a={revision}",
        reverse("admin:compounds_compound_revert", args=[populated.pk, revision]),
        reverse("admin:compounds_compound_recoverlist"),
        reverse("admin:compounds_compound_workflow", args=[populated.pk, "publish"]),
        reverse("admin:evidence_source_integrity"),
        reverse("admin:index"),
    ]:
        assert admin_client.get(page).status_code == 200, page
