"""A reader on the Selank profile follows "compare prices" to the vendors page in a real browser: the offers cheapest
per mg first, the old one marked stale in words, and the note that listing is not endorsement before any price."""

from datetime import date

import pytest
from playwright.sync_api import expect

from tests.compounds.admin.test_browser_editorial import browser  # noqa: F401 (fixture)
from tests.conftest import load_demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def site(live_server, monkeypatch):
    load_demo()
    # The day the demo was published: its Placeholder offer was then 126 days old, the others weeks old.
    monkeypatch.setattr("compounds.vendors.today", lambda: date(2026, 11, 23))
    return live_server.url


def test_a_reader_compares_prices_from_the_profile(browser, site):  # noqa: F811
    page = browser.new_page()
    page.set_default_timeout(20000)
    page.goto(f"{site}/compounds/selank/")
    where_to_buy = page.get_by_role("complementary", name="Where to Buy")
    expect(where_to_buy).to_contain_text("3 vendors carry Selank")
    where_to_buy.get_by_role("link", name="compare prices").click()

    expect(page).to_have_url(f"{site}/compounds/selank/vendors/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Where to buy Selank")
    note = page.get_by_role("region", name="Not an endorsement")
    expect(note).to_be_visible()
    expect(note).to_contain_text("Listing a vendor here is not an endorsement")

    offers = page.get_by_role("table", name="Selank offers in USD, cheapest per mg first")
    rows = offers.locator("tbody tr")
    expect(rows.locator("th")).to_have_text(
        [
            "Placeholder Peptides Co. (fictional)",
            "Sample Research Chemicals (fictional)",
            "Example Peptide Supply (fictional)",
        ]
    )
    expect(rows.locator("td.vendors-table__per-mg")).to_have_text(["4.90 USD", "5.50 USD", "8.40 USD"])
    stale = page.locator(".vendors-table .stale-mark")
    expect(stale).to_have_count(1)
    expect(stale).to_be_visible()
    expect(rows.nth(0)).to_contain_text("Stale")
    expect(rows.nth(0)).to_contain_text("checked 126 days ago")

    # The note is read before the prices; the way back leads to the profile.
    note_top = note.bounding_box()["y"]
    assert note_top < offers.bounding_box()["y"]
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Selank").click()
    expect(page).to_have_url(f"{site}/compounds/selank/")
