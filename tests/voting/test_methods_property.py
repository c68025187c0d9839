"""A tally depends only on the multiset of papers, never on their order."""

from hypothesis import given, settings
from hypothesis import strategies as st

from voting import methods
from voting.methods import BallotSpec, OptionSpec

IDS = [1, 2, 3, 4]
SPECS = {
    "single": BallotSpec("single", tuple(OptionSpec(i, f"o{i}") for i in IDS)),
    "approval": BallotSpec("approval", tuple(OptionSpec(i, f"o{i}") for i in IDS)),
    "ranked": BallotSpec("ranked", tuple(OptionSpec(i, f"o{i}") for i in IDS)),
    "score": BallotSpec("score", tuple(OptionSpec(i, f"o{i}") for i in IDS)),
    "budget": BallotSpec(
        "budget",
        tuple(OptionSpec(i, f"o{i}", cost_fen=c) for i, c in zip(IDS, [300, 500, 200, 400], strict=True)),
        budget_fen=800,
    ),
}

subsets = st.lists(st.sampled_from(IDS), unique=True, max_size=4)
PAPERS = {
    "single": st.builds(lambda o: {"option": o}, st.one_of(st.none(), st.sampled_from(IDS))),
    "approval": st.builds(lambda ids: {"options": ids}, subsets),
    "ranked": st.builds(lambda ids: {"ranking": ids}, subsets),
    "score": st.builds(
        lambda d: {"scores": d}, st.dictionaries(st.sampled_from([str(i) for i in IDS]), st.integers(0, 5), max_size=4)
    ),
    "budget": st.builds(lambda ids: {"options": ids}, subsets),
}


def check(method, papers, data):
    spec = SPECS[method]
    valid = []
    for p in papers:
        try:
            valid.append(methods.validate(spec, p))
        except Exception:  # noqa: S112 - over-budget papers are simply not cast
            continue
    shuffled = data.draw(st.permutations(valid))
    assert methods.tally(spec, valid) == methods.tally(spec, shuffled)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_every_tally_ignores_paper_order(data):
    for method in SPECS:
        papers = data.draw(st.lists(PAPERS[method], max_size=25))
        check(method, papers, data)


@settings(max_examples=60, deadline=None)
@given(st.lists(PAPERS["ranked"], min_size=1, max_size=30))
def test_ranked_rounds_account_for_every_paper(papers):
    result = methods.tally(SPECS["ranked"], papers)
    for rd in result["rounds"]:
        counted = sum(c["votes"] for c in rd["counts"])
        assert counted + rd["exhausted"] + result["blank"] == len(papers)
    assert len(result["winners"]) <= 4


@settings(max_examples=60, deadline=None)
@given(st.lists(PAPERS["budget"], max_size=30))
def test_budget_never_overspends(papers):
    result = methods.tally(SPECS["budget"], papers)
    assert 0 <= result["spent_fen"] <= 800
    assert result["spent_fen"] == sum(o["cost_fen"] for o in result["options"] if o["funded"])
