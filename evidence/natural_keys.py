"""Natural keys declared once per model, so fixtures name rows by what they are rather than by database ids.

A model lists the lookups that identify one of its rows, e.g. ("compound__slug", "name__iexact"): `natural_key()`
reads the values along those paths and `get_by_natural_key()` looks them up again, so the two cannot drift apart.
A fixture dumped with `--natural-foreign --natural-primary` then loads into any database, updating the rows it
names and adding the others, without primary-key clashes.
"""

from django.db import models

LOOKUP_SUFFIXES = ("__iexact",)


def _path(lookup):
    for suffix in LOOKUP_SUFFIXES:
        lookup = lookup.removesuffix(suffix)
    return lookup.split("__")


class NaturalKeyQuerySet(models.QuerySet):
    def get_by_natural_key(self, *values):
        return self.get(**dict(zip(self.model.NATURAL_KEY, values, strict=True)))


NaturalKeyManager = models.Manager.from_queryset(NaturalKeyQuerySet)


class NaturalKeyModel(models.Model):
    """Abstract base: subclasses set NATURAL_KEY to the lookups that make a row unique."""

    NATURAL_KEY = ()

    objects = NaturalKeyManager()

    class Meta:
        abstract = True

    def natural_key(self):
        values = []
        for lookup in self.NATURAL_KEY:
            value = self
            for name in _path(lookup):
                value = getattr(value, name)
            values.append(value)
        return tuple(values)
