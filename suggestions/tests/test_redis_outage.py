"""Redis down (cache, rate limits, sessions, broker): the citizen's submission is saved and answered all the same.

The first tests point the cache at a port where nothing listens (what redis-py
meets when Redis is down) and run everywhere. The integration test at the end
starts a redis-server of its own, submits through the real views while it runs,
stops it, submits again, starts it again and shows the limits apply again. It
is skipped only when ``redis-server`` is not installed.
"""

import contextlib
import datetime as dt
import shutil
import socket
import subprocess
import time
import uuid

import kombu.pools
import pytest
import redis
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from core import ratelimit, resilience
from core.crypto import phone_digest
from devtools.testing import factories as f
from liaison.celery import app as celery_app
from suggestions.loop import actions as loop
from suggestions.loop import notifications
from suggestions.models import Notification, Rating, Stage, Suggestion
from suggestions.tests.test_public import CONTENT

REDIS_SERVER = shutil.which("redis-server")
LIMITS = {
    "suggest_ip": [(2, 600)],
    "suggest_phone": [(3, 3600)],
    "suggest_post_ip": [(30, 600)],
    "track_ip": [(30, 600)],
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _redis_cache(url: str) -> dict:
    return {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}}


@pytest.fixture(autouse=True)
def _fresh():
    resilience.reset()
    ratelimit._local.clear()
    yield
    resilience.reset()
    ratelimit._local.clear()


@pytest.fixture
def redis_down():
    with override_settings(CACHES=_redis_cache(f"redis://127.0.0.1:{free_port()}/12"), RATE_LIMITS=LIMITS):
        yield


def _submit(client, world, **extra):
    data = {"content": CONTENT, "idempotency_key": str(uuid.uuid4()), **extra}
    return client.post(reverse("public:station_suggest", args=[world.station.code]), data)


def _released(world):
    world.station.head = world.rep
    world.station.save()
    s = f.SuggestionFactory(station=world.station, submitter_phone="13812345678", title="路灯不亮")
    loop.suggestion_hand_to_representative(suggestion=s, by=world.staff)
    loop.suggestion_answer_directly(suggestion=Suggestion.objects.get(pk=s.pk), by=world.rep_user, answer="已修复")
    return s


# Redis refused: every step of the citizen's path, and the staff's ---------------------------------


def test_submission_is_saved_and_answered_while_redis_is_down(client, world, redis_down):
    response = _submit(client, world, submitter_phone="13912345678", consent="on")
    assert response.status_code == 302
    suggestion = Suggestion.objects.get()
    assert response["Location"].endswith(f"/t/{suggestion.tracking_code}/?new=1")
    page = client.get(response["Location"])
    assert page.status_code == 200 and suggestion.tracking_code in page.content.decode()


def test_representative_form_is_saved_while_redis_is_down(client, world, redis_down):
    data = {"content": CONTENT, "idempotency_key": str(uuid.uuid4())}
    response = client.post(reverse("public:representative_suggest", args=[world.rep.code]), data)
    assert response.status_code == 302 and Suggestion.objects.get().representative == world.rep


def test_limits_still_refuse_a_flood_while_redis_is_down(client, world, redis_down):
    assert [_submit(client, world).status_code for _ in range(3)] == [302, 302, 429]
    assert Suggestion.objects.count() == 2


def test_rating_is_saved_while_redis_and_the_broker_are_down(
    client, world, redis_down, not_eager_broker, django_capture_on_commit_callbacks
):
    s = _released(world)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("loop:rate", args=[s.tracking_code]), {"verdict": "unsatisfied", "phone_last4": "5678"}
        )
    assert response.status_code == 302
    assert Rating.objects.filter(suggestion=s, verdict="unsatisfied").exists()
    assert Suggestion.objects.get(pk=s.pk).stage == Stage.ASSESS
    # The notifications are written; their e-mail waits in the database for the sweep.
    waiting = Notification.objects.filter(emailed_at__isnull=True, url=s.get_absolute_url())
    assert waiting.exists()


def test_staff_log_in_and_work_while_redis_is_down(client, world, redis_down):
    s = f.SuggestionFactory(station=world.station)
    response = client.post(reverse("accounts:login"), {"username": "staff", "password": f.PASSWORD})
    assert response.status_code == 302
    assert client.get(s.get_absolute_url()).status_code == 200
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert client.get(s.get_absolute_url()).status_code == 302  # signed out: sent to the login page


@contextlib.contextmanager
def broker_at(url: str):
    """Tasks go to the broker at ``url`` instead of running inline; everything as before afterwards.

    The write URL is the one tasks are sent to; unlike ``broker_url`` it is not
    overridden by the CELERY_BROKER_URL environment variable (which CI sets).
    """
    saved = celery_app.conf.get("broker_write_url"), celery_app.conf.task_always_eager

    def point(write_url, eager):
        celery_app.conf.broker_write_url, celery_app.conf.task_always_eager = write_url, eager
        # The app and kombu keep connection and producer pools for the broker they met first (eager tasks
        # take a producer too): all of them go, as after a fork.
        kombu.pools.reset()
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    point(url, False)
    try:
        yield
    finally:
        point(*saved)


@pytest.fixture
def not_eager_broker():
    """Tasks go to a broker where nothing listens (the broker half of a Redis outage)."""
    with broker_at(f"redis://127.0.0.1:{free_port()}/12"):
        yield


def test_e_mail_a_page_could_not_queue_is_queued_again_by_the_sweep(world, settings):
    """Broker away when the page ran: the sweep (eager here) mails it later, once."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    note = Notification.objects.create(user=world.staff, text="群众不满意：路灯不亮", url="/suggestions/X/")
    read = Notification.objects.create(user=world.rep_user, text="已读", url="/", read_at=timezone.now())
    assert notifications.queue_unsent_email() == 0  # too fresh: the first attempt may still be on its way
    later = timezone.now() + notifications.EMAIL_RETRY_AFTER + dt.timedelta(minutes=1)
    assert notifications.queue_unsent_email(now=later) == 1
    note.refresh_from_db()
    read.refresh_from_db()
    assert note.emailed_at is not None and read.emailed_at is None
    assert [m.to for m in mail.outbox] == [[world.staff.email]]
    assert notifications.queue_unsent_email(now=later) == 0  # mailed once
    much_later = timezone.now() + notifications.EMAIL_RETRY_WITHIN + dt.timedelta(hours=1)
    Notification.objects.create(user=world.staff, text="旧通知")
    assert notifications.queue_unsent_email(now=much_later) == 0


def test_the_sweep_does_not_fail_while_the_broker_is_still_down(world, not_eager_broker):
    Notification.objects.create(user=world.staff, text="通知")
    later = timezone.now() + notifications.EMAIL_RETRY_AFTER + dt.timedelta(minutes=1)
    assert notifications.queue_unsent_email(now=later) == 0


# A real redis-server, stopped and started again --------------------------------------------------


class OwnRedis:
    """A redis-server of the test's own on a free port: never the shared one."""

    def __init__(self):
        self.port = free_port()
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/12"

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, db=12, socket_connect_timeout=1)

    def start(self):
        command = [REDIS_SERVER, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if self.client().ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def own_redis():
    server = OwnRedis()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.integration
@pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed")
def test_redis_stopped_and_started_again(client, world, own_redis, django_capture_on_commit_callbacks):
    released = _released(world)
    with broker_at(own_redis.url):
        with override_settings(CACHES=_redis_cache(own_redis.url), RATE_LIMITS=LIMITS, OUTAGE_RETRY_SECONDS=1):
            # Redis up: the limits count in Redis.
            assert _submit(client, world).status_code == 302
            assert own_redis.client().keys("*ratelimit:suggest_ip:*")

            own_redis.stop()
            response = _submit(client, world, submitter_phone="13912345678", consent="on")
            assert response.status_code == 302
            assert Suggestion.objects.filter(submitter_phone_hash=phone_digest("13912345678")).count() == 1
            track = client.get(response["Location"])
            assert track.status_code == 200 and track.context["suggestion"].submitter_phone == "13912345678"
            with django_capture_on_commit_callbacks(execute=True):
                rated = client.post(
                    reverse("loop:rate", args=[released.tracking_code]),
                    {"verdict": "unsatisfied", "phone_last4": "5678"},
                )
            assert rated.status_code == 302 and Suggestion.objects.get(pk=released.pk).stage == Stage.ASSESS
            unsent = Notification.objects.filter(url=released.get_absolute_url(), emailed_at__isnull=True)
            assert unsent.exists()  # the broker was down: the e-mail waits in the database
            staff = Client()
            assert (
                staff.post(reverse("accounts:login"), {"username": "staff", "password": f.PASSWORD}).status_code == 302
            )
            assert staff.get(released.get_absolute_url()).status_code == 200

            own_redis.start()
            time.sleep(1.1)  # OUTAGE_RETRY_SECONDS: the process asks Redis again
            # Counting is back in Redis (empty after the restart): two more, then refused.
            assert [_submit(client, world).status_code for _ in range(3)] == [302, 302, 429]
            assert own_redis.client().keys("*ratelimit:suggest_ip:*")
            # The e-mail the rating could not queue reaches the broker with the next sweep.
            later = timezone.now() + notifications.EMAIL_RETRY_AFTER + dt.timedelta(minutes=1)
            assert notifications.queue_unsent_email(now=later) == unsent.count()
            assert own_redis.client().llen("celery") >= 1
