from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Region, StandardItem, Station


class StationForm(forms.ModelForm):
    """What station staff and committee admins may change on a station page."""

    standard_items_met = forms.ModelMultipleChoiceField(
        label=_("Standardisation items met"),
        queryset=StandardItem.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Station
        # What the service saves, and nothing else: a field added there appears here.
        fields = [*services.EDITABLE_FIELDS, "standard_items_met"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["head"].queryset = self.instance.residents.all() if self.instance.pk else Station.objects.none()
        self.fields["head"].empty_label = _("(none)")
        self.helper = FormHelper()
        self.helper.form_tag = False


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"placeholder": _("Station name or address")}),
    )
    region = forms.ModelChoiceField(
        label=_("Region"), queryset=Region.objects.none(), required=False, empty_label=_("All regions")
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *Station.Kind.choices])

    def __init__(self, *args, regions=None, **kwargs):
        super().__init__(*args, **kwargs)
        if regions is not None:
            self.fields["region"].queryset = regions
            self.fields["region"].label_from_instance = lambda r: "　" * (r.path.count("/") - 1) + r.name
