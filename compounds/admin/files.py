"""Import and export of spreadsheets in the admin (django-import-export), on the lists they belong to.

The compound list imports and exports profiles and every kind of profile row; "Export selected" there exports
the chosen profiles' rows of the chosen kind. Sources and categories have their own. Each needs its own
permission (import_…, export_…), not just staff status; the resource refuses rows of published profiles to
anyone who may not publish.
"""

from django.contrib import messages
from django.shortcuts import redirect
from import_export.admin import ExportActionMixin, ImportMixin
from import_export.formats.base_formats import CSV, JSON, XLSX

from ..models import Compound
from ..spreadsheets import ImportFileError, import_errors


class FilesAdminMixin(ImportMixin, ExportActionMixin):
    formats = [CSV, XLSX, JSON]
    import_export_change_list_template = "admin/import_export/change_list_import_export.html"
    show_change_form_export = False  # exports start from the list, where the rows to export are chosen
    skip_admin_log = True  # each changed profile gets a revision, which is its log
    import_error_display = ("message",)

    def import_action(self, request, **kwargs):
        response = super().import_action(request, **kwargs)
        result = getattr(response, "context_data", {}).get("result")
        if result is not None and (result.has_errors() or result.has_validation_errors()):
            resource = self.choose_import_resource_class(response.context_data["form"], request)()
            messages.error(request, "Nothing was imported. Correct the file and upload it again.")
            for message in import_errors(resource, result):
                messages.error(request, message)
        return response

    def process_import(self, request, **kwargs):
        try:
            return super().process_import(request, **kwargs)
        except ImportFileError as error:  # confirmed twice, or the waiting file expired
            messages.error(request, str(error))
            return redirect(f"admin:{self.opts.app_label}_{self.opts.model_name}_import")

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            # The data changed between preview and confirm: the import was rolled back as a whole.
            messages.error(request, "Nothing was imported: the data changed since the preview. Upload the file again.")
        return super().process_result(result, request)

    def add_success_message(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            return
        totals = result.totals
        messages.success(
            request,
            f"Imported: {totals['new']} new, {totals['update']} updated, {totals['skip']} unchanged. "
            "Changed profiles got one revision each; published profiles changed in their draft only.",
        )


class ProfileFilesAdminMixin(FilesAdminMixin):
    """On the compound list: every row resource exports the rows of the listed (or selected) profiles."""

    def get_data_for_export(self, request, queryset, **kwargs):
        resource_class = self.choose_export_resource_class(kwargs.get("export_form"), request)
        model = resource_class._meta.model
        if model is not Compound:
            queryset = model.objects.filter(compound__in=queryset.values("pk"))
        return super().get_data_for_export(request, queryset, **kwargs)
