"""An editor changes a dosing row and a section and adds an interaction in a real browser; a reviewer publishes;
readers see it."""

import os

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect, sync_playwright

from compounds.models import Compound
from tests.conftest import load_demo
from tests.factories import StaffFactory

# Playwright's sync API runs an event loop in this thread; the ORM calls here are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "correct horse battery staple"

# serialized_rollback: the flush after this test would otherwise drop the groups the migrations created.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def browser():
    assert os.path.exists(CHROMIUM), "Debian's chromium is needed: apt-get install -y chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def site(live_server):
    load_demo()
    for username, group in (("eddie", "Editors"), ("rita", "Reviewers")):
        user = StaffFactory(username=username, password=PASSWORD)
        user.groups.add(Group.objects.get(name=group))
    return live_server.url


def log_in(page, site, username):
    page.goto(f"{site}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    # The admin greets people by first name when they have one.
    expect(page.locator("#user-tools")).to_contain_text(username.split(".")[0], ignore_case=True)


def test_editor_edits_reviewer_publishes_reader_sees_it(browser, site):
    selank = Compound.objects.get(slug="selank")
    page = browser.new_page()
    page.set_default_timeout(20000)

    log_in(page, site, "eddie")
    page.goto(f"{site}/admin/compounds/compound/{selank.pk}/change/")
    page.click("a[role=tab][data-tab=dosing]")
    page.locator('input[name$="-amount_text"][value="400-600mcg"]').fill("300-600mcg")
    page.click("a[role=tab][data-tab=text]")
    section = page.locator('textarea[name$="-body"]', has_text="Selank's evidence base differs")
    section.fill(section.input_value().replace("substantial clinical use", "extensive clinical use"))
    # A section added with "Add another" gets a working Markdown editor too.
    page.locator("#sections-group").get_by_text("Add another Section").click()
    new_row = page.locator("#sections-group .dynamic-sections").last
    new_row.locator("textarea.markdownx-editor").fill("A **new** section.")
    expect(new_row.locator(".markdownx-preview strong")).to_have_text("new")
    new_row.locator(".inline-deletelink").click()  # not part of this edit
    page.click("a[role=tab][data-tab=safety]")
    page.locator("#interactions-group").get_by_text("Add another Interaction").click()
    interaction = page.locator("#interactions-group .dynamic-interactions").last
    interaction.locator('input[name$="-position"]').fill("9")
    interaction.locator('input[name$="-substance"]').fill("Caffeine")
    interaction.locator('[name$="-effect"]').fill("No change in sedation was reported.")
    interaction.locator('select[name$="-severity"]').select_option("minor")
    page.fill("#id_edit_summary", "Lower the as-needed dose; reword clinical use; caffeine")
    page.click('input[name="_save"]')
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    page.goto(f"{site}/admin/compounds/compound/{selank.pk}/history/")
    expect(page.locator(".revision-list")).to_contain_text("Lower the as-needed dose; reword clinical use; caffeine")
    page.click("text=Compare selected revisions")
    expect(page.locator("del", has_text="400").first).to_be_visible()
    expect(page.locator("ins", has_text="300").first).to_be_visible()
    expect(page.locator("ins", has_text="extensive").first).to_be_visible()
    # Only what the editor touched shows up (browsers send CRLF line endings; they are not a change).
    expect(page.locator("#content-main h2")).to_have_text(
        ["Sections", "Dosing protocols", "Interactions"], ignore_case=True
    )
    page.goto(f"{site}/admin/compounds/compound/{selank.pk}/workflow/publish/")
    expect(page.locator("h1")).to_contain_text("Access denied")  # editors cannot publish
    page.context.clear_cookies()

    log_in(page, site, "rita")
    page.goto(f"{site}/admin/compounds/compound/{selank.pk}/change/")
    page.click("#action-bar a.publish")
    page.fill("#id_edit_summary", "As-needed dose corrected")
    page.check("#id_acknowledge")  # the dose as written now says 300, the numbers 400
    page.click('button:has-text("Publish")')
    expect(page.locator(".messagelist")).to_contain_text("is published as version 2")
    page.context.clear_cookies()

    page.goto(f"{site}/compounds/selank/")
    expect(page.locator("#dosing")).to_contain_text("300-600mcg")
    expect(page.locator("#clinical-evidence")).to_contain_text("extensive clinical use")
    expect(page.locator("#interactions")).to_contain_text("Caffeine")
    page.goto(f"{site}/compounds/selank/history/")
    expect(page.locator(".change-log")).to_contain_text("As-needed dose corrected")
