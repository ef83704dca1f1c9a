"""The compound form as an editor works in it: tabs that follow the public page, the action bar, rows ordered by
dragging (their position), empty tables, the preview beside the form and review comments where they belong."""

import re
from html import unescape as html_unescape

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from compounds.admin.compound import CompoundAdmin
from compounds.admin.tabs import FIELDSET_TAB, TABS
from compounds.models import Category, Compound, DosingProtocol, Section
from compounds.parts import PARTS
from compounds.services import review_comment_add, review_comment_resolve
from tests.admin_forms import admin_save, form_data, form_field, row_prefix
from tests.factories import CompoundFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_data")]


def change_url(compound):
    return reverse("admin:compounds_compound_change", args=[compound.pk])


def tab_links(html):
    """(key, label text) of each tab, in order."""
    links = re.findall(r'<a id="tab-link-[^"]*"[^>]*data-tab="([\w-]+)"[^>]*>(.*?)</a>', html, re.S)
    return [(key, html_unescape(re.sub(r"<[^>]+>", "", label)).split()) for key, label in links]


def panel(html, key):
    start = html.index(f'<section class="tab-panel" id="tab-{key}"')
    return html[start : html.index("</section>", start)]


def test_every_fieldset_and_every_part_is_in_exactly_one_tab():
    fieldset_names = [name for name, _options in CompoundAdmin.fieldsets]
    assert sorted(map(str, fieldset_names)) == sorted(map(str, FIELDSET_TAB))
    tab_keys = [tab.key for tab in TABS]
    assert all(part.form.tab in tab_keys for part in PARTS if part.form is not None)


def test_the_tabs_follow_the_public_page_and_count_their_rows(admin_client, demo):
    html = admin_client.get(change_url(demo)).content.decode()
    labels = [" ".join(words) for _key, words in tab_links(html)]
    assert [label.rsplit(" ", 1)[0] if label[-1].isdigit() else label for label in labels] == [
        "Overview",
        "Text",
        "Tables",
        "Dosing & administration",
        "Safety",
        "Evidence",
        "Vendors",
        "Publishing",
    ]
    text_rows = demo.sections.count()
    assert (
        f'data-tab="text" aria-controls="tab-text">Text <span class="tab-count" title="rows">{text_rows}</span>' in html
    )
    # The dosing tab holds the protocols, the administration steps and the time course.
    dosing = panel(html, "dosing")
    assert 'id="dosing_protocols-group"' in dosing and 'id="administration_steps-group"' in dosing
    assert 'id="dosing_protocols-group"' not in panel(html, "overview")
    # The edit summary is in the action bar, not in a tab.
    action_bar = html[html.index('id="action-bar"') : html.index('<nav class="form-tabs"')]
    assert 'name="edit_summary"' in action_bar and 'name="_continue"' in action_bar
    assert "Published v1" in action_bar


def test_the_form_loads_only_static_scripts(admin_client, demo):
    """The Content-Security-Policy allows no inline script: every script is a file (or inert JSON data)."""
    html = admin_client.get(change_url(demo)).content.decode()
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S)
    assert scripts
    for attributes, body in scripts:
        assert "src=" in attributes or 'type="application/json"' in attributes, attributes
        assert not body.strip() or 'type="application/json"' in attributes
    assert "compounds/compound-form.js" in html


def test_a_failed_save_opens_the_first_tab_with_an_error_and_says_where(admin_client, demo):
    url = change_url(demo)
    data = form_data(admin_client, url)
    data["edit_summary"] = "Break a dose"
    data[form_field(data, "dosing_protocols-", "name", "")] = ""
    summary_key = "summary"
    data[summary_key] = "A summary the editor typed and must not lose"
    response = admin_client.post(url, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-open-tab="dosing"' in html
    assert re.search(r'data-tab="dosing"[^>]*class="has-errors"', html)
    assert not re.search(r'data-tab="overview"[^>]*class="has-errors"', html)
    summary = html[html.index('class="errorsummary"') : html.index('<nav class="form-tabs"')]
    assert "Dosing &amp; administration</a> — Dosing protocols, row 1 — Name: This field is required." in summary
    assert "A summary the editor typed and must not lose" in html
    assert Compound.objects.get(pk=demo.pk).summary != "A summary the editor typed and must not lose"


def test_a_missing_edit_summary_is_shown_in_the_action_bar(admin_client, demo):
    response = admin_save(admin_client, demo, summary="", descriptor="Changed without saying why")
    html = response.content.decode()
    action_bar = html[html.index('id="action-bar"') : html.index('<nav class="form-tabs"')]
    assert "say what you changed (an edit summary)" in action_bar


def test_dragging_rows_writes_their_positions_and_the_page_follows(admin_client, demo):
    """The drag rewrites the position inputs 1..n in the new order (django-admin-sortable2); the save keeps it."""
    first, second = demo.sections.order_by("position", "id")[:2]
    url = change_url(demo)
    data = form_data(admin_client, url)
    data["edit_summary"] = "Swap the first two sections"
    rows = [row_prefix(data, "sections", section) for section in demo.sections.order_by("position", "id")]
    order = [rows[1], rows[0], *rows[2:]]
    for number, prefix in enumerate(order, start=1):
        data[f"{prefix}-position"] = str(number)
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    assert list(demo.sections.order_by("position", "id")[:2]) == [second, first]
    html = admin_client.get(reverse("compounds:preview", args=[demo.slug])).content.decode()
    assert html.index(f'id="{second.anchor}"') < html.index(f'id="{first.anchor}"')


def test_a_new_row_left_at_position_zero_goes_last(admin_client, demo):
    url = change_url(demo)
    data = form_data(admin_client, url)
    data["edit_summary"] = "Add a section"
    total = int(data["sections-TOTAL_FORMS"])
    data.update(
        {
            f"sections-{total}-title": "Appended",
            f"sections-{total}-anchor": "appended",
            f"sections-{total}-level": "2",
            f"sections-{total}-body": "Text.",
            f"sections-{total}-position": "0",
            "sections-TOTAL_FORMS": str(total + 1),
        }
    )
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    assert list(demo.sections.order_by("position", "id"))[-1].title == "Appended"


def test_an_empty_table_is_collapsed_to_its_add_button(admin_client):
    compound = CompoundFactory()
    html = admin_client.get(change_url(compound)).content.decode()
    assert re.search(r'<fieldset class="module [^"]*\bempty\b[^"]*" aria-labelledby="vendor_offers-heading"', html)


def test_the_preview_may_be_framed_by_the_admin_only(admin_client, demo):
    preview = admin_client.get(reverse("compounds:preview", args=[demo.slug]))
    assert preview["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in preview["Content-Security-Policy"]
    form = admin_client.get(change_url(demo))
    assert form["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in form["Content-Security-Policy"]
    html = form.content.decode()
    assert f'data-src="{reverse("compounds:preview", args=[demo.slug])}"' in html  # loaded when the panel opens
    assert (
        '<iframe id="preview-frame"' in html and " src=" not in html[html.index('<iframe id="preview-frame"') :][:200]
    )


def test_open_comments_show_on_their_row_and_field_and_block_the_publish_button(client, demo, reviewer):
    client.force_login(reviewer)
    protocol = demo.dosing_protocols.order_by("position", "id").first()
    review_comment_add(compound=demo, user=reviewer, body="Which trial gives this dose?", target=protocol)
    on_summary = review_comment_add(
        compound=demo, user=reviewer, body="Shorten the summary.", target=demo, field="summary"
    )
    html = client.get(change_url(demo)).content.decode()
    content_type = ContentType.objects.get_for_model(DosingProtocol).pk
    row_cell = html[html.index(f'id="comment-{content_type}-{protocol.pk}-"') :][:1500]
    assert "Which trial gives this dose?" in row_cell
    assert "Shorten the summary." in panel(html, "overview")
    assert "Which trial gives this dose?" not in panel(html, "overview")
    assert "2 review comments are not resolved" in html
    assert 'class="button publish"' not in html
    review_comment_resolve(comment=on_summary, user=reviewer)
    html = client.get(change_url(demo)).content.decode()
    assert "Shorten the summary." not in html  # resolved threads stay on the comments page only
    assert "1 review comment is not resolved" in html


def test_every_saved_row_offers_a_comment_link_back_to_itself(client, demo, reviewer):
    client.force_login(reviewer)
    section = demo.sections.order_by("position", "id").first()
    html = client.get(change_url(demo)).content.decode()
    anchor = f"{ContentType.objects.get_for_model(Section).pk}-{section.pk}-"
    link = re.search(rf'id="comment-{anchor}">\s*<a class="review-add" href="([^"]+)"', html).group(1)
    assert f"target={anchor}" in link.replace("&amp;", "&")
    assert "next=" in link


def test_the_form_reads_the_comments_in_a_fixed_number_of_queries(admin_client, demo, superuser):
    protocols = list(demo.dosing_protocols.all()[:3])
    review_comment_add(compound=demo, user=superuser, body="One.", target=protocols[0])
    with CaptureQueriesContext(connection) as one:
        admin_client.get(change_url(demo))
    for protocol in protocols:
        review_comment_add(compound=demo, user=superuser, body="More.", target=protocol)
    with CaptureQueriesContext(connection) as four:
        admin_client.get(change_url(demo))
    assert len(four) == len(one)


def test_each_row_has_one_position_input_whether_its_line_holds_one_field_or_several(admin_client, demo):
    html = admin_client.get(change_url(demo)).content.decode()
    for prefix in ("sections-0", "interactions-0", "specifications-0", "dosing_protocols-0"):
        assert html.count(f'name="{prefix}-position"') == 1, prefix
    # Findings are shown grouped by outcome: their order is not dragged.
    assert 'name="findings-0-position"' in html
    assert not re.search(r'<fieldset class="module [^"]*\bsortable\b[^"]*" aria-labelledby="findings-heading"', html)


def test_a_reviewer_deletes_a_profile_with_review_comments(client, reviewer):
    """Comments go with their profile: they must not stand in the way as rows the reviewer may not delete."""
    compound = CompoundFactory()
    review_comment_add(compound=compound, user=reviewer, body="Is this profile needed at all?")
    client.force_login(reviewer)
    url = reverse("admin:compounds_compound_delete", args=[compound.pk])
    assert "Are you sure" in client.get(url).content.decode()
    response = client.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert not Compound.objects.filter(pk=compound.pk).exists()


def test_every_text_box_holds_the_stored_text_exactly(admin_client, demo):
    """The tabs are rendered without the whitespace between tags; the text inside the boxes must not change."""
    from html.parser import HTMLParser

    class TextAreas(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.values, self._name = {}, None

        def handle_starttag(self, tag, attrs):
            if tag == "textarea":
                self._name = dict(attrs)["name"]
                self.values[self._name] = ""

        def handle_endtag(self, tag):
            self._name = None if tag == "textarea" else self._name

        def handle_data(self, data):
            if self._name:
                self.values[self._name] += data

    parser = TextAreas()
    parser.feed(admin_client.get(change_url(demo)).content.decode())
    data = form_data(admin_client, change_url(demo))
    compared = 0
    for name, shown in parser.values.items():
        # A browser drops the one line break that follows <textarea>, as the parser here does not.
        shown = shown[1:] if shown.startswith("\n") else shown
        if name in data and "__prefix__" not in name:
            assert shown.replace("\r\n", "\n") == str(data[name]).replace("\r\n", "\n"), name
            compared += 1
    assert compared > 40


def test_a_rows_source_is_chosen_or_added_not_edited_from_the_row(admin_client, demo):
    html = panel(admin_client.get(change_url(demo)).content.decode(), "evidence")
    assert 'id="add_id_findings-0-source"' in html
    assert 'id="change_id_findings-0-source"' not in html and 'id="delete_id_findings-0-source"' not in html


def test_a_saved_rows_position_left_empty_is_an_error_not_a_lost_save(admin_client, demo):
    url = change_url(demo)
    data = form_data(admin_client, url)
    data["edit_summary"] = "Clear a position"
    prefix = row_prefix(data, "sections", demo.sections.order_by("position", "id").first())
    data[f"{prefix}-position"] = ""
    data["descriptor"] = "Kept in the form"
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "Sections, row 1 — Position: This field is required." in response.content.decode()
    assert Compound.objects.get(pk=demo.pk).descriptor != "Kept in the form"


def test_categories_are_tick_boxes_that_work_without_javascript(admin_client, demo):
    html = panel(admin_client.get(change_url(demo)).content.decode(), "overview")
    for category in Category.objects.all():
        assert re.search(rf'<input type="checkbox" name="categories" value="{category.pk}"[^>]*>', html), category
    checked = re.findall(r'<input type="checkbox" name="categories" value="(\d+)"[^>]*checked', html)
    assert sorted(map(int, checked)) == sorted(demo.categories.values_list("pk", flat=True))


def test_an_app_page_is_not_titled_as_the_dashboard(admin_client):
    assert "Everything in the admin" in admin_client.get(reverse("admin:index")).content.decode()
    assert "Everything in the admin" not in admin_client.get("/admin/compounds/").content.decode()
