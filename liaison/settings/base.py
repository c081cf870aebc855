"""Settings shared by every environment.

Everything that differs between a laptop, CI and production is read from the
environment through django-environ. With nothing set, the portal runs on the
embedded default: SQLite in WAL mode plus a Celery broker on the filesystem,
both under ``var/``, so a first run needs no server at all.
"""

from pathlib import Path

import environ
from csp.constants import NONE, SELF
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


# Content-Security-Policy, the same in development and production: no page runs inline script or
# style; every script, style sheet, font and image comes from the portal itself (Bootstrap, its icons
# and ECharts are served from node_modules, see STATICFILES_DIRS). data: images are Bootstrap's own
# SVG icons in its CSS (select arrows, check marks, close buttons). No nonce is needed: templates keep
# no inline <script> and no on...= handler (liaison/tests/test_csp.py fails CI on a new one).
# CSP_REPORT_ONLY=true sends the same policy as Content-Security-Policy-Report-Only, to try a change on
# a live site before enforcing it; CSP_REPORT_URI names a collector for the browsers' violation reports.
def _content_security_policy(*, report_only: bool, report_uri: str) -> tuple[dict | None, dict | None]:
    """django-csp's two settings: (enforced policy, report-only policy); one of them is None."""
    directives = {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
    if report_uri:
        directives["report-uri"] = [report_uri]
    policy = {"DIRECTIVES": directives}
    return (None, policy) if report_only else (policy, None)


CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY_REPORT_ONLY = _content_security_policy(
    report_only=env.bool("CSP_REPORT_ONLY", default=False), report_uri=env.str("CSP_REPORT_URI", default="")
)

# Citizens' names and phone numbers are stored encrypted (core/crypto.py). PERSONAL_DATA_KEYS: AES-256 keys,
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
    "accounts.apps.PortalAdminConfig",
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
    # django-csp: its system checks catch settings written for its older releases.
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # PostgreSQL triggers declared on models (the audit trail's append-only protection).
    "pgtrigger",
    "core",
    "accounts",
    # Right above accounts: every app above records into the audit trail, and it imports none of them.
    "audit",
    "stations",
    "representatives",
    "suggestions",
    "activities",
    "oversight",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # Keeps the request in a context variable for the audit trail's signal receivers; nothing more.
    "audit.middleware.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After the messages: each may log out or send elsewhere with a message. In this order: an
    # expired session ends first, then the second factor, then a password change that is due.
    "accounts.middleware.SessionLimitsMiddleware",
    "accounts.middleware.SecondFactorMiddleware",
    "accounts.middleware.PasswordChangeDueMiddleware",
    # After the login check and before the CSRF check, which would read the body first: a body too large,
    # or with too many fields or files, gets the form's page back with a message (core/middleware.py).
    "core.middleware.RequestBodyMiddleware",
    # Bidirectional control characters out of every form value and file name (core/text.py).
    "core.middleware.InputTextMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
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
        # whatever this number; only the statements sent through suggestions.intake.fast_write.prepared_cursor are, at
        # their first run.
        db.setdefault("OPTIONS", {}).setdefault("prepare_threshold", 5)
    return db


DATABASES = {"default": _database(env.str("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A cache every process shares: the database table by default, Redis when CACHE_URL says so.
CACHES = {"default": env.cache("CACHE_URL", default="dbcache://liaison_cache")}
if CACHES["default"]["BACKEND"].endswith(".RedisCache"):
    # A Redis that does not answer (a firewall drops the packets) must cost a page a second at most, not the
    # system's TCP timeout of minutes. Either can be set in CACHE_URL (?socket_connect_timeout=2).
    CACHES["default"].setdefault("OPTIONS", {}).setdefault("socket_connect_timeout", 1)
    CACHES["default"]["OPTIONS"].setdefault("socket_timeout", 2)
# While the cache or the broker is away (core/resilience.py), a process asks again after this many seconds.
OUTAGE_RETRY_SECONDS = env.int("OUTAGE_RETRY_SECONDS", default=5)
# Committee dashboards are counted at most this often per scope and filters (0: every time).
DASHBOARD_CACHE_SECONDS = env.int("DASHBOARD_CACHE_SECONDS", default=300)
# Sessions read through the cache (Redis in production): one database query less on every page. The
# portal's store answers from the database alone while the cache is away (core/sessions.py) and keeps a
# copy in the cache at most SESSION_CACHE_SECONDS.
SESSION_ENGINE = "core.sessions"
SESSION_CACHE_SECONDS = env.int("SESSION_CACHE_SECONDS", default=300)

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: the administrator duties' permissions come from accounts.permissions and nowhere else.
    "accounts.backends.AdminDutyBackend",
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Password policy (等保 2.0 level 3; accounts/passwords.py).
PASSWORD_MIN_LENGTH = env.int("PASSWORD_MIN_LENGTH", default=10)
# Of lower-case, upper-case, digits and symbols.
PASSWORD_MIN_CHARACTER_CLASSES = env.int("PASSWORD_MIN_CHARACTER_CLASSES", default=3)
# A new password may not be any of the account's last N.
PASSWORD_HISTORY_COUNT = env.int("PASSWORD_HISTORY_COUNT", default=5)
# Accounts with a staff role or an administrator duty change their password after this many days (0: never).
PASSWORD_MAX_AGE_DAYS = env.int("PASSWORD_MAX_AGE_DAYS", default=90)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "accounts.passwords.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {
        "NAME": "accounts.passwords.CharacterClassesValidator",
        "OPTIONS": {"min_classes": PASSWORD_MIN_CHARACTER_CLASSES},
    },
    {"NAME": "accounts.passwords.UsernameNotInPasswordValidator"},
    {"NAME": "accounts.passwords.PasswordHistoryValidator"},
]

# Sessions end after this many seconds without a request, and this long after the log-in whatever
# happens (accounts/middleware.py). The cookie and the stored session live no longer than the latter.
SESSION_IDLE_SECONDS = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_ABSOLUTE_SECONDS = env.int("SESSION_ABSOLUTE_SECONDS", default=12 * 3600)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_SECONDS

# Second factor (django-otp): TOTP in an authenticator app, plus single-use backup codes.
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="人大代表联络站")
OTP_BACKUP_CODES = 10
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

# Citizens' attachments (photos and PDFs), checked by content in suggestions/public/forms.py.
SUGGESTION_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
SUGGESTION_ATTACHMENT_MAX_FILES = 5
# Photos with more pixels than this are refused from their header, before anything decodes them: a 420 KB
# PNG of 12000×12000 pixels would take 1.2 GB (core/images.py). Phones save 12 million pixels unless
# set to full resolution (48–50 million: such a photo is refused and the message asks for a smaller copy);
# an A3 page scanned at 600 dpi has 35 million.
UPLOAD_IMAGE_MAX_PIXELS = env.int("UPLOAD_IMAGE_MAX_PIXELS", default=40_000_000)
# Uploads above this size are spooled to a temporary file while a request is parsed, not held in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# The citizen's form refuses a request body larger than this before parsing it: room for one file too many
# (so the form can say "at most 5 files" and keep what was typed) plus the text fields. The reverse proxy
# should cap bodies at about the same size (nginx: client_max_body_size 70m).
SUGGESTION_MAX_REQUEST_BYTES = (SUGGESTION_ATTACHMENT_MAX_FILES + 1) * SUGGESTION_ATTACHMENT_MAX_BYTES + 2 * 1024 * 1024
# Every other form: the largest staff post is an activity with five photos, like the citizen's.
REQUEST_MAX_BODY_BYTES = env.int("REQUEST_MAX_BODY_BYTES", default=SUGGESTION_MAX_REQUEST_BYTES)

# A register workbook (.xlsx, a zip of XML parts) is checked before openpyxl reads it (core/xlsx.py):
# what it unpacks to in all and per part, how tightly a part is packed, the size of the parts openpyxl
# parses whole (styles, workbook, relationships: about 30 times their size in memory) and the number of
# shared strings (about 150 bytes each). A register of 5,000 rows with 300-character contents unpacks to
# about 16 MB in one sheet part.
IMPORT_MAX_UNPACKED_BYTES = env.int("IMPORT_MAX_UNPACKED_BYTES", default=48 * 1024 * 1024)
IMPORT_MAX_PART_BYTES = env.int("IMPORT_MAX_PART_BYTES", default=32 * 1024 * 1024)
IMPORT_MAX_STRUCTURE_BYTES = env.int("IMPORT_MAX_STRUCTURE_BYTES", default=2 * 1024 * 1024)
IMPORT_MAX_COMPRESSION_RATIO = env.int("IMPORT_MAX_COMPRESSION_RATIO", default=100)
IMPORT_MAX_SHARED_STRINGS = env.int("IMPORT_MAX_SHARED_STRINGS", default=200_000)

# Fixed-window limits (core/ratelimit.py): scope -> [(attempts, seconds), ...]. The client IP is
# REMOTE_ADDR: behind a reverse proxy, have the proxy set it to the real client address.
RATE_LIMITS = {
    # Suggestions actually submitted from the public form, per client IP and per mobile number.
    "suggest_ip": [(5, 10 * 60), (20, 24 * 60 * 60)],
    "suggest_phone": [(3, 60 * 60)],
    # Every POST of the public form, valid or not: keeps floods of uploads away from the file checks.
    "suggest_post_ip": [(30, 10 * 60)],
    # Tracking-code lookups on /t/<code>/ and rating posts, per client IP. Wrong phone digits in a rating are
    # counted per suggestion in the database (suggestions.loop.actions.RATING_TRIES), not here.
    "track_ip": [(30, 10 * 60)],
}

# The audit trail (audit/). Each record's hash is an HMAC under this key, which must never be stored in the
# database and must stay the same for as long as records are kept; empty means "derived from SECRET_KEY"
# (development only: production requires its own). Records are kept this many days, at least 180
# (网络安全法 第二十一条); a smaller value fails the system checks and the purge refuses to run.
AUDIT_HMAC_KEY = env.str("AUDIT_HMAC_KEY", default="")
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=180)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="portal@localhost")

# Text messages to citizens (core/sms.py). The default backend only logs; a provider's
# backend class reads its account from the SMS_PROVIDER_* settings below.
SMS_BACKEND = env.str("SMS_BACKEND", default="core.sms.LoggingSmsBackend")
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
    # A broker that does not answer costs the web process seconds, not the TCP timeout.
    else {"visibility_timeout": 3600, "socket_connect_timeout": 2}
)
# Queuing from a page (the e-mail of notifications) gives up on an absent broker after about 0.1 s, not 0.6 s: what it
# could not queue, the deadline sweep queues again from the database (suggestions.loop.notifications).
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.1, "interval_max": 0.2}
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {"task": "core.tasks.heartbeat", "schedule": 60.0},
    # Deadlines live in the database; this finds what is due in a few set-based queries.
    "sweep-deadlines": {"task": "suggestions.loop.tasks.sweep_deadlines", "schedule": 5 * 60.0},
    "generate-reception-days": {"task": "stations.tasks.generate_reception_days", "schedule": 6 * 3600.0},
    "flag-missed-reception-days": {"task": "stations.tasks.flag_missed_reception_days", "schedule": 15 * 60.0},
    "purge-expired-exports": {"task": "oversight.tasks.purge_expired_exports", "schedule": 3600.0},
    "purge-stale-imports": {"task": "suggestions.imports.tasks.purge_stale_imports", "schedule": 3600.0},
    "warm-dashboards": {"task": "oversight.tasks.warm_dashboards", "schedule": 4 * 60.0},
    # The audit trail: records past the retention go once a day, and the whole chain is checked once a day.
    "purge-audit-records": {"task": "audit.tasks.purge_audit_records", "schedule": 24 * 3600.0},
    "verify-audit-chain": {"task": "audit.tasks.verify_audit_chain", "schedule": 24 * 3600.0},
    # PIPL: contact details of items closed more than PERSONAL_DATA_RETENTION_YEARS ago.
    "purge-expired-contacts": {"task": "suggestions.intake.tasks.purge_expired_contacts", "schedule": 24 * 3600.0},
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
