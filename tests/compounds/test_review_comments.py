"""Review comments on drafts: what a comment can be about, threads, resolving, the revision it was made on, and the
open comments that stop a profile from being published."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.utils import timezone

from compounds.models import Category, ComparisonRow, Compound, DosingProtocol, ReviewComment
from compounds.models.review import target_anchor
from compounds.publish_checks import compound_publish_checks
from compounds.selectors import latest_revision_meta, review_threads, review_threads_by_anchor
from compounds.services import (
    compound_publish,
    compound_revision,
    compound_schedule,
    review_comment_add,
    review_comment_reopen,
    review_comment_reply,
    review_comment_resolve,
)
from tests.admin_forms import revisions_of
from tests.factories import CompoundFactory, DosingProtocolFactory, StaffFactory
from tests.workflow import publish_acknowledging

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_data")]


def standard_protocol(compound):
    return compound.dosing_protocols.get(name="Standard")


def content_type(model):
    return ContentType.objects.get_for_model(model)


# --- What a comment is about -----------------------------------------------------


def test_a_comment_on_a_field_of_the_compound_says_which_and_where_it_shows(demo, reviewer):
    comment = review_comment_add(compound=demo, user=reviewer, body="Too long for the card.", field="summary")
    assert comment.target_label == "Summary"
    assert (comment.target_type, comment.target_id, comment.target_field) == (
        content_type(Compound),
        demo.pk,
        "summary",
    )
    assert comment.anchor == target_anchor(content_type(Compound).pk, demo.pk, "summary")
    assert comment.author == reviewer and comment.thread is None and not comment.is_resolved
    # Naming the compound as the target says the same.
    same = review_comment_add(compound=demo, user=reviewer, body="Still long.", target=demo, field="summary")
    assert same.anchor == comment.anchor


def test_a_comment_on_a_row_or_on_one_of_its_fields_names_the_row(demo, reviewer):
    protocol = standard_protocol(demo)
    whole = review_comment_add(compound=demo, user=reviewer, body="Which study?", target=protocol)
    field = review_comment_add(
        compound=demo, user=reviewer, body="Per dose or per day?", target=protocol, field="amount_text"
    )
    assert whole.target_label == "Dosing protocol “Standard”"
    # The field is named as the form labels it (amount_text is “Dose as written”).
    assert field.target_label == "Dosing protocol “Standard” — Dose as written"
    assert whole.anchor == target_anchor(content_type(DosingProtocol).pk, protocol.pk)
    assert field.anchor == target_anchor(content_type(DosingProtocol).pk, protocol.pk, "amount_text")


def test_a_field_in_a_nested_line_of_the_row_form_can_be_commented_on(demo, reviewer):
    # The protocol form lays its fields out in lines: ("doses_per_day_low", "doses_per_day_high", "frequency_text").
    comment = review_comment_add(
        compound=demo, user=reviewer, body="Say “twice a day”.", target=standard_protocol(demo), field="frequency_text"
    )
    assert comment.target_label == "Dosing protocol “Standard” — Frequency as written"


def test_a_comparison_table_row_is_named_with_its_table(demo, reviewer):
    row = ComparisonRow.objects.get(table__compound=demo, label="Sedation")
    comment = review_comment_add(compound=demo, user=reviewer, body="Source?", target=row, field="subject_value")
    assert comment.target_label.startswith(f"Comparison row “Sedation” in “{row.table.title}” — ")


def test_a_general_comment_is_about_the_draft_as_a_whole(demo, editor):
    comment = review_comment_add(compound=demo, user=editor, body="Ready for a second look?")
    assert comment.target_type is None and comment.target_id is None and comment.target_label == ""


@pytest.mark.parametrize(
    "body, target, field, message",
    [
        ("   ", None, "", "the comment is empty"),
        ("Fine", "semax_protocol", "", "belongs to another profile, not to Selank"),
        ("Fine", "semax", "summary", "Semax is another profile"),
        ("Fine", "category", "", "A category is not part of a profile"),
        ("Fine", None, "status", "“status” is not a field editors fill in on Selank"),
        ("Fine", None, "nonsense", "“nonsense” is not a field editors fill in on Selank"),
        ("Fine", "protocol", "compound", "“compound” is not a field editors fill in on Dosing protocol “Standard”"),
    ],
)
def test_comments_that_cannot_be_placed_are_refused_saying_why(demo, reviewer, body, target, field, message):
    semax = Compound.objects.get(slug="semax")
    targets = {
        None: None,
        "protocol": standard_protocol(demo),
        "semax_protocol": DosingProtocolFactory(compound=semax, name="Nasal"),
        "semax": semax,
        "category": Category.objects.first(),
    }
    with pytest.raises(ValidationError, match=message):
        review_comment_add(compound=demo, user=reviewer, body=body, target=targets[target], field=field)
    assert not ReviewComment.objects.exists()


# --- Threads ---------------------------------------------------------------------


def test_replies_join_the_thread_even_when_answering_a_reply(demo, editor, reviewer):
    thread = review_comment_add(compound=demo, user=reviewer, body="Why 250?", field="summary")
    answer = review_comment_reply(comment=thread, user=editor, body="The 2008 trial.")
    again = review_comment_reply(comment=answer, user=reviewer, body="Cite it, then.")
    assert answer.thread == thread and again.thread == thread
    assert [reply.body for reply in thread.replies.order_by("created_at", "id")] == [
        "The 2008 trial.",
        "Cite it, then.",
    ]
    assert answer.target_type is None and answer.target_label == ""
    with pytest.raises(ValidationError, match="empty"):
        review_comment_reply(comment=thread, user=editor, body="")


def test_resolving_and_reopening_a_thread_and_replying_leaves_its_state_alone(demo, editor, reviewer):
    thread = review_comment_add(compound=demo, user=reviewer, body="Why 250?", field="summary")
    review_comment_resolve(comment=thread, user=editor)
    thread.refresh_from_db()
    assert thread.is_resolved and thread.resolved_by == editor
    review_comment_reply(comment=thread, user=reviewer, body="Thanks.")
    thread.refresh_from_db()
    assert thread.is_resolved
    with pytest.raises(ValidationError, match="already resolved by Eddie Tester"):
        review_comment_resolve(comment=thread, user=reviewer)
    review_comment_reopen(comment=thread, user=reviewer)
    thread.refresh_from_db()
    assert not thread.is_resolved and thread.resolved_by is None
    with pytest.raises(ValidationError, match="open already"):
        review_comment_reopen(comment=thread, user=reviewer)


def test_a_reply_is_not_resolved_on_its_own(demo, editor, reviewer):
    thread = review_comment_add(compound=demo, user=reviewer, body="Why 250?")
    reply = review_comment_reply(comment=thread, user=editor, body="See the trial.")
    with pytest.raises(ValidationError, match="its thread is"):
        review_comment_resolve(comment=reply, user=editor)


def test_a_comment_is_kept_with_the_revision_it_was_made_on_and_records_none(demo, editor, reviewer):
    made_on = latest_revision_meta(compound_id=demo.pk)
    first = review_comment_add(compound=demo, user=reviewer, body="Check the dose.", target=standard_protocol(demo))
    assert first.revision_id == made_on.revision_id
    assert revisions_of(demo).count() == made_on.number  # commenting is not an edit of the profile
    with compound_revision(compound=demo, user=editor, edit_summary="Dose checked"):
        protocol = standard_protocol(demo)
        protocol.amount_text = "250–500 mcg"
        protocol.save()
    reply = review_comment_reply(comment=first, user=editor, body="Fixed.")
    first.refresh_from_db()
    assert first.revision_id == made_on.revision_id
    assert reply.revision.meta.number == made_on.number + 1


# --- Publishing ------------------------------------------------------------------


def test_open_comments_refuse_publishing_until_resolved(reviewer):
    compound = CompoundFactory(name="Testide")
    protocol = DosingProtocolFactory(compound=compound, name="Standard")
    on_row = review_comment_add(compound=compound, user=reviewer, body="Source?", target=protocol)
    on_field = review_comment_add(compound=compound, user=reviewer, body="Shorter.", field="summary")
    message = (
        "2 review comments are not resolved (on Dosing protocol “Standard”, Summary): resolve them before publishing."
    )
    checks = compound_publish_checks(compound=compound, user=reviewer)
    assert [(check.code, check.message) for check in checks.errors] == [("open_comments", message)]
    with pytest.raises(ValidationError, match="2 review comments are not resolved"):
        compound_publish(compound=compound, user=reviewer, acknowledged=checks.warning_messages)
    with pytest.raises(ValidationError, match="not resolved"):
        compound_schedule(compound=compound, user=reviewer, go_live_at=timezone.now() + timedelta(days=1))
    assert not compound.snapshots.exists()

    review_comment_resolve(comment=on_row, user=reviewer)
    assert compound_publish_checks(compound=compound).errors[0].message == (
        "1 review comment is not resolved (on Summary): resolve it before publishing."
    )
    review_comment_resolve(comment=on_field, user=reviewer)
    snapshot = publish_acknowledging(compound=compound, user=reviewer)
    assert snapshot.is_new and "Source?" not in snapshot.body_html


def test_a_reopened_comment_blocks_publishing_again(demo, reviewer):
    thread = review_comment_add(compound=demo, user=reviewer, body="Hm.")
    review_comment_resolve(comment=thread, user=reviewer)
    assert "open_comments" not in {check.code for check in compound_publish_checks(compound=demo).checks}
    review_comment_reopen(comment=thread, user=reviewer)
    error = compound_publish_checks(compound=demo).errors[0]
    assert error.code == "open_comments" and "(on the draft in general)" in error.message


# --- Reading the threads ---------------------------------------------------------


def comment_on(compound, count):
    users = [StaffFactory(username=f"commenter{index}") for index in range(3)]
    protocol = compound.dosing_protocols.first()
    for index in range(count):
        thread = review_comment_add(
            compound=compound, user=users[index % 3], body=f"Thread {index}", target=protocol, field="amount_text"
        )
        for reply in range(2):
            review_comment_reply(comment=thread, user=users[reply], body=f"Reply {index}.{reply}")
        if index % 2:
            review_comment_resolve(comment=thread, user=users[0])


def read_everything(compound):
    lines = []
    for thread in review_threads(compound=compound):
        lines.append((thread.body, str(thread.author), str(thread.resolved_by), thread.revision.meta.number))
        lines.extend((reply.body, str(reply.author), reply.revision.meta.number) for reply in thread.replies.all())
    return lines


@pytest.mark.parametrize("count", [1, 6])
def test_threads_are_read_in_two_queries_however_many_there_are(demo, count, django_assert_num_queries):
    comment_on(demo, count)
    with django_assert_num_queries(2):
        lines = read_everything(demo)
    assert len(lines) == count * 3


def test_open_threads_come_first_and_by_anchor_lists_the_open_ones_where_they_belong(demo, reviewer):
    protocol = standard_protocol(demo)
    done = review_comment_add(compound=demo, user=reviewer, body="Old point.", target=protocol)
    review_comment_resolve(comment=done, user=reviewer)
    on_row = review_comment_add(compound=demo, user=reviewer, body="New point.", target=protocol)
    on_field = review_comment_add(compound=demo, user=reviewer, body="Shorter.", field="summary")
    general = review_comment_add(compound=demo, user=reviewer, body="Overall fine.")
    assert list(review_threads(compound=demo)) == [on_row, on_field, general, done]

    by_anchor = review_threads_by_anchor(compound=demo)
    assert by_anchor == {on_row.anchor: [on_row], on_field.anchor: [on_field], target_anchor(None, None): [general]}
    assert review_threads_by_anchor(compound=demo, open_only=False)[on_row.anchor] == [on_row, done]
    assert review_threads(compound=CompoundFactory()).count() == 0
