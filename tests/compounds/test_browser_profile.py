"""The published Selank profile as readers use it in a real browser: citations there and back, the contents in the
side column following the reading, a glossary term explained on keyboard focus, the printed page, and every public
page on a 360 px phone screen."""

import re

import pytest
from playwright.sync_api import expect

from tests.compounds.admin.test_browser_editorial import browser  # noqa: F401 (fixture)
from tests.conftest import load_demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def site(live_server):
    load_demo()
    return live_server.url


@pytest.fixture
def wide(browser):  # noqa: F811
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.set_default_timeout(15000)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            message.type == "error"
            and not message.location.get("url", "").endswith("/favicon.ico")
            and errors.append(message.text)
        ),
    )
    yield page
    assert not errors  # no script error, no resource the CSP refused
    page.close()


def test_a_citation_leads_to_its_reference_and_the_back_link_to_the_same_place(wide, site):
    wide.goto(f"{site}/compounds/selank/")
    citation = wide.locator("#clinical-evidence .citation").nth(1)
    cite_id = citation.get_attribute("id")
    marker = citation.locator("a").first
    number = marker.inner_text()

    marker.click()
    reference = wide.locator(f"#ref-{number}")
    expect(wide).to_have_url(re.compile(rf"#ref-{number}$"))
    expect(reference).to_be_in_viewport()
    expect(citation).not_to_be_in_viewport()

    reference.locator(f'.reference__backlinks a[href="#{cite_id}"]').click()
    expect(wide).to_have_url(re.compile(rf"#{cite_id}$"))
    expect(citation).to_be_in_viewport()
    expect(reference).not_to_be_in_viewport()


def test_the_contents_stay_in_the_side_column_and_highlight_the_section_being_read(wide, site):
    wide.goto(f"{site}/compounds/selank/")
    contents = wide.locator("nav.toc")
    text = wide.locator("#clinical-evidence").bounding_box()
    column = contents.bounding_box()
    assert column["x"] >= text["x"] + text["width"]  # beside the text, not in it
    assert column["y"] < wide.viewport_size["height"]  # in sight from the top of the page

    wide.evaluate("document.getElementById('interactions').scrollIntoView()")
    expect(contents.locator('a[href="#interactions"]')).to_have_attribute("aria-current", "true")
    assert wide.evaluate("window.scrollY") > 4000
    expect(contents).to_be_in_viewport()
    assert 0 <= contents.bounding_box()["y"] <= 20  # stuck to the top of the window
    expect(contents.locator("a[aria-current]")).to_have_count(1)

    contents.locator('a[href="#mechanism-of-action"]').click()
    expect(wide.locator("#mechanism-of-action h2")).to_be_in_viewport()
    expect(contents.locator('a[href="#mechanism-of-action"]')).to_have_attribute("aria-current", "true")
    expect(contents.locator("a[aria-current]")).to_have_count(1)
    expect(contents).to_be_in_viewport()


def test_a_glossary_term_explains_itself_when_reached_with_the_keyboard(wide, site):
    wide.goto(f"{site}/compounds/selank/")
    term = wide.locator("dfn.term__word").first
    tip = wide.locator(f"#{term.get_attribute('aria-describedby')}")
    expect(tip).to_be_hidden()

    for _ in range(100):
        wide.keyboard.press("Tab")
        if wide.evaluate("document.activeElement.matches('dfn.term__word')"):
            break
    expect(term).to_be_focused()
    expect(tip).to_be_visible()
    expect(tip).to_have_attribute("role", "tooltip")
    assert tip.inner_text() in wide.locator("#glossary").inner_text()  # the glossary's meaning

    wide.keyboard.press("Escape")
    expect(tip).to_be_hidden()
    wide.keyboard.press("Tab")
    wide.keyboard.press("Shift+Tab")
    expect(term).to_be_focused()
    expect(tip).to_be_visible()


def test_the_printed_profile_keeps_the_disclaimer_and_references_and_drops_navigation(wide, site):
    wide.goto(f"{site}/compounds/selank/")
    wide.emulate_media(media="print")
    expect(wide.locator(".profile-header .disclaimer")).to_be_visible()
    expect(wide.locator(".site-footer .disclaimer")).to_be_visible()
    expect(wide.locator("#references")).to_be_visible()
    expect(wide.locator("#ref-1")).to_be_visible()
    doi = wide.locator('#references .reference__links a[href^="https://"]').first
    assert "https://" in doi.evaluate("link => getComputedStyle(link, '::after').content")  # its URL is printed

    expect(wide.locator(".site-header nav")).to_be_hidden()
    expect(wide.locator(".skip-link")).to_be_hidden()
    expect(wide.locator("nav.toc")).to_be_hidden()
    expect(wide.locator("#interactions .anchor")).to_be_hidden()
    expect(wide.locator(".term__tip").first).to_be_hidden()
    # One column: the text takes the whole width of the page.
    text = wide.locator("#clinical-evidence").bounding_box()
    assert text["width"] > 0.8 * wide.evaluate("document.documentElement.clientWidth")


def test_no_public_page_scrolls_sideways_on_a_360_px_screen(browser, site):  # noqa: F811
    page = browser.new_page(viewport={"width": 360, "height": 740})
    page.set_default_timeout(15000)
    for path in ("/", "/compounds/", "/categories/mood-stress/", "/compounds/selank/", "/compounds/selank/history/"):
        page.goto(f"{site}{path}")
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], f"{path} is {width[0]} px wide on a {width[1]} px screen"

    page.goto(f"{site}/compounds/selank/")
    # Wide tables scroll inside their own box instead.
    assert page.evaluate(
        "[...document.querySelectorAll('.table-scroll')].some(box => box.scrollWidth > box.clientWidth)"
    )
    # The contents stay inline, where they are in the text.
    contents = page.locator("nav.toc").bounding_box()
    text = page.locator("#what-is-this").bounding_box()
    assert contents["y"] > text["y"] and contents["width"] <= 360
    page.close()


def test_without_javascript_the_contents_still_stick_and_terms_still_explain_themselves(browser, site):  # noqa: F811
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(f"{site}/compounds/selank/")
    contents = page.locator("nav.toc")
    page.locator("#interactions h2").scroll_into_view_if_needed()
    assert page.evaluate("window.scrollY") > 4000
    expect(contents).to_be_in_viewport()
    expect(contents.locator("a[aria-current]")).to_have_count(0)  # only the highlight needs the script

    term = page.locator("dfn.term__word").first
    term.focus()
    expect(page.locator(f"#{term.get_attribute('aria-describedby')}")).to_be_visible()
    context.close()
