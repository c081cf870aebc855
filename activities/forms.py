import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.files import PDF, AttachmentsField
from representatives.models import CongressLevel, ProfessionalGroup

from .models import ActivityKind
from .scoring import period_choices


class PhotosField(AttachmentsField):
    """Up to five photos, checked by their bytes like the citizen's attachments; no PDF here."""

    def clean(self, value):
        cleaned = super().clean(value)
        pdfs = [f.name for f in cleaned if f.content_type == PDF[0]]
        if pdfs:
            raise ValidationError(
                _("“%(name)s” is not a photo (JPEG, PNG, WebP, GIF)."), code="invalid_type", params={"name": pdfs[0]}
            )
        return cleaned


class ActivityForm(forms.Form):
    kind = forms.ModelChoiceField(label=_("Kind"), queryset=ActivityKind.objects.none(), empty_label=None)
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    station = forms.ModelChoiceField(label=_("Station"), queryset=None, empty_label=None)
    representatives = forms.ModelMultipleChoiceField(
        label=_("Participating representatives"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick at least one representative who took part.")},
    )
    title = forms.CharField(label=_("Title"), max_length=100)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 5}))
    photos = PhotosField(
        label=_("Photos"),
        required=False,
        help_text=_("Up to 5 photos, 10 MB each. Chosen photos must be chosen again if the form shows an error."),
    )

    def __init__(self, *args, stations, representatives, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].queryset = ActivityKind.objects.filter(is_active=True)
        self.fields["station"].queryset = stations
        self.fields["representatives"].queryset = representatives
        self.fields["photos"].widget.attrs["accept"] = "image/jpeg,image/png,image/webp,image/gif"

    def clean_date(self):
        day = self.cleaned_data["date"]
        today = timezone.localdate()
        if day > today:
            raise ValidationError(_("An activity is recorded once it has taken place; the date is in the future."))
        if day < today - dt.timedelta(days=3 * 366):
            raise ValidationError(_("The date is more than three years ago; check the year."))
        return day


class ActivityFilterForm(forms.Form):
    kind = forms.ModelChoiceField(label=_("Kind"), required=False, queryset=None, empty_label=_("All kinds"))
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    q = forms.CharField(label=_("Search"), required=False, max_length=50)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].queryset = ActivityKind.objects.all()

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ValidationError(_("The start of the date range is after its end."))
        return data


class RankingForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"), required=False)
    level = forms.ChoiceField(
        label=_("Congress level"), required=False, choices=[("", _("All levels")), *CongressLevel.choices]
    )
    group = forms.ModelChoiceField(
        label=_("Professional group"), required=False, queryset=None, empty_label=_("All groups")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = period_choices()
        self.fields["group"].queryset = ProfessionalGroup.objects.all()
