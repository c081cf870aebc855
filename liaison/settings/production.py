"""Production: refuses to start without the secrets and hosts it needs."""

from django.core.exceptions import ImproperlyConfigured

from core.crypto import parse_key

from .base import *  # noqa: F403
from .base import INSECURE_PERSONAL_DATA_HASH_KEY, INSECURE_PERSONAL_DATA_KEY, VAR_DIR, _database, env


def _required(name: str) -> str:
    value = env.str(name, default="")
    if not value:
        raise ImproperlyConfigured(f"Production settings need the environment variable {name}.")
    return value


DEBUG = False
SECRET_KEY = _required("SECRET_KEY")
ALLOWED_HOSTS = [h.strip() for h in _required("ALLOWED_HOSTS").split(",") if h.strip()]
DATABASES = {"default": _database(_required("DATABASE_URL"))}
# The audit chain's own key: SECRET_KEY may be rotated, this one must not change while records are kept.
AUDIT_HMAC_KEY = _required("AUDIT_HMAC_KEY")


def _personal_data_keys() -> list[str]:
    keys = [key.strip() for key in _required("PERSONAL_DATA_KEYS").split(",") if key.strip()]
    for key in keys:
        if parse_key(key) == parse_key(INSECURE_PERSONAL_DATA_KEY):
            raise ImproperlyConfigured("PERSONAL_DATA_KEYS holds the public development key: generate a real one.")
    return keys


PERSONAL_DATA_KEYS = _personal_data_keys()
PERSONAL_DATA_HASH_KEY = _required("PERSONAL_DATA_HASH_KEY")
if PERSONAL_DATA_HASH_KEY == INSECURE_PERSONAL_DATA_HASH_KEY or len(PERSONAL_DATA_HASH_KEY) < 32:
    raise ImproperlyConfigured("PERSONAL_DATA_HASH_KEY must be a secret of at least 32 characters, not the default.")

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": env.str("PRIVATE_MEDIA_ROOT", default=str(VAR_DIR / "private"))},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# /healthz is probed by the load balancer over plain HTTP on the private network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# The Content-Security-Policy is set in base.py, so development runs under the same one; its
# frame-ancestors 'none' says what X-Frame-Options DENY says, to browsers that read CSP.
