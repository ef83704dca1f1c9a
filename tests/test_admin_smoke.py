"""Every admin page an editor can reach renders; the compound form saves unchanged without errors."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib import admin
from django.urls import reverse

from compounds.models import Citation, ComparisonTable, Compound, ProfileSnapshot, RevisionMeta, VendorOffer
from evidence.models import Outcome, OutcomeGrade, Source
from tests.admin_forms import change_form_data

pytestmark = pytest.mark.django_db

READ_ONLY = {Citation, ProfileSnapshot, RevisionMeta}
PROJECT_MODELS = [model for model in admin.site._registry if model._meta.app_label in {"compounds", "evidence"}]


@pytest.fixture
def populated(demo):
    VendorOffer.objects.create(
        compound=demo,
        vendor="Example Labs",
        amount_mg=Decimal("5"),
        price=Decimal("30"),
        url="https://example.org/selank",
        checked_on=date(2026, 11, 1),
    )
    OutcomeGrade.objects.create(
        compound=demo, outcome=Outcome.objects.get(slug="memory"), level=5, reason="Animal studies only."
    )
    return demo


def test_every_project_model_is_registered():
    registered = {model.__name__ for model in PROJECT_MODELS}
    expected = {
        "Compound",
        "Category",
        "Synonym",
        "RegulatoryStatus",
        "Specification",
        "GlossaryTerm",
        "Section",
        "ComparisonTable",
        "UseCase",
        "DosingProtocol",
        "AdministrationStep",
        "TimeCourse",
        "TimelineEntry",
        "SideEffect",
        "Contraindication",
        "Limitation",
        "RelatedCompound",
        "VendorOffer",
        "Citation",
        "ProfileSnapshot",
        "Source",
    }
    assert expected <= registered


@pytest.mark.parametrize("model", PROJECT_MODELS, ids=lambda model: model.__name__)
def test_admin_list_add_and_change_pages_render(admin_client, populated, model):
    opts = model._meta
    changelist = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    assert changelist.status_code == 200
    assert (
        admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"), {"q": "selank"}).status_code
        == 200
    )

    add = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
    assert add.status_code == (403 if model in READ_ONLY else 200)

    instance = model.objects.first()
    assert instance is not None, f"no {opts.model_name} in the demo data"
    change = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[instance.pk]))
    assert change.status_code == 200


def test_compound_change_form_saves_unchanged_with_all_inlines(admin_client, populated):
    url = reverse("admin:compounds_compound_change", args=[populated.pk])
    data = change_form_data(admin_client.get(url))
    data["edit_summary"] = "Checked in a test"
    response = admin_client.post(url, data)
    errors = getattr(response, "context", None) and response.context.get("errors")
    assert response.status_code == 302, errors
    populated.refresh_from_db()
    assert populated.sections.count() > 5 and populated.dosing_protocols.count() == 6


def test_compound_form_shows_unknown_citation_key_as_a_field_error(admin_client, populated):
    url = reverse("admin:compounds_compound_change", args=[populated.pk])
    data = change_form_data(admin_client.get(url))
    data["edit_summary"] = "Checked in a test"
    data["what_is_this"] = "Now citing [@nosuchsource]."
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "Unknown citation key: @nosuchsource" in response.content.decode()
    populated.refresh_from_db()
    assert "nosuchsource" not in populated.what_is_this


def test_constraint_violation_is_a_form_error(admin_client, populated):
    url = reverse("admin:compounds_compound_change", args=[populated.pk])
    data = change_form_data(admin_client.get(url))
    data["edit_summary"] = "Checked in a test"
    data["evidence_level_best"], data["evidence_level_worst"] = "4", "2"
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "must be the same or a higher number" in response.content.decode()


def test_saving_rebuilds_citations_from_markdown(admin_client, populated):
    url = reverse("admin:compounds_compound_change", args=[populated.pk])
    data = change_form_data(admin_client.get(url))
    data["edit_summary"] = "Checked in a test"
    data["what_is_this"] = "Opening claim [@volkova2016]."
    assert admin_client.post(url, data).status_code == 302
    first = Citation.objects.filter(compound=populated).order_by("number").first()
    assert first.source.key == "volkova2016" and first.number == 1


def test_add_compound_through_the_admin(admin_client, db):
    response = admin_client.get(reverse("admin:compounds_compound_add"))
    data = change_form_data(response)
    data.update({"name": "Testide", "slug": "testide", "summary": "A test peptide.", "kind": "peptide"})
    response = admin_client.post(reverse("admin:compounds_compound_add"), data)
    assert response.status_code == 302, response.context and response.context.get("errors")
    assert Compound.objects.get(slug="testide").status == "draft"


def test_source_search_finds_by_pmid(admin_client, populated):
    response = admin_client.get(reverse("admin:evidence_source_changelist"), {"q": "PMID 28280289"})
    assert "kasian2017" in response.content.decode()
    assert Source.objects.filter(pmid=28280289).exists()


def test_integrity_report_page(admin_client, populated):
    response = admin_client.get(reverse("admin:evidence_source_integrity"))
    assert response.status_code == 200
    assert "Sources without any identifier" in response.content.decode()


def test_comparison_table_admin_edits_rows(admin_client, populated):
    table = ComparisonTable.objects.get(anchor="selank-vs-semax")
    response = admin_client.get(reverse("admin:compounds_comparisontable_change", args=[table.pk]))
    assert "Stack together" in response.content.decode()
