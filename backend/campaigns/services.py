"""Writes for campaigns, needs, shifts and pledges (五筹).

Every function validates, writes in one transaction and announces after commit (live topics,
notifications, the `campaign_closed` signal). Need counters move with F() in the same
transaction as the pledge that moves them; conditional UPDATEs guard targets, shift seats and
the once-only deadline close, so concurrent requests never over-count or close twice.

Contract used by the funding app (keep stable): `pledge_create`, `pledge_confirm`,
`pledge_fulfil(source="payment")`, `pledge_mark_refunded`, `pledge_drop`. Online money pledges
change status only through these: cancelling, rejecting or marking them fulfilled by hand is
refused (`_refuse_online_money`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from contextlib import nullcontext
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, models, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts import permissions
from accounts.models import User
from core.errors import ApplicationError, Conflict, NotFound
from live.services import publish, publish_many, recheck
from network.models import CharityFund, Community, SocialOrganisation, SocialWorkStation, VolunteerTeam

from .models import (
    BeneficiaryTag,
    Campaign,
    CampaignFollow,
    CampaignPartner,
    CampaignTag,
    Dimension,
    IdeaEndorsement,
    Need,
    Pledge,
    ProgressUpdate,
    Shift,
    UpdatePhoto,
)
from .selectors import community_ids_of, forget_need
from .signals import campaign_cancelled, campaign_closed, offline_pledge_recorded, offline_pledge_withdrawn

logger = logging.getLogger(__name__)

S = Campaign.Status
P = Pledge.Status

MAX_IMAGE_BYTES = 5 * 1024 * 1024
IMAGE_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}

# Fields a pledge may carry besides quantity/amount, per dimension.
DIMENSION_FIELDS: dict[str, set[str]] = {
    Dimension.PROJECT: {"summary", "body", "budget_fen", "carried_by"},
    Dimension.IDEA: {"summary", "body"},
    Dimension.RESOURCE: {"body", "estimated_value_fen"},
    Dimension.MONEY: {"body"},
    Dimension.PEOPLE: {"shift_id", "body"},
}

# Lifecycle edges a person may take, and the permission each needs. The deadline edges
# live → succeeded | failed belong to `campaign_close` alone.
EDGES: dict[tuple[str, str], str] = {
    (S.DRAFT, S.IN_REVIEW): "campaign.manage",
    (S.IN_REVIEW, S.DRAFT): "campaign.approve",
    (S.IN_REVIEW, S.LIVE): "campaign.approve",
    (S.SUCCEEDED, S.DELIVERING): "campaign.manage",
    (S.DELIVERING, S.COMPLETED): "campaign.manage",
    (S.DRAFT, S.CANCELLED): "campaign.manage",
    (S.IN_REVIEW, S.CANCELLED): "campaign.manage",
    (S.LIVE, S.CANCELLED): "campaign.manage",
}
EDITABLE = (S.DRAFT, S.IN_REVIEW)


# --- helpers ------------------------------------------------------------------------------------


def check_image(file: UploadedFile | None, field: str) -> None:
    """Refuse anything that is not a real, reasonably sized image (checked with Pillow)."""
    if file is None:
        return
    from PIL import Image, UnidentifiedImageError

    if file.size and file.size > MAX_IMAGE_BYTES:
        raise ApplicationError(_("图片不能超过 5 MB。"), fields={field: [_("图片不能超过 5 MB。")]})
    try:
        file.seek(0)
        with Image.open(file) as img:
            fmt = img.format
            img.verify()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise ApplicationError(_("请上传有效的图片文件。"), fields={field: [_("请上传有效的图片文件。")]}) from exc
    finally:
        file.seek(0)
    if fmt not in IMAGE_FORMATS:
        raise ApplicationError(
            _("图片格式只支持 JPEG、PNG、WEBP 或 GIF。"), fields={field: [_("图片格式只支持 JPEG、PNG、WEBP 或 GIF。")]}
        )


def _notify(user: User, *, kind: str, title: str, url: str, body: str = "") -> None:
    """An in-app notification (and its email copy) for one person; the caller has built the
    title in that person's language."""
    from accounts.services import notification_send

    notification_send(user=user, kind=kind, title=str(title), body=str(body), url=url)


def _invalid(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, fields={field: [message]})


def _campaign_for_update(campaign_id: int) -> Campaign:
    """Call inside atomic(): the campaign row, locked."""
    campaign = Campaign.objects.select_for_update().filter(pk=campaign_id).first()
    if campaign is None:
        raise NotFound(_("找不到这个众筹行动。"))
    return campaign


def _community_ids(campaign: Campaign) -> list[int]:
    return community_ids_of(campaign.pk, campaign.created_at)


def _notify_organisers(campaign: Campaign, type: str, payload: dict[str, Any]) -> None:
    for cid in getattr(campaign, "_community_ids", None) or _community_ids(campaign):
        publish(f"organiser.{cid}", type, {"campaign": campaign.pk, **payload})


PROGRESS_FIELDS = ("target", "pledged_total", "confirmed_total", "fulfilled_total", "pledge_count")


def _progress_payload(need: Need, counters: dict[str, int]) -> dict[str, Any]:
    """A need's absolute progress as live messages carry it. Pages derive each dimension's
    summary from the needs they hold (the snapshot has them all), so a message never needs the
    sibling needs read again."""
    return {
        "need": need.pk,
        "dimension": need.dimension,
        "target": counters["target"],
        "pledged": counters["pledged_total"],
        "confirmed": counters["confirmed_total"],
        "fulfilled": counters["fulfilled_total"],
        "count": counters["pledge_count"],
    }


def _announce_progress(need: Need) -> None:
    """Publish the need's absolute progress (after commit), read after the counter UPDATE."""
    counters = Need.objects.filter(pk=need.pk).values(*PROGRESS_FIELDS).get()
    publish(f"campaign.{need.campaign_id}", "progress", _progress_payload(need, counters))


def _bump(
    need_id: int, *, pledged: int = 0, confirmed: int = 0, fulfilled: int = 0, count: int = 0, minutes: int = 0
) -> None:
    changes = {}
    for field, delta in (
        ("pledged_total", pledged),
        ("confirmed_total", confirmed),
        ("fulfilled_total", fulfilled),
        ("pledge_count", count),
        ("minutes_served", minutes),
    ):
        if delta:
            changes[field] = F(field) + delta
    if changes:
        Need.objects.filter(pk=need_id).update(**changes)


# --- campaigns ----------------------------------------------------------------------------------


def _resolve_partners(partners: Iterable[dict[str, Any]]) -> list[CampaignPartner]:
    models = {
        "community": Community,
        "station": SocialWorkStation,
        "organisation": SocialOrganisation,
        "fund": CharityFund,
        "team": VolunteerTeam,
    }
    out = []
    for p in partners:
        kind, role, pid = p.get("kind"), p.get("role"), p.get("id")
        if kind not in models or role not in CampaignPartner.Role.values:
            raise _invalid("partners", _("合作伙伴的类型或角色不正确。"))
        obj = models[kind].objects.filter(pk=pid).first()
        if obj is None:
            raise _invalid("partners", _("找不到这个合作伙伴。"))
        out.append(CampaignPartner(role=role, **{kind: obj}))
    return out


def _check_campaign_fields(
    *, title: str, story: str, starts_at: datetime, deadline: datetime, money_mode: str, tags: Iterable[str]
) -> None:
    errors: dict[str, list[str]] = {}
    if not (title or "").strip():
        errors["title"] = [_("请填写标题。")]
    if not (story or "").strip():
        errors["story"] = [_("请讲讲这个行动的故事：要解决什么问题、怎么做。")]
    if starts_at is None or deadline is None:
        errors["deadline"] = [_("请填写开始时间和截止时间。")]
    elif deadline <= starts_at:
        errors["deadline"] = [_("截止时间必须晚于开始时间。")]
    if money_mode not in Campaign.MoneyMode.values:
        errors["money_mode"] = [_("请选择资金模式。")]
    if any(t not in BeneficiaryTag.values for t in tags):
        errors["tags"] = [_("受益标签不正确。")]
    if errors:
        raise ApplicationError(_("请检查填写的内容。"), fields=errors)


def campaign_create(
    *,
    actor: User,
    title: str,
    story: str,
    community_ids: list[int],
    starts_at: datetime,
    deadline: datetime,
    money_mode: str = Campaign.MoneyMode.ALL_OR_NOTHING,
    host_community_id: int | None = None,
    tags: Iterable[str] = (),
    partners: Iterable[dict[str, Any]] = (),
    cover: UploadedFile | None = None,
    problem_id: int | None = None,
) -> Campaign:
    """Create a draft campaign for communities the actor organises. With `problem_id`, the problem
    moves to `solving` in the same transaction (problems.services.problem_start_solving)."""
    community_ids = sorted({int(c) for c in community_ids or []})
    if not community_ids:
        raise _invalid("community_ids", _("请至少选择一个社区。"))
    communities = list(Community.objects.filter(pk__in=community_ids))
    if len(communities) != len(community_ids):
        raise _invalid("community_ids", _("找不到所选的社区。"))
    host_id = host_community_id or community_ids[0]
    if host_id not in community_ids:
        raise _invalid("host_community_id", _("主办社区必须是所选社区之一。"))
    permissions.require(actor, "campaign.create", community_ids, _("只有这些社区的社区工作者可以发起众筹行动。"))
    tags = list(dict.fromkeys(tags))
    _check_campaign_fields(
        title=title, story=story, starts_at=starts_at, deadline=deadline, money_mode=money_mode, tags=tags
    )
    check_image(cover, "cover")
    partner_rows = _resolve_partners(partners)
    with transaction.atomic():
        campaign = Campaign(
            title=title.strip()[:120],
            story=story.strip(),
            host_community_id=host_id,
            starts_at=starts_at,
            deadline=deadline,
            money_mode=money_mode,
            created_by=actor,
            problem_id=problem_id,
        )
        if cover is not None:
            campaign.cover = cover
        campaign.save()
        campaign.communities.set(communities)
        CampaignTag.objects.bulk_create([CampaignTag(campaign=campaign, tag=t) for t in tags])
        for row in partner_rows:
            row.campaign = campaign
        CampaignPartner.objects.bulk_create(partner_rows)
        if problem_id is not None:
            _problems_call("problem_start_solving", actor=actor, problem_id=problem_id, campaign_id=campaign.pk)
    return campaign


def _problems_call(name: str, **kwargs: Any) -> Any:
    try:
        from problems import services as problem_services

        fn = getattr(problem_services, name)
    except (ImportError, AttributeError) as exc:
        raise ApplicationError(_("问题模块暂不可用，无法关联问题。"), code="problems_unavailable") from exc
    return fn(**kwargs)


def campaign_update(
    *,
    actor: User,
    campaign_id: int,
    title: str | None = None,
    story: str | None = None,
    starts_at: datetime | None = None,
    deadline: datetime | None = None,
    money_mode: str | None = None,
    tags: Iterable[str] | None = None,
    partners: Iterable[dict[str, Any]] | None = None,
    cover: UploadedFile | None = None,
) -> Campaign:
    """Edit a campaign while it is a draft or in review; once live only the story and cover."""
    check_image(cover, "cover")
    with transaction.atomic():
        campaign = _campaign_for_update(campaign_id)
        permissions.require(actor, "campaign.manage", campaign, _("只有本行动所属社区的社区工作者可以修改。"))
        locked = campaign.status not in EDITABLE
        if locked and any(v is not None for v in (title, starts_at, deadline, money_mode, tags, partners)):
            if campaign.status != S.LIVE:
                raise Conflict(_("这个行动已结束，不能再修改。"), code="not_editable")
            raise Conflict(_("行动上线后只能修改故事和封面。"), code="not_editable")
        if campaign.status not in (*EDITABLE, S.LIVE):
            raise Conflict(_("这个行动已结束，不能再修改。"), code="not_editable")
        new_tags = list(dict.fromkeys(tags)) if tags is not None else []
        _check_campaign_fields(
            title=title if title is not None else campaign.title,
            story=story if story is not None else campaign.story,
            starts_at=starts_at or campaign.starts_at,
            deadline=deadline or campaign.deadline,
            money_mode=money_mode or campaign.money_mode,
            tags=new_tags,
        )
        if title is not None:
            campaign.title = title.strip()[:120]
        if story is not None:
            campaign.story = story.strip()
        campaign.starts_at = starts_at or campaign.starts_at
        campaign.deadline = deadline or campaign.deadline
        campaign.money_mode = money_mode or campaign.money_mode
        if cover is not None:
            campaign.cover = cover
        campaign.save()
        if tags is not None:
            campaign.tags.all().delete()
            CampaignTag.objects.bulk_create([CampaignTag(campaign=campaign, tag=t) for t in new_tags])
        if partners is not None:
            rows = _resolve_partners(partners)
            campaign.partners.all().delete()
            for row in rows:
                row.campaign = campaign
            CampaignPartner.objects.bulk_create(rows)
        publish(f"campaign.{campaign.pk}", "campaign_status", {"campaign": campaign.pk, "status": campaign.status})
    return campaign


def campaign_transition(
    *, actor: User, campaign_id: int, to: str, reason: str = "", now: datetime | None = None
) -> Campaign:
    """Move a campaign along one lifecycle edge (see EDGES and campaigns.permissions).

    Refuses an edge that does not exist with 409, a person without the right with 403."""
    now = now or timezone.now()
    with transaction.atomic():
        campaign = _campaign_for_update(campaign_id)
        edge = (campaign.status, to)
        action = EDGES.get(edge)
        if action is None:
            raise Conflict(
                _("不能从“%(src)s”变为“%(dst)s”。")
                % {"src": campaign.get_status_display(), "dst": S(to).label if to in S.values else to},
                code="illegal_transition",
            )
        permissions.require(actor, action, campaign)
        reason = (reason or "").strip()[:300]
        if edge == (S.DRAFT, S.IN_REVIEW) or edge == (S.IN_REVIEW, S.LIVE):
            if not campaign.needs.exists():
                raise Conflict(_("请先添加至少一项需求，再提交审核。"), code="no_needs")
            if campaign.deadline <= now:
                raise Conflict(_("截止时间已过，请先修改截止时间。"), code="deadline_passed")
        if edge == (S.IN_REVIEW, S.DRAFT) and not reason:
            raise _invalid("reason", _("退回时请写明原因。"))
        campaign.status = to
        if to in (S.DRAFT, S.LIVE):
            campaign.review_note = reason
        if to in (S.CANCELLED, S.COMPLETED):
            campaign.closed_at = now
        campaign.save(update_fields=["status", "review_note", "closed_at", "updated_at"])
        publish(f"campaign.{campaign.pk}", "campaign_status", {"campaign": campaign.pk, "status": campaign.status})
        if to in (S.DRAFT, S.CANCELLED):  # fewer people may see it now
            recheck(topic=f"campaign.{campaign.pk}")
        _notify_organisers(campaign, "campaign_status", {"status": campaign.status})
        if to == S.LIVE:
            for cid in _community_ids(campaign):
                publish(f"community.{cid}", "campaign_created", {"campaign": campaign.pk, "title": campaign.title})
        if to == S.COMPLETED and campaign.problem_id:
            _problems_call(
                "problem_mark_solved",
                actor=actor,
                problem_id=campaign.problem_id,
                reason=reason or _("众筹行动“%(title)s”已完成。") % {"title": campaign.title},
            )
        if edge == (S.LIVE, S.CANCELLED):
            cid = campaign.pk
            transaction.on_commit(lambda: campaign_cancelled.send(sender=Campaign, campaign_id=cid))
    return campaign


def required_needs_met(campaign: Campaign, needs: Iterable[Need]) -> bool:
    """The success rule: every required need is met. Keep-what-you-raise money needs never count
    as required (the money is kept whatever the total)."""
    for need in needs:
        if not need.required:
            continue
        if need.dimension == Dimension.MONEY and campaign.money_mode == Campaign.MoneyMode.KEEP_WHAT_YOU_RAISE:
            continue
        if not need.is_met:
            return False
    return True


def campaign_close(*, campaign_id: int, now: datetime | None = None) -> str | None:
    """Close a live campaign whose deadline has passed: `succeeded` when every required need is
    met (confirmed ≥ target), otherwise `failed`. Returns the outcome, or None when there was
    nothing to do (not live, not due, or another run closed it first — the conditional UPDATE
    on status=live lets exactly one run win). `campaign_closed` is sent after commit."""
    now = now or timezone.now()
    with transaction.atomic():
        campaign = Campaign.objects.filter(pk=campaign_id, status=S.LIVE, deadline__lte=now).first()
        if campaign is None:
            return None
        # Lock the needs so pledges still in flight finish before the outcome is decided.
        needs = list(Need.objects.select_for_update().filter(campaign_id=campaign_id))
        outcome = S.SUCCEEDED if required_needs_met(campaign, needs) else S.FAILED
        claimed = Campaign.objects.filter(pk=campaign_id, status=S.LIVE).update(
            status=outcome, closed_at=now, updated_at=now
        )
        if not claimed:
            return None
        campaign.status = outcome
        publish(f"campaign.{campaign_id}", "campaign_status", {"campaign": campaign_id, "status": str(outcome)})
        _notify_organisers(campaign, "campaign_status", {"status": str(outcome)})
        outcome_value = str(outcome)
        transaction.on_commit(
            lambda: campaign_closed.send(sender=Campaign, campaign_id=campaign_id, outcome=outcome_value)
        )
    return outcome_value


def campaigns_close_due(*, now: datetime | None = None) -> dict[int, str]:
    """Close every live campaign past its deadline; each in its own transaction."""
    now = now or timezone.now()
    results = {}
    for cid in Campaign.objects.filter(status=S.LIVE, deadline__lte=now).values_list("pk", flat=True):
        outcome = campaign_close(campaign_id=cid, now=now)
        if outcome:
            results[cid] = outcome
    return results


def campaign_follow(*, user: User, campaign_id: int, follow: bool = True) -> bool:
    """Follow (关注) or unfollow a campaign. Returns whether the person now follows it."""
    permissions.require(user, "campaign.follow")
    campaign = Campaign.objects.filter(pk=campaign_id).exclude(status__in=[S.DRAFT, S.IN_REVIEW]).first()
    if campaign is None:
        raise NotFound(_("找不到这个众筹行动。"))
    if follow:
        CampaignFollow.objects.get_or_create(campaign=campaign, user=user)
    else:
        CampaignFollow.objects.filter(campaign=campaign, user=user).delete()
    return follow


def progress_update_post(
    *, actor: User, campaign_id: int, body: str, photos: Iterable[UploadedFile] = ()
) -> ProgressUpdate:
    """An organiser posts a progress report; followers are notified by a task after commit."""
    from .tasks import notify_followers

    photos = list(photos)
    if not (body or "").strip():
        raise _invalid("body", _("请写下这次的进展。"))
    if len(photos) > 9:
        raise _invalid("photos", _("一次最多上传 9 张照片。"))
    for photo in photos:
        check_image(photo, "photos")
    with transaction.atomic():
        campaign = _campaign_for_update(campaign_id)
        permissions.require(actor, "campaign.manage", campaign, _("只有本行动所属社区的社区工作者可以发布进展。"))
        if campaign.status in (S.DRAFT, S.CANCELLED):
            raise Conflict(_("行动上线后才能发布进展。"), code="not_live")
        update = ProgressUpdate.objects.create(campaign=campaign, author=actor, body=body.strip())
        for photo in photos:
            UpdatePhoto.objects.create(update=update, image=photo)
        publish(f"campaign.{campaign.pk}", "update", {"campaign": campaign.pk, "update": update.pk})
        notify_followers.delay_on_commit(update.pk)
    return update


def followers_notify(*, update_id: int) -> int:
    """Send an in-app notification about a progress update to every follower."""
    update = ProgressUpdate.objects.select_related("campaign").filter(pk=update_id).first()
    if update is None:
        return 0
    campaign = update.campaign
    sent = 0
    with transaction.atomic():
        for follow in (
            CampaignFollow.objects.select_related("user").filter(campaign=campaign).exclude(user=update.author_id)
        ):
            with translation.override(follow.user.preferred_language):
                title = _("“%(title)s”有新进展") % {"title": campaign.title}
            _notify(
                follow.user, kind="campaign_update", title=title, body=update.body[:200],
                url=f"/campaigns/{campaign.pk}/#update-{update.pk}",
            )  # fmt: skip
            sent += 1
    return sent


# --- needs and shifts ---------------------------------------------------------------------------


def _editable_campaign(actor: User, campaign_id: int) -> Campaign:
    campaign = _campaign_for_update(campaign_id)
    permissions.require(actor, "campaign.manage", campaign, _("只有本行动所属社区的社区工作者可以编辑需求。"))
    if campaign.status not in EDITABLE:
        raise Conflict(_("行动上线后不能再修改需求。"), code="not_editable")
    return campaign


def _check_need(*, dimension: str, title: str, target: Any) -> None:
    errors: dict[str, list[str]] = {}
    if dimension not in Dimension.values:
        errors["dimension"] = [_("请选择维度。")]
    if not (title or "").strip():
        errors["title"] = [_("请填写需求名称。")]
    if not isinstance(target, int) or isinstance(target, bool) or target <= 0:
        errors["target"] = [_("目标必须是大于 0 的整数。")]
    if errors:
        raise ApplicationError(_("请检查填写的内容。"), fields=errors)


def need_create(
    *,
    actor: User,
    campaign_id: int,
    dimension: str,
    title: str,
    target: int,
    unit: str = "",
    description: str = "",
    required: bool = True,
    allow_over_pledge: bool = False,
    skills: str = "",
) -> Need:
    """Add a need. Money targets are in fen; people targets in person-shifts (人次)."""
    _check_need(dimension=dimension, title=title, target=target)
    with transaction.atomic():
        campaign = _editable_campaign(actor, campaign_id)
        position = campaign.needs.count()
        return Need.objects.create(
            campaign=campaign,
            dimension=dimension,
            title=title.strip()[:120],
            target=target,
            unit=(unit or "").strip()[:20] or _default_unit(dimension),
            description=(description or "").strip(),
            required=required,
            allow_over_pledge=allow_over_pledge,
            skills=(skills or "").strip()[:200],
            position=position,
        )


def _default_unit(dimension: str) -> str:
    return {
        Dimension.PROJECT: _("份方案"),
        Dimension.IDEA: _("条建议"),
        Dimension.RESOURCE: _("件"),
        Dimension.MONEY: _("分"),
        Dimension.PEOPLE: _("人次"),
    }[dimension]


def need_update(*, actor: User, need_id: int, **fields: Any) -> Need:
    allowed = {"title", "target", "unit", "description", "required", "allow_over_pledge", "skills"}
    unknown = set(fields) - allowed
    if unknown:
        raise ApplicationError(_("不能修改这些字段：%(f)s") % {"f": ", ".join(sorted(unknown))})
    with transaction.atomic():
        need = Need.objects.filter(pk=need_id).first()
        if need is None:
            raise NotFound(_("找不到这项需求。"))
        _editable_campaign(actor, need.campaign_id)
        _check_need(
            dimension=need.dimension, title=fields.get("title", need.title), target=fields.get("target", need.target)
        )
        for k, v in fields.items():
            setattr(need, k, v.strip() if isinstance(v, str) else v)
        need.save()
    return need


def need_delete(*, actor: User, need_id: int) -> None:
    with transaction.atomic():
        need = Need.objects.filter(pk=need_id).first()
        if need is None:
            raise NotFound(_("找不到这项需求。"))
        _editable_campaign(actor, need.campaign_id)
        if need.pledges.exists():
            raise Conflict(_("这项需求已有认筹，不能删除。"), code="has_pledges")
        need.shifts.all().delete()
        need.delete()


def shift_create(
    *,
    actor: User,
    need_id: int,
    starts_at: datetime,
    ends_at: datetime,
    capacity: int,
    place: str = "",
    now: datetime | None = None,
) -> Shift:
    """Add a time slot to a people need. Allowed until the campaign is delivered."""
    now = now or timezone.now()
    with transaction.atomic():
        need = Need.objects.select_related("campaign").filter(pk=need_id).first()
        if need is None:
            raise NotFound(_("找不到这项需求。"))
        permissions.require(actor, "campaign.manage", need.campaign, _("只有本行动所属社区的社区工作者可以安排班次。"))
        if need.dimension != Dimension.PEOPLE:
            raise _invalid("need", _("只有“筹人才”的需求可以安排班次。"))
        if need.campaign.status in (S.COMPLETED, S.CANCELLED, S.FAILED):
            raise Conflict(_("这个行动已结束，不能再安排班次。"), code="closed")
        errors: dict[str, list[str]] = {}
        if starts_at is None or starts_at <= now:
            errors["starts_at"] = [_("班次开始时间必须在将来。")]
        if ends_at is None or (starts_at is not None and ends_at <= starts_at):
            errors["ends_at"] = [_("结束时间必须晚于开始时间。")]
        if not isinstance(capacity, int) or capacity <= 0:
            errors["capacity"] = [_("人数必须大于 0。")]
        if errors:
            raise ApplicationError(_("请检查填写的内容。"), fields=errors)
        return Shift.objects.create(
            need=need, starts_at=starts_at, ends_at=ends_at, capacity=capacity, place=place.strip()[:120]
        )


# --- pledges ------------------------------------------------------------------------------------


def refuse_unknown_fields(need: Need, unknown: set[str]) -> None:
    """A pledge to `need` sent fields its dimension does not take: a 400 naming them."""
    if unknown:
        msg = _("“%(dim)s”的认筹不接受这些字段：%(f)s") % {
            "dim": need.get_dimension_display(),
            "f": ", ".join(sorted(unknown)),
        }
        raise ApplicationError(msg, fields={f: [msg] for f in sorted(unknown)})


_TEXT_LIMITS = {"summary": 200, "carried_by": 120, "body": 5000}


def _check_pledge_input(
    need: Need, *, quantity: Any, amount_fen: Any, currency: Any, anonymous: Any, fields: dict[str, Any]
) -> dict[str, Any]:
    """Validate a pledge's input for its need's dimension, as sent (JSON types: numbers are
    integers, `anonymous` a boolean, texts strings); returns the model field values."""
    dim = need.dimension
    refuse_unknown_fields(need, set(fields) - DIMENSION_FIELDS[dim])
    if not _is_int(quantity) or quantity <= 0:
        raise _invalid("quantity", _("数量必须是大于 0 的整数。"))
    if not isinstance(anonymous, bool):
        raise _invalid("anonymous", _("“匿名”只能是 true 或 false。"))
    texts = {}
    for name, limit in _TEXT_LIMITS.items():
        text = fields.get(name)
        if text is None:
            text = ""
        if not isinstance(text, str):
            raise _invalid(name, _("这里要填写文字。"))
        if len(text.strip()) > limit:
            raise _invalid(name, _("最多 %(n)s 个字。") % {"n": limit})
        texts[name] = text.strip()
    values: dict[str, Any] = {"quantity": quantity, "body": texts["body"]}
    if dim == Dimension.MONEY:
        if not _is_int(amount_fen) or amount_fen <= 0:
            raise _invalid("amount_fen", _("金额必须大于 0。"))
        if not isinstance(currency, str) or currency.lower() != need.currency:
            raise _invalid("currency", _("币种不正确。"))
        if quantity != 1:
            raise _invalid("quantity", _("资金认筹不需要填写数量。"))
        values.update(amount_fen=amount_fen, currency=need.currency)
        return values
    if amount_fen is not None:
        raise _invalid("amount_fen", _("只有“筹资金”的需求可以填写金额。"))
    if dim in (Dimension.PROJECT, Dimension.IDEA, Dimension.PEOPLE) and quantity != 1:
        raise _invalid("quantity", _("每次认筹只能提交一份。"))
    if dim == Dimension.PROJECT:
        errors = {}
        for f, msg in (
            ("summary", _("请用一句话概括方案。")),
            ("body", _("请写下方案的具体做法。")),
            ("carried_by", _("请写明由谁来实施。")),
        ):
            if not texts[f]:
                errors[f] = [msg]
        budget = fields.get("budget_fen")
        if budget is not None and (not _is_int(budget) or budget < 0):
            errors["budget_fen"] = [_("预算不能为负数。")]
        if errors:
            raise ApplicationError(_("请检查填写的内容。"), fields=errors)
        values.update(summary=texts["summary"], carried_by=texts["carried_by"], budget_fen=budget)
    elif dim == Dimension.IDEA:
        if not values["body"]:
            raise _invalid("body", _("请写下您的建议。"))
        values["summary"] = texts["summary"]
    elif dim == Dimension.RESOURCE:
        value = fields.get("estimated_value_fen")
        if value is not None and (not _is_int(value) or value < 0):
            raise _invalid("estimated_value_fen", _("估值不能为负数。"))
        values["estimated_value_fen"] = value
    elif dim == Dimension.PEOPLE:
        shift_id = fields.get("shift_id")
        if shift_id is None:
            raise _invalid("shift_id", _("请选择要报名的班次。"))
        if not _is_int(shift_id) or shift_id <= 0:
            raise _invalid("shift_id", _("找不到这个班次。"))
        values["shift_id"] = shift_id
    return values


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _pledge_window_error(campaign: Campaign, now: datetime) -> ApplicationError | None:
    if campaign.status != S.LIVE or campaign.deadline <= now:
        return Conflict(_("这个行动现在不接受认筹。"), code="campaign_closed")
    if campaign.starts_at > now:
        return Conflict(_("这个行动还没有开始接受认筹。"), code="not_started")
    return None


def pledge_create(
    *,
    user: User,
    need: Need,
    quantity: int = 1,
    amount_fen: int | None = None,
    currency: str = "cny",
    anonymous: bool = False,
    idempotency_key: str = "",
    online_payment: bool = False,
    **dimension_fields: Any,
) -> Pledge:
    """Pledge to a need of a live campaign (认筹). Money pledges start pending (source "online",
    confirmed by the payment); other pledges start pending for an organiser to confirm.

    A money pledge only exists with a payment behind it: the funding app creates it with
    `online_payment=True` as it starts the payment; anyone else is sent to the giving page
    (organisers record cash with `pledge_record_offline`).

    Dimension fields: project `summary`, `body` (plan), `carried_by`, `budget_fen`; idea `body`,
    `summary`; resource `estimated_value_fen`, `body`; people `shift_id`, `body`.

    The same `idempotency_key` from the same user returns the first pledge (also when both
    requests arrive at once): the unique constraint on (user, key) decides, so a new key costs no
    look-up and a repeat finds the first row after its INSERT fails.
    """
    permissions.require(user, "campaign.pledge", None)
    if need.dimension == Dimension.MONEY and not online_payment:
        raise Conflict(
            _("捐款请在“我要捐款”页面在线支付（或交给社区工作者登记现金）。"),
            code="use_online_giving",
        )
    key = (idempotency_key or "").strip()
    if len(key) > 64:
        raise _invalid("idempotency_key", _("Idempotency-Key 太长（最多 64 个字符）。"))
    now = timezone.now()
    values = _check_pledge_input(
        need, quantity=quantity, amount_fen=amount_fen, currency=currency, anonymous=anonymous, fields=dimension_fields
    )
    value = values["amount_fen"] if need.dimension == Dimension.MONEY else values["quantity"]
    source = Pledge.Source.ONLINE if need.dimension == Dimension.MONEY else Pledge.Source.RESIDENT
    one_statement = _one_statement(values) and not connection.in_atomic_block
    try:
        # One statement in autocommit mode is atomic by itself; anything else gets a transaction
        # (a savepoint inside the caller's), so a refused pledge leaves nothing behind.
        with nullcontext() if one_statement else transaction.atomic():
            pledge = _pledge_insert(
                need=need, user=user, value=value, values=values, anonymous=anonymous, key=key, source=source, now=now
            )
        pledge.created_now = True
    except IntegrityError as exc:
        if key:
            existing = _pledge_by_key(user, key)
            if existing is not None:
                existing.user = user
                return _same_request(existing, need)
        if values.get("shift_id"):
            raise Conflict(_("您已经报名了这个班次。"), code="already_signed_up") from exc
        raise Conflict(_("操作与当前数据冲突，请刷新后重试。")) from exc
    return pledge


_LABELS: dict[tuple[str | None, str], str] = {}


def _dimension_label(dimension: str) -> str:
    """A dimension's name in the active language (remembered: it is in every pledge message)."""
    key = (translation.get_language(), dimension)
    label = _LABELS.get(key)
    if label is None:
        label = _LABELS[key] = str(Dimension(dimension).label)
    return label


def _pledge_by_key(user: User, key: str) -> Pledge | None:
    """The pledge this person already made with this key."""
    return Pledge.objects.filter(user=user, idempotency_key=key).order_by().first()


def _same_request(existing: Pledge, need: Need) -> Pledge:
    if existing.need_id != need.pk:
        raise Conflict(_("这个 Idempotency-Key 已用于另一项认筹。"), code="idempotency_key_reused")
    existing.need = need  # the same row: no second read for the response
    return existing


def _one_statement(values: dict[str, Any]) -> bool:
    """Whether the pledge is written by one statement (PostgreSQL, no shift seat to take)."""
    return connection.vendor == "postgresql" and not values.get("shift_id")


def _pledge_insert(
    *,
    need: Need,
    user: User | None,
    value: int,
    values: dict[str, Any],
    anonymous: bool,
    key: str,
    source: str,
    now: datetime,
    status: str = P.PENDING,
    extra: dict[str, Any] | None = None,
) -> Pledge:
    """Take a shift seat, take room on the need and insert the pledge: inside atomic(), or in
    autocommit mode when `_one_statement` (then the room and the row are one statement).

    `need` may carry only its fixed facts (`selectors.need_to_pledge`): everything that can
    change is read and checked by `_take_room`. A repeated idempotency key fails at the INSERT
    and nothing is kept; a refused room check inserts nothing."""
    confirmed = value if status in (P.CONFIRMED, P.FULFILLED) else 0
    fulfilled = value if status == P.FULFILLED else 0
    pledge = Pledge(
        need=need,
        campaign_id=need.campaign_id,
        user=user,
        status=status,
        source=source,
        anonymous=anonymous,
        idempotency_key=key,
        confirmed_at=now if confirmed else None,
        fulfilled_at=now if fulfilled else None,
        **values,
        **(extra or {}),
    )
    shift_id = values.get("shift_id")
    if shift_id:
        taken = Shift.objects.filter(pk=shift_id, need=need, starts_at__gt=now, signed_up__lt=F("capacity")).update(
            signed_up=F("signed_up") + 1
        )
        if not taken:
            shift = Shift.objects.filter(pk=shift_id, need=need).first()
            if shift is None:
                raise _invalid("shift_id", _("找不到这个班次。"))
            if shift.starts_at <= now:
                raise _invalid("shift_id", _("这个班次已经开始或结束，不能再报名。"))
            raise Conflict(
                _("这个班次已经报满了。"), code="shift_full", fields={"shift_id": [_("这个班次已经报满了。")]}
            )
    counters = _take_room(
        pledge,
        need=need,
        value=value,
        confirmed=confirmed,
        fulfilled=fulfilled,
        now=now,
        one_statement=_one_statement(values),
    )
    if counters is None:
        _refuse_pledge(need, now)
    if anonymous:
        name = str(_("匿名"))
    elif user is not None:
        name = user.name
    else:
        name = (extra or {}).get("contributor_name") or str(_("匿名"))
    pledge_message = {
        "name": name,
        "dimension_label": _dimension_label(need.dimension),
        "need_title": counters["title"],
        "quantity": value,
        **_progress_payload(need, counters),
    }
    queue = {"campaign": need.campaign_id, "pledge": pledge.pk, "status": status}
    community_ids = getattr(need, "community_ids", None)
    if community_ids is None:
        community_ids = _community_ids(need.campaign)
    publish_many(
        [
            (f"campaign.{need.campaign_id}", "pledge", pledge_message),
            *((f"organiser.{cid}", "pledge_queue", queue) for cid in community_ids),
        ]
    )
    return pledge


_ROOM_RETURNS = (*PROGRESS_FIELDS, "title")
_PLEDGE_SQL: dict[str, tuple[list[Any], str, str, str]] = {}


def _pledge_sql() -> tuple[list[Any], str, str, str]:
    """The pledge write's statements for this database, built once per process: the pledge
    fields an INSERT writes (as the ORM's own INSERT picks them; with their attribute names and
    `_insert_params`'s kinds), the need's guarded counter
    UPDATE, the INSERT, and (PostgreSQL) both as one statement. Table and column names come from
    the models; every value is a parameter."""
    found = _PLEDGE_SQL.get(connection.vendor)
    if found is not None:
        return found
    qn = connection.ops.quote_name
    meta = Pledge._meta
    fields = [f for f in meta.local_concrete_fields if f is not meta.auto_field and not f.generated]
    need_table, campaign_table, pledge_table = (qn(m._meta.db_table) for m in (Need, Campaign, Pledge))
    columns = ", ".join(qn(f.column) for f in fields)
    update = (
        f"UPDATE {need_table} SET pledged_total = pledged_total + %s, pledge_count = pledge_count + 1,"  # noqa: S608
        " confirmed_total = confirmed_total + %s, fulfilled_total = fulfilled_total + %s"
        " WHERE id = %s AND campaign_id = %s AND dimension = %s"
        " AND (allow_over_pledge OR pledged_total + %s <= target)"
        # The campaign's window as a scalar subquery on the known id: planned as a one-off
        # filter, where a correlated EXISTS is planned as a join on every pledge.
        f" AND (SELECT c.status = %s AND c.starts_at <= %s AND c.deadline > %s FROM {campaign_table} c WHERE c.id = %s)"
        f" RETURNING {', '.join(_ROOM_RETURNS)}"
    )
    insert = f"INSERT INTO {pledge_table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))}) RETURNING id"  # noqa: S608
    # INSERT … SELECT needs each value's type; character types are cast without their length,
    # so a value too long fails at the INSERT as it would with VALUES instead of being cut short.
    typed = ", ".join(f"CAST(%s AS {_cast_type(f)})" for f in fields)
    both = (
        f"WITH room AS ({update}), made AS (INSERT INTO {pledge_table} ({columns})"  # noqa: S608
        f" SELECT {typed} FROM room RETURNING id) SELECT made.id, room.* FROM made, room"
    )
    columns_out = [(f, f.attname, _plain_kind(f)) for f in fields]
    found = _PLEDGE_SQL[connection.vendor] = (columns_out, update, insert, both)
    return found


# Field kinds whose prepared value is the attribute itself when it already has the kind's type.
_PLAIN_KINDS: tuple[tuple[type, type], ...] = (
    (models.ForeignKey, int),
    (models.BooleanField, bool),
    (models.IntegerField, int),  # and its Big / Positive subclasses
    (models.CharField, str),
    (models.TextField, str),
)


def _plain_kind(field: Any) -> type | None:
    return next((t for cls, t in _PLAIN_KINDS if isinstance(field, cls)), None)


def _insert_params(obj: Any, fields: list[tuple[Any, str, type | None]], db: Any) -> list[Any]:
    """The values an INSERT of `obj` writes to `fields` ((field, attname, plain kind) each, from
    `_pledge_sql`), what the ORM's INSERT would send: an integer, boolean or text attribute that
    already has its field's type (or is None) is sent as it is, anything else is prepared by its
    field (pre_save: defaults, auto_now_add, files; get_db_prep_save: conversions). Preparing
    thirty fields one by one was a measurable part of a pledge."""
    params = []
    for f, attname, kind in fields:
        if kind is not None:
            value = getattr(obj, attname)
            if value is None or type(value) is kind:
                params.append(value)
                continue
        params.append(f.get_db_prep_save(f.pre_save(obj, True), db))
    return params


def _prepared_cursor(db: Any) -> Any:
    """A cursor (with Django's execute wrappers) whose statements are bound server-side and
    prepared: the connection parses and plans the pledge write once and then reuses the plan
    (PostgreSQL; settings set psycopg's prepare_threshold)."""
    global _PREPARED_CURSOR
    if _PREPARED_CURSOR is None:
        from django.db.backends.postgresql.base import ServerBindingCursor

        class PreparedCursor(ServerBindingCursor):
            def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
                return super().execute(query, params, prepare=True)

        _PREPARED_CURSOR = PreparedCursor
    if db.queries_logged:
        # Debug logging (DEBUG, tests capturing queries) shows the SQL Django's own cursor
        # sends; a server-bound statement leaves it nothing to show. Same statement, unprepared.
        return db.cursor()
    db.ensure_connection()
    return db.make_cursor(_PREPARED_CURSOR(db.connection))


_PREPARED_CURSOR: Any = None


def _cast_type(field: Any) -> str:
    cast = field.cast_db_type(connection)
    return "varchar" if cast.startswith("varchar") else cast


def _take_room(
    pledge: Pledge, *, need: Need, value: int, confirmed: int, fulfilled: int, now: datetime, one_statement: bool
) -> dict[str, Any] | None:
    """Add `pledge` (of `value`) to its need's counters and insert it, when the need still is
    what `need` says (campaign, dimension), its campaign takes pledges at `now` and, unless the
    need allows over-pledging, the target has room. Returns the need's new counters and title,
    or None when the guard refused.

    The counter UPDATE is one conditional statement with RETURNING (the ORM's update() returns
    nothing). With `one_statement` (PostgreSQL) the INSERT goes in the same statement, fed by
    the UPDATE's row: a pledge costs one round trip, the hot row is locked only for that
    statement and its COMMIT, and a refusal writes nothing. Otherwise the INSERT comes first and
    the UPDATE last, in the caller's transaction, which rolls the row back on a refusal. Column
    values are prepared by each field as the ORM's INSERT prepares them (defaults,
    auto_now_add, files)."""
    db = connections[DEFAULT_DB_ALIAS]  # once: each use of the `connection` proxy is a look-up
    fields, update, insert, both = _pledge_sql()
    at = db.ops.adapt_datetimefield_value(now)
    update_params = [
        *(value, confirmed, fulfilled),
        *(need.pk, need.campaign_id, need.dimension, value),
        *(S.LIVE, at, at, need.campaign_id),
    ]
    params = _insert_params(pledge, fields, db)
    with _prepared_cursor(db) if one_statement else db.cursor() as cursor:
        if one_statement:
            cursor.execute(both, [*update_params, *params])
            row = cursor.fetchone()
            if row is None:
                return None
            pk, counters = row[0], row[1:]
        else:
            cursor.execute(insert, params)
            (pk,) = cursor.fetchone()
            cursor.execute(update, update_params)
            counters = cursor.fetchone()
            if counters is None:
                return None
    pledge.pk = pk
    pledge._state.adding, pledge._state.db = False, db.alias
    return dict(zip(_ROOM_RETURNS, counters, strict=True))


def _refuse_pledge(need: Need, now: datetime) -> None:
    """Why the need took no more: gone, changed, the campaign's window, or the target."""
    fresh = Need.objects.select_related("campaign").filter(pk=need.pk).first()
    if fresh is None:
        forget_need(need.pk)
        raise NotFound(_("找不到这项需求。"))
    if (fresh.campaign_id, fresh.dimension) != (need.campaign_id, need.dimension):
        forget_need(need.pk)
        raise Conflict(_("操作与当前数据冲突，请刷新后重试。"))
    err = _pledge_window_error(fresh.campaign, now)
    if err:
        raise err
    remaining = max(0, fresh.target - fresh.pledged_total)
    raise Conflict(
        _("认筹已超过目标：还差 %(remaining)s %(unit)s。") % {"remaining": remaining, "unit": fresh.unit},
        code="target_reached",
        fields={
            "quantity" if need.dimension != Dimension.MONEY else "amount_fen": [_("还差 %(r)s。") % {"r": remaining}]
        },
    )


def pledge_record_offline(
    *,
    actor: User,
    need_id: int,
    amount_fen: int,
    evidence: UploadedFile,
    contributor_name: str = "",
    anonymous: bool = False,
    note: str = "",
) -> Pledge:
    """An organiser records a cash / offline money contribution (线下捐款) with a receipt photo.
    The money is in hand, so the pledge is stored fulfilled; after commit `offline_pledge_recorded`
    lets matching pools add to it."""
    need = Need.objects.select_related("campaign").filter(pk=need_id).first()
    if need is None:
        raise NotFound(_("找不到这项需求。"))
    permissions.require(actor, "campaign.manage", need.campaign, _("只有本行动所属社区的社区工作者可以登记线下捐款。"))
    if need.dimension != Dimension.MONEY:
        raise _invalid("need", _("只有“筹资金”的需求可以登记线下捐款。"))
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or amount_fen <= 0:
        raise _invalid("amount_fen", _("金额必须大于 0。"))
    if amount_fen > settings.FUNDING_MAX_PLEDGE_FEN:
        raise _invalid(
            "amount_fen",
            _("单笔线下捐款不能超过 %(max)s 元。") % {"max": settings.FUNDING_MAX_PLEDGE_FEN // 100},
        )
    if evidence is None:
        raise _invalid("evidence", _("请上传收据照片。"))
    check_image(evidence, "evidence")
    name = (contributor_name or "").strip()[:50]
    if not name and not anonymous:
        raise _invalid("contributor_name", _("请填写捐赠人姓名，或选择匿名。"))
    with transaction.atomic():
        pledge = _pledge_insert(
            need=need,
            user=None,
            value=amount_fen,
            values={"quantity": 1, "amount_fen": amount_fen, "currency": need.currency, "body": (note or "").strip()},
            anonymous=anonymous,
            key="",
            source=Pledge.Source.OFFLINE,
            now=timezone.now(),
            status=P.FULFILLED,
            extra={"contributor_name": name, "recorded_by": actor, "evidence": evidence},
        )
        pid, cid = pledge.pk, pledge.campaign_id
        transaction.on_commit(lambda: offline_pledge_recorded.send(sender=Pledge, pledge_id=pid, campaign_id=cid))
    return pledge


def _pledge_for_update(pledge_id: int) -> Pledge:
    pledge = Pledge.objects.select_for_update().filter(pk=pledge_id).first()
    if pledge is None:
        raise NotFound(_("找不到这条认筹。"))
    pledge.need = Need.objects.get(pk=pledge.need_id)
    pledge.campaign = Campaign.objects.get(pk=pledge.campaign_id)
    return pledge


def _is_online_money(pledge: Pledge) -> bool:
    return pledge.source == Pledge.Source.ONLINE and pledge.need.dimension == Dimension.MONEY


def _refuse_online_money(pledge: Pledge, *, by_pledger: bool) -> None:
    """Online money follows its payment: a person may not cancel or reject it while Stripe may
    still take the money. Paid money comes back only as a refund (funding's payment page)."""
    if not _is_online_money(pledge):
        return
    if pledge.status != P.PENDING:
        # Confirmed online money is held, saved to be charged at close, or already taken.
        message = (
            _(
                "这笔在线捐款要在它的支付页面处理：尚未扣款的可以点击“撤回这笔捐款”；已扣款的请联系本行动的社区工作者申请退款。"
            )
            if by_pledger
            else _("已确认的在线捐款只能在支付页面退款。")
        )
        raise Conflict(message, code="needs_refund")
    if by_pledger:
        message = _(
            "在线捐款不能在这里取消：尚未扣款时，请在这笔捐款的支付页面点击“撤回这笔捐款”；"
            "支付未成功会自动撤销；已扣款的，请联系本行动的社区工作者申请退款。"
        )
    else:
        message = _("在线捐款正在支付中，不能拒绝：支付未成功会自动撤销；支付成功后如需退回，请在支付页面办理退款。")
    raise Conflict(message, code="settled_by_payment")


def _release(pledge: Pledge, to: str, reason: str) -> None:
    """Take an active pledge out of the counts (cancel, reject, drop, refund)."""
    was = pledge.status
    v = pledge.value
    _bump(
        pledge.need_id,
        pledged=-v,
        confirmed=-v if was in (P.CONFIRMED, P.FULFILLED) else 0,
        fulfilled=-pledge_fulfilled_value(pledge) if was == P.FULFILLED else 0,
        count=-1,
        minutes=-pledge.minutes_served if was == P.FULFILLED else 0,
    )
    if pledge.shift_id:
        Shift.objects.filter(pk=pledge.shift_id, signed_up__gt=0).update(signed_up=F("signed_up") - 1)
    pledge.status = to
    pledge.reason = (reason or "").strip()[:300]
    pledge.save(update_fields=["status", "reason", "updated_at"])
    if pledge.source == Pledge.Source.OFFLINE:
        pid, cid = pledge.pk, pledge.campaign_id
        transaction.on_commit(lambda: offline_pledge_withdrawn.send(sender=Pledge, pledge_id=pid, campaign_id=cid))
    _announce_progress(pledge.need)
    _notify_organisers(pledge.campaign, "pledge_queue", {"pledge": pledge.pk, "status": to})


def pledge_fulfilled_value(pledge: Pledge) -> int:
    """What a fulfilled pledge added to `fulfilled_total`."""
    if pledge.need.dimension == Dimension.MONEY:
        return int(pledge.amount_fen or 0)
    if pledge.need.dimension == Dimension.RESOURCE:
        return int(pledge.received_quantity if pledge.received_quantity is not None else pledge.quantity)
    return int(pledge.quantity)


def pledge_confirm(*, actor: User | None, pledge_id: int, source: str = "organiser") -> Pledge:
    """Confirm a pending pledge. `source="organiser"`: an organiser of the campaign confirms a
    resource, people, idea or project pledge (or an offline money one). `source="payment"`: the
    payment provider secured the money (actor may be None); only for money pledges."""
    if source not in ("organiser", "payment"):
        raise ApplicationError(_("确认来源不正确。"))
    with transaction.atomic():
        pledge = _pledge_for_update(pledge_id)
        money = pledge.need.dimension == Dimension.MONEY
        if source == "payment":
            if not money:
                raise Conflict(_("只有资金认筹由支付确认。"), code="not_money")
        else:
            permissions.require(actor, "pledge.manage", pledge, _("只有本行动所属社区的社区工作者可以确认认筹。"))
            if money and pledge.source == Pledge.Source.ONLINE:
                raise Conflict(_("在线支付的认筹由支付结果自动确认。"), code="confirmed_by_payment")
            if pledge.campaign.status not in (S.LIVE, S.SUCCEEDED, S.DELIVERING):
                raise Conflict(_("这个行动现在不能确认认筹。"), code="campaign_closed")
        if pledge.status != P.PENDING:
            if pledge.status == P.CONFIRMED:
                return pledge
            raise Conflict(
                _("这条认筹已是“%(s)s”，不能确认。") % {"s": pledge.get_status_display()}, code="wrong_status"
            )
        _bump(pledge.need_id, confirmed=pledge.value)
        pledge.status = P.CONFIRMED
        pledge.confirmed_at = timezone.now()
        pledge.save(update_fields=["status", "confirmed_at", "updated_at"])
        _announce_progress(pledge.need)
        _notify_organisers(pledge.campaign, "pledge_queue", {"pledge": pledge.pk, "status": pledge.status})
        if pledge.user_id and source == "organiser":
            with translation.override(pledge.user.preferred_language):
                title = _("您对“%(need)s”的认筹已确认") % {"need": pledge.need.title}
            _notify(pledge.user, kind="pledge_confirmed", title=title, url=f"/campaigns/{pledge.campaign_id}/")
    return pledge


def pledge_reject(*, actor: User, pledge_id: int, reason: str) -> Pledge:
    """An organiser declines a pending or confirmed pledge (未采纳), with a reason for the pledger.
    Confirmed online money is returned through the funding app's refund instead."""
    reason = (reason or "").strip()
    if not reason:
        raise _invalid("reason", _("请写明原因，方便认筹人了解。"))
    with transaction.atomic():
        pledge = _pledge_for_update(pledge_id)
        permissions.require(actor, "pledge.manage", pledge, _("只有本行动所属社区的社区工作者可以处理认筹。"))
        if pledge.status in (P.PENDING, P.CONFIRMED, P.FULFILLED):
            _refuse_online_money(pledge, by_pledger=False)
        if pledge.status not in (P.PENDING, P.CONFIRMED):
            raise Conflict(
                _("这条认筹已是“%(s)s”，不能拒绝。") % {"s": pledge.get_status_display()}, code="wrong_status"
            )
        _release(pledge, P.REJECTED, reason)
        if pledge.user_id:
            with translation.override(pledge.user.preferred_language):
                title = _("您对“%(need)s”的认筹未被采纳") % {"need": pledge.need.title}
            _notify(pledge.user, kind="pledge_rejected", title=title, body=reason, url="/campaigns/my-pledges/")
    return pledge


def pledge_cancel(*, actor: User, pledge_id: int) -> Pledge:
    """The pledger withdraws a pending pledge (not online money: its payment decides)."""
    with transaction.atomic():
        pledge = _pledge_for_update(pledge_id)
        permissions.require(actor, "pledge.cancel", pledge, _("只能取消自己的认筹。"))
        if pledge.status in (P.PENDING, P.CONFIRMED, P.FULFILLED):
            _refuse_online_money(pledge, by_pledger=True)
        if pledge.status != P.PENDING:
            raise Conflict(_("只有待确认的认筹可以取消。"), code="wrong_status")
        _release(pledge, P.CANCELLED, "")
    return pledge


def pledge_drop(*, pledge_id: int, reason: str) -> Pledge:
    """The payment for a money pledge failed for good: the pledge is cancelled and its amount
    leaves the need's counters. Accepts a pending pledge, or a confirmed (or fulfilled) online
    money pledge whose charge at campaign close failed (its pledged, confirmed and fulfilled totals
    are reversed). Only the funding app calls this: it alone knows the charge failed."""
    with transaction.atomic():
        pledge = _pledge_for_update(pledge_id)
        if pledge.status in (P.CANCELLED, P.REJECTED):
            return pledge
        unpaid_online_money = pledge.status in (P.CONFIRMED, P.FULFILLED) and _is_online_money(pledge)
        if pledge.status != P.PENDING and not unpaid_online_money:
            raise Conflict(_("只有待确认的认筹或未扣款成功的在线捐款可以撤销。"), code="wrong_status")
        # Stored in the source language (pages translate it), whatever language this runs in.
        _release(pledge, P.CANCELLED, reason or gettext_noop("支付未成功"))
    return pledge


def pledge_mark_refunded(*, pledge_id: int, reason: str) -> Pledge:
    """The funding app returned the money of a confirmed (or fulfilled) money pledge."""
    with transaction.atomic():
        pledge = _pledge_for_update(pledge_id)
        if pledge.need.dimension != Dimension.MONEY:
            raise Conflict(_("只有资金认筹可以退款。"), code="not_money")
        if pledge.status == P.REFUNDED:
            return pledge
        if pledge.status not in (P.CONFIRMED, P.FULFILLED):
            raise Conflict(_("这条认筹还没有付款，无需退款。"), code="wrong_status")
        _release(pledge, P.REFUNDED, reason)
        if pledge.user_id:
            with translation.override(pledge.user.preferred_language):
                title = _("您对“%(need)s”的捐款已退回") % {"need": pledge.need.title}
                # A reason the platform wrote is stored untranslated; a person's own words stay as typed.
                body = _(reason) if reason else ""
            _notify(pledge.user, kind="pledge_refunded", title=title, body=body, url="/campaigns/my-pledges/")
    return pledge


def pledge_fulfil(
    *,
    actor: User,
    pledge_id: int,
    received_quantity: int | None = None,
    minutes_served: int | None = None,
    adopted: bool | None = None,
    source: str = "organiser",
) -> Pledge:
    """Record fulfilment (兑现): goods received (quantity), hours served, an idea adopted. A pending
    pledge is confirmed on the way.

    `source="organiser"`: an organiser of the campaign; never for online money. `source="payment"`:
    the funding app took the money of an online money pledge (captured or charged; actor may be
    None); a repeat returns the pledge unchanged."""
    if source not in ("organiser", "payment"):
        raise ApplicationError(_("确认来源不正确。"))
    with transaction.atomic():
        pledge = _pledge_for_update(pledge_id)
        dim = pledge.need.dimension
        if source == "payment":
            if not _is_online_money(pledge):
                raise Conflict(_("只有在线捐款由支付结果登记到账。"), code="not_online_money")
            if pledge.status == P.FULFILLED:
                return pledge
        else:
            permissions.require(actor, "pledge.manage", pledge, _("只有本行动所属社区的社区工作者可以登记兑现。"))
        if pledge.status not in (P.PENDING, P.CONFIRMED):
            raise Conflict(
                _("这条认筹已是“%(s)s”，不能登记兑现。") % {"s": pledge.get_status_display()}, code="wrong_status"
            )
        if source == "organiser":
            if _is_online_money(pledge):
                raise Conflict(_("在线捐款在扣款成功后由系统登记到账，不能手动标记兑现。"), code="fulfilled_by_payment")
            if pledge.campaign.status not in (S.LIVE, S.SUCCEEDED, S.DELIVERING):
                raise Conflict(_("这个行动现在不能登记兑现。"), code="campaign_closed")
        if received_quantity is not None:
            if dim != Dimension.RESOURCE:
                raise _invalid("received_quantity", _("只有“筹资源”可以登记实收数量。"))
            if not isinstance(received_quantity, int) or received_quantity < 0:
                raise _invalid("received_quantity", _("实收数量不能为负数。"))
            pledge.received_quantity = received_quantity
        if minutes_served is not None:
            if dim != Dimension.PEOPLE:
                raise _invalid("minutes_served", _("只有“筹人才”可以登记服务时长。"))
            if not isinstance(minutes_served, int) or minutes_served < 0 or minutes_served > 24 * 60:
                raise _invalid("minutes_served", _("服务时长应在 0 到 24 小时之间。"))
            pledge.minutes_served = minutes_served
        if dim == Dimension.IDEA:
            pledge.adopted = True if adopted is None else bool(adopted)
        was_pending = pledge.status == P.PENDING
        now = timezone.now()
        _bump(
            pledge.need_id,
            confirmed=pledge.value if was_pending else 0,
            fulfilled=pledge_fulfilled_value(pledge),
            minutes=pledge.minutes_served,
        )
        pledge.status = P.FULFILLED
        pledge.confirmed_at = pledge.confirmed_at or now
        pledge.fulfilled_at = now
        pledge.save()
        _announce_progress(pledge.need)
        _notify_organisers(pledge.campaign, "pledge_queue", {"pledge": pledge.pk, "status": pledge.status})
    return pledge


BULK_ACTIONS = ("confirm", "reject", "fulfil")


def pledges_bulk(*, actor: User, pledge_ids: list[int], action: str, reason: str = "") -> dict[str, Any]:
    """Confirm, reject or mark fulfilled many pledges; each in its own transaction so one refusal
    does not undo the others. Returns {"done": [ids], "refused": {id: message}}."""
    if action not in BULK_ACTIONS:
        raise _invalid("action", _("请选择操作。"))
    if not pledge_ids:
        raise _invalid("pledge_ids", _("请至少选择一条认筹。"))
    if len(pledge_ids) > 500:
        raise _invalid("pledge_ids", _("一次最多处理 500 条。"))
    if action == "reject" and not (reason or "").strip():
        raise _invalid("reason", _("请写明原因，方便认筹人了解。"))
    done, refused = [], {}
    for pid in dict.fromkeys(pledge_ids):
        try:
            if action == "confirm":
                pledge_confirm(actor=actor, pledge_id=pid)
            elif action == "reject":
                pledge_reject(actor=actor, pledge_id=pid, reason=reason)
            else:
                pledge_fulfil(actor=actor, pledge_id=pid)
        except ApplicationError as exc:
            refused[pid] = str(exc.message)
        else:
            done.append(pid)
    return {"done": done, "refused": refused}


def shift_sign(*, actor: User, pledge_id: int, event: str, at: datetime | None = None) -> Pledge:
    """Volunteer sign-in / sign-out (签到 / 签退) logged by an organiser. Sign-out records the
    minutes served and fulfils the signup."""
    at = at or timezone.now()
    if event not in ("in", "out"):
        raise _invalid("event", _("请选择签到或签退。"))
    with transaction.atomic():
        pledge = _pledge_for_update(pledge_id)
        permissions.require(actor, "pledge.manage", pledge, _("只有本行动所属社区的社区工作者可以登记签到。"))
        if not pledge.shift_id:
            raise Conflict(_("这条认筹不是班次报名。"), code="not_a_signup")
        if pledge.status not in (P.PENDING, P.CONFIRMED):
            raise Conflict(_("这条报名已是“%(s)s”。") % {"s": pledge.get_status_display()}, code="wrong_status")
        if event == "in":
            if pledge.signed_in_at:
                raise Conflict(_("已经签到过了。"), code="already_signed_in")
            pledge.signed_in_at = at
            pledge.save(update_fields=["signed_in_at", "updated_at"])
            return pledge
        if not pledge.signed_in_at:
            raise Conflict(_("请先签到。"), code="not_signed_in")
        if at <= pledge.signed_in_at:
            raise _invalid("at", _("签退时间必须晚于签到时间。"))
        pledge.signed_out_at = at
        pledge.save(update_fields=["signed_out_at", "updated_at"])
        minutes = int((at - pledge.signed_in_at).total_seconds() // 60)
    return pledge_fulfil(actor=actor, pledge_id=pledge_id, minutes_served=min(minutes, 24 * 60))


def idea_endorse(*, user: User, pledge_id: int) -> Pledge:
    """Endorse (点赞) an idea; one per person, not one's own."""
    with transaction.atomic():
        pledge = Pledge.objects.select_related("need").filter(pk=pledge_id).first()
        if pledge is None or pledge.need.dimension != Dimension.IDEA or pledge.status not in Pledge.ACTIVE:
            raise NotFound(_("找不到这条建议。"))
        permissions.require(user, "idea.endorse", pledge, _("不能给自己的建议点赞。"))
        try:
            with transaction.atomic():
                IdeaEndorsement.objects.create(pledge=pledge, user=user)
        except IntegrityError as exc:
            raise Conflict(_("您已经赞同过这条建议。"), code="already_endorsed") from exc
        Pledge.objects.filter(pk=pledge.pk).update(endorsement_count=F("endorsement_count") + 1)
        pledge.refresh_from_db(fields=["endorsement_count"])
        publish(
            f"campaign.{pledge.campaign_id}", "endorsement", {"pledge": pledge.pk, "count": pledge.endorsement_count}
        )
    return pledge


def proposals_to_ballot(
    *,
    actor: User,
    campaign_id: int,
    pledge_ids: list[int],
    question: str,
    opens_at: datetime,
    closes_at: datetime,
    method: str = "approval",
    **ballot_fields: Any,
) -> Any:
    """Shortlist project proposals into a ballot (voting.services.ballot_create) for the campaign's
    communities. Each option refers back to its proposal (ref_kind="proposal", ref_id=pledge id)."""
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None:
        raise NotFound(_("找不到这个众筹行动。"))
    permissions.require(actor, "campaign.manage", campaign, _("只有本行动所属社区的社区工作者可以发起方案投票。"))
    ids = list(dict.fromkeys(pledge_ids or []))
    proposals = list(
        Pledge.objects.filter(
            pk__in=ids, campaign=campaign, need__dimension=Dimension.PROJECT, status__in=Pledge.ACTIVE
        )
    )
    if len(ids) < 2 or len(proposals) != len(ids):
        raise _invalid("pledge_ids", _("请至少选择两份本行动的有效方案。"))
    try:
        from voting.services import ballot_create
    except ImportError as exc:
        raise ApplicationError(_("投票模块暂不可用。"), code="voting_unavailable") from exc
    options = [
        {
            "label": p.summary,
            "description": p.body,
            "cost_fen": p.budget_fen or 0,
            "ref_kind": "proposal",
            "ref_id": p.pk,
        }
        for p in proposals
    ]
    return ballot_create(
        actor=actor,
        community_ids=_community_ids(campaign),
        question=question,
        method=method,
        options=options,
        opens_at=opens_at,
        closes_at=closes_at,
        **ballot_fields,
    )


def shift_reminders_send(*, now: datetime | None = None, ahead: timedelta = timedelta(hours=24)) -> int:
    """Remind each volunteer once before their shift (in-app, and by email through
    notification_send when they gave an address). Each signup is claimed with a conditional
    UPDATE on `reminder_sent_at`, so two runs never send twice."""

    now = now or timezone.now()
    due = Pledge.objects.filter(
        shift__isnull=False,
        shift__starts_at__gt=now,
        shift__starts_at__lte=now + ahead,
        status__in=[P.PENDING, P.CONFIRMED],
        reminder_sent_at__isnull=True,
        user__isnull=False,
    ).values_list("pk", flat=True)
    sent = 0
    for pid in list(due):
        with transaction.atomic():
            if not Pledge.objects.filter(pk=pid, reminder_sent_at__isnull=True).update(reminder_sent_at=now):
                continue
            pledge = Pledge.objects.select_related("user", "shift", "need", "campaign").get(pk=pid)
            local = timezone.localtime(pledge.shift.starts_at)
            with translation.override(pledge.user.preferred_language):
                title = _("提醒：您报名的“%(need)s”班次将于 %(when)s 开始") % {
                    "need": pledge.need.title,
                    "when": local.strftime("%m-%d %H:%M"),
                }
                body = _("行动：%(campaign)s；地点：%(place)s。") % {
                    "campaign": pledge.campaign.title,
                    "place": pledge.shift.place or "—",
                }
            _notify(pledge.user, kind="shift_reminder", title=title, body=body, url="/campaigns/my-pledges/")
            sent += 1
    return sent
