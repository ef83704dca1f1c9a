"""django-markdownx's two views, behind staff checks (the package's own URLs need no login)."""

from django import forms
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.decorators import method_decorator
from markdownx.forms import ImageForm
from markdownx.views import ImageUploadView, MarkdownifyView
from PIL import Image

from .models import Citation, Compound
from .permissions import can_preview
from .rendering import markdownify_preview

ALLOWED_IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png"}

UNSAVED_NOTE = "Numbers count from this field only until the profile is saved."
# One note for a profile that does not exist and one the user may not see: the preview tells neither apart.
UNAVAILABLE_NOTE = "Numbers count from this field only: this preview cannot read the profile's saved draft."


class VerifiedImageForm(ImageForm):
    """Trust the file's bytes, not the browser's content type: only real JPEG or PNG images pass."""

    def clean_image(self):
        upload = self.cleaned_data["image"]
        try:
            with Image.open(upload) as image:
                image_format = image.format
                image.verify()
        except Exception:
            raise forms.ValidationError("This file is not a JPEG or PNG image.") from None
        finally:
            upload.seek(0)
        if image_format not in ALLOWED_IMAGE_FORMATS:
            raise forms.ValidationError(f"{image_format} images are not accepted; upload a JPEG or PNG.")
        upload.content_type = ALLOWED_IMAGE_FORMATS[image_format]
        return upload


def saved_page_numbers(user, compound_id):
    """Source id → number on the page of a profile's saved draft; None when `user` may not preview that profile or
    there is no such profile.

    Read from the citation rows every save rebuilds from the whole draft: opening a form previews each of its
    Markdown fields at once, and each preview must not rebuild the profile.
    """
    try:
        compound = Compound.objects.only("pk").get(pk=compound_id)
    except (Compound.DoesNotExist, ValueError, ValidationError):
        return None
    if not can_preview(user, compound):
        return None
    return dict(Citation.objects.filter(compound=compound).values_list("source_id", "number"))


@method_decorator(staff_member_required, name="dispatch")
class StaffMarkdownifyView(MarkdownifyView):
    """Previews one field. The widget names the profile the field belongs to (`?compound=<pk>`, see
    admin.inlines.ProfileMarkdownxWidget) so citations show the numbers they have on the page."""

    def post(self, request, *args, **kwargs):
        content = request.POST.get("content", "")
        compound_id = request.GET.get("compound")
        if not compound_id:
            return HttpResponse(markdownify_preview(content, note=UNSAVED_NOTE))
        page_numbers = saved_page_numbers(request.user, compound_id)
        if page_numbers is None:
            return HttpResponse(markdownify_preview(content, note=UNAVAILABLE_NOTE))
        return HttpResponse(markdownify_preview(content, page_numbers=page_numbers))


@method_decorator(staff_member_required, name="dispatch")
@method_decorator(permission_required("compounds.change_compound", raise_exception=True), name="dispatch")
class StaffImageUploadView(ImageUploadView):
    form_class = VerifiedImageForm
