"""Compare two revisions of a profile: changed fields, added/removed/changed child rows, word-level text diffs."""

import difflib
import html
import re
from dataclasses import dataclass, field

from django.apps import apps
from django.utils.safestring import mark_safe

from .fields import is_markdown
from .models import WORKFLOW_FIELDS, Compound
from .parts import page_order

# Not content: workflow state, timestamps and the identifier change without an editor changing the profile.
IGNORED_FIELDS = {*WORKFLOW_FIELDS, "created_at", "updated_at", "uid"}
TOKEN_RE = re.compile(r"\s+|\w+|[^\w\s]")


def word_diff(old, new):
    """HTML with <del>/<ins> around changed words; everything escaped."""
    old_tokens, new_tokens = TOKEN_RE.findall(old or ""), TOKEN_RE.findall(new or "")
    chunks = []  # [equal?, old text, new text]
    for op, a1, a2, b1, b2 in difflib.SequenceMatcher(None, old_tokens, new_tokens, autojunk=False).get_opcodes():
        before, after = "".join(old_tokens[a1:a2]), "".join(new_tokens[b1:b2])
        if op != "equal" and chunks and not chunks[-1][0]:
            chunks[-1][1] += before
            chunks[-1][2] += after
        elif op != "equal" and len(chunks) >= 2 and chunks[-1][0] and not chunks[-1][1].strip() and not chunks[-2][0]:
            # A lone space between two changes belongs to the change: "A brand new" reads as one edit.
            space = chunks.pop()[1]
            chunks[-1][1] += space + before
            chunks[-1][2] += space + after
        else:
            chunks.append([op == "equal", before, after])
    parts = []
    for equal, before, after in chunks:
        if equal:
            parts.append(html.escape(before))
            continue
        if before:
            parts.append(f"<del>{html.escape(before)}</del>")
        if after:
            parts.append(f"<ins>{html.escape(after)}</ins>")
    return mark_safe("".join(parts))


@dataclass
class FieldChange:
    name: str
    label: str
    old: object
    new: object
    diff: str = ""


@dataclass
class RowChange:
    kind: str  # added, removed, changed
    label: str
    fields: list = field(default_factory=list)


@dataclass
class GroupChange:
    label: str
    rows: list


@dataclass
class Comparison:
    fields: list
    groups: list

    @property
    def has_changes(self):
        return bool(self.fields or self.groups)


def _display(model_field, value):
    if value in (None, "", []):
        return "—"
    if getattr(model_field, "choices", None):
        return dict(model_field.flatchoices).get(value, value)
    if model_field.is_relation:
        # Show what a foreign key points to, not its number.
        values = value if isinstance(value, list) else [value]
        related = model_field.related_model._default_manager.in_bulk(values)
        return ", ".join(str(related.get(item, f"#{item}")) for item in values)
    return value


def _normalise(value):
    # Older revisions may hold CRLF from browser forms; line endings are not a change.
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


def _field_changes(model, old, new):
    changes = []
    for name in dict.fromkeys([*old, *new]):
        model_field = model._meta.get_field(name)  # field_dict keys are attnames (compound_id)
        if model_field.name in IGNORED_FIELDS or model_field.primary_key:
            continue
        before, after = _normalise(old.get(name)), _normalise(new.get(name))
        if isinstance(before, list) and isinstance(after, list):
            before, after = sorted(map(str, before)), sorted(map(str, after))
        if before == after:
            continue
        if model_field.name in ("compound", "table"):
            continue  # the parent link: the grouping already says which profile or table
        label = str(model_field.verbose_name)
        text_like = is_markdown(model_field) or (isinstance(before, str) and isinstance(after, str))
        changes.append(
            FieldChange(
                name=name,
                label=label[:1].upper() + label[1:],
                old=_display(model_field, before),
                new=_display(model_field, after),
                diff=word_diff(str(before or ""), str(after or "")) if text_like and not model_field.choices else "",
            )
        )
    return changes


def revision_state(revision):
    """{model: {object_id: (repr, field_dict)}} for one revision. One query for its versions."""
    state = {}
    for version in revision.version_set.select_related("content_type").all():
        model = apps.get_model(version.content_type.app_label, version.content_type.model)
        if model is None:
            continue
        state.setdefault(model, {})[version.object_id] = (version.object_repr, version.field_dict)
    return state


def compare_revisions(old_revision, new_revision):
    old_state, new_state = revision_state(old_revision), revision_state(new_revision)
    compound_fields = []
    old_compound = next(iter(old_state.get(Compound, {}).values()), (None, {}))[1]
    new_compound = next(iter(new_state.get(Compound, {}).values()), (None, {}))[1]
    compound_fields = _field_changes(Compound, old_compound, new_compound)

    groups = []
    models = sorted(
        (model for model in dict.fromkeys([*old_state, *new_state]) if model is not Compound), key=page_order
    )
    for model in models:
        old_rows, new_rows = old_state.get(model, {}), new_state.get(model, {})
        rows = []
        for object_id, (label, fields) in new_rows.items():
            if object_id not in old_rows:
                rows.append(RowChange("added", label, _field_changes(model, {}, fields)))
        for object_id, (label, fields) in old_rows.items():
            if object_id not in new_rows:
                rows.append(RowChange("removed", label, _field_changes(model, fields, {})))
            else:
                changes = _field_changes(model, fields, new_rows[object_id][1])
                if changes:
                    rows.append(RowChange("changed", new_rows[object_id][0], changes))
        if rows:
            label = str(model._meta.verbose_name_plural)
            groups.append(GroupChange(label[:1].upper() + label[1:], rows))
    return Comparison(fields=compound_fields, groups=groups)
