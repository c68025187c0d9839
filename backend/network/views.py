"""Public pages of the 五社 partner network and the volunteer profile page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import services as account_services
from accounts.permissions import may, roles_of
from accounts.selectors import community_organisers, pending_request_count
from core.errors import ApplicationError, NotFound
from core.forms import apply_error

from . import selectors, services
from .forms import VolunteerProfileForm


def _or_404(fn, **kwargs):
    try:
        return fn(**kwargs)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc


def community_detail(request, pk: int):
    community = _or_404(selectors.community_get, community_id=pk)
    status = None
    can_verify = False
    if request.user.is_authenticated:
        r = roles_of(request.user)
        if pk in r.verified_communities:
            status = "verified"
        elif pk in r.pending_communities:
            status = "pending"
        can_verify = may(request.user, "community.verify_members", community)
    return render(
        request,
        "network/community.html",
        {
            "community": community,
            "organisers": community_organisers(community=community),
            "membership_status": status,
            "can_verify": can_verify,
            "pending_count": pending_request_count(user=request.user, community=community) if can_verify else 0,
        },
    )


@login_required
@require_POST
def community_join(request, pk: int):
    community = _or_404(selectors.community_get, community_id=pk)
    try:
        account_services.membership_request(
            user=request.user, community=community, message=request.POST.get("message", "")
        )
        messages.success(request, _("申请已提交，社区工作者审核后您会收到通知。"))
    except ApplicationError as exc:
        apply_error(request, None, exc)
    return redirect("network:community", pk=pk)


def directory(request):
    """五社联动: every partner of the network on one page."""
    return render(
        request,
        "network/directory.html",
        {
            "townships": selectors.township_list(),
            "communities": selectors.community_list(),
            "stations": selectors.station_list(),
            "organisations": selectors.organisation_list(),
            "funds": selectors.fund_list(),
            "teams": selectors.volunteer_team_list(),
        },
    )


def station_detail(request, pk: int):
    return render(request, "network/station.html", {"station": _or_404(selectors.station_get, station_id=pk)})


@login_required
def station_workspaces(request):
    """社工站: the stations a social worker works at; straight to the workspace when only one."""
    try:
        stations = list(selectors.workspace_stations(user=request.user))
    except ApplicationError as exc:
        return render(request, "core/refused.html", {"message": exc.message}, status=exc.status)
    if len(stations) == 1:
        return redirect("network:station_workspace", pk=stations[0].pk)
    return render(request, "network/station_workspaces.html", {"stations": stations})


@login_required
def station_workspace(request, pk: int):
    """社工站工作台: for each community the station serves, its members, consent records,
    campaigns in preparation or running, and open problems, with links to act on them."""
    try:
        station = _or_404(selectors.station_workspace_get, user=request.user, station_id=pk)
    except ApplicationError as exc:
        return render(request, "core/refused.html", {"message": exc.message}, status=exc.status)
    return render(
        request,
        "network/station_workspace.html",
        {"station": station, "communities": selectors.station_workspace_communities(station=station)},
    )


def organisation_detail(request, pk: int):
    organisation = _or_404(selectors.organisation_get, organisation_id=pk)
    return render(request, "network/organisation.html", {"organisation": organisation})


def fund_detail(request, pk: int):
    return render(request, "network/fund.html", {"fund": _or_404(selectors.fund_get, fund_id=pk)})


def volunteer_team_detail(request, pk: int):
    team = _or_404(selectors.volunteer_team_get, team_id=pk)
    return render(
        request,
        "network/volunteer_team.html",
        {"team": team, "members": selectors.volunteer_team_public_members(team=team)},
    )


@login_required
def volunteer_profile(request):
    """我的志愿者档案: skills, free time and team."""
    profile = selectors.volunteer_profile_of(user=request.user)
    initial = (
        {
            "skills": profile.skills,
            "availability": profile.availability,
            "team": profile.team_id,
            "is_public": profile.is_public,
        }
        if profile
        else {"is_public": True}
    )
    form = VolunteerProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.volunteer_profile_save(
                user=request.user,
                skills=data["skills"],
                availability=data["availability"],
                team_id=data["team"].pk if data["team"] else None,
                is_public=data["is_public"],
            )
        except ApplicationError as exc:
            apply_error(request, form, exc)
        else:
            messages.success(request, _("志愿者档案已保存，谢谢您！"))
            return redirect("network:volunteer_profile")
    return render(
        request,
        "network/volunteer_profile.html",
        {"form": form, "profile": profile},
        status=400 if form.errors else 200,
    )
