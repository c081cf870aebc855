"""The Redis client behind the shared cache, reused, for the public form's hot path.

Django's Redis backend builds a new client object on every call, which on this
path cost more than the round trip itself. With Redis behind the default cache,
:func:`redis_client` hands out one client per cache object (the rate limits in
:mod:`liaison.ratelimit` run their script on it); with any other backend it
returns None and callers use Django's cache API, so tests and the embedded
default work alike.
"""

from __future__ import annotations

from django.core.cache import caches


def redis_client():
    """The Redis client behind the default cache, made once per cache object; None for other backends."""
    from django.core.cache.backends.redis import RedisCache

    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return None
    client = getattr(backend, "_liaison_client", None)
    if client is None:
        client = backend._cache.get_client(write=True)
        backend._liaison_client = client
    return client
