"""Each method's tally on hand-counted cases (pure functions, no database)."""

import pytest

from core.errors import ApplicationError
from voting import methods
from voting.methods import BallotSpec, OptionSpec


def spec(method, n=3, costs=None, max_choices=None, budget_fen=None):
    costs = costs or [None] * n
    return BallotSpec(
        method=method,
        options=tuple(OptionSpec(id=i + 1, label=f"选项{i + 1}", cost_fen=costs[i]) for i in range(n)),
        max_choices=max_choices,
        budget_fen=budget_fen,
    )


def votes_of(result):
    return {o["id"]: o["votes"] for o in result["options"]}


# --- single -------------------------------------------------------------------------------------


def test_single_counts_votes_and_blank_papers():
    r = methods.tally(spec("single"), [{"option": 1}, {"option": 2}, {"option": 1}, {"option": None}])
    assert votes_of(r) == {1: 2, 2: 1, 3: 0}
    assert (r["ballots"], r["blank"], r["winners"], r["tie"]) == (4, 1, [1], False)


def test_single_tie_lists_every_top_option():
    r = methods.tally(spec("single"), [{"option": 1}, {"option": 3}])
    assert r["winners"] == [1, 3]
    assert r["tie"] is True


def test_single_with_no_papers_has_no_winner():
    r = methods.tally(spec("single"), [])
    assert (r["ballots"], r["winners"]) == (0, [])
    assert methods.tally(spec("single"), [{"option": None}])["winners"] == []


@pytest.mark.parametrize("raw", [{}, {"option": 9}, {"option": "x"}, {"option": True}, [1], None])
def test_single_refuses_papers_that_are_not_one_listed_option(raw):
    with pytest.raises(ApplicationError) as exc:
        methods.validate(spec("single"), raw)
    assert exc.value.code == "invalid_choice"


# --- approval -----------------------------------------------------------------------------------


def test_approval_counts_each_tick():
    papers = [{"options": [1, 2]}, {"options": [2]}, {"options": []}, {"options": [2, 3]}]
    r = methods.tally(spec("approval"), papers)
    assert votes_of(r) == {1: 1, 2: 3, 3: 1}
    assert (r["blank"], r["winners"]) == (1, [2])


def test_approval_refuses_more_than_max_and_duplicates():
    s = spec("approval", max_choices=2)
    assert methods.validate(s, {"options": [3, 1]}) == {"options": [1, 3]}
    with pytest.raises(ApplicationError):
        methods.validate(s, {"options": [1, 2, 3]})
    with pytest.raises(ApplicationError):
        methods.validate(s, {"options": [1, 1]})


# --- ranked (instant runoff) ------------------------------------------------------------------


def test_ranked_majority_in_first_round():
    r = methods.tally(spec("ranked"), [{"ranking": [1, 2]}, {"ranking": [1]}, {"ranking": [2, 1]}])
    assert r["winners"] == [1]
    assert len(r["rounds"]) == 1


def test_ranked_transfers_votes_and_counts_exhausted_papers():
    # A=1, B=2, C=3. First preferences: A 3, B 2, C 2 (7 papers, no majority).
    # C and B tie on 2 with no earlier round: C is listed last, so C goes.
    # C's papers: one moves to B, one ranked only C and is exhausted → A 3, B 3, 1 exhausted.
    # A and B tie at 3 of 6 counting papers: every continuing option equal → a tie.
    papers = [
        {"ranking": [1]},
        {"ranking": [1, 2]},
        {"ranking": [1, 3]},
        {"ranking": [2]},
        {"ranking": [2, 1]},
        {"ranking": [3, 2]},
        {"ranking": [3]},
    ]
    r = methods.tally(spec("ranked"), papers)
    assert r["rounds"][0]["eliminated"] == 3
    assert r["rounds"][1]["counts"] == [{"id": 1, "votes": 3}, {"id": 2, "votes": 3}]
    assert r["rounds"][1]["exhausted"] == 1
    assert r["winners"] == [1, 2]
    assert r["tie"] is True


def test_ranked_winner_after_runoff():
    # First preferences A 2, B 2, C 1 → C out, its paper moves to B → B 3 of 5 wins.
    papers = [{"ranking": [1]}, {"ranking": [1]}, {"ranking": [2]}, {"ranking": [2]}, {"ranking": [3, 2]}]
    r = methods.tally(spec("ranked"), papers)
    assert [rd["eliminated"] for rd in r["rounds"]] == [3, None]
    assert r["winners"] == [2]
    assert r["options"][2]["first_preferences"] == 1


def test_ranked_elimination_tie_is_broken_by_the_earlier_round():
    # Round 1: A 3, B 2, C 2, D 1 (8 papers) → D out; D's paper goes to C.
    # Round 2: A 3, B 2, C 3 → B has fewest alone... make B and C tie instead:
    papers = (
        [{"ranking": [1]}] * 3
        + [{"ranking": [2]}] * 2
        + [{"ranking": [3]}] * 1
        + [{"ranking": [4, 3]}] * 1
        + [{"ranking": [4, 2]}] * 0
    )
    # Round 1: A 3, B 2, C 1, D 1 → C and D tie with no earlier round: D (listed last) goes.
    # Round 2: A 3, B 2, C 2 → B and C tie; in round 1 C had fewer (1 < 2) so C goes.
    r = methods.tally(spec("ranked", n=4), papers)
    assert [rd["eliminated"] for rd in r["rounds"][:2]] == [4, 3]
    # Round 3: A 3, B 2 + C's two papers exhausted... C's papers ranked [3] and [4,3]: both exhausted.
    assert r["rounds"][2]["exhausted"] == 2
    assert r["winners"] == [1]


def test_ranked_only_blank_papers_has_no_winner():
    r = methods.tally(spec("ranked"), [{"ranking": []}, {"ranking": []}])
    assert (r["blank"], r["winners"], len(r["rounds"])) == (2, [], 1)


# --- score --------------------------------------------------------------------------------------


def test_score_shows_mean_and_count_and_skips_unscored_options():
    papers = [{"scores": {"1": 5, "2": 3}}, {"scores": {"1": 4}}, {"scores": {}}]
    r = methods.tally(spec("score"), papers)
    by = {o["id"]: o for o in r["options"]}
    assert (by[1]["count"], by[1]["sum"], by[1]["mean"]) == (2, 9, 4.5)
    assert (by[2]["count"], by[2]["mean"]) == (1, 3.0)
    assert by[3]["mean"] is None
    assert (r["blank"], r["winners"]) == (1, [1])


def test_score_equal_means_tie():
    r = methods.tally(spec("score"), [{"scores": {"1": 4, "2": 2}}, {"scores": {"1": 2, "2": 4}}])
    assert r["winners"] == [1, 2]


@pytest.mark.parametrize(
    "raw", [{"scores": {"1": 6}}, {"scores": {"1": -1}}, {"scores": {"9": 1}}, {"scores": {"1": 2.5}}]
)
def test_score_refuses_out_of_range_scores(raw):
    with pytest.raises(ApplicationError):
        methods.validate(spec("score"), raw)


def test_score_normalises_string_points_and_drops_empty_ones():
    assert methods.validate(spec("score"), {"scores": {"2": "3", "1": "", "3": 0}}) == {"scores": {"2": 3, "3": 0}}


# --- participatory budget ---------------------------------------------------------------------


def budget_spec():
    # budget 10 000 fen; costs: A 6 000, B 5 000, C 4 000
    return spec("budget", costs=[6000, 5000, 4000], budget_fen=10000)


def test_budget_funds_greedily_by_votes_and_skips_what_no_longer_fits():
    papers = [{"options": [1]}, {"options": [1, 3]}, {"options": [2]}, {"options": [1, 3]}, {"options": [2]}]
    # votes A 3, B 2, C 2. A funded (4 000 left); B and C tie → cheaper C first: 4 000 fits; B skipped.
    r = methods.tally(budget_spec(), papers)
    assert r["winners"] == [1, 3]
    assert r["spent_fen"] == 10000
    assert [o["funded"] for o in r["options"]] == [True, False, True]


def test_budget_cheaper_option_fills_the_remainder():
    papers = [{"options": [1]}] * 3 + [{"options": [2]}] * 2 + [{"options": [3]}]
    # A (6 000) funded, B (5 000) does not fit into 4 000, C (4 000) does.
    r = methods.tally(budget_spec(), papers)
    assert r["winners"] == [1, 3]


def test_budget_options_without_votes_are_not_funded():
    r = methods.tally(budget_spec(), [{"options": [2]}, {"options": []}])
    assert (r["winners"], r["spent_fen"], r["blank"]) == ([2], 5000, 1)


def test_budget_accepts_exactly_the_budget_and_refuses_one_fen_more():
    s = spec("budget", costs=[6000, 4000, 1], budget_fen=10000)
    assert methods.validate(s, {"options": [1, 2]}) == {"options": [1, 2]}
    with pytest.raises(ApplicationError) as exc:
        methods.validate(s, {"options": [1, 2, 3]})
    assert "超出预算" in str(exc.value.message)
