"""django-markdownx's two views, behind staff checks (the package's own URLs need no login)."""

from django import forms
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.utils.decorators import method_decorator
from markdownx.forms import ImageForm
from markdownx.views import ImageUploadView, MarkdownifyView
from PIL import Image

ALLOWED_IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png"}


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


@method_decorator(staff_member_required, name="dispatch")
class StaffMarkdownifyView(MarkdownifyView):
    pass


@method_decorator(staff_member_required, name="dispatch")
@method_decorator(permission_required("compounds.change_compound", raise_exception=True), name="dispatch")
class StaffImageUploadView(ImageUploadView):
    form_class = VerifiedImageForm
