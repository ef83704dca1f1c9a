"""Forms of the profile admin: what each save records, and the workflow steps' forms."""

from django import forms
from django.urls import reverse
from django.utils.html import format_html
from reversion.models import Revision

from ..models import ComparisonTable, Compound
from ..selectors import latest_revision_meta, public_address_taken
from ..services import EditConflictError, compound_check_conflict


class ProfileRevisionForm(forms.ModelForm):
    """A form that saves part of a profile: it records a revision with the editor's summary, and refuses a save
    opened at an older revision than the latest (someone else saved in between)."""

    edit_summary = forms.CharField(
        max_length=300,
        required=False,
        help_text="What you changed and why, e.g. “Corrected the as-needed dose”. Required once the profile is published.",
        widget=forms.TextInput(attrs={"size": 80}),
    )
    minor_edit = forms.BooleanField(
        required=False, label="Minor edit", help_text="Typo or formatting only; hidden from the public change log."
    )
    base_revision = forms.IntegerField(required=False, widget=forms.HiddenInput)

    REVISION_FIELDS = {"edit_summary", "minor_edit", "base_revision"}

    def content_changed(self, formsets=()):
        """Whether the save changes the profile (its fields or rows), not only what the revision records."""
        return bool(set(self.changed_data) - self.REVISION_FIELDS) or any(fs.has_changed() for fs in formsets)

    def profile(self):
        """The compound whose revision this form's save records (None while a part's compound is unknown)."""
        if isinstance(self.instance, Compound):
            return self.instance
        return self.instance.compound if self.instance.compound_id else None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        compound = self.profile()
        if compound is not None and compound.pk and not self.is_bound:
            latest = latest_revision_meta(compound_id=compound.pk)
            self.initial["base_revision"] = latest.revision_id if latest else None

    def clean(self):
        cleaned = super().clean()
        compound = self.profile()
        if compound is None or not compound.pk:
            return cleaned
        if compound.is_live and not cleaned.get("edit_summary", "").strip():
            self.add_error("edit_summary", "This profile is published: say what you changed (an edit summary).")
        try:
            compound_check_conflict(compound=compound, base_revision_id=cleaned.get("base_revision"))
        except EditConflictError as conflict:
            compare = reverse("admin:compounds_compound_compare", args=[compound.pk])
            link = f"{compare}?a={conflict.base_revision_id or ''}&b={conflict.latest.revision_id}"
            raise forms.ValidationError(
                format_html(
                    '{} <a href="{}">Compare your starting version with the latest</a>.', conflict.messages[0], link
                ),
                code="edit_conflict",
            ) from None
        return cleaned

    def revision_details(self):
        """Keyword arguments for services.compound_revision_record from what the editor entered."""
        base = self.cleaned_data.get("base_revision")
        return {
            "edit_summary": self.cleaned_data.get("edit_summary", "").strip(),
            "minor": self.cleaned_data.get("minor_edit", False),
            "base_revision": Revision.objects.filter(pk=base).first() if base else None,
        }


class CompoundAdminForm(ProfileRevisionForm):
    """The compound change form, plus what each save records."""

    class Meta:
        model = Compound
        fields = "__all__"  # noqa: DJ007 (the admin narrows the fields to its fieldsets)

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if public_address_taken(slug=slug, compound=self.instance):
            raise forms.ValidationError(
                "Another profile is published at /compounds/%(slug)s/ (it may be waiting to be published under a "
                "new address). Choose another slug.",
                params={"slug": slug},
            )
        return slug


class ComparisonTableAdminForm(ProfileRevisionForm):
    """A comparison table with its rows: saving records a revision of the profile it belongs to."""

    class Meta:
        model = ComparisonTable
        fields = "__all__"  # noqa: DJ007 (the admin narrows the fields to its fieldsets)

    def _post_clean(self):
        super()._post_clean()
        # The compound is not a field of this page, so Django skips the constraints that involve it (an anchor
        # used twice on one page): check them here rather than meet them as an IntegrityError.
        try:
            self.instance.validate_constraints(exclude=self._get_validation_exclusions() - {"compound"})
        except forms.ValidationError as error:
            self._update_errors(error)


class AcknowledgeChecksForm(forms.Form):
    """A workflow step past the automatic checks: errors refuse it, warnings must be acknowledged as shown."""

    acknowledge = forms.BooleanField(
        required=False,
        label="I have read the warnings above and publish anyway",
        help_text="They are stored with the published version.",
    )
    checks_digest = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, checks, **kwargs):
        super().__init__(*args, **kwargs)
        self.checks = checks
        self.initial["checks_digest"] = checks.digest
        if not checks.warnings:
            del self.fields["acknowledge"]

    def clean(self):
        cleaned = super().clean()
        if self.checks.errors:
            raise forms.ValidationError("Fix the errors above first: they block publishing.", code="check_errors")
        if self.checks.warnings:
            if cleaned.get("checks_digest") != self.checks.digest:
                # The page shown again carries the current checks, so the next submit can pass.
                self.data = self.data.copy()
                self.data["checks_digest"] = self.checks.digest
                raise forms.ValidationError(
                    "The checks changed since this page was opened (someone saved the profile): read them again.",
                    code="stale_checks",
                )
            if not cleaned.get("acknowledge"):
                self.add_error("acknowledge", "Tick this to confirm you read the warnings, or fix them first.")
        return cleaned

    @property
    def acknowledged(self):
        """The warnings the reviewer acknowledged, for the service to compare with what it finds."""
        return self.checks.warning_messages if self.cleaned_data.get("acknowledge") else []


class PublishForm(AcknowledgeChecksForm):
    edit_summary = forms.CharField(
        max_length=300,
        required=False,
        label="Public change note",
        help_text="Shown in the public change log. Empty: the editors' summaries since the last publication.",
        widget=forms.TextInput(attrs={"size": 80}),
    )


class ScheduleForm(AcknowledgeChecksForm):
    go_live_at = forms.DateTimeField(
        required=False,
        label="Publish at",
        help_text="Date and time (server time zone), e.g. 2026-12-01 09:00.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    expire_at = forms.DateTimeField(
        required=False,
        label="Unpublish at",
        help_text="Optional: when to take the profile off the site.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    field_order = ["go_live_at", "expire_at", "acknowledge"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "acknowledge" in self.fields:
            self.fields["acknowledge"].label = "I have read the warnings above and schedule the publication anyway"

    def clean(self):
        # Only a scheduled publication passes the checks; an expiry alone needs none.
        if not self.data.get("go_live_at"):
            return forms.Form.clean(self)
        return super().clean()


class RevertForm(forms.Form):
    edit_summary = forms.CharField(
        max_length=300,
        required=False,
        help_text="Why you are reverting. Empty: “Reverted to rN”.",
        widget=forms.TextInput(attrs={"size": 80}),
    )
