"""Doses as people write them: "250-500mcg", "250–500 µg", "1 mg", "10 mcg/kg".

One parser for the document importer and for the check that a protocol's "dose as written" agrees with its
structured amount, so what readers see and what the numbers say cannot drift apart unnoticed.
"""

import re
from decimal import Decimal, InvalidOperation

UNITS = {
    "µg": "mcg",
    "μg": "mcg",
    "ug": "mcg",
    "mcg": "mcg",
    "mg": "mg",
    "g": "g",
    "gram": "g",
    "grams": "g",
    "iu": "IU",
}
NUMBER = r"\d{1,3}(?:,\d{3})+(?!\d)|\d+(?:[.,]\d+)?"
_UNIT = r"µg|μg|ug|mcg|mg|grams?|g|iu"
DOSE_RE = re.compile(
    rf"(?P<low>{NUMBER})\s*(?P<unit1>{_UNIT})?(?:\s*(?:-|–|—|to)\s*(?P<high>{NUMBER}))?"
    rf"\s*(?P<unit>{_UNIT})?(?P<per_kg>\s*(?:/|per)\s*kg)?\b",
    re.IGNORECASE,
)
# Mass units compared in micrograms; IU and per-kg amounts compare only with the same unit.
MCG_PER_UNIT = {"mcg": Decimal(1), "mg": Decimal(1000), "g": Decimal(1_000_000)}


def number(text):
    """A number as documents write it: 1,000 is a thousand (a thousands separator), 0,5 is a half."""
    text = text.strip()
    text = text.replace(",", "") if re.fullmatch(r"\d{1,3}(?:,\d{3})+", text) else text.replace(",", ".")
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def parse_dose(text):
    """(low, high, unit) of the first amount with a unit: "2 x 250 mcg" is 250 mcg. None if the text has none."""
    for match in DOSE_RE.finditer((text or "").replace("\u2009", " ").replace("\u00a0", " ")):
        unit = match.group("unit") or match.group("unit1")
        if not unit:
            continue
        unit = UNITS[unit.lower()]
        if match.group("per_kg") and unit in ("mcg", "mg"):
            unit = f"{unit}/kg"
        high = number(match.group("high")) if match.group("high") else None
        return number(match.group("low")), high, unit
    return None


def _comparable(amount, unit):
    """(value, base unit): masses in mcg, anything else as it stands."""
    if amount is None:
        return None
    if unit in MCG_PER_UNIT:
        return amount * MCG_PER_UNIT[unit], "mcg"
    base, _, per = unit.partition("/")
    if per and base in MCG_PER_UNIT:
        return amount * MCG_PER_UNIT[base], f"mcg/{per}"
    return amount, unit


def same_amount(written, *, low, high, unit):
    """Whether a parsed (low, high, unit) says the structured amount: 0.25–0.5 mg is 250–500 mcg."""
    text_low, text_high, text_unit = written
    as_written = (_comparable(text_low, text_unit), _comparable(text_high or text_low, text_unit))
    structured = (_comparable(low, unit), _comparable(high or low, unit))
    return None not in as_written and as_written == structured


def describe_amount(low, high, unit):
    """250–500 mcg, or 250 mcg for a single amount."""
    if high is not None and high != low:
        return f"{low.normalize():f}–{high.normalize():f} {unit}"
    return f"{low.normalize():f} {unit}"
