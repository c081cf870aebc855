"""A cache that is away (Redis down) is a cache miss: limits count in memory, sessions and figures use the database.

These run everywhere: the cache points at a port where nothing listens, which
is what redis-py meets when Redis is down (``ConnectionError``, connection
refused). ``suggestions/tests/test_redis_outage.py`` stops a real Redis.
"""

import logging
import socket
import time
from unittest import mock

import pytest
import redis
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.test import override_settings

from core import kept, ratelimit, resilience
from core.sessions import SessionStore


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(autouse=True)
def _ask_again():
    resilience.reset()
    ratelimit._local.clear()
    yield
    resilience.reset()
    ratelimit._local.clear()


@pytest.fixture
def redis_down():
    """The default cache is a Redis where nothing listens."""
    location = f"redis://127.0.0.1:{free_port()}/12"
    with override_settings(
        CACHES={"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": location}}
    ):
        yield location


def test_a_redis_that_is_down_raises_what_the_portal_treats_as_an_outage(redis_down):
    with pytest.raises(resilience.CACHE_OUTAGE):
        caches["default"].get("x")


@override_settings(RATE_LIMITS={"demo": [(2, 600)]})
def test_limits_still_hold_while_redis_is_down_counting_in_this_process(redis_down, caplog):
    with caplog.at_level(logging.WARNING, logger="core.resilience"):
        results = [ratelimit.hit("demo", "10.0.0.1") for _ in range(3)]
    assert [r.allowed for r in results] == [True, True, False]
    assert all(r.local for r in results) and 0 < results[2].retry_after <= 601
    assert ratelimit.hit("demo", "10.0.0.2").allowed  # another address has its own counter
    # One warning for the outage, not one per attempt.
    assert len([r for r in caplog.records if "cache unreachable" in r.getMessage()]) == 1


@override_settings(RATE_LIMITS={"demo": [(1, 600)]})
def test_attempts_counted_in_memory_are_given_back_there(redis_down):
    first = ratelimit.hit("demo", "10.0.0.3")
    ratelimit.give_back(first)
    assert ratelimit.hit("demo", "10.0.0.3").allowed


@override_settings(RATE_LIMITS={"demo": [(5, 600)]}, OUTAGE_RETRY_SECONDS=60)
def test_the_cache_is_not_asked_again_for_a_while_after_it_failed(redis_down):
    with mock.patch.object(ratelimit, "_hit_shared", side_effect=redis.ConnectionError("down")) as shared:
        for _ in range(4):
            assert ratelimit.hit("demo", "10.0.0.4").allowed
    assert shared.call_count == 1  # later attempts did not wait for a connect timeout again
    resilience.reset()
    with mock.patch.object(ratelimit, "_hit_shared", side_effect=redis.ConnectionError("down")) as shared:
        ratelimit.hit("demo", "10.0.0.4")
    assert shared.call_count == 1


@override_settings(OUTAGE_RETRY_SECONDS=0.2)
def test_the_cache_is_asked_again_after_the_pause():
    resilience.failed("cache", "test", redis.ConnectionError("down"))
    assert not resilience.cache_available()
    time.sleep(0.25)
    assert resilience.cache_available()


def test_a_script_error_is_not_taken_for_an_outage(redis_down):
    """Only an unreachable server is an outage: a wrong command still fails loudly."""
    with mock.patch.object(ratelimit, "_hit_shared", side_effect=redis.ResponseError("ERR bad script")):
        with pytest.raises(redis.ResponseError):
            ratelimit.hit_each(("suggest_ip", "10.0.0.5"))


def test_kept_figures_are_counted_afresh_while_the_cache_is_down(redis_down, settings):
    settings.DASHBOARD_CACHE_SECONDS = 300
    calls = []
    assert kept.kept("demo", ("a",), lambda: calls.append(1) or 42) == 42
    assert kept.kept("demo", ("a",), lambda: calls.append(1) or 42) == 42
    assert len(calls) == 2


@pytest.mark.django_db
def test_sessions_live_in_the_database_while_the_cache_is_down(redis_down):
    store = SessionStore()
    store["who"] = "站务甲"
    store.create()  # checks the new key is free (exists), saves, writes the copy
    key = store.session_key
    assert Session.objects.filter(session_key=key).exists()
    again = SessionStore(session_key=key)
    assert again["who"] == "站务甲"  # read from the database, the copy could not be written back
    assert again.exists(key)
    again.cycle_key()  # what login does: delete the old key, save under a new one
    assert not Session.objects.filter(session_key=key).exists()
    again.flush()  # what logout does
    assert not Session.objects.exists()


@pytest.mark.django_db
def test_a_session_copy_lives_at_most_five_minutes_in_the_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "s"}}
    store = SessionStore()
    store["who"] = "站务甲"
    store.create()
    backend = caches["default"]
    expires = backend._expire_info[backend.make_and_validate_key(store.cache_key)]
    assert 0 < expires - time.time() <= settings.SESSION_CACHE_SECONDS + 1
    assert SessionStore(session_key=store.session_key)["who"] == "站务甲"


@override_settings(RATE_LIMITS={"demo": [(5, 600)]}, OUTAGE_RETRY_SECONDS=60)
def test_a_redis_that_hangs_costs_one_timeout_not_one_per_request():
    """A server that takes the connection and never answers (a hung Redis, a half-open link)."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)  # the kernel completes the handshake; nobody ever reads or answers
        location = f"redis://127.0.0.1:{silent.getsockname()[1]}/12"
        backend = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": location}
        with override_settings(CACHES={"default": {**backend, "OPTIONS": {"socket_timeout": 0.3}}}):
            started = time.monotonic()
            first = ratelimit.hit("demo", "10.0.0.6")
            first_took = time.monotonic() - started
            started = time.monotonic()
            rest = [ratelimit.hit("demo", "10.0.0.6") for _ in range(3)]
            rest_took = time.monotonic() - started
    assert first.allowed and first.local and all(r.allowed and r.local for r in rest)
    assert 0.25 < first_took < 2
    assert rest_took < 0.25  # less than one timeout for all three: the cache was not asked again
