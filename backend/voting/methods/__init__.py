"""Voting methods. Each module validates one ballot paper (`validate`) and counts a list of them
(`tally`). Both are pure functions of a `BallotSpec` and plain data, so a tally depends only on
the stored casts and can be recomputed at any time (`manage.py recount_ballot`).

Choices, as stored in `Cast.choices` (option ids are ints):

- single:   {"option": 3}  or {"option": null} for a blank paper
- approval: {"options": [1, 3]}  (any number up to max_choices; [] is blank)
- ranked:   {"ranking": [3, 1]}  (most preferred first; partial rankings allowed; [] is blank);
            input may also be {"ranks": {"3": 1, "1": 2}} (a rank per option, as the page sends)
- score:    {"scores": {"1": 5, "3": 0}}  (0–5 per option; unscored options are skipped)
- budget:   {"options": [1, 3]}  (total cost within the budget; [] is blank)

Every tally returns a dict with at least `method`, `ballots` (papers counted), `blank`,
`options` (per-option figures in ballot order) and `winners` (option ids; several when tied).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from django.utils.translation import gettext as _

from core.errors import ApplicationError


@dataclass(frozen=True)
class OptionSpec:
    id: int
    label: str
    cost_fen: int | None = None


@dataclass(frozen=True)
class BallotSpec:
    method: str
    options: tuple[OptionSpec, ...]
    max_choices: int | None = None
    budget_fen: int | None = None
    by_id: dict[int, OptionSpec] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", {o.id: o for o in self.options})


def invalid(message: str) -> ApplicationError:
    return ApplicationError(message, code="invalid_choice", fields={"choices": [message]})


def option_id(spec: BallotSpec, value: Any) -> int:
    """An option id from user input, or an invalid_choice error."""
    if isinstance(value, bool):
        raise invalid(_("所选的选项不在这张选票上。"))
    try:
        oid = int(value)
    except (TypeError, ValueError):
        raise invalid(_("所选的选项不在这张选票上。")) from None
    if oid not in spec.by_id:
        raise invalid(_("所选的选项不在这张选票上。"))
    return oid


def id_list(spec: BallotSpec, raw: Any, key: str) -> list[int]:
    """A list of distinct option ids under `key` of a choices dict."""
    if not isinstance(raw, dict) or not isinstance(raw.get(key, []), list):
        raise invalid(_("选票格式不正确。"))
    ids = [option_id(spec, v) for v in raw.get(key, [])]
    if len(set(ids)) != len(ids):
        raise invalid(_("同一个选项只能选一次。"))
    return ids


def _module(method: str) -> ModuleType:
    from . import approval, budget, ranked, score, single

    modules = {"single": single, "approval": approval, "ranked": ranked, "score": score, "budget": budget}
    if method not in modules:
        raise ApplicationError(_("不支持这种投票方式。"), fields={"method": [_("不支持这种投票方式。")]})
    return modules[method]


def validate(spec: BallotSpec, raw: Any) -> dict:
    """The normalised choices of one paper, or ApplicationError(code="invalid_choice")."""
    return _module(spec.method).validate(spec, raw)


def tally(spec: BallotSpec, papers: Iterable[dict]) -> dict:
    """Count stored papers. The result does not depend on the order of `papers`."""
    return _module(spec.method).tally(spec, list(papers))
