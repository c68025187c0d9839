import pytest

from core.services import heartbeat_record
from core.tasks import heartbeat


@pytest.mark.django_db
def test_health_reports_database_and_redis(api):
    body = api.get("/api/health/").json()
    assert body["database"] is True
    assert body["redis"] is True
    assert body["worker_alive"] is False


@pytest.mark.django_db
def test_heartbeat_task_marks_the_worker_alive(api):
    heartbeat.delay()
    heartbeat_record(source="worker")
    body = api.get("/api/health/").json()
    assert body["worker_alive"] is True
    assert body["worker_heartbeats"] == 2
