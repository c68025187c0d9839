"""Reads for ballots: lists, the visible result, turnout and receipt checks. Nothing here returns
a voter together with what they chose."""

from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions as perms
from accounts.permissions import roles_of
from accounts.selectors import verified_member_count
from core.errors import Conflict, NotFound, PermissionDenied
from network.models import Community

from . import methods, receipts
from .models import Ballot, Cast, Option, Participation


def _with_related(qs: QuerySet[Ballot]) -> QuerySet[Ballot]:
    return qs.prefetch_related(
        Prefetch("communities", queryset=Community.objects.only("id", "name")),
        Prefetch("options", queryset=Option.objects.order_by("position")),
    ).annotate(turnout=Count("participations", distinct=True))


def ballot_list(*, user: Any, status: str | None = None, community_id: int | None = None) -> QuerySet[Ballot]:
    """Ballots a person may see: everything past draft, and drafts of communities they organise."""
    qs = Ballot.objects.all()
    roles = roles_of(user)
    if not roles.is_admin:
        visible = ~Q(status=Ballot.Status.DRAFT)
        if roles.organiser_communities:
            visible |= Q(communities__in=roles.organiser_communities)
        qs = qs.filter(visible)
    if status:
        qs = qs.filter(status=status)
    if community_id:
        qs = qs.filter(communities=community_id)
    ids = qs.values("pk")
    return _with_related(Ballot.objects.filter(pk__in=ids)).order_by("-opens_at", "-pk")


def ballot_get(*, user: Any, ballot_id: int) -> Ballot:
    """One ballot the person may see (drafts only for their organisers), or NotFound."""
    ballot = _with_related(Ballot.objects.filter(pk=ballot_id)).first()
    if ballot is None or (ballot.status == Ballot.Status.DRAFT and not perms.may(user, "ballot.view_draft", ballot)):
        raise NotFound(_("找不到这项投票。"))
    return ballot


def ballot_spec(*, ballot: Ballot) -> methods.BallotSpec:
    return methods.BallotSpec(
        method=ballot.method,
        options=tuple(methods.OptionSpec(id=o.pk, label=o.label, cost_fen=o.cost_fen) for o in ballot.options.all()),
        max_choices=ballot.max_choices,
        budget_fen=ballot.budget_fen,
    )


def ballot_turnout(*, ballot: Ballot) -> dict:
    """How many people voted and how many papers were cast with help; never whose."""
    return {
        "ballot": ballot.pk,
        "turnout": Participation.objects.filter(ballot=ballot).count(),
        "assisted": Cast.objects.filter(ballot=ballot, assisted=True).count(),
    }


def ballot_eligible_count(*, ballot: Ballot) -> int:
    """Verified members of the ballot's communities right now (a person in two counts once)."""
    return verified_member_count(community_ids=[c.pk for c in ballot.communities.all()])


def ballot_compute_result(*, ballot: Ballot) -> dict:
    """Count the stored papers now. The one tally used for live results, closing and recounts."""
    spec = ballot_spec(ballot=ballot)
    papers = Cast.objects.filter(ballot=ballot).values_list("choices", flat=True)
    result = methods.tally(spec, papers)
    turnout = ballot_turnout(ballot=ballot)
    result.update(
        turnout=turnout["turnout"],
        assisted=turnout["assisted"],
        quorum=ballot.quorum,
        quorum_met=ballot.quorum is None or turnout["turnout"] >= ballot.quorum,
    )
    return result


def ballot_result(*, ballot: Ballot) -> dict:
    """The stored tally (empty until the ballot closes)."""
    return ballot.result or {}


def results_public(*, ballot: Ballot) -> bool:
    """Anyone may see results once published, or while open when the ballot shows live results."""
    return ballot.status == Ballot.Status.PUBLISHED or (
        ballot.status == Ballot.Status.OPEN and ballot.results_policy == Ballot.ResultsPolicy.LIVE
    )


def results_visible(*, user: Any, ballot: Ballot) -> bool:
    if results_public(ballot=ballot):
        return True
    return ballot.status == Ballot.Status.CLOSED and perms.may(user, "ballot.view_closed_results", ballot)


def ballot_visible_result(*, user: Any, ballot: Ballot) -> dict:
    """The result this person may see now, or a refusal saying when it will be available."""
    if not results_visible(user=user, ballot=ballot):
        if ballot.status in (Ballot.Status.DRAFT, Ballot.Status.OPEN):
            raise PermissionDenied(_("投票截止并公布后才能查看结果。"), code="results_hidden")
        raise PermissionDenied(_("结果正在核对，公布后即可查看。"), code="results_hidden")
    if ballot.status == Ballot.Status.OPEN:
        return ballot_compute_result(ballot=ballot)
    return ballot_result(ballot=ballot)


def has_voted(*, user: Any, ballot: Ballot) -> bool:
    return bool(user.is_authenticated) and Participation.objects.filter(ballot=ballot, voter=user).exists()


def receipt_list(*, ballot: Ballot) -> QuerySet[Cast]:
    """The published papers with their check codes, so anyone can verify the count."""
    if ballot.status != Ballot.Status.PUBLISHED:
        raise Conflict(_("结果公布后才会公示选票核对清单。"), code="not_published")
    return Cast.objects.filter(ballot=ballot).only("check_code", "choices", "ballot_id").order_by("check_code")


def receipt_lookup(*, ballot: Ballot, receipt: str) -> Cast:
    """The paper belonging to a receipt code, for its holder to check it was counted as cast."""
    code = receipts.normalise(receipt)
    cast = None
    if code:
        cast = Cast.objects.filter(ballot=ballot, check_code=receipts.check_code(ballot.pk, code)).first()
    if cast is None:
        raise NotFound(
            _("没有找到这个回执码对应的选票，请检查是否输入正确。"), fields={"receipt": [_("回执码不正确。")]}
        )
    return cast


def describe_choices(*, ballot: Ballot, choices: dict) -> list[dict]:
    """A paper in words: [{label, detail}] in the order the voter gave them."""
    labels = {o.pk: o.label for o in ballot.options.all()}
    if ballot.method == Ballot.Method.SINGLE:
        oid = choices.get("option")
        return [{"label": labels.get(oid, "?"), "detail": ""}] if oid is not None else []
    if ballot.method == Ballot.Method.RANKED:
        return [
            {"label": labels.get(oid, "?"), "detail": str(i + 1)} for i, oid in enumerate(choices.get("ranking", []))
        ]
    if ballot.method == Ballot.Method.SCORE:
        return [{"label": labels.get(int(k), "?"), "detail": str(v)} for k, v in choices.get("scores", {}).items()]
    return [{"label": labels.get(oid, "?"), "detail": ""} for oid in choices.get("options", [])]


def ballot_is_accepting(*, ballot: Ballot) -> bool:
    now = timezone.now()
    return ballot.status == Ballot.Status.OPEN and ballot.opens_at <= now < ballot.closes_at


def published_outcomes(*, ballot_id: int, ref_kind: str) -> dict[int, dict]:
    """How each option standing for a `ref_kind` object did in a published ballot, by the
    object's id: `won` (among the winners), `tie` (the winners tied), `quorum_met`, with the
    ballot's id and question. Empty while the ballot is not published."""
    ballot = Ballot.objects.filter(pk=ballot_id, status=Ballot.Status.PUBLISHED).first()
    if ballot is None:
        return {}
    result = ballot.result or {}
    winners = set(result.get("winners", []))
    common = {
        "ballot_id": ballot.pk,
        "question": ballot.question,
        "tie": bool(result.get("tie")) and len(winners) > 1,
        "quorum_met": result.get("quorum_met", True),
    }
    return {
        ref_id: {**common, "won": option_id in winners}
        for option_id, ref_id in Option.objects.filter(ballot=ballot, ref_kind=ref_kind).values_list("pk", "ref_id")
    }
