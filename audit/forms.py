from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import MarkedBoundField

from .models import AuditAction, AuditOutcome
from .selectors import AuditFilters, object_type_choices


class AuditFilterForm(forms.Form):
    bound_field_class = MarkedBoundField

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    actor = forms.CharField(label=_("Account"), required=False, max_length=150)
    action = forms.ChoiceField(label=_("Action"), required=False)
    outcome = forms.ChoiceField(label=_("Outcome"), required=False)
    object_type = forms.ChoiceField(label=_("Object type"), required=False)
    object_id = forms.CharField(label=_("Object id"), required=False, max_length=64)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("All actions")), *AuditAction.choices]
        self.fields["outcome"].choices = [("", _("All outcomes")), *AuditOutcome.choices]
        self.fields["object_type"].choices = [("", _("All object types")), *object_type_choices()]
        self.fields["q"].widget.attrs["placeholder"] = _("Account, address, object id or detail")
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = css

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The start of the period is after its end."))
        return data

    def filters(self) -> AuditFilters:
        """The filters asked for; none when the form has errors (the page shows them beside the fields)."""
        if not self.is_bound or not self.is_valid():
            return AuditFilters()
        data = self.cleaned_data
        return AuditFilters(
            query=data["q"].strip(),
            actor=data["actor"].strip(),
            action=data["action"],
            outcome=data["outcome"],
            object_type=data["object_type"],
            object_id=data["object_id"].strip(),
            date_from=data["date_from"],
            date_to=data["date_to"],
        )
