"""排序投票 — ranked choice with instant runoff (即时决选).

Each paper ranks some or all options, most preferred first. Round by round, every paper counts
for its highest-ranked option still in the race:

1. A paper none of whose ranked options is still in the race is *exhausted*: it stays in the
   turnout but no longer counts towards a majority. A paper with no ranking at all is blank.
2. An option with more than half of the papers still counting wins.
3. If every option still in the race has the same number of votes, they tie and all are listed
   as winners (the organisers decide, e.g. by a run-off ballot).
4. Otherwise the option with the fewest votes is eliminated and the next round is counted.
   Tie-break for elimination: among the options sharing the fewest votes, eliminate the one that
   had fewer votes in the most recent earlier round where they differed; if they were equal in
   every round, eliminate the one listed last on the ballot.

The result lists every round: the votes per option, exhausted papers and who was eliminated.
"""

from typing import Any

from django.utils.translation import gettext as _

from . import BallotSpec, id_list, invalid, option_id


def validate(spec: BallotSpec, raw: Any) -> dict:
    if isinstance(raw, dict) and "ranks" in raw:
        raw = {"ranking": ranking_from_ranks(spec, raw["ranks"])}
    ids = id_list(spec, raw, "ranking")
    if spec.max_choices is not None and len(ids) > spec.max_choices:
        raise invalid(_("最多只能排 %(n)d 项。") % {"n": spec.max_choices})
    return {"ranking": ids}


def ranking_from_ranks(spec: BallotSpec, ranks: Any) -> list[int]:
    """A ranking from a form that gives each option a rank number ({option id: 1, ...}). Ranks
    must be distinct whole numbers from 1; gaps are closed up (1, 3 reads as 1, 2)."""
    if not isinstance(ranks, dict):
        raise invalid(_("选票格式不正确。"))
    ranked: list[tuple[int, int]] = []
    for key, value in ranks.items():
        oid = option_id(spec, key)
        try:
            rank = int(value)
        except (TypeError, ValueError):
            raise invalid(_("名次须为 1 到 %(n)d 的数字。") % {"n": len(spec.options)}) from None
        if not 1 <= rank <= len(spec.options):
            raise invalid(_("名次须为 1 到 %(n)d 的数字。") % {"n": len(spec.options)})
        ranked.append((rank, oid))
    if len({rank for rank, _oid in ranked}) != len(ranked):
        raise invalid(_("每个名次只能给一个选项。"))
    return [oid for _rank, oid in sorted(ranked)]


def tally(spec: BallotSpec, papers: list[dict]) -> dict:
    position = {o.id: i for i, o in enumerate(spec.options)}
    rankings = [paper.get("ranking") or [] for paper in papers]
    blank = sum(1 for r in rankings if not r)
    continuing = [o.id for o in spec.options]
    history: list[dict[int, int]] = []
    rounds: list[dict] = []
    winners: list[int] = []
    while continuing:
        counts = dict.fromkeys(continuing, 0)
        exhausted = 0
        for ranking in rankings:
            if not ranking:
                continue
            top = next((oid for oid in ranking if oid in counts), None)
            if top is None:
                exhausted += 1
            else:
                counts[top] += 1
        active = sum(counts.values())
        record: dict[str, Any] = {
            "round": len(rounds) + 1,
            "counts": [{"id": oid, "votes": counts[oid]} for oid in continuing],
            "exhausted": exhausted,
            "eliminated": None,
        }
        rounds.append(record)
        history.append(counts)
        if active == 0:
            break
        leader = max(continuing, key=lambda oid: counts[oid])
        if counts[leader] * 2 > active:
            winners = [leader]
            break
        if len(set(counts.values())) == 1:
            winners = list(continuing)
            break
        fewest = min(counts.values())
        losers = [oid for oid in continuing if counts[oid] == fewest]
        loser = _break_elimination_tie(losers, history, position)
        record["eliminated"] = loser
        continuing.remove(loser)
    return {
        "method": spec.method,
        "ballots": len(papers),
        "blank": blank,
        "options": [
            {"id": o.id, "label": o.label, "first_preferences": rounds[0]["counts"][i]["votes"] if rounds else 0}
            for i, o in enumerate(spec.options)
        ],
        "rounds": rounds,
        "winners": winners,
        "tie": len(winners) > 1,
    }


def _break_elimination_tie(losers: list[int], history: list[dict[int, int]], position: dict[int, int]) -> int:
    candidates = list(losers)
    for counts in reversed(history[:-1]):
        if len(candidates) == 1:
            break
        fewest = min(counts[oid] for oid in candidates)
        candidates = [oid for oid in candidates if counts[oid] == fewest]
    return max(candidates, key=lambda oid: position[oid])
