"""Issue 10's acceptance walk-through in a real browser: an editor writes a new profile (BPC-157) from scratch
through the form's tabs, meets a validation error on a tab that is not open, drags two sections into another
order, previews and submits; a reviewer comments on a dosing row and cannot publish until the editor has replied
and resolved the comment, then publishes. Readers see the new order and never the comment. The form is
photographed at 1440 and 1024 px wide for a person to look at (run with -s or -rP to see where)."""

import re

import pytest
from playwright.sync_api import expect

from compounds.models import Compound, ReviewComment
from tests.compounds.admin.test_browser_editorial import browser, log_in, site  # noqa: F401 (fixtures)

# serialized_rollback: the flush after each test would otherwise drop the groups the migrations created.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# Chromium used to log "Refused to load … because it violates the following Content Security Policy directive";
# the Debian Chromium here (156) logs "Loading … violates the following Content Security Policy directive … The
# action has been blocked." Either wording counts, as does the documents' own `securitypolicyviolation` event.
CSP_VIOLATION = re.compile(r"Content[- ]Security[- ]Policy", re.IGNORECASE)
TAB_KEYS = ["overview", "text", "tables", "dosing", "safety", "evidence", "vendors", "publishing"]
COMMENT = "Is 500 mcg twice daily from a human study? The cited work is in rats."
REPLY = "Right: both cited studies are in rats, the page says so under Dosing."


def listen_to_console(page):
    """Every console message of the page and its frames, as text, plus every Content-Security-Policy violation a
    document of the page reports."""
    messages = []
    page.on("console", lambda message: messages.append(f"{message.type}: {message.text}"))
    page.expose_function("reportCspViolation", lambda text: messages.append(f"Content-Security-Policy: {text}"))
    # Run by the browser itself (not an inline script of the page), so the page's policy does not stop it.
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', (event) => window.reportCspViolation("
        "`${event.violatedDirective} blocked ${event.blockedURI || 'inline code'} on ${location.pathname}`));"
    )
    return messages


def assert_no_csp_violations(messages):
    violations = [message for message in messages if CSP_VIOLATION.search(message)]
    assert not violations, "Content-Security-Policy violations:\n" + "\n".join(violations)


def open_tab(page, key):
    page.click(f"nav.form-tabs a[role=tab][data-tab={key}]")
    expect(page.locator(f"#tab-{key}")).to_be_visible()


def expect_only_tab_shown(page, key):
    expect(page.locator(f"nav.form-tabs a[data-tab={key}]")).to_have_attribute("aria-selected", "true")
    for other in TAB_KEYS:
        panel = page.locator(f"section.tab-panel#tab-{other}")
        if other == key:
            expect(panel).to_be_visible()
        else:
            expect(panel).to_be_hidden()


def add_row(page, prefix, label):
    """Click the inline group's "Add another …" button; the new row."""
    group = page.locator(f"#{prefix}-group")
    rows = group.locator(f".dynamic-{prefix}")
    count = rows.count()
    group.get_by_role("button", name=f"Add another {label}").click()
    expect(rows).to_have_count(count + 1)
    return rows.nth(count)


def add_source(page, base_url, key, authors, title, journal, year, doi=""):
    """A new source through the admin's source form (short: only the key is required)."""
    page.goto(f"{base_url}/admin/evidence/source/add/")
    page.fill("#id_key", key)
    page.fill("#id_authors", authors)
    page.fill("#id_title", title)
    page.fill("#id_journal", journal)
    page.fill("#id_year", str(year))
    if doi:
        page.fill("#id_doi", doi)
    page.click('input[name="_save"]')
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")


def drag(page, handle, target):
    """Drag `handle` onto the top of `target` with real pointer moves, as SortableJS needs."""
    handle.scroll_into_view_if_needed()
    start = handle.bounding_box()
    page.mouse.move(start["x"] + 20, start["y"] + start["height"] / 2)
    page.mouse.down()
    end = target.bounding_box()
    page.mouse.move(end["x"] + 20, end["y"] + 2, steps=20)
    page.mouse.move(end["x"] + 20, end["y"] + end["height"] / 4, steps=5)
    page.mouse.up()


def screenshot(page, tmp_path, name, shots, *, full_page=True):
    """A screenshot from the top of the page (the whole page unless told), and a note when the page is wider than
    the window."""
    page.evaluate("window.scrollTo(0, 0)")
    size = page.viewport_size
    path = tmp_path / f"{name}-{size['width']}x{size['height']}.png"
    page.screenshot(path=str(path), full_page=full_page)
    width = page.evaluate("document.documentElement.scrollWidth")
    note = f" (the page is {width} px wide: it scrolls sideways)" if width > size["width"] else ""
    shots.append((path, note))


def section_titles(page_or_frame):
    """The titles of BPC-157's two sections on a profile page, in page order."""
    return page_or_frame.locator("section#tendon-healing > h2, section#gut-protection > h2")


def test_editor_writes_a_profile_through_the_tabs_reviewer_publishes_after_the_comment_is_resolved(
    browser,  # noqa: F811
    site,  # noqa: F811
    tmp_path,
):
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.set_default_timeout(15000)
    console = listen_to_console(page)
    shots = []

    # --- The editor. Two new sources, through the source admin (its form is short). The second has no DOI, PMID
    # or PMCID, and both are unverified: the publish step will warn about both.
    log_in(page, site, "eddie")
    add_source(
        page,
        site,
        "sikiric2018",
        "Sikiric P, Seiwerth S",
        "Stable gastric pentadecapeptide BPC 157 and tendon healing",
        "Curr Pharm Des",
        2018,
        doi="10.2174/1381612824666180124120015",
    )
    add_source(
        page, site, "chang2011", "Chang CH, Tsai WC", "BPC 157 and tendon fibroblast outgrowth", "J Appl Physiol", 2011
    )

    # The new profile, tab by tab.
    page.goto(f"{site}/admin/compounds/compound/add/")
    expect_only_tab_shown(page, "overview")
    page.locator("#id_name").press_sequentially("BPC-157")
    expect(page.locator("#id_slug")).to_have_value("bpc-157")  # filled in from the name
    page.fill("#id_summary", "A synthetic peptide from gastric juice, studied for tendon and gut healing in animals.")
    page.locator("#tab-overview .field-categories").get_by_label("Mood & Stress").check()

    open_tab(page, "text")
    expect_only_tab_shown(page, "text")
    first = add_row(page, "sections", "Section")
    first.locator('input[name$="-title"]').press_sequentially("Tendon healing")
    expect(first.locator('input[name$="-anchor"]')).to_have_value("tendon-healing")
    first.locator("textarea.markdownx-editor").fill("Rat tendons healed faster [@sikiric2018].")
    second = add_row(page, "sections", "Section")
    second.locator('input[name$="-title"]').press_sequentially("Gut protection")
    second.locator("textarea.markdownx-editor").fill("Gastric lesions were smaller in rats [@chang2011].")
    expect(second.locator(".markdownx-preview")).to_contain_text("Gastric lesions were smaller in rats")

    open_tab(page, "tables")
    specification = add_row(page, "specifications", "Key specification")
    specification.locator('input[name$="-label"]').fill("Amino acids")
    specification.locator('[name$="-value"]').fill("15")

    open_tab(page, "dosing")
    protocol = add_row(page, "dosing_protocols", "Dosing protocol")
    protocol.locator('input[name$="-name"]').fill("Standard")
    protocol.locator('input[name$="-amount_low"]').fill("250")
    protocol.locator('input[name$="-amount_high"]').fill("50")  # a typo: below the lowest dose
    protocol.locator('select[name$="-unit"]').select_option("mcg")
    protocol.locator('input[name$="-amount_text"]').fill("250-500mcg")
    protocol.locator('input[name$="-doses_per_day_low"]').fill("1")
    protocol.locator('input[name$="-doses_per_day_high"]').fill("2")
    protocol.locator('input[name$="-frequency_text"]').fill("1-2x daily")

    open_tab(page, "safety")
    effect = add_row(page, "side_effects", "Side effect")
    effect.locator('input[name$="-effect"]').fill("Nausea")
    effect.locator('input[name$="-frequency_text"]').fill("Occasional")

    # Saved from the Safety tab: the error is on the Dosing tab, which the form opens, with the error in view and
    # everything typed on every tab still there.
    page.fill("#id_edit_summary", "First draft of BPC-157")
    page.click('#action-bar input[name="_continue"]')
    summary = page.locator(".errorsummary")
    expect(summary).to_contain_text("The profile was not saved")
    expect(summary).to_contain_text(
        "Dosing & administration — Dosing protocols, row 1: The highest dose must not be below the lowest dose."
    )
    expect_only_tab_shown(page, "dosing")
    dosing_tab = page.locator("nav.form-tabs a[data-tab=dosing]")
    expect(dosing_tab).to_have_class(re.compile(r"\bhas-errors\b"))
    expect(dosing_tab.locator(".tab-error")).to_contain_text("⚠")
    expect(page.locator("nav.form-tabs a.has-errors")).to_have_count(1)
    expect(page.locator("nav.form-tabs a[data-tab=text] .tab-count")).to_have_text("2")
    protocol = page.locator("#dosing_protocols-group .dynamic-dosing_protocols").first
    expect(protocol.locator(".errorlist")).to_have_text("The highest dose must not be below the lowest dose.")
    expect(protocol.locator(".errorlist")).to_be_in_viewport()
    expect(protocol.locator('input[name$="-name"]')).to_have_value("Standard")
    expect(protocol.locator('input[name$="-amount_low"]')).to_have_value("250")
    expect(protocol.locator('input[name$="-amount_high"]')).to_have_value("50")
    expect(protocol.locator('input[name$="-frequency_text"]')).to_have_value("1-2x daily")
    expect(page.locator("#id_name")).to_have_value("BPC-157")
    expect(page.locator("#tab-overview .field-categories").get_by_label("Mood & Stress")).to_be_checked()
    expect(page.locator("#id_edit_summary")).to_have_value("First draft of BPC-157")
    sections = page.locator("#sections-group .dynamic-sections")
    expect(sections).to_have_count(2)
    expect(sections.nth(0).locator('input[name$="-title"]')).to_have_value("Tendon healing")
    expect(sections.nth(1).locator("textarea.markdownx-editor")).to_have_value(
        "Gastric lesions were smaller in rats [@chang2011]."
    )
    expect(page.locator("#id_specifications-0-label")).to_have_value("Amino acids")
    expect(page.locator("#id_side_effects-0-effect")).to_have_value("Nausea")
    screenshot(page, tmp_path, "compound-form-after-a-failed-save", shots)

    protocol.locator('input[name$="-amount_high"]').fill("500")
    page.click('#action-bar input[name="_continue"]')
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    compound = Compound.objects.get(slug="bpc-157")

    # Saved rows can be dragged: "Gut protection" goes above "Tendon healing" (SortableJS starts on page load).
    page.wait_for_load_state("load")
    open_tab(page, "text")
    sections = page.locator("#sections-group .inline-related.has_original")
    expect(sections).to_have_count(2)
    expect(sections.nth(0).locator('input[name$="-title"]')).to_have_value("Tendon healing")
    drag(page, sections.nth(1).locator("h3"), sections.nth(0).locator("h3"))
    expect(sections.nth(0).locator('input[name$="-title"]')).to_have_value("Gut protection")
    expect(sections.nth(0).locator("input._reorder_")).to_have_value("1")
    expect(sections.nth(1).locator("input._reorder_")).to_have_value("2")
    page.fill("#id_edit_summary", "Gut protection first")
    page.click('#action-bar input[name="_continue"]')
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    # The preview beside the form shows the saved draft: the new order, the citations numbered in it.
    page.click("#preview-toggle")
    expect(page.locator("#preview-panel")).to_be_visible()
    preview = page.frame_locator("#preview-frame")
    expect(preview.locator(".banner--preview")).to_contain_text("Preview — not published.")
    expect(section_titles(preview)).to_have_text(["Gut protection", "Tendon healing"])
    expect(preview.locator("#gut-protection")).to_contain_text("Gastric lesions were smaller in rats")
    references = preview.locator("ol.references > li")
    expect(references).to_have_count(2)
    expect(references.first).to_contain_text("BPC 157 and tendon fibroblast outgrowth")
    screenshot(page, tmp_path, "compound-form-with-preview", shots, full_page=False)  # the panel is fixed
    page.click("#preview-close")
    expect(page.locator("#preview-panel")).to_be_hidden()

    # Every tab of the form, at two window widths.
    for width, height in ((1440, 900), (1024, 768)):
        page.set_viewport_size({"width": width, "height": height})
        for key in TAB_KEYS:
            open_tab(page, key)
            screenshot(page, tmp_path, f"compound-form-{key}", shots)
    page.set_viewport_size({"width": 1440, "height": 900})

    page.locator("#action-bar").get_by_role("link", name="Submit for review").click()
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".messagelist")).to_contain_text("BPC-157 was submitted. It is waiting for a reviewer")
    expect(page.locator("#action-bar .workflow-state")).to_contain_text("In review")
    assert_no_csp_violations(console)
    page.context.clear_cookies()

    # --- The reviewer comments on the dosing row, from the row itself.
    log_in(page, site, "rita")
    page.goto(f"{site}/admin/compounds/compound/{compound.pk}/change/")
    open_tab(page, "dosing")
    page.locator("#dosing_protocols-group .inline-related.has_original").first.locator("a.review-add").click()
    expect(page.locator("h1")).to_contain_text("Review comments: BPC-157")
    expect(page.locator("#id_target option:checked")).to_contain_text("Standard")
    page.fill("#id_body", COMMENT)
    page.get_by_role("button", name="Add comment").click()
    expect(page.locator(".messagelist")).to_contain_text("Comment added")

    # The comment shows at the row; publishing is refused while it is open, with the reason given.
    page.goto(f"{site}/admin/compounds/compound/{compound.pk}/change/")
    open_tab(page, "dosing")
    thread = page.locator("#dosing_protocols-group .inline-related.has_original").first.locator(".review-thread")
    expect(thread).to_contain_text(f"Rita Tester on Dosing protocol “Standard”: {COMMENT}")
    expect(page.locator("#action-bar")).to_contain_text("Comments (1 open)")
    expect(page.locator("#action-bar span.button.disabled", has_text="Publish")).to_be_visible()
    expect(page.locator("#action-bar a.button.publish")).to_have_count(0)
    expect(page.locator("#action-bar .action-bar-reason")).to_have_text(
        re.compile(r"^1 review comment (is )?not resolved.*: resolve it before publishing\.$")
    )
    screenshot(page, tmp_path, "compound-form-with-a-review-comment", shots)
    page.goto(f"{site}/admin/compounds/compound/{compound.pk}/workflow/publish/")
    expect(page.locator(".publish-checks .error")).to_contain_text(
        "1 review comment is not resolved (on Dosing protocol “Standard”): resolve it before publishing."
    )
    expect(page.get_by_role("button", name="Publish")).to_be_disabled()
    assert_no_csp_violations(console)
    page.context.clear_cookies()

    # --- The editor finds the comment at the row, replies and resolves it.
    log_in(page, site, "eddie")
    page.goto(f"{site}/admin/compounds/compound/{compound.pk}/change/")
    open_tab(page, "dosing")
    thread = page.locator("#dosing_protocols-group .inline-related.has_original").first.locator(".review-thread")
    expect(thread).to_contain_text(COMMENT)
    thread.get_by_role("link", name="Reply or resolve").click()
    [comment] = ReviewComment.objects.filter(compound=compound, thread=None)
    article = page.locator(f"article#thread-{comment.pk}")
    expect(article).to_contain_text(COMMENT)
    article.locator("textarea[name=body]").fill(REPLY)
    article.get_by_role("button", name="Reply").click()
    expect(page.locator(".messagelist")).to_contain_text("Reply added.")
    expect(article).to_contain_text(REPLY)
    article.get_by_role("button", name="Resolve").click()
    expect(page.locator(".messagelist")).to_contain_text("Comment resolved.")
    expect(page.locator("#comment-threads")).to_have_text("Open comments (0)")
    assert_no_csp_violations(console)
    page.context.clear_cookies()

    # --- The reviewer publishes, acknowledging the warnings about the new sources.
    log_in(page, site, "rita")
    page.goto(f"{site}/admin/compounds/compound/{compound.pk}/change/")
    open_tab(page, "dosing")
    expect(page.locator("#dosing_protocols-group .review-thread")).to_have_count(0)
    expect(page.locator("#action-bar .action-bar-reason")).to_have_count(0)
    page.locator("#action-bar a.button.publish").click()
    checks = page.locator(".publish-checks")
    expect(checks).not_to_contain_text("review comment")
    expect(checks).to_contain_text("2 of 2 cited sources are unverified")
    expect(checks).to_contain_text("Cited sources without a DOI, PMID or PMCID: @chang2011.")
    page.fill("#id_edit_summary", "First version")
    page.check("#id_acknowledge")
    page.get_by_role("button", name="Publish").click()
    expect(page.locator(".messagelist")).to_contain_text("BPC-157 is published as version 1.")
    page.context.clear_cookies()

    # --- Readers: the sections in the editor's order, and nothing of the review.
    page.goto(f"{site}/compounds/bpc-157/")
    expect(page.locator("h1")).to_contain_text("BPC-157")
    expect(section_titles(page)).to_have_text(["Gut protection", "Tendon healing"])
    expect(page.locator("#dosing")).to_contain_text("250-500mcg")
    expect(page.locator("#side-effects")).to_contain_text("Nausea")
    expect(page.locator("body")).not_to_contain_text(COMMENT)
    expect(page.locator("body")).not_to_contain_text(REPLY)
    assert_no_csp_violations(console)

    for path, note in shots:
        assert path.stat().st_size > 10_000, f"{path} was not written"
        print(f"Screenshot: {path}{note}")


def test_markdown_editors_on_a_tab_opened_later_show_their_text(browser, site):  # noqa: F811
    selank = Compound.objects.get(slug="selank")
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.set_default_timeout(15000)
    log_in(page, site, "eddie")
    page.goto(f"{site}/admin/compounds/compound/{selank.pk}/change/")
    expect_only_tab_shown(page, "overview")
    page.wait_for_load_state("networkidle")  # every editor's first preview has come back
    open_tab(page, "text")
    heights = page.evaluate(
        "() => Array.from(document.querySelectorAll('#tab-text textarea.markdownx-editor'))"
        ".filter((editor) => editor.offsetParent !== null).map((editor) => [editor.name, editor.offsetHeight])"
    )
    assert heights, "no Markdown editor on the Text tab"
    # Eight rows of text are about 130 px; three lines, 50 px, is the least that shows a paragraph.
    too_low = [f"{name}: {height} px" for name, height in heights if height < 50]
    assert not too_low, "Markdown editors too low to read: " + ", ".join(too_low)
