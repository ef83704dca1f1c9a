"""Spreadsheet import and export in the admin: own permissions, preview then confirm, export of selected profiles."""

import csv
import io
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile

from compounds.models import Compound, PendingImport, RevisionMeta, Specification
from compounds.spreadsheets import PART_RESOURCES, CompoundResource
from tests.admin_forms import messages_of
from tests.factories import StaffFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_data")]

IMPORT_URL = "/admin/compounds/compound/import/"
EXPORT_URL = "/admin/compounds/compound/export/"
RESOURCES = [CompoundResource, *PART_RESOURCES]
SPECIFICATIONS = next(i for i, r in enumerate(RESOURCES) if r.name == "specifications")


def upload(client, text, *, resource=SPECIFICATIONS, name="specs.csv"):
    return client.post(
        IMPORT_URL,
        {"resource": resource, "format": 0, "import_file": SimpleUploadedFile(name, text.encode())},
    )


def export(client, resource_index, **extra):
    resource = RESOURCES[resource_index]
    fields = {f"{resource.__name__.lower()}_{name}": "on" for name in resource().get_export_order()}
    return client.post(EXPORT_URL, {"resource": resource_index, "format": 0, **fields, **extra})


def rows_of(response):
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_staff_without_the_import_permission_cannot_import_or_export(client):
    staff = StaffFactory(username="sam")
    staff.user_permissions.add(Permission.objects.get(codename="view_compound"))
    client.force_login(staff)
    assert client.get(IMPORT_URL).status_code == 403
    assert client.get(EXPORT_URL).status_code == 403
    assert b"Import</a>" not in client.get("/admin/compounds/compound/").content


def test_editors_import_but_only_reviewers_export(client, editor, reviewer):
    client.force_login(editor)
    listing = client.get("/admin/compounds/compound/").content.decode()
    assert "/admin/compounds/compound/import/" in listing
    assert "/admin/compounds/compound/export/" not in listing
    assert client.get(IMPORT_URL).status_code == 200
    assert client.get(EXPORT_URL).status_code == 403
    assert client.get("/admin/evidence/source/import/").status_code == 200
    assert client.get("/admin/compounds/category/import/").status_code == 403
    client.force_login(reviewer)
    assert client.get(EXPORT_URL).status_code == 200
    assert client.get("/admin/evidence/source/export/").status_code == 200
    assert client.get("/admin/compounds/category/export/").status_code == 200


def test_preview_writes_nothing_then_confirm_imports_with_one_revision(client, reviewer):
    client.force_login(reviewer)
    revisions = RevisionMeta.objects.count()
    preview = upload(client, "compound,label,value\nselank,Storage,Fridge\nselank,Origin,Elsewhere\n")
    assert preview.status_code == 200
    confirm = preview.context["confirm_form"]
    assert confirm is not None
    assert not Specification.objects.filter(label="Storage").exists()
    assert RevisionMeta.objects.count() == revisions
    assert PendingImport.objects.count() == 1  # kept in the database every app server shares

    done = client.post("/admin/compounds/compound/process_import/", confirm.initial, follow=True)

    assert Specification.objects.get(compound__slug="selank", label="Storage").value == "Fridge"
    meta = RevisionMeta.objects.filter(compound__slug="selank").order_by("-number").first()
    assert (meta.origin, meta.origin_detail, meta.revision.user) == (
        "import",
        "specs.csv: 2 rows of specifications",
        reviewer,
    )
    assert RevisionMeta.objects.count() == revisions + 1
    assert not PendingImport.objects.exists()
    assert any("1 new, 1 updated" in message for message in messages_of(done))

    again = client.post("/admin/compounds/compound/process_import/", confirm.initial, follow=True)
    assert "The uploaded file has expired or was already imported; upload it again." in messages_of(again)
    assert RevisionMeta.objects.count() == revisions + 1


def test_a_bad_upload_lists_each_error_and_offers_no_confirm(client, reviewer):
    client.force_login(reviewer)
    response = upload(client, "compound,label,value\nselank,Storage,Fridge\nnope,Storage,Cold\n")
    assert response.context.get("confirm_form") is None
    listed = messages_of(response)
    assert "Nothing was imported. Correct the file and upload it again." in listed
    assert "Row 3, column “compound”, value “nope”: no compound has slug “nope”" in listed
    assert not Specification.objects.filter(label="Storage").exists()


def test_an_editor_is_stopped_at_a_published_profile_in_the_preview(client, editor):
    client.force_login(editor)
    response = upload(client, "compound,label,value\nselank,Storage,Fridge\n")
    assert "Row 2: Selank is published: only reviewers may import changes into its draft." in messages_of(response)
    assert response.context.get("confirm_form") is None


def test_export_selected_exports_the_chosen_profiles_rows(client, reviewer):
    client.force_login(reviewer)
    selank = Compound.objects.get(slug="selank")
    response = export(client, SPECIFICATIONS, export_items=[selank.pk])
    assert response.status_code == 200
    rows = rows_of(response)
    assert rows and {row["compound"] for row in rows} == {"selank"}
    assert "attachment" in response["Content-Disposition"]


def test_export_of_the_list_covers_every_listed_profile(client, reviewer):
    client.force_login(reviewer)
    compounds = rows_of(export(client, 0))
    assert {row["slug"] for row in compounds} == set(Compound.objects.values_list("slug", flat=True))
    assert "status" not in compounds[0]  # publishing state is not spreadsheet content


def test_the_export_action_is_offered_to_reviewers_only(client, editor, reviewer):
    client.force_login(reviewer)
    assert "export_admin_action" in client.get("/admin/compounds/compound/").content.decode()
    client.force_login(editor)
    assert "export_admin_action" not in client.get("/admin/compounds/compound/").content.decode()


@pytest.mark.parametrize("listing", ["compounds/compound", "evidence/source", "compounds/category"])
def test_import_and_export_pages_render_with_every_resource(admin_client, listing):
    for view in ("import", "export"):
        response = admin_client.get(f"/admin/{listing}/{view}/")
        assert response.status_code == 200, view
    if listing == "compounds/compound":
        html = admin_client.get(IMPORT_URL).content.decode()
        for resource in RESOURCES:
            assert f">{resource.get_display_name()}<" in html


DOCUMENT_URL = "/admin/compounds/compound/import-document/"
BPC = (Path(__file__).resolve().parents[3] / "fixtures" / "documents" / "bpc-157-other-style.md").read_bytes()


def test_a_profile_document_is_previewed_then_imported_on_confirm(client, editor):
    client.force_login(editor)
    assert "Import document" in client.get("/admin/compounds/compound/").content.decode()
    preview = client.post(DOCUMENT_URL, {"document": SimpleUploadedFile("bpc-157.md", BPC)})
    html = preview.content.decode()
    assert "Would import BPC-157 (new draft)" in html
    assert "Storage and Reconstitution” → Markdown section" in html
    assert not Compound.objects.filter(slug="bpc-157").exists()

    done = client.post(DOCUMENT_URL, {"pending": preview.context["pending"]}, follow=True)

    bpc = Compound.objects.get(slug="bpc-157")
    assert done.redirect_chain[-1][0] == f"/admin/compounds/compound/{bpc.pk}/change/"
    assert bpc.status == "draft" and bpc.dosing_protocols.count() == 4
    assert [meta.origin for meta in bpc.revision_metas.all()] == ["import"]
    assert not PendingImport.objects.exists()


def test_a_document_that_cannot_be_imported_says_why_and_writes_nothing(client, editor):
    client.force_login(editor)
    response = client.post(DOCUMENT_URL, {"document": SimpleUploadedFile("notes.md", b"no title here\n")})
    assert "no title" in response.content.decode()
    seed = (Path(__file__).resolve().parents[3] / "fixtures" / "documents" / "selank-structured-000.txt").read_bytes()
    response = client.post(DOCUMENT_URL, {"document": SimpleUploadedFile("selank.md", seed)})
    assert "Selank is published: only reviewers may import changes into its draft." in response.content.decode()
    assert not PendingImport.objects.exists()


def test_document_import_needs_the_import_permission(client):
    client.force_login(StaffFactory(username="sam"))
    assert client.get(DOCUMENT_URL).status_code == 403
