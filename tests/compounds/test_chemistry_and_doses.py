"""Formula and mass from a peptide sequence (computed by hand below) and dose checks."""

from decimal import Decimal

import pytest
from django.urls import reverse

from compounds.checks import compound_warnings, dose_warnings
from compounds.chemistry import UnknownResidueError, peptide_chemistry
from tests.factories import CompoundFactory, DosingProtocolFactory

# Average atomic masses: C 12.011, H 1.008, N 14.007, O 15.999, S 32.06.


def test_selank():
    # Thr C4H7NO2 + Lys C6H12N2O + 3×Pro C5H7NO + Arg C6H12N4O + Gly C2H3NO + H2O = C33H57N11O9
    # 33×12.011 + 57×1.008 + 11×14.007 + 9×15.999 = 396.363 + 57.456 + 154.077 + 143.991 = 751.887
    result = peptide_chemistry("Thr-Lys-Pro-Arg-Pro-Gly-Pro")
    assert result.formula == "C33H57N11O9" and result.average_mass == Decimal("751.89")


def test_semax():
    # Met C5H9NOS + Glu C5H7NO3 + His C6H7N3O + Phe C9H9NO + 2×Pro C5H7NO + Gly C2H3NO + H2O = C37H51N9O10S
    # 444.407 + 51.408 + 126.063 + 159.990 + 32.06 = 813.928
    result = peptide_chemistry("Met-Glu-His-Phe-Pro-Gly-Pro")
    assert result.formula == "C37H51N9O10S" and result.average_mass == Decimal("813.93")


def test_n_acetyl_selank_amidate():
    # Selank + acetyl (C2H2O) + amide (+N +H −O) = C35H60N12O9
    # 751.887 + 42.037 − 0.984 = 792.940
    result = peptide_chemistry("Thr-Lys-Pro-Arg-Pro-Gly-Pro", n_terminus="acetyl", c_terminus="amide")
    assert result.formula == "C35H60N12O9" and result.average_mass == Decimal("792.94")


def test_bpc_157():
    # Gly-Glu-Pro-Pro-Pro-Gly-Lys-Pro-Ala-Asp-Asp-Ala-Gly-Leu-Val: C62H98N16O22
    # 62×12.011 + 98×1.008 + 16×14.007 + 22×15.999 = 744.682 + 98.784 + 224.112 + 351.978 = 1419.556
    result = peptide_chemistry("Gly-Glu-Pro-Pro-Pro-Gly-Lys-Pro-Ala-Asp-Asp-Ala-Gly-Leu-Val")
    assert result.formula == "C62H98N16O22" and result.average_mass == Decimal("1419.56")


def test_unknown_residue_is_named():
    with pytest.raises(UnknownResidueError, match="Xyz"):
        peptide_chemistry("Thr-Xyz-Pro")


@pytest.mark.django_db
def test_stated_weight_off_by_more_than_half_a_gram_is_flagged():
    good = CompoundFactory(sequence="Thr-Lys-Pro-Arg-Pro-Gly-Pro", molecular_weight=Decimal("751.9"))
    bad = CompoundFactory(sequence="Thr-Lys-Pro-Arg-Pro-Gly-Pro", molecular_weight=Decimal("753.0"))
    assert compound_warnings(good) == []
    [warning] = compound_warnings(bad)
    assert warning.code == "molecular_weight_mismatch" and "751.89" in warning.message


@pytest.mark.django_db
def test_computed_formula_is_shown_when_none_is_stated(client, demo):
    html = client.get("/compounds/selank/").content.decode()
    assert "C33H57N11O9 (computed from the sequence)" in html


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

    def test_demo_doses_are_within_the_stated_maximum(self, demo):
        assert compound_warnings(demo) == []

    def test_warning_is_shown_on_the_admin_form(self, admin_client):
        compound = self.compound(slug="heavy")
        DosingProtocolFactory(
            compound=compound, name="Heavy", amount_low=Decimal("1"), amount_high=None, unit="mg", doses_per_day_high=3
        )
        html = admin_client.get(reverse("admin:compounds_compound_change", args=[compound.pk])).content.decode()
        assert "Protocol “Heavy” allows up to 3 mg a day" in html
