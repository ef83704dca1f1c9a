"""The compound (the draft editors change) and the categories it is filed under."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Lower
from django.urls import reverse

from ..fields import MarkdownField
from .choices import CompoundKind, DoseUnit, EvidenceLevel, EvidenceScheme, RiskProfile, Route, Status, Terminus

POSITION_HELP = "Order on the page: lower numbers come first."


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
        permissions = [
            ("import_category", "Can import categories from files"),
            ("export_category", "Can export categories to files"),
        ]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)

    def get_absolute_url(self):
        return reverse("compounds:category", args=[self.slug])


# Changed only by the publishing services; editorial saves and reverts leave them alone.
WORKFLOW_FIELDS = (
    "status",
    "live_snapshot",
    "go_live_at",
    "expire_at",
    "scheduled_by",
    "scheduled_acknowledged",
    "review_requested_at",
    "review_requested_by",
)


def published_q(prefix=""):
    """The one rule for "readers may see this profile": published, with a frozen public version.

    `prefix` applies it across a relation, e.g. published_q("live_for__") for snapshots.
    """
    return Q(**{f"{prefix}status": Status.PUBLISHED, f"{prefix}live_snapshot__isnull": False})


class CompoundQuerySet(models.QuerySet):
    def published(self):
        """Profiles readers may see."""
        return self.filter(published_q())

    def with_pending_changes(self):
        """Annotate `pending_revisions` and `pending_since`: revisions recorded after the live version's (every
        revision, for a profile never published). One subquery each, whatever the number of profiles."""
        from .revisions import RevisionMeta

        later = RevisionMeta.objects.filter(
            compound_key=OuterRef("pk"), revision_id__gt=Coalesce(OuterRef("live_snapshot__revision_id"), 0)
        )
        return self.annotate(
            pending_revisions=Coalesce(
                Subquery(later.order_by().values("compound_key").annotate(n=Count("*")).values("n")), 0
            ),
            pending_since=Subquery(later.order_by("number").values("revision__date_created")[:1]),
        )

    def changes_pending(self):
        """Published profiles whose draft has changed since the live version."""
        return self.published().with_pending_changes().filter(pending_revisions__gt=0)


class CompoundManager(models.Manager.from_queryset(CompoundQuerySet)):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Compound(models.Model):
    """A compound profile: the draft that editors change. Readers see its published snapshot."""

    # Identity
    uid = models.UUIDField(
        "identifier",
        default=uuid.uuid4,
        unique=True,
        editable=False,
        help_text="Names this profile in stored pages' links to it; the same on every site it is copied to.",
    )
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
        serialize=False,
        help_text="Reviewer who scheduled the publication; recorded as its publisher.",
    )
    scheduled_acknowledged = models.JSONField(
        default=list,
        blank=True,
        editable=False,
        help_text="Warnings the reviewer acknowledged when scheduling; new ones stop the scheduled publication.",
    )
    review_requested_at = models.DateTimeField(
        "submitted for review",
        null=True,
        blank=True,
        editable=False,
        help_text="When an editor last submitted the draft (or a published profile's changes) for review.",
    )
    review_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        serialize=False,
        help_text="Editor who submitted it.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CompoundManager()

    WORKFLOW_FIELDS = WORKFLOW_FIELDS

    class Meta:
        ordering = ["name"]
        verbose_name = "compound"
        verbose_name_plural = "compounds"
        permissions = [
            ("publish_compound", "Can publish and unpublish compound profiles"),
            ("preview_compound", "Can preview unpublished compound profiles"),
            ("import_compound", "Can import profiles and their rows from files (into drafts)"),
            ("export_compound", "Can export profiles and their rows to files"),
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
        """The public page: at the slug it was published under (a draft's new slug is not public yet)."""
        slug = self.live_snapshot.slug if self.live_snapshot_id else self.slug
        return reverse("compounds:detail", args=[slug])

    def get_preview_url(self):
        return reverse("compounds:preview", args=[self.slug])

    @property
    def is_live(self):
        """published_q() for an instance in memory."""
        return self.status == Status.PUBLISHED and self.live_snapshot_id is not None

    @property
    def changes_in_review(self):
        """A published profile whose draft changes were submitted for review and not yet published."""
        return self.is_live and self.review_requested_at is not None

    @property
    def state_label(self):
        """The workflow state as editors read it: "Published v3 · changes in review". Whether changes are pending
        is known when the instance comes from `with_pending_changes()`."""
        if not self.is_live:
            return self.get_status_display()
        label = f"Published v{self.live_snapshot.version}"
        if self.changes_in_review:
            return f"{label} · changes in review"
        if getattr(self, "pending_revisions", 0):
            return f"{label} · changes pending"
        return label

    @property
    def public_url(self):
        """The public page's URL if readers can see it, else "" (links to it are then plain text)."""
        return self.get_absolute_url() if self.is_live else ""

    @property
    def evidence_level_display(self):
        if self.evidence_level_best is None:
            return ""
        if self.evidence_level_worst and self.evidence_level_worst != self.evidence_level_best:
            return f"{self.evidence_level_best}-{self.evidence_level_worst}"
        return str(self.evidence_level_best)
