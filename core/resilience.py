"""What the portal does while a backing service is away: the one place that decides.

**The cache (Redis in production).** Nothing the cache holds is the only copy
of anything: rate-limit counters, session copies (the database keeps the
session), figures that can be counted again, a token against double posts that
the database also guards. So an unreachable cache is a cache miss: a read
gives the default, a write is dropped, and the page is answered. Rate limits
then count in the process's own memory (see :mod:`core.ratelimit`).

**The Celery broker (Redis in production).** Work queued from a page is
either re-derived from the database by a beat sweep (deadlines) or queued
again by it (the e-mail of notifications: see
:func:`suggestions.loop.notifications.queue_unsent_email`), so a page that cannot
queue logs it and answers.

After a failure a service is not asked again for ``OUTAGE_RETRY_SECONDS``
(default 5) in this process: with Redis unreachable behind a firewall rather
than refusing, every attempt would wait for the connect timeout, and a busy
page would pay it on every request. One warning is logged each time a
service is found away, not one per call.

**The database.** :func:`database_unreachable` tells an error that means the
database cannot be reached (connection refused or lost, server shutting down,
out of connections, disk failing, SQLite busy) from one that means the
query is wrong; only the first kind is answered with a 503 page and
``Retry-After`` (see :func:`core.views.server_error`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

import redis.exceptions
from django.conf import settings
from django.core.cache import cache as default_cache
from django.db import InterfaceError, OperationalError

logger = logging.getLogger("core.resilience")

T = TypeVar("T")

# What redis-py raises when the server cannot be reached or does not answer in time. Not RedisError as a
# whole: a ResponseError (a wrong command, a script error) is a bug and must show as one.
CACHE_OUTAGE: tuple[type[Exception], ...] = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)

# Per service ("cache", "broker"): the time.monotonic() before which this process does not ask it again.
_away_until: dict[str, float] = {}


def available(service: str) -> bool:
    """False for a few seconds after ``service`` was found away in this process."""
    return time.monotonic() >= _away_until.get(service, 0.0)


def failed(service: str, where: str, exc: BaseException) -> None:
    """Note that ``service`` is away: logged once, not asked again for ``OUTAGE_RETRY_SECONDS``."""
    _away_until[service] = time.monotonic() + getattr(settings, "OUTAGE_RETRY_SECONDS", 5)
    logger.warning("%s unreachable (%s): %s; answering without it", service, where, exc)


def cache_available() -> bool:
    return available("cache")


def cache_failed(where: str, exc: BaseException) -> None:
    failed("cache", where, exc)


def reset() -> None:
    """Ask every service again at once (tests)."""
    _away_until.clear()


def guarded(where: str, call: Callable[[], T], default: T) -> T:
    """``call()``, or ``default`` when the cache is away (now, or found away a moment ago)."""
    if not cache_available():
        return default
    try:
        return call()
    except CACHE_OUTAGE as exc:
        cache_failed(where, exc)
        return default


def cache_get(key: str, default: Any = None, *, backend=None) -> Any:
    backend = backend or default_cache
    return guarded("get", lambda: backend.get(key, default), default)


def cache_set(key: str, value: Any, timeout: int | None, *, backend=None) -> None:
    backend = backend or default_cache
    guarded("set", lambda: backend.set(key, value, timeout), None)


def cache_add(key: str, value: Any, timeout: int | None, *, backend=None) -> bool | None:
    """True when added, False when the key was there, None when the cache could not be asked."""
    backend = backend or default_cache
    return guarded("add", lambda: backend.add(key, value, timeout), None)


def cache_delete(key: str, *, backend=None) -> None:
    backend = backend or default_cache
    guarded("delete", lambda: backend.delete(key), None)


def cache_contains(key: str, *, backend=None) -> bool:
    backend = backend or default_cache
    return guarded("contains", lambda: key in backend, False)


# The database ------------------------------------------------------------------------------------

# PostgreSQL SQLSTATE classes and codes that say the server cannot serve us now, not that the query is wrong:
# 08 connection exception, 53 insufficient resources (too many connections, disk full, out of memory),
# 58 system error (I/O), and the shutdown codes of class 57 (an operator's pg_terminate_backend is 57P01).
_PG_UNREACHABLE_CLASSES = ("08", "53", "58")
_PG_UNREACHABLE_CODES = ("57P01", "57P02", "57P03", "57P05")
# SQLite primary result codes of the same kind: BUSY, LOCKED, NOMEM, IOERR, FULL, CANTOPEN.
_SQLITE_UNREACHABLE = {5, 6, 7, 10, 13, 14}


def database_unreachable(exc: BaseException) -> bool:
    """Does ``exc`` mean the database cannot be reached now (503), rather than a wrong query (500)?

    Django wraps the driver's error and keeps it as ``__cause__``. psycopg gives
    the server's SQLSTATE, or none at all when no server answered (refused, lost
    mid-query, "the connection is closed"). sqlite3 gives its result code; a
    missing table or a syntax error is an OperationalError there too, and is
    not an outage. An InterfaceError is a connection object that can no longer
    be used.
    """
    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    code = getattr(cause, "sqlite_errorcode", None)
    if code is not None:
        return (code & 0xFF) in _SQLITE_UNREACHABLE
    if hasattr(cause, "sqlstate") or hasattr(cause, "pgcode"):
        state = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
        if not state:
            return True
        return state[:2] in _PG_UNREACHABLE_CLASSES or state in _PG_UNREACHABLE_CODES
    return False
