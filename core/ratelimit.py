"""Fixed-window rate limits kept in Django's cache.

Limits are data: ``settings.RATE_LIMITS`` maps a scope name to a list of
``(count, seconds)`` windows, e.g. ``{"suggest_ip": [(5, 600), (20, 86400)]}``.
:func:`hit` counts one attempt in every window of a scope and says whether all
of them are still within their count.

Each window is one cache key per identifier and period. With Redis behind the
cache, every window of one or more scopes is counted by one server-side script
(INCR, and EXPIRE when the key is new): one round trip, atomic. Other
backends create the key with ``cache.add`` (atomic: only the first writer wins)
and raise it with ``cache.incr`` (under a lock in the local-memory cache; the
database cache does a read-then-write, so under heavy concurrency it may let a
few more attempts through, never fewer), two cache calls per window. Fixed
windows are coarse at their edges (twice the count within a short span is
possible) and that is fine for keeping out floods.

While the cache is away (Redis down or unreachable: see :mod:`core.resilience`)
the limits fail over to counters in the process's own memory, with the same
windows, rather than failing open or failing the request. A citizen's
submission is then still saved and answered; a flood is still held, each
process counting on its own (so a server with N worker processes lets at most
N times a limit through). The database was not chosen as the fallback: it
would add a write to every post at the moment the portal is already degraded,
and the limits that protect a secret (the rating by phone digits) already live
in the database (``Suggestion.rating_failures``). When the cache answers again,
counting goes back to it.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import time
from dataclasses import dataclass, field
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache

from core import resilience

KEY_PREFIX = "ratelimit"

# Where attempts are counted while the shared cache is away: this process only.
_local = LocMemCache("liaison-ratelimit-fallback", {"OPTIONS": {"MAX_ENTRIES": 20_000}})


@dataclass(frozen=True)
class RateLimitResult:
    allowed: bool
    retry_after: int = 0  # seconds until the tightest exceeded window ends
    # The window keys this attempt raised, for give_back().
    counted: tuple[str, ...] = field(default=(), compare=False, repr=False)
    # Counted in this process's memory because the shared cache was away.
    local: bool = field(default=False, compare=False)


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


@functools.lru_cache(maxsize=4)
def _hmac_key(secret: str) -> bytes:
    # What django.utils.crypto.salted_hmac derives on every call, derived once per secret.
    return hashlib.sha256(f"core.ratelimit{secret}".encode()).digest()


def _digest(identifier: str) -> str:
    # Hashed: phone numbers never sit in the cache in clear, and any identifier
    # (IPv6 included) becomes a key every cache backend accepts. Equal to
    # salted_hmac("core.ratelimit", identifier, algorithm="sha256").
    return _digest_with(settings.SECRET_KEY, identifier)


@functools.lru_cache(maxsize=4096)
def _digest_with(secret: str, identifier: str) -> str:
    # The same few addresses post again and again: each is hashed once per process, not on every post.
    return hmac.new(_hmac_key(secret), identifier.encode(), hashlib.sha256).hexdigest()[:32]


class _Window(NamedTuple):
    count: int
    seconds: int
    number: int
    key: str

    @property
    def timeout(self) -> int:
        # The key outlives its window slightly; the window number in the key
        # starts a fresh counter when the period turns anyway.
        return self.seconds + 5


def _windows(scope: str, digest: str, now: float) -> list[_Window]:
    windows = []
    for count, seconds in limits_for(scope):
        number = int(now // seconds)
        windows.append(_Window(count, seconds, number, f"{KEY_PREFIX}:{scope}:{seconds}:{number}:{digest}"))
    return windows


def _result(windows: list[_Window], counts: list[int], now: float, *, local: bool = False) -> RateLimitResult:
    allowed = True
    retry_after = 0
    for window, current in zip(windows, counts, strict=True):
        if current > window.count:
            allowed = False
            retry_after = max(retry_after, int((window.number + 1) * window.seconds - now) + 1)
    return RateLimitResult(allowed=allowed, retry_after=retry_after, counted=tuple(w.key for w in windows), local=local)


def hit(scope: str, identifier: str) -> RateLimitResult:
    """Count one attempt by ``identifier`` in ``scope``; ``allowed`` is False once any window is exceeded.

    An attempt refused by one window still counts in the others, as attempts
    do. A scope without configured windows always allows.
    """
    if not limits_for(scope):
        return RateLimitResult(allowed=True)
    (result,) = hit_each((scope, identifier))
    return result


def hit_each(*checks: tuple[str, str]) -> list[RateLimitResult | None]:
    """Count one attempt in each ``(scope, identifier)`` of ``checks``, in order: one result per check.

    Counting stops at the first scope that refuses; the checks after it are
    ``None`` (not counted). On Redis all of it is one script, one round trip.
    """
    now = time.time()
    groups = [_windows(scope, _digest(identifier), now) for scope, identifier in checks]
    if resilience.cache_available():
        try:
            return _hit_shared(groups, now)
        except resilience.CACHE_OUTAGE as exc:
            resilience.cache_failed("rate limits", exc)
    return _hit_in(_local, groups, now, local=True)


def _hit_shared(groups: list[list[_Window]], now: float) -> list[RateLimitResult | None]:
    redis = _redis_client()
    if redis is None:
        return _hit_in(cache, groups, now)
    keys, args = [], [len(groups)]
    for windows in groups:
        args.append(len(windows))
        for window in windows:
            keys.append(window.key)
            args += [window.timeout, window.count]
    counts = [int(value) for value in _count_script(redis)(keys=keys, args=args)]
    results: list[RateLimitResult | None] = []
    for windows in groups:
        if results and (results[-1] is None or not results[-1].allowed):
            results.append(None)
        else:
            results.append(_result(windows, counts[: len(windows)], now))
            counts = counts[len(windows) :]
    return results


def _hit_in(backend, groups: list[list[_Window]], now: float, *, local: bool = False) -> list[RateLimitResult | None]:
    """Count through Django's cache API (any backend other than Redis, and the in-process fallback)."""
    results: list[RateLimitResult | None] = []
    for windows in groups:
        if results and (results[-1] is None or not results[-1].allowed):
            results.append(None)
        else:
            counts = [_count_in_cache(backend, w.key, w.timeout) for w in windows]
            results.append(_result(windows, counts, now, local=local))
    return results


def give_back(*results: RateLimitResult | None) -> None:
    """Undo the counting of attempts that turned out not to be ones (a form sent back with errors, a double tap).

    Given back where they were counted. When the shared cache went away in
    between, the attempts stay counted there: they expire with their window.
    """
    counted = [result for result in results if result is not None and result.counted]
    local = [key for result in counted if result.local for key in result.counted]
    shared = [key for result in counted if not result.local for key in result.counted]
    if local:
        _give_back_in(_local, local)
    if shared:
        resilience.guarded("rate limits", lambda: _give_back_shared(shared), None)


def _give_back_shared(keys: list[str]) -> None:
    redis = _redis_client()
    if redis is not None:
        _give_back_script(redis)(keys=keys)
    else:
        _give_back_in(cache, keys)


def _give_back_in(backend, keys: list[str]) -> None:
    for key in keys:
        try:
            backend.decr(key)
        except ValueError:
            pass  # expired meanwhile: nothing to give back


def _redis_client():
    return redis_client()


# ARGV[1]: number of scopes; then per scope its number of windows and, per window, its expiry and count.
# Each window key (KEYS, in order) is INCRed and gets its expiry when INCR creates it (what EXPIRE NX does
# on Redis 7, written so that Redis 6 runs it too); after a scope with a
# window over its count, the later scopes are not counted. Returns the counts, in order.
_COUNT_LUA = """
local k = 1
local a = 2
local counts = {}
for _ = 1, tonumber(ARGV[1]) do
  local n = tonumber(ARGV[a])
  a = a + 1
  local refused = false
  for _ = 1, n do
    local count = redis.call('INCR', KEYS[k])
    if count == 1 then redis.call('EXPIRE', KEYS[k], ARGV[a]) end
    if count > tonumber(ARGV[a + 1]) then refused = true end
    counts[#counts + 1] = count
    k = k + 1
    a = a + 2
  end
  if refused then break end
end
return counts
"""

_GIVE_BACK_LUA = """
for i = 1, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then redis.call('DECR', KEYS[i]) end
end
return 0
"""


def _script(redis, name: str, source: str):
    """A script registered once per client (redis-py sends EVALSHA, and loads it when the server lacks it)."""
    scripts = getattr(redis, "_liaison_scripts", None)
    if scripts is None:
        scripts = redis._liaison_scripts = {}
    if name not in scripts:
        scripts[name] = redis.register_script(source)
    return scripts[name]


def _count_script(redis):
    return _script(redis, "count", _COUNT_LUA)


def _give_back_script(redis):
    return _script(redis, "give_back", _GIVE_BACK_LUA)


def _count_in_cache(backend, key: str, timeout: int) -> int:
    if backend.add(key, 1, timeout=timeout):
        return 1
    try:
        return backend.incr(key)
    except ValueError:
        # Expired between add and incr: this attempt opens the window again.
        backend.add(key, 1, timeout=timeout)
        return 1


# The Redis client behind the shared cache, reused -----------------------------------------------
#
# Django's Redis backend builds a new client object on every call, which on the public form's hot path cost
# more than the round trip itself. With Redis behind the default cache, one client per cache object runs the
# limits' script; with any other backend this returns None and the limits use Django's cache API.


def redis_client():
    """The Redis client behind the default cache, made once per cache object; None for other backends."""
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return None
    client = getattr(backend, "_liaison_client", None)
    if client is None:
        client = backend._cache.get_client(write=True)
        backend._liaison_client = client
    return client
