import functools

from django.conf import settings
from django.utils import translation


def in_portal_language(func):
    """Run ``func`` in the portal's language (Simplified Chinese).

    Workflow steps store text that other people read later — timeline lines on
    a citizen's tracking page, notifications, SMS. They must not depend on the
    language the acting user happens to have chosen for their own screen.
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if translation.get_language() == settings.LANGUAGE_CODE:
            return func(*args, **kwargs)  # most requests: nothing to switch (and switching is not free)
        with translation.override(settings.LANGUAGE_CODE):
            return func(*args, **kwargs)

    return wrapper
