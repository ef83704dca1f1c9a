"""Files waiting between an admin import's preview and its confirmation."""

from django.db import models


class PendingImport(models.Model):
    """An uploaded file kept from the preview to the confirm step. In the database, which every app server
    shares, so the confirmation may reach another server than the preview did."""

    name = models.CharField(max_length=64, unique=True)
    data = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "pending import"
        verbose_name_plural = "pending imports"

    def __str__(self):
        return f"{self.name} ({self.created_at:%Y-%m-%d %H:%M})"
