"""The compound form: each save one revision of the whole profile, errors where the editor can act on them,
bulk workflow actions, and what a save costs."""

import re
from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from compounds.models import Citation, Compound, Interaction, Status
from compounds.services import compound_schedule
from evidence.models import Outcome, OutcomeGrade, Source
from tests.admin_forms import (
    add_inline_row,
    admin_save,
    change_form_data,
    form_data,
    form_field,
    revisions_of,
    row_prefix,
)
from tests.factories import CompoundFactory, DosingProtocolFactory
from tests.workflow import publish_acknowledging

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_data")]


def change_url(compound):
    return reverse("admin:compounds_compound_change", args=[compound.pk])


def errors_of(response):
    return re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.content.decode(), re.S)


# --- One revision per save ----------------------------------------------------------------------


def test_each_save_is_one_revision_holding_every_part(client, demo, editor):
    client.force_login(editor)
    data = form_data(client, change_url(demo))
    data["edit_summary"] = "Clarify the standard dose"
    data[form_field(data, "dosing_protocols-", "amount_text", "250-500mcg")] = "250–500 mcg"
    before = revisions_of(demo).count()
    assert client.post(change_url(demo), data).status_code == 302

    assert revisions_of(demo).count() == before + 1
    latest = revisions_of(demo).first()
    assert (latest.edit_summary, latest.origin, latest.revision.user) == ("Clarify the standard dose", "admin", editor)
    stored = {version.content_type.model for version in latest.revision.version_set.all()}
    assert {"compound", "section", "dosingprotocol", "interaction", "citation", "comparisonrow", "finding"} <= stored
    assert latest.revision.version_set.filter(content_type__model="section").count() == demo.sections.count()


def test_the_rendered_form_with_every_inline_saves_unchanged(admin_client, demo):
    rendered = change_form_data(admin_client.get(change_url(demo)))
    assert rendered == form_data(admin_client, change_url(demo))  # what the other tests post without rendering
    rendered["edit_summary"] = "Checked in a test"
    response = admin_client.post(change_url(demo), rendered)
    assert response.status_code == 302, errors_of(response)
    assert demo.sections.count() > 5 and demo.dosing_protocols.count() == 6 and demo.interactions.count() == 3


def test_edit_summary_is_required_once_published(client, demo, editor):
    client.force_login(editor)
    response = admin_save(client, demo, summary="")
    assert response.status_code == 200
    assert "say what you changed" in response.content.decode()


def test_interactions_are_added_on_the_compound_form_and_recorded(admin_client, demo):
    data = form_data(admin_client, change_url(demo))
    data["edit_summary"] = "Add an interaction"
    add_inline_row(
        data,
        "interactions",
        position="4",
        substance="Semax",
        severity="minor",
        basis="human",
        effect="Often combined; no interaction reported [@panikratova2020].",
        mechanism="",
    )
    assert admin_client.post(change_url(demo), data).status_code == 302
    added = demo.interactions.get(substance="Semax")
    assert added.get_severity_display() == "Minor"
    latest = revisions_of(demo).first()
    assert latest.revision.version_set.filter(content_type__model="interaction").count() == 4
    compare = admin_client.get(
        reverse("admin:compounds_compound_compare", args=[demo.pk]), {"a": revisions_of(demo)[1].revision_id}
    ).content.decode()
    assert "<h2>Interactions</h2>" in compare and "Added</span> Semax (minor)" in compare


# --- Errors the editor can act on ---------------------------------------------------------------


def test_unknown_citation_key_is_a_field_error(admin_client, demo):
    response = admin_save(admin_client, demo, what_is_this="Now citing [@nosuchsource].")
    assert response.status_code == 200
    assert "Unknown citation key: @nosuchsource" in response.content.decode()
    demo.refresh_from_db()
    assert "nosuchsource" not in demo.what_is_this


def test_unknown_citation_key_in_a_part_is_the_same_error_on_that_row(admin_client, demo):
    data = form_data(admin_client, change_url(demo))
    data["edit_summary"] = "Cite in a table cell"
    data[form_field(data, "specifications-", "value", "")] = "Short [@nosuchsource]"
    data[form_field(data, "interactions-", "effect", "diazepam")] = "Stronger [@nosuchsource]."
    response = admin_client.post(change_url(demo), data)
    assert response.status_code == 200
    message = "Unknown citation key: @nosuchsource. Add the source under Evidence › Sources or correct the key."
    assert [error for error in errors_of(response) if "nosuchsource" in error] == [f"<li>{message}</li>"] * 2


def test_a_stale_key_in_a_row_the_editor_did_not_touch_is_still_an_error(admin_client, demo):
    Source.objects.filter(key="yasenyavskaya2021").update(key="yasenyavskaya2021a")  # renamed under the profile
    response = admin_save(admin_client, demo, what_is_this=demo.what_is_this + " More.")
    assert response.status_code == 200
    assert "Unknown citation key: @yasenyavskaya2021." in response.content.decode()


def test_constraint_violation_is_a_form_error(admin_client, demo):
    response = admin_save(admin_client, demo, evidence_level_best="4", evidence_level_worst="2")
    assert response.status_code == 200
    assert "must be the same or a higher number" in response.content.decode()


def test_a_part_constraint_violation_is_an_error_on_the_row(admin_client, demo):
    data = form_data(admin_client, change_url(demo))
    data["edit_summary"] = "Duplicate substance"
    data[form_field(data, "interactions-", "substance", "Alcohol")] = "immunosuppressive THERAPY"
    response = admin_client.post(change_url(demo), data)
    assert response.status_code == 200
    assert "This substance is already listed; edit that row." in response.content.decode()


def test_grade_override_without_a_reason_is_an_error_on_its_row(admin_client, demo):
    data = form_data(admin_client, change_url(demo))
    data["edit_summary"] = "Override without a reason"
    add_inline_row(data, "outcome_grades", outcome=str(Outcome.objects.get(slug="memory").pk), level="4", reason="")
    response = admin_client.post(change_url(demo), data)
    assert response.status_code == 200
    grades = response.content.decode().split('id="outcome_grades-group"', 1)[1].split('id="citations-group"', 1)[0]
    assert "This field is required." in grades
    assert not OutcomeGrade.objects.filter(compound=demo).exists()


def test_a_finding_set_differently_from_its_source_needs_a_reason_on_its_row(admin_client, demo):
    finding = demo.findings.get(source__key="kasian2017")
    data = form_data(admin_client, change_url(demo))
    data["edit_summary"] = "Count the trial as human"
    prefix = row_prefix(data, "findings", finding)
    data[f"{prefix}-population"] = "human"
    response = admin_client.post(change_url(demo), data)
    assert response.status_code == 200
    findings = response.content.decode().split('id="findings-group"', 1)[1].split('-group"', 1)[0]
    assert "Population is Human but the source says Animal: give the reason." in findings

    data[f"{prefix}-deviation_reason"] = "Its second part was a trial in volunteers."
    assert admin_client.post(change_url(demo), data).status_code == 302
    finding.refresh_from_db()
    assert (finding.population, finding.deviation_reason) == ("human", "Its second part was a trial in volunteers.")


def test_grade_override_records_who_set_it(admin_client, demo, superuser):
    data = form_data(admin_client, change_url(demo))
    data["edit_summary"] = "Override memory"
    add_inline_row(
        data, "outcome_grades", outcome=str(Outcome.objects.get(slug="memory").pk), level="4", reason="Case reports."
    )
    assert admin_client.post(change_url(demo), data).status_code == 302
    assert OutcomeGrade.objects.get(compound=demo).set_by == superuser


def test_saving_rebuilds_citations_from_markdown(admin_client, demo):
    assert admin_save(admin_client, demo, what_is_this="Opening claim [@volkova2016].").status_code == 302
    first = Citation.objects.filter(compound=demo).order_by("number").first()
    assert first.source.key == "volkova2016" and first.number == 1


def test_dose_warning_is_shown_on_the_form(admin_client):
    compound = CompoundFactory(
        slug="heavy", daily_max_low=Decimal("1.5"), daily_max_high=Decimal("2"), daily_max_unit="mg"
    )
    DosingProtocolFactory(
        compound=compound, name="Heavy", amount_low=Decimal("1"), amount_high=None, unit="mg", doses_per_day_high=3
    )
    html = admin_client.get(change_url(compound)).content.decode()
    assert "Protocol “Heavy” allows up to 3 mg a day" in html


def test_a_slug_another_live_profile_is_published_under_is_refused(admin_client, demo):
    semax = Compound.objects.get(slug="semax")
    semax.slug = "semax-peptide"  # a draft change: the live Semax is still at /compounds/semax/
    semax.save_content()
    response = admin_save(admin_client, demo, slug="semax")
    assert response.status_code == 200
    assert "Another profile is published at /compounds/semax/" in response.content.decode()


def test_add_compound(admin_client):
    data = form_data(admin_client, reverse("admin:compounds_compound_add"))
    data.update({"name": "Testide", "slug": "testide", "summary": "A test peptide.", "kind": "peptide"})
    response = admin_client.post(reverse("admin:compounds_compound_add"), data)
    assert response.status_code == 302, errors_of(response)
    added = Compound.objects.get(slug="testide")
    assert added.status == Status.DRAFT and revisions_of(added).count() == 1


# --- Two editors, schedules, line endings -------------------------------------------------------


def test_concurrent_save_is_refused_and_both_versions_stay_recoverable(client, demo, editor, reviewer):
    url = change_url(demo)
    client.force_login(editor)
    editor_form = form_data(client, url)
    client.force_login(reviewer)
    reviewer_form = form_data(client, url)

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
    latest, starting = revisions_of(demo)[:2]
    assert latest.edit_summary == "Reviewer's wording"
    assert starting.revision_id == editor_form["base_revision"]
    stored = starting.revision.version_set.get(content_type__model="compound").field_dict["what_is_this"]
    assert "Selank is a synthetic" in stored


def test_editing_a_scheduled_profile_cancels_the_schedule(client, reviewer):
    compound = CompoundFactory(slug="sched")
    compound_schedule(compound=compound, user=reviewer, go_live_at=timezone.now() + timedelta(days=1))
    client.force_login(reviewer)
    response = admin_save(client, compound, summary="", what_is_this="Changed after scheduling.")
    assert response.status_code == 302
    compound.refresh_from_db()
    assert compound.go_live_at is None


def test_browser_line_endings_are_not_recorded_as_changes(client, demo, editor):
    client.force_login(editor)
    data = form_data(client, change_url(demo))
    data = {key: value.replace("\n", "\r\n") if isinstance(value, str) else value for key, value in data.items()}
    data["edit_summary"] = "Saved without changes"
    assert client.post(change_url(demo), data).status_code == 302
    latest, previous = revisions_of(demo)[:2]
    response = client.get(
        reverse("admin:compounds_compound_compare", args=[demo.pk]),
        {"a": previous.revision_id, "b": latest.revision_id},
    )
    assert "No differences in content." in response.content.decode()
    demo.refresh_from_db()
    assert "\r" not in demo.what_is_this


# --- Deleting -----------------------------------------------------------------------------------


def test_a_compound_with_variants_cannot_be_deleted(admin_client, demo):
    response = admin_client.post(reverse("admin:compounds_compound_delete", args=[demo.pk]), {"post": "yes"})
    assert response.status_code == 200 and "protected related objects" in response.content.decode()
    assert Compound.objects.filter(pk=demo.pk).exists()


def test_deleting_a_linked_compound_records_a_revision_of_each_profile_linking_to_it(admin_client, demo):
    semax = Compound.objects.get(slug="semax")
    before = revisions_of(demo).count()
    response = admin_client.post(reverse("admin:compounds_compound_delete", args=[semax.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert revisions_of(demo).count() == before + 1
    assert revisions_of(demo).first().edit_summary == "Links to Semax removed: it was deleted"
    assert not demo.related_links.exists()
    assert demo.comparison_tables.get(anchor="selank-vs-semax").other_compound is None


# --- Bulk workflow actions ----------------------------------------------------------------------


def run_action(client, action, *compounds):
    return client.post(
        reverse("admin:compounds_compound_changelist"),
        {"action": action, "_selected_action": [c.pk for c in compounds]},
        follow=True,
    )


def test_bulk_submit_for_review_says_which_were_already_on_their_way(client, demo, editor):
    draft = CompoundFactory(name="Drafty")
    client.force_login(editor)
    html = run_action(client, "submit_for_review", draft, demo).content.decode()
    draft.refresh_from_db()
    assert draft.status == Status.IN_REVIEW
    assert "1 profile(s) submitted for review." in html
    assert "Selank has no changes since the published version 1: there is nothing to review." in html


def test_bulk_publish_publishes_what_it_can_and_names_what_it_cannot(client, reviewer):
    good = CompoundFactory(name="Good")
    broken = CompoundFactory(name="Broken")
    broken.sections.create(title="T", anchor="t", body="Claim [@missing2020].")
    client.force_login(reviewer)
    confirm = run_action(client, "publish", good, broken)
    assert "Broken cites unknown source keys: @missing2020." in confirm.content.decode()
    good.refresh_from_db()
    assert not good.is_live  # the list of checks comes first
    html = client.post(
        reverse("admin:compounds_compound_changelist"),
        {
            "action": "publish",
            "_selected_action": [good.pk, broken.pk],
            "confirm": "yes",
            "checks_digest": confirm.context["checks_digest"],
        },
        follow=True,
    ).content.decode()
    assert "1 profile(s) published." in html
    assert "Broken not published: Broken cites unknown source keys: @missing2020." in html
    good.refresh_from_db(), broken.refresh_from_db()
    assert good.is_live and not broken.is_live


def test_bulk_unpublish_takes_only_live_profiles_off(client, demo, reviewer):
    draft = CompoundFactory()
    client.force_login(reviewer)
    html = run_action(client, "unpublish", demo, draft).content.decode()
    assert "1 profile(s) unpublished." in html
    demo.refresh_from_db()
    assert demo.status == Status.UNPUBLISHED and not demo.is_live
    assert client.get("/compounds/selank/").status_code == 404


def test_editors_are_not_offered_publishing_actions(client, demo, editor):
    client.force_login(editor)
    changelist = client.get(reverse("admin:compounds_compound_changelist")).content.decode()
    assert 'value="submit_for_review"' in changelist
    assert 'value="publish"' not in changelist and 'value="unpublish"' not in changelist
    run_action(client, "publish", demo)
    run_action(client, "unpublish", demo)
    demo.refresh_from_db()
    assert demo.snapshots.count() == 1 and demo.is_live


# --- What a save costs ---------------------------------------------------------------------------


def test_a_save_does_not_render_the_page(admin_client, demo):
    with mock.patch("compounds.page.render_markdown", side_effect=AssertionError("rendered on save")):
        response = admin_save(admin_client, demo, what_is_this="Still cited [@kasian2017].")
    assert response.status_code == 302


def test_a_save_resolves_every_citation_key_with_one_query(admin_client, demo):
    url = change_url(demo)
    data = form_data(admin_client, url)
    data["edit_summary"] = "Cite more"
    data[form_field(data, "sections-", "body", "Selank's evidence base differs")] += " Also [@volkova2016]."
    with CaptureQueriesContext(connection) as queries:
        assert admin_client.post(url, data).status_code == 302
    source_reads = [q["sql"] for q in queries if re.match(r'SELECT .* FROM "evidence_source"\s', q["sql"], re.S)]
    assert len(source_reads) == 1


def test_publishing_after_a_save_still_renders_the_whole_page(admin_client, demo):
    assert admin_save(admin_client, demo, what_is_this="Reworded introduction [@kasian2017].").status_code == 302
    snapshot = publish_acknowledging(compound=demo)
    assert "Reworded introduction" in snapshot.body_html and 'id="ref-1"' in snapshot.body_html
    assert Interaction.objects.filter(compound=demo).count() == 3


# --- Rows checked together -------------------------------------------------------------------------


def test_taking_the_anchor_of_a_row_the_editor_did_not_touch_is_an_error_not_a_crash(admin_client, demo):
    first, second = demo.sections.order_by("position")[:2]
    data = form_data(admin_client, change_url(demo))
    data["edit_summary"] = "Same anchor twice"
    data[f"{row_prefix(data, 'sections', second)}-anchor"] = first.anchor
    response = admin_client.post(change_url(demo), data)
    assert response.status_code == 200
    assert "Please correct the duplicate data for anchor" in response.content.decode()
    second.refresh_from_db()
    assert second.anchor != first.anchor


def test_swapping_two_rows_values_in_one_save_is_refused_with_how_to_do_it(admin_client, demo):
    first, second = demo.sections.order_by("position")[:2]
    data = form_data(admin_client, change_url(demo))
    data["edit_summary"] = "Swap anchors"
    data[f"{row_prefix(data, 'sections', first)}-anchor"] = second.anchor
    data[f"{row_prefix(data, 'sections', second)}-anchor"] = first.anchor
    response = admin_client.post(change_url(demo), data)
    assert response.status_code == 200
    assert "change one of the two rows, save, then change the other" in response.content.decode()
    first.refresh_from_db()
    assert first.anchor != second.anchor


def test_a_profile_is_not_offered_as_related_to_itself(admin_client, demo):
    data = form_data(admin_client, change_url(demo))
    data["edit_summary"] = "Self"
    add_inline_row(data, "related_links", position="9", related=str(demo.pk), relation="similar")
    response = admin_client.post(change_url(demo), data)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not demo.related_links.filter(related=demo).exists()


def test_deleting_a_use_case_while_editing_a_protocol_that_uses_it_saves_both(admin_client, demo):
    protocol = demo.dosing_protocols.exclude(use_case=None).order_by("position").first()
    use_case = protocol.use_case
    data = form_data(admin_client, change_url(demo))
    data["edit_summary"] = "Drop a use case"
    data[f"{row_prefix(data, 'use_cases', use_case)}-DELETE"] = "on"
    data[f"{row_prefix(data, 'dosing_protocols', protocol)}-timing"] = "Morning"
    response = admin_client.post(change_url(demo), data)
    assert response.status_code == 302, errors_of(response)
    protocol.refresh_from_db()
    assert (protocol.timing, protocol.use_case) == ("Morning", None)
    assert not demo.use_cases.filter(pk=use_case.pk).exists()


def test_saving_a_scheduled_profile_unchanged_keeps_its_schedule(client, reviewer):
    compound = CompoundFactory(slug="kept")
    compound_schedule(compound=compound, user=reviewer, go_live_at=timezone.now() + timedelta(days=1))
    client.force_login(reviewer)
    assert admin_save(client, compound, summary="Looked it over").status_code == 302
    compound.refresh_from_db()
    assert compound.go_live_at is not None
