"""The deadline sweep through a real Celery worker, Redis and PostgreSQL (CI).

Everything else in the suite runs tasks eagerly. Here the test process sends
``sweep_deadlines`` to Redis, a worker started as a separate process takes it
from a queue of its own, sweeps the test database, and queues the e-mail task,
which it also runs: the test watches the database for the outcome.

The worker runs ``liaison.settings.test`` with two changes written to a
temporary settings module: tasks are not eager (else the e-mail task would run
inline in the worker and the broker would never see it), and the default queue
is this test's own queue (so the e-mail task comes back to this worker and no
other worker sharing the Redis database ever sees a message about this
database's rows).
"""

import datetime as dt
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from suggestions.models import Assignment, Notification, Stage, Supervision

BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
TIMEOUT = 40

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not BROKER_URL.startswith("redis://") or connection.vendor != "postgresql",
        reason="needs Redis (CELERY_BROKER_URL=redis://…) and PostgreSQL (DATABASE_URL=postgres://…)",
    ),
]


def _database_url() -> str:
    """The test database (test_<name>), which the worker must use instead of the one in DATABASE_URL."""
    db = connection.settings_dict
    user = quote(db["USER"] or "")
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    credentials = f"{user}{password}@" if user else ""
    host = db["HOST"] or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/{db['NAME']}"


def _wait_for(condition, timeout=TIMEOUT, interval=0.25) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


@pytest.fixture
def not_eager():
    """The test process must send tasks to the broker, not run them itself."""
    from liaison.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield app
    app.conf.task_always_eager = saved


@pytest.fixture
def worker(tmp_path, transactional_db):
    """A real worker on a queue of its own; yields (queue, log path) and always stops it."""
    queue = f"liaison-it-{uuid.uuid4().hex[:12]}"
    module = f"worker_settings_{queue.replace('-', '_')}"
    (tmp_path / f"{module}.py").write_text(
        "from liaison.settings.test import *  # noqa: F403\n"
        "CELERY_TASK_ALWAYS_EAGER = False\n"
        f"CELERY_TASK_DEFAULT_QUEUE = {queue!r}\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": module,
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(tmp_path), str(settings.BASE_DIR), os.environ.get("PYTHONPATH")])
        ),
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": BROKER_URL,
    }
    log = tmp_path / "worker.log"
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "liaison",
        "worker",
        "--pool",
        "solo",
        "--concurrency",
        "1",
        "-Q",
        queue,
        "-n",
        f"{queue}@%h",
        # Do not talk to other workers on the same Redis database.
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--loglevel",
        "INFO",
    ]
    with open(log, "wb") as output:
        process = subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield queue, log
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        _forget_queue(queue)


def _forget_queue(queue: str) -> None:
    """Remove what kombu left in Redis for this queue (the list itself vanishes once empty)."""
    try:
        import redis

        client = redis.Redis.from_url(BROKER_URL)
        # The queue's list and kombu's binding keys (``_kombu.binding*.<queue>``) all carry its unique name.
        keys = list(client.scan_iter(match=f"*{queue}*"))
        if keys:
            client.delete(*keys)
        client.close()
    except Exception:  # cleanup only; never hide the test's own outcome
        pass


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-4000:] if log.exists() else "(no worker log)"


def test_a_real_worker_escalates_an_overdue_assignment_and_emails_the_notifications(
    transactional_db, world, worker, not_eager
):
    from devtools.testing.factories import SuggestionFactory
    from suggestions.loop.tasks import sweep_deadlines

    queue, log = worker
    # The worker has the real clock: overdue since yesterday, whatever today is.
    suggestion = SuggestionFactory(station=world.station, title="积水无人处理", stage=Stage.ASSIGN)
    assignment = Assignment.objects.create(
        suggestion=suggestion,
        unit=world.unit,
        status=Assignment.Status.ACCEPTED,
        accept_due=timezone.localdate() - dt.timedelta(days=10),
        reply_due=timezone.localdate() - dt.timedelta(days=1),
    )

    sweep_deadlines.apply_async(queue=queue)

    def escalated():
        notified = Supervision.objects.filter(
            assignment=assignment, kind=Supervision.Kind.ESCALATION, notified_at__isnull=False
        ).exists()
        handler = Notification.objects.filter(user=world.handler, text__contains="积水无人处理").exists()
        digests = set(Notification.objects.filter(url="/supervision/").values_list("user_id", flat=True))
        return notified and handler and {world.admin.pk, world.city_admin.pk} <= digests

    assert _wait_for(escalated), f"no escalation within {TIMEOUT} s; worker log:\n{_tail(log)}"
    # The handler is told about the item; the committee admins above it get the sweep's digest.
    notifications = Notification.objects.filter(Q(text__contains="积水无人处理") | Q(url="/supervision/"))
    assert set(notifications.values_list("user__username", flat=True)) == {"handler", "admin_county", "admin_city"}
    assert Supervision.objects.filter(assignment=assignment).count() == 1

    # The e-mail task went back through Redis to the same worker, which marks each notification e-mailed.
    assert _wait_for(lambda: not notifications.filter(emailed_at__isnull=True).exists()), (
        f"notifications not e-mailed within {TIMEOUT} s; worker log:\n{_tail(log)}"
    )
    log_text = _tail(log)
    assert "suggestions.loop.tasks.email_notifications" in log_text
