"""Background work of the problems app: thin wrappers that call the services."""

from celery import shared_task


@shared_task(name="problems.tasks.vote_result_published")
def vote_result_published(ballot_id: int) -> int:
    """Tell a published ballot's problems' followers and organisers (see the service)."""
    from .services import vote_result_published as tell

    return tell(ballot_id=ballot_id)
