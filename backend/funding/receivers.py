"""Receivers of the campaigns app's signals. They only queue work; the tasks call the services."""

from django.dispatch import receiver

from campaigns.models import Campaign, Pledge
from campaigns.signals import campaign_cancelled, campaign_closed, offline_pledge_recorded, offline_pledge_withdrawn

from . import tasks


@receiver(campaign_closed, sender=Campaign, dispatch_uid="funding.settle_on_close")
def _on_closed(sender, campaign_id: int, outcome: str, **kwargs) -> None:
    tasks.settle_campaign.delay_on_commit(campaign_id, outcome)


@receiver(campaign_cancelled, sender=Campaign, dispatch_uid="funding.settle_on_cancel")
def _on_cancelled(sender, campaign_id: int, **kwargs) -> None:
    tasks.settle_campaign.delay_on_commit(campaign_id, "cancelled")


@receiver(offline_pledge_recorded, sender=Pledge, dispatch_uid="funding.match_offline")
def _on_offline_recorded(sender, pledge_id: int, **kwargs) -> None:
    tasks.match_offline_pledge.delay_on_commit(pledge_id)


@receiver(offline_pledge_withdrawn, sender=Pledge, dispatch_uid="funding.release_offline")
def _on_offline_withdrawn(sender, pledge_id: int, **kwargs) -> None:
    tasks.release_offline_pledge.delay_on_commit(pledge_id)
