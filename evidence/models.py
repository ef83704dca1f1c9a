from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse

from .identifiers import (
    normalize_doi,
    normalize_pmcid,
    normalize_pmid,
    validate_doi,
    validate_pmcid,
)

CITATION_KEY_HELP = (
    "Short unique key editors type to cite this source, e.g. kasian2017 → [@kasian2017]. "
    "Letters, digits, hyphens and underscores only."
)


class StudyDesign(models.TextChoices):
    SYSTEMATIC_REVIEW = "systematic_review", "Systematic review / meta-analysis"
    RCT = "rct", "Randomised controlled trial"
    NON_RANDOMISED_CONTROLLED = "non_randomised_controlled", "Non-randomised controlled study"
    COHORT = "cohort", "Cohort / follow-up study"
    CASE_CONTROL = "case_control", "Case-control study"
    CASE_SERIES = "case_series", "Case series / case report"
    CROSS_SECTIONAL = "cross_sectional", "Cross-sectional study"
    HUMAN_EXPERIMENTAL = "human_experimental", "Human experimental study (e.g. imaging)"
    CLINICAL_BIOCHEMICAL = "clinical_biochemical", "Clinical-biochemical study"
    ANIMAL = "animal", "Animal study (in vivo)"
    IN_VITRO = "in_vitro", "In-vitro study"
    IN_SILICO = "in_silico", "In-silico study"
    NARRATIVE_REVIEW = "narrative_review", "Narrative review"
    REGULATORY = "regulatory", "Regulatory document"
    OTHER = "other", "Other"


class Population(models.TextChoices):
    HUMAN = "human", "Human"
    ANIMAL = "animal", "Animal"
    IN_VITRO = "in_vitro", "In vitro (cells, tissue)"
    IN_SILICO = "in_silico", "In silico"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


class Verification(models.TextChoices):
    VERIFIED = "verified", "Verified"
    PROBABLE = "probable", "Probable"
    UNVERIFIED = "unverified", "Unverified"


class SourceQuerySet(models.QuerySet):
    def for_keys(self, keys):
        """Sources matching citation keys, including doi:… and pmid:… forms."""
        plain, dois, pmids = set(), set(), set()
        for key in keys:
            lowered = key.lower()
            if lowered.startswith("doi:"):
                dois.add(normalize_doi(key[4:]))
            elif lowered.startswith("pmid:"):
                digits = key[5:].strip()
                if digits.isdigit():
                    pmids.add(int(digits))
            else:
                plain.add(key)
        query = Q(pk__in=[])
        if plain:
            query |= Q(key__in=plain)
        if dois:
            query |= Q(doi__in=dois)
        if pmids:
            query |= Q(pmid__in=pmids)
        return self.filter(query)


class SourceManager(models.Manager.from_queryset(SourceQuerySet)):
    def get_by_natural_key(self, key):
        return self.get(key=key)


class Source(models.Model):
    """A publication or document that profiles cite."""

    key = models.SlugField("citation key", max_length=80, unique=True, allow_unicode=False, help_text=CITATION_KEY_HELP)
    authors = models.CharField(
        max_length=1000,
        blank=True,
        help_text="Vancouver style: “Kasian A, Kolomin T, Andreeva L, et al.” Leave empty if unknown.",
    )
    title = models.CharField(
        max_length=1000,
        blank=True,
        help_text="Title in the original language, as published. May be empty for a non-English "
        "article when only its translated title is known.",
    )
    translated_title = models.CharField(
        max_length=1000,
        blank=True,
        help_text="English translation of a non-English title; shown in [square brackets].",
    )
    language = models.CharField(
        max_length=12,
        default="en",
        help_text="Language of the publication as an ISO 639-1 code (en, ru, de…).",
    )
    journal = models.CharField(
        max_length=300, blank=True, help_text="Journal as abbreviated in PubMed (NLM), e.g. Behav Neurol."
    )
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    volume = models.CharField(max_length=40, blank=True)
    issue = models.CharField(max_length=40, blank=True)
    pages = models.CharField(max_length=40, blank=True, help_text="Page range, e.g. 153-160.")
    article_number = models.CharField(
        max_length=40, blank=True, help_text="Electronic article number when there are no pages, e.g. 5091027."
    )
    doi = models.CharField(
        "DOI",
        max_length=255,
        blank=True,
        validators=[validate_doi],
        help_text="Stored without https://doi.org/ and lower-cased, e.g. 10.1155/2017/5091027.",
    )
    pmid = models.PositiveBigIntegerField("PMID", null=True, blank=True, help_text="PubMed ID, digits only.")
    pmcid = models.CharField(
        "PMCID", max_length=20, blank=True, validators=[validate_pmcid], help_text="PubMed Central ID, e.g. PMC5322660."
    )
    url = models.URLField("URL", max_length=500, blank=True, help_text="Where the record or full text can be read.")
    translation_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="translations",
        help_text="If this article is a translation, the original-language publication.",
    )
    study_design = models.CharField(max_length=40, choices=StudyDesign.choices, default=StudyDesign.OTHER)
    design_detail = models.TextField(
        blank=True, help_text="What was done: model, doses, comparator, outcomes. Plain text."
    )
    population = models.CharField(
        max_length=20,
        choices=Population.choices,
        default=Population.NOT_APPLICABLE,
        help_text="Human, animal, in vitro… Animal and in-vitro work never counts as human evidence.",
    )
    species = models.CharField(
        max_length=200, blank=True, help_text="E.g. “rats (Wistar)”, “human (patients with GAD)”."
    )
    sample_size = models.PositiveIntegerField(
        null=True, blank=True, help_text="Total participants or animals, if stated."
    )
    sample_size_note = models.CharField(
        max_length=200, blank=True, help_text="E.g. “selank 30, medazepam 32” or “not stated in abstract”."
    )
    verification = models.CharField(
        max_length=12,
        choices=Verification.choices,
        default=Verification.UNVERIFIED,
        help_text="Verified: every field checked against PubMed or the publisher. Probable: core checked, "
        "some fields from secondary sources. Unverified: not checked.",
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="checked_sources",
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    verification_note = models.TextField(
        blank=True,
        help_text="Shown to readers: what differs from how the source was cited, what is still unconfirmed.",
    )
    provenance = models.TextField(
        blank=True, help_text="For editors: where each field was seen (URLs). Not shown to readers."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SourceManager()

    class Meta:
        ordering = ["key"]
        verbose_name = "source"
        verbose_name_plural = "sources"
        constraints = [
            models.UniqueConstraint(
                fields=["doi"],
                condition=~Q(doi=""),
                name="source_doi_unique",
                violation_error_message="Another source already has this DOI.",
            ),
            models.UniqueConstraint(
                fields=["pmid"],
                name="source_pmid_unique",
                violation_error_message="Another source already has this PMID.",
            ),
            models.UniqueConstraint(
                fields=["pmcid"],
                condition=~Q(pmcid=""),
                name="source_pmcid_unique",
                violation_error_message="Another source already has this PMCID.",
            ),
            models.CheckConstraint(
                condition=~Q(title="") | ~Q(translated_title=""),
                name="source_has_title",
                violation_error_message="Give a title, a translated title, or both.",
            ),
            models.CheckConstraint(
                condition=Q(doi=Lower("doi")),
                name="source_doi_lowercase",
                violation_error_message="DOIs are stored in lower case.",
            ),
            models.CheckConstraint(
                condition=Q(pmcid="") | Q(pmcid__startswith="PMC"),
                name="source_pmcid_format",
                violation_error_message="A PMCID starts with PMC.",
            ),
            models.CheckConstraint(
                condition=Q(year__isnull=True) | Q(year__gte=1800, year__lte=2100),
                name="source_year_range",
                violation_error_message="Year must be between 1800 and 2100.",
            ),
            models.CheckConstraint(
                condition=~Q(translation_of=models.F("pk")),
                name="source_not_translation_of_itself",
                violation_error_message="A source cannot be a translation of itself.",
            ),
        ]

    def __str__(self):
        first_author = self.authors.split(",")[0].strip() if self.authors else "Anon."
        year = self.year or "n.d."
        return f"{self.key} — {first_author} {year}: {self.display_title[:80]}"

    def natural_key(self):
        return (self.key,)

    def normalize(self):
        self.doi = normalize_doi(self.doi)
        self.pmcid = normalize_pmcid(self.pmcid)
        self.pmid = normalize_pmid(self.pmid)

    def clean_fields(self, exclude=None):
        # Normalise before field validation so a pasted https://doi.org/… URL is accepted.
        self.normalize()
        super().clean_fields(exclude=exclude)

    def save(self, *args, **kwargs):
        self.normalize()
        super().save(*args, **kwargs)

    @property
    def display_title(self):
        if self.title and self.translated_title:
            return f"{self.title} [{self.translated_title}]"
        if self.translated_title:
            return f"[{self.translated_title}]"
        return self.title

    @property
    def doi_url(self):
        return f"https://doi.org/{self.doi}" if self.doi else ""

    @property
    def pubmed_url(self):
        return f"https://pubmed.ncbi.nlm.nih.gov/{self.pmid}/" if self.pmid else ""

    @property
    def pmc_url(self):
        return f"https://pmc.ncbi.nlm.nih.gov/articles/{self.pmcid}/" if self.pmcid else ""

    @property
    def is_preclinical(self):
        return self.population in {Population.ANIMAL, Population.IN_VITRO, Population.IN_SILICO}

    def get_admin_url(self):
        return reverse("admin:evidence_source_change", args=[self.pk])
