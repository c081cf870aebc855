"""What every form of the portal shares."""

from django import forms
from django.forms import BoundField


class MarkedBoundField(BoundField):
    """A field in error gets Bootstrap's red border; Django adds ``aria-invalid`` and points to the message.

    The mark is added while rendering, so no form changes its fields' widgets
    per request (the citizen's form shares its fields between requests).
    """

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        if self.errors:
            # These attributes replace the widget's own when rendered: keep its classes.
            classes = attrs.get("class", (widget or self.field.widget).attrs.get("class", ""))
            attrs["class"] = f"{classes} is-invalid".strip()
        return attrs


DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class BootstrapMixin:
    """Bootstrap 5 classes on every widget, and ``is-invalid`` on those whose field got an error."""

    bound_field_class = MarkedBoundField

    def _style_widgets(self):
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, (forms.CheckboxInput, forms.CheckboxSelectMultiple, forms.RadioSelect)):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
