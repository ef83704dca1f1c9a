"""Formula and mass from a peptide sequence, computed by hand below."""

from decimal import Decimal

import pytest

from compounds.chemistry import UnknownResidueError, peptide_chemistry

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
