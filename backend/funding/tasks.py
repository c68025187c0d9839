"""Thin Celery tasks: fetch by id, call one service. Stripe outages are retried with exponential
back-off; each service is idempotent (status checks and Stripe idempotency keys derived from our
rows), so a retry or a second worker never moves money twice."""

import datetime as dt
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
    """Beat: ask Stripe about payments still processing after a while (a lost webhook), all of
    them, oldest first, page by page; repeat the start of payments cut short by a Stripe outage
    (same idempotency keys); give up on payments that never reached Stripe (their pending pledge
    is dropped, nothing was charged); ask Stripe about refunds still pending."""
    from .payments import payment_fail, payment_refresh, payment_resume, refund_execute
    from .selectors import abandoned_payments, resumable_payments, stale_pending_refunds, stale_processing_payments

    done = 0
    for payment_id in abandoned_payments():
        payment_fail(payment_id=payment_id, code="abandoned")
        done += 1
    for payment_id in resumable_payments():
        done += _sync_one(payment_resume, "payment", payment_id=payment_id)
    last = 0
    while page := stale_processing_payments(after_id=last):
        for payment_id in page:
            done += _sync_one(payment_refresh, "payment", payment_id=payment_id)
        last = page[-1]
    for refund_id in stale_pending_refunds():
        done += _sync_one(refund_execute, "refund", refund_id=refund_id)
    return done


def _sync_one(fn, what: str, **kwargs) -> int:
    try:
        fn(**kwargs)
    except GatewayError as exc:
        logger.warning("could not sync %s %s: %s", what, kwargs, exc)
        return 0
    return 1


STUCK_AFTER = dt.timedelta(hours=6)


@shared_task(name="funding.tasks.requeue_stuck_work")
def requeue_stuck_work() -> int:
    """Beat, hourly: queue again the work whose task was lost, found by status and age: holds
    and saved cards of campaigns settled as succeeded not captured or charged after STUCK_AFTER,
    refunds still pending, fees Stripe had not reported. Each task re-checks its row first and
    reuses its idempotency key, so queueing twice moves no money twice."""
    from .payments import PS
    from .selectors import payments_without_fee, stale_pending_refunds, stuck_settled_payments

    queued = 0
    for payment_id, status in stuck_settled_payments(older_than=STUCK_AFTER):
        (capture_payment if status == PS.AUTHORISED else charge_saved_method).delay(payment_id)
        queued += 1
    for refund_id in stale_pending_refunds(older_than=STUCK_AFTER):
        refund_payment.delay(refund_id)
        queued += 1
    for payment_id in payments_without_fee(older_than=STUCK_AFTER):
        record_payment_fee.delay(payment_id)
        queued += 1
    return queued


@shared_task(name="funding.tasks.run_payment_recovery")
def run_payment_recovery() -> dict[str, int]:
    """Beat, hourly: remind donors whose charge at close was declined; drop when the window ends."""
    from .payments import payments_run_recovery

    return payments_run_recovery()
