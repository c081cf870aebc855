"""Fixed-window rate limits kept in Django's cache.

Limits are data: ``settings.RATE_LIMITS`` maps a scope name to a list of
``(count, seconds)`` windows, e.g. ``{"suggest_ip": [(5, 600), (20, 86400)]}``.
:func:`hit` counts one attempt in every window of a scope and says whether all
of them are still within their count.

Each window is one cache key per identifier and period, created with
``cache.add`` (atomic: only the first writer wins) and then raised with
``cache.incr`` (atomic on Redis and memcached, under a lock in the local-memory
cache; the database cache does a read-then-write, so under heavy concurrency it
may let a few more attempts through, never fewer). Fixed windows are coarse at
their edges (twice the count within a short span is possible) and that is fine
for keeping out floods; they cost two cache calls per window.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import salted_hmac

from liaison import fastcache

KEY_PREFIX = "ratelimit"


@dataclass(frozen=True)
class RateLimitResult:
    allowed: bool
    retry_after: int = 0  # seconds until the tightest exceeded window ends


def client_ip(request) -> str:
    """The client's address as the WSGI server saw it.

    ``X-Forwarded-For`` is deliberately not read: any client can write it. When
    the portal runs behind a reverse proxy, configure the proxy (or the WSGI
    server's trusted-proxy setting) to put the real client address into
    ``REMOTE_ADDR``; otherwise every citizen shares the proxy's limit.
    """
    return request.META.get("REMOTE_ADDR") or "unknown"


def limits_for(scope: str) -> list[tuple[int, int]]:
    return [(int(count), int(seconds)) for count, seconds in settings.RATE_LIMITS.get(scope, [])]


def _key(scope: str, identifier: str, seconds: int, window: int) -> str:
    # Hashed: phone numbers never sit in the cache in clear, and any identifier
    # (IPv6 included) becomes a key every cache backend accepts.
    digest = salted_hmac("liaison.ratelimit", identifier, algorithm="sha256").hexdigest()[:32]
    return f"{KEY_PREFIX}:{scope}:{seconds}:{window}:{digest}"


def hit(scope: str, identifier: str) -> RateLimitResult:
    """Count one attempt by ``identifier`` in ``scope``; ``allowed`` is False once any window is exceeded.

    An attempt refused by one window still counts in the others, as attempts
    do. A scope without configured windows always allows.
    """
    windows = limits_for(scope)
    if not windows:
        return RateLimitResult(allowed=True)
    now = time.time()
    keyed = []
    for count, seconds in windows:
        window = int(now // seconds)
        # The key outlives its window slightly; the window number in the key
        # starts a fresh counter when the period turns anyway.
        keyed.append((count, seconds, window, _key(scope, identifier, seconds, window), seconds + 5))
    redis = _redis_client()
    if redis is not None:
        counts = _count_on_redis(redis, keyed)
    else:
        counts = [_count_in_cache(key, timeout) for _count, _seconds, _window, key, timeout in keyed]
    allowed = True
    retry_after = 0
    for (count, seconds, window, _k, _t), current in zip(keyed, counts, strict=True):
        if current > count:
            allowed = False
            retry_after = max(retry_after, int((window + 1) * seconds - now) + 1)
    return RateLimitResult(allowed=allowed, retry_after=retry_after)


def _redis_client():
    return fastcache.redis_client()


def _count_on_redis(redis, keyed) -> list[int]:
    """INCR and set the expiry of every window in one round trip (EXPIRE NX keeps the first expiry)."""
    pipe = redis.pipeline(transaction=False)
    for _count, _seconds, _window, key, timeout in keyed:
        pipe.incr(key)
        pipe.expire(key, timeout, nx=True)
    replies = pipe.execute()
    return [int(value) for value in replies[0::2]]


def _count_in_cache(key: str, timeout: int) -> int:
    if cache.add(key, 1, timeout=timeout):
        return 1
    try:
        return cache.incr(key)
    except ValueError:
        # Expired between add and incr: this attempt opens the window again.
        cache.add(key, 1, timeout=timeout)
        return 1
