import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from stations.models import Station

from .dashboard import DashboardFilters

PERIODS = [
    ("", _("All time")),
    ("year", _("This year")),
    ("quarter", _("This quarter")),
    ("12m", _("Last 12 months")),
    ("custom", _("Dates below")),
]


def period_bounds(period: str, today: dt.date) -> tuple[dt.date | None, dt.date | None]:
    if period == "year":
        return dt.date(today.year, 1, 1), today
    if period == "quarter":
        return dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1), today
    if period == "12m":  # this month and the eleven before it
        month = today.year * 12 + today.month - 1 - 11
        return dt.date(month // 12, month % 12 + 1, 1), today
    return None, None


class DashboardFilterForm(forms.Form):
    """Period, region, station kind and category; choices come as lists so the page reads each table once."""

    period = forms.ChoiceField(label=_("Period"), required=False, choices=PERIODS)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    region = forms.TypedChoiceField(label=_("Region"), required=False, coerce=int, empty_value=None)
    kind = forms.ChoiceField(
        label=_("Station kind"), required=False, choices=[("", _("All kinds")), *Station.Kind.choices]
    )
    category = forms.TypedChoiceField(label=_("Category"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, regions=(), categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.regions = {r.pk: r for r in regions}
        self.categories = {c.pk: c for c in categories}
        top = min((r.path.count("/") for r in regions), default=0)
        self.fields["region"].choices = [("", _("Whole area supervised"))] + [
            (r.pk, "　" * (r.path.count("/") - top) + r.name) for r in regions
        ]
        self.fields["category"].choices = [("", _("All categories"))] + [(c.pk, c.name) for c in categories]
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = f"{css} {css}-sm"

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if data.get("period") == "custom" and not (start or end):
            self.add_error("date_from", _("Give at least one of the two dates, or choose another period."))
        if start and end and start > end:
            raise forms.ValidationError(_("The start of the period is after its end."))
        return data

    def filters(self, today: dt.date) -> DashboardFilters:
        """The filters asked for, or none if the form has errors (the page then says so)."""
        if not self.is_bound or not self.is_valid():
            return DashboardFilters()
        data = self.cleaned_data
        if data["period"] == "custom":
            start, end = data["date_from"], data["date_to"]
        else:
            start, end = period_bounds(data["period"], today)
        return DashboardFilters(
            date_from=start,
            date_to=end,
            region=self.regions.get(data["region"]),
            station_kind=data["kind"],
            category=self.categories.get(data["category"]),
        )


class RegisterFilterForm(forms.Form):
    date_from = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}),
    )
    date_to = forms.DateField(
        label=_("Until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError(_("The start of the period is after its end."))
        return data
