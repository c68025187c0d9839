"""Thin Celery tasks: fetch by id, call one service. Each service claims its work with a
conditional UPDATE, so a second scheduler firing at once does nothing."""

from celery import shared_task

from . import services


@shared_task(name="campaigns.tasks.close_due_campaigns")
def close_due_campaigns() -> dict[int, str]:
    """Beat, every minute: close live campaigns whose deadline has passed."""
    return services.campaigns_close_due()


@shared_task(name="campaigns.tasks.send_shift_reminders")
def send_shift_reminders() -> int:
    """Beat, every 10 minutes: remind volunteers of shifts in the next 24 hours (once each)."""
    return services.shift_reminders_send()


@shared_task(
    name="campaigns.tasks.notify_followers", autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5
)
def notify_followers(update_id: int) -> int:
    return services.followers_notify(update_id=update_id)
