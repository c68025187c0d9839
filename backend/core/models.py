from django.db import models


class Heartbeat(models.Model):
    """The last time each background process proved it is alive (worker runs the beat's task)."""

    source = models.CharField(max_length=50, unique=True)
    at = models.DateTimeField()
    count = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.source} @ {self.at:%Y-%m-%d %H:%M:%S}"
