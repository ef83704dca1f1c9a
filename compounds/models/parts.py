"""The kinds of child rows a profile is made of. `compounds.parts` says how each is edited, versioned and shown."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower

from evidence.natural_keys import NaturalKeyModel

from ..fields import InlineMarkdownField, MarkdownField
from .choices import (
    DoseUnit,
    InteractionBasis,
    InteractionSeverity,
    RegulatoryState,
    Relation,
    Route,
    SideEffectFrequency,
    SynonymKind,
    TimePhase,
)
from .compound import POSITION_HELP, Compound


class CompoundChild(NaturalKeyModel):
    """Rows that belong to one compound and are shown in editor-chosen order.

    Each kind names its rows by the compound's slug and what makes a row unique within the profile
    (NATURAL_KEY), which fixtures and spreadsheet imports use instead of database ids.
    """

    compound = models.ForeignKey(Compound, on_delete=models.CASCADE)
    position = models.PositiveSmallIntegerField(default=0, help_text=POSITION_HELP)

    class Meta:
        abstract = True
        ordering = ["compound", "position", "id"]


class Synonym(CompoundChild):
    NATURAL_KEY = ("compound__slug", "name__iexact")
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
    NATURAL_KEY = ("compound__slug", "jurisdiction")
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
    NATURAL_KEY = ("compound__slug", "label")
    compound = models.ForeignKey(Compound, on_delete=models.CASCADE, related_name="specifications")
    label = models.CharField(max_length=80, help_text="E.g. Origin, Half-life, Administration.")
    value = InlineMarkdownField(
        max_length=300, help_text="As readers should see it. Inline Markdown allowed; cite with [@key]."
    )

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
    NATURAL_KEY = ("compound__slug", "term__iexact")
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
    NATURAL_KEY = ("compound__slug", "anchor")
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
    NATURAL_KEY = ("compound__slug", "anchor")
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


class ComparisonRow(NaturalKeyModel):
    NATURAL_KEY = ("table__compound__slug", "table__anchor", "label__iexact")

    table = models.ForeignKey(ComparisonTable, on_delete=models.CASCADE, related_name="rows")
    position = models.PositiveSmallIntegerField(default=0, help_text=POSITION_HELP)
    label = models.CharField(max_length=120)
    subject_value = InlineMarkdownField(
        max_length=200, help_text="Inline Markdown allowed, e.g. **None**; cite with [@key]."
    )
    other_value = InlineMarkdownField(
        max_length=200, blank=True, help_text="Leave empty when one value covers both columns."
    )

    class Meta:
        ordering = ["table", "position", "id"]
        verbose_name = "comparison row"
        verbose_name_plural = "comparison rows"
        constraints = [
            models.UniqueConstraint(
                "table",
                Lower("label"),
                name="comparison_row_unique_label",
                violation_error_message="This table already has a row with this label.",
            ),
        ]

    def __str__(self):
        return self.label


class UseCase(CompoundChild):
    NATURAL_KEY = ("compound__slug", "anchor")
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
    NATURAL_KEY = ("compound__slug", "name")
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
    NATURAL_KEY = ("compound__slug", "route", "text__iexact")
    compound = models.ForeignKey(Compound, on_delete=models.CASCADE, related_name="administration_steps")
    route = models.CharField(max_length=20, choices=Route.choices, default=Route.INTRANASAL)
    text = models.CharField(max_length=300)

    class Meta(CompoundChild.Meta):
        verbose_name = "administration step"
        verbose_name_plural = "administration steps"
        constraints = [
            models.UniqueConstraint(
                "compound",
                "route",
                Lower("text"),
                name="administration_step_unique",
                violation_error_message="This step is already listed for this route.",
            ),
        ]

    def __str__(self):
        return self.text


class TimeCourse(CompoundChild):
    NATURAL_KEY = ("compound__slug", "phase")
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
    NATURAL_KEY = ("compound__slug", "timeframe__iexact")
    compound = models.ForeignKey(Compound, on_delete=models.CASCADE, related_name="timeline")
    timeframe = models.CharField(max_length=60, help_text="E.g. Day 1, Days 5-7, Ongoing.")
    effects = models.CharField("reported effects", max_length=300)

    class Meta(CompoundChild.Meta):
        verbose_name = "experience timeline entry"
        verbose_name_plural = "experience timeline"
        constraints = [
            models.UniqueConstraint(
                "compound",
                Lower("timeframe"),
                name="timeline_entry_unique",
                violation_error_message="This timeframe is already in the timeline; edit that row.",
            ),
        ]

    def __str__(self):
        return f"{self.timeframe}: {self.effects}"


class SideEffect(CompoundChild):
    NATURAL_KEY = ("compound__slug", "effect__iexact")
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

    @property
    def frequency_band(self):
        """The CIOMS band and its definition, shown to readers beside the frequency as written; "" if not known."""
        try:
            return SideEffectFrequency(self.frequency).band
        except ValueError:
            return ""


class Interaction(CompoundChild):
    """What is known about combining the compound with another substance, as drug references list it."""

    NATURAL_KEY = ("compound__slug", "substance__iexact")
    compound = models.ForeignKey(Compound, on_delete=models.CASCADE, related_name="interactions")
    substance = models.CharField(
        max_length=120, help_text="A drug, a drug class or another substance, e.g. Diazepam, Benzodiazepines, Alcohol."
    )
    effect = InlineMarkdownField(
        "what happens",
        max_length=400,
        help_text="What was seen or is expected when both are taken, as readers should read it. Cite with [@key].",
    )
    severity = models.CharField(
        max_length=12,
        choices=InteractionSeverity.choices,
        default=InteractionSeverity.NOT_KNOWN,
        help_text="How much it matters to someone combining them.",
    )
    basis = models.CharField(
        "evidence",
        max_length=12,
        choices=InteractionBasis.choices,
        default=InteractionBasis.THEORETICAL,
        help_text="What the statement rests on: human data, animal data, or reasoning from the mechanism.",
    )
    mechanism = InlineMarkdownField(
        "mechanism note",
        max_length=300,
        blank=True,
        help_text="Why it happens, when known, e.g. “both act on GABA-A receptors”. Cite with [@key].",
    )

    class Meta(CompoundChild.Meta):
        verbose_name = "interaction"
        verbose_name_plural = "interactions"
        constraints = [
            models.UniqueConstraint(
                "compound",
                Lower("substance"),
                name="interaction_unique_substance",
                violation_error_message="This substance is already listed; edit that row.",
            )
        ]

    def __str__(self):
        return f"{self.substance} ({self.get_severity_display().split(':')[0].lower()})"


class Contraindication(CompoundChild):
    NATURAL_KEY = ("compound__slug", "condition__iexact")
    compound = models.ForeignKey(Compound, on_delete=models.CASCADE, related_name="contraindications")
    condition = models.CharField(max_length=200)
    qualifier = models.CharField(max_length=120, blank=True, help_text="E.g. “no data”, “theoretical”.")

    class Meta(CompoundChild.Meta):
        verbose_name = "contraindication"
        verbose_name_plural = "contraindications"
        constraints = [
            models.UniqueConstraint(
                "compound",
                Lower("condition"),
                name="contraindication_unique",
                violation_error_message="This contraindication is already listed.",
            ),
        ]

    def __str__(self):
        return f"{self.condition} ({self.qualifier})" if self.qualifier else self.condition


class Limitation(CompoundChild):
    NATURAL_KEY = ("compound__slug", "title__iexact")
    compound = models.ForeignKey(Compound, on_delete=models.CASCADE, related_name="limitations")
    title = models.CharField(max_length=160, help_text="Shown in bold, e.g. “Not FDA approved”.")
    detail = models.CharField(max_length=300, blank=True, help_text="E.g. “Russian approval only”.")

    class Meta(CompoundChild.Meta):
        verbose_name = "limitation"
        verbose_name_plural = "limitations"
        constraints = [
            models.UniqueConstraint(
                "compound",
                Lower("title"),
                name="limitation_unique",
                violation_error_message="This limitation is already listed.",
            ),
        ]

    def __str__(self):
        return self.title


class RelatedCompound(CompoundChild):
    NATURAL_KEY = ("compound__slug", "related__slug")
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
    NATURAL_KEY = ("compound__slug", "vendor__iexact", "amount_mg")
    compound = models.ForeignKey(Compound, on_delete=models.CASCADE, related_name="vendor_offers")
    vendor = models.CharField(max_length=120)
    product = models.CharField(
        max_length=160, blank=True, help_text="The product as the vendor names it, e.g. “Selank nasal spray, 5 mg”."
    )
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
            models.UniqueConstraint(
                "compound",
                Lower("vendor"),
                "amount_mg",
                name="vendor_offer_unique",
                violation_error_message="This vendor's offer of this amount is already listed; edit that row.",
            ),
            models.CheckConstraint(
                condition=Q(amount_mg__gt=0) & Q(price__gte=0),
                name="vendor_offer_positive",
                violation_error_message="Amount must be positive and price not negative.",
            ),
        ]

    def __str__(self):
        return f"{self.vendor}: {self.amount_mg} mg for {self.price} {self.currency}"

    @property
    def price_per_mg(self):
        return (self.price / self.amount_mg).quantize(Decimal("0.01"))
