from django.utils.html import format_html_join


def select_options(pairs, selected: str):
    """``<option>`` elements built in one pass.

    A committee admin's filter can offer hundreds of stations; rendering them
    through the widget templates (one template per option) cost ~100 ms a page.
    """
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((pk, " selected" if str(pk) == selected else "", name) for pk, name in pairs),
    )
