"""What the source admin can do across profiles: merge duplicates, and the citation integrity report.

Both read or rewrite profiles, so they live on the compounds side. The evidence app's SourceAdmin stays
unaware of profiles; this subclass takes its place in the admin site.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path

from evidence.admin import SourceAdmin
from evidence.models import Source

from .. import services
from ..integrity import build_report
from ..source_merge import source_merge
from ..spreadsheets import SourceResource
from .files import FilesAdminMixin


class MergeForm(forms.Form):
    keep = forms.ModelChoiceField(
        queryset=Source.objects.none(),
        widget=forms.RadioSelect,
        label="Keep this source",
        help_text="Citations, findings and translation links of the others move to it; the others are deleted.",
    )


class ProfileSourceAdmin(FilesAdminMixin, SourceAdmin):
    resource_classes = [SourceResource]
    change_list_template = "admin/evidence/source/change_list.html"
    actions = ["merge_sources"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change:
            services.source_references_refresh(source=obj, old_key=form.initial.get("key", ""))

    def get_urls(self):
        return [
            path("integrity/", self.admin_site.admin_view(self.integrity_view), name="evidence_source_integrity"),
            *super().get_urls(),
        ]

    def integrity_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return TemplateResponse(
            request,
            "admin/evidence/source/integrity.html",
            {
                **self.admin_site.each_context(request),
                "opts": Source._meta,
                "title": "Citation integrity",
                "report": build_report(),
            },
        )

    @admin.action(description="Merge selected duplicate sources…", permissions=["change"])
    def merge_sources(self, request, queryset):
        sources = list(queryset.order_by("key"))
        if len(sources) < 2:
            self.message_user(request, "Select at least two sources to merge.", messages.WARNING)
            return None
        form = MergeForm(request.POST if "keep" in request.POST else None)
        form.fields["keep"].queryset = queryset
        if form.is_bound and form.is_valid():
            keep = form.cleaned_data["keep"]
            try:
                source_merge(keep=keep, duplicates=[s for s in sources if s.pk != keep.pk], user=request.user)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
            else:
                self.message_user(request, f"Merged {len(sources) - 1} source(s) into @{keep.key}.", messages.SUCCESS)
            return redirect("admin:evidence_source_changelist")
        return TemplateResponse(
            request,
            "admin/evidence/source/merge.html",
            {
                **self.admin_site.each_context(request),
                "opts": Source._meta,
                "title": "Merge duplicate sources",
                "sources": sources,
                "form": form,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )


# evidence.admin registered the plain SourceAdmin (the evidence app loads first); this one replaces it.
admin.site.unregister(Source)
admin.site.register(Source, ProfileSourceAdmin)
