"""Writes that span models: publishing, revisions, revert and recovery, scheduling, deletions."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from compounds import models as cm
from compounds.models import Citation, Compound, RevisionMeta, RevisionOrigin, Section, Status
from compounds.services import (
    category_delete,
    compound_delete,
    compound_publish,
    compound_revert,
    compound_revision,
    compound_schedule,
    compound_submit_for_review,
    compound_unpublish,
    compounds_publish_due,
    describe_integrity_error,
)
from tests.factories import (
    CategoryFactory,
    CompoundFactory,
    DosingProtocolFactory,
    SectionFactory,
    SourceFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db


def metas(compound):
    return RevisionMeta.objects.filter(compound_key=compound.pk).order_by("-number")


# --- Publishing ----------------------------------------------------------------------------


def test_publish_freezes_a_version_with_rendered_html_and_reviewer():
    source = SourceFactory(key="smith2020")
    compound = CompoundFactory(name="Frozen", slug="frozen")
    SectionFactory(compound=compound, title="Evidence", anchor="evidence-base", body="Shown [@smith2020].")
    reviewer = StaffFactory(username="rev", first_name="Rita", last_name="Reviewer")
    snapshot = compound_publish(compound=compound, user=reviewer, edit_summary="First publication")
    compound.refresh_from_db()
    assert compound.status == Status.PUBLISHED and compound.live_snapshot == snapshot
    assert snapshot.version == 1 and snapshot.published_by_name == "Rita Reviewer"
    assert 'id="ref-1"' in snapshot.body_html and "Evidence" in snapshot.body_html
    assert Citation.objects.get(compound=compound).source == source
    compound.summary = "Changed."
    compound.save_content()
    assert compound_publish(compound=compound).version == 2


def test_publish_refuses_unresolved_citations_and_says_which():
    compound = CompoundFactory(slug="broken")
    # Bypasses form validation the way a raw import could.
    Section.objects.create(compound=compound, title="T", anchor="t", body="Claim [@missing2020].")
    with pytest.raises(ValidationError) as error:
        compound_publish(compound=compound)
    assert "@missing2020" in error.value.messages[0]
    compound.refresh_from_db()
    assert compound.status == Status.DRAFT and compound.live_snapshot is None


def test_publish_refuses_an_address_another_live_profile_still_has():
    first = CompoundFactory(slug="shared")
    compound_publish(compound=first)
    first.slug = "first-renamed"  # a draft change: the live version stays at /compounds/shared/
    first.save_content()
    second = CompoundFactory(slug="shared")
    with pytest.raises(ValidationError, match="Another published profile is at /compounds/shared/"):
        compound_publish(compound=second)


def test_unpublish_keeps_versions():
    compound = CompoundFactory()
    compound_publish(compound=compound)
    compound_unpublish(compound=compound)
    compound.refresh_from_db()
    assert compound.status == Status.UNPUBLISHED and compound.snapshots.count() == 1


def test_submit_for_review_refuses_published_profiles():
    compound = CompoundFactory()
    compound_submit_for_review(compound=compound)
    assert compound.status == Status.IN_REVIEW
    compound_publish(compound=compound)
    with pytest.raises(ValidationError):
        compound_submit_for_review(compound=compound)


def test_a_stale_instance_cannot_undo_a_publish():
    compound = CompoundFactory()
    stale = type(compound).objects.get(pk=compound.pk)
    compound_publish(compound=compound)
    stale.summary = "Edited in an old form"
    stale.save_content()
    stale.refresh_from_db()
    assert stale.status == Status.PUBLISHED and stale.live_snapshot is not None


def test_publishing_records_the_citation_list_when_sources_changed_since_the_last_save():
    compound = CompoundFactory()
    with compound_revision(compound=compound, edit_summary="Cite by DOI"):
        SectionFactory(compound=compound, body="Claim [@doi:10.9999/later].")
    SourceFactory(key="later2024", doi="10.9999/later")  # the DOI now resolves
    compound_publish(compound=compound)
    assert metas(compound).first().edit_summary == "Citation list updated before publishing"
    assert compound.citations.get().source.key == "later2024"


# --- Revisions ---------------------------------------------------------------------------------


def test_a_revision_holds_the_compound_and_every_part():
    compound = CompoundFactory()
    with compound_revision(compound=compound, edit_summary="Write it"):
        SectionFactory(compound=compound)
        cm.Interaction.objects.create(compound=compound, substance="Ethanol", effect="Unknown.")
    [meta] = metas(compound)
    stored = {version.content_type.model for version in meta.revision.version_set.all()}
    assert stored == {"compound", "section", "interaction"}
    assert (meta.number, meta.origin, meta.edit_summary) == (1, RevisionOrigin.COMMAND, "Write it")


def test_saving_numbers_citations_without_rendering_the_page():
    sources = [SourceFactory() for _ in range(3)]
    compound = CompoundFactory(what_is_this=f"Intro [@{sources[2].key}].")
    with (
        mock.patch("compounds.page.render_markdown", side_effect=AssertionError("rendered on save")),
        compound_revision(compound=compound, edit_summary="Cite"),
    ):
        SectionFactory(compound=compound, body=f"[@{sources[0].key}] then [@{sources[2].key}; @{sources[1].key}]")
    assert list(compound.citations.order_by("number").values_list("source__key", "uses")) == [
        (sources[2].key, 2),
        (sources[0].key, 1),
        (sources[1].key, 1),
    ]


def test_revisions_cannot_nest():
    compound = CompoundFactory()
    with (
        pytest.raises(RuntimeError, match="cannot run inside another revision block"),
        compound_revision(compound=compound),
        compound_revision(compound=CompoundFactory()),
    ):
        pytest.fail("a nested revision block ran")


def test_a_constraint_the_database_refuses_is_a_message_and_nothing_is_kept():
    compound = CompoundFactory()
    with pytest.raises(ValidationError) as error, compound_revision(compound=compound, edit_summary="Two of a kind"):
        cm.Interaction.objects.create(compound=compound, substance="Ethanol", effect="One.")
        cm.Interaction.objects.create(compound=compound, substance="ethanol", effect="Two.")
    assert error.value.messages == ["This substance is already listed; edit that row."]
    assert not cm.Interaction.objects.exists() and not metas(compound).exists()


@pytest.mark.parametrize(
    "create, message",
    [
        (
            lambda c: cm.Section.objects.bulk_create([cm.Section(compound=c, title="A", anchor="same")] * 2),
            "Another section of this compound uses this anchor.",
        ),
        (
            lambda c: cm.TimeCourse.objects.create(compound=c, phase="onset", text="x", minutes_low=9, minutes_high=1),
            "The upper bound must not be below the lower bound.",
        ),
    ],
    ids=["unique", "check"],
)
def test_database_refusals_are_described_by_the_constraint_message(create, message):
    compound = CompoundFactory()
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        create(compound)
    assert describe_integrity_error(error.value) == message


def test_revert_restores_parts_as_a_new_revision():
    compound = CompoundFactory()
    with compound_revision(compound=compound, edit_summary="Start"):
        DosingProtocolFactory(compound=compound, name="Standard", amount_text="250-500mcg")
        cm.Interaction.objects.create(compound=compound, substance="Ethanol", effect="Unknown.")
    original = metas(compound).first()
    with compound_revision(compound=compound, edit_summary="Damage"):
        compound.dosing_protocols.get(name="Standard").delete()
        interaction = compound.interactions.get()
        interaction.effect = "Changed."
        interaction.save()
        SectionFactory(compound=compound, title="Spurious", anchor="spurious")

    compound_revert(compound=compound, revision=original.revision)

    assert compound.dosing_protocols.filter(name="Standard", amount_text="250-500mcg").exists()
    assert compound.interactions.get().effect == "Unknown."
    assert not compound.sections.exists()
    latest = metas(compound).first()
    assert latest.origin == RevisionOrigin.REVERT and latest.number == original.number + 2


def test_revert_to_a_revision_saved_before_profiles_had_identifiers_keeps_the_identifier():
    import json

    compound = CompoundFactory()
    with compound_revision(compound=compound, edit_summary="Old"):
        pass
    original = metas(compound).first()
    version = original.revision.version_set.get(object_id=str(compound.pk), content_type__model="compound")
    data = json.loads(version.serialized_data)
    del data[0]["fields"]["uid"]  # as revisions recorded before migration 0008 are stored
    version.serialized_data = json.dumps(data)
    version.save()

    compound_revert(compound=compound, revision=original.revision)

    assert Compound.objects.get(pk=compound.pk).uid == compound.uid


def test_revert_refuses_a_revision_of_another_profile():
    first, second = CompoundFactory(), CompoundFactory()
    with compound_revision(compound=second):
        pass
    with pytest.raises(ValidationError, match="does not belong to"):
        compound_revert(compound=first, revision=metas(second).first().revision)


# --- Deletions change other profiles only inside their revisions -----------------------------------------


def test_deleting_a_profile_others_link_to_records_a_revision_of_each_and_unlinks_their_pages():
    target = CompoundFactory(name="Target", slug="target")
    compound_publish(compound=target)
    linking = CompoundFactory(name="Linking")
    with compound_revision(compound=linking, edit_summary="Link"):
        cm.RelatedCompound.objects.create(compound=linking, related=target)
        cm.ComparisonTable.objects.create(
            compound=linking, title="Vs", anchor="vs", subject_label="L", other_label="T", other_compound=target
        )
    snapshot = compound_publish(compound=linking)
    assert 'href="/compounds/target/"' in snapshot.body_html

    compound_delete(compound=target)

    [latest, _link] = metas(linking)[:2]
    assert latest.edit_summary == "Links to Target removed: it was deleted"
    assert not linking.related_links.exists() and linking.comparison_tables.get().other_compound is None
    snapshot.refresh_from_db()
    assert 'href="/compounds/target/"' not in snapshot.body_html and ">Target</span>" in snapshot.body_html


def test_deleting_a_category_records_a_revision_of_each_profile_filed_under_it():
    category = CategoryFactory(name="Sleep", slug="sleep")
    compound = CompoundFactory()
    compound.categories.add(category)
    snapshot = compound_publish(compound=compound)
    category_delete(category=category)
    assert metas(compound).first().edit_summary == "Category Sleep removed: it was deleted"
    assert not compound.categories.exists()
    snapshot.refresh_from_db()
    assert snapshot.header["categories"] == []


# --- Scheduling --------------------------------------------------------------------------------------


def test_publish_scheduled_publishes_and_expires_exactly_what_is_due(reviewer_user):
    now = timezone.now()
    due = CompoundFactory(slug="due")
    later = CompoundFactory(slug="later")
    expiring = CompoundFactory(slug="expiring")
    compound_publish(compound=expiring)
    compound_schedule(compound=due, user=reviewer_user, go_live_at=now + timedelta(minutes=5), now=now)
    compound_schedule(compound=later, user=reviewer_user, go_live_at=now + timedelta(days=2), now=now)
    compound_schedule(compound=expiring, user=reviewer_user, expire_at=now + timedelta(minutes=5), now=now)

    report = compounds_publish_due(now=now + timedelta(minutes=10))
    assert [c.slug for c in report["published"]] == ["due"] and [c.slug for c in report["expired"]] == ["expiring"]
    due.refresh_from_db(), later.refresh_from_db(), expiring.refresh_from_db()
    assert due.is_live and due.live_snapshot.published_by == reviewer_user and due.go_live_at is None
    assert not later.is_live and later.go_live_at is not None
    assert not expiring.is_live and expiring.status == Status.UNPUBLISHED

    again = compounds_publish_due(now=now + timedelta(minutes=11))
    assert again == {"published": [], "unchanged": [], "expired": [], "failed": []}
    assert due.snapshots.count() == 1


def test_publish_scheduled_reports_what_could_not_be_published(reviewer_user):
    now = timezone.now()
    broken = CompoundFactory(slug="broken")
    compound_schedule(compound=broken, user=reviewer_user, go_live_at=now + timedelta(minutes=1), now=now)
    # Broken after scheduling, the way a raw import could.
    Section.objects.create(compound=broken, title="T", anchor="t", body="Claim [@missing].")
    report = compounds_publish_due(now=now + timedelta(minutes=2))
    [(compound, reason)] = report["failed"]
    assert compound == broken and "@missing" in reason


def test_publish_scheduled_command_is_idempotent(reviewer_user, capsys):
    compound = CompoundFactory(slug="cmd")
    compound_schedule(compound=compound, user=reviewer_user, go_live_at=timezone.now() + timedelta(seconds=1))
    Compound.objects.filter(pk=compound.pk).update(go_live_at=timezone.now() - timedelta(seconds=1))
    call_command("publish_scheduled")
    call_command("publish_scheduled")
    output = capsys.readouterr().out
    assert "Published" in output and "Nothing due." in output
    assert compound.snapshots.count() == 1


@pytest.mark.parametrize(
    "go_live, expire, message",
    [
        (None, None, "Give a publish time, an unpublish time, or both."),
        (timedelta(hours=-1), None, "The publish time must be in the future"),
        (timedelta(hours=2), timedelta(hours=1), "The unpublish time must come after the publish time"),
    ],
)
def test_scheduling_refuses_what_cannot_happen(reviewer_user, go_live, expire, message):
    now = timezone.now()
    with pytest.raises(ValidationError, match=message):
        compound_schedule(
            compound=CompoundFactory(),
            user=reviewer_user,
            go_live_at=now + go_live if go_live else None,
            expire_at=now + expire if expire else None,
            now=now,
        )


# --- Public change log and permalinks -------------------------------------------------------------


def test_public_change_log_and_permalinks_show_old_versions(client, staff_user):
    compound = CompoundFactory(slug="logged", what_is_this="First edition introduction.")
    compound_publish(compound=compound)
    with compound_revision(compound=compound, user=staff_user, edit_summary="Rewrite the introduction"):
        compound.what_is_this = "Second edition introduction."
        compound.save_content()
    compound_publish(compound=compound)
    with compound_revision(compound=compound, user=staff_user, edit_summary="Typo", minor=True):
        compound.what_is_this = "Second edition introduction!"
        compound.save_content()
    compound_publish(compound=compound)

    log = client.get("/compounds/logged/history/").content.decode()
    assert "Version 2" in log and "Rewrite the introduction" in log
    assert "Version 3" not in log  # minor

    old = client.get("/compounds/logged/v/1/")
    html = old.content.decode()
    assert old.status_code == 200 and "An older version." in html and "First edition" in html
    assert "Second edition" not in html and 'href="/compounds/logged/"' in html
    assert "Second edition introduction!" in client.get("/compounds/logged/").content.decode()
    assert client.get("/compounds/logged/v/99/").status_code == 404


def test_permalinks_vanish_when_the_profile_is_unpublished(client):
    compound = CompoundFactory(slug="gone")
    compound_publish(compound=compound)
    compound_unpublish(compound=compound)
    assert client.get("/compounds/gone/v/1/").status_code == 404
    assert client.get("/compounds/gone/history/").status_code == 404


def test_last_updated_and_reviewed_by_come_from_the_published_version(client, reviewer_user):
    compound = CompoundFactory(slug="dated")
    compound_publish(compound=compound, user=reviewer_user)
    html = client.get("/compounds/dated/").content.decode()
    assert "Last reviewed by Rita Reviewer" in html and "Last updated" in html


def test_recording_a_revision_reads_the_profile_once():
    compound = CompoundFactory()
    with compound_revision(compound=compound):
        for _ in range(10):
            SectionFactory(compound=compound)
    with CaptureQueriesContext(connection) as small, compound_revision(compound=compound):
        pass
    with compound_revision(compound=compound):
        for _ in range(40):
            SectionFactory(compound=compound)
    with CaptureQueriesContext(connection) as large, compound_revision(compound=compound):
        pass
    assert len(small) == len(large)  # 10 or 50 sections: the same queries
