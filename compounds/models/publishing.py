"""What publishing derives from a profile: its citation rows and the frozen public versions."""

from django.conf import settings
from django.db import models
from django.urls import reverse

from evidence.natural_keys import NaturalKeyModel, NaturalKeyQuerySet

from .choices import RiskProfile
from .compound import Category, Compound, published_q


class Citation(NaturalKeyModel):
    """That a compound's profile cites a source. Rebuilt from the Markdown on every save."""

    NATURAL_KEY = ("compound__slug", "source__key")

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


class ProfileSnapshotQuerySet(NaturalKeyQuerySet):
    def live(self):
        """The versions readers see now: one per published profile. Every public read starts here."""
        return self.filter(published_q("live_for__"))


class ProfileSnapshot(models.Model):
    """The frozen public form of one published version of a profile.

    Public pages read this row and nothing else: drafts cannot leak and
    nothing is rendered per request. Fixtures carry it with the compound, so a loaded profile is public at once;
    who published it travels as a name, since user accounts and revision history belong to one site.
    """

    NATURAL_KEY = ("compound__slug", "version")

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
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", serialize=False
    )
    published_by_name = models.CharField(max_length=150, blank=True)
    edit_summary = models.CharField(max_length=300, blank=True)
    minor = models.BooleanField(default=False, help_text="Minor versions are hidden from the public change log.")
    references = models.JSONField(default=list, help_text="The reference list as data, for RIS/BibTeX/CSL-JSON export.")
    data = models.JSONField(
        default=dict,
        blank=True,
        help_text="The version's structured data (specifications, dosing, side effects, glossary, evidence, vendor "
        "offers…), as the JSON endpoint serves it. Empty for versions published before it was recorded.",
    )
    # What search and the listings' filters read; copied from the draft at publish, like everything readers see.
    evidence_level_best = models.PositiveSmallIntegerField(null=True, blank=True)
    evidence_level_worst = models.PositiveSmallIntegerField(null=True, blank=True)
    risk_profile = models.CharField(max_length=12, choices=RiskProfile.choices, default=RiskProfile.UNKNOWN)
    regulatory_states = models.CharField(
        max_length=120, blank=True, help_text="The regulatory states of the version, each between bars: |approved|."
    )
    search_synonyms = models.TextField(blank=True, help_text="Synonyms and other names, for search.")
    search_text = models.TextField(blank=True, help_text="The prose of the version as plain text, for search.")
    search_glossary = models.TextField(blank=True, help_text="Glossary terms and meanings, for search.")
    acknowledged_warnings = models.JSONField(
        default=list,
        blank=True,
        help_text="The automatic checks' warnings the reviewer read and published anyway.",
    )
    # The stored page is derived from the rest of this row and the site's templates: dumps leave it out (a
    # loaded version renders it at its first request), as they leave out who published it.
    page_html = models.TextField(
        blank=True,
        serialize=False,
        help_text="The whole public page of this version, rendered once when it is published (or when the site's "
        "templates change) and served as it is.",
    )
    page_format = models.CharField(
        max_length=64,
        blank=True,
        serialize=False,
        help_text="Which templates, static files and site settings the stored page was rendered with; a page of "
        "another format is rendered again at its next request.",
    )
    page_etag = models.CharField(
        max_length=64, blank=True, serialize=False, help_text="A digest of the stored page, for conditional requests."
    )
    page_rendered_at = models.DateTimeField(
        null=True,
        blank=True,
        serialize=False,
        help_text="When the stored page was last rendered: its Last-Modified time.",
    )
    linked_compounds = models.ManyToManyField(
        Compound,
        blank=True,
        related_name="linked_from_snapshots",
        help_text="Other profiles this version links to; its links follow them when they are published or unpublished.",
    )
    revision = models.ForeignKey(
        "reversion.Revision",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        serialize=False,
        help_text="The editorial revision this version was published from.",
    )

    objects = ProfileSnapshotQuerySet.as_manager()

    natural_key = NaturalKeyModel.natural_key

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
