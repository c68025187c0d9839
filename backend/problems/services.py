"""Writes for problems and their discussion. Each function validates, writes in one transaction
and announces after commit (live.services.publish sends only once the transaction commits)."""

import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from PIL import Image, ImageOps, UnidentifiedImageError

from accounts import permissions
from accounts.models import CommunityMembership, User
from accounts.selectors import verified_member_count
from accounts.services import notification_send
from core.errors import ApplicationError, Conflict, NotFound, PermissionDenied
from live.services import publish
from network.models import Community

from .models import (
    BeneficiaryTag,
    Comment,
    CommentReport,
    Endorsement,
    Follow,
    Problem,
    ProblemPhoto,
    ProblemSettings,
    StatusChange,
)

S = Problem.Status

# The lifecycle: raised → discussing → voting → adopted | declined → solving → solved.
# Organisers may also decide a problem straight from discussion (a small, uncontested fix) and
# decline one that was just raised (a duplicate, or not the community's to solve).
TRANSITIONS: dict[str, frozenset[str]] = {
    S.RAISED: frozenset({S.DISCUSSING, S.DECLINED}),
    S.DISCUSSING: frozenset({S.VOTING, S.ADOPTED, S.DECLINED}),
    S.VOTING: frozenset({S.ADOPTED, S.DECLINED}),
    S.ADOPTED: frozenset({S.SOLVING}),
    S.DECLINED: frozenset(),
    S.SOLVING: frozenset({S.SOLVED}),
    S.SOLVED: frozenset(),
}
# Statuses in which residents can still say 我也关心.
OPEN_STATUSES = frozenset({S.RAISED, S.DISCUSSING, S.VOTING})
DEFAULT_THRESHOLD = 10
IMAGE_FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}
MIN_PHOTO_SIDE = 50
STORED_PHOTO_SIDE = 2560


# --- Problems ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckedPhoto:
    content: bytes
    content_type: str
    extension: str
    width: int
    height: int


def check_photos(files: Sequence[Any]) -> list[CheckedPhoto]:
    """Validate uploaded photos by their real content (Pillow), not their name or declared type.
    Raises ApplicationError with a `photos` field message; nothing is stored."""
    max_count = settings.PROBLEMS_PHOTO_MAX_COUNT
    max_bytes = settings.PROBLEMS_PHOTO_MAX_BYTES
    max_side = settings.PROBLEMS_PHOTO_MAX_SIDE
    if len(files) > max_count:
        msg = _("最多上传 %(n)s 张照片。") % {"n": max_count}
        raise ApplicationError(msg, fields={"photos": [msg]})
    checked = []
    for f in files:
        name = getattr(f, "name", "") or _("照片")
        size = getattr(f, "size", None)
        if size is not None and size > max_bytes:
            msg = _("照片“%(name)s”太大了，每张不能超过 %(mb)s MB。") % {"name": name, "mb": max_bytes // (1024 * 1024)}
            raise ApplicationError(msg, fields={"photos": [msg]})
        f.seek(0)
        content = f.read(max_bytes + 1)
        if len(content) > max_bytes:
            msg = _("照片“%(name)s”太大了，每张不能超过 %(mb)s MB。") % {"name": name, "mb": max_bytes // (1024 * 1024)}
            raise ApplicationError(msg, fields={"photos": [msg]})
        not_image = _("“%(name)s”不是可识别的照片，请上传 JPEG、PNG 或 WebP 图片。") % {"name": name}
        try:
            with Image.open(io.BytesIO(content)) as img:
                fmt = img.format
                width, height = img.size
                if fmt not in IMAGE_FORMATS:
                    raise ApplicationError(not_image, fields={"photos": [not_image]})
                if max(width, height) > max_side or min(width, height) < MIN_PHOTO_SIDE:
                    msg = _("照片“%(name)s”的尺寸应在 %(min)s 到 %(max)s 像素之间。") % {
                        "name": name,
                        "min": MIN_PHOTO_SIDE,
                        "max": max_side,
                    }
                    raise ApplicationError(msg, fields={"photos": [msg]})
                img.verify()
            # verify() checks the structure; decoding the pixels catches truncated or forged data.
            clean, width, height = _reencode(content, fmt)
        except ApplicationError:
            raise
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
            raise ApplicationError(not_image, fields={"photos": [not_image]}) from exc
        content_type, extension = IMAGE_FORMATS[fmt]
        checked.append(CheckedPhoto(clean, content_type, extension, width, height))
    return checked


def _reencode(content: bytes, fmt: str) -> tuple[bytes, int, int]:
    """Decode the photo and write it again: turned upright, at most STORED_PHOTO_SIDE pixels on
    its long side, and without its metadata — a phone photo's EXIF often holds the GPS position of
    the resident's home. Only the pixels we decoded are stored, never the uploaded bytes."""
    with Image.open(io.BytesIO(content)) as img:
        img.draft("RGB", (STORED_PHOTO_SIDE, STORED_PHOTO_SIDE))  # JPEG decodes at a reduced scale
        img = ImageOps.exif_transpose(img)
        img.thumbnail((STORED_PHOTO_SIDE, STORED_PHOTO_SIDE))
        if fmt == "JPEG" and img.mode not in ("RGB", "L"):
            img = img.convert("RGB")
        out = io.BytesIO()
        options = {"quality": 85} if fmt in ("JPEG", "WEBP") else {"optimize": True}
        img.save(out, fmt, **options)
        return out.getvalue(), img.width, img.height


def _parse_coordinate(value: Any, field: str, limit: int) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError) as exc:
        raise ApplicationError(_("坐标格式不正确。"), fields={field: [_("请填写数字。")]}) from exc
    if not -limit <= number <= limit:
        raise ApplicationError(_("坐标超出范围。"), fields={field: [_("坐标超出范围。")]})
    return number


def _tags_for(community: Community, tag_ids: Iterable[int]) -> list[BeneficiaryTag]:
    try:
        ids = {int(t) for t in tag_ids}
    except (TypeError, ValueError) as exc:
        raise ApplicationError(_("受益人群标签不正确。"), fields={"tags": [_("受益人群标签不正确。")]}) from exc
    if not ids:
        return []
    tags = list(BeneficiaryTag.objects.filter(Q(community=community) | Q(community__isnull=True), pk__in=ids))
    if len(tags) != len(ids):
        raise ApplicationError(_("请选择本社区可用的受益人群标签。"), fields={"tags": [_("有标签不属于本社区。")]})
    return tags


def problem_create(
    *,
    author: User,
    community_id: int,
    title: str,
    description: str,
    category: str,
    tag_ids: Iterable[int] = (),
    place: str = "",
    latitude: Any = None,
    longitude: Any = None,
    photos: Sequence[Any] = (),
) -> Problem:
    """A verified resident raises a problem (提出问题). The author follows it. Photos are checked
    before anything is written; if the write fails, stored files are removed again."""
    community = Community.objects.filter(pk=community_id).first()
    if community is None:
        raise NotFound(_("找不到这个社区。"))
    permissions.require(author, "problems.raise", community, _("只有本社区的认证居民可以提出问题。"))
    title = (title or "").strip()
    description = (description or "").strip()
    errors: dict[str, list[str]] = {}
    if not title:
        errors["title"] = [_("请填写标题。")]
    elif len(title) > 80:
        errors["title"] = [_("标题不能超过 80 个字。")]
    if not description:
        errors["description"] = [_("请描述一下问题。")]
    elif len(description) > 5000:
        errors["description"] = [_("问题描述不能超过 5000 个字。")]
    if category not in Problem.Category.values:
        errors["category"] = [_("请选择类别。")]
    if len((place or "").strip()) > 120:
        errors["place"] = [_("地点不能超过 120 个字。")]
    if errors:
        raise ApplicationError(_("请检查填写的内容。"), fields=errors)
    lat = _parse_coordinate(latitude, "latitude", 90)
    lng = _parse_coordinate(longitude, "longitude", 180)
    if (lat is None) != (lng is None):
        raise ApplicationError(
            _("请同时填写纬度和经度，或都不填。"), fields={"longitude": [_("请同时填写纬度和经度。")]}
        )
    tags = _tags_for(community, tag_ids)
    checked = check_photos(photos)

    stored: list[str] = []
    try:
        with transaction.atomic():
            problem = Problem.objects.create(
                community=community,
                author=author,
                title=title,
                description=description,
                category=category,
                place=(place or "").strip(),
                latitude=lat,
                longitude=lng,
            )
            problem.tags.set(tags)
            for photo in checked:
                record = ProblemPhoto(
                    problem=problem,
                    content_type=photo.content_type,
                    width=photo.width,
                    height=photo.height,
                    size_bytes=len(photo.content),
                )
                record.image.save(f"photo.{photo.extension}", ContentFile(photo.content), save=False)
                stored.append(record.image.name)
                record.save()
            StatusChange.objects.create(problem=problem, from_status="", to_status=S.RAISED, actor=author)
            Follow.objects.create(problem=problem, user=author)
            publish(f"community.{community.pk}", "problem_created", {"problem": problem.pk, "status": problem.status})
    except BaseException:
        for name in stored:
            default_storage.delete(name)
        raise
    return problem


def problem_access(*, problem_id: int, for_update: bool = False) -> Problem:
    """Fetch a problem (404 if missing). With for_update, call inside transaction.atomic()."""
    qs = Problem.objects.all()
    if for_update:
        qs = qs.select_for_update()
    problem = qs.filter(pk=problem_id).first()
    if problem is None:
        raise NotFound(_("找不到这个问题。"))
    return problem


def _move(*, actor: User | None, problem_id: int, to_status: str, reason: str = "", **fields: Any) -> Problem:
    """Move a problem one step, keep the history, tell its followers and the live pages.
    `actor` None is a system move (shown as 系统) and skips the permission check."""
    reason = (reason or "").strip()[:500]
    with transaction.atomic():
        problem = problem_access(problem_id=problem_id, for_update=True)
        if actor is not None:
            permissions.require(actor, "problems.manage", problem, _("只有本社区的社区工作者可以更改问题状态。"))
        from_status = problem.status
        if to_status not in TRANSITIONS[from_status]:
            raise Conflict(
                _("不能把“%(from)s”的问题改为“%(to)s”。") % {"from": S(from_status).label, "to": S(to_status).label},
                code="illegal_transition",
            )
        now = timezone.now()
        problem.status = to_status
        problem.status_changed_at = now
        for name, value in fields.items():
            setattr(problem, name, value)
        problem.save(update_fields=["status", "status_changed_at", *fields])
        StatusChange.objects.create(
            problem=problem, from_status=from_status, to_status=to_status, actor=actor, reason=reason
        )
        followers = User.objects.filter(problem_follows__problem=problem)
        if actor is not None:
            followers = followers.exclude(pk=actor.pk)
        for follower in followers:
            notification_send(
                user=follower,
                kind="problem_status",
                title=_("您关注的问题“%(title)s”现在%(status)s")
                % {"title": problem.title, "status": S(to_status).label},
                body=reason,
                url=f"/problems/{problem.pk}/",
            )
        payload = {"problem": problem.pk, "status": to_status, "from": from_status}
        publish(f"community.{problem.community_id}", "problem_status", payload)
        publish(f"problem.{problem.pk}", "problem_status", payload)
    return problem


def problem_open_discussion(*, actor: User | None, problem_id: int, reason: str = "") -> Problem:
    """raised → discussing."""
    return _move(actor=actor, problem_id=problem_id, to_status=S.DISCUSSING, reason=reason)


def problem_start_voting(*, actor: User | None, problem_id: int, ballot_id: int) -> Problem:
    """discussing → voting, recording the ballot that decides it."""
    if not isinstance(ballot_id, int) or ballot_id <= 0:
        raise ApplicationError(_("投票编号不正确。"), fields={"ballot_id": [_("投票编号不正确。")]})
    return _move(actor=actor, problem_id=problem_id, to_status=S.VOTING, ballot_id=ballot_id)


def problem_decide(*, actor: User | None, problem_id: int, adopted: bool, reason: str) -> Problem:
    """discussing | voting → adopted or declined. Declining needs a reason residents can read."""
    if not adopted and not (reason or "").strip():
        raise ApplicationError(_("不采纳时请写明原因。"), fields={"reason": [_("请填写原因。")]})
    return _move(actor=actor, problem_id=problem_id, to_status=S.ADOPTED if adopted else S.DECLINED, reason=reason)


def vote_result_published(*, ballot_id: int) -> int:
    """A ballot the problems were put to has published its result (voting's `ballot_published`).
    Each problem still in voting on it tells its followers how it did, and the organisers of its
    community hear once that the problems wait for their decision. Adopting or declining stays
    theirs: the vote informs it (a quorum can be missed, a tie must be broken, a winner may not be
    feasible). Returns how many problems were told about."""
    from .selectors import vote_outcome_label, vote_outcomes

    problems = list(Problem.objects.filter(ballot_id=ballot_id, status=S.VOTING).order_by("pk"))
    outcomes = vote_outcomes(problems=problems)
    problems = [p for p in problems if p.pk in outcomes]
    if not problems:
        return 0
    question = outcomes[problems[0].pk]["question"]
    with transaction.atomic():
        for problem in problems:
            for follower in User.objects.filter(problem_follows__problem=problem):
                with translation.override(follower.preferred_language):
                    notification_send(
                        user=follower,
                        kind="problem_vote_result",
                        title=_("您关注的问题“%(title)s”投票结果：%(outcome)s")
                        % {"title": problem.title, "outcome": vote_outcome_label(outcomes[problem.pk])},
                        body=_("结果已公布，等待社区工作者决定是否采纳。"),
                        url=f"/problems/{problem.pk}/",
                    )
            publish(f"problem.{problem.pk}", "problem_vote_result", {"problem": problem.pk, "ballot": ballot_id})
        for community_id in sorted({p.community_id for p in problems}):
            count = sum(1 for p in problems if p.community_id == community_id)
            for organiser in _organisers(community_id):
                with translation.override(organiser.preferred_language):
                    notification_send(
                        user=organiser,
                        kind="problem_vote_decide",
                        title=ngettext(
                            "投票“%(question)s”已公布结果：%(count)s 个问题等待您决定是否采纳",
                            "投票“%(question)s”已公布结果：%(count)s 个问题等待您决定是否采纳",
                            count,
                        )
                        % {"question": question, "count": count},
                        url="/organiser/problems/#awaiting-heading",
                    )
    return len(problems)


def _organisers(community_id: int) -> QuerySet[User]:
    """The community's verified community workers."""
    return User.objects.filter(
        memberships__community_id=community_id,
        memberships__role=CommunityMembership.Role.ORGANISER,
        memberships__status=CommunityMembership.Status.VERIFIED,
    )


def problem_start_solving(*, actor: User | None, problem_id: int, campaign_id: int) -> Problem:
    """adopted → solving, recording the campaign that solves it."""
    if not isinstance(campaign_id, int) or campaign_id <= 0:
        raise ApplicationError(_("众筹行动编号不正确。"), fields={"campaign_id": [_("众筹行动编号不正确。")]})
    return _move(actor=actor, problem_id=problem_id, to_status=S.SOLVING, campaign_id=campaign_id)


def problem_mark_solved(*, actor: User | None, problem_id: int, reason: str) -> Problem:
    """solving → solved."""
    return _move(actor=actor, problem_id=problem_id, to_status=S.SOLVED, reason=reason)


def problem_move(*, actor: User, problem_id: int, to_status: str, reason: str = "") -> Problem:
    """An organiser's manual move. Voting and solving start from a ballot or a campaign."""
    if to_status == S.DISCUSSING:
        return problem_open_discussion(actor=actor, problem_id=problem_id, reason=reason)
    if to_status in (S.ADOPTED, S.DECLINED):
        return problem_decide(actor=actor, problem_id=problem_id, adopted=to_status == S.ADOPTED, reason=reason)
    if to_status == S.SOLVED:
        return problem_mark_solved(actor=actor, problem_id=problem_id, reason=reason)
    if to_status == S.VOTING:
        raise ApplicationError(_("请通过“发起投票”把问题交给居民投票。"), code="use_ballot")
    if to_status == S.SOLVING:
        raise ApplicationError(_("问题会在关联的众筹行动发起后进入“解决中”。"), code="use_campaign")
    raise ApplicationError(_("请选择新的状态。"), fields={"to_status": [_("请选择新的状态。")]})


def problems_put_to_vote(
    *,
    actor: User,
    community_id: int,
    problem_ids: Sequence[int],
    question: str,
    method: str,
    opens_at: Any,
    closes_at: Any,
    description: str = "",
) -> Any:
    """Create one ballot with an option per selected problem (all in discussion, all in this
    community) through the voting app, then move each problem to voting. All or nothing."""
    community = Community.objects.filter(pk=community_id).first()
    if community is None:
        raise NotFound(_("找不到这个社区。"))
    permissions.require(actor, "problems.manage", community, _("只有本社区的社区工作者可以发起投票。"))
    ids = sorted({int(i) for i in problem_ids})
    if len(ids) < 2:
        msg = _("一次投票至少要有两个问题供居民选择。")
        raise ApplicationError(msg, fields={"problem_ids": [msg]})
    try:
        from voting.services import ballot_create
    except ImportError as exc:
        raise ApplicationError(_("投票功能暂未开放。"), code="voting_unavailable") from exc
    with transaction.atomic():
        problems = list(Problem.objects.select_for_update().filter(pk__in=ids, community=community).order_by("pk"))
        if len(problems) != len(ids) or any(p.status != S.DISCUSSING for p in problems):
            msg = _("只能选择本社区讨论中的问题。")
            raise Conflict(msg, fields={"problem_ids": [msg]}, code="not_discussing")
        try:
            ballot = ballot_create(
                actor=actor,
                community_ids=[community.pk],
                question=question,
                method=method,
                options=[
                    {
                        "label": p.title,
                        "description": p.description[:500],
                        "cost_fen": None,
                        "ref_kind": "problem",
                        "ref_id": p.pk,
                    }
                    for p in problems
                ],
                opens_at=opens_at,
                closes_at=closes_at,
                description=description,
            )
        except ApplicationError as exc:
            # The ballot's options are this form's problems: show their message there.
            if "options" in exc.fields:
                exc.fields["problem_ids"] = exc.fields.pop("options")
            raise
        for p in problems:
            problem_start_voting(actor=actor, problem_id=p.pk, ballot_id=ballot.pk)
    return ballot


# --- Endorsements and follows -----------------------------------------------------------------


def endorsement_threshold(*, community_id: int) -> int:
    """How many endorsements flag a problem for the organisers in this community."""
    cfg = ProblemSettings.objects.filter(community_id=community_id).first()
    if cfg is None:
        return DEFAULT_THRESHOLD
    if cfg.threshold_kind == ProblemSettings.ThresholdKind.COUNT:
        return cfg.threshold_value
    members = verified_member_count(community_ids=[community_id])
    return max(1, math.ceil(members * cfg.threshold_value / 100))


def _announce_endorsements(problem: Problem, count: int) -> None:
    payload = {"problem": problem.pk, "count": count}
    publish(f"community.{problem.community_id}", "endorsements", payload)
    publish(f"problem.{problem.pk}", "endorsements", payload)


def endorsement_add(*, user: User, problem_id: int) -> int:
    """我也关心. One per person per problem (a database constraint catches a double submit).
    Returns the exact new count. Reaching the community's threshold flags the problem once and
    notifies its followers and the community's organisers once."""
    with transaction.atomic():
        problem = problem_access(problem_id=problem_id)
        permissions.require(user, "problems.discuss", problem, _("只有本社区的认证居民可以表示关心。"))
        if problem.status not in OPEN_STATUSES:
            raise Conflict(_("这个问题已经有了结果，不再收集关心。"), code="closed")
        try:
            with transaction.atomic():
                Endorsement.objects.create(problem=problem, user=user)
        except IntegrityError as exc:
            raise Conflict(_("您已经表示过关心了。"), code="already_endorsed") from exc
        Problem.objects.filter(pk=problem.pk).update(endorsement_count=F("endorsement_count") + 1)
        count = Problem.objects.values_list("endorsement_count", flat=True).get(pk=problem.pk)
        if count >= endorsement_threshold(community_id=problem.community_id):
            claimed = Problem.objects.filter(pk=problem.pk, threshold_reached_at__isnull=True).update(
                threshold_reached_at=timezone.now()
            )
            if claimed:
                _notify_threshold(problem, count)
        _announce_endorsements(problem, count)
    return count


def _notify_threshold(problem: Problem, count: int) -> None:
    organisers = _organisers(problem.community_id)
    followers = User.objects.filter(problem_follows__problem=problem)
    people = {u.pk: u for u in [*followers, *organisers]}
    title = _("“%(title)s”已有 %(count)s 位居民关心，等待社区处理") % {"title": problem.title, "count": count}
    for person in people.values():
        notification_send(user=person, kind="problem_threshold", title=title, url=f"/problems/{problem.pk}/")
    publish(f"organiser.{problem.community_id}", "problem_flagged", {"problem": problem.pk, "count": count})


def endorsement_remove(*, user: User, problem_id: int) -> int:
    """Take back 我也关心. Returns the exact new count. A threshold once reached stays reached."""
    with transaction.atomic():
        problem = problem_access(problem_id=problem_id)
        if problem.status not in OPEN_STATUSES:
            raise Conflict(_("这个问题已经有了结果，不再收集关心。"), code="closed")
        deleted, _detail = Endorsement.objects.filter(problem=problem, user=user).delete()
        if not deleted:
            raise Conflict(_("您还没有表示过关心。"), code="not_endorsed")
        Problem.objects.filter(pk=problem.pk).update(endorsement_count=F("endorsement_count") - 1)
        count = Problem.objects.values_list("endorsement_count", flat=True).get(pk=problem.pk)
        _announce_endorsements(problem, count)
    return count


def follow_add(*, user: User, problem_id: int) -> Follow:
    problem = problem_access(problem_id=problem_id)
    permissions.require(user, "problems.follow", problem)
    try:
        with transaction.atomic():
            return Follow.objects.create(problem=problem, user=user)
    except IntegrityError as exc:
        raise Conflict(_("您已经关注了这个问题。"), code="already_following") from exc


def follow_remove(*, user: User, problem_id: int) -> None:
    problem = problem_access(problem_id=problem_id)
    permissions.require(user, "problems.follow", problem)
    deleted, _detail = Follow.objects.filter(problem=problem, user=user).delete()
    if not deleted:
        raise Conflict(_("您还没有关注这个问题。"), code="not_following")


# --- Comments ------------------------------------------------------------------------------------


def _comment_access(comment_id: int, *, for_update: bool = False) -> Comment:
    qs = Comment.objects.select_related("problem")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    comment = qs.filter(pk=comment_id).first()
    if comment is None:
        raise NotFound(_("找不到这条评论。"))
    return comment


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ApplicationError(_("请填写评论内容。"), fields={"body": [_("请填写评论内容。")]})
    if len(body) > 2000:
        raise ApplicationError(_("评论不能超过 2000 个字。"), fields={"body": [_("评论不能超过 2000 个字。")]})
    return body


def _announce_comments(problem_id: int, comment: Comment, event: str) -> None:
    count = Problem.objects.values_list("comment_count", flat=True).get(pk=problem_id)
    publish(f"problem.{problem_id}", event, {"problem": problem_id, "comment": comment.pk, "count": count})


def comment_create(*, author: User, problem_id: int, body: str, parent_id: int | None = None) -> Comment:
    """A comment, or a reply to another comment of the same problem."""
    body = _clean_body(body)
    with transaction.atomic():
        problem = problem_access(problem_id=problem_id)
        permissions.require(author, "problems.discuss", problem, _("只有本社区的认证居民可以参与讨论。"))
        parent = None
        if parent_id is not None:
            parent = Comment.objects.filter(pk=parent_id, problem=problem).first()
            if parent is None:
                raise ApplicationError(_("要回复的评论不存在。"), fields={"parent": [_("要回复的评论不存在。")]})
            if parent.deleted_at is not None or parent.hidden_at is not None:
                raise Conflict(_("这条评论已删除或被隐藏，不能回复。"), code="parent_gone")
        comment = Comment.objects.create(problem=problem, author=author, parent=parent, body=body)
        Problem.objects.filter(pk=problem.pk).update(comment_count=F("comment_count") + 1)
        _announce_comments(problem.pk, comment, "comment")
    return comment


def comment_edit(*, actor: User, comment_id: int, body: str) -> Comment:
    """The author may change a comment within PROBLEMS_COMMENT_EDIT_MINUTES of writing it."""
    body = _clean_body(body)
    with transaction.atomic():
        comment = _comment_access(comment_id, for_update=True)
        if actor is None or not actor.is_authenticated or comment.author_id != actor.pk:
            raise PermissionDenied(_("只能修改自己的评论。"))
        if not comment.is_visible:
            raise Conflict(_("这条评论已删除或被隐藏，不能修改。"), code="comment_gone")
        window = timedelta(minutes=settings.PROBLEMS_COMMENT_EDIT_MINUTES)
        if timezone.now() - comment.created_at > window:
            raise Conflict(
                _("评论发表 %(n)s 分钟后就不能修改了。") % {"n": settings.PROBLEMS_COMMENT_EDIT_MINUTES},
                code="edit_window_closed",
            )
        comment.body = body
        comment.edited_at = timezone.now()
        comment.save(update_fields=["body", "edited_at"])
        _announce_comments(comment.problem_id, comment, "comment_edited")
    return comment


def _retract_visible(comment: Comment) -> None:
    """Called under the comment's row lock while it goes from visible to not visible."""
    if comment.is_visible:
        Problem.objects.filter(pk=comment.problem_id, comment_count__gt=0).update(comment_count=F("comment_count") - 1)


def comment_delete(*, actor: User, comment_id: int) -> Comment:
    """The author deletes a comment: the row stays so replies keep their place, the text goes."""
    with transaction.atomic():
        comment = _comment_access(comment_id, for_update=True)
        if actor is None or not actor.is_authenticated or comment.author_id != actor.pk:
            raise PermissionDenied(_("只能删除自己的评论。"))
        if comment.deleted_at is not None:
            raise Conflict(_("这条评论已经删除了。"), code="comment_gone")
        _retract_visible(comment)
        comment.deleted_at = timezone.now()
        comment.save(update_fields=["deleted_at"])
        _announce_comments(comment.problem_id, comment, "comment_removed")
    return comment


def comment_report(*, reporter: User, comment_id: int, reason: str) -> CommentReport:
    """A resident reports a comment to the organisers (once per person per comment)."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("请说明举报原因。"), fields={"reason": [_("请说明举报原因。")]})
    with transaction.atomic():
        comment = _comment_access(comment_id)
        permissions.require(reporter, "problems.discuss", comment.problem, _("只有本社区的认证居民可以举报评论。"))
        if comment.author_id == reporter.pk:
            raise ApplicationError(_("不能举报自己的评论。"), code="own_comment")
        if not comment.is_visible:
            raise Conflict(_("这条评论已删除或被隐藏。"), code="comment_gone")
        try:
            with transaction.atomic():
                report = CommentReport.objects.create(comment=comment, reporter=reporter, reason=reason[:300])
        except IntegrityError as exc:
            raise Conflict(_("您已经举报过这条评论，社区工作者会尽快处理。"), code="already_reported") from exc
        Comment.objects.filter(pk=comment.pk).update(open_report_count=F("open_report_count") + 1)
        publish(
            f"organiser.{comment.problem.community_id}",
            "comment_reported",
            {"problem": comment.problem_id, "comment": comment.pk},
        )
    return report


def comment_hide(*, actor: User, comment_id: int, reason: str) -> Comment:
    """An organiser hides a comment with a reason; its open reports are resolved."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("隐藏评论时请写明原因。"), fields={"reason": [_("请填写原因。")]})
    with transaction.atomic():
        comment = _comment_access(comment_id, for_update=True)
        permissions.require(actor, "problems.manage", comment.problem, _("只有本社区的社区工作者可以处理评论。"))
        if comment.hidden_at is not None:
            raise Conflict(_("这条评论已经隐藏了。"), code="already_hidden")
        _retract_visible(comment)
        now = timezone.now()
        comment.hidden_at = now
        comment.hidden_by = actor
        comment.hidden_reason = reason[:300]
        comment.open_report_count = 0
        comment.save(update_fields=["hidden_at", "hidden_by", "hidden_reason", "open_report_count"])
        CommentReport.objects.filter(comment=comment, resolved_at__isnull=True).update(resolved_at=now)
        _announce_comments(comment.problem_id, comment, "comment_removed")
    return comment


def comment_reports_dismiss(*, actor: User, comment_id: int) -> Comment:
    """An organiser keeps a reported comment: its open reports are resolved."""
    with transaction.atomic():
        comment = _comment_access(comment_id, for_update=True)
        permissions.require(actor, "problems.manage", comment.problem, _("只有本社区的社区工作者可以处理评论。"))
        if comment.open_report_count == 0:
            raise Conflict(_("这条评论没有待处理的举报。"), code="no_reports")
        CommentReport.objects.filter(comment=comment, resolved_at__isnull=True).update(resolved_at=timezone.now())
        comment.open_report_count = 0
        comment.save(update_fields=["open_report_count"])
    return comment


# --- Community settings --------------------------------------------------------------------------


def problem_settings_update(
    *, actor: User, community_id: int, threshold_kind: str, threshold_value: int
) -> ProblemSettings:
    community = Community.objects.filter(pk=community_id).first()
    if community is None:
        raise NotFound(_("找不到这个社区。"))
    permissions.require(actor, "problems.manage", community, _("只有本社区的社区工作者可以修改设置。"))
    if threshold_kind not in ProblemSettings.ThresholdKind.values:
        raise ApplicationError(_("请选择门槛类型。"), fields={"threshold_kind": [_("请选择门槛类型。")]})
    if not isinstance(threshold_value, int) or threshold_value < 1:
        raise ApplicationError(_("门槛至少为 1。"), fields={"threshold_value": [_("门槛至少为 1。")]})
    if threshold_kind == ProblemSettings.ThresholdKind.SHARE and threshold_value > 100:
        raise ApplicationError(_("百分比不能超过 100。"), fields={"threshold_value": [_("百分比不能超过 100。")]})
    with transaction.atomic():
        cfg, _created = ProblemSettings.objects.update_or_create(
            community=community,
            defaults={"threshold_kind": threshold_kind, "threshold_value": threshold_value, "updated_by": actor},
        )
    return cfg


def tag_create(*, actor: User, community_id: int, name: str) -> BeneficiaryTag:
    """An organiser adds a beneficiary tag for their community."""
    community = Community.objects.filter(pk=community_id).first()
    if community is None:
        raise NotFound(_("找不到这个社区。"))
    permissions.require(actor, "problems.manage", community, _("只有本社区的社区工作者可以添加标签。"))
    name = (name or "").strip()
    if not name or len(name) > 20:
        raise ApplicationError(_("标签名称为 1 到 20 个字。"), fields={"name": [_("标签名称为 1 到 20 个字。")]})
    if BeneficiaryTag.objects.filter(name=name, community_id__in=[community.pk]).exists() or (
        BeneficiaryTag.objects.filter(name=name, community__isnull=True).exists()
    ):
        raise Conflict(_("已经有这个标签了。"), fields={"name": [_("已经有这个标签了。")]})
    try:
        with transaction.atomic():
            return BeneficiaryTag.objects.create(community=community, name=name)
    except IntegrityError as exc:
        raise Conflict(_("已经有这个标签了。"), fields={"name": [_("已经有这个标签了。")]}) from exc
