"""The compound form's tabs: which fieldsets and which parts each holds, in the public page's order.

A part names its tab in the registry (`compounds.parts`, `Form.tab`); the compound's own fieldsets are placed
here by their heading. Everything stays one HTML form: a tab is a section of it, which the static script
`compounds/compound-form.js` shows one at a time. Without JavaScript the tabs are a list of links to the
sections, all shown one after another.
"""

from dataclasses import dataclass, field

from django.contrib.admin.utils import flatten
from django.contrib.contenttypes.models import ContentType


@dataclass(frozen=True)
class Tab:
    key: str
    label: str
    fieldsets: tuple = ()  # headings of the compound form's fieldsets shown in the tab (None: the untitled first)


TABS = (
    Tab("overview", "Overview", (None, "Badges", "Variant form")),
    Tab("text", "Text", ("What is this?",)),
    Tab("tables", "Tables", ("Chemistry",)),
    Tab("dosing", "Dosing & administration", ("Administration", "Dosing limits and cycling")),
    Tab("safety", "Safety", ("Side effects",)),
    Tab("evidence", "Evidence"),
    Tab("vendors", "Vendors", ("Where to buy",)),
    Tab("publishing", "Publishing", ("Workflow", "Automatic checks")),
)
FIELDSET_TAB = {name: tab.key for tab in TABS for name in tab.fieldsets}


@dataclass
class TabView:
    """One tab as the change form shows it."""

    tab: Tab
    fieldsets: list = field(default_factory=list)  # (index in the form, admin Fieldset)
    inlines: list = field(default_factory=list)  # InlineAdminFormSet
    errors: list = field(default_factory=list)  # "where: message" lines
    comments: list = field(default_factory=list)  # open review threads on the compound's fields in this tab

    @property
    def key(self):
        return self.tab.key

    @property
    def label(self):
        return self.tab.label

    @property
    def row_count(self):
        """Rows in the tab's tables, as the form shows them (new, unsaved rows included)."""
        return sum(inline.formset.total_form_count() for inline in self.inlines) if self.inlines else None

    @property
    def has_errors(self):
        return bool(self.errors)


def _field_label(form, name):
    bound = form.fields.get(name)
    return str(bound.label) if bound is not None and bound.label else name.replace("_", " ").capitalize()


def _fieldset_errors(form, fieldset):
    lines = []
    for name in flatten(fieldset.fields):
        for message in form.errors.get(name, ()):
            lines.append(f"{_field_label(form, name)}: {message}")
    return lines


def _inline_errors(inline):
    formset = inline.formset
    if not formset.is_bound:
        return []
    heading = str(inline.opts.verbose_name_plural).capitalize()
    lines = [f"{heading}: {message}" for message in formset.non_form_errors()]
    for number, row_form in enumerate(formset.forms, start=1):
        for name, messages in row_form.errors.items():
            where = f"{heading}, row {number}"
            if name != "__all__":
                where += f" — {_field_label(row_form, name)}"
            lines.extend(f"{where}: {message}" for message in messages)
    return lines


def tab_views(adminform, inline_admin_formsets, threads_by_target=None):
    """The tabs of a compound form, with the fieldsets and inlines each holds and the errors in each.

    `threads_by_target` ({(content type id, row id): [open threads]}, see CompoundAdmin) places review threads
    on the compound's own fields in the tab of the field; threads on the draft in general, or on a row that is
    no longer on the form, go to the Publishing tab. Threads on a row are shown on the row itself.
    """
    views = {tab.key: TabView(tab) for tab in TABS}
    field_tab = {}
    for index, fieldset in enumerate(adminform):
        view = views[FIELDSET_TAB[fieldset.name]]
        view.fieldsets.append((index, fieldset))
        view.errors.extend(_fieldset_errors(adminform.form, fieldset))
        field_tab.update(dict.fromkeys(flatten(fieldset.fields), view))
    rows_on_form = set()
    for inline in inline_admin_formsets:
        view = views[inline.opts.part.form.tab]
        view.inlines.append(inline)
        view.errors.extend(_inline_errors(inline))
        content_type_id = ContentType.objects.get_for_model(inline.formset.model).pk
        rows_on_form.update((content_type_id, f.instance.pk) for f in inline.formset.initial_forms)
    compound = adminform.form.instance
    compound_type_id = ContentType.objects.get_for_model(type(compound)).pk
    for (content_type_id, object_id), threads in (threads_by_target or {}).items():
        if (content_type_id, object_id) in rows_on_form:
            continue
        for thread in threads:
            on_field = content_type_id == compound_type_id and object_id == compound.pk
            if on_field and thread.target_field in field_tab:
                field_tab[thread.target_field].comments.append(thread)
            else:
                views["publishing"].comments.append(thread)
    return list(views.values())
