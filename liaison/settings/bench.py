"""Benchmarks: production-like (DEBUG off, no debug toolbar), plus the baseline view.

Used by ``bench/submission.py``; never deployed.
"""

from .base import *  # noqa: F403
from .base import INSTALLED_APPS, RATE_LIMITS, env

DEBUG = False
SECRET_KEY = env.str("SECRET_KEY", default="bench-only-secret-key")
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [*INSTALLED_APPS, "devtools", "devtools.bench"]
ROOT_URLCONF = "devtools.bench.urls"
# The limits still run on every request (their cost is part of the figure) but never refuse
# the load generator, whose clients all come from 127.0.0.1.
RATE_LIMITS = {name: [(10**9, window) for _, window in rules] for name, rules in RATE_LIMITS.items()}
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
