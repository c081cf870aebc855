"""The portal's own date formats (liaison/formats)."""


def test_a_date_field_shows_its_initial_date_in_chinese_as_the_date_input_needs():
    """<input type="date"> only takes YYYY-MM-DD: a form's initial date must not come out as 2026/11/27."""
    import datetime as dt

    from django import forms
    from django.utils import translation

    class DayForm(forms.Form):
        day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))

    with translation.override("zh-hans"):
        assert 'value="2026-11-27"' in DayForm(initial={"day": dt.date(2026, 11, 27)})["day"].as_widget()
        assert DayForm({"day": "2026/11/27"}).is_valid()  # what people type still works
