"""What django-reversion does not record about a profile's revisions."""

from django.db import models
from django.db.models import Q

from .choices import Status
from .compound import Compound


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
