"""Figures that take seconds to count, kept in the cache for ``DASHBOARD_CACHE_SECONDS``.

The committee's dashboard and the performance ranking add up hundreds of thousands
of records; the same people read the same figures many times a day. Each keeps its
result under a key made of what decides it (scope, filters, day) and says on the
page when it was counted, with a link that counts again. While the cache is away
the figures are counted for each request (slower, never wrong, never a 500).
"""

import hashlib

from django.conf import settings

from core import resilience


def kept(namespace: str, parts, compute, *, refresh: bool = False):
    """``compute()``'s result, kept under ``parts``; counted afresh when asked, or when keeping is off (tests)."""
    seconds = getattr(settings, "DASHBOARD_CACHE_SECONDS", 0)
    if not seconds:
        return compute()
    key = f"{namespace}:" + hashlib.sha1(repr(parts).encode()).hexdigest()
    value = None if refresh else resilience.cache_get(key)
    if value is None:
        value = compute()
        resilience.cache_set(key, value, seconds)
    return value
