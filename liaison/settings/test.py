"""The test suite: fast hashing, in-memory cache and email, eager-free Celery."""

from .base import *  # noqa: F403
from .base import INSTALLED_APPS, env

DEBUG = False
SECRET_KEY = "test-only-secret-key"
# Keys of the test suite only (32 bytes each); the tests of rotation put a newer one in front.
PERSONAL_DATA_KEYS = ["dGVzdC1vbmx5LXBlcnNvbmFsLWRhdGEta2V5LW9uZSE="]
PERSONAL_DATA_HASH_KEY = "test-only-personal-data-hash-key"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "private": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Locking after failed logins is tested explicitly; keep the limit as in production.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
PUBLIC_BASE_URL = ""

# Tasks run inline so that tests see their effects; the CI integration test runs a real worker.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True

# Figures are counted on every request in tests, which change the data between requests.
DASHBOARD_CACHE_SECONDS = 0

# The demo data and the benchmark commands (never in production).
INSTALLED_APPS = [*INSTALLED_APPS, "devtools"]
