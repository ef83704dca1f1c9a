from django import forms
from django.db import models

from .validators import validate_citation_keys


class MarkdownFormField(forms.CharField):
    def to_python(self, value):
        # Browsers submit textareas with CRLF; store LF so revisions differ only where editors changed text.
        value = super().to_python(value)
        return value.replace("\r\n", "\n").replace("\r", "\n") if value else value


class MarkdownField(models.TextField):
    """Markdown written by editors: the markdownx editor in the admin, and citation-key checks.

    A class of our own (rather than MarkdownxField) keeps widget concerns out of
    the models; the admin maps this class to the markdownx widget.
    """

    default_validators = [validate_citation_keys]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": MarkdownFormField, **kwargs})
