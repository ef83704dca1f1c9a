"""The review comments page of a profile: its threads, open ones first, and the forms to comment, reply, resolve
and reopen. Plain forms posted to the page itself; no JavaScript.

Comments are about the draft: they are never shown on public pages, which do not read them.
"""

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import flatten
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import capfirst

from .. import permissions, services
from ..models import Compound, ReviewComment
from ..models.review import target_anchor
from ..parts import CHILD_BY_MODEL, PART_BY_MODEL, PARTS
from ..selectors import compound_for_profile, latest_revision_meta, review_threads
from .views import _compound_or_404, _context

GENERAL = ""  # the target value of a comment on the draft in general
COMMENT_ACTIONS = {"add", "reply", "resolve", "reopen"}


def _compound_field_choices(model_admin, request, compound):
    """The compound form's fields a comment may be about, grouped as the form groups them."""
    content_type = ContentType.objects.get_for_model(Compound)
    model_fields = {field.name: field for field in Compound._meta.get_fields()}
    readonly = set(model_admin.get_readonly_fields(request, compound))
    groups = []
    for heading, options in model_admin.get_fieldsets(request, compound):
        names = flatten(options["fields"])
        choices = [
            (
                target_anchor(content_type.pk, compound.pk, name),
                services.review_comment_target_label(target=compound, field=name),
            )
            for name in names
            if name in model_fields and name not in readonly
        ]
        if choices:
            groups.append((f"Fields: {heading or 'Name and summary'}", choices))
    return groups


def _row_choices(profile):
    """Every row of the profile, whole, grouped by part (a comparison table's rows after their table)."""
    groups = []
    for part in PARTS:
        content_type = ContentType.objects.get_for_model(part.model)
        choices = []
        for row in part.rows(profile):
            choices.append((target_anchor(content_type.pk, row.pk), services.review_comment_target_label(target=row)))
            for child in part.children:
                child_type = ContentType.objects.get_for_model(child.model)
                choices.extend(
                    (target_anchor(child_type.pk, child_row.pk), services.review_comment_target_label(target=child_row))
                    for child_row in getattr(row, child.relation).all()
                )
        if choices:
            groups.append((capfirst(part.model._meta.verbose_name_plural), choices))
    return groups


def _parse_target(value):
    """(target, field) from a target value; ValidationError when it names nothing a comment can be about."""
    if value == GENERAL:
        return None, ""
    try:
        content_type_id, object_id, field = value.split("-", 2)
        model = ContentType.objects.get_for_id(int(content_type_id)).model_class()
        object_id = int(object_id)
    except (ValueError, ContentType.DoesNotExist):
        raise ValidationError("Choose what the comment is about from the list.", code="bad_target") from None
    if model is not Compound and model not in PART_BY_MODEL and model not in CHILD_BY_MODEL:
        raise ValidationError("Choose what the comment is about from the list.", code="bad_target")
    target = model._default_manager.filter(pk=object_id).first()
    if target is None:
        raise ValidationError(
            "That row no longer exists (it was deleted since the page was opened): choose another.", code="gone"
        )
    return target, field


class NewCommentForm(forms.Form):
    target = forms.CharField(required=False, label="About", widget=forms.Select)
    body = forms.CharField(
        label="Comment",
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        help_text="Plain text. Seen by editors and reviewers only, never by readers.",
    )

    def __init__(self, *args, compound, target_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.compound = compound
        self.fields["target"].widget.choices = target_choices

    def clean_target(self):
        target, field = _parse_target(self.cleaned_data["target"])
        self.cleaned_data["field"] = field
        return target

    def save(self, user):
        """The new thread; the service's refusals become the form's errors."""
        try:
            return services.review_comment_add(
                compound=self.compound,
                user=user,
                body=self.cleaned_data["body"],
                target=self.cleaned_data["target"],
                field=self.cleaned_data["field"],
            )
        except ValidationError as error:
            self.add_error("body" if error.code == "empty_comment" else "target", error)
            return None


class ReplyForm(forms.Form):
    body = forms.CharField(label="Reply", widget=forms.Textarea(attrs={"rows": 2, "cols": 80}))


def _safe_next(request):
    """Where to go after a post: `next` when it is a page of the admin, else the comments page."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    admin_root = reverse("admin:index")
    if (
        target.startswith(admin_root)
        and not target.startswith("//")
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return None


def _may_view(user, compound):
    return (
        permissions.can_edit(user, compound)
        or permissions.can_publish(user, compound)
        or user.has_perm("compounds.view_compound", compound)
    )


def _may(user, compound, codename):
    return user.has_perm(f"compounds.{codename}") and (
        permissions.can_edit(user, compound) or permissions.can_publish(user, compound)
    )


def _reply_id(thread):
    return f"id_reply_{thread.pk}_%s"


def _thread_of(compound, request):
    try:
        return ReviewComment.objects.threads().get(compound_id=compound.pk, pk=int(request.POST.get("thread", "")))
    except (ValueError, ReviewComment.DoesNotExist):
        raise Http404("No such comment on this profile.") from None


def review_comments_view(model_admin, request, object_id):
    compound = _compound_or_404(object_id)
    if not _may_view(request.user, compound):
        raise PermissionDenied
    may_comment = _may(request.user, compound, "add_reviewcomment")
    may_resolve = _may(request.user, compound, "change_reviewcomment")
    new_form = reply_form = reply_thread_id = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action not in COMMENT_ACTIONS:
            raise Http404("Unknown action.")
        if not (may_comment if action in ("add", "reply") else may_resolve):
            raise PermissionDenied
        done = None
        if action == "add":
            new_form = NewCommentForm(request.POST, compound=compound, target_choices=[])
            if new_form.is_valid() and new_form.save(request.user):
                done = "Comment added. Until it is resolved, the profile cannot be published."
        else:
            thread = _thread_of(compound, request)
            if action == "reply":
                reply_form, reply_thread_id = ReplyForm(request.POST, auto_id=_reply_id(thread)), thread.pk
                if reply_form.is_valid():
                    services.review_comment_reply(
                        comment=thread, user=request.user, body=reply_form.cleaned_data["body"]
                    )
                    done = "Reply added."
            else:
                service = services.review_comment_resolve if action == "resolve" else services.review_comment_reopen
                try:
                    service(comment=thread, user=request.user)
                except ValidationError as error:
                    messages.error(request, " ".join(error.messages))
                    return redirect(_safe_next(request) or request.path)
                done = "Comment resolved." if action == "resolve" else "Comment reopened: it blocks publishing again."
        if done:
            messages.success(request, done)
            return redirect(_safe_next(request) or request.path)
    threads = list(review_threads(compound=compound))
    for thread in threads:
        thread.reply_form = reply_form if thread.pk == reply_thread_id else ReplyForm(auto_id=_reply_id(thread))
    target_choices = []
    if may_comment:
        profile = compound_for_profile(pk=compound.pk)
        target_choices = [
            (GENERAL, "The draft in general"),
            *_compound_field_choices(model_admin, request, compound),
            *_row_choices(profile),
        ]
        wanted = request.GET.get("target", GENERAL) if new_form is None else new_form.data.get("target", GENERAL)
        _add_missing_choice(target_choices, wanted)
        if new_form is None:
            new_form = NewCommentForm(compound=compound, target_choices=target_choices, initial={"target": wanted})
        else:
            new_form.fields["target"].widget.choices = target_choices
    latest = latest_revision_meta(compound_id=compound.pk)
    return TemplateResponse(
        request,
        "admin/compounds/compound/comments.html",
        _context(
            model_admin,
            request,
            compound,
            f"Review comments: {compound}",
            threads=threads,
            open_count=sum(1 for thread in threads if not thread.is_resolved),
            resolved_count=sum(1 for thread in threads if thread.is_resolved),
            new_form=new_form,
            may_comment=may_comment,
            may_resolve=may_resolve,
            latest=latest,
            change_url=reverse("admin:compounds_compound_change", args=[compound.pk]),
        ),
    )


def _add_missing_choice(choices, value):
    """A target asked for by `?target=` that the list does not hold (a field of a row): add it, labelled."""
    listed = {option for choice, label in choices for option in ([choice] if isinstance(label, str) else dict(label))}
    if value in listed:
        return
    whole, _, field = value.rpartition("-")
    if f"{whole}-" not in listed:
        return  # not one of this profile's rows (a stale link): the list starts at "general"
    target, _field = _parse_target(f"{whole}-")
    if field in services.review_comment_target_fields(model=target._meta.concrete_model):
        choices.insert(1, (value, services.review_comment_target_label(target=target, field=field)))
