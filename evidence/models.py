from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.text import capfirst

from .fields import DOIField, PMCIDField, PMIDField
from .identifiers import (
    normalize_doi,
    normalize_pmcid,
    normalize_pmid,
    validate_doi,
    validate_pmcid,
)
from .natural_keys import NaturalKeyModel

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
    doi = DOIField(
        "DOI",
        max_length=255,
        blank=True,
        validators=[validate_doi],
        help_text="E.g. 10.1155/2017/5091027. A doi.org link or “doi:” label can be pasted as it is: the DOI is "
        "stored bare and lower-cased.",
    )
    pmid = PMIDField(
        "PMID",
        null=True,
        blank=True,
        help_text="PubMed ID, e.g. 28280289. “PMID: 28280289” or a PubMed link can be pasted as they are.",
    )
    pmcid = PMCIDField(
        "PMCID",
        max_length=20,
        blank=True,
        validators=[validate_pmcid],
        help_text="PubMed Central ID, e.g. PMC5322660. The digits alone or a PubMed Central link can be pasted as they "
        "are.",
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
        serialize=False,  # accounts belong to one site; fixtures carry the verification state, not the checker
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    verification_note = models.TextField(
        blank=True,
        help_text="Shown to readers: what differs from how the source was cited, what is still unconfirmed.",
    )
    provenance = models.TextField(
        blank=True, help_text="For editors: where each field was seen (URLs). Not shown to readers."
    )
    research_group = models.CharField(
        max_length=200,
        blank=True,
        help_text="Lab or institute behind the study, e.g. “Institute of Molecular Genetics RAS”. Used to flag "
        "outcomes whose studies all come from one group (shared authors are detected too).",
    )
    retracted = models.BooleanField(default=False, help_text="The publication has been retracted.")
    retracted_on = models.DateField("retraction date", null=True, blank=True)
    retraction_notice_url = models.URLField("retraction notice", max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SourceManager()

    class Meta:
        ordering = ["key"]
        verbose_name = "source"
        verbose_name_plural = "sources"
        permissions = [
            ("import_source", "Can import sources from files"),
            ("export_source", "Can export sources to files"),
        ]
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
                condition=Q(retracted=True) | (Q(retracted_on__isnull=True) & Q(retraction_notice_url="")),
                name="source_retraction_details_need_flag",
                violation_error_message="A retraction date or notice needs “retracted” ticked.",
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


class Direction(models.TextChoices):
    BENEFIT = "benefit", "Benefit"
    HARM = "harm", "Harm"
    NO_EFFECT = "no_effect", "No effect"
    MIXED = "mixed", "Mixed"


class OutcomeManager(models.Manager):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Outcome(models.Model):
    """An outcome evidence is graded for: anxiety, memory, stress resilience…"""

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.CharField(max_length=300, blank=True, help_text="What counts under this outcome.")
    position = models.PositiveSmallIntegerField(default=0, help_text="Order in the evidence table.")

    objects = OutcomeManager()

    class Meta:
        ordering = ["position", "name"]
        verbose_name = "outcome"
        verbose_name_plural = "outcomes"

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)


# A finding's study fields that raise or lower its grade: set differently from the source's, they need a reason.
DEVIATION_FIELDS = ("population", "study_design")


# What migration 0006 wrote where a finding already differed from its source: a publish check asks for the real one.
UNEXPLAINED_DEVIATION = "Recorded before reasons were required; check against the source."


class Finding(NaturalKeyModel):
    """One result of one source for one outcome of one compound."""

    NATURAL_KEY = ("compound__slug", "outcome__slug", "source__key", "claim")

    compound = models.ForeignKey("compounds.Compound", on_delete=models.CASCADE, related_name="findings")
    outcome = models.ForeignKey(Outcome, on_delete=models.PROTECT, related_name="findings")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="findings")
    direction = models.CharField(max_length=12, choices=Direction.choices, default=Direction.BENEFIT)
    magnitude = models.CharField(
        max_length=200,
        blank=True,
        help_text="Effect size when known, e.g. “withdrawal index −39.6% vs −49.3% diazepam”.",
    )
    population = models.CharField(
        max_length=20,
        choices=Population.choices,
        blank=True,
        help_text="Empty: taken from the source. Set it only when this finding differs, with the reason.",
    )
    species = models.CharField(max_length=200, blank=True, help_text="Empty: taken from the source.")
    study_design = models.CharField(
        max_length=40,
        choices=StudyDesign.choices,
        blank=True,
        help_text="Empty: taken from the source. Set it only when this finding differs, with the reason.",
    )
    sample_size = models.PositiveIntegerField(null=True, blank=True, help_text="Empty: taken from the source.")
    deviation_reason = models.TextField(
        "reason for differing from the source",
        blank=True,
        help_text="Why this finding's population or design differs from its source's, e.g. “the paper's "
        "second experiment was a randomised trial in volunteers”. Needed when either is set; shown to readers "
        "with the grade, which counts this finding's values instead of the source's.",
    )
    claim = models.TextField(help_text="The sentence of the profile this finding supports.")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["compound", "outcome", "position", "id"]
        verbose_name = "finding"
        verbose_name_plural = "findings"
        constraints = [
            models.UniqueConstraint(
                fields=["compound", "outcome", "source", "claim"],
                name="finding_unique",
                violation_error_message="This finding is already recorded.",
            ),
            # clean() and save() blank a value equal to the source's, so a value still set here differs from it.
            models.CheckConstraint(
                condition=(Q(population="") & Q(study_design="")) | ~Q(deviation_reason=""),
                name="finding_deviation_needs_reason",
                violation_error_message="A population or study design that differs from the source's needs a "
                "written reason.",
            ),
        ]

    def __str__(self):
        return f"{self.outcome}: {self.get_direction_display()} ({self.source.key})"

    def clean(self):
        super().clean()
        if self.source_id is None:
            return  # the missing source is reported on its own field
        self.blank_values_of_source()
        if self.deviation_reason.strip():
            return
        messages = [
            f"{capfirst(self._meta.get_field(name).verbose_name)} is {ours} but the source says {theirs}: "
            "give the reason."
            for name, ours, theirs in self.deviations()
        ]
        if messages:
            raise ValidationError({"deviation_reason": messages})

    def save(self, *args, **kwargs):
        if self.source_id is not None and (self.population or self.study_design):
            self.blank_values_of_source()
        super().save(*args, **kwargs)

    def blank_values_of_source(self):
        """A value equal to the source's is stored blank: it says nothing the source does not, and would need a
        reason (see the constraint) for no difference."""
        for name in DEVIATION_FIELDS:
            if getattr(self, name) == getattr(self.source, name):
                setattr(self, name, "")

    def deviations(self):
        """(field name, this finding's value, the source's value), as labels, for each study field where this
        finding says something other than its source."""
        return [
            (name, self._choice_label(name, getattr(self, name)), self._choice_label(name, getattr(self.source, name)))
            for name in DEVIATION_FIELDS
            if getattr(self, name) and getattr(self, name) != getattr(self.source, name)
        ]

    def _choice_label(self, name, value):
        return dict(self._meta.get_field(name).flatchoices).get(value, value)

    @property
    def effective_population(self):
        return self.population or self.source.population

    @property
    def effective_design(self):
        return self.study_design or self.source.study_design

    @property
    def effective_sample_size(self):
        return self.sample_size if self.sample_size is not None else self.source.sample_size

    @property
    def effective_species(self):
        return self.species or self.source.species


class OutcomeGrade(NaturalKeyModel):
    """An editor's override of the computed grade for one outcome of one compound. Always with a reason."""

    NATURAL_KEY = ("compound__slug", "outcome__slug")

    compound = models.ForeignKey("compounds.Compound", on_delete=models.CASCADE, related_name="outcome_grades")
    outcome = models.ForeignKey(Outcome, on_delete=models.PROTECT, related_name="grades")
    level = models.PositiveSmallIntegerField(
        choices=[(n, f"Level {n}") for n in range(1, 6)],
        help_text="The OCEBM level to show instead of the computed one.",
    )
    reason = models.TextField(help_text="Why the computed grade is wrong. Shown to readers.")
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        serialize=False,
    )
    set_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["compound", "outcome"]
        verbose_name = "grade override"
        verbose_name_plural = "grade overrides"
        constraints = [
            models.UniqueConstraint(
                fields=["compound", "outcome"],
                name="outcome_grade_unique",
                violation_error_message="This outcome already has an override.",
            ),
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="outcome_grade_needs_reason",
                violation_error_message="An override needs a written reason.",
            ),
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=5),
                name="outcome_grade_level_range",
                violation_error_message="OCEBM levels run from 1 to 5.",
            ),
        ]

    def __str__(self):
        return f"{self.compound}: {self.outcome} → level {self.level}"
