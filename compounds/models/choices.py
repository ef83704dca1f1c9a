"""Choices shared by the compound models, the admin and the page."""

from django.db import models


class CompoundKind(models.TextChoices):
    PEPTIDE = "peptide", "Peptide"
    NOOTROPIC = "nootropic", "Nootropic"
    SUPPLEMENT = "supplement", "Supplement"
    OTHER = "other", "Other"


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    PUBLISHED = "published", "Published"
    UNPUBLISHED = "unpublished", "Unpublished"


class EvidenceLevel(models.IntegerChoices):
    """OCEBM 2011, treatment benefits."""

    LEVEL_1 = 1, "1 — systematic review of randomised trials"
    LEVEL_2 = 2, "2 — randomised trial or dramatic observational effect"
    LEVEL_3 = 3, "3 — non-randomised controlled cohort / follow-up study"
    LEVEL_4 = 4, "4 — case series, case-control, historically controlled"
    LEVEL_5 = 5, "5 — mechanism-based reasoning (incl. animal and in-vitro work)"


class EvidenceScheme(models.TextChoices):
    OCEBM_2011 = "OCEBM-2011", "OCEBM 2011"


class RiskProfile(models.TextChoices):
    LOW = "low", "Low"
    MODERATE = "moderate", "Moderate"
    HIGH = "high", "High"
    UNKNOWN = "unknown", "Unknown"


class Terminus(models.TextChoices):
    FREE = "free", "Free"
    ACETYL = "acetyl", "N-acetyl"
    AMIDE = "amide", "C-amide"


class Route(models.TextChoices):
    INTRANASAL = "intranasal", "Intranasal"
    SUBCUTANEOUS = "subcutaneous", "Subcutaneous"
    INTRAMUSCULAR = "intramuscular", "Intramuscular"
    INTRAPERITONEAL = "intraperitoneal", "Intraperitoneal"
    INTRAVENOUS = "intravenous", "Intravenous"
    ORAL = "oral", "Oral"
    SUBLINGUAL = "sublingual", "Sublingual"
    TOPICAL = "topical", "Topical"
    OTHER = "other", "Other"


class DoseUnit(models.TextChoices):
    MCG = "mcg", "mcg"
    MG = "mg", "mg"
    G = "g", "g"
    IU = "IU", "IU"
    MCG_PER_KG = "mcg/kg", "mcg/kg"
    MG_PER_KG = "mg/kg", "mg/kg"


class RegulatoryState(models.TextChoices):
    APPROVED = "approved", "Approved"
    NOT_APPROVED = "not_approved", "Not approved"
    WITHDRAWN = "withdrawn", "Registration withdrawn"
    UNKNOWN = "unknown", "Unknown"


class SideEffectFrequency(models.TextChoices):
    """CIOMS frequency categories."""

    VERY_COMMON = "very_common", "Very common (≥ 1/10)"
    COMMON = "common", "Common (≥ 1/100)"
    UNCOMMON = "uncommon", "Uncommon (≥ 1/1,000)"
    RARE = "rare", "Rare (≥ 1/10,000)"
    VERY_RARE = "very_rare", "Very rare (< 1/10,000)"
    NOT_KNOWN = "not_known", "Not known"

    @property
    def band(self):
        """The category with its full CIOMS definition, as readers see it, e.g. "Uncommon (≥1/1,000 to <1/100)";
        "" when not known. (The labels, the admin's menu, give the lower bound only: changing them is a migration.)"""
        definition = CIOMS_DEFINITIONS.get(self)
        return f"{self.label.split(' (')[0]} ({definition})" if definition else ""


CIOMS_DEFINITIONS = {
    SideEffectFrequency.VERY_COMMON: "≥1/10",
    SideEffectFrequency.COMMON: "≥1/100 to <1/10",
    SideEffectFrequency.UNCOMMON: "≥1/1,000 to <1/100",
    SideEffectFrequency.RARE: "≥1/10,000 to <1/1,000",
    SideEffectFrequency.VERY_RARE: "<1/10,000",
}


class TimePhase(models.TextChoices):
    ONSET = "onset", "Onset"
    PEAK = "peak", "Peak"
    DURATION = "duration", "Duration"


class Relation(models.TextChoices):
    SIMILAR = "similar", "Similar compound"
    COMBINED_WITH = "combined_with", "Often combined with"
    ALTERNATIVE = "alternative", "Alternative to"
    PARENT = "parent", "Derived from"


class SynonymKind(models.TextChoices):
    SYNONYM = "synonym", "Synonym"
    CODE = "code", "Research code"
    BRAND = "brand", "Brand name"
    NATIVE = "native", "Name in original language"


class InteractionSeverity(models.TextChoices):
    MAJOR = "major", "Major: avoid the combination"
    MODERATE = "moderate", "Moderate: combine only with caution"
    MINOR = "minor", "Minor"
    NOT_KNOWN = "not_known", "Not known"


class InteractionBasis(models.TextChoices):
    HUMAN = "human", "Human data"
    ANIMAL = "animal", "Animal data"
    THEORETICAL = "theoretical", "Theoretical (from the mechanism)"
