from unittest import mock

from django.db import OperationalError


def test_healthz_is_public_and_reports_database_and_broker(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert body["broker"] in {"ok", "unreachable"}
    assert "worker_heartbeat" in body


def test_healthz_answers_503_when_database_is_unreachable(client, db):
    with mock.patch("django.db.backends.utils.CursorWrapper.execute", side_effect=OperationalError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


def test_heartbeat_task_is_reported(client, db):
    from core.tasks import heartbeat

    stamp = heartbeat()
    assert client.get("/healthz").json()["worker_heartbeat"] == stamp
