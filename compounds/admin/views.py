"""Extra admin views of the compound: history, compare, revert, workflow, recovery, document import.

Each view checks the permission on the object and that every revision it is
given belongs to that object (Wagtail's compare/revert holes were exactly
there).
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from reversion.models import Version

from .. import documents, permissions, services
from ..models import Compound, RevisionMeta
from ..notifications import reviewer_addresses
from ..publish_checks import compound_publish_checks
from ..revision_diff import compare_revisions
from ..selectors import compound_history, compound_pending_changes, latest_revision_meta
from ..spreadsheets import DatabaseStorage, ImportFileError
from .forms import PublishForm, RevertForm, ScheduleForm

HISTORY_PAGE_SIZE = 50


def _compound_or_404(object_id):
    try:
        return Compound.objects.select_related("live_snapshot").get(pk=object_id)
    except (Compound.DoesNotExist, ValueError):
        raise Http404("No such compound.") from None


def _context(model_admin, request, compound, title, **extra):
    return {
        **model_admin.admin_site.each_context(request),
        "opts": Compound._meta,
        "original": compound,
        "title": title,
        **extra,
    }


def _revision_of(compound, revision_id):
    """The revision, if it belongs to this compound; 404 if unknown, 403 if it is another object's."""
    try:
        meta = RevisionMeta.objects.select_related("revision__user").get(revision_id=int(revision_id))
    except (RevisionMeta.DoesNotExist, TypeError, ValueError):
        raise Http404("No such revision.") from None
    if meta.compound_key != compound.pk:
        raise PermissionDenied("That revision belongs to another object.")
    return meta


def _revision_before(meta):
    return (
        RevisionMeta.objects.select_related("revision__user")
        .filter(compound_key=meta.compound_key, number__lt=meta.number)
        .order_by("-number")
        .first()
    )


def _nothing_before(compound, meta, latest):
    if meta.revision_id == latest.revision_id:
        return f"{compound} has only one revision so far: there is nothing to compare yet."
    return f"r{meta.number} is the first revision of {compound}: choose a later one to compare it with."


def history_view(model_admin, request, object_id):
    compound = _compound_or_404(object_id)
    if not permissions.can_view_history(request.user, compound):
        raise PermissionDenied
    page = Paginator(compound_history(compound_id=compound.pk), HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    published = dict(compound.snapshots.filter(revision__isnull=False).values_list("revision_id", "version"))
    live_revision = compound.live_snapshot.revision_id if compound.live_snapshot else None
    latest = latest_revision_meta(compound_id=compound.pk)
    return TemplateResponse(
        request,
        "admin/compounds/compound/history.html",
        _context(
            model_admin,
            request,
            compound,
            f"History: {compound}",
            page=page,
            published=published,
            live_revision=live_revision,
            latest=latest,
            can_revert=permissions.can_edit(request.user, compound),
        ),
    )


def compare_view(model_admin, request, object_id):
    compound = _compound_or_404(object_id)
    if not permissions.can_view_history(request.user, compound):
        raise PermissionDenied
    latest = latest_revision_meta(compound_id=compound.pk)
    if latest is None:
        raise Http404("This compound has no revisions yet.")
    if request.GET.get("published"):
        if not compound.live_snapshot or not compound.live_snapshot.revision_id:
            messages.info(request, "This profile has no published version to compare with.")
            return redirect("admin:compounds_compound_history", compound.pk)
        if compound.live_snapshot.revision_id == latest.revision_id:
            messages.info(
                request,
                "The draft is the published version: nothing has changed since, so there is nothing to compare yet.",
            )
            return redirect("admin:compounds_compound_history", compound.pk)
        old = _revision_of(compound, compound.live_snapshot.revision_id)
        new = latest
    else:
        new = _revision_of(compound, request.GET.get("b") or latest.revision_id)
        if request.GET.get("a"):
            old = _revision_of(compound, request.GET.get("a"))
        else:
            # The history form sends no "a" when it lists one revision: compare with the one before, if any.
            old = _revision_before(new)
            if old is None:
                messages.info(request, _nothing_before(compound, new, latest))
                return redirect("admin:compounds_compound_history", compound.pk)
    if old.number > new.number:
        old, new = new, old
    comparison = compare_revisions(old.revision, new.revision)
    return TemplateResponse(
        request,
        "admin/compounds/compound/compare.html",
        _context(
            model_admin,
            request,
            compound,
            f"Compare r{old.number} with r{new.number}: {compound}",
            old=old,
            new=new,
            comparison=comparison,
            latest=latest,
            can_revert=permissions.can_edit(request.user, compound),
        ),
    )


def revert_view(model_admin, request, object_id, revision_id):
    compound = _compound_or_404(object_id)
    if not permissions.can_edit(request.user, compound):
        raise PermissionDenied
    target = _revision_of(compound, revision_id)
    latest = latest_revision_meta(compound_id=compound.pk)
    form = RevertForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.compound_revert(
                compound=compound,
                revision=target.revision,
                user=request.user,
                edit_summary=form.cleaned_data["edit_summary"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Reverted {compound} to r{target.number} as a new revision.")
        return redirect("admin:compounds_compound_history", compound.pk)
    comparison = compare_revisions(latest.revision, target.revision)
    return TemplateResponse(
        request,
        "admin/compounds/compound/revert.html",
        _context(
            model_admin,
            request,
            compound,
            f"Revert {compound} to r{target.number}",
            target=target,
            latest=latest,
            comparison=comparison,
            form=form,
        ),
    )


WORKFLOW_ACTIONS = {
    "submit": ("Submit for review", permissions.can_edit),
    "publish": ("Publish", permissions.can_publish),
    "unpublish": ("Unpublish", permissions.can_publish),
    "schedule": ("Schedule", permissions.can_publish),
    "unschedule": ("Cancel schedule", permissions.can_publish),
}


def workflow_view(model_admin, request, object_id, action):
    compound = _compound_or_404(object_id)
    if action not in WORKFLOW_ACTIONS:
        raise Http404("Unknown action.")
    label, allowed = WORKFLOW_ACTIONS[action]
    if not allowed(request.user, compound):
        raise PermissionDenied
    data = request.POST if request.method == "POST" else None
    checks = None
    if action in ("publish", "schedule"):
        checks = compound_publish_checks(compound=compound, user=request.user)
        form = {"publish": PublishForm, "schedule": ScheduleForm}[action](data, checks=checks)
    else:
        form = None
    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            _workflow_step(request, compound, action, form)
        except ValidationError as error:
            if form is not None:
                form.add_error(None, error)
            else:
                messages.error(request, " ".join(error.messages))
                return redirect("admin:compounds_compound_change", compound.pk)
        else:
            return redirect("admin:compounds_compound_change", compound.pk)
    pending_revisions, pending_since = compound_pending_changes(compound_id=compound.pk)
    return TemplateResponse(
        request,
        "admin/compounds/compound/workflow.html",
        _context(
            model_admin,
            request,
            compound,
            f"{label}: {compound}",
            action=action,
            label=label,
            form=form,
            checks=checks,
            pending_revisions=pending_revisions,
            pending_since=pending_since,
        ),
    )


def _workflow_step(request, compound, action, form):
    data = form.cleaned_data if form is not None else {}
    if action == "publish":
        snapshot = services.compound_publish(
            compound=compound, user=request.user, edit_summary=data["edit_summary"], acknowledged=form.acknowledged
        )
        if snapshot.is_new:
            messages.success(request, f"{compound} is published as version {snapshot.version}.")
        else:
            messages.info(
                request,
                f"Nothing was published: {compound} has no changes readers would see since version {snapshot.version}.",
            )
    elif action == "unpublish":
        services.compound_unpublish(compound=compound, user=request.user)
        messages.success(request, f"{compound} is no longer public. Its published versions are kept.")
    elif action == "submit":
        services.compound_submit_for_review(
            compound=compound, user=request.user, base_url=request.build_absolute_uri("/")
        )
        what = "Its changes are" if compound.is_live else "It is"
        if reviewer_addresses():
            messages.success(request, f"{compound} was submitted. {what} waiting for a reviewer, who was e-mailed.")
        else:
            messages.warning(
                request,
                f"{compound} was submitted. {what} waiting for a reviewer, but no reviewer has an e-mail address: "
                "tell them yourself, or ask an administrator to add their addresses.",
            )
    elif action == "schedule":
        services.compound_schedule(
            compound=compound,
            user=request.user,
            go_live_at=data["go_live_at"],
            expire_at=data["expire_at"],
            acknowledged=form.acknowledged,
        )
        messages.success(request, f"Schedule saved for {compound}.")
    else:
        services.compound_unschedule(compound=compound, user=request.user)
        messages.success(request, f"Schedule cancelled for {compound}.")


def recover_list_view(model_admin, request):
    if not request.user.has_perm("compounds.add_compound"):
        raise PermissionDenied
    deleted = Version.objects.get_deleted(Compound).select_related("revision__user")
    return TemplateResponse(
        request,
        "admin/compounds/compound/recover_list.html",
        {
            **model_admin.admin_site.each_context(request),
            "opts": Compound._meta,
            "title": "Recover deleted compounds",
            "deleted": deleted,
        },
    )


def recover_view(model_admin, request, version_id):
    if not request.user.has_perm("compounds.add_compound"):
        raise PermissionDenied
    version = get_object_or_404(Version.objects.get_deleted(Compound), pk=version_id)
    if request.method != "POST":
        return redirect("admin:compounds_compound_recoverlist")
    try:
        compound = services.compound_recover(version=version, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("admin:compounds_compound_recoverlist")
    messages.success(request, f"Recovered {compound} with its rows, as a draft.")
    return redirect(reverse("admin:compounds_compound_change", args=[compound.pk]))


class DocumentUploadForm(forms.Form):
    document = forms.FileField(
        label="Markdown profile document",
        help_text="A .md or .txt file written like the structured Selank profile: “# Name (descriptor)”, the "
        "metadata lines, ## sections, tables and a numbered reference list.",
    )


def document_import_view(model_admin, request):
    """Upload a Markdown profile document, see what it will create, confirm. The file waits in the database."""
    if not request.user.has_perm("compounds.import_compound"):
        raise PermissionDenied
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": Compound._meta,
        "title": "Import a profile document",
    }
    form = DocumentUploadForm()
    if request.method == "POST" and request.POST.get("pending"):
        return _document_confirm(request, request.POST["pending"])
    if request.method == "POST":
        form = DocumentUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["document"]
            try:
                text = documents.decode(upload.read(), upload.name)
                report = documents.profile_document_import(
                    text=text, file_name=upload.name, user=request.user, dry_run=True
                )
            except (documents.DocumentError, ValidationError) as error:
                form.add_error("document", " ".join(getattr(error, "messages", [str(error)])))
            else:
                storage = DatabaseStorage(name=None)
                storage.save(f"{upload.name}\n{text}")
                context.update(report=report, pending=storage.name)
    return TemplateResponse(request, "admin/compounds/compound/document_import.html", {**context, "form": form})


def _document_confirm(request, pending):
    storage = DatabaseStorage(name=pending, read_mode="r", encoding="utf-8")
    try:
        file_name, _, text = storage.read().partition("\n")
        report = documents.profile_document_import(text=text, file_name=file_name, user=request.user)
    except (ImportFileError, documents.DocumentError, ValidationError) as error:
        messages.error(request, "Nothing was imported: " + " ".join(getattr(error, "messages", [str(error)])))
        return redirect("admin:compounds_compound_document_import")
    storage.remove()
    messages.success(
        request,
        f"{report.compound.name} imported as a draft with one revision"
        f"{'' if report.created else ' (its draft was updated)'}. Review it, then submit it for review.",
    )
    return redirect("admin:compounds_compound_change", report.compound.pk)
