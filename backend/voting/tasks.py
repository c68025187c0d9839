from celery import shared_task

from .services import ballot_notify_opened, ballots_advance


@shared_task(name="voting.tasks.ballots_advance")
def advance_ballots() -> dict[str, int]:
    """Scheduled by beat every 30 s: open due drafts, close and tally due ballots. Each change is
    claimed with a conditional UPDATE, so overlapping runs do each transition once."""
    return ballots_advance()


@shared_task(name="voting.tasks.notify_ballot_opened")
def notify_ballot_opened(ballot_id: int) -> int:
    """Tell the ballot's eligible voters it is open; does nothing when already done or gone."""
    return ballot_notify_opened(ballot_id=ballot_id)
