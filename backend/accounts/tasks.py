"""Background work of accounts. Tasks take ids, fetch again, and call one service."""

from smtplib import SMTPException

from celery import shared_task

from .services import notification_email_send, password_reset_email_send


@shared_task(name="accounts.tasks.notification_email", bind=True, max_retries=5)
def notification_email(self, notification_id: int) -> None:
    """Email the copy of a notification; a mail server that is down is retried with back-off."""
    try:
        notification_email_send(notification_id=notification_id)
    except (SMTPException, OSError) as exc:
        raise self.retry(exc=exc, countdown=60 * 2**self.request.retries) from exc


@shared_task(name="accounts.tasks.password_reset_email", bind=True, max_retries=5)
def password_reset_email(self, user_id: int, *, domain: str, protocol: str, email: str) -> None:
    """Email a password-reset link (忘记密码); a mail server that is down is retried with back-off."""
    try:
        password_reset_email_send(user_id=user_id, domain=domain, protocol=protocol, email=email)
    except (SMTPException, OSError) as exc:
        raise self.retry(exc=exc, countdown=60 * 2**self.request.retries) from exc
