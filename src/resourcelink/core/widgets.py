from html import escape

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _


class QuickSelect(forms.Widget):
    """A select box whose options are joined in Python.

    Django's Select renders every option through its own template and
    normalises the choices again on every form; a district's grid box has
    hundreds of options and took most of a list page's time. ``options`` is
    a list of ``(value, label)`` pairs; the markup is that of a flat Select.
    """

    options: list = []

    def format_value(self, value) -> str:
        return "" if value is None else str(value)

    def render(self, name, value, attrs=None, renderer=None):
        selected = self.format_value(value)
        final_attrs = self.build_attrs(self.attrs, attrs)
        final_attrs["name"] = name
        # html.escape on plain strings: format_html per option costs ten
        # times as much, and a grid box has hundreds of options.
        options = "".join(
            f'<option value="{escape(str(v))}"{" selected" if str(v) == selected else ""}>{escape(str(label))}</option>'
            for v, label in self.options
        )
        return format_html("<select{}>{}</select>", flatatt(final_attrs), mark_safe(options))


class RecordChoiceField(forms.Field):
    """One of a station's records by id, for filters with many options.

    The ``(id, label)`` pairs go straight to a QuickSelect and validation is
    a set lookup, so a form with 500 grids costs no more than one with five.
    Cleans to the id (an int) or None.
    """

    widget = QuickSelect
    default_error_messages = {"invalid_choice": _("Select a valid choice. %(value)s is not one of the available choices.")}

    def __init__(self, *, empty_label, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.empty_label = empty_label
        self.exists = None
        self.set_choices([])

    def set_choices(self, pairs, *, exists=None) -> None:
        """The options shown. ``exists(pk) -> bool`` validates ids that are
        not shown (say, a grid of a community not chosen yet); without it
        only the shown ids are valid."""
        pairs = list(pairs)
        self._ids = {str(pk) for pk, _label in pairs}
        self.exists = exists
        self.widget.options = [("", self.empty_label), *pairs]

    def to_python(self, value):
        if value in (None, ""):
            return None
        valid = str(value) in self._ids or (
            self.exists is not None and str(value).isdigit() and self.exists(int(value)))
        if not valid:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value})
        return int(value)
