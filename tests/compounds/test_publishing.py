"""Trustworthy publishing: the checks a reviewer reads, acknowledging warnings, publishing nothing when nothing
changed, and the hand-off of changes to a live profile."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from compounds.doses import parse_dose, same_amount
from compounds.models import Compound, Status
from compounds.publish_checks import compound_publish_checks
from compounds.services import (
    compound_publish,
    compound_revision,
    compound_schedule,
    compound_submit_for_review,
    compounds_publish_due,
)
from evidence.models import Verification
from tests.factories import CompoundFactory, DosingProtocolFactory, SectionFactory, SourceFactory, StaffFactory
from tests.workflow import publish_acknowledging

pytestmark = pytest.mark.django_db


def codes(checks):
    return {check.code for check in checks.checks}


def edit(compound, user=None, **changes):
    with compound_revision(compound=compound, user=user, edit_summary="Edited in a test"):
        for name, value in changes.items():
            setattr(compound, name, value)
        compound.save_content()


# --- Dose as written -------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("250-500mcg", (Decimal(250), Decimal(500), "mcg")),
        ("250 – 500 µg", (Decimal(250), Decimal(500), "mcg")),
        ("250 to 500 ug", (Decimal(250), Decimal(500), "mcg")),
        ("2 x 250 mcg", (Decimal(250), None, "mcg")),
        ("0.5 mg", (Decimal("0.5"), None, "mg")),
        ("10 mcg/kg", (Decimal(10), None, "mcg/kg")),
        ("1,000 IU", (Decimal(1000), None, "IU")),
        ("10 mcg per kg", (Decimal(10), None, "mcg/kg")),
        ("1 gram", (Decimal(1), None, "g")),
        ("lots", None),
        ("2-3 sprays", None),
    ],
)
def test_dose_text_is_read_as_people_write_it(text, expected):
    assert parse_dose(text) == expected


def test_the_same_amount_in_other_units_agrees_and_per_kg_does_not():
    assert same_amount(parse_dose("0.25-0.5 mg"), low=Decimal(250), high=Decimal(500), unit="mcg")
    assert not same_amount(parse_dose("250 mcg"), low=Decimal(250), high=Decimal(500), unit="mcg")
    assert not same_amount(parse_dose("250-500 mcg/kg"), low=Decimal(250), high=Decimal(500), unit="mcg")


def test_dose_text_without_an_amount_or_with_another_one_is_a_publish_warning():
    compound = CompoundFactory()
    DosingProtocolFactory(compound=compound, name="Vague", amount_text="lots")
    DosingProtocolFactory(compound=compound, name="Off", amount_text="250-750 mcg")
    DosingProtocolFactory(compound=compound, name="Fine", amount_text="0.25–0.5 mg")
    messages = compound_publish_checks(compound=compound).warning_messages
    assert any("“Vague”" in m and "“lots”, states no amount" in m and "(250–500 mcg)" in m for m in messages)
    assert any("“Off”" in m and "says 250–750 mcg, but the structured amount is 250–500 mcg" in m for m in messages)
    assert not any("“Fine”" in m for m in messages)


# --- The checks ------------------------------------------------------------------


def test_the_checks_name_doses_above_the_maximum_unverified_sources_and_missing_identifiers():
    compound = CompoundFactory(daily_max_high=Decimal("1"), daily_max_unit="mg")
    DosingProtocolFactory(compound=compound, name="Heavy", amount_high=Decimal("500"), doses_per_day_high=3)
    SourceFactory(key="checked", verification=Verification.VERIFIED)
    SourceFactory(key="loose", verification=Verification.UNVERIFIED, doi="", pmid=None, pmcid="")
    SectionFactory(compound=compound, body="Claims [@checked] and [@loose].")
    checks = compound_publish_checks(compound=compound)
    assert not checks.errors
    assert {"dose_above_daily_max", "unverified_sources", "no_identifier"} <= codes(checks)
    assert "1 of 2 cited sources are unverified (@loose)" in " ".join(checks.warning_messages)


def test_errors_block_publishing_whatever_is_acknowledged():
    compound = CompoundFactory()
    SectionFactory(compound=compound, body="Claim [@nowhere2020].")
    checks = compound_publish_checks(compound=compound)
    assert [check.code for check in checks.errors] == ["unresolved_citations"]
    with pytest.raises(ValidationError, match="@nowhere2020"):
        compound_publish(compound=compound, acknowledged=["anything"])


def test_warnings_must_be_acknowledged_and_are_stored_on_the_version():
    compound = CompoundFactory()
    DosingProtocolFactory(compound=compound, name="Vague", amount_text="lots")
    with pytest.raises(ValidationError, match="acknowledge these warnings first: Protocol “Vague”"):
        compound_publish(compound=compound)
    assert not compound.snapshots.exists()
    warnings = compound_publish_checks(compound=compound).warning_messages
    snapshot = compound_publish(compound=compound, acknowledged=warnings)
    assert [w["code"] for w in snapshot.acknowledged_warnings] == ["dose_text_no_amount"]
    assert snapshot.acknowledged_warnings[0]["message"] == warnings[0]


def test_a_warning_that_appeared_after_reading_the_checks_is_not_acknowledged():
    compound = CompoundFactory()
    DosingProtocolFactory(compound=compound, name="Vague", amount_text="lots")
    read = compound_publish_checks(compound=compound).warning_messages
    DosingProtocolFactory(compound=compound, name="Also vague", amount_text="some")
    with pytest.raises(ValidationError, match="Also vague"):
        compound_publish(compound=compound, acknowledged=read)


def test_a_reviewer_without_a_name_is_warned_that_the_page_will_not_name_them():
    compound = CompoundFactory()
    nameless = StaffFactory(username="nameless", first_name="", last_name="")
    assert "reviewer_unnamed" in codes(compound_publish_checks(compound=compound, user=nameless))
    snapshot = publish_acknowledging(compound=compound, user=nameless)
    assert snapshot.published_by_name == ""


def test_the_public_page_names_the_reviewer_never_the_login(client):
    compound = CompoundFactory(slug="named")
    reviewer = StaffFactory(username="rita.login", first_name="Rita", last_name="Reviewer")
    compound_publish(compound=compound, user=reviewer)
    html = client.get("/compounds/named/").content.decode()
    assert "Last reviewed by Rita Reviewer" in html and "rita.login" not in html


# --- Publishing nothing ----------------------------------------------------------


def test_a_change_only_the_reference_downloads_show_is_published():
    compound = CompoundFactory()
    source = SourceFactory(key="only-in-downloads")
    SectionFactory(compound=compound, body="Claim [@only-in-downloads].")
    compound_publish(compound=compound)
    source.url = "https://example.org/full-text"  # with a DOI the page links the DOI; the RIS file has the URL
    source.save()
    assert compound_publish(compound=compound).is_new


def test_publishing_with_no_change_since_the_live_version_publishes_nothing():
    compound = CompoundFactory()
    first = compound_publish(compound=compound)
    edit(compound, summary="Changed for a moment")
    edit(compound, summary=first.summary)  # and changed back
    assert Compound.objects.filter(pk=compound.pk).changes_pending().exists()
    again = compound_publish(compound=compound)
    assert again.pk == first.pk and not again.is_new and compound.snapshots.count() == 1
    # The live version now stands for the latest revision: nothing is left waiting for review.
    assert not Compound.objects.filter(pk=compound.pk).changes_pending().exists()


def test_publish_compound_command_says_when_nothing_changed(capsys):
    compound = CompoundFactory(name="Steady", slug="steady")
    compound_publish(compound=compound)
    call_command("publish_compound", "steady")
    assert "Steady has no changes since version 1: nothing was published." in capsys.readouterr().out
    assert compound.snapshots.count() == 1


def test_publish_compound_command_prints_the_checks_and_needs_acknowledgement(capsys):
    compound = CompoundFactory(slug="vague")
    DosingProtocolFactory(compound=compound, name="Vague", amount_text="lots")
    with pytest.raises(CommandError, match="--acknowledge-warnings"):
        call_command("publish_compound", "vague")
    assert "vague: warning: Protocol “Vague”" in capsys.readouterr().out
    assert not compound.snapshots.exists()
    call_command("publish_compound", "vague", "--acknowledge-warnings")
    assert compound.snapshots.get().acknowledged_warnings[0]["code"] == "dose_text_no_amount"


# --- Scheduling ------------------------------------------------------------------


def test_a_scheduled_publication_goes_past_the_warnings_acknowledged_and_no_others():
    now = timezone.now()
    reviewer = StaffFactory(first_name="Rita", last_name="Reviewer")
    compound = CompoundFactory(slug="later")
    DosingProtocolFactory(compound=compound, name="Vague", amount_text="lots")
    with pytest.raises(ValidationError, match="Acknowledge these warnings to schedule"):
        compound_schedule(compound=compound, user=reviewer, go_live_at=now + timedelta(hours=1), now=now)
    read = compound_publish_checks(compound=compound, user=reviewer).warning_messages
    compound_schedule(compound=compound, user=reviewer, go_live_at=now + timedelta(hours=1), now=now, acknowledged=read)
    # A new warning appears without a save through the admin (which would cancel the schedule).
    DosingProtocolFactory(compound=compound, name="Also vague", amount_text="some")
    report = compounds_publish_due(now=now + timedelta(hours=2))
    [(failed, reason)] = report["failed"]
    assert failed == compound and "Also vague" in reason and not compound.snapshots.exists()
    compound.refresh_from_db()
    assert compound.go_live_at is None  # not retried: a reviewer schedules it again


def test_a_profile_with_errors_cannot_be_scheduled():
    compound = CompoundFactory()
    SectionFactory(compound=compound, body="Claim [@nowhere2020].")
    with pytest.raises(ValidationError, match="@nowhere2020"):
        compound_schedule(compound=compound, go_live_at=timezone.now() + timedelta(hours=1))


def test_a_save_since_the_checks_were_read_makes_them_stale_even_with_the_same_warnings():
    compound = CompoundFactory()
    DosingProtocolFactory(compound=compound, name="Vague", amount_text="lots")
    edit(compound, summary="First")
    before = compound_publish_checks(compound=compound)
    edit(compound, summary="Second")
    after = compound_publish_checks(compound=compound)
    assert before.warning_messages == after.warning_messages and before.digest != after.digest


def test_a_placeholder_reason_from_the_migration_is_a_warning():
    from evidence.models import UNEXPLAINED_DEVIATION, Finding, Outcome, Population

    compound = CompoundFactory()
    source = SourceFactory(population=Population.ANIMAL)
    outcome = Outcome.objects.create(name="Calm", slug="calm")
    Finding.objects.create(
        compound=compound,
        outcome=outcome,
        source=source,
        claim="Calmer.",
        population=Population.HUMAN,
        deviation_reason=UNEXPLAINED_DEVIATION,
    )
    assert "deviation_unexplained" in codes(compound_publish_checks(compound=compound))


# --- Hand-off of changes to a live profile ---------------------------------------


@pytest.fixture
def reviewers(db):
    group = Group.objects.get(name="Reviewers")
    people = [StaffFactory(username=name, email=f"{name}@example.org") for name in ("rita", "ravi")]
    StaffFactory(username="nomail", email="").groups.add(group)
    for person in people:
        person.groups.add(group)
    return people


def test_changes_to_a_live_profile_are_pending_then_in_review_then_published(
    reviewers, django_capture_on_commit_callbacks
):
    editor = StaffFactory(username="eddie", first_name="Eddie", last_name="Editor")
    compound = CompoundFactory(name="Livewire", slug="livewire")
    compound_publish(compound=compound)
    with pytest.raises(ValidationError, match="no changes since the published version 1"):
        compound_submit_for_review(compound=compound, user=editor)

    edit(compound, user=editor, summary="First change")
    edit(compound, user=editor, summary="Second change")
    pending = Compound.objects.with_pending_changes().get(pk=compound.pk)
    assert pending.pending_revisions == 2 and pending.pending_since is not None
    assert pending.state_label == "Published v1 · changes pending"

    with django_capture_on_commit_callbacks(execute=True):
        compound_submit_for_review(compound=compound, user=editor, base_url="https://monograph.example/")
    compound.refresh_from_db()
    assert compound.status == Status.PUBLISHED and compound.review_requested_by == editor
    assert compound.state_label == "Published v1 · changes in review"
    [message] = mail.outbox
    assert sorted(message.to) == ["ravi@example.org", "rita@example.org"]
    assert message.subject == "[Monograph] Changes to Livewire are waiting for review"
    assert "Eddie Editor submitted changes" in message.body
    assert f"https://monograph.example/admin/compounds/compound/{compound.pk}/history/compare/?published=1" in (
        message.body
    )
    with pytest.raises(ValidationError, match="already in review"):
        compound_submit_for_review(compound=compound, user=editor)

    snapshot = compound_publish(compound=compound)
    compound.refresh_from_db()
    assert snapshot.version == 2 and compound.review_requested_at is None
    assert not Compound.objects.filter(pk=compound.pk).changes_pending().exists()


def test_a_new_profile_submitted_for_review_mails_the_reviewers_a_link_to_it(
    reviewers, django_capture_on_commit_callbacks
):
    compound = CompoundFactory(name="Newcomer")
    with django_capture_on_commit_callbacks(execute=True):
        compound_submit_for_review(compound=compound)
    compound.refresh_from_db()
    assert compound.status == Status.IN_REVIEW
    [message] = mail.outbox
    assert message.subject == "[Monograph] Newcomer is waiting for review"
    assert f"/admin/compounds/compound/{compound.pk}/change/" in message.body


def test_a_mail_server_that_is_down_does_not_undo_the_hand_off(reviewers, django_capture_on_commit_callbacks, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens there
    compound = CompoundFactory()
    with django_capture_on_commit_callbacks(execute=True):
        compound_submit_for_review(compound=compound)
    compound.refresh_from_db()
    assert compound.status == Status.IN_REVIEW
