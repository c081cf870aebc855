import logging
import sys

from celery import current_app
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.cache import add_never_cache_headers
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import resilience
from .tasks import HEARTBEAT_KEY

logger = logging.getLogger(__name__)


@login_not_required
@require_GET
def privacy(request):
    """``/privacy/``: the privacy notice (个人信息保护说明) every form that asks for a name or number links to."""
    return render(
        request,
        "privacy.html",
        {
            "version": settings.PRIVACY_NOTICE_VERSION,
            "retention_years": settings.PERSONAL_DATA_RETENTION_YEARS,
        },
    )


def _broker_state() -> str:
    try:
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return "ok"
    except Exception as exc:  # any failure means "not reachable"; the reason goes to the log
        logger.warning("healthz: broker unreachable: %s", exc)
        return "unreachable"


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """Liveness for load balancers: 200 when the database answers, 503 when it does not."""
    body = {"database": "ok", "broker": _broker_state(), "worker_heartbeat": None}
    status = 200
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        logger.error("healthz: database unreachable: %s", exc)
        body["database"] = "unreachable"
        status = 503
    else:
        try:
            body["worker_heartbeat"] = cache.get(HEARTBEAT_KEY)
        except Exception:  # a cache outage must not turn the probe red
            body["worker_heartbeat"] = None
    body["database_engine"] = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    body["broker_transport"] = settings.CELERY_BROKER_URL.split(":", 1)[0]
    return JsonResponse(body, status=status)


# Seconds a client is asked to wait when the database cannot be reached (a restart or fail-over takes about this).
DATABASE_RETRY_AFTER = 30


def server_error(request):
    """``handler500``: the 503 page with ``Retry-After`` when the database cannot be reached, else the 500 page.

    Django calls it inside the ``except`` of the request, so the exception is at
    hand. Which database errors count as "cannot be reached" is decided in
    :func:`core.resilience.database_unreachable`; a wrong query stays a 500.
    Nothing is half-written either way: every write is one transaction (or one
    statement), rolled back with the connection.
    """
    if _database_unreachable(sys.exc_info()[1]):
        return database_unavailable(request)
    return defaults.server_error(request)


def _database_unreachable(exc) -> bool:
    # The error may have been raised while handling another (a rollback on a connection already lost).
    for _ in range(5):
        if exc is None:
            return False
        if resilience.database_unreachable(exc):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def database_unavailable(request):
    """The Chinese 503 page, rendered without a request context: the context processors would ask the database."""
    body = loader.render_to_string("503.html", {"retry_seconds": DATABASE_RETRY_AFTER})
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(DATABASE_RETRY_AFTER)
    add_never_cache_headers(response)
    return response
