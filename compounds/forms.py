"""Readers' forms on the public site."""

from django import forms

from .models import EvidenceLevel, RegulatoryState, RiskProfile
from .search import Sort


class CompoundSearchForm(forms.Form):
    """Search and filters of the compound index. Every field is optional; the categories come from the view."""

    q = forms.CharField(label="Search", required=False, max_length=200, strip=True)
    category = forms.ChoiceField(label="Category", required=False)
    evidence = forms.TypedChoiceField(
        label="Evidence level",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "Any level"), *[(level.value, f"Level {level.value}") for level in EvidenceLevel]],
    )
    risk = forms.ChoiceField(label="Risk profile", required=False, choices=[("", "Any risk"), *RiskProfile.choices])
    regulatory = forms.ChoiceField(
        label="Regulatory status",
        required=False,
        choices=[("", "Any status"), *[(s.value, f"{s.label} somewhere") for s in RegulatoryState if s != "unknown"]],
    )
    sort = forms.ChoiceField(label="Sort by", required=False, choices=Sort.CHOICES)

    def __init__(self, data, *, categories):
        super().__init__(data)
        self.fields["category"].choices = [("", "All categories")] + [
            (category.slug, f"{category.name} ({category.published_count})") for category in categories
        ]

    def filters(self):
        """The valid filters, by name; an invalid one is left out (its error is shown with the form)."""
        cleaned = getattr(self, "cleaned_data", {})
        return {name: cleaned.get(name) for name in ("category", "evidence", "risk", "regulatory") if cleaned.get(name)}

    @property
    def has_filters(self):
        return bool(self.filters())
