from django import forms
from django.utils.translation import gettext_lazy as _

from .models import CongressLevel, ProfessionalGroup


class RepresentativeFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"placeholder": _("Name or occupation")}),
    )
    level = forms.ChoiceField(
        label=_("Congress level"), required=False, choices=[("", _("All levels")), *CongressLevel.choices]
    )
    group = forms.ModelChoiceField(
        label=_("Professional group"),
        required=False,
        queryset=ProfessionalGroup.objects.all(),
        empty_label=_("All groups"),
    )
    station = forms.ModelChoiceField(label=_("Station"), required=False, queryset=None, empty_label=_("All stations"))

    def __init__(self, *args, stations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = stations
