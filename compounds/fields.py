"""The one Markdown field type. Every field an editor writes Markdown and citations in is one of these.

The parts registry finds a profile's Markdown by this type (never by a list of names), so rendering,
citation numbering, source merges and the integrity report all see the same texts, and every such field
is validated by the same rule: an unknown citation key is an error naming it.
"""

from django import forms
from django.db import models

from .validators import validate_citation_keys


class MarkdownFormField(forms.CharField):
    def to_python(self, value):
        # Browsers submit textareas with CRLF; store LF so revisions differ only where editors changed text.
        value = super().to_python(value)
        return value.replace("\r\n", "\n").replace("\r", "\n") if value else value


class MarkdownMixin:
    """Markdown with [@key] citations. `inline` fields render without a surrounding paragraph (table cells)."""

    inline = False
    default_validators = [validate_citation_keys]

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": MarkdownFormField, **kwargs})


class MarkdownField(MarkdownMixin, models.TextField):
    """Block Markdown (paragraphs, lists, tables); the admin shows the markdownx editor with a preview."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)


class InlineMarkdownField(MarkdownMixin, models.CharField):
    """One line of inline Markdown, e.g. a table cell: **bold**, links and citations."""

    inline = True


def is_markdown(field):
    return isinstance(field, MarkdownMixin)


def markdown_fields(model):
    """The model's Markdown fields, in declaration order."""
    return tuple(field for field in model._meta.concrete_fields if is_markdown(field))
