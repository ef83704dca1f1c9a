"""Molecular formula and average mass of a linear peptide from its sequence.

Residue formulas are the amino acid minus one water; the peptide adds one water
back (free N- and C-termini). N-acetylation adds C2H2O; C-terminal amidation
swaps OH for NH2 (+N +H −O). Average atomic masses are IUPAC conventional values.
"""

import re
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

ATOMIC_MASS = {"C": 12.011, "H": 1.008, "N": 14.007, "O": 15.999, "S": 32.06}

RESIDUES = {
    "Gly": "C2H3NO", "Ala": "C3H5NO", "Ser": "C3H5NO2", "Pro": "C5H7NO", "Val": "C5H9NO",
    "Thr": "C4H7NO2", "Cys": "C3H5NOS", "Leu": "C6H11NO", "Ile": "C6H11NO", "Asn": "C4H6N2O2",
    "Asp": "C4H5NO3", "Gln": "C5H8N2O2", "Lys": "C6H12N2O", "Glu": "C5H7NO3", "Met": "C5H9NOS",
    "His": "C6H7N3O", "Phe": "C9H9NO", "Arg": "C6H12N4O", "Tyr": "C9H9NO2", "Trp": "C11H10N2O",
}  # fmt: skip
WATER = Counter({"H": 2, "O": 1})
N_ACETYL = Counter({"C": 2, "H": 2, "O": 1})
C_AMIDE = Counter({"N": 1, "H": 1, "O": -1})
MASS_TOLERANCE = Decimal("0.5")  # g/mol: a larger difference means the stated weight or the sequence is wrong


class UnknownResidueError(ValueError):
    pass


def parse_formula(formula):
    counts = Counter()
    for element, number in re.findall(r"([A-Z][a-z]?)(\d*)", formula):
        counts[element] += int(number or 1)
    return counts


def hill_formula(counts):
    """C first, then H, then the rest alphabetically (Hill system)."""
    order = ["C", "H", *sorted(element for element in counts if element not in ("C", "H"))]
    return "".join(
        f"{element}{counts[element] if counts[element] != 1 else ''}" for element in order if counts[element]
    )


@dataclass(frozen=True)
class PeptideChemistry:
    formula: str
    average_mass: Decimal


def peptide_chemistry(sequence, *, n_terminus="free", c_terminus="free"):
    """Formula and average mass (g/mol, 2 decimals) of a linear peptide written Thr-Lys-Pro…"""
    residues = [part.strip() for part in sequence.split("-") if part.strip()]
    if not residues:
        raise UnknownResidueError("The sequence is empty.")
    counts = Counter(WATER)
    for residue in residues:
        if residue not in RESIDUES:
            raise UnknownResidueError(f"“{residue}” is not one of the 20 standard amino acids (three-letter code).")
        counts.update(parse_formula(RESIDUES[residue]))
    if n_terminus == "acetyl":
        counts.update(N_ACETYL)
    if c_terminus == "amide":
        counts.update(C_AMIDE)
    mass = sum(ATOMIC_MASS[element] * number for element, number in counts.items())
    return PeptideChemistry(formula=hill_formula(counts), average_mass=Decimal(str(round(mass, 2))))


def compound_chemistry(compound):
    """Computed chemistry of a peptide compound, or None when there is no usable sequence."""
    if not compound.sequence:
        return None
    try:
        return peptide_chemistry(compound.sequence, n_terminus=compound.n_terminus, c_terminus=compound.c_terminus)
    except UnknownResidueError:
        return None
