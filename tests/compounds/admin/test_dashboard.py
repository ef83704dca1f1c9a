"""The admin index is the editors' dashboard: their drafts, what waits for review, what is scheduled, what was
published, open review comments and citation problems; each list one query, whatever the number of profiles."""

from datetime import timedelta

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from compounds import services
from compounds.models import Citation, Compound, ReviewComment
from compounds.selectors import dashboard_for
from evidence.models import Source
from tests.conftest import member_of
from tests.factories import CompoundFactory
from tests.workflow import publish_acknowledging

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_data")]

INDEX = reverse("admin:index")
# The index of a user with every list: session, user, their permissions (2), the seven lists, recent actions.
INDEX_QUERIES = 12


def index(client, user):
    client.force_login(user)
    response = client.get(INDEX)
    assert response.status_code == 200
    return response


def listed(response, key):
    """The titles in one dashboard list, and the list."""
    dashboard_list = response.context["dashboard"].get(key)
    assert dashboard_list is not None, f"no {key} list"
    return [item.title for item in dashboard_list.items], dashboard_list


def section(response, key):
    """The HTML of one list on the page."""
    html = response.content.decode()
    start = html.index(f'id="dashboard-{key}"')
    return html[start : html.index("</section>", start)]


def save_as(user, compound, summary="Changed."):
    """One revision of the profile, saved by `user`."""
    with services.compound_revision(compound=compound, user=user, edit_summary="Edit"):
        compound.summary = summary
        compound.save_content()
    return compound


# --- My drafts ---------------------------------------------------------------


def test_my_drafts_are_the_profiles_i_saved_that_readers_do_not_see_as_they_stand(client, demo, editor):
    other = member_of("Editors", "olga")
    mine = save_as(editor, CompoundFactory(name="Epitalon"))
    save_as(other, CompoundFactory(name="Dihexa"))
    save_as(editor, demo, "A clearer summary.")  # published, with changes pending

    titles, drafts = listed(index(client, editor), "my_drafts")

    assert titles == ["Selank", "Epitalon"]  # last saved first
    assert drafts.total == 2
    assert drafts.items[0].note == "Published v1 · changes pending"
    assert drafts.items[1].note == "Draft"
    assert drafts.items[1].url == reverse("admin:compounds_compound_change", args=[mine.pk])
    assert [label for label, _when in drafts.items[0].times] == ["saved"]


def test_a_published_profile_without_changes_is_not_a_draft(client, demo, editor, reviewer):
    save_as(editor, demo)
    publish_acknowledging(compound=Compound.objects.get(pk=demo.pk), user=reviewer)

    titles, _drafts = listed(index(client, editor), "my_drafts")

    assert titles == []


def test_a_draft_someone_else_saved_since_says_so(client, editor):
    other = member_of("Editors", "olga")
    compound = save_as(editor, CompoundFactory(name="Epitalon"))
    save_as(other, compound, "Olga's summary.")

    _titles, drafts = listed(index(client, editor), "my_drafts")

    assert drafts.items[0].note == "Draft · last saved by someone else"


def test_no_drafts_says_how_to_start_one(client, editor):
    page = index(client, editor)

    html = section(page, "my_drafts")
    assert "No drafts of yours. Start one:" in html
    assert f'href="{reverse("admin:compounds_compound_add")}">Add compound</a>' in html
    assert "(0)" in html


# --- Waiting for review ------------------------------------------------------


@pytest.fixture
def submissions(demo, editor):
    """A new profile submitted by the editor, published Selank's changes submitted by another editor, and a draft
    nobody submitted."""
    other = member_of("Editors", "olga")
    new = save_as(editor, CompoundFactory(name="Epitalon"))
    services.compound_submit_for_review(compound=new, user=editor)
    save_as(other, demo)
    services.compound_submit_for_review(compound=Compound.objects.get(pk=demo.pk), user=other)
    save_as(editor, CompoundFactory(name="Dihexa"))
    return new


def test_reviewers_see_everything_waiting_for_review_longest_waiting_first(client, reviewer, submissions):
    page = index(client, reviewer)

    titles, waiting = listed(page, "in_review")
    assert titles == ["Epitalon", "Selank"]
    assert waiting.title == "Waiting for review"
    assert waiting.items[0].note == "In review · submitted by Eddie Tester"
    assert waiting.items[1].note == "Published v1 · changes in review · submitted by Olga Tester"
    assert page.context["dashboard"].get("my_submissions") is None
    html = section(page, "in_review")
    assert 'Waiting for review <span class="dashboard-count">(2)</span>' in html
    assert f'href="{reverse("admin:compounds_compound_changelist")}?status__exact=in_review"' in html
    assert f'href="{reverse("admin:compounds_compound_changelist")}?changes=in_review"' in html


def test_editors_see_their_own_submissions_waiting(client, editor, submissions):
    page = index(client, editor)

    titles, waiting = listed(page, "my_submissions")
    assert titles == ["Epitalon"]
    assert waiting.title == "Your submissions waiting for review"
    assert waiting.items[0].note == "In review"
    assert page.context["dashboard"].get("in_review") is None
    assert "Your submissions waiting for review" in page.content.decode()


def test_nothing_in_review_is_said_plainly(client, reviewer, editor):
    assert "Nothing is waiting for review." in section(index(client, reviewer), "in_review")
    assert "None of your submissions is waiting" in section(index(client, editor), "my_submissions")


# --- Scheduled, recently published ---------------------------------------------


def test_scheduled_profiles_soonest_first(client, demo, editor):
    now = timezone.now()
    later = save_as(editor, CompoundFactory(name="Epitalon"))
    Compound.objects.filter(pk=later.pk).update(go_live_at=now + timedelta(days=2), expire_at=now + timedelta(days=9))
    Compound.objects.filter(slug="semax").update(expire_at=now + timedelta(days=1))

    page = index(client, editor)

    titles, scheduled = listed(page, "scheduled")
    assert titles == ["Semax", "Epitalon"]
    assert [label for label, _when in scheduled.items[0].times] == ["unpublish"]
    assert [label for label, _when in scheduled.items[1].times] == ["publish", "unpublish"]
    assert "<time datetime=" in section(page, "scheduled")


def test_nothing_scheduled(client, editor):
    assert "Nothing is scheduled." in section(index(client, editor), "scheduled")


def test_recently_published_links_to_the_public_pages(client, demo, editor, reviewer):
    titles, published = listed(index(client, editor), "recently_published")
    assert sorted(titles) == ["Selank v1", "Semax v1"]
    assert {item.url for item in published.items} == {"/compounds/selank/", "/compounds/semax/"}

    save_as(editor, demo)
    publish_acknowledging(compound=Compound.objects.get(pk=demo.pk), user=reviewer)

    titles, published = listed(index(client, editor), "recently_published")
    assert titles[0] == "Selank v2"
    assert published.items[0].note == "By Rita Tester"
    assert published.items[0].url == "/compounds/selank/"
    assert published.total == 3
    old = published.items[titles.index("Selank v1")]
    assert old.url == reverse("compounds:version", args=["selank", 1])


def test_a_version_no_longer_public_links_to_its_record(client, demo, editor, reviewer):
    services.compound_unpublish(compound=demo, user=reviewer)

    titles, published = listed(index(client, editor), "recently_published")

    item = published.items[titles.index("Selank v1")]
    assert item.url.startswith("/admin/compounds/profilesnapshot/")
    assert item.note == "Not public now"


# --- Open review comments --------------------------------------------------------


def test_open_review_comments_are_listed_with_their_profile(client, demo, editor, reviewer):
    thread = ReviewComment.objects.create(
        compound=demo, body="Is 900 mcg the daily maximum?", target_label="Dosing protocol “Standard”", author=reviewer
    )
    ReviewComment.objects.create(compound=demo, thread=thread, body="Yes, per the 2008 label.", author=editor)
    ReviewComment.objects.create(
        compound=demo, body="Fixed.", author=reviewer, resolved_at=timezone.now(), resolved_by=reviewer
    )

    page = index(client, editor)

    titles, comments = listed(page, "open_comments")
    assert titles == ["Selank: Dosing protocol “Standard”"]  # not the reply, not the resolved thread
    assert comments.items[0].url == reverse("admin:compounds_compound_comments", args=[demo.pk])
    assert comments.items[0].note == "“Is 900 mcg the daily maximum?” — Rita Tester"
    assert "Is 900 mcg the daily maximum?" in section(page, "open_comments")


def test_no_open_comments(client, editor):
    assert "No open review comments" in section(index(client, editor), "open_comments")


# --- Integrity -------------------------------------------------------------------


def test_a_retracted_cited_source_shows_on_the_profile_and_the_source_lists(client, demo, editor):
    source = Citation.objects.filter(compound=demo).order_by("number").first().source
    source.retracted = True
    source.save()

    page = index(client, editor)

    titles, profiles = listed(page, "retracted_citations")
    assert titles == ["Selank"]
    assert profiles.items[0].note == "Cites 1 retracted source · Published v1"
    titles, sources = listed(page, "sources_to_check")
    assert titles[0] == f"@{source.key}"  # retracted before unverified
    assert sources.items[0].note == "Retracted · cited by 1 profile"
    assert sources.items[0].url == source.get_admin_url()
    assert "@ru-moh-registration" in titles  # the demo's unverified source, cited by Selank
    assert f'href="{reverse("admin:evidence_source_integrity")}"' in page.content.decode()


def test_no_retracted_citations(client, editor):
    assert "No profile cites a retracted source." in section(index(client, editor), "retracted_citations")


# --- Who sees what; what the index costs -------------------------------------------


def test_a_staff_user_without_permissions_sees_no_lists(client, staff_user):
    page = index(client, staff_user)

    assert page.context["dashboard"].lists == []
    assert "monograph-dashboard" not in page.content.decode()


def test_editors_index_lists_no_child_row_models(client, editor):
    page = index(client, editor)

    entries = {model["name"] for app in page.context["app_list"] for model in app["models"]}
    assert entries == {"Categories", "Compounds", "Published versions", "Revisions", "Outcomes", "Sources"}


def test_the_sidebar_shows_my_recent_actions(client, demo, editor):
    LogEntry.objects.create(
        user=editor,
        content_type=ContentType.objects.get_for_model(Compound),
        object_id=str(demo.pk),
        object_repr="Selank",
        action_flag=CHANGE,
    )

    html = index(client, editor).content.decode()

    sidebar = html[html.index('id="recent-actions-module"') :]
    assert f'<a href="{reverse("admin:compounds_compound_change", args=[demo.pk])}">Selank</a>' in sidebar


def many_profiles(editor, reviewer, count):
    """`count` of each thing the lists show: the editor's drafts and submissions, schedules, comments, retractions."""
    now = timezone.now()
    for number in range(count):
        compound = save_as(editor, CompoundFactory())
        if number % 2:
            services.compound_submit_for_review(compound=compound, user=editor)
        else:
            Compound.objects.filter(pk=compound.pk).update(go_live_at=now + timedelta(days=number + 1))
        ReviewComment.objects.create(compound=compound, body=f"Comment {number}", author=reviewer)
    Source.objects.filter(citations__isnull=False).update(retracted=True)


@pytest.mark.parametrize("role", ["editor", "reviewer"])
def test_the_index_costs_the_same_few_queries_however_many_profiles(
    client, editor, reviewer, role, django_assert_max_num_queries
):
    user = {"editor": editor, "reviewer": reviewer}[role]
    client.force_login(user)
    with django_assert_max_num_queries(INDEX_QUERIES):
        assert client.get(INDEX).status_code == 200
    with CaptureQueriesContext(connection) as few:
        client.get(INDEX)

    many_profiles(editor, reviewer, 12)

    with django_assert_max_num_queries(INDEX_QUERIES):
        page = client.get(INDEX)
    with CaptureQueriesContext(connection) as many:
        client.get(INDEX)
    assert len(many) == len(few)
    titles, longest = listed(page, "my_drafts" if role == "editor" else "open_comments")
    assert len(titles) == 8 and longest.total >= 12 and longest.more == longest.total - 8
    assert f"and {longest.more} more" in page.content.decode()
    assert page.context["dashboard"].get("scheduled").total == 6
    assert (
        page.context["dashboard"].get("retracted_citations").total
        == Citation.objects.values("compound").distinct().count()
    )


def test_each_list_is_one_query(editor, reviewer, django_assert_num_queries):
    many_profiles(editor, reviewer, 3)
    for user in (editor, reviewer):
        user.get_all_permissions()  # the permission cache, as the admin index has filled it
        dashboard = dashboard_for(user=user)
        lists = len(dashboard.lists)
        with django_assert_num_queries(lists + 1):  # and the recent actions
            assert len(dashboard_for(user=user).lists) == lists == 7
