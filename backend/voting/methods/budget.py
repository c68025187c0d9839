"""参与式预算 — participatory budgeting. Each option has a cost in fen; a voter picks any options
whose total cost is within the budget (and at most `max_choices` when set).

Winners are chosen greedily: options are taken in order of votes (most first; on equal votes the
cheaper first, then the one listed first on the ballot). Each option is funded if its cost fits
in what is left of the budget, otherwise it is skipped and the next one is tried, so a cheaper,
less popular option can still be funded with the remainder. Options with no votes are never
funded. The result shows the votes, cost and funded flag per option and the amount spent.
"""

from typing import Any

from django.utils.translation import gettext as _

from . import BallotSpec, id_list, invalid


def validate(spec: BallotSpec, raw: Any) -> dict:
    ids = id_list(spec, raw, "options")
    if spec.max_choices is not None and len(ids) > spec.max_choices:
        raise invalid(_("最多只能选 %(n)d 项。") % {"n": spec.max_choices})
    total = sum(spec.by_id[oid].cost_fen or 0 for oid in ids)
    if spec.budget_fen is not None and total > spec.budget_fen:
        raise invalid(
            _("所选项目合计 %(total)s 元，超出预算 %(budget)s 元。")
            % {"total": _yuan(total), "budget": _yuan(spec.budget_fen)}
        )
    return {"options": sorted(ids)}


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def tally(spec: BallotSpec, papers: list[dict]) -> dict:
    votes = {o.id: 0 for o in spec.options}
    blank = 0
    for paper in papers:
        ids = paper.get("options") or []
        if not ids:
            blank += 1
        for oid in ids:
            votes[oid] += 1
    position = {o.id: i for i, o in enumerate(spec.options)}
    order = sorted(
        (o for o in spec.options if votes[o.id] > 0),
        key=lambda o: (-votes[o.id], o.cost_fen or 0, position[o.id]),
    )
    remaining = spec.budget_fen or 0
    funded: list[int] = []
    for o in order:
        cost = o.cost_fen or 0
        if cost <= remaining:
            funded.append(o.id)
            remaining -= cost
    budget = spec.budget_fen or 0
    return {
        "method": spec.method,
        "ballots": len(papers),
        "blank": blank,
        "budget_fen": budget,
        "spent_fen": budget - remaining,
        "options": [
            {
                "id": o.id,
                "label": o.label,
                "votes": votes[o.id],
                "cost_fen": o.cost_fen or 0,
                "funded": o.id in funded,
            }
            for o in spec.options
        ],
        "winners": funded,
        "tie": False,
    }
