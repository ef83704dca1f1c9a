"""Build the POST data a browser would send for an admin change form.

`change_form_data` reads it from a rendered page's context. `form_data` builds the same forms the page would
show without rendering it: rendering the compound form (20 inlines) is most of an admin test's time, and the
smoke tests already render every page.
"""

from django.contrib.auth import get_user_model
from django.test import RequestFactory
from django.urls import resolve, reverse

from compounds.models import RevisionMeta


def _field_value(bound_field):
    value = bound_field.value()
    widget = bound_field.field.widget
    if value is None:
        return None
    if hasattr(widget, "allow_multiple_selected") and widget.allow_multiple_selected:
        return [str(item) for item in value]
    if isinstance(value, bool):
        return "on" if value else None
    return value


def _add_form(data, form):
    for name, field in form.fields.items():
        bound = form[name]
        value = _field_value(bound)
        if value is None:
            continue
        if isinstance(field.widget, type) or getattr(field.widget, "input_type", None) == "checkbox":
            if value:
                data[bound.html_name] = "on"
            continue
        if hasattr(field.widget, "widgets") and isinstance(value, (list, tuple)):
            for index, item in enumerate(value):
                data[f"{bound.html_name}_{index}"] = "" if item is None else item
            continue
        data[bound.html_name] = value


def change_form_data(response):
    """POST data reproducing the change form as rendered (all inlines included)."""
    context = response.context
    data = {}
    _add_form(data, context["adminform"].form)
    for inline in context["inline_admin_formsets"]:
        _add_formset(data, inline.formset)
    return data


def _add_formset(data, formset):
    management = formset.management_form
    for name in management.fields:
        data[management[name].html_name] = management[name].value()
    for form in formset.forms:
        _add_form(data, form)


def form_data(client, url):
    """POST data reproducing the admin change form at `url` as the client's user would get it."""
    user = get_user_model().objects.get(pk=client.session["_auth_user_id"])
    match = resolve(url)
    model_admin = match.func.model_admin
    request = RequestFactory().get(url)
    request.user, request.resolver_match = user, match
    object_id = match.kwargs.get("object_id")
    obj = model_admin.get_object(request, object_id) if object_id else None
    change = obj is not None
    data = {}
    _add_form(data, model_admin.get_form(request, obj, change=change)(instance=obj))
    formsets, _inlines = model_admin._create_formsets(request, obj if change else model_admin.model(), change=change)
    for formset in formsets:
        _add_formset(data, formset)
    return data


def admin_save(client, compound, summary="Edited in a test", **changes):
    """Open the compound's change form, apply changes to the POST data, save. Returns the response."""
    url = reverse("admin:compounds_compound_change", args=[compound.pk])
    data = form_data(client, url)
    data["edit_summary"] = summary
    data.update(changes)
    return client.post(url, data)


def form_field(data, prefix, field, match):
    """The POST key of `field` in the inline row (prefix e.g. "sections-") whose value contains `match`."""
    for key, value in data.items():
        if key.startswith(prefix) and key.endswith(f"-{field}") and match in str(value):
            return key
    raise KeyError(f"no {prefix} row with {field} containing {match!r}")


def row_prefix(data, relation, row):
    """The POST prefix (e.g. "sections-3") of a stored row in an inline formset's data."""
    for key, value in data.items():
        if key.startswith(f"{relation}-") and key.endswith("-id") and str(value) == str(row.pk):
            return key[: -len("-id")]
    raise KeyError(f"row {row.pk} of {relation} is not on the form")


def messages_of(response):
    """The messages a followed response shows the user."""
    return [str(message) for message in response.context["messages"]] if response.context else []


def revisions_of(compound):
    """The profile's revision records, newest first."""
    return RevisionMeta.objects.filter(compound_key=compound.pk).order_by("-number")


def add_inline_row(data, prefix, **fields):
    """Fill the next extra row of an inline formset (prefix e.g. "interactions") and count it in."""
    total = int(data[f"{prefix}-TOTAL_FORMS"])
    for name, value in fields.items():
        data[f"{prefix}-{total}-{name}"] = value
    data[f"{prefix}-TOTAL_FORMS"] = str(total + 1)
    return data
