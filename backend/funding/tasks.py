"""Thin Celery tasks: fetch by id, call one service. Stripe outages are retried with exponential
back-off; each service is idempotent (status checks and Stripe idempotency keys derived from our
rows), so a retry or a second worker never moves money twice."""

import logging

from celery import shared_task

from .gateway import GatewayError

logger = logging.getLogger(__name__)

RETRY = {"bind": True, "max_retries": 8, "acks_late": True}


def _with_retry(task, fn, **kwargs):
    try:
        return fn(**kwargs)
    except GatewayError as exc:
        if exc.retryable:
            raise task.retry(exc=exc, countdown=min(3600, 30 * 2**task.request.retries)) from exc
        logger.warning("%s gave up on %s: %s", task.name, kwargs, exc)
        return f"error:{exc.code}"


@shared_task(name="funding.tasks.settle_campaign", **RETRY)
def settle_campaign(self, campaign_id: int, outcome: str) -> bool:
    from .payments import campaign_settle

    return campaign_settle(campaign_id=campaign_id, outcome=outcome)


@shared_task(name="funding.tasks.capture_payment", **RETRY)
def capture_payment(self, payment_id: int) -> str:
    from .payments import payment_capture

    return _with_retry(self, payment_capture, payment_id=payment_id)


@shared_task(name="funding.tasks.charge_saved_method", **RETRY)
def charge_saved_method(self, payment_id: int) -> str:
    from .payments import payment_charge_saved

    return _with_retry(self, payment_charge_saved, payment_id=payment_id)


@shared_task(name="funding.tasks.cancel_payment", **RETRY)
def cancel_payment(self, payment_id: int) -> str:
    from .payments import payment_cancel_hold

    return _with_retry(self, payment_cancel_hold, payment_id=payment_id)


@shared_task(name="funding.tasks.refund_payment", **RETRY)
def refund_payment(self, refund_id: int) -> str:
    from .payments import refund_execute

    return _with_retry(self, refund_execute, refund_id=refund_id)


@shared_task(name="funding.tasks.record_payment_fee", **RETRY)
def record_payment_fee(self, payment_id: int) -> str:
    from .payments import payment_record_fee

    return _with_retry(self, payment_record_fee, payment_id=payment_id)


@shared_task(name="funding.tasks.match_offline_pledge", acks_late=True)
def match_offline_pledge(pledge_id: int) -> int:
    from .matching import match_offline_pledge as allocate

    return len(allocate(pledge_id=pledge_id))


@shared_task(name="funding.tasks.release_offline_pledge", acks_late=True)
def release_offline_pledge(pledge_id: int) -> int:
    from .matching import match_release_offline_pledge

    return match_release_offline_pledge(pledge_id=pledge_id)


@shared_task(name="funding.tasks.settle_closed_campaigns")
def settle_closed_campaigns() -> int:
    """Beat: settle closed campaigns whose `campaign_closed` signal was lost (a crash after commit)."""
    from .selectors import campaigns_awaiting_settlement

    queued = 0
    for campaign_id, outcome in campaigns_awaiting_settlement():
        settle_campaign.delay(campaign_id, outcome)
        queued += 1
    return queued


@shared_task(name="funding.tasks.sync_stale_payments")
def sync_stale_payments() -> int:
    """Beat: ask Stripe about payments still processing after a while (a lost webhook); give up
    on payments that never reached Stripe (their pending pledge is dropped, nothing was charged)."""
    from .payments import payment_fail, payment_refresh
    from .selectors import abandoned_payments, stale_processing_payments

    done = 0
    for payment_id in abandoned_payments():
        payment_fail(payment_id=payment_id, code="abandoned")
        done += 1
    for payment_id in stale_processing_payments():
        try:
            payment_refresh(payment_id=payment_id)
            done += 1
        except GatewayError as exc:
            logger.warning("could not refresh payment %s: %s", payment_id, exc)
    return done


@shared_task(name="funding.tasks.run_payment_recovery")
def run_payment_recovery() -> dict[str, int]:
    """Beat, hourly: remind donors whose charge at close was declined; drop when the window ends."""
    from .payments import payments_run_recovery

    return payments_run_recovery()
