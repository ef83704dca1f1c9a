"""A reader searches in a real browser: the header box, a filter, the next page with the query kept, and a
misspelling answered with a suggestion."""

import pytest
from playwright.sync_api import expect

from compounds.services import compound_publish
from tests.compounds.admin.test_browser_editorial import browser  # noqa: F401 (fixture)
from tests.conftest import load_demo
from tests.factories import CategoryFactory, CompoundFactory, SectionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def site(live_server, settings):
    settings.MONOGRAPH_PAGE_SIZE = 2
    load_demo()
    sleep = CategoryFactory(name="Sleep", slug="sleep")
    for index, risk in enumerate(["low", "low", "low", "moderate"]):
        compound = CompoundFactory(name=f"Dozer {index}", slug=f"dozer-{index}", risk_profile=risk)
        compound.categories.add(sleep)
        SectionFactory(compound=compound, title="Use", anchor="use", body="Studied for zolpiquin sleep and anxiety.")
        compound_publish(compound=compound)
    return live_server.url


def test_search_with_a_filter_and_pagination(browser, site):  # noqa: F811
    page = browser.new_page()
    page.set_default_timeout(20000)
    page.goto(site + "/")
    page.fill("#site-search-q", "zolpiquin")
    page.press("#site-search-q", "Enter")
    expect(page.locator(".results-summary")).to_contain_text("4 profiles match “zolpiquin”")
    expect(page.locator(".card__snippet mark").first).to_have_text("zolpiquin")

    page.select_option("#id_risk", "low")
    page.select_option("#id_sort", "name")
    page.click("text=Apply")
    expect(page.locator(".results-summary")).to_contain_text("3 profiles match “zolpiquin” with the filters chosen")
    expect(page.locator(".card__title a")).to_have_text(["Dozer 0", "Dozer 1"])
    expect(page.locator(".results-summary")).to_contain_text("Page 1 of 2")

    page.click("a[rel=next]")
    expect(page.locator(".card__title a")).to_have_text(["Dozer 2"])
    expect(page.locator("#id_q")).to_have_value("zolpiquin")
    expect(page.locator("#id_risk")).to_have_value("low")
    assert "q=zolpiquin" in page.url and "risk=low" in page.url and "page=2" in page.url

    page.click("a[rel=prev]")
    expect(page.locator(".card__title a")).to_have_text(["Dozer 0", "Dozer 1"])


def test_a_misspelling_is_answered_with_a_suggestion(browser, site):  # noqa: F811
    page = browser.new_page()
    page.set_default_timeout(20000)
    page.goto(site + "/compounds/?q=selnak")
    expect(page.locator(".empty--search")).to_contain_text("No results for “selnak”")
    page.click("a.suggestion")
    expect(page.locator(".card__title a").first).to_have_text("Selank")
    expect(page.locator("#id_q")).to_have_value("selank")
