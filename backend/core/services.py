from django.db.models import F
from django.utils import timezone

from .models import Heartbeat


def heartbeat_record(*, source: str) -> Heartbeat:
    """Record that `source` ran now (one statement, safe with several workers)."""
    now = timezone.now()
    updated = Heartbeat.objects.filter(source=source).update(at=now, count=F("count") + 1)
    if not updated:
        Heartbeat.objects.get_or_create(source=source, defaults={"at": now, "count": 1})
    return Heartbeat.objects.get(source=source)
