"""Writes for people and memberships. Each function validates, writes in one transaction, and
announces after commit."""

import secrets
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from core.errors import ApplicationError, Conflict, NotFound
from live.services import publish, recheck
from network.models import Community

from . import permissions
from .models import AssistanceConsent, CommunityMembership, Notification, PasswordReset, User

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
    """Check a username and password for a sign-in; refuse with one message whichever of them is
    wrong, and after too many failures for the name (`sign_in_allowed`). A temporary password
    is used up by this call (see `password_temporary_consume`)."""
    client_ip = request.META.get("REMOTE_ADDR", "") if request is not None else ""
    sign_in_allowed(username=username, client_ip=client_ip)
    user = authenticate(request, username=(username or "").strip(), password=password or "")
    if user is None:
        sign_in_failed(username=username, client_ip=client_ip)
        raise ApplicationError(_("用户名或密码不正确，请再试一次。"), code="invalid_credentials")
    user_sign_in_check(user=user)
    password_temporary_consume(user=user)
    return user


def token_obtain(*, request: Any, username: str, password: str) -> Token:
    """The API token of a person (created on first use), for clients that cannot keep a session."""
    user = user_authenticate(request=request, username=username, password=password)
    token, _created = Token.objects.get_or_create(user=user)
    return token


def token_revoke(*, user: User) -> None:
    Token.objects.filter(user=user).delete()


# --- Passwords -------------------------------------------------------------------------------------

# A temporary password is read aloud by a community worker, so it is short; it is only good for
# one sign-in within this time, after which the person must choose their own.
TEMPORARY_PASSWORD_DIGITS = 8
TEMPORARY_PASSWORD_VALID = timedelta(hours=24)

# Reset e-mails: per address (whether or not it belongs to anyone, so the limit reveals nothing)
# and per client address, counted in the cache shared by all web processes.
PASSWORD_RESET_EMAIL_LIMIT = (3, 3600)
PASSWORD_RESET_CLIENT_LIMIT = (10, 3600)


class TooManyRequests(ApplicationError):
    status = 429
    default_code = "throttled"


def _count_in_window(key: str, *, limit: int, seconds: int) -> bool:
    """Count one event under `key` in a fixed window; False once `limit` is exceeded."""
    if cache.add(key, 1, timeout=seconds):
        return True
    try:
        return cache.incr(key) <= limit
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=seconds)
        return True


SIGN_IN_CLIENT_LIMIT = (10, 600)  # failed attempts for one name from one client per 10 minutes
SIGN_IN_NAME_LIMIT = (30, 3600)  # failed attempts for one name from anywhere per hour


def _sign_in_keys(username: str, client_ip: str) -> list[tuple[str, int, int]]:
    name = (username or "").strip().lower()[:150]
    return [
        (f"sign-in:client:{client_ip}:{name}", *SIGN_IN_CLIENT_LIMIT),
        (f"sign-in:name:{name}", *SIGN_IN_NAME_LIMIT),
    ]


def sign_in_allowed(*, username: str, client_ip: str) -> None:
    """Refuse (429) a sign-in on the page after too many failed ones: per name and client, and
    per name from anywhere, which matters for the 8-digit temporary passwords organisers hand
    out. Checked before the password, so guesses beyond the limit are not even tried."""
    for key, limit, _seconds in _sign_in_keys(username, client_ip):
        if (cache.get(key) or 0) >= limit:
            raise TooManyRequests(_("登录尝试太频繁了，请稍后再试。忘记密码可以请社区工作者帮忙重设。"))


def sign_in_failed(*, username: str, client_ip: str) -> None:
    """Count a failed sign-in (wrong name or password) towards `sign_in_allowed`'s limits."""
    for key, limit, seconds in _sign_in_keys(username, client_ip):
        _count_in_window(key, limit=limit, seconds=seconds)


def password_reset_email_throttle(*, email: str, client_ip: str) -> None:
    """Count a request for a reset e-mail; raise TooManyRequests (429) beyond the limits."""
    address = (email or "").strip().lower()
    n, seconds = PASSWORD_RESET_EMAIL_LIMIT
    by_address = _count_in_window(f"password-reset:email:{address}", limit=n, seconds=seconds)
    n, seconds = PASSWORD_RESET_CLIENT_LIMIT
    by_client = _count_in_window(f"password-reset:client:{client_ip}", limit=n, seconds=seconds)
    if not (by_address and by_client):
        raise TooManyRequests(_("找回密码的请求太频繁了，请一小时后再试。"))


def password_reset_email_send(*, user_id: int, domain: str, protocol: str, email: str) -> bool:
    """Email a reset link to a person who asked for one by address (忘记密码), in their language.
    The token is Django's (`default_token_generator`): it stops working once the password changes
    or after PASSWORD_RESET_TIMEOUT. Sends nothing if the person left or changed their address
    meanwhile. Returns whether an email went out."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email or user.email.lower() != (email or "").lower():
        return False
    with translation.override(user.preferred_language):
        context = {
            "email": user.email,
            "domain": domain,
            "site_name": _("众筹微治"),
            "uid": urlsafe_base64_encode(force_bytes(user.pk)),
            "user": user,
            "token": default_token_generator.make_token(user),
            "protocol": protocol,
        }
        subject = "".join(render_to_string("accounts/password_reset_subject.txt", context).splitlines())
        body = render_to_string("accounts/password_reset_email.txt", context)
    send_mail(subject=subject, message=body, from_email=None, recipient_list=[user.email])
    return True


def user_sign_in_check(*, user: User) -> None:
    """Refuse a sign-in with a temporary password that has expired. Call after the password
    was checked."""
    expires = user.temporary_password_expires_at
    if expires is not None and expires <= timezone.now():
        raise ApplicationError(_("临时密码已过期，请联系社区工作者重新设置。"), code="temporary_password_expired")


def password_temporary_consume(*, user: User) -> None:
    """A person just signed in with a temporary password: it stops working (used once), and they
    stay signed in on this device only until they choose their own. Call before `login()`, so
    the session is tied to the password as it is now."""
    if user.temporary_password_expires_at is None:
        return
    with transaction.atomic():
        user.set_unusable_password()
        user.temporary_password_expires_at = None
        user.must_change_password = True
        user.save(update_fields=["password", "temporary_password_expires_at", "must_change_password"])


def user_password_set(*, user: User, password: str) -> User:
    """Give a person a new password they chose. The caller has made sure it is them (a reset
    link, a sign-in just now, or the old password). Ends a forced change, revokes API tokens;
    sessions elsewhere end because the password changed (call `update_session_auth_hash` to keep
    the current one)."""
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ApplicationError(_("密码不符合要求。"), fields={"new_password": list(exc.messages)}) from exc
    with transaction.atomic():
        user.set_password(password)
        user.must_change_password = False
        user.temporary_password_expires_at = None
        user.save(update_fields=["password", "must_change_password", "temporary_password_expires_at"])
        token_revoke(user=user)
    return user


def user_password_change(*, user: User, new_password: str, old_password: str = "") -> User:
    """A signed-in person changes their password: with the old one, or without it while a change
    is forced (they signed in with a temporary password, which no longer works)."""
    if not user.must_change_password and not user.check_password(old_password or ""):
        msg = _("原密码不正确。")
        raise ApplicationError(msg, code="invalid_credentials", fields={"old_password": [msg]})
    return user_password_set(user=user, password=new_password)


def password_temporary_issue(*, actor: User, resident: User, note: str = "") -> tuple[PasswordReset, str]:
    """代为重设密码: a community worker gives a resident without e-mail a temporary password.

    Only an organiser of a community the resident is a verified member of, or a social worker of
    a station serving it (rule `accounts.reset_password`); never for someone who holds an office.
    The resident's old password, sessions and API tokens stop working; the temporary one works for
    one sign-in within TEMPORARY_PASSWORD_VALID, after which they must choose their own. The
    resident is notified and the reset recorded. Returns the record and the temporary password,
    which is kept nowhere in clear: show it once.
    """
    permissions.require(
        actor,
        "accounts.reset_password",
        resident,
        _("只有居民所在社区的社区工作者可以为其重设密码；担任职务的用户请用邮箱找回密码。"),
    )
    note = (note or "").strip()
    if len(note) > 300:
        msg = _("备注最多 %(n)d 个字。") % {"n": 300}
        raise ApplicationError(msg, fields={"note": [msg]})
    community_id = permissions.password_reset_communities(actor, resident)[0]
    password = "".join(secrets.choice("0123456789") for _i in range(TEMPORARY_PASSWORD_DIGITS))
    with transaction.atomic():
        locked = User.objects.select_for_update().filter(pk=resident.pk, is_active=True).first()
        if locked is None:
            raise NotFound(_("找不到这位用户。"))
        locked.set_password(password)
        locked.must_change_password = True
        locked.temporary_password_expires_at = timezone.now() + TEMPORARY_PASSWORD_VALID
        locked.save(update_fields=["password", "must_change_password", "temporary_password_expires_at"])
        token_revoke(user=locked)
        record = PasswordReset.objects.create(user=locked, actor=actor, community_id=community_id, note=note)
        community = Community.objects.get(pk=community_id)
        with translation.override(locked.preferred_language):
            title = _("您的密码已由%(name)s重设") % {"name": actor.name}
            body = _(
                "%(name)s（%(community)s）为您设置了临时密码。用它登录后，请立即设置您自己的新密码。"
                "如果您没有请求重设密码，请尽快联系社区。"
            ) % {"name": actor.name, "community": community.name}
        notification_send(user=locked, kind="password_reset", title=title, body=body, url="/me/")
    resident.refresh_from_db(fields=["password", "must_change_password", "temporary_password_expires_at"])
    return record, password


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
    recheck(user_id=membership.user_id)
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
