"""Live topic `ballot.<id>`: public for ballots past draft. Messages: `turnout` ({ballot, turnout,
assisted}), `results` ({ballot, result}, only while results are public), `ballot_status`."""

from accounts.models import User
from core.errors import NotFound
from core.ids import parse_id
from live.registry import register_topic

from . import selectors
from .models import Ballot


def _ballot(object_id: str) -> Ballot | None:
    ballot_id = parse_id(object_id)
    if ballot_id is None:
        return None
    return Ballot.objects.prefetch_related("communities", "options").filter(pk=ballot_id).first()


def _may_subscribe(user: User, object_id: str) -> bool:
    ballot = _ballot(object_id)
    if ballot is None:
        return False
    try:
        selectors.ballot_get(user=user, ballot_id=ballot.pk)
    except NotFound:
        return False
    return True


def _snapshot(object_id: str) -> dict:
    ballot = _ballot(object_id)
    if ballot is None:
        return {}
    state = {"status": ballot.status, **selectors.ballot_turnout(ballot=ballot)}
    if selectors.results_public(ballot=ballot):
        state["result"] = (
            selectors.ballot_compute_result(ballot=ballot)
            if ballot.status == Ballot.Status.OPEN
            else selectors.ballot_result(ballot=ballot)
        )
    return state


register_topic("ballot", may_subscribe=_may_subscribe, snapshot=_snapshot, private=False)
