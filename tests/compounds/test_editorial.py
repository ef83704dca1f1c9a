"""Revisions, compare, revert, isolation of drafts, roles, edit conflicts, scheduling, permalinks."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from compounds.models import Compound, RevisionMeta, RevisionOrigin, Section, Status
from compounds.services import (
    compound_publish,
    compound_revert,
    compound_revision,
    compound_schedule,
    compounds_publish_due,
)
from tests.admin_forms import change_form_data
from tests.factories import CompoundFactory, DosingProtocolFactory, SectionFactory, StaffFactory

pytestmark = pytest.mark.django_db


def member_of(group_name, username):
    user = StaffFactory(username=username)
    user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def editor(db):
    return member_of("Editors", "eddie")


@pytest.fixture
def reviewer(db):
    return member_of("Reviewers", "rita")


def admin_save(client, compound, summary="Edited in a test", **changes):
    """Open the change form, apply changes to the POST data, save. Returns the response."""
    url = reverse("admin:compounds_compound_change", args=[compound.pk])
    data = change_form_data(client.get(url))
    data["edit_summary"] = summary
    data.update(changes)
    return client.post(url, data)


def form_field(data, prefix_model, field, match):
    """The POST key of `field` in the inline row whose current value contains `match`."""
    for key, value in data.items():
        if key.startswith(prefix_model) and key.endswith(f"-{field}") and match in str(value):
            return key
    raise KeyError(f"no {prefix_model} row with {field} containing {match!r}")


# --- One revision per save, with child rows -----------------------------------------


def test_each_admin_save_is_one_revision_holding_every_child_row(client, demo, editor):
    client.force_login(editor)
    url = reverse("admin:compounds_compound_change", args=[demo.pk])
    data = change_form_data(client.get(url))
    data["edit_summary"] = "Clarify the standard dose"
    key = form_field(data, "dosing_protocols-", "amount_text", "250-500mcg")
    data[key] = "250–500 mcg"
    before = RevisionMeta.objects.filter(compound_key=demo.pk).count()
    assert client.post(url, data).status_code == 302

    metas = RevisionMeta.objects.filter(compound_key=demo.pk).order_by("-number")
    assert metas.count() == before + 1
    latest = metas.first()
    assert (latest.edit_summary, latest.origin, latest.revision.user) == ("Clarify the standard dose", "admin", editor)
    models_in_revision = {version.content_type.model for version in latest.revision.version_set.all()}
    assert {
        "compound",
        "section",
        "dosingprotocol",
        "sideeffect",
        "glossaryterm",
        "citation",
        "comparisonrow",
    } <= models_in_revision
    assert latest.revision.version_set.filter(content_type__model="section").count() == demo.sections.count()


def test_edit_summary_is_required_once_published(client, demo, editor):
    client.force_login(editor)
    response = admin_save(client, demo, summary="")
    assert response.status_code == 200
    assert "say what you changed" in response.content.decode()


# --- Compare ---------------------------------------------------------------------------


def test_compare_shows_a_changed_dosing_row_and_a_changed_sentence(client, demo, editor):
    client.force_login(editor)
    url = reverse("admin:compounds_compound_change", args=[demo.pk])
    data = change_form_data(client.get(url))
    data["edit_summary"] = "Dose and wording"
    data[form_field(data, "dosing_protocols-", "amount_text", "400-600mcg")] = "300-600mcg"
    body_key = form_field(data, "sections-", "body", "Selank's evidence base differs")
    data[body_key] = data[body_key].replace("substantial clinical use", "extensive clinical use")
    assert client.post(url, data).status_code == 302

    metas = list(RevisionMeta.objects.filter(compound_key=demo.pk).order_by("-number")[:2])
    response = client.get(
        reverse("admin:compounds_compound_compare", args=[demo.pk]),
        {"a": metas[1].revision_id, "b": metas[0].revision_id},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Dosing protocols" in html and "<del>400</del><ins>300</ins>-600mcg" in html
    assert "<del>substantial</del><ins>extensive</ins>" in html


def test_compare_with_published(client, demo, editor):
    client.force_login(editor)
    assert admin_save(client, demo, what_is_this="A brand new introduction.").status_code == 302
    response = client.get(reverse("admin:compounds_compound_compare", args=[demo.pk]), {"published": "1"})
    assert "brand new introduction" in response.content.decode()


# --- Revert ----------------------------------------------------------------------------


def test_revert_restores_child_rows_as_a_new_revision(demo, editor):
    original = RevisionMeta.objects.filter(compound_key=demo.pk).order_by("-number").first()
    with compound_revision(compound=demo, user=editor, edit_summary="Damage"):
        demo.dosing_protocols.get(name="Standard").delete()
        protocol = demo.dosing_protocols.get(name="As-needed")
        protocol.amount_text = "9000mcg"
        protocol.save()
        SectionFactory(compound=demo, title="Spurious", anchor="spurious", body="To be removed.")
    assert not demo.dosing_protocols.filter(name="Standard").exists()

    compound_revert(compound=demo, revision=original.revision, user=editor)

    assert demo.dosing_protocols.filter(name="Standard", amount_text="250-500mcg").exists()
    assert demo.dosing_protocols.get(name="As-needed").amount_text == "400-600mcg"
    assert not Section.objects.filter(compound=demo, anchor="spurious").exists()
    latest = RevisionMeta.objects.filter(compound_key=demo.pk).order_by("-number").first()
    assert latest.origin == RevisionOrigin.REVERT and latest.number == original.number + 2
    demo.refresh_from_db()
    assert demo.status == Status.PUBLISHED and demo.is_live  # publishing state is untouched


def test_revert_view_via_admin(client, demo, editor):
    first = RevisionMeta.objects.filter(compound_key=demo.pk).order_by("number").first()
    client.force_login(editor)
    assert admin_save(client, demo, what_is_this="Changed intro.").status_code == 302
    url = reverse("admin:compounds_compound_revert", args=[demo.pk, first.revision_id])
    assert "<del>Changed intro" in client.get(url).content.decode()
    assert client.post(url, {"edit_summary": "Back to the original"}).status_code == 302
    demo.refresh_from_db()
    assert demo.what_is_this.startswith("Selank is a synthetic")


def test_deleted_compound_is_recovered_with_its_rows(client, superuser):
    compound = CompoundFactory(name="Deletable", slug="deletable")
    with compound_revision(compound=compound, user=superuser, edit_summary="Write it"):
        SectionFactory(compound=compound, body="Kept text.")
        SectionFactory(compound=compound)
        DosingProtocolFactory(compound=compound)
    compound_publish(compound=compound)
    pk = compound.pk
    client.force_login(superuser)
    response = client.post(reverse("admin:compounds_compound_delete", args=[pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Compound.objects.filter(pk=pk).exists()
    assert "Deletable" in client.get(reverse("admin:compounds_compound_recoverlist")).content.decode()
    version = Version.objects.get_deleted(Compound).get(object_id=str(pk))
    assert client.post(reverse("admin:compounds_compound_recover", args=[version.pk])).status_code == 302
    recovered = Compound.objects.get(pk=pk)
    assert recovered.sections.count() == 2 and recovered.dosing_protocols.count() == 1
    assert recovered.sections.filter(body="Kept text.").exists()
    assert recovered.status == Status.DRAFT and recovered.live_snapshot is None
    assert RevisionMeta.objects.filter(compound=recovered, origin=RevisionOrigin.RECOVER).exists()
    assert RevisionMeta.objects.filter(compound=recovered).count() == 2  # history survives the deletion


def test_a_compound_with_variants_cannot_be_deleted(client, demo, superuser):
    client.force_login(superuser)
    response = client.post(reverse("admin:compounds_compound_delete", args=[demo.pk]), {"post": "yes"})
    assert response.status_code == 200 and "protected related objects" in response.content.decode()
    assert Compound.objects.filter(pk=demo.pk).exists()


# --- Draft / live isolation ----------------------------------------------------------------


def test_draft_edit_of_a_published_profile_is_invisible_to_readers_but_previewable(client, demo, editor):
    client.force_login(editor)
    assert admin_save(client, demo, what_is_this="Draft-only introduction.").status_code == 302
    client.logout()
    assert "Draft-only introduction." not in client.get("/compounds/selank/").content.decode()
    client.force_login(editor)
    assert "Draft-only introduction." in client.get("/compounds/selank/preview/").content.decode()
    assert "Draft-only introduction." not in client.get("/compounds/selank/").content.decode()


# --- Roles and object permissions ------------------------------------------------------------


def test_groups_exist_with_the_right_powers(editor, reviewer):
    assert editor.has_perm("compounds.change_compound") and not editor.has_perm("compounds.publish_compound")
    assert reviewer.has_perm("compounds.publish_compound") and reviewer.has_perm("compounds.change_compound")


def test_editor_cannot_publish(client, demo, editor):
    client.force_login(editor)
    url = reverse("admin:compounds_compound_workflow", args=[demo.pk, "publish"])
    assert client.get(url).status_code == 403
    assert client.post(url, {"edit_summary": "x"}).status_code == 403
    changelist = reverse("admin:compounds_compound_changelist")
    assert 'value="publish"' not in client.get(changelist).content.decode()  # the action is not offered
    client.post(changelist, {"action": "publish", "_selected_action": [demo.pk]})
    assert demo.snapshots.count() == 1


def test_reviewer_publishes_from_the_change_form(client, demo, reviewer):
    client.force_login(reviewer)
    assert admin_save(client, demo, what_is_this="Reviewed introduction.").status_code == 302
    url = reverse("admin:compounds_compound_workflow", args=[demo.pk, "publish"])
    assert client.post(url, {"edit_summary": "New introduction"}).status_code == 302
    client.logout()
    assert "Reviewed introduction." in client.get("/compounds/selank/").content.decode()


def test_compare_and_revert_refuse_revisions_of_another_object(client, demo, editor):
    semax = Compound.objects.get(slug="semax")
    semax_revision = RevisionMeta.objects.filter(compound_key=semax.pk).first().revision_id
    selank_revision = RevisionMeta.objects.filter(compound_key=demo.pk).first().revision_id
    client.force_login(editor)
    compare = reverse("admin:compounds_compound_compare", args=[demo.pk])
    assert client.get(compare, {"a": semax_revision, "b": selank_revision}).status_code == 403
    revert = reverse("admin:compounds_compound_revert", args=[demo.pk, semax_revision])
    assert client.get(revert).status_code == 403
    assert client.post(revert).status_code == 403


def test_history_compare_preview_and_revert_need_permission_on_the_object(client, demo):
    outsider = StaffFactory(username="outsider")  # staff, but in no group
    revision = RevisionMeta.objects.filter(compound_key=demo.pk).first().revision_id
    client.force_login(outsider)
    assert client.get(reverse("admin:compounds_compound_history", args=[demo.pk])).status_code == 403
    assert client.get(reverse("admin:compounds_compound_compare", args=[demo.pk]), {"a": revision}).status_code == 403
    assert client.get(reverse("admin:compounds_compound_revert", args=[demo.pk, revision])).status_code == 403
    assert client.get("/compounds/selank/preview/").status_code == 403


# --- Edit conflicts -------------------------------------------------------------------------


def test_concurrent_save_is_refused_and_both_versions_stay_recoverable(client, demo, editor, reviewer):
    url = reverse("admin:compounds_compound_change", args=[demo.pk])
    client.force_login(editor)
    editor_form = change_form_data(client.get(url))
    client.force_login(reviewer)
    reviewer_form = change_form_data(client.get(url))

    reviewer_form.update(edit_summary="Reviewer's wording", what_is_this="Reviewer's introduction.")
    assert client.post(url, reviewer_form).status_code == 302

    client.force_login(editor)
    editor_form.update(edit_summary="Editor's wording", what_is_this="Editor's introduction.")
    response = client.post(url, editor_form)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Someone else saved this profile" in html and "Compare your starting version with the latest" in html
    assert "Editor&#x27;s introduction." in html  # the refused text is still in the form, not lost
    demo.refresh_from_db()
    assert demo.what_is_this == "Reviewer's introduction."
    metas = RevisionMeta.objects.filter(compound_key=demo.pk).order_by("-number")
    assert metas[0].edit_summary == "Reviewer's wording"
    starting = metas[1]
    assert starting.revision_id == editor_form["base_revision"]
    assert (
        "Selank is a synthetic"
        in starting.revision.version_set.get(content_type__model="compound").field_dict["what_is_this"]
    )


# --- Scheduling ---------------------------------------------------------------------------


def test_publish_scheduled_publishes_and_expires_exactly_what_is_due(reviewer):
    now = timezone.now()
    due = CompoundFactory(slug="due")
    later = CompoundFactory(slug="later")
    expiring = CompoundFactory(slug="expiring")
    compound_publish(compound=expiring)
    compound_schedule(compound=due, user=reviewer, go_live_at=now + timedelta(minutes=5), now=now)
    compound_schedule(compound=later, user=reviewer, go_live_at=now + timedelta(days=2), now=now)
    compound_schedule(compound=expiring, user=reviewer, expire_at=now + timedelta(minutes=5), now=now)

    report = compounds_publish_due(now=now + timedelta(minutes=10))
    assert [c.slug for c in report["published"]] == ["due"] and [c.slug for c in report["expired"]] == ["expiring"]
    due.refresh_from_db(), later.refresh_from_db(), expiring.refresh_from_db()
    assert due.is_live and due.live_snapshot.published_by == reviewer and due.go_live_at is None
    assert not later.is_live and later.go_live_at is not None
    assert not expiring.is_live and expiring.status == Status.UNPUBLISHED

    again = compounds_publish_due(now=now + timedelta(minutes=11))
    assert again == {"published": [], "expired": [], "failed": []}
    assert due.snapshots.count() == 1


def test_publish_scheduled_command_is_idempotent(reviewer, capsys):
    compound = CompoundFactory(slug="cmd")
    compound_schedule(compound=compound, user=reviewer, go_live_at=timezone.now() + timedelta(seconds=1))
    Compound.objects.filter(pk=compound.pk).update(go_live_at=timezone.now() - timedelta(seconds=1))
    call_command("publish_scheduled")
    call_command("publish_scheduled")
    output = capsys.readouterr().out
    assert "Published" in output and "Nothing due." in output
    assert compound.snapshots.count() == 1


def test_scheduling_refuses_times_in_the_past(reviewer):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="in the future"):
        compound_schedule(compound=CompoundFactory(), user=reviewer, go_live_at=timezone.now() - timedelta(hours=1))


def test_editing_a_scheduled_profile_cancels_the_schedule(client, reviewer):
    compound = CompoundFactory(slug="sched")
    DosingProtocolFactory(compound=compound, amount_low=Decimal("1"), amount_high=None, amount_text="1mcg")
    compound_schedule(compound=compound, user=reviewer, go_live_at=timezone.now() + timedelta(days=1))
    client.force_login(reviewer)
    assert admin_save(client, compound, summary="", what_is_this="Changed after scheduling.").status_code == 302
    compound.refresh_from_db()
    assert compound.go_live_at is None


# --- Public change log and permalinks -------------------------------------------------------------


def test_public_change_log_and_permalinks_show_old_versions(client, demo, editor):
    with compound_revision(compound=demo, user=editor, edit_summary="Rewrite the introduction"):
        demo.what_is_this = "Second edition introduction."
        demo.save_content()
    compound_publish(compound=demo)
    with compound_revision(compound=demo, user=editor, edit_summary="Typo", minor=True):
        demo.what_is_this = "Second edition introduction!"
        demo.save_content()
    compound_publish(compound=demo)

    log = client.get("/compounds/selank/history/").content.decode()
    assert "Version 2" in log and "Rewrite the introduction" in log
    assert "Version 3" not in log  # minor

    old = client.get("/compounds/selank/v/1/")
    html = old.content.decode()
    assert old.status_code == 200 and "An older version." in html and "Selank is a synthetic" in html
    assert "Second edition" not in html and 'href="/compounds/selank/"' in html
    assert "Second edition introduction!" in client.get("/compounds/selank/").content.decode()
    assert client.get("/compounds/selank/v/99/").status_code == 404


def test_permalinks_vanish_when_the_profile_is_unpublished(client, demo):
    from compounds.services import compound_unpublish

    compound_unpublish(compound=demo)
    assert client.get("/compounds/selank/v/1/").status_code == 404
    assert client.get("/compounds/selank/history/").status_code == 404


def test_last_updated_and_reviewed_by_come_from_the_published_version(client, reviewer):
    compound = CompoundFactory(slug="dated")
    compound_publish(compound=compound, user=reviewer)
    html = client.get("/compounds/dated/").content.decode()
    assert "Last reviewed by rita" in html and "Last updated" in html


def test_browser_line_endings_are_not_recorded_as_changes(client, demo, editor):
    client.force_login(editor)
    url = reverse("admin:compounds_compound_change", args=[demo.pk])
    data = change_form_data(client.get(url))
    data = {key: value.replace("\n", "\r\n") if isinstance(value, str) else value for key, value in data.items()}
    data["edit_summary"] = "Saved without changes"
    assert client.post(url, data).status_code == 302
    metas = list(RevisionMeta.objects.filter(compound_key=demo.pk).order_by("-number")[:2])
    response = client.get(
        reverse("admin:compounds_compound_compare", args=[demo.pk]),
        {"a": metas[1].revision_id, "b": metas[0].revision_id},
    )
    assert "No differences in content." in response.content.decode()
    demo.refresh_from_db()
    assert "\r" not in demo.what_is_this
