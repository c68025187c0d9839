"""Writes for people and memberships. Each function validates, writes in one transaction, and
announces after commit."""

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ApplicationError, Conflict, NotFound
from live.services import publish
from network.models import Community

from . import permissions
from .models import AssistanceConsent, CommunityMembership, Notification, User


def user_register(
    *, username: str, password: str, display_name: str = "", phone: str = "", preferred_language: str = "zh-hans"
) -> User:
    username = (username or "").strip()
    if not username:
        raise ApplicationError(_("请填写用户名。"), fields={"username": [_("请填写用户名。")]})
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict(_("这个用户名已被使用，请换一个。"), fields={"username": [_("这个用户名已被使用，请换一个。")]})
    if preferred_language not in User.Language.values:
        raise ApplicationError(_("不支持的语言。"), fields={"preferred_language": [_("不支持的语言。")]})
    user = User(
        username=username, display_name=display_name.strip(), phone=phone.strip(), preferred_language=preferred_language
    )
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ApplicationError(_("密码不符合要求。"), fields={"password": list(exc.messages)}) from exc
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # two registrations with one name at once
        raise Conflict(_("这个用户名已被使用，请换一个。")) from exc
    return user


def user_update_profile(
    *, user: User, display_name: str | None = None, phone: str | None = None, preferred_language: str | None = None
) -> User:
    if preferred_language is not None and preferred_language not in User.Language.values:
        raise ApplicationError(_("不支持的语言。"), fields={"preferred_language": [_("不支持的语言。")]})
    if display_name is not None:
        user.display_name = display_name.strip()
    if phone is not None:
        user.phone = phone.strip()
    if preferred_language is not None:
        user.preferred_language = preferred_language
    user.save(update_fields=["display_name", "phone", "preferred_language"])
    return user


def membership_request(*, user: User, community: Community, message: str = "") -> CommunityMembership:
    """A resident asks to join a community (加入社区). A rejected person may ask again."""
    permissions.require(user, "community.join", community)
    with transaction.atomic():
        existing = CommunityMembership.objects.select_for_update().filter(user=user, community=community).first()
        if existing is not None:
            if existing.status == CommunityMembership.Status.VERIFIED:
                raise Conflict(_("您已经是该社区的成员。"), code="already_member")
            if existing.status == CommunityMembership.Status.PENDING:
                raise Conflict(_("您的加入申请已提交，正在等待社区审核。"), code="already_requested")
            existing.status = CommunityMembership.Status.PENDING
            existing.message = message[:300]
            existing.reason = ""
            existing.decided_by = None
            existing.decided_at = None
            existing.save()
            membership = existing
        else:
            try:
                with transaction.atomic():
                    membership = CommunityMembership.objects.create(
                        user=user, community=community, message=message[:300]
                    )
            except IntegrityError as exc:  # the same request twice at once
                raise Conflict(_("您的加入申请已提交，正在等待社区审核。"), code="already_requested") from exc
        publish(f"organiser.{community.pk}", "join_request", {"community": community.pk, "membership": membership.pk})
    permissions.forget_roles(user)
    return membership


def _decide(*, actor: User, membership_id: int, verified: bool, reason: str) -> CommunityMembership:
    with transaction.atomic():
        membership = (
            CommunityMembership.objects.select_for_update()
            .select_related("community", "user")
            .filter(pk=membership_id)
            .first()
        )
        if membership is None:
            raise NotFound(_("找不到这条加入申请。"))
        permissions.require(
            actor, "community.verify_members", membership.community, _("只有该社区的社区工作者可以审核加入申请。")
        )
        if membership.status != CommunityMembership.Status.PENDING:
            raise Conflict(_("这条申请已经处理过了。"), code="already_decided")
        membership.status = CommunityMembership.Status.VERIFIED if verified else CommunityMembership.Status.REJECTED
        membership.reason = reason
        membership.decided_by = actor
        membership.decided_at = timezone.now()
        membership.save()
        community = membership.community
        if verified:
            notification_send(
                user=membership.user,
                kind="membership_verified",
                title=_("您已成为%(community)s的认证居民") % {"community": community.name},
                url=f"/communities/{community.pk}/",
            )
        else:
            notification_send(
                user=membership.user,
                kind="membership_rejected",
                title=_("您加入%(community)s的申请未通过") % {"community": community.name},
                body=reason,
                url=f"/communities/{community.pk}/",
            )
        publish(
            f"organiser.{community.pk}",
            "join_request_decided",
            {"community": community.pk, "membership": membership.pk, "status": membership.status},
        )
        publish(f"community.{community.pk}", "members", {"community": community.pk})
    permissions.forget_roles(membership.user)
    return membership


def membership_verify(*, actor: User, membership_id: int) -> CommunityMembership:
    return _decide(actor=actor, membership_id=membership_id, verified=True, reason="")


def membership_reject(*, actor: User, membership_id: int, reason: str) -> CommunityMembership:
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("拒绝时请写明原因，方便居民了解。"), fields={"reason": [_("请填写原因。")]})
    return _decide(actor=actor, membership_id=membership_id, verified=False, reason=reason[:300])


def consent_record(
    *,
    organiser: User,
    resident: User,
    community: Community,
    method: str,
    scope: str,
    given_at: Any = None,
    note: str = "",
) -> AssistanceConsent:
    """Record that `resident` asked `organiser` to take part on their behalf."""
    permissions.require(organiser, "consent.record", community, _("只有该社区的社区工作者可以登记代为参与。"))
    if method not in AssistanceConsent.Method.values:
        raise ApplicationError(_("请选择同意方式。"), fields={"method": [_("请选择同意方式。")]})
    if not (scope or "").strip():
        raise ApplicationError(_("请写明代办事项。"), fields={"scope": [_("请写明代办事项。")]})
    if not permissions.is_verified_member(resident, community.pk):
        raise ApplicationError(_("这位居民还不是该社区的认证成员。"), code="not_member")
    given_at = given_at or timezone.now()
    if given_at > timezone.now():
        raise ApplicationError(_("同意时间不能晚于现在。"), fields={"given_at": [_("同意时间不能晚于现在。")]})
    return AssistanceConsent.objects.create(
        resident=resident,
        organiser=organiser,
        community=community,
        method=method,
        scope=scope.strip()[:200],
        given_at=given_at,
        note=note[:300],
    )


def notification_send(*, user: User, kind: str, title: str, body: str = "", url: str = "") -> Notification:
    """Store an in-app notification and push it to the person's private live topic after commit."""
    note = Notification.objects.create(user=user, kind=kind, title=str(title)[:200], body=str(body), url=url[:300])
    publish(f"user.{user.pk}", "notification", {"id": note.pk, "kind": kind, "title": note.title, "url": note.url})
    return note


def notifications_mark_read(*, user: User, ids: list[int] | None = None) -> int:
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())
