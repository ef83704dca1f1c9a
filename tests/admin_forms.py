"""Build the POST data a browser would send for an admin change form, from the rendered page's context."""


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
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management[name].html_name] = management[name].value()
        for form in formset.forms:
            _add_form(data, form)
    return data
