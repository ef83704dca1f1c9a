"""Every write is a revision: each admin page and action that can change a profile's content records exactly one
revision of the whole profile, with who, why and where from — and every other admin page refuses the write.

Driven by the parts registry and the admin's own registry, so a part or an admin page added later is walked too.
The services' own write paths (delete, category delete, merge, publish, revert) are in tests/compounds/test_services.py
and tests/compounds/test_source_merge.py; here they are reached through the admin.
"""

import pytest
from django.contrib import admin
from django.db import models
from django.urls import reverse
from reversion.models import Version

from compounds.models import (
    Category,
    Citation,
    ComparisonTable,
    Compound,
    ProfileSnapshot,
    RevisionMeta,
    RevisionOrigin,
)
from compounds.parts import PART_BY_MODEL, PARTS
from compounds.services import compound_revision
from evidence.models import Source
from tests.admin_forms import form_data, messages_of, revisions_of, row_prefix
from tests.factories import CompoundFactory, OutcomeGradeFactory, SourceFactory, VendorOfferFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_data")]

EDITABLE_PARTS = [part for part in PARTS if part.form and not part.form.derived]


def copy_row(row, compound):
    """A copy of another profile's row for `compound`, links to that profile's other rows dropped."""
    row.pk = row.id = None
    row._state.adding = True
    row.compound = compound
    for field in row._meta.concrete_fields:
        if field.is_relation and field.related_model in PART_BY_MODEL:
            setattr(row, field.name, None)
    row.save()
    return row


@pytest.fixture
def tiny(demo):
    """A small published-looking profile with one row of every part (copied from Selank): its form is quick to
    load, so each part can be saved on its own."""
    compound = CompoundFactory(name="Tiny", slug="tiny", what_is_this="Tiny cites [@kasian2017].")
    with compound_revision(compound=compound, edit_summary="One row of every part"):
        for part in EDITABLE_PARTS:
            row = part.rows(demo).first()
            if row is not None:
                copy_row(row, compound)
        OutcomeGradeFactory(compound=compound)
        VendorOfferFactory(compound=compound)
    return compound


def text_field(part):
    """The first plain text field of a part's form: the one a test edits."""
    names = [name for entry in part.form.fields for name in (entry if isinstance(entry, tuple) else (entry,))]
    for name in names:
        field = part.model._meta.get_field(name)
        if isinstance(field, (models.CharField, models.TextField)) and not field.choices and name != "anchor":
            return name
    raise AssertionError(f"part {part.key} has no text field to edit")


def save_form(client, compound, change, summary):
    url = reverse("admin:compounds_compound_change", args=[compound.pk])
    data = form_data(client, url)
    change(data)
    data["edit_summary"] = summary
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context.get("errors")


def version_of(meta, row):
    return meta.revision.version_set.filter(content_type__model=row._meta.model_name, object_id=str(row.pk))


# --- The compound form: each part, changed or deleted ---------------------------------------------


@pytest.mark.parametrize("part", EDITABLE_PARTS, ids=lambda part: part.key)
def test_changing_a_row_of_any_part_on_the_compound_form_is_one_revision(admin_client, superuser, tiny, part):
    row = part.rows(tiny).first()
    name = text_field(part)
    new_value = f"{getattr(row, name)} ed."
    before = revisions_of(tiny).count()

    save_form(
        admin_client,
        tiny,
        lambda data: data.__setitem__(f"{row_prefix(data, part.key, row)}-{name}", new_value),
        f"Edit {part.key}",
    )

    assert revisions_of(tiny).count() == before + 1
    latest = revisions_of(tiny).first()
    assert (latest.edit_summary, latest.origin, latest.revision.user) == (f"Edit {part.key}", "admin", superuser)
    assert version_of(latest, row).get().field_dict[name] == new_value
    assert latest.revision.version_set.filter(content_type__model="compound").count() == 1  # the whole profile


@pytest.mark.parametrize("part", EDITABLE_PARTS, ids=lambda part: part.key)
def test_deleting_a_row_of_any_part_on_the_compound_form_is_one_revision(admin_client, tiny, part):
    row = part.rows(tiny).first()
    before = revisions_of(tiny).count()

    save_form(
        admin_client, tiny, lambda data: data.__setitem__(f"{row_prefix(data, part.key, row)}-DELETE", "on"), "Drop"
    )

    assert not part.model._default_manager.filter(pk=row.pk).exists()
    assert revisions_of(tiny).count() == before + 1
    assert not version_of(revisions_of(tiny).first(), row).exists()
    assert version_of(revisions_of(tiny)[1], row).exists()  # the row is still in the revision before: revertible


# --- The comparison table's own page -----------------------------------------------------------


def test_editing_a_comparison_tables_rows_on_its_page_is_one_revision_and_refreshes_citations(admin_client, demo):
    table = ComparisonTable.objects.get(compound=demo, anchor="selank-vs-semax")
    row = table.rows.order_by("position").first()
    url = reverse("admin:compounds_comparisontable_change", args=[table.pk])
    data = form_data(admin_client, url)
    assert "Stack together" in str(data.values())
    before = revisions_of(demo).count()
    new_source = SourceFactory(key="newly-cited")
    for key, value in data.items():
        if key.endswith("-id") and str(value) == str(row.pk):
            data[key.replace("-id", "-subject_value")] = "Faster onset [@newly-cited]"
    data["edit_summary"] = "Onset row"

    response = admin_client.post(url, data)

    assert response.status_code == 302
    assert response.url == reverse("admin:compounds_compound_change", args=[demo.pk])
    row.refresh_from_db()
    assert row.subject_value == "Faster onset [@newly-cited]"
    assert revisions_of(demo).count() == before + 1
    latest = revisions_of(demo).first()
    assert (latest.edit_summary, latest.origin) == ("Onset row", RevisionOrigin.ADMIN)
    assert version_of(latest, row).get().field_dict["subject_value"] == "Faster onset [@newly-cited]"
    assert Citation.objects.filter(compound=demo, source=new_source).exists()


def test_a_comparison_table_page_refuses_an_unknown_key_and_keeps_the_row(admin_client, demo):
    table = ComparisonTable.objects.get(compound=demo, anchor="selank-vs-semax")
    url = reverse("admin:compounds_comparisontable_change", args=[table.pk])
    data = form_data(admin_client, url)
    before = revisions_of(demo).count()
    data["note"] = "See [@no-such-source]."
    data["edit_summary"] = "Note"
    response = admin_client.post(url, data)
    assert response.status_code == 200 and "Unknown citation key: @no-such-source" in response.content.decode()
    assert revisions_of(demo).count() == before


# --- Every other admin page that shows profile rows refuses writes -----------------------------


PROFILE_ROWS = [
    model
    for model in admin.site._registry
    if model not in (Compound, ComparisonTable) and any(f.name == "compound" for f in model._meta.concrete_fields)
]


def test_the_walk_covers_every_part_and_every_record_of_a_profile():
    assert {part.model for part in PARTS} - {ComparisonTable} <= set(PROFILE_ROWS)
    assert {Citation, ProfileSnapshot, RevisionMeta} <= set(PROFILE_ROWS)


@pytest.mark.parametrize("model", PROFILE_ROWS, ids=lambda model: model.__name__)
def test_no_other_admin_page_writes_a_profiles_rows(admin_client, tiny, model):
    row = model._default_manager.filter(compound=tiny).first() or model._default_manager.first()
    before = revisions_of(tiny).count()
    opts = model._meta
    add = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
    change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[row.pk])
    delete = reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[row.pk])
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    assert admin_client.post(add, {"compound": tiny.pk}).status_code == 403
    assert admin_client.post(change, {"compound": tiny.pk}).status_code == 403
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    bulk_delete = admin_client.post(
        changelist, {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"}
    )
    assert bulk_delete.status_code in (200, 302, 403)
    assert model._default_manager.filter(pk=row.pk).exists()
    assert revisions_of(tiny).count() == before


# --- Admin actions and pages that change profiles through a service -----------------------------


def test_deleting_a_category_in_the_admin_is_a_revision_of_each_profile_filed_under_it(admin_client, demo):
    category = demo.categories.first()
    filed = list(category.compounds.all())
    before = {compound.pk: revisions_of(compound).count() for compound in filed}
    response = admin_client.post(reverse("admin:compounds_category_delete", args=[category.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Category.objects.filter(pk=category.pk).exists()
    for compound in filed:
        assert revisions_of(compound).count() == before[compound.pk] + 1
        assert revisions_of(compound).first().edit_summary == f"Category {category.name} removed: it was deleted"


def test_bulk_deleting_categories_is_a_revision_of_each_profile_filed_under_them(admin_client, demo):
    categories = list(demo.categories.all())
    before = revisions_of(demo).count()
    admin_client.post(
        reverse("admin:compounds_category_changelist"),
        {"action": "delete_selected", "_selected_action": [c.pk for c in categories], "post": "yes"},
    )
    assert not demo.categories.exists()
    assert revisions_of(demo).count() == before + len(categories)


def test_merging_sources_in_the_admin_is_a_revision_of_each_profile_citing_them(admin_client, demo):
    keep = Source.objects.get(key="kasian2017")
    duplicate = SourceFactory(key="kasian2017-dup", title=keep.title)
    with compound_revision(compound=demo, edit_summary="Cite the duplicate"):
        demo.what_is_this += " Also [@kasian2017-dup]."
        demo.save_content()
    before = revisions_of(demo).count()
    response = admin_client.post(
        reverse("admin:evidence_source_changelist"),
        {"action": "merge_sources", "_selected_action": [keep.pk, duplicate.pk], "keep": keep.pk},
    )
    assert response.status_code == 302
    assert not Source.objects.filter(pk=duplicate.pk).exists()
    demo.refresh_from_db()
    assert "[@kasian2017-dup]" not in demo.what_is_this and "[@kasian2017]" in demo.what_is_this
    assert revisions_of(demo).count() == before + 1
    latest = revisions_of(demo).first()
    assert latest.origin == RevisionOrigin.MERGE and latest.revision.user.username == "root"


def test_revert_and_recover_in_the_admin_are_one_revision_each(admin_client, tiny):
    first = revisions_of(tiny).last()
    with compound_revision(compound=tiny, edit_summary="Change"):
        tiny.what_is_this = "Changed."
        tiny.save_content()
    before = revisions_of(tiny).count()
    admin_client.post(
        reverse("admin:compounds_compound_revert", args=[tiny.pk, first.revision_id]), {"edit_summary": ""}
    )
    assert revisions_of(tiny).count() == before + 1 and revisions_of(tiny).first().origin == RevisionOrigin.REVERT

    admin_client.post(reverse("admin:compounds_compound_delete", args=[tiny.pk]), {"post": "yes"})
    version = Version.objects.get_deleted(Compound).get(object_id=str(tiny.pk))
    admin_client.post(reverse("admin:compounds_compound_recover", args=[version.pk]))
    assert revisions_of(tiny).count() == before + 2 and revisions_of(tiny).first().origin == RevisionOrigin.RECOVER


def test_a_comparison_table_page_refuses_an_anchor_another_table_of_the_profile_uses(admin_client, demo):
    table, other = ComparisonTable.objects.filter(compound=demo).order_by("position")[:2]
    url = reverse("admin:compounds_comparisontable_change", args=[other.pk])
    data = form_data(admin_client, url)
    before = revisions_of(demo).count()
    data.update(anchor=table.anchor, edit_summary="Same anchor")
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "Another comparison table of this compound uses this anchor." in response.content.decode()
    assert revisions_of(demo).count() == before


# --- Comparing revisions -----------------------------------------------------------------------------------


def compare(client, compound, **params):
    return client.get(reverse("admin:compounds_compound_compare", args=[compound.pk]), params, follow=True)


@pytest.mark.parametrize("with_b", [False, True], ids=["plain-url", "history-form"])
def test_comparing_the_only_revision_says_there_is_nothing_to_compare_yet(admin_client, demo, with_b):
    assert revisions_of(demo).count() == 1
    # The history form sends only "b" when it lists one revision.
    params = {"b": revisions_of(demo).get().revision_id} if with_b else {}
    response = compare(admin_client, demo, **params)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("admin:compounds_compound_history", args=[demo.pk])
    assert "Selank has only one revision so far: there is nothing to compare yet." in messages_of(response)


def test_comparing_with_the_published_version_when_it_is_the_only_revision_says_so(admin_client, demo):
    assert revisions_of(demo).get().revision_id == demo.live_snapshot.revision_id
    response = compare(admin_client, demo, published="1")
    assert response.redirect_chain[-1][0] == reverse("admin:compounds_compound_history", args=[demo.pk])
    assert (
        "The draft is the published version: nothing has changed since, so there is nothing to compare yet."
        in messages_of(response)
    )


def test_comparing_without_an_older_revision_compares_with_the_one_before(admin_client, demo):
    with compound_revision(compound=demo, edit_summary="New intro"):
        demo.what_is_this = "A brand new introduction."
        demo.save_content()
    response = compare(admin_client, demo)
    assert not response.redirect_chain
    assert "Compare r1 with r2: Selank" in response.content.decode()
    assert "brand new introduction" in response.content.decode()
