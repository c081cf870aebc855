"""Settings shared by every environment.

Everything that differs between a laptop, CI and production is read from the
environment through django-environ. With nothing set, the portal runs on the
embedded default: SQLite in WAL mode plus a Celery broker on the filesystem,
both under ``var/``, so a first run needs no server at all.
"""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(environ.Env().str("LIAISON_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env(
    DEBUG=(bool, False),
)
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-change-me")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Citizens' names and phone numbers are stored encrypted (liaison/crypto.py). PERSONAL_DATA_KEYS: AES-256 keys,
# newest first, comma-separated, each 32 random bytes in URL-safe base64; older keys stay listed until
# `manage.py rotate_personal_data_key` has re-encrypted every row. PERSONAL_DATA_HASH_KEY: the key of the
# keyed hash stored beside a phone number for look-ups. The defaults are public, for development only:
# liaison.settings.production refuses them.
INSECURE_PERSONAL_DATA_KEY = "ZGV2LW9ubHktaW5zZWN1cmUtcGVyc29uYWwtZGF0YSE="  # b"dev-only-insecure-personal-data!"
INSECURE_PERSONAL_DATA_HASH_KEY = "dev-only-insecure-personal-data-hash-key"
PERSONAL_DATA_KEYS = env.list("PERSONAL_DATA_KEYS", default=[INSECURE_PERSONAL_DATA_KEY])
PERSONAL_DATA_HASH_KEY = env.str("PERSONAL_DATA_HASH_KEY", default=INSECURE_PERSONAL_DATA_HASH_KEY)
# Names and phone numbers of items closed longer ago than this are erased (beat: purge-expired-contacts).
PERSONAL_DATA_RETENTION_YEARS = env.int("PERSONAL_DATA_RETENTION_YEARS", default=3)
# The version of the privacy notice (/privacy/) a citizen agrees to; change it whenever the notice changes.
PRIVACY_NOTICE_VERSION = env.str("PRIVACY_NOTICE_VERSION", default="2026-12")

# Absolute base of the public URLs printed on QR posters (https://portal.example.gov.cn).
# When empty, the request's own host is used.
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "liaison",
    "accounts",
    "stations",
    "representatives",
    "suggestions",
    "activities",
    "oversight",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "liaison.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.roles",
            ],
        },
    },
]

WSGI_APPLICATION = "liaison.wsgi.application"
ASGI_APPLICATION = "liaison.asgi.application"


def _database(url: str) -> dict:
    """Parse DATABASE_URL; give SQLite the settings that let web and worker share it."""
    db = environ.Env.db_url_config(url)
    if db["ENGINE"] == "django.db.backends.sqlite3":
        db.setdefault("OPTIONS", {}).update(
            {
                # WAL lets readers and one writer work at once; IMMEDIATE takes the
                # write lock at BEGIN so read-then-write transactions from the web
                # process and the Celery worker queue up instead of failing with
                # "database is locked".
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            }
        )
    else:
        db.setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
        db.setdefault("CONN_HEALTH_CHECKS", True)
        # Django turns psycopg's prepared statements off (prepare_threshold None), and then nothing is
        # prepared, not even on request. Its own queries bind on the client and are never prepared
        # whatever this number; only the statements sent through liaison.db.prepared_cursor are, at
        # their first run.
        db.setdefault("OPTIONS", {}).setdefault("prepare_threshold", 5)
    return db


DATABASES = {"default": _database(env.str("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A cache every process shares: the database table by default, Redis when CACHE_URL says so.
CACHES = {"default": env.cache("CACHE_URL", default="dbcache://liaison_cache")}
# Committee dashboards are counted at most this often per scope and filters (0: every time).
DASHBOARD_CACHE_SECONDS = env.int("DASHBOARD_CACHE_SECONDS", default=300)
# Sessions read through the cache (Redis in production): one database query less on every page.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# django-axes: lock an account (username + IP) after repeated failed logins.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_RESET_ON_SUCCESS = True

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [
    ("zh-hans", _("Simplified Chinese")),
    ("en", _("English")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
# ISO dates first in Chinese, as <input type="date"> needs (see liaison/formats/zh_Hans).
FORMAT_MODULE_PATH = ["liaison.formats"]
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
# Front-end packages come from the npm registry (package.json) and are served by
# the portal itself; no page loads anything from another host.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", BASE_DIR / "node_modules" / "bootstrap-icons" / "font"),
    ("vendor/echarts", BASE_DIR / "node_modules" / "echarts" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "private")},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / "media"

# Citizens' attachments (photos and PDFs), checked by content in suggestions/public_forms.py.
SUGGESTION_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
SUGGESTION_ATTACHMENT_MAX_FILES = 5
# Uploads above this size are spooled to a temporary file while a request is parsed, not held in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# The citizen's form refuses a request body larger than this before parsing it: room for one file too many
# (so the form can say "at most 5 files" and keep what was typed) plus the text fields. The reverse proxy
# should cap bodies at about the same size (nginx: client_max_body_size 70m).
SUGGESTION_MAX_REQUEST_BYTES = (SUGGESTION_ATTACHMENT_MAX_FILES + 1) * SUGGESTION_ATTACHMENT_MAX_BYTES + 2 * 1024 * 1024

# Fixed-window limits (liaison/ratelimit.py): scope -> [(attempts, seconds), ...]. The client IP is
# REMOTE_ADDR: behind a reverse proxy, have the proxy set it to the real client address.
RATE_LIMITS = {
    # Suggestions actually submitted from the public form, per client IP and per mobile number.
    "suggest_ip": [(5, 10 * 60), (20, 24 * 60 * 60)],
    "suggest_phone": [(3, 60 * 60)],
    # Every POST of the public form, valid or not: keeps floods of uploads away from the file checks.
    "suggest_post_ip": [(30, 10 * 60)],
    # Tracking-code lookups on /t/<code>/, per client IP.
    "track_ip": [(30, 10 * 60)],
    # Rating attempts per tracking code: the last four digits of a phone cannot be guessed from many addresses.
    "rate_code": [(10, 60 * 60)],
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="portal@localhost")

# Text messages to citizens (liaison/sms.py). The default backend only logs; a provider's
# backend class reads its account from the SMS_PROVIDER_* settings below.
SMS_BACKEND = env.str("SMS_BACKEND", default="liaison.sms.LoggingSmsBackend")
SMS_PROVIDER_URL = env.str("SMS_PROVIDER_URL", default="")
SMS_PROVIDER_KEY = env.str("SMS_PROVIDER_KEY", default="")
SMS_PROVIDER_SECRET = env.str("SMS_PROVIDER_SECRET", default="")
SMS_PROVIDER_SIGN_NAME = env.str("SMS_PROVIDER_SIGN_NAME", default="")

# Celery. The default broker is a folder under var/ read by the portal's own
# transport (see liaison/celery.py); CELERY_BROKER_URL=redis://... switches.
CELERY_BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="liaisonfs://")
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        # The exchange tables (fanout for worker control): kombu would put them in ./control otherwise.
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("liaisonfs")
    else {"visibility_timeout": 3600}
)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {"task": "liaison.tasks.heartbeat", "schedule": 60.0},
    # Deadlines live in the database; this finds what is due in a few set-based queries.
    "sweep-deadlines": {"task": "suggestions.tasks.sweep_deadlines", "schedule": 5 * 60.0},
    "generate-reception-days": {"task": "stations.tasks.generate_reception_days", "schedule": 6 * 3600.0},
    "flag-missed-reception-days": {"task": "stations.tasks.flag_missed_reception_days", "schedule": 15 * 60.0},
    "purge-expired-exports": {"task": "oversight.tasks.purge_expired_exports", "schedule": 3600.0},
    "purge-stale-imports": {"task": "suggestions.tasks.purge_stale_imports", "schedule": 3600.0},
    "warm-dashboards": {"task": "oversight.tasks.warm_dashboards", "schedule": 4 * 60.0},
    # PIPL: contact details of items closed more than PERSONAL_DATA_RETENTION_YEARS ago.
    "purge-expired-contacts": {"task": "suggestions.tasks.purge_expired_contacts", "schedule": 24 * 3600.0},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}
