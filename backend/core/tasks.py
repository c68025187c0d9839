from celery import shared_task

from .services import heartbeat_record


@shared_task(name="core.tasks.heartbeat")
def heartbeat() -> None:
    """Scheduled by beat every 30 s and run by a worker: proves both are alive (/api/health/)."""
    heartbeat_record(source="worker")
