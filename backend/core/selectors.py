from datetime import timedelta

from django.db import connection
from django.utils import timezone

from .models import Heartbeat


def platform_health() -> dict:
    """What is running: database, Redis and the Celery worker + beat (through their heartbeat)."""
    import redis
    from django.conf import settings

    db_ok = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        db_ok = False
    try:
        redis_ok = bool(redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1).ping())
    except Exception:
        redis_ok = False
    beat = Heartbeat.objects.filter(source="worker").first()
    fresh = beat is not None and beat.at > timezone.now() - timedelta(seconds=90)
    return {
        "database": db_ok,
        "redis": redis_ok,
        "worker_last_heartbeat": beat.at.isoformat() if beat else None,
        "worker_heartbeats": beat.count if beat else 0,
        "worker_alive": fresh,
    }
