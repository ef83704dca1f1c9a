"""The vendors page of a published profile: the offers its live version recorded, cheapest per mg first.

It reads the version's stored data (`ProfileSnapshot.data["parts"]["vendor_offers"]`), never the draft's rows, so
an editor's new price shows only once it is published. Whether an offer is stale depends on today's date, so it
is worked out per request rather than stored with the version.

Prices are never converted between currencies (a rate would date the page and is not what the editors checked):
offers are grouped by currency, the currency with most offers first, and sorted by price per mg within each group.
"""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from .models import ProfileSnapshot
from .selectors import published_snapshot_get

STALE_AFTER_DAYS = 90
CENT = Decimal("0.01")


def today():
    """Today on the site's calendar (settings.TIME_ZONE), which decides which offers are stale."""
    return timezone.localdate()


def _number(value):
    """A decimal as people write it: 5 rather than 5.000, 2.5 rather than 2.500."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass(frozen=True)
class Offer:
    vendor: str
    product: str
    amount_mg: Decimal
    price: Decimal
    currency: str
    url: str
    checked_on: datetime.date
    today: datetime.date

    @classmethod
    def from_data(cls, row, *, today):
        url = row.get("url") or ""
        return cls(
            vendor=row["vendor"],
            product=row.get("product") or "",
            amount_mg=Decimal(str(row["amount_mg"])),
            price=Decimal(str(row["price"])),
            currency=row.get("currency") or "USD",
            # Only web addresses become links, whatever a stored row holds.
            url=url if url.startswith(("https://", "http://")) else "",
            checked_on=datetime.date.fromisoformat(row["checked_on"]),
            today=today,
        )

    @property
    def price_per_mg(self):
        return self.price / self.amount_mg

    @property
    def price_per_mg_text(self):
        rounded = self.price_per_mg.quantize(CENT, rounding=ROUND_HALF_UP)
        if not rounded and self.price:
            return f"under 0.01 {self.currency}"
        return f"{rounded} {self.currency}"

    @property
    def amount_text(self):
        return f"{_number(self.amount_mg)} mg"

    @property
    def price_text(self):
        return f"{self.price.quantize(CENT)} {self.currency}"

    @property
    def age_days(self):
        return (self.today - self.checked_on).days

    @property
    def stale(self):
        return self.age_days > STALE_AFTER_DAYS

    def sort_key(self):
        return (self.price_per_mg, self.vendor.casefold(), self.amount_mg)


@dataclass(frozen=True)
class CurrencyGroup:
    currency: str
    offers: list


@dataclass(frozen=True)
class VendorListing:
    """What the vendors page shows of one published version."""

    groups: list
    has_data: bool  # False for versions published before offers were stored as data
    reported_count: int | None
    reported_checked_on: datetime.date | None

    @property
    def offers(self):
        return [offer for group in self.groups for offer in group.offers]

    @property
    def vendor_count(self):
        return len({offer.vendor.casefold() for offer in self.offers})

    @property
    def stale_count(self):
        return sum(offer.stale for offer in self.offers)

    @property
    def latest_check(self):
        return max((offer.checked_on for offer in self.offers), default=None)


def vendor_listing(data, *, today):
    """The offers of a version's stored data, grouped by currency and cheapest per mg first in each group."""
    data = data or {}
    fields = data.get("fields", {})
    offers = [Offer.from_data(row, today=today) for row in data.get("parts", {}).get("vendor_offers", [])]
    by_currency = {}
    for offer in offers:
        by_currency.setdefault(offer.currency, []).append(offer)
    groups = [
        CurrencyGroup(currency=currency, offers=sorted(members, key=Offer.sort_key))
        for currency, members in sorted(by_currency.items(), key=lambda item: (-len(item[1]), item[0]))
    ]
    checked_on = fields.get("vendors_checked_on")
    return VendorListing(
        groups=groups,
        has_data=bool(data),
        reported_count=fields.get("vendor_count_reported"),
        reported_checked_on=datetime.date.fromisoformat(checked_on) if checked_on else None,
    )


def compound_vendors(request, slug):
    """Where to buy: the live version's vendor offers, on a page of their own, apart from the evidence."""
    try:
        snapshot = published_snapshot_get(slug=slug)
    except ProfileSnapshot.DoesNotExist:
        raise Http404("No published profile at this address.") from None
    listing = vendor_listing(snapshot.data, today=today())
    return render(
        request,
        "compounds/vendors.html",
        {"snapshot": snapshot, "listing": listing, "stale_after_days": STALE_AFTER_DAYS},
    )
