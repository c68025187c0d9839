"""评分投票 — score: give each option 0–5 points, or leave it unscored. Each option shows how
many people scored it, the sum and the mean (rounded to two places). The winner has the highest
mean among options scored at least once; equal means all win. A paper with no score is blank."""

from typing import Any

from django.utils.translation import gettext as _

from . import BallotSpec, invalid, option_id

MIN_SCORE = 0
MAX_SCORE = 5


def validate(spec: BallotSpec, raw: Any) -> dict:
    if not isinstance(raw, dict) or not isinstance(raw.get("scores", {}), dict):
        raise invalid(_("选票格式不正确。"))
    scores: dict[str, int] = {}
    for key, value in raw.get("scores", {}).items():
        oid = option_id(spec, key)
        if value is None or value == "":
            continue
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise invalid(_("每项评分须为 0 到 5 的整数。"))
        try:
            points = int(value)
        except ValueError:
            raise invalid(_("每项评分须为 0 到 5 的整数。")) from None
        if not MIN_SCORE <= points <= MAX_SCORE:
            raise invalid(_("每项评分须为 0 到 5 的整数。"))
        scores[str(oid)] = points
    return {"scores": dict(sorted(scores.items(), key=lambda kv: int(kv[0])))}


def tally(spec: BallotSpec, papers: list[dict]) -> dict:
    count = {o.id: 0 for o in spec.options}
    total = {o.id: 0 for o in spec.options}
    blank = 0
    for paper in papers:
        scores = paper.get("scores") or {}
        if not scores:
            blank += 1
        for key, points in scores.items():
            count[int(key)] += 1
            total[int(key)] += int(points)
    # Compare means exactly as fractions (sum_a * count_b vs sum_b * count_a), not as floats.
    scored = [o.id for o in spec.options if count[o.id]]
    winners: list[int] = []
    for oid in scored:
        if not winners or total[oid] * count[winners[0]] > total[winners[0]] * count[oid]:
            winners = [oid]
        elif total[oid] * count[winners[0]] == total[winners[0]] * count[oid]:
            winners.append(oid)
    return {
        "method": spec.method,
        "ballots": len(papers),
        "blank": blank,
        "options": [
            {
                "id": o.id,
                "label": o.label,
                "count": count[o.id],
                "sum": total[o.id],
                "mean": round(total[o.id] / count[o.id], 2) if count[o.id] else None,
            }
            for o in spec.options
        ],
        "winners": winners,
        "tie": len(winners) > 1,
    }
