"""Receivers of the campaigns app's signals. They only queue work; the tasks call the services."""

from django.dispatch import receiver

from campaigns.models import Campaign
from campaigns.signals import campaign_cancelled, campaign_closed

from . import tasks


@receiver(campaign_closed, sender=Campaign, dispatch_uid="funding.settle_on_close")
def _on_closed(sender, campaign_id: int, outcome: str, **kwargs) -> None:
    tasks.settle_campaign.delay_on_commit(campaign_id, outcome)


@receiver(campaign_cancelled, sender=Campaign, dispatch_uid="funding.settle_on_cancel")
def _on_cancelled(sender, campaign_id: int, **kwargs) -> None:
    tasks.settle_campaign.delay_on_commit(campaign_id, "failed")
