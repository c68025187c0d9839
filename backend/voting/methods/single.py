"""单选 — single choice: one option or a blank paper; most votes wins, equal tops all win."""

from typing import Any

from django.utils.translation import gettext as _

from . import BallotSpec, invalid, option_id


def validate(spec: BallotSpec, raw: Any) -> dict:
    if not isinstance(raw, dict) or "option" not in raw:
        raise invalid(_("请选择一个选项。"))
    if raw["option"] is None:
        return {"option": None}
    return {"option": option_id(spec, raw["option"])}


def tally(spec: BallotSpec, papers: list[dict]) -> dict:
    votes = {o.id: 0 for o in spec.options}
    blank = 0
    for paper in papers:
        oid = paper.get("option")
        if oid is None:
            blank += 1
        else:
            votes[oid] += 1
    return plurality_result(spec, votes, ballots=len(papers), blank=blank)


def plurality_result(spec: BallotSpec, votes: dict[int, int], *, ballots: int, blank: int) -> dict:
    top = max(votes.values(), default=0)
    winners = [oid for oid, n in votes.items() if n == top] if top > 0 else []
    return {
        "method": spec.method,
        "ballots": ballots,
        "blank": blank,
        "options": [{"id": o.id, "label": o.label, "votes": votes[o.id]} for o in spec.options],
        "winners": winners,
        "tie": len(winners) > 1,
    }
