"""Model and form fields for the identifiers editors paste rather than type (DOI, PMID, PMCID).

The normalising itself is in evidence.identifiers; these fields apply it before anything validates the value,
in every ModelForm (the source admin, inlines) and in full_clean() (spreadsheet imports, merges).
"""

from django import forms
from django.db import models

from .identifiers import normalize_doi, normalize_pmcid, normalize_pmid


class IdentifierFormField(forms.CharField):
    """A text box whose value is normalised before it is validated.

    A pasted link is longer than the identifier, so the length limit is the model's, checked on the normalised
    value: a maxlength on the input would make the browser cut the paste short. A PMID is not a number input
    either: the browser would not let “PMID: 28280289” into one.
    """

    def __init__(self, *, normalize, **kwargs):
        self.normalize = normalize
        super().__init__(**kwargs)

    def to_python(self, value):
        return self.normalize(super().to_python(value))


class IdentifierFieldMixin:
    normalize = None  # a function of evidence.identifiers

    def to_python(self, value):
        if isinstance(value, str):
            return self.normalize(value)
        return super().to_python(value)

    def formfield(self, **kwargs):
        widget = kwargs.get("widget")
        if issubclass(widget if isinstance(widget, type) else type(widget), forms.NumberInput):
            # The admin gives every integer field a number input (AdminBigIntegerFieldWidget).
            del kwargs["widget"]
        # Field.formfield, not the subclass's: those add max_length or min_value/max_value (see above).
        return models.Field.formfield(
            self, **{"form_class": IdentifierFormField, "normalize": self.normalize, **kwargs}
        )


class DOIField(IdentifierFieldMixin, models.CharField):
    normalize = staticmethod(normalize_doi)


class PMIDField(IdentifierFieldMixin, models.PositiveBigIntegerField):
    normalize = staticmethod(normalize_pmid)


class PMCIDField(IdentifierFieldMixin, models.CharField):
    normalize = staticmethod(normalize_pmcid)
