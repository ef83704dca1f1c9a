"""Automatic checks of a profile's numbers: dose against the daily maximum, stated weight against the sequence.

They produce warnings, never errors: editors see them on the change form and in
the citation-integrity report, and decide.
"""

from dataclasses import dataclass
from decimal import Decimal

from .chemistry import MASS_TOLERANCE, compound_chemistry

# Mass units compared in micrograms. Per-kg doses (animal studies) are not compared.
MCG_PER_UNIT = {"mcg": Decimal(1), "mg": Decimal(1000), "g": Decimal(1_000_000)}


@dataclass(frozen=True)
class CheckWarning:
    code: str
    message: str


def _to_mcg(amount, unit):
    factor = MCG_PER_UNIT.get(unit)
    return None if amount is None or factor is None else amount * factor


def _format_mcg(value):
    if value >= 1000:
        return f"{(value / 1000).normalize():f} mg"
    return f"{value.normalize():f} mcg"


def protocol_max_daily_mcg(protocol):
    """Highest amount per day the protocol allows, in mcg; None for per-kg or unknown units."""
    per_dose = _to_mcg(protocol.amount_high or protocol.amount_low, protocol.unit)
    if per_dose is None:
        return None
    # An as-needed protocol (no daily schedule) is taken as one dose a day.
    return per_dose * (protocol.doses_per_day_high or protocol.doses_per_day_low or 1)


def dose_warnings(compound, protocols):
    limit = _to_mcg(compound.daily_max_high or compound.daily_max_low, compound.daily_max_unit)
    if limit is None:
        return []
    warnings = []
    for protocol in protocols:
        daily = protocol_max_daily_mcg(protocol)
        if daily is not None and daily > limit:
            warnings.append(
                CheckWarning(
                    "dose_above_daily_max",
                    f"Protocol “{protocol.name}” allows up to {_format_mcg(daily)} a day "
                    f"({protocol.amount_text} × {protocol.frequency_text}), above the stated daily maximum of "
                    f"{_format_mcg(limit)}.",
                )
            )
    return warnings


def chemistry_warnings(compound):
    computed = compound_chemistry(compound)
    if computed is None:
        return []
    warnings = []
    if (
        compound.molecular_weight is not None
        and abs(compound.molecular_weight - computed.average_mass) > MASS_TOLERANCE
    ):
        warnings.append(
            CheckWarning(
                "molecular_weight_mismatch",
                f"Stated molecular weight {compound.molecular_weight} g/mol differs from {computed.average_mass} g/mol "
                f"computed from the sequence ({computed.formula}) by more than {MASS_TOLERANCE} g/mol.",
            )
        )
    if compound.molecular_formula and compound.molecular_formula.replace(" ", "") != computed.formula:
        warnings.append(
            CheckWarning(
                "molecular_formula_mismatch",
                f"Stated formula {compound.molecular_formula} differs from {computed.formula} computed from the sequence.",
            )
        )
    return warnings


def compound_warnings(compound):
    return dose_warnings(compound, compound.dosing_protocols.all()) + chemistry_warnings(compound)
