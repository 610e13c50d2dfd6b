"""Turn an admin change page (GET) into the POST data a browser would send back unchanged."""

from __future__ import annotations


def _add(data: dict, form) -> None:
    for name, field in form.fields.items():
        bound = form[name]
        value = bound.value()
        keys = [bound.html_name]
        if field.show_hidden_initial:  # a browser posts the hidden "initial-…" input too
            keys.append(bound.html_initial_name)
        for key in keys:
            _put(data, key, value)


def _put(data: dict, key: str, value) -> None:
    if isinstance(value, bool):
        if value:
            data[key] = "on"
    elif isinstance(value, list | tuple):
        data[key] = [str(v) for v in value]
    elif value is None:
        data[key] = ""
    else:
        data[key] = str(value)


def change_form_data(response) -> dict:
    data: dict = {}
    _add(data, response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        _add(data, formset.management_form)
        for form in formset.forms:
            _add(data, form)
    return data


def inline_prefix(response, model_name: str) -> str:
    for inline in response.context["inline_admin_formsets"]:
        if inline.formset.model._meta.model_name == model_name:
            return inline.formset.prefix
    raise KeyError(model_name)


def inline_index(response, model_name: str, **match) -> int:
    """The index of the inline form whose instance has the given attribute values."""
    for inline in response.context["inline_admin_formsets"]:
        if inline.formset.model._meta.model_name == model_name:
            for index, form in enumerate(inline.formset.forms):
                if all(getattr(form.instance, k) == v for k, v in match.items()):
                    return index
    raise KeyError(match)
