"""Automatic checks of a profile's numbers: dose against the daily maximum, dose as written against its amount,
stated weight against the sequence.

They produce warnings, never errors: editors see them on the change form and in
the citation-integrity report, and decide.
"""

from dataclasses import dataclass

from .chemistry import MASS_TOLERANCE, compound_chemistry
from .doses import MCG_PER_UNIT, describe_amount, parse_dose, same_amount


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


def dose_text_warnings(protocols):
    """Readers see the dose as written; it must say what the structured amount says."""
    warnings = []
    for protocol in protocols:
        if protocol.amount_low is None or not protocol.unit:
            continue
        amount = describe_amount(protocol.amount_low, protocol.amount_high, protocol.unit)
        written = parse_dose(protocol.amount_text)
        if written is None:
            warnings.append(
                CheckWarning(
                    "dose_text_no_amount",
                    f"Protocol “{protocol.name}”: the dose as written, “{protocol.amount_text}”, states no amount, "
                    f"but readers see only that text. Write the amount ({amount}).",
                )
            )
        elif not same_amount(written, low=protocol.amount_low, high=protocol.amount_high, unit=protocol.unit):
            warnings.append(
                CheckWarning(
                    "dose_text_mismatch",
                    f"Protocol “{protocol.name}”: the dose as written, “{protocol.amount_text}”, says "
                    f"{describe_amount(*written)}, but the structured amount is {amount}.",
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
    protocols = compound.dosing_protocols.all()
    return dose_warnings(compound, protocols) + dose_text_warnings(protocols) + chemistry_warnings(compound)
