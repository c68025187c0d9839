"""Writes for foundation review: calls, applications, funded items with receipts, disbursements
and milestones. Each function checks permission and input, writes in one transaction, leaves an
audit event, and announces after commit (the fund's `reviewer.<id>` topic, notifications).

Separation of duties (职责分离):
- nobody decides on an application or a funded item they submitted;
- a reviewer approves one round once; above the fund's threshold two different reviewers must;
- the person recording a disbursement neither submitted nor approved the item.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.models import User
from accounts.services import notification_send
from campaigns.models import BeneficiaryTag, Campaign, Need
from campaigns.services import check_image
from core.errors import ApplicationError, Conflict, NotFound, PermissionDenied
from core.ids import parse_id
from funding import ledger
from funding.matching import pool_approve_campaign
from funding.models import LedgerEntry, MatchingPool
from live.services import publish
from network.models import CharityFund, Township

from . import selectors
from .models import (
    Application,
    ApplicationReview,
    AuditEvent,
    Call,
    Decision,
    FundedItem,
    FundPolicy,
    ItemReview,
    Milestone,
    MilestonePhoto,
    MilestoneUpdate,
    Receipt,
)
from .receipts import CheckedReceipt, check_receipts

logger = logging.getLogger(__name__)

A = Application.Status
I = FundedItem.Status  # noqa: E741 - the item's status enum, read like A for applications
CLOSED_CAMPAIGN = (Campaign.Status.FAILED, Campaign.Status.CANCELLED, Campaign.Status.COMPLETED)
PARTNER_KINDS = ("community", "station", "organisation", "fund", "team")
MAX_TEXT = 2000
MAX_QUESTIONS = 20


def _invalid(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, fields={field: [message]})


def _audit(
    *,
    actor: User | None,
    action: str,
    obj: Any,
    fund_id: int | None,
    campaign_id: int | None,
    from_status: str = "",
    to_status: str = "",
    reason: str = "",
    changes: dict[str, Any] | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        fund_id=fund_id,
        campaign_id=campaign_id,
        actor=actor,
        action=action,
        object_type=obj._meta.model_name,
        object_id=obj.pk,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        changes=changes or {},
    )


def _announce_queue(fund_id: int) -> None:
    """Publish the queue's absolute counts to the fund's reviewers (sent after commit)."""
    publish(f"reviewer.{fund_id}", "queue", selectors.queue_counts(fund_id=fund_id))


# --- Fund settings and calls -------------------------------------------------------------------


def fund_policy_set(
    *,
    actor: User,
    fund: CharityFund,
    application_two_approvals_above_fen: int | None,
    item_two_approvals_above_fen: int | None,
) -> FundPolicy:
    """Set the amounts above which two different reviewers must approve (双人审批)."""
    permissions.require(actor, "review.review_fund", fund, _("只有该基金的评审可以修改评审规则。"))
    for field, value in (
        ("application_two_approvals_above_fen", application_two_approvals_above_fen),
        ("item_two_approvals_above_fen", item_two_approvals_above_fen),
    ):
        if value is not None and value < 0:
            raise _invalid(field, _("金额不能为负数。"))
    with transaction.atomic():
        policy, _created = FundPolicy.objects.select_for_update().get_or_create(fund=fund)
        before = {
            "application_two_approvals_above_fen": policy.application_two_approvals_above_fen,
            "item_two_approvals_above_fen": policy.item_two_approvals_above_fen,
        }
        policy.application_two_approvals_above_fen = application_two_approvals_above_fen
        policy.item_two_approvals_above_fen = item_two_approvals_above_fen
        policy.save()
        after = {
            "application_two_approvals_above_fen": application_two_approvals_above_fen,
            "item_two_approvals_above_fen": item_two_approvals_above_fen,
        }
        _audit(
            actor=actor,
            action="policy_set",
            obj=policy,
            fund_id=fund.pk,
            campaign_id=None,
            changes={k: [before[k], after[k]] for k in after if before[k] != after[k]},
        )
    return policy


def _clean_call_fields(
    *,
    title: str,
    description: str,
    tags: Iterable[str],
    townships: Iterable[int],
    partner_kinds: Iterable[str],
    max_ask_fen: int | None,
    questions: Iterable[str],
    opens_at: dt.datetime | None,
    closes_at: dt.datetime | None,
) -> dict[str, Any]:
    """A call's fields, checked all at once; raises with every problem by field."""
    errors: dict[str, list[str]] = {}
    title = (title or "").strip()
    tags, partner_kinds = list(dict.fromkeys(tags)), list(dict.fromkeys(partner_kinds))
    try:
        townships = list(dict.fromkeys(int(t) for t in townships))
    except (TypeError, ValueError):
        townships = []
        errors["townships"] = [_("地区不正确。")]
    questions = [q.strip() for q in questions if q and q.strip()]
    if not title:
        errors["title"] = [_("请填写标题。")]
    if any(t not in BeneficiaryTag.values for t in tags):
        errors["tags"] = [_("受益标签不正确。")]
    if townships and Township.objects.filter(pk__in=townships).count() != len(townships):
        errors["townships"] = [_("地区不正确。")]
    if any(k not in PARTNER_KINDS for k in partner_kinds):
        errors["partner_kinds"] = [_("合作方类型不正确。")]
    if max_ask_fen is not None and max_ask_fen <= 0:
        errors["max_ask_fen"] = [_("最高申请额必须大于零。")]
    if len(questions) > MAX_QUESTIONS or any(len(q) > 300 for q in questions):
        errors["questions"] = [_("最多 20 个问题，每个问题不超过 300 字。")]
    if opens_at is not None and closes_at is not None and closes_at <= opens_at:
        errors["closes_at"] = [_("截止时间要晚于开始时间。")]
    if errors:
        raise ApplicationError(_("请检查填写的内容。"), fields=errors)
    return {
        "title": title[:120],
        "description": (description or "").strip()[:MAX_TEXT],
        "tags": tags,
        "townships": townships,
        "partner_kinds": partner_kinds,
        "max_ask_fen": max_ask_fen,
        "questions": questions,
        "opens_at": opens_at,
        "closes_at": closes_at,
    }


def call_create(
    *,
    actor: User,
    pool: MatchingPool,
    title: str,
    description: str = "",
    tags: Iterable[str] = (),
    townships: Iterable[int] = (),
    partner_kinds: Iterable[str] = (),
    max_ask_fen: int | None = None,
    questions: Iterable[str] = (),
    opens_at: dt.datetime | None = None,
    closes_at: dt.datetime | None = None,
) -> Call:
    """Open a call for applications (申报指南) on a charity fund's pool. Without `opens_at` it
    accepts applications at once; without `closes_at` until a reviewer closes it."""
    if pool.tier != MatchingPool.Tier.CHARITY or pool.fund_id is None:
        raise _invalid("pool", _("只有慈善基金的配捐池可以发布申报指南。"))
    permissions.require(actor, "review.review_fund", pool.fund, _("只有该基金的评审可以发布申报指南。"))
    fields = _clean_call_fields(
        title=title,
        description=description,
        tags=tags,
        townships=townships,
        partner_kinds=partner_kinds,
        max_ask_fen=max_ask_fen,
        questions=questions,
        opens_at=opens_at,
        closes_at=closes_at,
    )
    if closes_at is not None and closes_at <= timezone.now():
        raise _invalid("closes_at", _("截止时间要晚于现在。"))
    with transaction.atomic():
        if Call.objects.filter(pool=pool).exists():
            raise Conflict(_("这个配捐池已经有申报指南了。"), code="call_exists")
        call = Call.objects.create(fund_id=pool.fund_id, pool=pool, **fields)
        _audit(actor=actor, action="call_created", obj=call, fund_id=pool.fund_id, campaign_id=None)
    return call


# Once a call has applications these stay as they are, so that no submitted application stops
# meeting the criteria it was checked against (answers are matched to questions by position).
CALL_FIXED_ONCE_APPLIED = ("tags", "townships", "partner_kinds", "questions", "opens_at")


def call_update(
    *,
    actor: User,
    call_id: int,
    title: str,
    description: str,
    tags: Iterable[str],
    townships: Iterable[int],
    partner_kinds: Iterable[str],
    max_ask_fen: int | None,
    questions: Iterable[str],
    opens_at: dt.datetime | None,
    closes_at: dt.datetime | None,
) -> Call:
    """Edit a call that has not closed. Title, description and deadline may always change; once
    applications exist the criteria, questions and start are fixed and the highest ask may only
    be raised or removed, so no submitted application becomes invalid."""
    fields = _clean_call_fields(
        title=title,
        description=description,
        tags=tags,
        townships=townships,
        partner_kinds=partner_kinds,
        max_ask_fen=max_ask_fen,
        questions=questions,
        opens_at=opens_at,
        closes_at=closes_at,
    )
    with transaction.atomic():
        call = selectors.call_manage_access(user=actor, call_id=call_id, for_update=True)
        if call.phase() == "closed":
            raise Conflict(_("这个申报指南已经结束，不能再修改。"), code="call_closed")
        before = {k: getattr(call, k) for k in fields}
        for k in ("tags", "townships", "partner_kinds"):  # sets: the order is not a change
            if set(before[k]) == set(fields[k]):
                fields[k] = before[k]
        changed = {k for k, v in fields.items() if before[k] != v}
        if "closes_at" in changed and closes_at is not None and closes_at <= timezone.now():
            raise _invalid("closes_at", _("截止时间要晚于现在；要马上结束，请用“提前结束征集”。"))
        applied = call.applications.count()
        if applied:
            errors = {
                k: [_("已经有申请了，这一项不能再改，否则已提交的申请可能不再符合条件。")]
                for k in CALL_FIXED_ONCE_APPLIED
                if k in changed
            }
            old_max, new_max = before["max_ask_fen"], fields["max_ask_fen"]
            if "max_ask_fen" in changed and new_max is not None and (old_max is None or new_max < old_max):
                errors["max_ask_fen"] = [_("已经有申请了，最高申请额只能提高或取消，不能降低。")]
            if errors:
                raise ApplicationError(
                    _("已经有 %(n)s 份申请，部分内容不能再修改。") % {"n": applied},
                    code="call_has_applications",
                    fields=errors,
                )
        if not changed:
            return call
        for k in changed:
            setattr(call, k, fields[k])
        call.save(update_fields=sorted(changed))
        _audit(
            actor=actor,
            action="call_updated",
            obj=call,
            fund_id=call.fund_id,
            campaign_id=None,
            changes={k: [_plain(before[k]), _plain(fields[k])] for k in sorted(changed)},
        )
    return call


def call_close(*, actor: User, call_id: int, reason: str = "") -> Call:
    """Stop accepting applications before the deadline (提前结束征集). Applications already
    submitted stay in the queue and are decided as usual."""
    reason = (reason or "").strip()[:MAX_TEXT]
    with transaction.atomic():
        call = selectors.call_manage_access(user=actor, call_id=call_id, for_update=True)
        phase = call.phase()
        if phase == "closed":
            raise Conflict(_("这个申报指南已经结束了。"), code="call_closed")
        call.is_open = False
        call.save(update_fields=["is_open"])
        _audit(
            actor=actor,
            action="call_closed",
            obj=call,
            fund_id=call.fund_id,
            campaign_id=None,
            from_status=phase,
            to_status="closed",
            reason=reason,
        )
    return call


def _plain(value: Any) -> Any:
    """A value as the audit trail's JSON keeps it."""
    return value.isoformat() if isinstance(value, dt.datetime) else value


# --- Applications ------------------------------------------------------------------------------


def _check_fit(call: Call, campaign: Campaign, ask_fen: Any, statement: str, answers: list[str]) -> None:
    """The call's criteria, all at once so an organiser sees every problem in one go."""
    errors: dict[str, list[str]] = {}
    if not isinstance(ask_fen, int) or isinstance(ask_fen, bool) or ask_fen <= 0:
        errors["ask_fen"] = [_("申请配捐额必须大于零。")]
    elif call.max_ask_fen is not None and ask_fen > call.max_ask_fen:
        errors["ask_fen"] = [
            _("申请额不能超过本指南的最高额 %(yuan)s 元。") % {"yuan": f"{call.max_ask_fen / 100:.2f}"}
        ]
    if not statement.strip():
        errors["statement"] = [_("请写明申请理由和资金用途。")]
    if len(answers) != len(call.questions) or any(not (a or "").strip() for a in answers):
        errors["answers"] = [_("请回答申报指南中的每一个问题。")]
    if call.tags and not set(call.tags) & {t.tag for t in campaign.tags.all()}:
        labels = "、".join(str(BeneficiaryTag(t).label) for t in call.tags)
        errors["campaign"] = [_("本指南只支持带有这些受益标签的行动：%(tags)s。") % {"tags": labels}]
    if call.townships and campaign.host_community.township_id not in call.townships:
        errors.setdefault("campaign", []).append(_("这个行动的主办社区不在本指南支持的地区。"))
    if call.partner_kinds and not {p.kind for p in campaign.partners.all()} & set(call.partner_kinds):
        errors.setdefault("campaign", []).append(_("这个行动还没有本指南要求类型的合作方。"))
    if errors:
        first = next(iter(errors.values()))[0]
        raise ApplicationError(first, code="criteria_not_met", fields=errors)


def _campaign_for_application(campaign_id: int) -> Campaign:
    campaign = (
        Campaign.objects.select_related("host_community")
        .prefetch_related("tags", "partners", "communities")
        .filter(pk=campaign_id)
        .first()
    )
    if campaign is None:
        raise NotFound(_("找不到这个众筹行动。"))
    return campaign


def application_submit(
    *, actor: User, call_id: int, campaign_id: int, ask_fen: int, statement: str, answers: list[str] | None = None
) -> Application:
    """An organiser of the campaign applies it to a fund's call (申请配捐)."""
    answers = [str(a).strip() for a in (answers or [])]
    campaign = _campaign_for_application(campaign_id)
    permissions.require(actor, "review.apply", campaign, _("只有本行动所属社区的社区工作者可以申请配捐。"))
    call = Call.objects.select_related("pool").filter(pk=call_id).first()
    if call is None:
        raise NotFound(_("找不到这个申报指南。"))
    phase = call.phase()
    if phase == "closed":
        raise Conflict(_("这个申报指南已停止接受申请。"), code="call_closed")
    if phase == "upcoming":
        raise Conflict(_("这个申报指南还没有开始接受申请。"), code="call_not_open_yet")
    if campaign.status in CLOSED_CAMPAIGN or campaign.status == Campaign.Status.DRAFT:
        raise Conflict(_("只有已提交审核或进行中的行动可以申请配捐。"), code="campaign_not_eligible")
    _check_fit(call, campaign, ask_fen, statement or "", answers)
    now = timezone.now()
    try:
        with transaction.atomic():
            application = Application.objects.create(
                call=call,
                fund_id=call.fund_id,
                campaign=campaign,
                submitted_by=actor,
                ask_fen=ask_fen,
                currency=call.pool.currency,
                statement=statement.strip()[:MAX_TEXT],
                answers=answers,
                submitted_at=now,
            )
            _audit(
                actor=actor,
                action="application_submitted",
                obj=application,
                fund_id=call.fund_id,
                campaign_id=campaign.pk,
                to_status=A.SUBMITTED,
                changes={"ask_fen": ask_fen},
            )
            _announce_queue(call.fund_id)
    except IntegrityError as exc:
        raise Conflict(_("这个行动已经申请过本指南了。"), code="already_applied") from exc
    return application


def application_resubmit(
    *, actor: User, application_id: int, ask_fen: int, statement: str, answers: list[str] | None = None
) -> Application:
    """After reviewers asked for changes, the organiser edits and submits again (a new round)."""
    answers = [str(a).strip() for a in (answers or [])]
    with transaction.atomic():
        application = selectors.application_access(user=actor, application_id=application_id, for_update=True)
        permissions.require(actor, "review.apply", application.campaign, _("只有本行动的社区工作者可以修改申请。"))
        if application.status != A.CHANGES_REQUESTED:
            raise Conflict(_("只有被要求修改的申请可以重新提交。"), code="wrong_status")
        campaign = _campaign_for_application(application.campaign_id)
        _check_fit(application.call, campaign, ask_fen, statement or "", answers)
        changes = {}
        if application.ask_fen != ask_fen:
            changes["ask_fen"] = [application.ask_fen, ask_fen]
        if application.statement != statement.strip():
            changes["statement"] = [application.statement, statement.strip()]
        if application.answers != answers:
            changes["answers"] = [application.answers, answers]
        application.ask_fen = ask_fen
        application.statement = statement.strip()[:MAX_TEXT]
        application.answers = answers
        application.status = A.SUBMITTED
        application.round = F("round") + 1
        application.submitted_at = timezone.now()
        application.save()
        application.refresh_from_db()
        _audit(
            actor=actor,
            action="application_resubmitted",
            obj=application,
            fund_id=application.fund_id,
            campaign_id=application.campaign_id,
            from_status=A.CHANGES_REQUESTED,
            to_status=A.SUBMITTED,
            changes=changes,
        )
        _announce_queue(application.fund_id)
    return application


def _approvals_needed(threshold: int | None, amount_fen: int) -> int:
    return 2 if threshold is not None and amount_fen > threshold else 1


def _check_decision(decision: str, reason: str) -> None:
    if decision not in Decision.values:
        raise _invalid("decision", _("请选择评审决定。"))
    if decision != Decision.APPROVE and not reason:
        raise _invalid("reason", _("不通过或要求修改时，请写明理由，方便申请人了解。"))


def application_decide(
    *,
    actor: User,
    application_id: int,
    decision: str,
    reason: str = "",
    conditions: str = "",
    cap_fen: int | None = None,
) -> Application:
    """A reviewer of the fund approves (optionally with conditions and a lower cap), rejects or
    asks for changes. Approval puts the campaign into the call's pool once enough different
    reviewers have approved this round."""
    reason = (reason or "").strip()[:MAX_TEXT]
    conditions = (conditions or "").strip()[:MAX_TEXT]
    _check_decision(decision, reason)
    with transaction.atomic():
        application = selectors.application_access(user=actor, application_id=application_id, for_update=True)
        permissions.require(actor, "review.review_fund", application.fund, _("只有该基金的评审可以评审这份申请。"))
        if application.submitted_by_id == actor.pk:
            raise PermissionDenied(_("不能评审自己提交的申请。"), code="separation_of_duties")
        if application.status != A.SUBMITTED:
            raise Conflict(_("这份申请目前不在待评审状态。"), code="wrong_status")
        if cap_fen is not None and not 0 <= cap_fen <= application.ask_fen:
            raise _invalid("cap_fen", _("批准上限不能为负数，也不能高于申请额。"))
        if (
            decision == Decision.APPROVE
            and application.reviews.filter(reviewer=actor, round=application.round, decision=Decision.APPROVE).exists()
        ):
            raise Conflict(_("您已经批准过这一轮申请，需要另一位评审批准。"), code="already_approved")
        ApplicationReview.objects.create(
            application=application,
            reviewer=actor,
            round=application.round,
            decision=decision,
            reason=reason,
            conditions=conditions,
            cap_fen=cap_fen if decision == Decision.APPROVE else None,
        )
        before = application.status
        if decision == Decision.APPROVE:
            round_approvals = list(
                application.reviews.filter(round=application.round, decision=Decision.APPROVE).order_by("pk")
            )
            policy = FundPolicy.objects.filter(fund_id=application.fund_id).first()
            needed = _approvals_needed(
                policy.application_two_approvals_above_fen if policy else None, application.ask_fen
            )
            if len(round_approvals) >= needed:
                caps = [r.cap_fen for r in round_approvals if r.cap_fen is not None]
                application.status = A.APPROVED
                application.approved_cap_fen = min(caps) if caps else application.ask_fen
                application.conditions = "\n".join(r.conditions for r in round_approvals if r.conditions)
                _put_into_pool(actor, application)
        elif decision == Decision.REJECT:
            application.status = A.REJECTED
        else:
            application.status = A.CHANGES_REQUESTED
        if application.status != before:
            application.decision_reason = reason
            application.decided_at = timezone.now()
        application.save()
        _audit(
            actor=actor,
            action=f"application_{decision}",
            obj=application,
            fund_id=application.fund_id,
            campaign_id=application.campaign_id,
            from_status=before,
            to_status=application.status,
            reason=reason,
            changes={"cap_fen": cap_fen, "conditions": conditions} if decision == Decision.APPROVE else {},
        )
        if application.status != before:
            _notify_application(application)
        _announce_queue(application.fund_id)
    return application


def _put_into_pool(actor: User, application: Application) -> None:
    try:
        pool_approve_campaign(
            actor=actor,
            pool_id=application.call.pool_id,
            campaign_id=application.campaign_id,
            cap_override_fen=application.approved_cap_fen,
        )
    except Conflict as exc:
        if exc.code != "already_approved":
            raise
        # Already in the pool (approved directly by the pool's managers): the campaign is
        # eligible either way; the application still records the decision and its cap.
        logger.info("campaign %s already in pool %s", application.campaign_id, application.call.pool_id)


def _notify_application(application: Application) -> None:
    titles = {
        A.APPROVED: _("“%(campaign)s”的配捐申请已获批准"),
        A.REJECTED: _("“%(campaign)s”的配捐申请未通过"),
        A.CHANGES_REQUESTED: _("“%(campaign)s”的配捐申请需要修改"),
    }
    title = titles.get(application.status)
    if title is None:
        return
    notification_send(
        user=application.submitted_by,
        kind=f"application_{application.status}",
        title=title % {"campaign": application.campaign.title},
        body=application.decision_reason or application.conditions,
        url=f"/review/applications/{application.pk}/",
    )


# --- Funded items ------------------------------------------------------------------------------


def _check_item_fields(
    *, campaign: Campaign, need_id: Any, description: str, amount_fen: Any, payee: str, spent_on: Any
) -> Need:
    errors: dict[str, list[str]] = {}
    need = Need.objects.filter(pk=need_id, campaign=campaign).first() if parse_id(need_id) is not None else None
    if need is None:
        errors["need"] = [_("请选择这笔支出对应的本行动需求。")]
    if not description:
        errors["description"] = [_("请写明买了什么或付了什么钱。")]
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or amount_fen <= 0:
        errors["amount_fen"] = [_("金额必须大于零。")]
    if not payee:
        errors["payee"] = [_("请填写收款方。")]
    if not isinstance(spent_on, dt.date):
        errors["spent_on"] = [_("请填写支出日期。")]
    elif spent_on > timezone.localdate():
        errors["spent_on"] = [_("支出日期不能晚于今天。")]
    if errors:
        raise ApplicationError(_("请检查填写的内容。"), fields=errors)
    return need  # type: ignore[return-value]


def item_submit(
    *,
    actor: User,
    application_id: int,
    need_id: int,
    description: str,
    amount_fen: int,
    payee: str,
    spent_on: dt.date,
    receipts: list[UploadedFile],
) -> FundedItem:
    """An organiser of the campaign claims an expense (资金使用申请) with its receipts against
    the fund money of an approved application. Every file is checked before anything is written."""
    application = Application.objects.select_related("campaign", "fund").filter(pk=application_id).first()
    if application is None:
        raise NotFound(_("找不到这份配捐申请。"))
    permissions.require(
        actor, "review.submit_item", application.campaign, _("只有本行动所属社区的社区工作者可以提交资金使用申请。")
    )
    if application.status != A.APPROVED:
        raise Conflict(_("配捐申请获批后才能提交资金使用申请。"), code="application_not_approved")
    description, payee = (description or "").strip()[:200], (payee or "").strip()[:100]
    need = _check_item_fields(
        campaign=application.campaign,
        need_id=need_id,
        description=description,
        amount_fen=amount_fen,
        payee=payee,
        spent_on=spent_on,
    )
    checked = check_receipts(list(receipts), required=True)
    written: list[str] = []
    try:
        item = _item_insert(
            actor=actor,
            application=application,
            need=need,
            description=description,
            amount_fen=amount_fen,
            payee=payee,
            spent_on=spent_on,
            checked=checked,
            written=written,
        )
    except Exception:
        _delete_files(written)
        raise
    return item


def _delete_files(names: list[str]) -> None:
    for name in names:
        Receipt.file.field.storage.delete(name)


def _item_insert(
    *,
    actor: User,
    application: Application,
    need: Need,
    description: str,
    amount_fen: int,
    payee: str,
    spent_on: dt.date,
    checked: list[CheckedReceipt],
    written: list[str],
) -> FundedItem:
    with transaction.atomic():
        item = FundedItem.objects.create(
            application=application,
            fund_id=application.fund_id,
            campaign_id=application.campaign_id,
            need=need,
            description=description,
            amount_fen=amount_fen,
            currency=application.currency,
            payee=payee,
            spent_on=spent_on,
            submitted_by=actor,
            submitted_at=timezone.now(),
        )
        written.extend(r.file.name for r in _write_receipts(item, actor, checked))
        _audit(
            actor=actor,
            action="item_submitted",
            obj=item,
            fund_id=item.fund_id,
            campaign_id=item.campaign_id,
            to_status=I.SUBMITTED,
            changes={"amount_fen": amount_fen, "payee": payee, "receipts": len(checked)},
        )
        _announce_queue(item.fund_id)
    return item


def _write_receipts(item: FundedItem, actor: User, checked: list[CheckedReceipt]) -> list[Receipt]:
    """Precondition: inside the transaction that writes `item`. If the transaction fails after a
    file was written, the files written here are removed so nothing is left on disk."""
    stored: list[Receipt] = []
    try:
        for c in checked:
            receipt = Receipt(
                item=item,
                original_name=c.original_name,
                content_type=c.content_type,
                size=c.size,
                sha256=c.sha256,
                uploaded_by=actor,
            )
            receipt.file.save(c.stored_name, c.file, save=False)
            stored.append(receipt)
            receipt.save()
    except Exception:
        for r in stored:
            r.file.delete(save=False)
        raise
    return stored


def item_resubmit(
    *,
    actor: User,
    item_id: int,
    need_id: int,
    description: str,
    amount_fen: int,
    payee: str,
    spent_on: dt.date,
    receipts: list[UploadedFile] | None = None,
) -> FundedItem:
    """After reviewers asked for changes: edit the item, add receipts, submit again (new round)."""
    description, payee = (description or "").strip()[:200], (payee or "").strip()[:100]
    checked = check_receipts(list(receipts or []), required=False)
    written: list[str] = []
    try:
        return _item_update(
            actor=actor,
            item_id=item_id,
            need_id=need_id,
            description=description,
            amount_fen=amount_fen,
            payee=payee,
            spent_on=spent_on,
            checked=checked,
            written=written,
        )
    except Exception:
        _delete_files(written)
        raise


def _item_update(
    *,
    actor: User,
    item_id: int,
    need_id: int,
    description: str,
    amount_fen: int,
    payee: str,
    spent_on: dt.date,
    checked: list[CheckedReceipt],
    written: list[str],
) -> FundedItem:
    with transaction.atomic():
        item = selectors.item_access(user=actor, item_id=item_id, for_update=True)
        permissions.require(actor, "review.edit_item", item, _("只有本行动的社区工作者可以修改资金使用申请。"))
        if item.status != I.CHANGES_REQUESTED:
            raise Conflict(_("只有被要求修改的申请可以重新提交。"), code="wrong_status")
        need = _check_item_fields(
            campaign=item.campaign,
            need_id=need_id,
            description=description,
            amount_fen=amount_fen,
            payee=payee,
            spent_on=spent_on,
        )
        new = {
            "need_id": need.pk,
            "description": description,
            "amount_fen": amount_fen,
            "payee": payee,
            "spent_on": spent_on,
        }
        changes = {k: [str(getattr(item, k)), str(v)] for k, v in new.items() if getattr(item, k) != v}
        for k, v in new.items():
            setattr(item, k, v)
        item.status = I.SUBMITTED
        item.round = F("round") + 1
        item.submitted_at = timezone.now()
        item.save()
        item.refresh_from_db()
        written.extend(r.file.name for r in _write_receipts(item, actor, checked))
        if checked:
            changes["receipts_added"] = len(checked)
        _audit(
            actor=actor,
            action="item_resubmitted",
            obj=item,
            fund_id=item.fund_id,
            campaign_id=item.campaign_id,
            from_status=I.CHANGES_REQUESTED,
            to_status=I.SUBMITTED,
            changes=changes,
        )
        _announce_queue(item.fund_id)
    return item


def item_decide(*, actor: User, item_id: int, decision: str, reason: str = "") -> FundedItem:
    """A reviewer of the fund approves, rejects or asks for changes to a funded item. Above the
    fund's threshold the item is approved only when two different reviewers have approved."""
    reason = (reason or "").strip()[:MAX_TEXT]
    _check_decision(decision, reason)
    with transaction.atomic():
        item = selectors.item_access(user=actor, item_id=item_id, for_update=True)
        permissions.require(actor, "review.review_fund", item.fund, _("只有该基金的评审可以审核这笔支出。"))
        if item.submitted_by_id == actor.pk:
            raise PermissionDenied(_("不能审核自己提交的支出。"), code="separation_of_duties")
        if item.status != I.SUBMITTED:
            raise Conflict(_("这笔支出目前不在待审核状态。"), code="wrong_status")
        if (
            decision == Decision.APPROVE
            and item.reviews.filter(reviewer=actor, round=item.round, decision=Decision.APPROVE).exists()
        ):
            raise Conflict(_("您已经批准过这一轮，需要另一位评审批准。"), code="already_approved")
        ItemReview.objects.create(item=item, reviewer=actor, round=item.round, decision=decision, reason=reason)
        before = item.status
        if decision == Decision.APPROVE:
            approvals = item.reviews.filter(round=item.round, decision=Decision.APPROVE).count()
            policy = FundPolicy.objects.filter(fund_id=item.fund_id).first()
            if approvals >= _approvals_needed(policy.item_two_approvals_above_fen if policy else None, item.amount_fen):
                item.status = I.APPROVED
        elif decision == Decision.REJECT:
            item.status = I.REJECTED
        else:
            item.status = I.CHANGES_REQUESTED
        if item.status != before:
            item.decision_reason = reason
            item.decided_at = timezone.now()
        item.save()
        _audit(
            actor=actor,
            action=f"item_{decision}",
            obj=item,
            fund_id=item.fund_id,
            campaign_id=item.campaign_id,
            from_status=before,
            to_status=item.status,
            reason=reason,
        )
        if item.status != before:
            _notify_item(item)
        _announce_queue(item.fund_id)
    return item


def item_disburse(*, actor: User, item_id: int, transfer_reference: str) -> FundedItem:
    """Record the payment of an approved item (拨付) and write its balanced ledger entry.

    The application row is locked first, so disbursements against one campaign's money from one
    pool queue up and each sees the balance the previous one left: the sum paid out can never
    exceed what the pool matched to the campaign."""
    transfer_reference = (transfer_reference or "").strip()[:100]
    if not transfer_reference:
        raise _invalid("transfer_reference", _("请填写转账凭证号。"))
    with transaction.atomic():
        peek = selectors.item_access(user=actor, item_id=item_id)
        application = Application.objects.select_for_update().select_related("call").get(pk=peek.application_id)
        item = selectors.item_access(user=actor, item_id=item_id, for_update=True)
        permissions.require(actor, "review.review_fund", item.fund, _("只有该基金的评审可以登记拨付。"))
        if item.status != I.APPROVED:
            raise Conflict(_("只有已批准的支出可以拨付。"), code="wrong_status")
        conflict = selectors.item_disburse_conflict(user=actor, item=item)
        if conflict == "submitter":
            raise PermissionDenied(_("提交人不能登记自己申请的拨付。"), code="separation_of_duties")
        if conflict == "approver":
            raise PermissionDenied(_("批准人不能再登记拨付，请由另一位评审登记。"), code="separation_of_duties")
        # The chain head is taken before the balance is read: a match released meanwhile by the
        # funding app (a refund) appends under the same lock, so it cannot slip in between.
        ledger.lock_chain()
        available = selectors.campaign_pool_balance(campaign_id=item.campaign_id, pool_id=application.call.pool_id)
        if item.amount_fen > available:
            raise Conflict(
                _("可用余额不足：本基金为该行动配捐的可用余额为 %(yuan)s 元。") % {"yuan": f"{available / 100:.2f}"},
                code="insufficient_balance",
            )
        entry = ledger.ledger_post(
            kind=LedgerEntry.Kind.DISBURSEMENT,
            lines=ledger.transfer(
                debit=ledger.PAYEES, credit=ledger.campaign_matched(item.campaign_id), amount_fen=item.amount_fen
            ),
            currency=item.currency,
            campaign_id=item.campaign_id,
            pool_id=application.call.pool_id,
            fund_id=item.fund_id,
            reference=transfer_reference,
            memo=f"funded_item:{item.pk} {item.payee}",
        )
        Application.objects.filter(pk=application.pk).update(disbursed_fen=F("disbursed_fen") + item.amount_fen)
        item.status = I.DISBURSED
        item.transfer_reference = transfer_reference
        item.disbursed_by = actor
        item.disbursed_at = timezone.now()
        item.ledger_entry_id = entry.pk
        item.save()
        _audit(
            actor=actor,
            action="item_disbursed",
            obj=item,
            fund_id=item.fund_id,
            campaign_id=item.campaign_id,
            from_status=I.APPROVED,
            to_status=I.DISBURSED,
            changes={"transfer_reference": transfer_reference, "ledger_seq": entry.seq, "amount_fen": item.amount_fen},
        )
        _notify_item(item)
        _announce_queue(item.fund_id)
    return item


def _notify_item(item: FundedItem) -> None:
    titles = {
        I.APPROVED: _("支出“%(item)s”已获批准"),
        I.REJECTED: _("支出“%(item)s”未通过审核"),
        I.CHANGES_REQUESTED: _("支出“%(item)s”需要修改"),
        I.DISBURSED: _("支出“%(item)s”已拨付"),
    }
    title = titles.get(item.status)
    if title is None:
        return
    notification_send(
        user=item.submitted_by,
        kind=f"funded_item_{item.status}",
        title=title % {"item": item.description},
        body=item.decision_reason if item.status != I.DISBURSED else item.transfer_reference,
        url=f"/review/items/{item.pk}/",
    )


# --- Milestones (accountability) ---------------------------------------------------------------


def milestone_create(
    *,
    actor: User,
    campaign_id: int,
    title: str,
    need_id: int | None = None,
    description: str = "",
    due_on: dt.date | None = None,
) -> Milestone:
    """An organiser adds a delivery milestone (里程碑) against one of the campaign's needs."""
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None:
        raise NotFound(_("找不到这个众筹行动。"))
    permissions.require(actor, "review.manage_milestones", campaign, _("只有本行动的社区工作者可以设置里程碑。"))
    title = (title or "").strip()
    if not title:
        raise _invalid("title", _("请填写里程碑名称。"))
    need = None
    if need_id is not None:
        need = Need.objects.filter(pk=need_id, campaign=campaign).first()
        if need is None:
            raise _invalid("need", _("请选择本行动的需求。"))
    with transaction.atomic():
        position = Milestone.objects.filter(campaign=campaign).count()
        milestone = Milestone.objects.create(
            campaign=campaign,
            need=need,
            title=title[:120],
            description=(description or "").strip()[:MAX_TEXT],
            due_on=due_on,
            position=position,
            created_by=actor,
        )
        publish(f"campaign.{campaign.pk}", "milestone", {"milestone": milestone.pk, "percent": 0})
    return milestone


def milestone_report(
    *, actor: User, milestone_id: int, percent_done: int, body: str, photos: Iterable[UploadedFile] = ()
) -> MilestoneUpdate:
    """Report progress on a milestone with a new percentage, what was done and photos."""
    photos = list(photos)
    body = (body or "").strip()
    if not isinstance(percent_done, int) or not 0 <= percent_done <= 100:
        raise _invalid("percent_done", _("完成度请填 0 到 100 之间的数字。"))
    if not body:
        raise _invalid("body", _("请写下这次完成了什么。"))
    if len(photos) > 9:
        raise _invalid("photos", _("一次最多上传 9 张照片。"))
    for photo in photos:
        check_image(photo, "photos")
    with transaction.atomic():
        milestone = Milestone.objects.select_for_update().select_related("campaign").filter(pk=milestone_id).first()
        if milestone is None:
            raise NotFound(_("找不到这个里程碑。"))
        permissions.require(
            actor, "review.manage_milestones", milestone.campaign, _("只有本行动的社区工作者可以报告进展。")
        )
        update = MilestoneUpdate.objects.create(
            milestone=milestone, author=actor, percent_done=percent_done, body=body[:MAX_TEXT]
        )
        for photo in photos:
            MilestonePhoto.objects.create(update=update, image=photo)
        milestone.percent_done = percent_done
        milestone.save(update_fields=["percent_done", "updated_at"])
        publish(f"campaign.{milestone.campaign_id}", "milestone", {"milestone": milestone.pk, "percent": percent_done})
    return update
