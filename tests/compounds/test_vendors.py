"""The vendors page (/compounds/<slug>/vendors/): the live version's offers only, cheapest per mg first, stale offers
marked by today's date, apart from the evidence and never an endorsement."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils.html import escape

from compounds.disclaimer import REQUIRED_DISCLAIMER
from compounds.models import Compound, ProfileSnapshot, Status
from compounds.services import compound_unpublish
from compounds.vendors import vendor_listing
from tests.factories import CompoundFactory, VendorOfferFactory
from tests.workflow import publish_acknowledging

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_data")]

# The day the demo was published; its Placeholder offer was checked 126 days before.
DEMO_DAY = date(2026, 11, 23)


@pytest.fixture
def on_day(monkeypatch):
    def set_day(day):
        monkeypatch.setattr("compounds.vendors.today", lambda: day)

    set_day(DEMO_DAY)
    return set_day


def text_of(fragment):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment)).strip()


def offer_rows(html):
    """(vendor, product, amount, price, price per mg, checked) of each offer row, in page order."""
    rows = []
    for table in re.findall(r'<table class="data-table vendors-table">(.*?)</table>', html, re.S):
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table.split("<tbody>", 1)[1], re.S):
            rows.append(tuple(text_of(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)))
    return rows


def vendors_page(client, slug="selank"):
    response = client.get(f"/compounds/{slug}/vendors/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_demo_offers_are_listed_cheapest_per_mg_first_with_the_old_one_marked_stale(client, on_day):
    html = vendors_page(client)
    assert offer_rows(html) == [
        (
            "Placeholder Peptides Co. (fictional)",
            "Selank lyophilised powder, 5 mg vial",
            "5 mg",
            "24.50 USD",
            "4.90 USD",
            "20 Jul 2026 Stale checked 126 days ago",
        ),
        (
            "Sample Research Chemicals (fictional)",
            "Selank lyophilised powder, 10 mg vial",
            "10 mg",
            "55.00 USD",
            "5.50 USD",
            "16 Nov 2026",
        ),
        (
            "Example Peptide Supply (fictional)",
            "Selank nasal spray, 3 mL (5 mg)",
            "5 mg",
            "42.00 USD",
            "8.40 USD",
            "2 Nov 2026",
        ),
    ]
    assert "3 offers from 3 vendors, sorted by price per mg, cheapest first." in text_of(html)
    assert "1 of these 3 is stale." in text_of(html)


def test_the_page_is_its_own_table_with_headers_a_note_and_a_way_back(client, on_day):
    html = vendors_page(client)
    assert "<caption>Selank offers in USD, cheapest per mg first</caption>" in html
    assert html.count('<th scope="col"') == 6 and html.count('<th scope="row">') == 3
    # The note comes before any price, in a region of its own.
    note = html.split('<section class="vendors-note" aria-labelledby="vendors-note-heading">', 1)[1]
    assert note.index("Not an endorsement") < note.index("<table")
    assert "says nothing about a product's purity, identity or quality" in text_of(html)
    assert '<a href="https://example.org/placeholder-peptides/selank-5-mg" rel="nofollow noopener">' in html
    breadcrumb = html.split('<nav class="breadcrumb" aria-label="Breadcrumb">', 1)[1].split("</nav>", 1)[0]
    assert '<a href="/compounds/selank/">Selank</a>' in breadcrumb and 'aria-current="page"' in breadcrumb
    assert "← Back to the Selank profile" in html
    assert '<link rel="stylesheet" href="/static/compounds/vendors.css">' in html
    assert escape(REQUIRED_DISCLAIMER) in html
    # Prices stay off the evidence: the page shows no evidence grading at all.
    assert "Evidence Level" not in html and 'id="evidence"' not in html


def test_staleness_is_worked_out_on_each_request_from_todays_date(client, on_day):
    on_day(date(2026, 10, 18))  # the Placeholder offer is exactly 90 days old: not stale yet
    assert "Stale</strong> <span" not in vendors_page(client)
    on_day(date(2026, 10, 19))
    assert [row[0] for row in offer_rows(vendors_page(client)) if "Stale" in row[5]] == [
        "Placeholder Peptides Co. (fictional)"
    ]
    on_day(date(2027, 3, 1))  # every offer is old by then
    assert all("Stale" in row[5] for row in offer_rows(vendors_page(client)))


def test_a_drafts_offers_stay_off_the_page_until_published(client, demo, on_day):
    demo.vendor_offers.filter(vendor__startswith="Example Peptide").update(price=Decimal("9.00"))
    VendorOfferFactory(compound=demo, vendor="Draft-Only Vendor (fictional)", price=Decimal("1.00"))
    html = vendors_page(client)
    assert "Draft-Only Vendor" not in html and "42.00 USD" in html and "9.00 USD" not in html

    publish_acknowledging(compound=Compound.objects.get(pk=demo.pk), edit_summary="New prices")
    rows = offer_rows(vendors_page(client))
    assert [row[0] for row in rows][:2] == ["Draft-Only Vendor (fictional)", "Example Peptide Supply (fictional)"]
    assert rows[1][3:5] == ("9.00 USD", "1.80 USD")


def test_an_unpublished_profile_has_no_vendors_page(client, demo):
    hidden = CompoundFactory(slug="hidden", status=Status.DRAFT)
    VendorOfferFactory(compound=hidden)
    assert client.get("/compounds/hidden/vendors/").status_code == 404
    compound_unpublish(compound=demo)
    assert client.get("/compounds/selank/vendors/").status_code == 404


def test_a_live_profile_without_offers_says_what_was_reported(client):
    reported = CompoundFactory(slug="reported", vendor_count_reported=3, vendors_checked_on=date(2026, 9, 1))
    publish_acknowledging(compound=reported)
    html = vendors_page(client, "reported")
    assert "3 vendors reported, prices not recorded (as of 1 Sep 2026)." in text_of(html)
    assert "<table" not in html and "Not an endorsement" in html

    publish_acknowledging(compound=CompoundFactory(slug="bare"))
    assert "No vendors are recorded for" in text_of(vendors_page(client, "bare"))


def test_a_version_published_before_offers_were_stored_says_so(client, demo):
    ProfileSnapshot.objects.filter(pk=demo.live_snapshot_id).update(data={})
    html = vendors_page(client)
    assert "was published before vendor offers were recorded for this page" in text_of(html)
    assert "<table" not in html


def test_currencies_are_not_mixed_each_has_its_own_table_sorted_within_it(client, on_day):
    compound = CompoundFactory(slug="mixed", name="Mixtan")
    for vendor, amount, price, currency in [
        ("Euro One", "10", "40.00", "EUR"),
        ("Dollar One", "5", "30.00", "USD"),
        ("Dollar Two", "10", "20.00", "USD"),
        ("Euro Two", "5", "10.00", "EUR"),
        ("Dollar Three", "2", "50.00", "USD"),
    ]:
        VendorOfferFactory(
            compound=compound, vendor=vendor, amount_mg=Decimal(amount), price=Decimal(price), currency=currency
        )
    publish_acknowledging(compound=compound)
    html = vendors_page(client, "mixed")
    captions = re.findall(r"<caption>(.*?)</caption>", html)
    assert captions == ["Mixtan offers in USD, cheapest per mg first", "Mixtan offers in EUR, cheapest per mg first"]
    assert [(row[0], row[4]) for row in offer_rows(html)] == [
        ("Dollar Two", "2.00 USD"),
        ("Dollar One", "6.00 USD"),
        ("Dollar Three", "25.00 USD"),
        ("Euro Two", "2.00 EUR"),
        ("Euro One", "4.00 EUR"),
    ]
    assert "Prices in different currencies are not converted" in text_of(html)


def test_the_listing_reads_the_stored_rows_as_people_write_numbers():
    data = {
        "fields": {"vendor_count_reported": None, "vendors_checked_on": None},
        "parts": {
            "vendor_offers": [
                {
                    "vendor": "Tiny",
                    "product": "",
                    "amount_mg": "1000.000",
                    "price": "5.00",
                    "currency": "USD",
                    "url": "javascript:alert(1)",
                    "checked_on": "2026-11-20",
                },
                {
                    "vendor": "tiny",
                    "product": "Bulk",
                    "amount_mg": "2.500",
                    "price": "10.00",
                    "currency": "USD",
                    "url": "https://example.org/b",
                    "checked_on": (DEMO_DAY - timedelta(days=91)).isoformat(),
                },
            ]
        },
    }
    listing = vendor_listing(data, today=DEMO_DAY)
    cheap, bulk = listing.offers
    assert (cheap.amount_text, cheap.price_per_mg_text, cheap.url, cheap.stale) == ("1000 mg", "0.01 USD", "", False)
    assert (bulk.amount_text, bulk.price_per_mg_text, bulk.stale) == ("2.5 mg", "4.00 USD", True)
    assert listing.vendor_count == 1 and listing.stale_count == 1


def test_the_profile_links_to_the_vendors_page_and_leaves_the_table_to_it(client):
    html = client.get("/compounds/selank/").content.decode()
    aside = html.split('<aside id="where-to-buy"', 1)[1].split("</aside>", 1)[0]
    assert '<strong>3 vendors carry Selank</strong> — <a href="/compounds/selank/vendors/">compare prices</a>' in aside
    assert "(from 4.90 USD per mg). Prices last checked 16 Nov 2026." in aside
    assert "<table" not in aside and "Placeholder Peptides" not in html


def test_a_profile_with_only_a_reported_count_does_not_offer_to_compare_prices(client):
    publish_acknowledging(compound=CompoundFactory(slug="counted", name="Countan", vendor_count_reported=2))
    aside = client.get("/compounds/counted/").content.decode().split('<aside id="where-to-buy"', 1)[1]
    assert "2 vendors carry Countan</strong>. Prices and date not recorded." in aside.split("</aside>", 1)[0]
    assert "/vendors/" not in aside.split("</aside>", 1)[0]


def test_the_vendors_page_is_one_query(client, django_assert_num_queries, on_day):
    with django_assert_num_queries(1):
        response = client.get("/compounds/selank/vendors/")
    assert response.status_code == 200
