"""Writes for ballots: create and edit drafts, open and close on time, cast votes (also with
help), tally and publish.

How a vote stays secret and still checkable
-------------------------------------------
Two tables, never joined:

- `Participation(ballot, voter, receipt_salt, receipt_hash)` — that a person voted. Its unique
  constraint (ballot, voter) is what makes it one person, one ballot, also when the same person
  submits twice at once: the second insert fails and its whole transaction, paper included, is
  rolled back.
- `Cast(id=random uuid, ballot, check_code, choices, assisted)` — what was voted. No voter, no
  timestamp, a random key, listed by check code, so neither time nor key order pairs a paper
  with a participation.

When a person votes they get a random 80-bit receipt code R, shown once and stored nowhere in
clear. The paper stores `check_code`, the first 64 bits of `sha256("zc-ballot-check:<ballot>:" + R)`
(unique per ballot by constraint), which the published
list shows, so the voter (and only the holder of R) can find their paper and see it was counted
as cast. The participation stores only `sha256(salt + ":" + R)` with a random salt per row. To
change a vote (when the ballot allows it) the voter presents R: the service checks it against
their participation's salted hash, then finds the paper by `check_code(R)` and replaces its
content in place. Someone who reads the whole database holds check codes and salted hashes but
no R, and linking them would mean guessing 80-bit codes. Losing R therefore means the vote can
no longer be changed — by design, no one can look it up.

What this does not hide: someone with raw access to the database files can see the physical
order rows were written in, and someone watching a live-results ballot at the moment a known
person votes sees the counts move. The guarantee covers every API, page, export and admin
screen: none of them pairs a voter with a paper.

Assisted votes (代为投票): an organiser votes for a resident after recording consent
(accounts.services.consent_record). The paper is flagged `assisted` so the count can say how
many papers were cast with help, never whose; the resident's participation looks like any other.
The organiser necessarily sees that one paper; they hand the receipt code to the resident, who
can check the paper and, where allowed, change it themselves.

A vote takes a row lock on its ballot inside the transaction so closing (which takes the same
lock) always tallies every paper accepted before it; community ballots are small enough that
votes queuing on one row is cheap.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts import permissions as perms
from accounts.models import AssistanceConsent, User
from core.errors import ApplicationError, Conflict, NotAuthenticated, NotFound
from live.services import publish
from network.models import Community

from . import methods, receipts, selectors
from .models import Ballot, Cast, Option, Participation
from .signals import ballot_published

MAX_OPTIONS = 50
MIN_OPTIONS = 2
METHODS_WITH_MAX_CHOICES = {Ballot.Method.APPROVAL, Ballot.Method.RANKED, Ballot.Method.BUDGET}


@dataclass(frozen=True)
class VoteReceipt:
    """What a voter takes home: the secret receipt code and the public check code."""

    ballot_id: int
    receipt: str
    check_code: str
    revote: bool


# --- Drafts ---------------------------------------------------------------------------------


def _clean_options(method: str, options: list[dict], budget_fen: int | None) -> tuple[list[dict], list[str]]:
    errors: list[str] = []
    cleaned: list[dict] = []
    if not isinstance(options, list):
        return [], [_("选项格式不正确。")]
    for i, raw in enumerate(options, start=1):
        if not isinstance(raw, dict):
            errors.append(_("第 %(n)d 个选项格式不正确。") % {"n": i})
            continue
        label = str(raw.get("label") or "").strip()
        if not label:
            errors.append(_("第 %(n)d 个选项没有填写名称。") % {"n": i})
        elif len(label) > 200:
            errors.append(_("第 %(n)d 个选项名称太长（最多 200 字）。") % {"n": i})
        ref_kind = str(raw.get("ref_kind") or "").strip()[:30]
        ref_id = raw.get("ref_id")
        if bool(ref_kind) != (ref_id is not None):
            errors.append(_("第 %(n)d 个选项的关联类型和编号要一起填写。") % {"n": i})
        if ref_id is not None and (isinstance(ref_id, bool) or not isinstance(ref_id, int) or ref_id < 1):
            errors.append(_("第 %(n)d 个选项的关联编号不正确。") % {"n": i})
        cost = raw.get("cost_fen")
        if method == Ballot.Method.BUDGET:
            if isinstance(cost, bool) or not isinstance(cost, int) or cost < 0:
                errors.append(_("第 %(n)d 个选项请填写费用（可以为 0）。") % {"n": i})
            elif budget_fen is not None and cost > budget_fen:
                errors.append(_("第 %(n)d 个选项的费用超过了总预算。") % {"n": i})
        else:
            cost = None
        cleaned.append(
            {
                "label": label,
                "description": str(raw.get("description") or "").strip(),
                "cost_fen": cost,
                "ref_kind": ref_kind,
                "ref_id": ref_id if ref_kind else None,
            }
        )
    if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
        errors.append(_("请设置 %(min)d 到 %(max)d 个选项。") % {"min": MIN_OPTIONS, "max": MAX_OPTIONS})
    labels = [o["label"] for o in cleaned if o["label"]]
    if len(set(labels)) != len(labels):
        errors.append(_("选项名称不能重复。"))
    return cleaned, errors


def _check_fields(data: dict[str, Any], *, now: datetime) -> dict[str, Any]:
    """Validate a whole draft; raise one ApplicationError listing every field's problem."""
    errors: dict[str, list[str]] = {}
    question = str(data.get("question") or "").strip()
    if not question:
        errors["question"] = [_("请填写投票议题。")]
    elif len(question) > 200:
        errors["question"] = [_("议题最多 200 字。")]
    method = data.get("method")
    if method not in Ballot.Method.values:
        errors["method"] = [_("请选择投票方式。")]
    if data.get("results_policy") not in Ballot.ResultsPolicy.values:
        errors["results_policy"] = [_("请选择结果公开方式。")]
    opens_at, closes_at = data.get("opens_at"), data.get("closes_at")
    if not isinstance(opens_at, datetime) or timezone.is_naive(opens_at):
        errors["opens_at"] = [_("请填写开始时间。")]
    if not isinstance(closes_at, datetime) or timezone.is_naive(closes_at):
        errors["closes_at"] = [_("请填写截止时间。")]
    elif closes_at <= now:
        errors["closes_at"] = [_("截止时间必须晚于现在。")]
    elif "opens_at" not in errors and closes_at <= opens_at:
        errors["closes_at"] = [_("截止时间必须晚于开始时间。")]
    quorum = data.get("quorum")
    if quorum is not None and (isinstance(quorum, bool) or not isinstance(quorum, int) or quorum < 1):
        errors["quorum"] = [_("最低参与人数须为正整数，不设可留空。")]
    budget_fen = data.get("budget_fen")
    if method == Ballot.Method.BUDGET:
        if isinstance(budget_fen, bool) or not isinstance(budget_fen, int) or budget_fen <= 0:
            errors["budget_fen"] = [_("参与式预算请填写大于 0 的总预算。")]
            budget_fen = None
    else:
        budget_fen = None
    options, option_errors = _clean_options(str(method), data.get("options") or [], budget_fen)
    if option_errors:
        errors["options"] = option_errors
    max_choices = data.get("max_choices")
    if method in METHODS_WITH_MAX_CHOICES and max_choices is not None:
        if isinstance(max_choices, bool) or not isinstance(max_choices, int) or max_choices < 1:
            errors["max_choices"] = [_("最多可选项数须为正整数，不限可留空。")]
        elif options and max_choices > len(options):
            errors["max_choices"] = [_("最多可选项数不能超过选项数。")]
    else:
        max_choices = None
    if errors:
        raise ApplicationError(_("请检查填写的内容。"), fields=errors)
    return {
        "question": question,
        "description": str(data.get("description") or "").strip(),
        "method": method,
        "opens_at": opens_at,
        "closes_at": closes_at,
        "quorum": quorum,
        "results_policy": data["results_policy"],
        "max_choices": max_choices,
        "budget_fen": budget_fen,
        "allow_revote": bool(data.get("allow_revote")),
        "options": options,
    }


def _communities(community_ids: list[int]) -> list[Community]:
    ids = sorted({int(c) for c in community_ids or []})
    found = list(Community.objects.filter(pk__in=ids))
    if not ids or len(found) != len(ids):
        raise ApplicationError(_("请选择投票所属的社区。"), fields={"community_ids": [_("请选择投票所属的社区。")]})
    return found


def _write_options(ballot: Ballot, options: list[dict]) -> None:
    Option.objects.bulk_create(Option(ballot=ballot, position=i, **o) for i, o in enumerate(options, start=1))


def ballot_create(
    *,
    actor: User,
    community_ids: list[int],
    question: str,
    method: str,
    options: list[dict],
    opens_at: datetime,
    closes_at: datetime,
    description: str = "",
    quorum: int | None = None,
    results_policy: str = "turnout",
    max_choices: int | None = None,
    budget_fen: int | None = None,
    allow_revote: bool = False,
) -> Ballot:
    """Create a draft ballot. The actor must organise every community in `community_ids`. The
    draft opens by itself at `opens_at`. Announces `ballot_created` on each community topic."""
    _require_login(actor)
    communities = _communities(community_ids)
    perms.require(actor, "ballot.create", [c.pk for c in communities], _("只有所有相关社区的社区工作者才能发起投票。"))
    data = _check_fields(
        {
            "question": question,
            "description": description,
            "method": method,
            "options": options,
            "opens_at": opens_at,
            "closes_at": closes_at,
            "quorum": quorum,
            "results_policy": results_policy,
            "max_choices": max_choices,
            "budget_fen": budget_fen,
            "allow_revote": allow_revote,
        },
        now=timezone.now(),
    )
    option_rows = data.pop("options")
    with transaction.atomic():
        ballot = Ballot.objects.create(created_by=actor, **data)
        ballot.communities.set(communities)
        _write_options(ballot, option_rows)
        for community in communities:
            publish(f"community.{community.pk}", "ballot_created", {"community": community.pk, "ballot": ballot.pk})
    return ballot


def _require_login(user: Any) -> None:
    if user is None or not user.is_authenticated:
        raise NotAuthenticated(_("请先登录。"))


def _locked(ballot_id: int) -> Ballot:
    """Precondition: inside transaction.atomic(). The ballot row, locked, or NotFound."""
    ballot = Ballot.objects.select_for_update().filter(pk=ballot_id).first()
    if ballot is None:
        raise NotFound(_("找不到这项投票。"))
    return ballot


def ballot_update(*, actor: User, ballot_id: int, **changes: Any) -> Ballot:
    """Edit a draft. `changes` takes the same keyword arguments as ballot_create; `options`, when
    given, replaces all options. Only drafts can change, and only by organisers of all its
    communities (including the new ones when `community_ids` changes)."""
    allowed = {
        "community_ids",
        "question",
        "description",
        "method",
        "options",
        "opens_at",
        "closes_at",
        "quorum",
        "results_policy",
        "max_choices",
        "budget_fen",
        "allow_revote",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise ApplicationError(_("不能修改这些内容：%(f)s") % {"f": ", ".join(sorted(unknown))})
    _require_login(actor)
    with transaction.atomic():
        ballot = _locked(ballot_id)
        if ballot.status == Ballot.Status.DRAFT and not perms.may(actor, "ballot.view_draft", ballot):
            raise NotFound(_("找不到这项投票。"))
        perms.require(actor, "ballot.manage", ballot, _("只有所有相关社区的社区工作者才能修改投票。"))
        if ballot.status != Ballot.Status.DRAFT:
            raise Conflict(_("投票已经开始，不能再修改。"), code="not_draft")
        communities = None
        if "community_ids" in changes:
            communities = _communities(changes.pop("community_ids"))
            perms.require(
                actor, "ballot.create", [c.pk for c in communities], _("只有所有相关社区的社区工作者才能发起投票。")
            )
        current = {
            "question": ballot.question,
            "description": ballot.description,
            "method": ballot.method,
            "opens_at": ballot.opens_at,
            "closes_at": ballot.closes_at,
            "quorum": ballot.quorum,
            "results_policy": ballot.results_policy,
            "max_choices": ballot.max_choices,
            "budget_fen": ballot.budget_fen,
            "allow_revote": ballot.allow_revote,
            "options": [
                {
                    "label": o.label,
                    "description": o.description,
                    "cost_fen": o.cost_fen,
                    "ref_kind": o.ref_kind,
                    "ref_id": o.ref_id,
                }
                for o in ballot.options.order_by("position")
            ],
        }
        current.update(changes)
        data = _check_fields(current, now=timezone.now())
        option_rows = data.pop("options")
        for field, value in data.items():
            setattr(ballot, field, value)
        ballot.save()
        if communities is not None:
            ballot.communities.set(communities)
        if "options" in changes:
            ballot.options.all().delete()
            _write_options(ballot, option_rows)
    return ballot


def ballot_delete_draft(*, actor: User, ballot_id: int) -> None:
    """Delete a draft that should never open."""
    _require_login(actor)
    with transaction.atomic():
        ballot = _locked(ballot_id)
        if ballot.status == Ballot.Status.DRAFT and not perms.may(actor, "ballot.view_draft", ballot):
            raise NotFound(_("找不到这项投票。"))
        perms.require(actor, "ballot.manage", ballot, _("只有所有相关社区的社区工作者才能删除投票。"))
        if ballot.status != Ballot.Status.DRAFT:
            raise Conflict(_("只能删除草稿。"), code="not_draft")
        ballot.delete()


# --- Opening, closing, tallying -------------------------------------------------------------


def _announce_status(ballot: Ballot) -> None:
    publish(f"ballot.{ballot.pk}", "ballot_status", {"ballot": ballot.pk, "status": ballot.status})


def ballot_open(*, ballot_id: int, now: datetime | None = None) -> bool:
    """Open a due draft. The status change is claimed with a conditional UPDATE, so when two
    schedulers try at once exactly one opens it; the other gets False."""
    now = now or timezone.now()
    with transaction.atomic():
        claimed = Ballot.objects.filter(pk=ballot_id, status=Ballot.Status.DRAFT, opens_at__lte=now).update(
            status=Ballot.Status.OPEN
        )
        if claimed:
            from .tasks import notify_ballot_opened

            _announce_status(Ballot(pk=ballot_id, status=Ballot.Status.OPEN))
            notify_ballot_opened.delay_on_commit(ballot_id)
    return bool(claimed)


def ballot_notify_opened(*, ballot_id: int) -> int:
    """Tell every verified member of the ballot's communities that it is open (站内通知), once:
    the work is claimed with a conditional UPDATE, so a retried or repeated task sends nothing.
    Returns how many people were told."""
    from accounts.models import CommunityMembership
    from accounts.services import notification_send

    with transaction.atomic():
        claimed = Ballot.objects.filter(
            pk=ballot_id, status=Ballot.Status.OPEN, opened_notified_at__isnull=True
        ).update(opened_notified_at=timezone.now())
        if not claimed:
            return 0
        ballot = Ballot.objects.get(pk=ballot_id)
        voter_ids = (
            CommunityMembership.objects.filter(
                community__in=ballot.communities.all(),
                status=CommunityMembership.Status.VERIFIED,
                user__is_active=True,
            )
            .values_list("user_id", flat=True)
            .distinct()
        )
        voters = list(User.objects.filter(pk__in=voter_ids).order_by("pk"))
        url = reverse("voting:detail", args=[ballot.pk])
        closes = date_format(timezone.localtime(ballot.closes_at), "Y-m-d H:i")
        for voter in voters:
            with translation.override(voter.preferred_language):
                notification_send(
                    user=voter,
                    kind="ballot_opened",
                    title=_("新的投票：%(question)s") % {"question": ballot.question},
                    body=_("%(closes)s 截止。每位认证居民一票，投票内容保密。") % {"closes": closes},
                    url=url,
                )
    return len(voters)


def ballot_tally(*, ballot: Ballot) -> dict:
    """Count the papers and store the result on the ballot. Precondition: inside an atomic block
    holding the ballot's row lock, or on a ballot that no longer accepts votes."""
    result = selectors.ballot_compute_result(ballot=ballot)
    ballot.result = result
    ballot.tallied_at = timezone.now()
    ballot.save(update_fields=["result", "tallied_at"])
    return result


def ballot_close(*, ballot_id: int, now: datetime | None = None) -> bool:
    """Close a due open ballot and store its tally, once (conditional UPDATE claims it)."""
    now = now or timezone.now()
    with transaction.atomic():
        claimed = Ballot.objects.filter(pk=ballot_id, status=Ballot.Status.OPEN, closes_at__lte=now).update(
            status=Ballot.Status.CLOSED
        )
        if not claimed:
            return False
        ballot = _locked(ballot_id)
        ballot_tally(ballot=ballot)
        _announce_status(ballot)
    return True


def ballots_advance(*, now: datetime | None = None) -> dict[str, int]:
    """Open every due draft and close every due open ballot (the periodic task calls this)."""
    now = now or timezone.now()
    due_open = Ballot.objects.filter(status=Ballot.Status.DRAFT, opens_at__lte=now).values_list("pk", flat=True)
    opened = sum(ballot_open(ballot_id=pk, now=now) for pk in list(due_open))
    due_close = Ballot.objects.filter(status=Ballot.Status.OPEN, closes_at__lte=now).values_list("pk", flat=True)
    closed = sum(ballot_close(ballot_id=pk, now=now) for pk in list(due_close))
    return {"opened": opened, "closed": closed}


def ballot_publish(*, actor: User, ballot_id: int) -> Ballot:
    """Publish the results of a closed ballot (公布结果) for everyone to see, with the list of
    papers by check code."""
    _require_login(actor)
    with transaction.atomic():
        ballot = _locked(ballot_id)
        if ballot.status == Ballot.Status.DRAFT and not perms.may(actor, "ballot.view_draft", ballot):
            raise NotFound(_("找不到这项投票。"))
        perms.require(actor, "ballot.manage", ballot, _("只有所有相关社区的社区工作者才能公布结果。"))
        if ballot.status != Ballot.Status.CLOSED:
            raise Conflict(_("投票截止后才能公布结果。"), code="not_closed")
        ballot.status = Ballot.Status.PUBLISHED
        ballot.published_at = timezone.now()
        ballot.save(update_fields=["status", "published_at"])
        _announce_status(ballot)
        publish(f"ballot.{ballot.pk}", "results", {"ballot": ballot.pk, "result": ballot.result})
        ballot_id = ballot.pk
        transaction.on_commit(lambda: ballot_published.send(sender=Ballot, ballot_id=ballot_id))
    return ballot


# --- Voting ----------------------------------------------------------------------------------


def _check_accepting(ballot: Ballot, now: datetime) -> None:
    if ballot.status == Ballot.Status.DRAFT or now < ballot.opens_at:
        raise Conflict(_("投票还没有开始。"), code="not_open")
    if ballot.status != Ballot.Status.OPEN or now >= ballot.closes_at:
        raise Conflict(_("投票已经截止。"), code="closed")


def _record(*, ballot: Ballot, voter: User, choices: Any, receipt: str, assisted: bool) -> VoteReceipt:
    """Precondition: inside atomic() holding the ballot's row lock, eligibility checked."""
    clean = methods.validate(selectors.ballot_spec(ballot=ballot), choices)
    existing = Participation.objects.filter(ballot=ballot, voter=voter).first()
    if existing is not None:
        if not ballot.allow_revote:
            raise Conflict(_("您已经投过票了，这项投票不允许改票。"), code="already_voted")
        code = receipts.normalise(receipt)
        if not code or not receipts.matches(existing.receipt_salt, existing.receipt_hash, code):
            raise ApplicationError(
                _("改票需要填写您投票时拿到的回执码。"),
                code="receipt_required",
                fields={"receipt": [_("回执码不正确。")]},
            )
        updated = Cast.objects.filter(ballot=ballot, check_code=receipts.check_code(ballot.pk, code)).update(
            choices=clean, assisted=assisted
        )
        if updated != 1:
            raise NotFound(_("没有找到这个回执码对应的选票。"))
        revote = True
    else:
        code = receipts.new_code()
        salt = receipts.new_salt()
        try:
            with transaction.atomic():
                Participation.objects.create(
                    ballot=ballot, voter=voter, receipt_salt=salt, receipt_hash=receipts.salted_hash(salt, code)
                )
        except IntegrityError as exc:  # the same person submitting twice at once
            raise Conflict(_("您已经投过票了。"), code="already_voted") from exc
        Cast.objects.create(
            ballot=ballot, check_code=receipts.check_code(ballot.pk, code), choices=clean, assisted=assisted
        )
        revote = False
    turnout = selectors.ballot_turnout(ballot=ballot)
    publish(f"ballot.{ballot.pk}", "turnout", turnout)
    if ballot.results_policy == Ballot.ResultsPolicy.LIVE:
        publish(
            f"ballot.{ballot.pk}",
            "results",
            {"ballot": ballot.pk, "result": selectors.ballot_compute_result(ballot=ballot)},
        )
    return VoteReceipt(
        ballot_id=ballot.pk,
        receipt=receipts.display(code),
        check_code=receipts.check_code(ballot.pk, code),
        revote=revote,
    )


def vote_cast(*, voter: User, ballot_id: int, choices: Any, receipt: str = "") -> VoteReceipt:
    """Cast (or, where allowed and with the receipt code, change) `voter`'s vote. The voter must
    be a verified member of one of the ballot's communities now, and the ballot open."""
    now = timezone.now()
    _require_login(voter)
    with transaction.atomic():
        ballot = _locked(ballot_id)
        if ballot.status == Ballot.Status.DRAFT and not perms.may(voter, "ballot.view_draft", ballot):
            raise NotFound(_("找不到这项投票。"))
        perms.require(voter, "ballot.vote", ballot, _("只有本社区的认证居民才能参加这项投票。"))
        _check_accepting(ballot, now)
        return _record(ballot=ballot, voter=voter, choices=choices, receipt=receipt, assisted=False)


def vote_cast_assisted(
    *, organiser: User, ballot_id: int, voter_id: int, consent_id: int, choices: Any, receipt: str = ""
) -> VoteReceipt:
    """An organiser votes on a resident's behalf (代为投票). The consent must be the resident's,
    given to this organiser, for one of the ballot's communities. The returned receipt code is
    to be handed to the resident."""
    now = timezone.now()
    _require_login(organiser)
    with transaction.atomic():
        ballot = _locked(ballot_id)
        if ballot.status == Ballot.Status.DRAFT and not perms.may(organiser, "ballot.view_draft", ballot):
            raise NotFound(_("找不到这项投票。"))
        perms.require(organiser, "ballot.assist", ballot, _("只有本社区的社区工作者可以代为投票。"))
        community_ids = [c.pk for c in ballot.communities.all()]
        consent = AssistanceConsent.objects.filter(
            pk=consent_id, resident_id=voter_id, organiser=organiser, community_id__in=community_ids
        ).first()
        if consent is None or not perms.is_organiser(organiser, consent.community_id):
            raise ApplicationError(
                _("请先登记这位居民的代为参与同意。"),
                code="consent_required",
                fields={"consent_id": [_("没有找到这位居民给您的同意记录。")]},
            )
        voter = User.objects.filter(pk=voter_id, is_active=True).first()
        if voter is None or not perms.may(voter, "ballot.vote", ballot):
            raise ApplicationError(_("这位居民不是本社区的认证成员，不能参加这项投票。"), code="not_eligible")
        _check_accepting(ballot, now)
        return _record(ballot=ballot, voter=voter, choices=choices, receipt=receipt, assisted=True)
