from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import services as account_services
from accounts.permissions import roles_of
from core.errors import ApplicationError
from core.forms import apply_error

from .models import Community
from .selectors import community_list


def community_detail(request, pk: int):
    community = get_object_or_404(community_list(), pk=pk)
    status = None
    if request.user.is_authenticated:
        r = roles_of(request.user)
        if pk in r.verified_communities:
            status = "verified"
        elif pk in r.pending_communities:
            status = "pending"
    return render(request, "network/community.html", {"community": community, "membership_status": status})


@login_required
@require_POST
def community_join(request, pk: int):
    community = get_object_or_404(Community, pk=pk)
    try:
        account_services.membership_request(
            user=request.user, community=community, message=request.POST.get("message", "")
        )
        messages.success(request, _("申请已提交，社区工作者审核后您会收到通知。"))
    except ApplicationError as exc:
        apply_error(request, None, exc)
    return redirect("network:community", pk=pk)
