"""Automatic plausibility checks: stated weight against the sequence, doses against the daily maximum."""

from decimal import Decimal

import pytest

from compounds.plausibility import compound_warnings, dose_warnings
from tests.factories import CompoundFactory, DosingProtocolFactory


@pytest.mark.django_db
def test_stated_weight_off_by_more_than_half_a_gram_is_flagged():
    good = CompoundFactory(sequence="Thr-Lys-Pro-Arg-Pro-Gly-Pro", molecular_weight=Decimal("751.9"))
    bad = CompoundFactory(sequence="Thr-Lys-Pro-Arg-Pro-Gly-Pro", molecular_weight=Decimal("753.0"))
    assert compound_warnings(good) == []
    [warning] = compound_warnings(bad)
    assert warning.code == "molecular_weight_mismatch" and "751.89" in warning.message


@pytest.mark.django_db
class TestDoseWarnings:
    def compound(self, **kwargs):
        return CompoundFactory(
            daily_max_low=Decimal("1.5"), daily_max_high=Decimal("2.0"), daily_max_unit="mg", **kwargs
        )

    def test_protocol_above_daily_maximum_warns_with_units_normalised(self):
        compound = self.compound()
        DosingProtocolFactory(
            compound=compound,
            name="Heavy",
            amount_high=Decimal("800"),
            unit="mcg",
            doses_per_day_high=3,
            amount_text="800mcg",
            frequency_text="3x daily",
        )
        [warning] = dose_warnings(compound, compound.dosing_protocols.all())
        assert "Heavy" in warning.message and "2.4 mg a day" in warning.message and "2 mg" in warning.message

    def test_protocol_within_maximum_does_not_warn(self):
        compound = self.compound()
        DosingProtocolFactory(compound=compound, amount_high=Decimal("500"), unit="mcg", doses_per_day_high=3)
        DosingProtocolFactory(
            compound=compound,
            amount_low=Decimal("1"),
            amount_high=Decimal("2"),
            unit="mg",
            doses_per_day_low=1,
            doses_per_day_high=1,
        )
        assert dose_warnings(compound, compound.dosing_protocols.all()) == []

    def test_mg_doses_are_converted(self):
        compound = self.compound()
        DosingProtocolFactory(
            compound=compound,
            amount_low=Decimal("1"),
            amount_high=Decimal("1.5"),
            unit="mg",
            doses_per_day_low=2,
            doses_per_day_high=2,
        )
        assert len(dose_warnings(compound, compound.dosing_protocols.all())) == 1

    def test_per_kg_animal_doses_are_not_compared(self):
        compound = self.compound()
        DosingProtocolFactory(
            compound=compound,
            amount_low=Decimal("300"),
            amount_high=None,
            unit="mcg/kg",
            doses_per_day_high=10,
            species="rats",
        )
        assert dose_warnings(compound, compound.dosing_protocols.all()) == []
