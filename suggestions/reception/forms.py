"""Forms of the reception-day pages. Choices come in as lists, so rendering and validating cost no query."""

from __future__ import annotations

import re
import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import DATE_WIDGET, BootstrapMixin
from stations.models import ReceptionRule
from suggestions.forms import MOBILE_RE
from suggestions.reception.services import MAX_SUGGESTIONS_PER_VISIT


def _time_widget():
    return forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class RepresentativesField(forms.TypedMultipleChoiceField):
    """Representatives as checkboxes, from an already fetched list; cleans to the objects themselves."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("coerce", int)
        super().__init__(*args, **kwargs)
        self.objects: dict[int, object] = {}

    def set_representatives(self, representatives):
        self.objects = {rep.pk: rep for rep in representatives}
        self.choices = [(rep.pk, rep.name) for rep in representatives]

    def clean(self, value):
        return [self.objects[pk] for pk in super().clean(value)]


class RuleForm(BootstrapMixin, forms.ModelForm):
    """A schedule: "every Wednesday, 3–5 representatives on duty" or "the 20th of every month"."""

    class Meta:
        model = ReceptionRule
        fields = ["kind", "weekday", "day_of_month", "start_time", "end_time", "duty_min", "duty_max", "starts_on"]
        widgets = {
            "kind": forms.RadioSelect,
            "day_of_month": forms.NumberInput(attrs={"min": 1, "max": 28}),
            "start_time": _time_widget(),
            "end_time": _time_widget(),
            "duty_min": forms.NumberInput(attrs={"min": 1, "max": 30}),
            "duty_max": forms.NumberInput(attrs={"min": 1, "max": 30}),
            "starts_on": DATE_WIDGET,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style_widgets()
        self.fields["weekday"].choices = [("", "—"), *ReceptionRule.Weekday.choices]
        self.fields["day_of_month"].help_text = _("1 to 28, so that every month has it.")


class OneOffDayForm(BootstrapMixin, forms.Form):
    date = forms.DateField(label=_("Date"), widget=DATE_WIDGET)
    start_time = forms.TimeField(label=_("Starts at"), widget=_time_widget())
    end_time = forms.TimeField(label=_("Ends at"), widget=_time_widget())
    on_duty = RepresentativesField(label=_("Representatives on duty"), required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, residents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._style_widgets()
        self.fields["on_duty"].set_representatives(residents)

    def clean(self):
        data = super().clean()
        start, end = data.get("start_time"), data.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", _("The reception must end after it starts."))
        return data


class RosterForm(BootstrapMixin, forms.Form):
    representatives = RepresentativesField(label=_("Representatives on duty"), required=False)

    def __init__(self, *args, residents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._style_widgets()
        self.fields["representatives"].set_representatives(residents)


class VisitForm(BootstrapMixin, forms.Form):
    """One visitor, typed at the desk: keyboard order is the field order."""

    visitor_name = forms.CharField(
        label=_("Visitor's name"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off", "placeholder": _("optional")}),
    )
    visitor_phone = forms.CharField(
        label=_("Visitor's mobile number"),
        max_length=20,
        required=False,
        widget=forms.TextInput(
            attrs={"inputmode": "tel", "autocomplete": "off", "placeholder": _("optional, for the tracking code")}
        ),
    )
    received_by = RepresentativesField(
        label=_("Received by"),
        error_messages={"required": _("Choose at least one representative who received the visitor.")},
    )
    summary = forms.CharField(
        label=_("What was raised"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write down what the visitor raised.")},
    )
    answered_on_spot = forms.BooleanField(label=_("Answered on the spot"), required=False)
    spot_answer = forms.CharField(
        label=_("Answer given on the spot"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    token = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, representatives=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._style_widgets()
        self.fields["received_by"].set_representatives(representatives)
        if not self.is_bound:
            self.initial.setdefault("token", uuid.uuid4().hex)

    def clean_visitor_phone(self):
        phone = re.sub(r"[\s\-()]", "", self.cleaned_data["visitor_phone"])
        if phone.startswith("+86"):
            phone = phone[3:]
        if phone and not MOBILE_RE.match(phone):
            raise forms.ValidationError(_("Enter an 11-digit mainland mobile number, such as 13812345678."))
        return phone

    def clean(self):
        data = super().clean()
        if data.get("answered_on_spot") and not (data.get("spot_answer") or "").strip():
            self.add_error("spot_answer", _("Write down the answer given on the spot."))
        return data

    def clean_token(self):
        # A mangled token must not block the desk: a fresh one only loses double-submit protection.
        value = self.cleaned_data["token"]
        return value if re.fullmatch(r"[0-9a-f]{32}", value or "") else uuid.uuid4().hex


class SuggestionRowForm(BootstrapMixin, forms.Form):
    """One suggestion the visit becomes; an untouched row is ignored."""

    title = forms.CharField(label=_("Suggestion title"), max_length=100, required=False)
    category = forms.TypedChoiceField(label=_("Category"), required=False, coerce=int, empty_value=None)
    content = forms.CharField(
        label=_("Details"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("Leave empty to use what was raised")}),
    )

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._style_widgets()
        self.categories = {category.pk: category for category in categories}
        self.fields["category"].choices = [("", _("Category…")), *((c.pk, c.name) for c in categories)]

    def clean(self):
        data = super().clean()
        if (data.get("content") or data.get("category")) and not data.get("title"):
            self.add_error("title", _("Give the suggestion a title."))
        return data

    def row(self) -> dict:
        data = self.cleaned_data
        return {
            "title": data.get("title", ""),
            "content": data.get("content", ""),
            "category": self.categories.get(data.get("category")),
        }


SuggestionRowFormSet = forms.formset_factory(
    SuggestionRowForm, extra=MAX_SUGGESTIONS_PER_VISIT, max_num=MAX_SUGGESTIONS_PER_VISIT, validate_max=True
)
