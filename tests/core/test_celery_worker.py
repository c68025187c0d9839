"""A real Celery worker, started as its own process on the test run's Redis broker, executes a
task and writes to the database: the path `make run` uses."""

import time

import pytest

from config.celery import app as celery_app
from core.models import Heartbeat
from tests.support import processes


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:task_always_eager has no effect")
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_heartbeat_task(tmp_path):
    worker = processes.start_worker(tmp_path / "worker.log")
    try:
        celery_app.send_task("core.tasks.heartbeat")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not Heartbeat.objects.filter(source="worker").exists():
            if worker.poll() is not None:
                break
            time.sleep(0.2)
        log = (tmp_path / "worker.log").read_text(errors="replace")
        assert Heartbeat.objects.filter(source="worker").exists(), log
        assert "core.tasks.heartbeat" in log
    finally:
        processes.stop(worker)
