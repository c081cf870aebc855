"""What every form of the portal shares."""

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
