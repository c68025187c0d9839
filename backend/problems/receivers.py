"""What problems hears from the apps built beside it."""

from django.dispatch import receiver

from voting.models import Ballot
from voting.signals import ballot_published

from . import services


@receiver(ballot_published, sender=Ballot, dispatch_uid="problems.vote_result_published")
def _vote_result_published(sender, ballot_id: int, **kwargs) -> None:
    services.vote_result_published(ballot_id=ballot_id)
