"""The review comments page of a profile: who may read and write there, commenting on what the change form points
at, replying and resolving, errors on the page — and comments never reaching readers."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from compounds.models import Compound, DosingProtocol, ReviewComment
from compounds.models.review import target_anchor
from compounds.services import review_comment_add, review_comment_reply, review_comment_resolve
from tests.admin_forms import messages_of
from tests.factories import DosingProtocolFactory, StaffFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_data")]


def comments_url(compound):
    return reverse("admin:compounds_compound_comments", args=[compound.pk])


def protocol_target(compound, field=""):
    protocol = compound.dosing_protocols.get(name="Standard")
    return target_anchor(ContentType.objects.get_for_model(DosingProtocol).pk, protocol.pk, field)


def a_thread(compound, user, body="Which trial gives 250 mcg?"):
    return review_comment_add(
        compound=compound, user=user, body=body, target=compound.dosing_protocols.get(name="Standard")
    )


# --- Reading ---------------------------------------------------------------------


def test_editors_see_the_threads_with_who_when_which_revision_and_the_replies(client, demo, editor, reviewer):
    thread = a_thread(demo, reviewer)
    review_comment_reply(comment=thread, user=editor, body="The 2008 one.")
    client.force_login(editor)
    response = client.get(comments_url(demo))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Which trial gives 250 mcg?" in html and "The 2008 one." in html
    assert "Rita Tester" in html and "Eddie Tester" in html  # full names, not logins
    assert f"made on r{thread.revision.meta.number}" in html
    change = reverse("admin:compounds_compound_change", args=[demo.pk])
    assert f'href="{change}#thread-{thread.pk}">Dosing protocol “Standard”</a>' in html  # where it shows on the form
    assert "Open comments (1)" in html and ">Reply</button>" in html and ">Resolve</button>" in html


def test_resolved_threads_are_folded_away_below_the_open_ones(client, demo, reviewer):
    done = a_thread(demo, reviewer, body="Settled point.")
    review_comment_resolve(comment=done, user=reviewer)
    a_thread(demo, reviewer, body="Open point.")
    client.force_login(reviewer)
    html = client.get(comments_url(demo)).content.decode()
    assert html.index("Open point.") < html.index("<summary>Resolved comments (1)</summary>") < html.index("Settled")
    assert ">Reopen</button>" in html and "Resolved by Rita Tester" in html


def test_a_staff_user_without_a_role_is_refused(client, demo, staff_user, reviewer):
    thread = a_thread(demo, reviewer)
    client.force_login(staff_user)
    assert client.get(comments_url(demo)).status_code == 403
    response = client.post(comments_url(demo), {"action": "resolve", "thread": thread.pk})
    assert response.status_code == 403
    thread.refresh_from_db()
    assert not thread.is_resolved


def test_who_may_only_view_profiles_reads_the_comments_but_cannot_write(client, demo, reviewer):
    reader = StaffFactory(username="reader")
    reader.user_permissions.add(Permission.objects.get(codename="view_compound"))
    thread = a_thread(demo, reviewer)
    client.force_login(reader)
    html = client.get(comments_url(demo)).content.decode()
    assert "Which trial gives 250 mcg?" in html
    assert "New comment" not in html and ">Reply</button>" not in html and ">Resolve</button>" not in html
    response = client.post(comments_url(demo), {"action": "reply", "thread": thread.pk, "body": "Me too."})
    assert response.status_code == 403
    assert not thread.replies.exists()


# --- Writing ---------------------------------------------------------------------


def test_the_new_comment_form_lists_the_fields_and_rows_and_preselects_the_target(client, demo, editor):
    client.force_login(editor)
    html = client.get(comments_url(demo), {"target": protocol_target(demo)}).content.decode()
    assert f'<option value="{protocol_target(demo)}" selected>Dosing protocol “Standard”</option>' in html
    summary = target_anchor(ContentType.objects.get_for_model(Compound).pk, demo.pk, "summary")
    assert f'<option value="{summary}">Summary</option>' in html
    assert '<optgroup label="Dosing protocols">' in html and '<option value="" >' not in html
    # A field of a row is not listed, but can be asked for.
    html = client.get(comments_url(demo), {"target": protocol_target(demo, "amount_text")}).content.decode()
    assert (
        f'value="{protocol_target(demo, "amount_text")}" selected>Dosing protocol “Standard” — Dose as written<' in html
    )


def test_an_editor_adds_a_comment_on_the_row_the_form_pointed_at(client, demo, editor):
    client.force_login(editor)
    response = client.post(
        comments_url(demo) + f"?target={protocol_target(demo)}",
        {"action": "add", "target": protocol_target(demo), "body": "Is 250 per dose?"},
        follow=True,
    )
    assert response.redirect_chain == [(comments_url(demo), 302)]
    assert "Comment added. Until it is resolved, the profile cannot be published." in messages_of(response)
    comment = ReviewComment.objects.get()
    assert (comment.author, comment.target_label, comment.body) == (
        editor,
        "Dosing protocol “Standard”",
        "Is 250 per dose?",
    )
    assert "Is 250 per dose?" in response.content.decode()


def test_a_reviewer_replies_and_resolves_then_goes_back_where_they_came_from(client, demo, editor, reviewer):
    thread = a_thread(demo, editor)
    client.force_login(reviewer)
    response = client.post(
        comments_url(demo), {"action": "reply", "thread": thread.pk, "body": "Per dose."}, follow=True
    )
    assert "Reply added." in messages_of(response)
    assert [reply.body for reply in thread.replies.all()] == ["Per dose."]
    change = reverse("admin:compounds_compound_change", args=[demo.pk])
    response = client.post(comments_url(demo), {"action": "resolve", "thread": thread.pk, "next": change})
    assert response.status_code == 302 and response.url == change
    thread.refresh_from_db()
    assert thread.is_resolved and thread.resolved_by == reviewer
    response = client.post(
        comments_url(demo), {"action": "reopen", "thread": thread.pk, "next": "https://elsewhere.example/admin/"}
    )
    assert response.url == comments_url(demo)  # only the admin's own pages
    thread.refresh_from_db()
    assert not thread.is_resolved


def test_resolving_twice_says_it_is_resolved_already(client, demo, reviewer):
    thread = a_thread(demo, reviewer)
    review_comment_resolve(comment=thread, user=reviewer)
    client.force_login(reviewer)
    response = client.post(comments_url(demo), {"action": "resolve", "thread": thread.pk}, follow=True)
    assert any("already resolved by Rita Tester" in message for message in messages_of(response))


@pytest.mark.parametrize(
    "data, error",
    [
        ({"target": "", "body": ""}, "This field is required."),
        ({"target": "999999-1-", "body": "Hm."}, "Choose what the comment is about from the list."),
        ({"target": "semax", "body": "Hm."}, "belongs to another profile, not to Selank"),
        ({"target": "badfield", "body": "Hm."}, "“nonsense” is not a field editors fill in on Dosing protocol"),
    ],
)
def test_a_comment_that_cannot_be_added_is_shown_again_with_the_reason(client, demo, editor, data, error):
    semax_protocol = DosingProtocolFactory(compound=Compound.objects.get(slug="semax"), name="Nasal")
    targets = {
        "semax": target_anchor(ContentType.objects.get_for_model(DosingProtocol).pk, semax_protocol.pk),
        "badfield": protocol_target(demo, "nonsense"),
    }
    data = {**data, "target": targets.get(data["target"], data["target"]), "action": "add"}
    client.force_login(editor)
    response = client.post(comments_url(demo), data)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not ReviewComment.objects.exists()


def test_an_empty_reply_is_shown_under_its_thread(client, demo, editor):
    thread = a_thread(demo, editor)
    client.force_login(editor)
    html = client.post(comments_url(demo), {"action": "reply", "thread": thread.pk, "body": "  "}).content.decode()
    assert f'id="id_reply_{thread.pk}_body"' in html and "This field is required." in html
    assert not thread.replies.exists()


def test_a_thread_of_another_profile_is_not_found_here(client, demo, editor):
    semax = Compound.objects.get(slug="semax")
    other = review_comment_add(compound=semax, user=editor, body="On Semax.")
    client.force_login(editor)
    assert client.post(comments_url(demo), {"action": "resolve", "thread": other.pk}).status_code == 404


# --- Publishing and readers ------------------------------------------------------


def test_the_publish_page_says_open_comments_block_publishing(client, demo, editor, reviewer):
    a_thread(demo, editor)
    client.force_login(reviewer)
    html = client.get(reverse("admin:compounds_compound_workflow", args=[demo.pk, "publish"])).content.decode()
    assert "1 review comment is not resolved (on Dosing protocol “Standard”): resolve it before publishing." in html
    assert "disabled" in html and "Publish is blocked until the errors above are fixed." in html


def test_comments_never_reach_the_public_page_or_the_preview(client, demo, editor):
    thread = a_thread(demo, editor, body="Secret editorial doubt about the dose.")
    review_comment_reply(comment=thread, user=editor, body="Another private remark.")
    public = client.get(demo.get_absolute_url())
    assert public.status_code == 200
    client.force_login(editor)
    preview = client.get(demo.get_preview_url())
    assert preview.status_code == 200
    for response in (public, preview):
        html = response.content.decode()
        assert "Secret editorial doubt" not in html and "Another private remark" not in html


def test_the_page_costs_the_same_queries_for_one_thread_or_many(client, demo, editor, reviewer):
    client.force_login(editor)
    counts = []
    for total in (1, 6):
        ReviewComment.objects.all().delete()
        for index in range(total):
            review_comment_reply(comment=a_thread(demo, reviewer, body=f"Point {index}"), user=editor, body="Noted.")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(comments_url(demo)).status_code == 200
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1]


def test_every_field_the_form_offers_can_be_commented_on(client, demo, editor):
    client.force_login(editor)
    html = client.get(comments_url(demo)).content.decode()
    prefix = f"{ContentType.objects.get_for_model(Compound).pk}-{demo.pk}-"
    fields = re.findall(rf'<option value="{prefix}(\w+)"', html)
    assert {"name", "summary", "categories", "daily_max_high", "vendors_checked_on"} <= set(fields)
    for field in fields:
        review_comment_add(compound=demo, user=editor, body="Check.", field=field)
    assert ReviewComment.objects.count() == len(fields)
