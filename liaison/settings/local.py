"""Development on one machine: the embedded default with debugging on."""

from .base import *  # noqa: F403
from .base import INSTALLED_APPS, env

DEBUG = env.bool("DEBUG", default=True)

# The demo data and the benchmark commands (never in production).
INSTALLED_APPS = [*INSTALLED_APPS, "devtools"]
