"""Pages for people: register, sign in, "我的", language, and the organiser's pages (入会审核,
代为参与登记). Every rule is in services/selectors; refusals are shown on the page."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import (
    LoginView,
    LogoutView,
    PasswordChangeView,
    PasswordResetCompleteView,
    PasswordResetConfirmView,
    PasswordResetDoneView,
    PasswordResetView,
)
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.generic.edit import FormView
from django.views.i18n import set_language

from core.errors import ApplicationError
from core.forms import apply_error
from network.selectors import community_get

from . import selectors, services
from .forms import (
    ConsentForm,
    NewPasswordForm,
    ProfileForm,
    RegisterForm,
    RejectForm,
    ResetByEmailForm,
    SignInForm,
    TemporaryPasswordForm,
)
from .models import CommunityMembership
from .permissions import may


class SignInView(LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True
    form_class = SignInForm

    def form_invalid(self, form):
        throttled = form.has_error(NON_FIELD_ERRORS, code="throttled")
        return self.render_to_response(self.get_context_data(form=form), status=429 if throttled else 200)

    def form_valid(self, form):
        # A temporary password is used up by signing in; the middleware then asks for a new one.
        services.password_temporary_consume(user=form.get_user())
        return super().form_valid(form)


class SignOutView(LogoutView):
    pass


class ChangePasswordView(PasswordChangeView):
    """修改密码: keeps the person signed in on this device."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:me")

    def form_valid(self, form):
        services.user_password_set(user=form.user, password=form.cleaned_data["new_password1"])
        update_session_auth_hash(self.request, form.user)
        messages.success(self.request, _("密码已修改。"))
        return redirect(self.get_success_url())


class RequiredPasswordView(FormView):
    """设置新密码: after signing in with a temporary password, before anything else."""

    template_name = "accounts/password_required.html"
    form_class = NewPasswordForm

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect("accounts:login")
        if not request.user.must_change_password:
            return redirect("accounts:password_change")
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        try:
            form.save()
        except ApplicationError as exc:
            apply_error(self.request, form, exc)
            return self.form_invalid(form)
        update_session_auth_hash(self.request, form.user)
        messages.success(self.request, _("新密码已设置，以后请用它登录。"))
        next_url = self.request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={self.request.get_host()}, require_https=self.request.is_secure()
        ):
            next_url = "core:home"
        return redirect(next_url)


class ResetRequestView(PasswordResetView):
    """忘记密码: the same answer whether or not the address is known; limited per address and
    per client."""

    template_name = "accounts/password_reset_form.html"
    form_class = ResetByEmailForm
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        try:
            services.password_reset_email_throttle(
                email=form.cleaned_data["email"], client_ip=self.request.META.get("REMOTE_ADDR", "")
            )
        except ApplicationError as exc:
            form.add_error(None, str(exc.message))
            return self.render_to_response(self.get_context_data(form=form), status=exc.status)
        return super().form_valid(form)

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ResetSentView(PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class ResetConfirmView(PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    form_class = NewPasswordForm
    success_url = reverse_lazy("accounts:password_reset_complete")


class ResetCompleteView(PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


def register(request):
    if request.user.is_authenticated:
        return redirect("accounts:me")
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_register(
                username=data["username"],
                password=data["password"],
                display_name=data["display_name"],
                phone=data["phone"],
                preferred_language=data["preferred_language"],
            )
        except ApplicationError as exc:
            apply_error(request, form, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            if data["community"] is not None:
                services.membership_request(user=user, community=data["community"])
                messages.success(
                    request,
                    _("注册成功！加入%(community)s的申请已提交，社区工作者认证后您会收到通知。")
                    % {"community": data["community"].name},
                )
                response = redirect("network:community", pk=data["community"].pk)
            else:
                messages.success(request, _("注册成功！下一步：选择您的社区并申请加入。"))
                response = redirect("core:home")
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME, user.preferred_language, max_age=365 * 86400, samesite="Lax"
            )
            return response
    return render(request, "accounts/register.html", {"form": form}, status=400 if form.errors else 200)


@require_POST
def language(request):
    """Switch the page language; a signed-in person's choice is also saved to their profile."""
    lang = request.POST.get("language", "")
    if request.user.is_authenticated and lang in dict(settings.LANGUAGES):
        services.user_set_language(user=request.user, language=lang)
    return set_language(request)


@login_required
def me(request):
    """我的: profile, communities, notifications."""
    user = request.user
    form = ProfileForm(
        request.POST or None,
        initial={
            "display_name": user.display_name,
            "phone": user.phone,
            "email": user.email,
            "preferred_language": user.preferred_language,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update_profile(user=user, **form.cleaned_data)
        except ApplicationError as exc:
            apply_error(request, form, exc)
        else:
            messages.success(request, _("资料已保存。"))
            response = redirect("accounts:me")
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME, user.preferred_language, max_age=365 * 86400, samesite="Lax"
            )
            return response
    return render(
        request,
        "accounts/me.html",
        {
            "form": form,
            "memberships": selectors.memberships_of(user=user),
            "notifications": selectors.notifications_of(user=user)[:20],
            "unread": selectors.unread_notification_count(user=user),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def notifications_read(request):
    services.notifications_mark_read(user=request.user)
    messages.success(request, _("通知已全部标为已读。"))
    return redirect("accounts:me")


def _queue_context(request, status: str):
    community = None
    if request.GET.get("community"):
        community = community_get(community_id=request.GET["community"])
    decides = may(request.user, "community.organise_any")
    if status == CommunityMembership.Status.VERIFIED:
        # Station social workers see the verified members of the communities they serve (read-only).
        members = selectors.verified_member_list(user=request.user, community=community)
        communities = selectors.assisted_community_list(user=request.user)
    else:
        members = selectors.membership_queue(user=request.user, community=community, status=status)
        communities = selectors.organiser_communities(user=request.user)
    page = Paginator(members, 50).get_page(request.GET.get("page"))
    return {
        "resettable": selectors.password_resettable_ids(user=request.user, members=page.object_list),
        "items": page.object_list,
        "page": page,
        "total": page.paginator.count,
        "status": status,
        "statuses": [
            (value, label)
            for value, label in CommunityMembership.Status.choices
            if decides or value == CommunityMembership.Status.VERIFIED
        ],
        "decides": decides,
        "communities": communities,
        "community": community,
    }


@login_required
def join_queue(request):
    """社区工作者的入会审核队列: pending requests first; decided ones on the other tabs. Social
    workers of a station see the verified members of the communities it serves, without deciding."""
    default = (
        CommunityMembership.Status.PENDING
        if may(request.user, "community.organise_any")
        else CommunityMembership.Status.VERIFIED
    )
    status = request.GET.get("status") or default
    if status not in CommunityMembership.Status.values:
        status = default
    try:
        context = _queue_context(request, status)
    except ApplicationError as exc:
        return render(request, "core/refused.html", {"message": exc.message}, status=exc.status)
    return render(request, "accounts/join_queue.html", context)


@login_required
@require_POST
def join_decide(request, membership_id: int):
    try:
        if request.POST.get("decision") == "verify":
            m = services.membership_verify(actor=request.user, membership_id=membership_id)
            messages.success(request, _("已认证 %(name)s。") % {"name": m.user.name})
        else:
            form = RejectForm(request.POST)
            if not form.is_valid():
                try:
                    context = _queue_context(request, CommunityMembership.Status.PENDING)
                except ApplicationError as exc:
                    return render(request, "core/refused.html", {"message": exc.message}, status=exc.status)
                context["reject_error_id"] = membership_id
                context["reject_error"] = _("拒绝时请写明原因，方便居民了解。")
                return render(request, "accounts/join_queue.html", context, status=400)
            m = services.membership_reject(
                actor=request.user, membership_id=membership_id, reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("已拒绝 %(name)s 的申请。") % {"name": m.user.name})
    except ApplicationError as exc:
        apply_error(request, None, exc)
    return redirect("accounts:join_queue")


@login_required
def consents(request):
    """代为参与登记: an organiser records that a resident asked them for help, and sees the records
    (of one community with `?community=`)."""
    community = None
    try:
        if request.GET.get("community"):
            community = community_get(community_id=request.GET["community"])
        records = selectors.consent_list(user=request.user, community=community)[:50]
    except ApplicationError as exc:
        return render(request, "core/refused.html", {"message": exc.message}, status=exc.status)
    communities = selectors.assisted_community_list(user=request.user)
    form = ConsentForm(
        request.POST or None, communities=communities, residents=selectors.verified_members(communities=communities)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.consent_record(
                organiser=request.user,
                resident=data["resident"],
                community=data["community"],
                method=data["method"],
                scope=data["scope"],
                given_at=data["given_at"],
                note=data["note"],
            )
        except ApplicationError as exc:
            apply_error(request, form, exc)
        else:
            messages.success(request, _("已登记 %(name)s 的代为参与同意。") % {"name": data["resident"].name})
            return redirect("accounts:consents")
    return render(
        request,
        "accounts/consents.html",
        {"form": form, "records": records, "community": community},
        status=400 if form.errors else 200,
    )


@login_required
@never_cache
def member_password_reset(request, user_id: int):
    """代为重设密码: from the resident's entry in 入会审核 (已认证), a community worker confirms
    with the resident and is shown a temporary password once, to read out to them."""
    try:
        resident = selectors.user_get(user_id=user_id)
        selectors.password_reset_check(user=request.user, resident=resident)
    except ApplicationError as exc:
        return render(request, "core/refused.html", {"message": exc.message}, status=exc.status)
    form = TemporaryPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            record, password = services.password_temporary_issue(
                actor=request.user, resident=resident, note=form.cleaned_data["note"]
            )
        except ApplicationError as exc:
            apply_error(request, form, exc)
        else:
            return render(
                request,
                "accounts/password_reset_issued.html",
                {"resident": resident, "record": record, "password": password, "valid_hours": 24},
            )
    return render(
        request,
        "accounts/member_password_reset.html",
        {"resident": resident, "form": form},
        status=400 if form.errors else 200,
    )
