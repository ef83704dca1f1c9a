from django import forms
from django.urls import reverse
from django.utils.html import format_html

from . import services
from .models import Compound
from .selectors import latest_revision_meta


class CompoundAdminForm(forms.ModelForm):
    """The compound change form, plus what each save records: summary, minor flag, and the revision it started from."""

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

    class Meta:
        model = Compound
        fields = "__all__"  # noqa: DJ007 (the admin narrows the fields to its fieldsets)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            latest = latest_revision_meta(compound_id=self.instance.pk)
            self.initial["base_revision"] = latest.revision_id if latest else None

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            if self.instance.status == "published" and not cleaned.get("edit_summary", "").strip():
                self.add_error("edit_summary", "This profile is published: say what you changed (an edit summary).")
            try:
                services.compound_check_conflict(compound=self.instance, base_revision_id=cleaned.get("base_revision"))
            except services.EditConflictError as conflict:
                compare = reverse("admin:compounds_compound_compare", args=[self.instance.pk])
                link = f"{compare}?a={conflict.base_revision_id or ''}&b={conflict.latest.revision_id}"
                raise forms.ValidationError(
                    format_html(
                        '{} <a href="{}">Compare your starting version with the latest</a>.', conflict.messages[0], link
                    ),
                    code="edit_conflict",
                ) from None
        return cleaned


class PublishForm(forms.Form):
    edit_summary = forms.CharField(
        max_length=300,
        required=False,
        label="Public change note",
        help_text="Shown in the public change log. Empty: the editors' summaries since the last publication.",
        widget=forms.TextInput(attrs={"size": 80}),
    )


class ScheduleForm(forms.Form):
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


class RevertForm(forms.Form):
    edit_summary = forms.CharField(
        max_length=300,
        required=False,
        help_text="Why you are reverting. Empty: “Reverted to rN”.",
        widget=forms.TextInput(attrs={"size": 80}),
    )
