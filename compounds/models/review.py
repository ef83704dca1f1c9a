"""Review comments: what a reviewer (or an editor) says about a draft, attached to the place it is about."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q

from .compound import Compound


class ReviewCommentQuerySet(models.QuerySet):
    def threads(self):
        """First comments of threads (replies hang under them)."""
        return self.filter(thread__isnull=True)

    def unresolved(self):
        """Threads nobody has marked resolved yet: each one blocks publishing its profile."""
        return self.threads().filter(resolved_at__isnull=True)


class ReviewComment(models.Model):
    """One comment on a draft profile, or a reply to one.

    A thread's first comment points at what it is about: a field of the compound, a row of one of its parts
    (model + id), or a field of such a row. The label is kept as written, so a comment on a row deleted since
    still says what it was about. Comments belong to the editorial record, not to the profile's content: no
    revision holds them, a revert leaves them alone and no public page or export shows them.
    """

    compound = models.ForeignKey(Compound, on_delete=models.CASCADE, related_name="review_comments")
    thread = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="replies",
        help_text="The comment this one replies to; empty for the first comment of a thread.",
    )
    target_type = models.ForeignKey(
        ContentType,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The kind of row the comment is about (the compound itself for its own fields).",
    )
    target_id = models.PositiveBigIntegerField(null=True, blank=True, help_text="Id of the row it is about.")
    target_field = models.CharField(
        max_length=60, blank=True, help_text="Field the comment is about; empty for a whole row."
    )
    target_label = models.CharField(
        max_length=300, blank=True, help_text="What the comment is about, in words, as it was when written."
    )
    body = models.TextField(help_text="Plain text. Never shown on public pages.")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revision = models.ForeignKey(
        "reversion.Revision",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The revision of the profile the comment was made on.",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ReviewCommentQuerySet.as_manager()

    class Meta:
        ordering = ["compound", "created_at", "id"]
        verbose_name = "review comment"
        verbose_name_plural = "review comments"
        constraints = [
            models.CheckConstraint(condition=~Q(body=""), name="review_comment_has_text"),
            models.CheckConstraint(
                condition=Q(thread__isnull=True) | (Q(resolved_at__isnull=True) & Q(target_type__isnull=True)),
                name="review_reply_has_no_target_or_state",
                violation_error_message="A reply belongs to its thread: the thread is resolved, not the reply.",
            ),
            models.CheckConstraint(
                condition=Q(resolved_by__isnull=True) | Q(resolved_at__isnull=False),
                name="review_comment_resolver_needs_time",
            ),
            models.CheckConstraint(
                condition=Q(target_type__isnull=True) | Q(target_id__isnull=False),
                name="review_comment_target_has_id",
            ),
        ]
        indexes = [models.Index(fields=["compound", "resolved_at"], name="review_comment_open")]

    def __str__(self):
        about = f" on {self.target_label}" if self.target_label else ""
        return f"{self.compound}{about}: {self.body[:60]}"

    @property
    def is_resolved(self):
        return self.resolved_at is not None

    @property
    def anchor(self):
        """Where on the compound form the comment is shown: (model label, row id, field)."""
        return target_anchor(self.target_type_id, self.target_id, self.target_field)


def target_anchor(content_type_id, object_id, field_name=""):
    return f"{content_type_id}-{object_id}-{field_name}"
