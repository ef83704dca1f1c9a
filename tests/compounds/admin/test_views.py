"""The compound's own admin views: history, compare, revert, the workflow steps, recovery — and who may use them."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from compounds.models import Compound, RevisionOrigin, Status
from compounds.services import compound_publish, compound_revision, compound_schedule
from tests.admin_forms import form_data, messages_of, revisions_of, row_prefix
from tests.factories import CompoundFactory, DosingProtocolFactory, SectionFactory, StaffFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_data")]


def workflow_url(compound, action):
    return reverse("admin:compounds_compound_workflow", args=[compound.pk, action])


def change_url(compound):
    return reverse("admin:compounds_compound_change", args=[compound.pk])


def edit_dose_and_wording(compound, user):
    with compound_revision(compound=compound, user=user, edit_summary="Dose and wording"):
        protocol = compound.dosing_protocols.get(amount_text="400-600mcg")
        protocol.amount_text = "300-600mcg"
        protocol.save()
        section = compound.sections.get(body__contains="substantial clinical use")
        section.body = section.body.replace("substantial clinical use", "extensive clinical use")
        section.save()


# --- History --------------------------------------------------------------------------------------


def test_history_lists_revisions_with_who_why_and_which_went_live(client, demo, editor):
    edit_dose_and_wording(demo, editor)
    client.force_login(editor)
    html = client.get(reverse("admin:compounds_compound_history", args=[demo.pk])).content.decode()
    assert "Dose and wording" in html and "eddie" in html
    assert "published v1" in html
    assert "Compare the draft with the published version" in html


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


def test_history_and_compare_cost_the_same_queries_for_5_or_55_revisions(admin_client):
    counts = {}
    for total in (5, 55):
        compound = compound_with_revisions(total, f"c{total}")
        revisions = revisions_of(compound)
        history = count_queries(admin_client, reverse("admin:compounds_compound_history", args=[compound.pk]))
        compare = count_queries(
            admin_client,
            reverse("admin:compounds_compound_compare", args=[compound.pk]),
            {"a": revisions.last().revision_id, "b": revisions.first().revision_id},
        )
        counts[total] = (history, compare)
    assert counts[5] == counts[55]


def test_history_pages_through_long_histories(admin_client):
    compound = compound_with_revisions(55, "long")
    url = reverse("admin:compounds_compound_history", args=[compound.pk])
    first, second = admin_client.get(url).content.decode(), admin_client.get(url, {"page": 2}).content.decode()
    assert "Page 1 of 2" in first and "Edit 53" in first and "Edit 3<" not in first
    assert "Page 2 of 2" in second and "Start" in second


# --- Compare --------------------------------------------------------------------------------------


def test_compare_shows_a_changed_dosing_row_and_a_changed_sentence(client, demo, editor):
    edit_dose_and_wording(demo, editor)
    newer, older = revisions_of(demo)[:2]
    client.force_login(editor)
    response = client.get(
        reverse("admin:compounds_compound_compare", args=[demo.pk]), {"a": older.revision_id, "b": newer.revision_id}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Dosing protocols" in html and "<del>400</del><ins>300</ins>-600mcg" in html
    assert "<del>substantial</del><ins>extensive</ins>" in html


def test_compare_puts_the_older_revision_first_whichever_order_it_is_asked_in(admin_client, demo, editor):
    edit_dose_and_wording(demo, editor)
    newer, older = revisions_of(demo)[:2]
    response = admin_client.get(
        reverse("admin:compounds_compound_compare", args=[demo.pk]), {"a": newer.revision_id, "b": older.revision_id}
    )
    assert f"Compare r{older.number} with r{newer.number}" in response.content.decode()


def test_compare_with_published_shows_the_draft_changes(admin_client, demo, editor):
    with compound_revision(compound=demo, user=editor, edit_summary="New intro"):
        demo.what_is_this = "A brand new introduction."
        demo.save_content()
    response = admin_client.get(reverse("admin:compounds_compound_compare", args=[demo.pk]), {"published": "1"})
    assert "brand new introduction" in response.content.decode()


def test_compare_with_published_explains_when_nothing_is_published(admin_client):
    draft = compound_with_revisions(1, "unpublished-draft")
    response = admin_client.get(
        reverse("admin:compounds_compound_compare", args=[draft.pk]), {"published": "1"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("admin:compounds_compound_history", args=[draft.pk])
    assert "This profile has no published version to compare with." in messages_of(response)


@pytest.mark.parametrize("params", [{"a": "abc"}, {"a": "999999"}, {"b": "999999"}])
def test_compare_with_an_unknown_revision_is_not_found(admin_client, demo, params):
    assert admin_client.get(reverse("admin:compounds_compound_compare", args=[demo.pk]), params).status_code == 404


def test_compare_of_a_compound_without_revisions_is_not_found(admin_client):
    bare = CompoundFactory(slug="no-history")
    assert admin_client.get(reverse("admin:compounds_compound_compare", args=[bare.pk])).status_code == 404


def test_views_of_an_unknown_compound_are_not_found(admin_client):
    for name, args in [
        ("admin:compounds_compound_history", [999999]),
        ("admin:compounds_compound_compare", ["nonsense"]),
        ("admin:compounds_compound_revert", [999999, 1]),
        ("admin:compounds_compound_workflow", [999999, "publish"]),
    ]:
        assert admin_client.get(reverse(name, args=args)).status_code == 404, name


# --- Revert ---------------------------------------------------------------------------------------


def test_revert_view_shows_what_will_change_then_reverts_as_a_new_revision(client, demo, editor):
    first = revisions_of(demo).last()
    with compound_revision(compound=demo, user=editor, edit_summary="Changed intro"):
        demo.what_is_this = "Changed intro."
        demo.save_content()
    client.force_login(editor)
    url = reverse("admin:compounds_compound_revert", args=[demo.pk, first.revision_id])
    assert "<del>Changed intro" in client.get(url).content.decode()
    response = client.post(url, {"edit_summary": "Back to the original"}, follow=True)
    assert f"Reverted Selank to r{first.number} as a new revision." in messages_of(response)
    demo.refresh_from_db()
    assert demo.what_is_this.startswith("Selank is a synthetic")
    latest = revisions_of(demo).first()
    assert (latest.origin, latest.edit_summary, latest.revision.user) == (
        RevisionOrigin.REVERT,
        "Back to the original",
        editor,
    )


def test_a_revert_the_service_refuses_is_a_message_and_changes_nothing(admin_client, demo):
    first = revisions_of(demo).last()
    before = revisions_of(demo).count()
    url = reverse("admin:compounds_compound_revert", args=[demo.pk, first.revision_id])
    refusal = ValidationError("Another profile now uses the address selank.")
    with mock.patch("compounds.services.compound_revert", side_effect=refusal):
        response = admin_client.post(url, {"edit_summary": "Try"}, follow=True)
    assert "Another profile now uses the address selank." in messages_of(response)
    assert revisions_of(demo).count() == before


def test_compare_and_revert_refuse_revisions_of_another_object(client, demo, editor):
    semax = Compound.objects.get(slug="semax")
    semax_revision = revisions_of(semax).first().revision_id
    selank_revision = revisions_of(demo).first().revision_id
    client.force_login(editor)
    compare = reverse("admin:compounds_compound_compare", args=[demo.pk])
    assert client.get(compare, {"a": semax_revision, "b": selank_revision}).status_code == 403
    revert = reverse("admin:compounds_compound_revert", args=[demo.pk, semax_revision])
    assert client.get(revert).status_code == 403
    assert client.post(revert).status_code == 403
    assert revisions_of(demo).first().revision_id == selank_revision


# --- Workflow steps -------------------------------------------------------------------------------


def test_an_unknown_workflow_step_is_not_found(admin_client, demo):
    assert admin_client.get(workflow_url(demo, "delete-everything")).status_code == 404


@pytest.mark.parametrize("action", ["publish", "unpublish", "schedule", "unschedule"])
def test_editors_may_not_take_a_reviewers_step(client, demo, editor, action):
    client.force_login(editor)
    assert client.get(workflow_url(demo, action)).status_code == 403
    assert client.post(workflow_url(demo, action), {"edit_summary": "x"}).status_code == 403
    assert demo.snapshots.count() == 1


def test_each_step_asks_for_confirmation_first(client, demo, reviewer):
    client.force_login(reviewer)
    publish = client.get(workflow_url(demo, "publish")).content.decode()
    assert "Public change note" in publish and "No profile edits since the live version 1." in publish
    assert "will no longer be visible to readers" in client.get(workflow_url(demo, "unpublish")).content.decode()
    assert "Publish at" in client.get(workflow_url(demo, "schedule")).content.decode()
    assert demo.snapshots.count() == 1  # a GET changes nothing


def test_reviewer_publishes_from_the_workflow_page_and_readers_see_it(client, demo, reviewer):
    with compound_revision(compound=demo, user=reviewer, edit_summary="New intro"):
        demo.what_is_this = "Reviewed introduction."
        demo.save_content()
    client.force_login(reviewer)
    page = client.get(workflow_url(demo, "publish"))
    digest = page.context["form"].checks.digest
    response = client.post(
        workflow_url(demo, "publish"),
        {"edit_summary": "New introduction", "acknowledge": "on", "checks_digest": digest},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == change_url(demo)
    assert "Selank is published as version 2." in messages_of(response)
    client.logout()
    assert "Reviewed introduction." in client.get("/compounds/selank/").content.decode()


def test_a_publish_the_service_refuses_stays_on_the_form_with_the_reason(client, reviewer):
    broken = CompoundFactory(name="Broken", slug="broken", what_is_this="As shown [@no-such-source].")
    client.force_login(reviewer)
    response = client.post(workflow_url(broken, "publish"), {"edit_summary": "Go"})
    assert response.status_code == 200
    assert "no-such-source" in response.content.decode()
    assert not broken.snapshots.exists()


def test_a_too_long_change_note_is_a_form_error(client, demo, reviewer):
    client.force_login(reviewer)
    response = client.post(workflow_url(demo, "publish"), {"edit_summary": "x" * 301})
    assert response.status_code == 200 and "at most 300 characters" in response.content.decode()
    assert demo.snapshots.count() == 1


def test_submit_for_review_moves_a_draft_to_the_reviewers(reviewer, client, editor):
    draft = CompoundFactory(name="Drafty", slug="drafty")
    client.force_login(editor)
    response = client.post(workflow_url(draft, "submit"), follow=True)
    assert "Drafty was submitted. It is waiting for a reviewer, who was e-mailed." in messages_of(response)
    draft.refresh_from_db()
    assert draft.status == Status.IN_REVIEW


def test_submitting_when_no_reviewer_has_an_address_says_nobody_was_told(client, editor):
    draft = CompoundFactory(name="Quiet", slug="quiet")
    client.force_login(editor)
    response = client.post(workflow_url(draft, "submit"), follow=True)
    assert any("no reviewer has an e-mail address" in message for message in messages_of(response))


def test_a_step_without_a_form_that_is_refused_returns_to_the_profile_with_the_reason(client, demo, editor):
    client.force_login(editor)
    response = client.post(workflow_url(demo, "submit"), follow=True)
    assert response.redirect_chain[-1][0] == change_url(demo)
    assert any("no changes since the published version 1" in message for message in messages_of(response))
    demo.refresh_from_db()
    assert demo.status == Status.PUBLISHED


def test_unpublish_takes_the_page_down_and_keeps_the_versions(client, demo, reviewer):
    client.force_login(reviewer)
    response = client.post(workflow_url(demo, "unpublish"), follow=True)
    assert "Selank is no longer public. Its published versions are kept." in messages_of(response)
    client.logout()
    assert client.get("/compounds/selank/").status_code == 404
    assert demo.snapshots.count() == 1


def test_schedule_and_cancel_the_schedule(client, reviewer):
    draft = CompoundFactory(name="Later", slug="later")
    client.force_login(reviewer)
    when = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
    response = client.post(workflow_url(draft, "schedule"), {"go_live_at": when}, follow=True)
    assert "Schedule saved for Later." in messages_of(response)
    draft.refresh_from_db()
    assert draft.go_live_at is not None and not draft.is_live

    response = client.post(workflow_url(draft, "unschedule"), follow=True)
    assert "Schedule cancelled for Later." in messages_of(response)
    draft.refresh_from_db()
    assert draft.go_live_at is None


@pytest.mark.parametrize(
    "data, message",
    [
        ({}, "Give a publish time, an unpublish time, or both."),
        ({"go_live_at": "2001-01-01 09:00"}, "The publish time must be in the future"),
        ({"go_live_at": "tomorrow-ish"}, "Enter a valid date/time."),
    ],
)
def test_a_schedule_that_cannot_happen_is_a_form_error(client, reviewer, data, message):
    draft = CompoundFactory(slug="never")
    client.force_login(reviewer)
    response = client.post(workflow_url(draft, "schedule"), data)
    assert response.status_code == 200 and message in response.content.decode()
    draft.refresh_from_db()
    assert draft.go_live_at is None


def test_cancelling_a_schedule_asks_for_confirmation(client, reviewer):
    draft = CompoundFactory(slug="sched")
    compound_schedule(compound=draft, user=reviewer, go_live_at=timezone.now() + timedelta(days=1))
    client.force_login(reviewer)
    assert "Cancel the scheduled publication" in client.get(workflow_url(draft, "unschedule")).content.decode()


# --- Recovering deleted profiles ------------------------------------------------------------------


def deleted_profile(client, name, slug):
    compound = CompoundFactory(name=name, slug=slug)
    with compound_revision(compound=compound, edit_summary="Write it"):
        SectionFactory(compound=compound, body="Kept text.")
        SectionFactory(compound=compound)
        DosingProtocolFactory(compound=compound)
    compound_publish(compound=compound)
    response = client.post(reverse("admin:compounds_compound_delete", args=[compound.pk]), {"post": "yes"})
    assert response.status_code == 302
    return compound.pk


def test_deleted_compound_is_recovered_with_its_rows_as_a_draft(admin_client):
    pk = deleted_profile(admin_client, "Deletable", "deletable")
    assert not Compound.objects.filter(pk=pk).exists()
    assert "Deletable" in admin_client.get(reverse("admin:compounds_compound_recoverlist")).content.decode()
    version = Version.objects.get_deleted(Compound).get(object_id=str(pk))
    recover = reverse("admin:compounds_compound_recover", args=[version.pk])
    assert admin_client.get(recover).status_code == 302  # only a POST recovers
    assert not Compound.objects.filter(pk=pk).exists()

    response = admin_client.post(recover, follow=True)
    assert "Recovered Deletable with its rows, as a draft." in messages_of(response)
    recovered = Compound.objects.get(pk=pk)
    assert recovered.sections.count() == 2 and recovered.dosing_protocols.count() == 1
    assert recovered.sections.filter(body="Kept text.").exists()
    assert recovered.status == Status.DRAFT and recovered.live_snapshot is None
    assert revisions_of(recovered).first().origin == RevisionOrigin.RECOVER
    assert revisions_of(recovered).count() == 2  # history survives the deletion


def test_recovering_onto_an_address_now_taken_is_refused_with_the_reason(admin_client):
    pk = deleted_profile(admin_client, "Deletable", "deletable")
    CompoundFactory(name="Deletable", slug="deletable")  # someone wrote a new profile in the meantime
    version = Version.objects.get_deleted(Compound).get(object_id=str(pk))
    response = admin_client.post(reverse("admin:compounds_compound_recover", args=[version.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("admin:compounds_compound_recoverlist")
    assert any("deletable" in message.lower() for message in messages_of(response))
    assert not Compound.objects.filter(pk=pk).exists()


# --- Who may do what ------------------------------------------------------------------------------


def test_groups_exist_with_the_right_powers(editor, reviewer):
    assert editor.has_perm("compounds.change_compound") and not editor.has_perm("compounds.publish_compound")
    assert reviewer.has_perm("compounds.publish_compound") and reviewer.has_perm("compounds.change_compound")


def test_staff_without_a_role_may_not_see_history_compare_revert_preview_or_recover(client, demo):
    outsider = StaffFactory(username="outsider")
    revision = revisions_of(demo).first().revision_id
    client.force_login(outsider)
    assert client.get(reverse("admin:compounds_compound_history", args=[demo.pk])).status_code == 403
    assert client.get(reverse("admin:compounds_compound_compare", args=[demo.pk]), {"a": revision}).status_code == 403
    assert client.get(reverse("admin:compounds_compound_revert", args=[demo.pk, revision])).status_code == 403
    assert client.get(reverse("admin:compounds_compound_recoverlist")).status_code == 403
    assert client.get(workflow_url(demo, "submit")).status_code == 403
    assert client.get("/compounds/selank/preview/").status_code == 403


def test_the_publish_page_lists_the_checks_and_needs_the_warnings_acknowledged(client, demo, reviewer):
    with compound_revision(compound=demo, user=reviewer, edit_summary="Vaguer dose"):
        demo.dosing_protocols.filter(name="As-needed").update(amount_text="lots")
    client.force_login(reviewer)
    page = client.get(workflow_url(demo, "publish"))
    html = page.content.decode()
    assert "Changes pending since" in html and "1 revision after the live version" in html
    assert "Protocol “As-needed”: the dose as written, “lots”, states no amount" in html
    assert "1 of 13 cited sources are unverified" in html
    digest = page.context["form"].checks.digest
    refused = client.post(workflow_url(demo, "publish"), {"checks_digest": digest})
    assert "Tick this to confirm you read the warnings" in refused.content.decode()
    stale = client.post(workflow_url(demo, "publish"), {"checks_digest": "0" * 16, "acknowledge": "on"})
    assert "The checks changed since this page was opened" in stale.content.decode()
    assert f'value="{digest}"' in stale.content.decode()  # so the page shown again can be submitted
    assert demo.snapshots.count() == 1
    client.post(workflow_url(demo, "publish"), {"checks_digest": digest, "acknowledge": "on"})
    snapshot = demo.snapshots.get(version=2)
    assert "dose_text_no_amount" in {warning["code"] for warning in snapshot.acknowledged_warnings}
    record = client.get(reverse("admin:compounds_profilesnapshot_change", args=[snapshot.pk])).content.decode()
    assert "Warnings acknowledged when publishing" in record and "“lots”, states no amount" in record


def test_the_publish_button_is_disabled_with_the_reason_while_errors_block(client, reviewer):
    broken = CompoundFactory(name="Broken", what_is_this="As shown [@no-such-source].")
    client.force_login(reviewer)
    html = client.get(workflow_url(broken, "publish")).content.decode()
    assert "1 error blocks publishing" in html and "Publish is blocked until the errors above are fixed." in html
    assert "disabled" in html


def test_publishing_an_unchanged_live_profile_from_the_page_says_nothing_was_published(client, demo, reviewer):
    client.force_login(reviewer)
    digest = client.get(workflow_url(demo, "publish")).context["form"].checks.digest
    response = client.post(workflow_url(demo, "publish"), {"checks_digest": digest, "acknowledge": "on"}, follow=True)
    assert "Nothing was published: Selank has no changes readers would see since version 1." in messages_of(response)
    assert demo.snapshots.count() == 1


def test_the_list_shows_pending_changes_and_filters_them(client, demo, editor, reviewer):
    with compound_revision(compound=demo, user=editor, edit_summary="Tweak"):
        demo.summary = "A tweaked summary."
        demo.save_content()
    client.force_login(editor)
    client.post(workflow_url(demo, "submit"))
    client.force_login(reviewer)
    changelist = reverse("admin:compounds_compound_changelist")
    html = client.get(changelist, {"changes": "in_review"}).content.decode()
    assert "Published v1 · changes in review" in html and "changes pending since" in html
    rows = client.get(changelist, {"changes": "pending"}).context["cl"].result_list
    assert [c.slug for c in rows] == ["selank"]
    assert not client.get(changelist, {"changes": "not_submitted"}).context["cl"].result_list
    form = client.get(change_url(demo)).content.decode()
    assert "Published v1 · changes in review" in form and "Compare with the live version" in form


def test_a_dose_text_that_disagrees_is_a_warning_when_saving(client, demo, editor):
    client.force_login(editor)
    data = form_data(client, change_url(demo))
    prefix = row_prefix(data, "dosing_protocols", demo.dosing_protocols.get(name="As-needed"))
    data[f"{prefix}-amount_text"] = "lots"
    data["edit_summary"] = "Vaguer"
    response = client.post(change_url(demo), data, follow=True)
    assert any("states no amount" in message for message in messages_of(response))


def test_bulk_publish_shows_each_profiles_checks_first(client, demo, reviewer):
    client.force_login(reviewer)
    response = client.post(
        reverse("admin:compounds_compound_changelist"), {"action": "publish", "_selected_action": [demo.pk]}
    )
    html = response.content.decode()
    assert "Automatic checks: Selank" in html and "1 of 13 cited sources are unverified" in html
    assert 'name="acknowledge"' in html and demo.snapshots.count() == 1
