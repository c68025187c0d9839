"""Writes for people and memberships. Each function validates, writes in one transaction, and
announces after commit."""

from datetime import datetime
from typing import Any

from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from core.errors import ApplicationError, Conflict, NotFound
from live.services import publish
from network.models import Community

from . import permissions
from .models import AssistanceConsent, CommunityMembership, Notification, User

USERNAME_MAX = User._meta.get_field("username").max_length
DISPLAY_NAME_MAX = User._meta.get_field("display_name").max_length
PHONE_MAX = User._meta.get_field("phone").max_length


def user_register(
    *, username: str, password: str, display_name: str = "", phone: str = "", preferred_language: str = "zh-hans"
) -> User:
    username = (username or "").strip()
    if not username:
        raise ApplicationError(_("请填写用户名。"), fields={"username": [_("请填写用户名。")]})
    _check_lengths(display_name=display_name, phone=phone)
    if len(username) > USERNAME_MAX:
        msg = _("用户名最多 %(n)d 个字符。") % {"n": USERNAME_MAX}
        raise ApplicationError(msg, fields={"username": [msg]})
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
    *,
    user: User,
    display_name: str | None = None,
    phone: str | None = None,
    email: str | None = None,
    preferred_language: str | None = None,
) -> User:
    """Change what a person may change about themselves ("我的" page, PATCH /api/me/)."""
    _check_lengths(display_name=display_name, phone=phone)
    if preferred_language is not None and preferred_language not in User.Language.values:
        raise ApplicationError(_("不支持的语言。"), fields={"preferred_language": [_("不支持的语言。")]})
    if email:
        try:
            validate_email(email.strip())
        except ValidationError as exc:
            raise ApplicationError(_("邮箱地址格式不正确。"), fields={"email": [_("邮箱地址格式不正确。")]}) from exc
    if display_name is not None:
        user.display_name = display_name.strip()
    if phone is not None:
        user.phone = phone.strip()
    if email is not None:
        user.email = email.strip()
    if preferred_language is not None:
        user.preferred_language = preferred_language
    user.save(update_fields=["display_name", "phone", "email", "preferred_language"])
    return user


def user_set_language(*, user: User, language: str) -> User:
    """Remember the language a signed-in person switched to, so it follows them to other devices."""
    if language not in User.Language.values:
        raise ApplicationError(_("不支持的语言。"), fields={"language": [_("不支持的语言。")]})
    if user.preferred_language != language:
        User.objects.filter(pk=user.pk).update(preferred_language=language)
        user.preferred_language = language
    return user


def user_authenticate(*, request: Any, username: str, password: str) -> User:
    """Check a username and password; refuse with one message whichever of them is wrong."""
    user = authenticate(request, username=(username or "").strip(), password=password or "")
    if user is None:
        raise ApplicationError(_("用户名或密码不正确，请再试一次。"), code="invalid_credentials")
    return user


def token_obtain(*, request: Any, username: str, password: str) -> Token:
    """The API token of a person (created on first use), for clients that cannot keep a session."""
    user = user_authenticate(request=request, username=username, password=password)
    token, _created = Token.objects.get_or_create(user=user)
    return token


def token_revoke(*, user: User) -> None:
    Token.objects.filter(user=user).delete()


def _check_lengths(*, display_name: str | None, phone: str | None) -> None:
    fields = {}
    if display_name is not None and len(display_name.strip()) > DISPLAY_NAME_MAX:
        fields["display_name"] = [_("称呼最多 %(n)d 个字。") % {"n": DISPLAY_NAME_MAX}]
    if phone is not None and len(phone.strip()) > PHONE_MAX:
        fields["phone"] = [_("手机号最多 %(n)d 位。") % {"n": PHONE_MAX}]
    if fields:
        raise ApplicationError(_("请检查填写的内容。"), fields=fields)


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
        publish(
            f"organiser.{community.pk}",
            "join_request",
            {"community": community.pk, "membership": membership.pk, "pending": _pending_count(community.pk)},
        )
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
        with translation.override(membership.user.preferred_language):
            if verified:
                title = _("您已成为%(community)s的认证居民") % {"community": community.name}
            else:
                title = _("您加入%(community)s的申请未通过") % {"community": community.name}
        notification_send(
            user=membership.user,
            kind="membership_verified" if verified else "membership_rejected",
            title=title,
            body=reason,
            url=f"/communities/{community.pk}/",
        )
        publish(
            f"organiser.{community.pk}",
            "join_request_decided",
            {
                "community": community.pk,
                "membership": membership.pk,
                "status": membership.status,
                "pending": _pending_count(community.pk),
            },
        )
        if verified:
            member_count = CommunityMembership.objects.filter(
                community=community, status=CommunityMembership.Status.VERIFIED
            ).count()
            publish(f"community.{community.pk}", "members", {"community": community.pk, "member_count": member_count})
    permissions.forget_roles(membership.user)
    return membership


def _pending_count(community_id: int) -> int:
    """Absolute number for live messages, so a replayed message is harmless."""
    return CommunityMembership.objects.filter(
        community_id=community_id, status=CommunityMembership.Status.PENDING
    ).count()


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
    given_at: datetime | None = None,
    note: str = "",
) -> AssistanceConsent:
    """Record that `resident` asked `organiser` to take part on their behalf (代为参与同意).

    Only an organiser of `community` or a social worker of a station serving it may record it,
    and only for a verified member of it.
    """
    permissions.require(
        organiser, "consent.record", community, _("只有该社区的社区工作者或服务它的社工站社工可以登记代为参与。")
    )
    if method not in AssistanceConsent.Method.values:
        raise ApplicationError(_("请选择同意方式。"), fields={"method": [_("请选择同意方式。")]})
    scope = (scope or "").strip()
    if not scope:
        raise ApplicationError(_("请写明代办事项。"), fields={"scope": [_("请写明代办事项。")]})
    if not permissions.is_verified_member(resident, community.pk):
        msg = _("这位居民还不是该社区的认证成员。")
        raise ApplicationError(msg, code="not_member", fields={"resident": [msg]})
    now = timezone.now()
    given_at = given_at or now
    if timezone.is_naive(given_at):
        given_at = timezone.make_aware(given_at)
    if given_at > now:
        raise ApplicationError(_("同意时间不能晚于现在。"), fields={"given_at": [_("同意时间不能晚于现在。")]})
    with transaction.atomic():
        return AssistanceConsent.objects.create(
            resident=resident,
            organiser=organiser,
            community=community,
            method=method,
            scope=scope[:200],
            given_at=given_at,
            note=(note or "").strip()[:300],
        )


def notification_send(*, user: User, kind: str, title: str, body: str = "", url: str = "") -> Notification:
    """Store an in-app notification (站内通知) and, after commit, push it to the person's private
    live topic and queue an email copy when they gave an address.

    Callers build `title`/`body` in the recipient's language (`translation.override(
    user.preferred_language)`), since the text is stored, not re-translated on display.
    """
    from .tasks import notification_email

    note = Notification.objects.create(user=user, kind=kind, title=str(title)[:200], body=str(body), url=url[:300])
    publish(f"user.{user.pk}", "notification", {"id": note.pk, "kind": kind, "title": note.title, "url": note.url})
    if user.email:
        notification_email.delay_on_commit(note.pk)
    return note


def notification_email_send(*, notification_id: int) -> bool:
    """Send the email copy of one notification, at most once.

    The row is claimed with a conditional UPDATE (emailed_at IS NULL → now), so a second run of
    the task sends nothing. If sending fails the claim is released for the retry, and the error
    is raised. Returns whether an email went out.
    """
    note = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if note is None or not note.user.email or not note.user.is_active:
        return False
    claimed = Notification.objects.filter(pk=note.pk, emailed_at__isnull=True).update(emailed_at=timezone.now())
    if not claimed:
        return False
    with translation.override(note.user.preferred_language):
        lines = [note.body] if note.body else []
        if note.url:
            lines.append(_("详情：%(url)s") % {"url": note.url})
        lines.append(_("—— 众筹微治"))
        try:
            send_mail(
                subject=note.title,
                message="\n\n".join(lines),
                from_email=None,
                recipient_list=[note.user.email],
            )
        except Exception:
            Notification.objects.filter(pk=note.pk).update(emailed_at=None)
            raise
    return True


def notifications_mark_read(*, user: User, ids: list[int] | None = None) -> int:
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())
