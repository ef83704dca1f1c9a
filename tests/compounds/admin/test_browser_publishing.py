"""Issue 14's walk-through in a real browser: an admin sets up a team by role only; the editor changes a dose on the
live Selank profile to text that disagrees with its numbers and submits the changes; the reviewer finds them under
"changes pending", must acknowledge the warnings to publish, and readers see the reviewer's name."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from playwright.sync_api import expect

from compounds.models import Compound
from tests.compounds.admin.test_browser_editorial import PASSWORD, browser, log_in  # noqa: F401 (fixture)
from tests.conftest import load_demo
from tests.factories import SuperuserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def site(live_server):
    load_demo()
    SuperuserFactory(username="boss", password=PASSWORD)
    return live_server.url


def add_person(page, site, username, first, last, role):
    page.goto(f"{site}/admin/auth/user/add/")
    page.fill("#id_username", username)
    page.fill("#id_first_name", first)
    page.fill("#id_last_name", last)
    page.fill("#id_email", f"{username}@example.org")
    page.get_by_label(role).check()
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click('input[name="_save"]')
    expect(page.locator(".messagelist")).to_contain_text(f"The role lets {first} {last} ({username}) log in")


def test_a_new_team_hands_a_change_to_a_live_profile_through_review(browser, site):  # noqa: F811
    selank = Compound.objects.get(slug="selank")
    page = browser.new_page()
    page.set_default_timeout(20000)

    log_in(page, site, "boss")
    add_person(page, site, "eddie", "Eddie", "Editor", "Editors")
    add_person(page, site, "rita", "Rita", "Reviewer", "Reviewers")
    assert get_user_model().objects.get(username="rita").is_staff  # nobody ticked "Staff status"
    page.context.clear_cookies()

    log_in(page, site, "eddie")
    page.goto(f"{site}/admin/compounds/compound/{selank.pk}/change/")
    page.click("a[role=tab][data-tab=dosing]")
    page.locator('input[name$="-amount_text"][value="400-600mcg"]').fill("a generous spray")
    page.fill("#id_edit_summary", "Simpler as-needed dose")
    page.click('input[name="_save"]')
    expect(page.locator(".messagelist")).to_contain_text("“a generous spray”, states no amount")
    page.goto(f"{site}/admin/compounds/compound/{selank.pk}/change/")
    expect(page.locator(".workflow-state")).to_contain_text("Published v1 · changes pending — since")
    page.click("#action-bar >> text=Submit for review")
    page.click('button:has-text("Submit for review")')
    expect(page.locator(".messagelist")).to_contain_text("Its changes are waiting for a reviewer")
    page.context.clear_cookies()

    [notice] = mail.outbox
    assert notice.to == ["rita@example.org"] and "Changes to Selank are waiting for review" in notice.subject
    assert f"/admin/compounds/compound/{selank.pk}/history/compare/?published=1" in notice.body

    log_in(page, site, "rita")
    page.goto(f"{site}/admin/compounds/compound/")
    page.get_by_role("link", name="Changes in review").click()
    row = page.locator("#result_list tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Published v1 · changes in review")
    row.get_by_role("link", name="Selank").click()
    page.click("#action-bar a.publish")
    checks = page.locator(".publish-checks")
    expect(checks).to_contain_text("Protocol “As-needed”: the dose as written, “a generous spray”, states no amount")
    expect(checks).to_contain_text("cited sources are unverified")
    page.fill("#id_edit_summary", "As-needed dose reworded")
    page.click('button:has-text("Publish")')
    expect(page.locator(".errorlist")).to_contain_text("Tick this to confirm you read the warnings")
    page.check("#id_acknowledge")
    page.click('button:has-text("Publish")')
    expect(page.locator(".messagelist")).to_contain_text("Selank is published as version 2")
    page.context.clear_cookies()

    page.goto(f"{site}/compounds/selank/")
    expect(page.locator("#dosing")).to_contain_text("a generous spray")
    expect(page.locator("body")).to_contain_text("Last reviewed by Rita Reviewer")
    expect(page.locator("body")).not_to_contain_text(re.compile(r"reviewed by rita\b"))
