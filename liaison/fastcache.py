"""String values in the shared cache, one round trip each, for the public form's hot path.

Django's Redis backend builds a new client object on every call, which on this
path cost more than the round trip itself. With Redis behind the default cache
these helpers reuse one client per cache object; with any other backend they
fall back to Django's cache API, so tests and the embedded default work alike.
"""

from __future__ import annotations

from django.core.cache import cache, caches


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


def get_text(key: str) -> str | None:
    redis = redis_client()
    if redis is None:
        return cache.get(key)
    value = redis.get(f"liaison:{key}")
    return value.decode() if value is not None else None


def set_text(key: str, value: str, timeout: int) -> None:
    redis = redis_client()
    if redis is None:
        cache.set(key, value, timeout)
    else:
        redis.set(f"liaison:{key}", value, ex=timeout)
