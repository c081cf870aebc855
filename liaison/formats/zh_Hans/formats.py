"""Date input formats for Simplified Chinese with ISO first.

Browsers' ``<input type="date">`` only accept ``YYYY-MM-DD``; Django's own zh_Hans
formats put ``YYYY/MM/DD`` first, which left date fields with an initial value
(today's date on a form, a filter's start) blank. Everything else is Django's.
"""

from django.conf.locale.zh_Hans.formats import *  # noqa: F403
from django.conf.locale.zh_Hans.formats import DATE_INPUT_FORMATS as _DJANGO_DATE_INPUT_FORMATS

DATE_INPUT_FORMATS = ["%Y-%m-%d", *(f for f in _DJANGO_DATE_INPUT_FORMATS if f != "%Y-%m-%d")]
