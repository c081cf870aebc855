import datetime as dt

from crispy_forms.helper import FormHelper
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.sms import MOBILE_RE
from stations.models import Station
from suggestions.models import OFFLINE_CHANNELS, Category, Channel, Outcome, Stage


def validate_mobile(value: str) -> None:
    if value and not MOBILE_RE.match(value):
        raise forms.ValidationError(_("Enter an 11-digit mainland mobile number, such as 13812345678."))


class SuggestionFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"placeholder": _("Words in the title or content, or a whole mobile number")}),
    )
    stage = forms.ChoiceField(label=_("Stage"), required=False, choices=[("", _("All stages")), *Stage.choices])
    channel = forms.ChoiceField(label=_("Channel"), required=False, choices=[("", _("All channels")), *Channel.choices])
    station = forms.ModelChoiceField(label=_("Station"), required=False, queryset=None, empty_label=_("All stations"))
    category = forms.ModelChoiceField(
        label=_("Category"), required=False, queryset=Category.objects.all(), empty_label=_("All categories")
    )
    enterprise = forms.ChoiceField(
        label=_("Enterprise items"),
        required=False,
        choices=[("", _("All")), ("yes", _("Enterprise items only")), ("no", _("Without enterprise items"))],
    )
    received_from = forms.DateField(
        label=_("Received from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    received_to = forms.DateField(
        label=_("Received until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    # Drill-downs from the dashboards: carried as hidden fields and shown as removable chips.
    region = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    kind = forms.ChoiceField(required=False, choices=[("", ""), *Station.Kind.choices], widget=forms.HiddenInput)
    colour = forms.ChoiceField(
        required=False,
        choices=[("", ""), ("red", _("Red")), ("yellow", _("Yellow")), ("green", _("Green"))],
        widget=forms.HiddenInput,
    )
    overdue = forms.BooleanField(required=False, widget=forms.HiddenInput)
    replied = forms.BooleanField(required=False, widget=forms.HiddenInput)
    unit = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    outcome = forms.ChoiceField(
        required=False,
        choices=[("", ""), ("ok", _("Satisfied or basically satisfied")), *Outcome.choices],
        widget=forms.HiddenInput,
    )

    def __init__(self, *args, stations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = stations

    def clean(self):
        data = super().clean()
        start, end = data.get("received_from"), data.get("received_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The start of the date range is after its end."))
        return data


class OfflineSuggestionForm(forms.Form):
    """Staff enter a suggestion that arrived by mailbox, WeChat group, door-to-door visit or another platform."""

    station = forms.ModelChoiceField(label=_("Station"), queryset=None, empty_label=None)
    channel = forms.ChoiceField(label=_("Channel"), choices=[(c.value, c.label) for c in OFFLINE_CHANNELS])
    received_on = forms.DateField(
        label=_("Date received"),
        help_text=_("The day it actually arrived: the handling deadlines count from it."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    title = forms.CharField(label=_("Title"), max_length=100)
    content = forms.CharField(label=_("What happened and what is asked"), widget=forms.Textarea(attrs={"rows": 5}))
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=None, required=False, empty_label=_("(not yet categorised)")
    )
    location = forms.CharField(label=_("Location"), max_length=200, required=False)
    is_enterprise = forms.BooleanField(label=_("Raised for an enterprise"), required=False)
    enterprise_name = forms.CharField(label=_("Enterprise name"), max_length=100, required=False)
    submitter_name = forms.CharField(label=_("Citizen's name"), max_length=40, required=False)
    submitter_phone = forms.CharField(
        label=_("Citizen's mobile number"), max_length=20, required=False, validators=[validate_mobile]
    )

    def __init__(self, *args, stations=None, categories=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = stations
        self.fields["category"].queryset = categories
        if not self.is_bound:
            self.initial.setdefault("received_on", timezone.localdate())
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_received_on(self):
        value = self.cleaned_data["received_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The date received cannot be in the future."))
        return value

    def clean(self):
        data = super().clean()
        if data.get("is_enterprise") and not (data.get("enterprise_name") or "").strip():
            self.add_error("enterprise_name", _("Give the enterprise's name."))
        return data

    def received_at(self) -> dt.datetime:
        """The received day at the time of entry if today, else at 09:00: a working-hours instant on that day."""
        day = self.cleaned_data["received_on"]
        if day == timezone.localdate():
            return timezone.now()
        return timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))


class MergeForm(forms.Form):
    original = forms.CharField(max_length=16)


class PhoneLast4Field(forms.RegexField):
    """The last four digits of the mobile number a citizen gave: their proof on the tracking page (rating,
    withdrawal). A phone's number pad, nothing remembered by the browser."""

    def __init__(self, **kwargs):
        message = _("Enter four digits.")
        kwargs.setdefault("label", _("Last four digits of the mobile number you gave"))
        kwargs.setdefault("error_messages", {"invalid": message, "required": message})
        attrs = {
            "inputmode": "numeric",
            "autocomplete": "off",
            "maxlength": "4",
            "pattern": "[0-9]{4}",
            "class": "form-control form-control-lg",
        }
        super().__init__(regex=r"^\d{4}$", widget=forms.TextInput(attrs=attrs), **kwargs)
