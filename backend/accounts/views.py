from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView, LogoutView
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ApplicationError
from core.forms import apply_error

from . import selectors, services
from .forms import RegisterForm, RejectForm


class SignInView(LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class SignOutView(LogoutView):
    pass


def register(request):
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
            messages.success(request, _("注册成功！下一步：选择您的社区并申请加入。"))
            response = redirect("core:home")
            response.set_cookie("django_language", user.preferred_language, max_age=365 * 86400, samesite="Lax")
            return response
    return render(request, "accounts/register.html", {"form": form})


@login_required
def me(request):
    return render(
        request,
        "accounts/me.html",
        {
            "memberships": selectors.memberships_of(user=request.user),
            "notifications": selectors.notifications_of(user=request.user)[:20],
        },
    )


@login_required
def join_queue(request):
    """社区工作者的入会审核队列."""
    return render(
        request,
        "accounts/join_queue.html",
        {
            "pending": selectors.membership_queue(user=request.user),
            "reject_form": RejectForm(),
        },
    )


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
                messages.error(request, _("拒绝时请写明原因，方便居民了解。"))
                return redirect("accounts:join_queue")
            m = services.membership_reject(
                actor=request.user, membership_id=membership_id, reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("已拒绝 %(name)s 的申请。") % {"name": m.user.name})
    except ApplicationError as exc:
        apply_error(request, None, exc)
    return redirect("accounts:join_queue")
