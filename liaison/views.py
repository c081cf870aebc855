import logging

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts import permissions
from stations import selectors as station_selectors

from .tasks import HEARTBEAT_KEY

logger = logging.getLogger(__name__)


@login_not_required
@require_GET
def home(request):
    """Landing page: the public entry for citizens, the role overview for signed-in users."""
    context = {"roles": permissions.roles(request.user)}
    if request.user.is_authenticated:
        context["managed_count"] = station_selectors.managed_stations(request.user).count()
    context["station_count"] = station_selectors.station_directory().count()
    return render(request, "home.html", context)


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
    from liaison.celery import app

    try:
        with app.connection_for_write() as conn:
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
