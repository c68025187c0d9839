"""Receivers of the voting app's signals. They only queue work; the tasks call the services."""

from django.dispatch import receiver

from voting.models import Ballot
from voting.signals import ballot_published

from . import tasks


@receiver(ballot_published, sender=Ballot, dispatch_uid="problems.vote_result_published")
def _on_ballot_published(sender, ballot_id: int, **kwargs) -> None:
    tasks.vote_result_published.delay_on_commit(ballot_id)
