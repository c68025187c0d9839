"""Reads for problems and their discussion, shaped so a page or list costs a fixed number of
queries whatever its length."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import is_organiser, roles_of

from .models import BeneficiaryTag, Comment, CommentReport, Endorsement, Follow, Problem, StatusChange

S = Problem.Status
SORTS = {
    "newest": ("-created_at", "-pk"),
    "endorsed": ("-endorsement_count", "-created_at", "-pk"),
    "discussed": ("-comment_count", "-created_at", "-pk"),
}
OPEN_STATUSES = (S.RAISED, S.DISCUSSING, S.VOTING)


def _search(qs: QuerySet[Problem], q: str) -> QuerySet[Problem]:
    """Full-text search over title and description. On PostgreSQL words are matched with
    SearchVector/SearchQuery and ranked; Chinese is written without spaces between words, so a
    substring match is kept alongside it (it is the only match on SQLite)."""
    substring = Q(title__icontains=q) | Q(description__icontains=q)
    if connection.vendor != "postgresql":
        return qs.filter(substring)
    from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

    vector = SearchVector("title", weight="A", config="simple") + SearchVector(
        "description", weight="B", config="simple"
    )
    query = SearchQuery(q, config="simple", search_type="websearch")
    return (
        qs.annotate(search=vector, rank=SearchRank(vector, query))
        .filter(Q(search=query) | substring)
        .order_by("-rank", "-created_at", "-pk")
    )


def problem_list(
    *,
    community_ids: Iterable[int] | None = None,
    status: str = "",
    category: str = "",
    tag_id: int | None = None,
    q: str = "",
    sort: str = "newest",
) -> QuerySet[Problem]:
    """Problems of some communities (or all of them), filtered and sorted."""
    qs = Problem.objects.select_related("community", "author").prefetch_related("tags")
    if community_ids is not None:
        qs = qs.filter(community_id__in=list(community_ids))
    if status:
        qs = qs.filter(status=status)
    if category:
        qs = qs.filter(category=category)
    if tag_id:
        qs = qs.filter(tags__id=tag_id)
    qs = qs.order_by(*SORTS.get(sort, SORTS["newest"]))
    q = (q or "").strip()
    if q:
        qs = _search(qs, q[:100])
        if sort in SORTS and sort != "newest":
            qs = qs.order_by(*SORTS[sort])
    return qs


def problem_detail(*, problem_id: int) -> Problem | None:
    return (
        Problem.objects.select_related("community", "author")
        .prefetch_related(
            "tags",
            "photos",
            Prefetch("status_changes", queryset=StatusChange.objects.select_related("actor")),
        )
        .filter(pk=problem_id)
        .first()
    )


@dataclass
class ViewerState:
    """What the signed-in person has done with some problems and what they may do."""

    endorsed: set[int] = field(default_factory=set)
    followed: set[int] = field(default_factory=set)


def viewer_state(*, user: Any, problem_ids: Iterable[int]) -> ViewerState:
    ids = list(problem_ids)
    if not user.is_authenticated or not ids:
        return ViewerState()
    return ViewerState(
        endorsed=set(Endorsement.objects.filter(user=user, problem_id__in=ids).values_list("problem_id", flat=True)),
        followed=set(Follow.objects.filter(user=user, problem_id__in=ids).values_list("problem_id", flat=True)),
    )


def comment_thread(*, problem: Problem) -> list[Comment]:
    """Top-level comments in order, each with `thread_replies` (nested the same way) and
    `editable` (still inside the author's edit window) — one query."""
    comments = list(Comment.objects.filter(problem=problem).select_related("author").order_by("created_at", "pk"))
    edit_from = timezone.now() - timedelta(minutes=settings.PROBLEMS_COMMENT_EDIT_MINUTES)
    by_parent: dict[int | None, list[Comment]] = {}
    for c in comments:
        by_parent.setdefault(c.parent_id, []).append(c)
    for c in comments:
        c.thread_replies = by_parent.get(c.pk, [])
        c.editable = c.is_visible and c.created_at > edit_from
    return by_parent.get(None, [])


def comments_flat(*, problem_id: int) -> QuerySet[Comment]:
    return Comment.objects.filter(problem_id=problem_id).select_related("author").order_by("created_at", "pk")


def tags_for(*, community_id: int | None) -> QuerySet[BeneficiaryTag]:
    """Platform tags and, for a community, its own."""
    cond = Q(community__isnull=True)
    if community_id is not None:
        cond |= Q(community_id=community_id)
    return BeneficiaryTag.objects.filter(cond).order_by("community_id", "pk")


def moderation_queue(*, user: Any, community_id: int | None = None) -> QuerySet[Comment]:
    """Reported, still visible comments in the communities the person organises."""
    r = roles_of(user)
    qs = Comment.objects.filter(open_report_count__gt=0, hidden_at__isnull=True, deleted_at__isnull=True)
    if not r.is_admin:
        qs = qs.filter(problem__community_id__in=r.organiser_communities)
    if community_id is not None:
        qs = qs.filter(problem__community_id=community_id)
    return (
        qs.select_related("author", "problem", "problem__community")
        .prefetch_related(
            Prefetch(
                "reports",
                queryset=CommentReport.objects.filter(resolved_at__isnull=True).select_related("reporter"),
                to_attr="open_reports",
            )
        )
        .order_by("-open_report_count", "created_at")
    )


def flagged_problems(*, user: Any, community_id: int | None = None) -> QuerySet[Problem]:
    """Open problems that reached their community's endorsement threshold."""
    r = roles_of(user)
    qs = Problem.objects.filter(threshold_reached_at__isnull=False, status__in=[S.RAISED, S.DISCUSSING])
    if not r.is_admin:
        qs = qs.filter(community_id__in=r.organiser_communities)
    if community_id is not None:
        qs = qs.filter(community_id=community_id)
    return qs.select_related("community").order_by("-endorsement_count", "threshold_reached_at")


def vote_outcome_label(outcome: dict) -> str:
    """A problem's outcome in a published ballot, in a few words."""
    if not outcome["quorum_met"]:
        return _("参与投票人数未达要求")
    if outcome["won"] and outcome["tie"]:
        return _("并列得票最多")
    return _("投票胜出") if outcome["won"] else _("未胜出")


def vote_outcomes(*, problems: Iterable[Problem]) -> dict[int, dict]:
    """How each problem did in the published ballot it was put to, by problem id: voting's
    outcome (`won`, `tie`, `quorum_met`, `ballot_id`, `question`) and a `label`. Problems whose
    ballot has not published its result are left out. Two queries per distinct ballot."""
    from voting.selectors import published_outcomes

    by_ballot: dict[int, list[Problem]] = {}
    for p in problems:
        if p.ballot_id:
            by_ballot.setdefault(p.ballot_id, []).append(p)
    found: dict[int, dict] = {}
    for ballot_id, put in sorted(by_ballot.items()):
        outcomes = published_outcomes(ballot_id=ballot_id, ref_kind="problem")
        for p in put:
            if p.pk in outcomes:
                found[p.pk] = {**outcomes[p.pk], "label": vote_outcome_label(outcomes[p.pk])}
    return found


def awaiting_decision(*, user: Any) -> list[tuple[Problem, dict]]:
    """Problems still in voting, in the communities the user organises, whose ballot has
    published its result: they wait for the organiser to adopt or decline them."""
    r = roles_of(user)
    qs = Problem.objects.filter(status=S.VOTING)
    if not r.is_admin:
        qs = qs.filter(community_id__in=r.organiser_communities)
    problems = list(qs.select_related("community").order_by("status_changed_at", "pk")[:100])
    outcomes = vote_outcomes(problems=problems)
    return [(p, outcomes[p.pk]) for p in problems if p.pk in outcomes]


def discussing_problems(*, community_id: int) -> QuerySet[Problem]:
    """Problems ready to be put to a vote."""
    return Problem.objects.filter(community_id=community_id, status=S.DISCUSSING).order_by(
        "-endorsement_count", "created_at"
    )


def problems_adopted_for(*, community_ids: Iterable[int]) -> QuerySet[Problem]:
    """Adopted problems a campaign can be started for (the campaign form's choices)."""
    return (
        Problem.objects.filter(community_id__in=list(community_ids), status=S.ADOPTED)
        .select_related("community")
        .order_by("community__name", "-endorsement_count", "pk")
    )


def community_snapshot(*, community_id: int) -> dict:
    """The live state of a community's problems: counts per status and the endorsement counts
    of open problems."""
    counts = dict.fromkeys(S.values, 0)
    for row in Problem.objects.filter(community_id=community_id).values("status").annotate(n=Count("pk")).order_by():
        counts[row["status"]] = row["n"]
    endorsements = {
        str(pk): n
        for pk, n in Problem.objects.filter(community_id=community_id, status__in=OPEN_STATUSES).values_list(
            "pk", "endorsement_count"
        )
    }
    return {"community": community_id, "status_counts": counts, "endorsements": endorsements}


def problem_snapshot(*, problem_id: int) -> dict:
    row = Problem.objects.filter(pk=problem_id).values("status", "endorsement_count", "comment_count").first()
    if row is None:
        return {}
    return {
        "problem": problem_id,
        "status": row["status"],
        "endorsements": row["endorsement_count"],
        "comments": row["comment_count"],
    }


def managed_communities(*, user: Any) -> list[int]:
    r = roles_of(user)
    return sorted(r.organiser_communities)


def may_manage(*, user: Any, community_id: int) -> bool:
    return is_organiser(user, community_id)
