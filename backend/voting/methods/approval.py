"""认可投票 — approval: tick any number of options (up to `max_choices` when set). Each tick is
one approval; most approvals wins, equal tops all win. A paper with no tick is blank."""

from typing import Any

from django.utils.translation import gettext as _

from . import BallotSpec, id_list, invalid
from .single import plurality_result


def validate(spec: BallotSpec, raw: Any) -> dict:
    ids = id_list(spec, raw, "options")
    if spec.max_choices is not None and len(ids) > spec.max_choices:
        raise invalid(_("最多只能选 %(n)d 项。") % {"n": spec.max_choices})
    return {"options": sorted(ids)}


def tally(spec: BallotSpec, papers: list[dict]) -> dict:
    votes = {o.id: 0 for o in spec.options}
    blank = 0
    for paper in papers:
        ids = paper.get("options") or []
        if not ids:
            blank += 1
        for oid in ids:
            votes[oid] += 1
    return plurality_result(spec, votes, ballots=len(papers), blank=blank)
