from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.urls import reverse

from .fields import MarkdownField

POSITION_HELP = "Order on the page: lower numbers come first."


# --- Choices ---------------------------------------------------------------


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


# --- Categories ------------------------------------------------------------


class CategoryManager(models.Manager):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Category(models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(
        max_length=80, unique=True, help_text="Used in the URL, e.g. mood-stress → /categories/mood-stress/."
    )
    description = models.TextField(blank=True, help_text="One or two sentences shown on the category page.")
    position = models.PositiveSmallIntegerField(default=0, help_text=POSITION_HELP)

    objects = CategoryManager()

    class Meta:
        ordering = ["position", "name"]
        verbose_name = "category"
        verbose_name_plural = "categories"

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)

    def get_absolute_url(self):
        return reverse("compounds:category", args=[self.slug])


# --- Compound --------------------------------------------------------------


class CompoundQuerySet(models.QuerySet):
    def published(self):
        """Profiles readers may see: published and with a frozen public version."""
        return self.filter(status=Status.PUBLISHED, live_snapshot__isnull=False)

    def drafts(self):
        return self.exclude(status=Status.PUBLISHED)


class CompoundManager(models.Manager.from_queryset(CompoundQuerySet)):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Compound(models.Model):
    """A compound profile: the draft that editors change. Readers see its published snapshot."""

    # Identity
    name = models.CharField(max_length=120, help_text="Common name, e.g. Selank.")
    slug = models.SlugField(max_length=120, unique=True, help_text="Used in the URL, e.g. selank → /compounds/selank/.")
    descriptor = models.CharField(
        max_length=160,
        blank=True,
        help_text="Short descriptor shown after the name, e.g. “Russian Anxiolytic Peptide”.",
    )
    kind = models.CharField(max_length=20, choices=CompoundKind.choices, default=CompoundKind.PEPTIDE)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="variants",
        help_text="For a variant form (e.g. N-Acetyl Selank): the compound it is a form of.",
    )
    form_note = models.CharField(
        max_length=200,
        blank=True,
        help_text="One line for the “Forms available” table, e.g. “Enhanced stability, slightly stronger”.",
    )
    categories = models.ManyToManyField(Category, blank=True, related_name="compounds")
    featured = models.BooleanField(default=False, help_text="Show on the home page under “Featured”.")

    # Header and intro
    summary = models.CharField(
        max_length=300,
        blank=True,
        help_text="One line under the name, e.g. “A peptide studied for anxiety reduction…”.",
    )
    what_is_this = MarkdownField("What is this?", help_text="Short introduction in Markdown. Cite with [@key].")

    # Badges
    evidence_level_best = models.PositiveSmallIntegerField(
        "evidence level (best)",
        choices=EvidenceLevel.choices,
        null=True,
        blank=True,
        help_text="OCEBM level of the strongest evidence. For a range such as 3-4, this is 3.",
    )
    evidence_level_worst = models.PositiveSmallIntegerField(
        "evidence level (weakest)",
        choices=EvidenceLevel.choices,
        null=True,
        blank=True,
        help_text="Upper end of a range such as 3-4 (here 4). Leave empty for a single level.",
    )
    evidence_scheme = models.CharField(max_length=20, choices=EvidenceScheme.choices, default=EvidenceScheme.OCEBM_2011)
    evidence_note = models.CharField(
        max_length=200, blank=True, help_text="Basis of the level, e.g. “Russian approval + clinical trials”."
    )
    risk_profile = models.CharField(max_length=12, choices=RiskProfile.choices, default=RiskProfile.UNKNOWN)
    risk_note = models.CharField(max_length=200, blank=True, help_text="Optional reason shown beside the risk badge.")

    # Chemistry (peptides)
    sequence = models.CharField(
        max_length=400,
        blank=True,
        validators=[
            RegexValidator(
                r"^[A-Z][a-z]{2}(-[A-Z][a-z]{2})*$",
                "Write the sequence in three-letter codes joined by hyphens, e.g. Thr-Lys-Pro-Arg-Pro-Gly-Pro.",
            )
        ],
        help_text="Amino-acid sequence, N- to C-terminus, three-letter codes: Thr-Lys-Pro-Arg-Pro-Gly-Pro.",
    )
    n_terminus = models.CharField(max_length=10, choices=Terminus.choices, default=Terminus.FREE)
    c_terminus = models.CharField(max_length=10, choices=Terminus.choices, default=Terminus.FREE)
    molecular_formula = models.CharField(max_length=60, blank=True, help_text="As stated, e.g. C33H57N11O9.")
    molecular_weight = models.DecimalField(
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text="Average molecular weight in g/mol, as stated.",
    )

    # Administration
    route = models.CharField(
        "main route", max_length=20, choices=Route.choices, blank=True, help_text="Main route of administration."
    )
    route_rationale = MarkdownField(
        help_text="Why this route (shown under “Why Intranasal” and the like): a Markdown list or short paragraph."
    )

    # Dosing
    daily_max_low = models.DecimalField(
        "daily maximum (from)",
        max_digits=10,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Stated daily maximum. For “1.5–2.0 mg/day” enter 1.5 here and 2.0 below.",
    )
    daily_max_high = models.DecimalField(
        "daily maximum (to)",
        max_digits=10,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    daily_max_unit = models.CharField(max_length=8, choices=DoseUnit.choices, blank=True)
    daily_max_note = MarkdownField(
        help_text="The daily-maximum statement as written, e.g. “Do not exceed **1.5–2.0 mg/day total** (divided).”"
    )
    cycling_label = models.CharField(
        max_length=80, blank=True, help_text="Qualifier shown after “Cycling”, e.g. “Russian Protocol”."
    )
    cycling = MarkdownField(help_text="Cycling regimens, usually a Markdown list.")
    side_effects_note = MarkdownField(help_text="Shown under the side-effects table.")

    # Where to buy (kept apart from the evidence on the page)
    vendor_count_reported = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Number of vendors known to carry it, when individual offers are not recorded.",
    )
    vendors_checked_on = models.DateField(null=True, blank=True, help_text="When vendor availability was last checked.")

    # Workflow
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True)
    live_snapshot = models.OneToOneField(
        "ProfileSnapshot",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="live_for",
        editable=False,
        help_text="The published version readers see.",
    )
    go_live_at = models.DateTimeField(
        "publish at",
        null=True,
        blank=True,
        editable=False,
        help_text="Scheduled publication: the draft is published at this time by `publish_scheduled`.",
    )
    expire_at = models.DateTimeField(
        "unpublish at",
        null=True,
        blank=True,
        editable=False,
        help_text="Scheduled expiry: the profile is taken off the site at this time.",
    )
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        help_text="Reviewer who scheduled the publication; recorded as its publisher.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CompoundManager()

    # Changed only through services (publish, unpublish, review); editorial saves leave them alone.
    WORKFLOW_FIELDS = ("status", "live_snapshot", "go_live_at", "expire_at", "scheduled_by")

    class Meta:
        ordering = ["name"]
        verbose_name = "compound"
        verbose_name_plural = "compounds"
        permissions = [
            ("publish_compound", "Can publish and unpublish compound profiles"),
            ("preview_compound", "Can preview unpublished compound profiles"),
        ]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="compound_name_unique_ci",
                violation_error_message="A compound with this name exists.",
            ),
            models.CheckConstraint(
                condition=Q(evidence_level_best__isnull=True)
                | Q(evidence_level_best__gte=1, evidence_level_best__lte=5),
                name="compound_evidence_best_range",
                violation_error_message="OCEBM levels run from 1 to 5.",
            ),
            models.CheckConstraint(
                condition=Q(evidence_level_worst__isnull=True)
                | (
                    Q(evidence_level_best__isnull=False)
                    & Q(evidence_level_worst__gte=F("evidence_level_best"))
                    & Q(evidence_level_worst__lte=5)
                ),
                name="compound_evidence_range_ordered",
                violation_error_message="The weaker end of an evidence range needs a best level and must be "
                "the same or a higher number (e.g. 3-4).",
            ),
            models.CheckConstraint(
                condition=Q(daily_max_low__isnull=True)
                | Q(daily_max_high__isnull=True)
                | Q(daily_max_high__gte=F("daily_max_low")),
                name="compound_daily_max_ordered",
                violation_error_message="Daily maximum: “to” must not be below “from”.",
            ),
            models.CheckConstraint(
                condition=(Q(daily_max_low__isnull=True) & Q(daily_max_high__isnull=True)) | ~Q(daily_max_unit=""),
                name="compound_daily_max_has_unit",
                violation_error_message="Give a unit for the daily maximum.",
            ),
            models.CheckConstraint(
                condition=~Q(parent=F("pk")),
                name="compound_not_own_parent",
                violation_error_message="A compound cannot be a variant of itself.",
            ),
            models.CheckConstraint(
                condition=Q(go_live_at__isnull=True) | Q(expire_at__isnull=True) | Q(expire_at__gt=F("go_live_at")),
                name="compound_schedule_ordered",
                violation_error_message="The unpublish time must come after the publish time.",
            ),
        ]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)

    def save_content(self):
        """Save editorial fields only, so a stale instance cannot undo a concurrent publish."""
        if self._state.adding:
            self.save()
            return
        fields = [
            field.name
            for field in self._meta.concrete_fields
            if not field.primary_key and field.name not in self.WORKFLOW_FIELDS
        ]
        self.save(update_fields=fields)

    def get_absolute_url(self):
        return reverse("compounds:detail", args=[self.slug])

    def get_preview_url(self):
        return reverse("compounds:preview", args=[self.slug])

    @property
    def is_live(self):
        return self.status == Status.PUBLISHED and self.live_snapshot_id is not None

    @property
    def evidence_level_display(self):
        if self.evidence_level_best is None:
            return ""
        if self.evidence_level_worst and self.evidence_level_worst != self.evidence_level_best:
            return f"{self.evidence_level_best}-{self.evidence_level_worst}"
        return str(self.evidence_level_best)


# --- Child rows ------------------------------------------------------------


class CompoundChild(models.Model):
    """Rows that belong to one compound and are shown in editor-chosen order."""

    compound = models.ForeignKey(Compound, on_delete=models.CASCADE)
    position = models.PositiveSmallIntegerField(default=0, help_text=POSITION_HELP)

    class Meta:
        abstract = True
        ordering = ["compound", "position", "id"]


class Synonym(CompoundChild):
    compound = models.ForeignKey(Compound, on_delete=models.CASCADE, related_name="synonyms")
    name = models.CharField(max_length=160)
    kind = models.CharField(max_length=12, choices=SynonymKind.choices, default=SynonymKind.SYNONYM)

    class Meta(CompoundChild.Meta):
        verbose_name = "synonym"
        verbose_name_plural = "synonyms"
        constraints = [
            models.UniqueConstraint(
                "compound",
                Lower("name"),
                name="synonym_unique_per_compound",
                violation_error_message="This synonym is already listed.",
            )
        ]

    def __str__(self):
        return self.name


class RegulatoryStatus(CompoundChild):
    compound = models.ForeignKey(Compound, on_delete=models.CASCADE, related_name="regulatory_statuses")
    jurisdiction = models.CharField(max_length=80, help_text="Country or region as readers know it, e.g. Russia, USA.")
    authority = models.CharField(max_length=120, blank=True, help_text="E.g. Ministry of Health, FDA.")
    state = models.CharField(max_length=16, choices=RegulatoryState.choices, default=RegulatoryState.UNKNOWN)
    year = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1900), MaxValueValidator(2100)]
    )
    verified_on = models.DateField(
        null=True, blank=True, help_text="When someone checked this against the official register. Empty = unverified."
    )
    note = MarkdownField(help_text="Context and citations, e.g. “Registration documents [@ru-moh-registration]”.")

    class Meta(CompoundChild.Meta):
        verbose_name = "regulatory status"
        verbose_name_plural = "regulatory statuses"
        constraints = [
            models.UniqueConstraint(
                fields=["compound", "jurisdiction"],
                name="regulatory_status_unique_jurisdiction",
                violation_error_message="This jurisdiction already has a status; edit that row.",
            )
        ]

    def __str__(self):
        return self.label

    @property
    def label(self):
        text = f"{self.get_state_display()} in {self.jurisdiction}"
        if self.state == RegulatoryState.NOT_APPROVED and self.authority:
            text = f"Not {self.authority} approved"
        return f"{text} ({self.year})" if self.year else text


class Specification(CompoundChild):
    compound = models.ForeignKey(Compound, on_delete=models.CASCADE, related_name="specifications")
    label = models.CharField(max_length=80, help_text="E.g. Origin, Half-life, Administration.")
    value = models.CharField(max_length=300, help_text="As readers should see it. Inline Markdown allowed.")

    class Meta(CompoundChild.Meta):
        verbose_name = "key specification"
        verbose_name_plural = "key specifications"
        constraints = [
            models.UniqueConstraint(
                fields=["compound", "label"],
                name="specification_unique_label",
                violation_error_message="This property is already listed.",
            )
        ]

    def __str__(self):
        return f"{self.label}: {self.value}"


class GlossaryTerm(CompoundChild):
    compound = models.ForeignKey(Compound, on_delete=models.CASCADE, related_name="glossary_terms")
    term = models.CharField(max_length=80)
    meaning = models.CharField(max_length=400)

    class Meta(CompoundChild.Meta):
        verbose_name = "glossary term"
        verbose_name_plural = "glossary"
        constraints = [
            models.UniqueConstraint(
                "compound",
                Lower("term"),
                name="glossary_term_unique",
                violation_error_message="This term is already in the glossary.",
            )
        ]

    def __str__(self):
        return self.term


class Section(CompoundChild):
    compound = models.ForeignKey(Compound, on_delete=models.CASCADE, related_name="sections")
    title = models.CharField(max_length=160)
    anchor = models.SlugField(
        max_length=80, help_text="Id for links and the table of contents, e.g. clinical-evidence."
    )
    level = models.PositiveSmallIntegerField(
        choices=[(2, "Section"), (3, "Subsection")],
        default=2,
        help_text="Subsections nest under the section before them.",
    )
    body = MarkdownField(help_text="Markdown. Cite with [@key], [@a; @b] or [@key, p. 4].")

    class Meta(CompoundChild.Meta):
        verbose_name = "section"
        verbose_name_plural = "sections"
        constraints = [
            models.UniqueConstraint(
                fields=["compound", "anchor"],
                name="section_unique_anchor",
                violation_error_message="Another section of this compound uses this anchor.",
            )
        ]

    def __str__(self):
        return self.title


class ComparisonTable(CompoundChild):
    compound = models.ForeignKey(Compound, on_delete=models.CASCADE, related_name="comparison_tables")
    title = models.CharField(max_length=160, help_text="E.g. “Why Selank is Unique”, “Selank vs Semax”.")
    anchor = models.SlugField(max_length=80)
    row_header = models.CharField(max_length=60, default="Property", help_text="Heading of the first column.")
    subject_label = models.CharField(max_length=80, help_text="Heading of the compound's column, e.g. Selank.")
    other_label = models.CharField(max_length=80, help_text="Heading of the comparator's column, e.g. Benzodiazepines.")
    other_compound = models.ForeignKey(
        Compound,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="compared_in",
        help_text="If the comparator is a compound in Monograph, link it.",
    )
    note = MarkdownField(help_text="Shown under the table, e.g. “**Clinical significance:** …”.")

    class Meta(CompoundChild.Meta):
        verbose_name = "comparison table"
        verbose_name_plural = "comparison tables"
        constraints = [
            models.UniqueConstraint(
                fields=["compound", "anchor"],
                name="comparison_unique_anchor",
                violation_error_message="Another comparison table of this compound uses this anchor.",
            )
        ]

    def __str__(self):
        return self.title


class ComparisonRow(models.Model):
    table = models.ForeignKey(ComparisonTable, on_delete=models.CASCADE, related_name="rows")
    position = models.PositiveSmallIntegerField(default=0, help_text=POSITION_HELP)
    label = models.CharField(max_length=120)
    subject_value = models.CharField(max_length=200, help_text="Inline Markdown allowed, e.g. **None**.")
    other_value = models.CharField(
        max_length=200, blank=True, help_text="Leave empty when one value covers both columns."
    )

    class Meta:
        ordering = ["table", "position", "id"]
        verbose_name = "comparison row"
        verbose_name_plural = "comparison rows"

    def __str__(self):
        return self.label


class UseCase(CompoundChild):
    compound = models.ForeignKey(Compound, on_delete=models.CASCADE, related_name="use_cases")
    title = models.CharField(max_length=160)
    anchor = models.SlugField(max_length=80)
    body = MarkdownField(help_text="Rationale and practice, Markdown with citations.")

    class Meta(CompoundChild.Meta):
        verbose_name = "use case"
        verbose_name_plural = "use cases"
        constraints = [
            models.UniqueConstraint(
                fields=["compound", "anchor"],
                name="use_case_unique_anchor",
                violation_error_message="Another use case of this compound uses this anchor.",
            )
        ]

    def __str__(self):
        return self.title


class DosingProtocol(CompoundChild):
    compound = models.ForeignKey(Compound, on_delete=models.CASCADE, related_name="dosing_protocols")
    name = models.CharField(max_length=80, help_text="E.g. Standard, As-needed, Daily maintenance.")
    use_case = models.ForeignKey(
        UseCase,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="protocols",
        help_text="Use case this protocol belongs to (same compound). Save new use cases first.",
    )
    in_summary = models.BooleanField(default=True, help_text="List in the dosing summary table.")
    amount_low = models.DecimalField(
        max_digits=10,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0.001"))],
        help_text="Lowest single dose; for “250-500mcg” enter 250.",
    )
    amount_high = models.DecimalField(
        max_digits=10,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.001"))],
        help_text="Highest single dose; empty for a single amount.",
    )
    unit = models.CharField(max_length=8, choices=DoseUnit.choices)
    amount_text = models.CharField(
        "dose as written", max_length=80, help_text="Shown to readers exactly as written, e.g. “250-500mcg”."
    )
    doses_per_day_low = models.PositiveSmallIntegerField(null=True, blank=True, help_text="For “2-3x daily” enter 2.")
    doses_per_day_high = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="For “2-3x daily” enter 3. Empty when not a daily schedule (as-needed)."
    )
    frequency_text = models.CharField(
        "frequency as written", max_length=120, help_text="E.g. “2-3x daily”, “Before stressful event”."
    )
    timing = models.CharField(max_length=160, blank=True, help_text="E.g. “30-60 minutes before the event”.")
    duration = models.CharField(max_length=160, blank=True, help_text="E.g. “10-14 day courses”, “2-6 week cycles”.")
    route = models.CharField(max_length=20, choices=Route.choices, blank=True)
    species = models.CharField(
        max_length=80, default="human", help_text="Species the dose applies to. Animal doses are labelled with it."
    )

    class Meta(CompoundChild.Meta):
        verbose_name = "dosing protocol"
        verbose_name_plural = "dosing protocols"
        constraints = [
            models.UniqueConstraint(
                fields=["compound", "name"],
                name="dosing_protocol_unique_name",
                violation_error_message="A protocol with this name exists for this compound.",
            ),
            models.CheckConstraint(
                condition=Q(amount_high__isnull=True) | Q(amount_high__gte=F("amount_low")),
                name="dosing_amount_ordered",
                violation_error_message="The highest dose must not be below the lowest dose.",
            ),
            models.CheckConstraint(
                condition=Q(doses_per_day_low__isnull=True)
                | Q(doses_per_day_high__isnull=True)
                | Q(doses_per_day_high__gte=F("doses_per_day_low")),
                name="dosing_frequency_ordered",
                violation_error_message="Doses per day: “to” must not be below “from”.",
            ),
        ]

    def __str__(self):
        return f"{self.name}: {self.amount_text}, {self.frequency_text}"

    @property
    def is_animal_dose(self):
        return self.species.strip().lower() not in {"", "human", "humans"}


class AdministrationStep(CompoundChild):
    compound = models.ForeignKey(Compound, on_delete=models.CASCADE, related_name="administration_steps")
    route = models.CharField(max_length=20, choices=Route.choices, default=Route.INTRANASAL)
    text = models.CharField(max_length=300)

    class Meta(CompoundChild.Meta):
        verbose_name = "administration step"
        verbose_name_plural = "administration steps"

    def __str__(self):
        return self.text


class TimeCourse(CompoundChild):
    compound = models.ForeignKey(Compound, on_delete=models.CASCADE, related_name="time_course")
    phase = models.CharField(max_length=10, choices=TimePhase.choices)
    text = models.CharField("as written", max_length=80, help_text="E.g. “10-20 minutes”.")
    minutes_low = models.PositiveIntegerField(null=True, blank=True, help_text="Same span in minutes, lower bound.")
    minutes_high = models.PositiveIntegerField(null=True, blank=True, help_text="Upper bound in minutes.")

    class Meta(CompoundChild.Meta):
        verbose_name = "onset / peak / duration"
        verbose_name_plural = "onset / peak / duration"
        constraints = [
            models.UniqueConstraint(
                fields=["compound", "phase"],
                name="time_course_unique_phase",
                violation_error_message="This phase is already given.",
            ),
            models.CheckConstraint(
                condition=Q(minutes_low__isnull=True)
                | Q(minutes_high__isnull=True)
                | Q(minutes_high__gte=F("minutes_low")),
                name="time_course_ordered",
                violation_error_message="The upper bound must not be below the lower bound.",
            ),
        ]

    def __str__(self):
        return f"{self.get_phase_display()}: {self.text}"


class TimelineEntry(CompoundChild):
    compound = models.ForeignKey(Compound, on_delete=models.CASCADE, related_name="timeline")
    timeframe = models.CharField(max_length=60, help_text="E.g. Day 1, Days 5-7, Ongoing.")
    effects = models.CharField("reported effects", max_length=300)

    class Meta(CompoundChild.Meta):
        verbose_name = "experience timeline entry"
        verbose_name_plural = "experience timeline"

    def __str__(self):
        return f"{self.timeframe}: {self.effects}"


class SideEffect(CompoundChild):
    compound = models.ForeignKey(Compound, on_delete=models.CASCADE, related_name="side_effects")
    effect = models.CharField(max_length=120)
    frequency = models.CharField(
        max_length=12,
        choices=SideEffectFrequency.choices,
        default=SideEffectFrequency.NOT_KNOWN,
        help_text="CIOMS category, for sorting and filtering.",
    )
    frequency_text = models.CharField(
        "frequency as written", max_length=80, blank=True, help_text="Shown to readers, e.g. “Occasional (high doses)”."
    )
    note = models.CharField(max_length=300, blank=True)

    class Meta(CompoundChild.Meta):
        verbose_name = "side effect"
        verbose_name_plural = "side effects"
        constraints = [
            models.UniqueConstraint(
                "compound",
                Lower("effect"),
                name="side_effect_unique",
                violation_error_message="This side effect is already listed.",
            )
        ]

    def __str__(self):
        return self.effect

    @property
    def frequency_display(self):
        return self.frequency_text or self.get_frequency_display()


class Contraindication(CompoundChild):
    compound = models.ForeignKey(Compound, on_delete=models.CASCADE, related_name="contraindications")
    condition = models.CharField(max_length=200)
    qualifier = models.CharField(max_length=120, blank=True, help_text="E.g. “no data”, “theoretical”.")

    class Meta(CompoundChild.Meta):
        verbose_name = "contraindication"
        verbose_name_plural = "contraindications"

    def __str__(self):
        return f"{self.condition} ({self.qualifier})" if self.qualifier else self.condition


class Limitation(CompoundChild):
    compound = models.ForeignKey(Compound, on_delete=models.CASCADE, related_name="limitations")
    title = models.CharField(max_length=160, help_text="Shown in bold, e.g. “Not FDA approved”.")
    detail = models.CharField(max_length=300, blank=True, help_text="E.g. “Russian approval only”.")

    class Meta(CompoundChild.Meta):
        verbose_name = "limitation"
        verbose_name_plural = "limitations"

    def __str__(self):
        return self.title


class RelatedCompound(CompoundChild):
    compound = models.ForeignKey(Compound, on_delete=models.CASCADE, related_name="related_links")
    related = models.ForeignKey(Compound, on_delete=models.CASCADE, related_name="related_from")
    relation = models.CharField(max_length=16, choices=Relation.choices, default=Relation.SIMILAR)
    note = models.CharField(max_length=200, blank=True)

    class Meta(CompoundChild.Meta):
        verbose_name = "related compound"
        verbose_name_plural = "related compounds"
        constraints = [
            models.UniqueConstraint(
                fields=["compound", "related"],
                name="related_compound_unique",
                violation_error_message="This compound is already linked.",
            ),
            models.CheckConstraint(
                condition=~Q(compound=F("related")),
                name="related_compound_not_self",
                violation_error_message="A compound cannot be related to itself.",
            ),
        ]

    def __str__(self):
        return f"{self.compound} → {self.related}"


class VendorOffer(CompoundChild):
    compound = models.ForeignKey(Compound, on_delete=models.CASCADE, related_name="vendor_offers")
    vendor = models.CharField(max_length=120)
    amount_mg = models.DecimalField(
        "amount (mg)",
        max_digits=10,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0.001"))],
        help_text="Amount of compound in the product, in mg.",
    )
    price = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0"))])
    currency = models.CharField(
        max_length=3,
        default="USD",
        validators=[RegexValidator(r"^[A-Z]{3}$", "Use a three-letter ISO currency code such as USD.")],
    )
    url = models.URLField("URL", max_length=500)
    checked_on = models.DateField(help_text="When price and availability were checked.")

    class Meta(CompoundChild.Meta):
        verbose_name = "vendor offer"
        verbose_name_plural = "vendor offers"
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_mg__gt=0) & Q(price__gte=0),
                name="vendor_offer_positive",
                violation_error_message="Amount must be positive and price not negative.",
            )
        ]

    def __str__(self):
        return f"{self.vendor}: {self.amount_mg} mg for {self.price} {self.currency}"

    @property
    def price_per_mg(self):
        return (self.price / self.amount_mg).quantize(Decimal("0.01"))


# --- Derived rows ----------------------------------------------------------


class Citation(models.Model):
    """That a compound's profile cites a source. Rebuilt from the Markdown on every save."""

    compound = models.ForeignKey(Compound, on_delete=models.CASCADE, related_name="citations")
    source = models.ForeignKey("evidence.Source", on_delete=models.PROTECT, related_name="citations")
    number = models.PositiveSmallIntegerField(help_text="Reference number on the page (first appearance).")
    uses = models.PositiveSmallIntegerField(default=1, help_text="How many times the page cites it.")

    class Meta:
        ordering = ["compound", "number"]
        verbose_name = "citation"
        verbose_name_plural = "citations"
        constraints = [
            models.UniqueConstraint(fields=["compound", "source"], name="citation_unique_source"),
            models.UniqueConstraint(fields=["compound", "number"], name="citation_unique_number"),
        ]

    def __str__(self):
        return f"{self.compound} [{self.number}] {self.source.key}"


class ProfileSnapshotQuerySet(models.QuerySet):
    def live(self):
        return self.filter(live_for__status=Status.PUBLISHED)


class ProfileSnapshot(models.Model):
    """The frozen public form of one published version of a profile.

    Public pages read this row and nothing else: drafts cannot leak and
    nothing is rendered per request.
    """

    compound = models.ForeignKey(Compound, on_delete=models.CASCADE, related_name="snapshots")
    version = models.PositiveIntegerField()
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120)
    summary = models.CharField(max_length=300, blank=True)
    categories = models.ManyToManyField(Category, blank=True, related_name="snapshots")
    header = models.JSONField(default=dict, help_text="Header data: descriptor, synonyms, badges, category names.")
    body_html = models.TextField(help_text="Rendered, sanitized profile body.")
    citation_count = models.PositiveSmallIntegerField(default=0)
    featured = models.BooleanField(default=False)
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_by_name = models.CharField(max_length=150, blank=True)
    edit_summary = models.CharField(max_length=300, blank=True)
    minor = models.BooleanField(default=False, help_text="Minor versions are hidden from the public change log.")
    references = models.JSONField(default=list, help_text="The reference list as data, for RIS/BibTeX/CSL-JSON export.")
    revision = models.ForeignKey(
        "reversion.Revision",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The editorial revision this version was published from.",
    )

    objects = ProfileSnapshotQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        get_latest_by = "published_at"
        verbose_name = "published version"
        verbose_name_plural = "published versions"
        constraints = [
            models.UniqueConstraint(fields=["compound", "version"], name="snapshot_unique_version"),
        ]

    def __str__(self):
        return f"{self.name} v{self.version} ({self.published_at:%Y-%m-%d})"

    def get_absolute_url(self):
        return reverse("compounds:version", args=[self.slug, self.version])


class RevisionOrigin(models.TextChoices):
    ADMIN = "admin", "Admin edit"
    IMPORT = "import", "Import"
    COMMAND = "command", "Command line"
    REVERT = "revert", "Revert"
    RECOVER = "recover", "Recovered after deletion"
    MERGE = "merge", "Source merge"


class RevisionMeta(models.Model):
    """What django-reversion does not record about a revision: why, how and on top of what."""

    revision = models.OneToOneField("reversion.Revision", on_delete=models.CASCADE, related_name="meta")
    compound = models.ForeignKey(
        Compound,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="revision_metas",
        help_text="The profile this revision belongs to (empty for source revisions).",
    )
    compound_key = models.PositiveBigIntegerField(
        null=True, blank=True, db_index=True, help_text="Compound id, kept after deletion so history survives recovery."
    )
    number = models.PositiveIntegerField(default=1, help_text="Revision number within the compound's history.")
    edit_summary = models.CharField(max_length=300, blank=True)
    minor = models.BooleanField(default=False)
    origin = models.CharField(max_length=12, choices=RevisionOrigin.choices, default=RevisionOrigin.ADMIN)
    origin_detail = models.CharField(
        max_length=300, blank=True, help_text="E.g. the imported file name and row count, or the reverted revision."
    )
    status = models.CharField(
        "state at the time", max_length=12, choices=Status.choices, blank=True, help_text="Workflow state when saved."
    )
    base_revision = models.ForeignKey(
        "reversion.Revision",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The revision the editor's form was opened at.",
    )

    class Meta:
        ordering = ["-revision__date_created", "-id"]
        verbose_name = "revision"
        verbose_name_plural = "revisions"
        constraints = [
            models.UniqueConstraint(
                fields=["compound_key", "number"],
                condition=Q(compound_key__isnull=False),
                name="revision_number_unique_per_compound",
            )
        ]

    def __str__(self):
        label = f"r{self.number}" if self.compound_key else f"revision {self.revision_id}"
        return f"{label}: {self.edit_summary or self.get_origin_display()}"
