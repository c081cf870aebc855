"""Rate limits on the cache the suite has, and on a real Redis when one is configured (CI)."""

import os

import pytest
from django.core.cache import caches
from django.test import override_settings

from core import ratelimit

REDIS_URL = os.environ.get("REDIS_TEST_URL") or (
    os.environ.get("CELERY_BROKER_URL", "") if os.environ.get("CELERY_BROKER_URL", "").startswith("redis") else ""
)


@pytest.fixture(autouse=True)
def _clear_cache():
    caches["default"].clear()


@override_settings(RATE_LIMITS={"demo": [(2, 60), (3, 3600)]})
def test_each_window_refuses_past_its_count():
    results = [ratelimit.hit("demo", "10.0.0.1") for _ in range(4)]
    assert [r.allowed for r in results] == [True, True, False, False]
    assert 0 < results[2].retry_after <= 61
    assert ratelimit.hit("demo", "10.0.0.2").allowed  # another client has its own counter


@override_settings(RATE_LIMITS={})
def test_a_scope_without_windows_always_allows():
    assert all(ratelimit.hit("none", "x").allowed for _ in range(100))


@pytest.mark.integration
@pytest.mark.skipif(not REDIS_URL, reason="needs a Redis server (CI sets CELERY_BROKER_URL=redis://…)")
def test_redis_counts_in_one_pipeline_and_expires_windows():
    cache_settings = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    with override_settings(CACHES=cache_settings, RATE_LIMITS={"redis_demo": [(2, 60)]}):
        caches["default"].clear()
        try:
            results = [ratelimit.hit("redis_demo", "10.0.0.9").allowed for _ in range(3)]
            assert results == [True, True, False]
            client = ratelimit._redis_client()
            assert client is not None
            keys = client.keys("ratelimit:redis_demo:*")
            assert len(keys) == 1 and 0 < client.ttl(keys[0]) <= 65
        finally:
            caches["default"].clear()
